import type { Deps } from '../deps.js';
import type { AuthUser } from '../auth/tokens.js';
import { Conflict, NotFound } from '../errors.js';
import { findSeriesForFolder } from '../library/folderMatch.js';
import type { ScoredCandidate } from '../library/titleMatch.js';
import { createItem } from '../watchlist/service.js';
import * as repo from './repo.js';
import { readList, type ListEntry, type ListsCtx } from './sources.js';
import type { LinkCtx } from '../watchlist/checker.js';

/**
 * Import lists: each new entry of a user's AniList / MyAnimeList list is matched to the provider
 * with the library's folder matcher (title, then its other titles; with the year). One clear
 * winner becomes a watchlist item of the list's owner; close calls are kept with their
 * candidates for the user to choose from, never guessed. Entries seen once are not matched again.
 */

export const SYNC_TASK = 'import_lists_sync';
const MAX_TITLES = 3;

/** What syncing a list needs: reading it, matching its entries, adding winners to the watchlist. */
export type ImportCtx = LinkCtx & ListsCtx & Pick<Deps, 'clock'>;

type Match = { kind: 'winner'; candidate: ScoredCandidate } | { kind: 'close'; candidates: ScoredCandidate[] } | { kind: 'none' };

async function matchEntry(deps: Pick<Deps, 'log' | 'settings' | 'providers'>, e: ListEntry): Promise<Match> {
  const close = new Map<string, ScoredCandidate>();
  for (const title of e.titles.slice(0, MAX_TITLES)) {
    const d = await findSeriesForFolder(deps, e.year ? `${title} (${e.year})` : title);
    if (d.kind === 'winner') return { kind: 'winner', candidate: d.candidate };
    if (d.kind === 'close') for (const c of d.candidates) if ((close.get(c.key)?.score ?? -1) < c.score) close.set(c.key, c);
  }
  return close.size ? { kind: 'close', candidates: [...close.values()].sort((a, b) => b.score - a.score).slice(0, 10) } : { kind: 'none' };
}

async function addToWatchlist(
  deps: LinkCtx,
  list: repo.ListRow,
  c: Pick<ScoredCandidate, 'name' | 'link' | 'provider'>,
): Promise<'added' | 'exists'> {
  try {
    await createItem(
      deps,
      { id: list.user_id },
      {
        anime_title: c.name,
        anime_url: c.link,
        provider_id: c.provider,
        auto_download: list.auto_download,
        quality_preference: 'auto',
        genres: [],
      },
    );
    return 'added';
  } catch (err) {
    if (err instanceof Conflict) return 'exists';
    throw err;
  }
}

export interface SyncResult {
  read: number;
  new_entries: number;
  added: number;
  exists: number;
  ambiguous: number;
  not_found: number;
}

/** Reads the list and handles its new entries. A list that cannot be read keeps its error on the row. */
export async function syncList(deps: ImportCtx, listId: string): Promise<SyncResult> {
  const list = await repo.getList(deps.db, listId);
  if (!list) throw new NotFound(`Import list ${listId} not found`);
  const log = deps.log.child({ module: 'import-lists', list: list.id, service: list.service });
  const out: SyncResult = { read: 0, new_entries: 0, added: 0, exists: 0, ambiguous: 0, not_found: 0 };
  try {
    const all = await readList(deps, list.service, list.username, list.statuses);
    const known = await repo.knownIds(deps.db, list.id);
    out.read = all.length;
    for (const e of all.filter((x) => !known.has(x.external_id))) {
      out.new_entries++;
      const m = await matchEntry(deps, e);
      const base = { external_id: e.external_id, title: e.titles[0] ?? e.external_id, year: e.year };
      if (m.kind === 'winner') {
        const outcome = await addToWatchlist(deps, list, m.candidate);
        out[outcome]++;
        await repo.saveEntry(deps.db, list.id, { ...base, outcome, candidates: [], anime_key: m.candidate.key });
      } else if (m.kind === 'close') {
        out.ambiguous++;
        await repo.saveEntry(deps.db, list.id, {
          ...base,
          outcome: 'ambiguous',
          candidates: m.candidates.map(({ provider, key, name, link, year, score }) => ({ provider, key, name, link, year, score })),
          anime_key: null,
        });
      } else {
        out.not_found++;
        await repo.saveEntry(deps.db, list.id, { ...base, outcome: 'not_found', candidates: [], anime_key: null });
      }
    }
    await repo.markSynced(deps.db, list.id, deps.clock.now(), null);
    log.info(out, 'import list read');
    return out;
  } catch (err) {
    await repo.markSynced(deps.db, list.id, deps.clock.now(), (err as Error).message);
    log.warn({ err: (err as Error).message }, 'import list not read');
    throw err;
  }
}

/** The scheduled run: every enabled list, one after the other; one list's failure stays on that list. */
export async function syncAll(deps: ImportCtx): Promise<void> {
  for (const l of await repo.enabledLists(deps.db)) {
    await syncList(deps, l.id).catch(() => undefined);
  }
}

/** The user's choice for an ambiguous entry: one of its candidates, or ignore it. */
export async function resolveEntry(
  deps: LinkCtx,
  user: Pick<AuthUser, 'id'>,
  listId: string,
  externalId: string,
  choice: { key: string | null },
) {
  const list = await repo.getList(deps.db, listId, user.id);
  if (!list) throw new NotFound(`Import list ${listId} not found`);
  const entry = await repo.getEntry(deps.db, listId, externalId);
  if (!entry) throw new NotFound(`Entry ${externalId} not found in this list`);
  if (entry.outcome !== 'ambiguous') throw new Conflict(`Entry ${externalId} is not waiting for a choice (${entry.outcome})`);
  if (choice.key === null) {
    await repo.saveEntry(deps.db, listId, { ...entry, outcome: 'ignored' });
    return { ...entry, outcome: 'ignored' as const };
  }
  const c = entry.candidates.find((x) => x.key === choice.key);
  if (!c) throw new Conflict(`'${choice.key}' is not one of the entry's candidates`);
  await addToWatchlist(deps, list, c);
  await repo.saveEntry(deps.db, listId, { ...entry, outcome: 'resolved', anime_key: c.key });
  return { ...entry, outcome: 'resolved' as const, anime_key: c.key };
}
