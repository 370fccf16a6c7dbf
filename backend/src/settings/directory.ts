import fs from 'node:fs/promises';

/** Default until the library domain wires its sync: the number of series folders in `dir`. */
export async function countSeriesFolders(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).length;
}
