import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { insideWriteRoots } from '../library/writeRoots.js';

/**
 * Removes an item's partial files (`<series>/.part/<item>`), and the series' `.part/` folder once
 * nothing else is in it; never through a link that leads out of the library.
 */
export async function removePartFolder(deps: Pick<Deps, 'settings'>, partRoot: string): Promise<void> {
  if (!(await insideWriteRoots(deps, partRoot))) return;
  await fs.rm(partRoot, { recursive: true, force: true });
  await fs.rmdir(path.dirname(partRoot)).catch(() => undefined); // ENOTEMPTY: another item's files
}
