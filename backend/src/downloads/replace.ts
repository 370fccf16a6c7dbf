import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { episodeFile, seriesFolderPath, type SeriesRow } from '../library/service.js';
import { placeFile } from './place.js';

/** The file the library holds for the item's episode (absolute, inside the series folder), if it is still there. */
export async function existingEpisodeFile(deps: Pick<Deps, 'db' | 'settings'>, series: SeriesRow, item: { season: number; episode: number }): Promise<string | null> {
  const f = await episodeFile(deps, series, item.season, item.episode);
  if (!f) return null;
  return (await fs.stat(f.path).then((s) => s.isFile(), () => false)) ? f.path : null;
}

/**
 * A verified download takes the place of an episode's old file: under the same name the rename
 * replaces it in one step; under another name the new file is placed first (never over a third
 * file), then the old one removed. Until this runs, the old file is untouched.
 */
export async function replaceFile(verified: string, target: string, old: string): Promise<void> {
  if (path.resolve(old) === path.resolve(target)) {
    await fs.rename(verified, target);
    return;
  }
  await placeFile(verified, target);
  await fs.rm(old, { force: true });
}
