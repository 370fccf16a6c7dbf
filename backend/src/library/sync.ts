import type { Deps } from '../deps.js';
import { getProvider } from '../providers/registry.js';
import { isProviderError } from '../providers/errors.js';
import * as repo from './repo.js';
import type { SeriesRow } from './repo.js';
import type { Catalogue } from '../providers/types.js';

/**
 * The provider half of a scan: reads the series' catalogue and stores what it lists. A failure
 * (blocked, changed, unreachable, ...) is recorded on the row (`scan_error`) and returned as
 * text; the episodes known so far are kept.
 */
export async function syncWithProvider(
  deps: Pick<Deps, 'db' | 'settings' | 'log' | 'providers'>,
  row: SeriesRow,
  catalogue?: Catalogue,
): Promise<string | null> {
  return (await syncWithProviderDetailed(deps, row, catalogue))?.message ?? null;
}

/** The same, returning the error itself (the rescan tells a site that is down from one bad series). */
export async function syncWithProviderDetailed(
  deps: Pick<Deps, 'db' | 'settings' | 'log' | 'providers'>,
  row: SeriesRow,
  catalogue?: Catalogue,
): Promise<Error | null> {
  try {
    const cat = catalogue ?? (await getProvider(deps, row.provider).catalogue(row.key));
    await deps.db.transaction(async (c) => {
      await repo.syncCatalogue(
        c,
        row.id,
        cat.episodes.map((e) => ({ season: e.season, episode: e.episode, title: e.title, title_en: e.title_en })),
      );
      await repo.setScanResult(c, row.id, null, { description: cat.description, cover: cat.cover, genres: cat.genres, year: cat.year });
    });
    return null;
  } catch (err) {
    const message = (err as Error).message;
    if (!isProviderError(err)) deps.log.error({ err, key: row.key }, 'series scan failed');
    else deps.log.warn({ key: row.key, error: message }, 'provider scan failed');
    await repo.setScanResult(deps.db, row.id, message).catch(() => undefined);
    return err as Error;
  }
}
