import fs from 'node:fs/promises';
import type { Deps } from '../deps.js';
import { episodeFile, type SeriesRow } from '../library/service.js';

/** The file the library holds for the item's episode (absolute, inside the series folder), if it is still there. */
export async function existingEpisodeFile(
  deps: Pick<Deps, 'db' | 'settings'>,
  series: SeriesRow,
  item: { season: number; episode: number },
): Promise<string | null> {
  const f = await episodeFile(deps, series, item.season, item.episode);
  if (!f) return null;
  return (await fs.stat(f.path).then(
    (s) => s.isFile(),
    () => false,
  ))
    ? f.path
    : null;
}
