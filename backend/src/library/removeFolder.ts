import fs from 'node:fs/promises';
import path from 'node:path';
import { BadRequest } from '../errors.js';
import { isInside } from '../util/safePath.js';

/** Files the product writes into a series folder besides the episodes (metadata/, the key file). */
const PRODUCT_FILE =
  /^(tvshow\.nfo|poster\.jpg|fanart\.jpg|landscape\.jpg|clearlogo\.png|logo\.png|season\d{2,}-poster\.jpg|season-specials-poster\.jpg|\.aniworld-key)$/;
const VIDEO = /\.(mkv|mp4|avi|webm|m4v)$/i;

export interface FolderRemoval {
  /** How many files were removed. */
  removed: number;
  /** Files the product did not put there: left in place (paths relative to the series folder). */
  kept: string[];
  /** The series folder itself is gone (it was empty after the product's files). */
  folderRemoved: boolean;
}

/**
 * `delete_files=true`: removes only what the product put in a series folder (the episode files it
 * placed or imported, each with its `.nfo` and `-thumb.jpg`, the series NFO and artwork, the key
 * file, partial downloads), then empty season folders, then the folder when nothing is left.
 * Anything else stays and is listed. Symbolic links are removed as links, never followed.
 */
export async function removeProductFiles(animeDir: string, dir: string, episodeFiles: readonly string[]): Promise<FolderRemoval> {
  const realRoot = await fs.realpath(animeDir);
  const realDir = await fs.realpath(dir).catch(() => null);
  if (!realDir) return { removed: 0, kept: [], folderRemoved: false };
  if (realDir === realRoot || !isInside(realRoot, realDir)) throw new BadRequest('The series folder is not inside the anime directory');
  const targets = new Set<string>();
  for (const f of episodeFiles) {
    const full = path.resolve(realDir, f);
    if (!isInside(realDir, full) || full === realDir || !VIDEO.test(full)) continue;
    const base = full.slice(0, -path.extname(full).length);
    targets.add(full).add(`${base}.nfo`).add(`${base}-thumb.jpg`);
  }
  let removed = 0;
  const unlink = async (p: string) => {
    const st = await fs.lstat(p).catch(() => null);
    if (!st || st.isDirectory()) return;
    await fs.unlink(p);
    removed++;
  };
  for (const t of targets) await unlink(t);
  await fs.rm(path.join(realDir, '.part'), { recursive: true, force: true });
  const kept: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        await fs.rmdir(p).catch(() => undefined); // only when empty
      } else if (d === realDir && PRODUCT_FILE.test(e.name)) {
        await unlink(p);
      } else kept.push(path.relative(realDir, p).split(path.sep).join('/'));
    }
  };
  await walk(realDir);
  const folderRemoved = await fs.rmdir(realDir).then(
    () => true,
    () => false,
  );
  return { removed, kept: kept.sort(), folderRemoved };
}
