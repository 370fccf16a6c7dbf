import type { Deps } from '../deps.js';
import { ProviderNotFound } from '../providers/errors.js';
import { getProvider } from '../providers/registry.js';
import { cleanFolderName, decide, guessSlugs, searchQueries, type Decision, type TitleCandidate } from './titleMatch.js';

/**
 * Finds the provider's series for a library folder, in order, stopping at a confident hit:
 *  1. the folder name as the provider's slug (`GET /anime/stream/<slug>`, confirmed by the page's title);
 *  2. the provider search with the folder name, without the year, then with shorter word prefixes
 *     (sites search substrings of the exact title, which the folder may have lost a `:` or `?` of);
 *  3. the alternative titles on the series pages of the best candidates (translated folder names).
 * An exact hit is confirmed by the shortest search too, so a second series whose title cleans up
 * to the same folder name turns it into a close call instead of a guess.
 */
const MAX_ALT_PAGES = 5;

export async function findSeriesForFolder(deps: Pick<Deps, 'settings' | 'log' | 'providers'>, folder: string): Promise<Decision> {
  const { name, year } = cleanFolderName(folder);
  const provider = getProvider(deps);
  const pool = new Map<string, TitleCandidate>();
  const add = (c: TitleCandidate) => {
    const id = `${c.provider}:${c.key}`;
    const had = pool.get(id);
    pool.set(id, { ...c, year: c.year ?? had?.year ?? null, altTitles: c.altTitles ?? had?.altTitles });
  };
  for (const slug of guessSlugs(name)) {
    try {
      add(await provider.seriesInfo(slug));
      break;
    } catch (err) {
      if (!(err instanceof ProviderNotFound)) throw err;
    }
  }
  let d = decide(name, year, [...pool.values()]);
  const queries = searchQueries(folder, name);
  const shortest = queries[queries.length - 1];
  for (let i = 0; i < queries.length; i++) {
    // a hit is confirmed by the shortest search, which finds the other series of similar titles
    const q = d.kind === 'winner' ? shortest : queries[i];
    for (const hit of await provider.search(q)) add(hit);
    d = decide(name, year, [...pool.values()]);
    if (q === shortest) break;
  }
  if (d.kind === 'winner' && d.exact) return d;
  const unread = [...pool.values()]
    .filter((c) => !c.altTitles)
    .sort((a, b) => rankOf(d, b) - rankOf(d, a))
    .slice(0, MAX_ALT_PAGES);
  if (unread.length === 0) return d;
  const infos = await Promise.all(
    unread.map((c) =>
      provider.seriesInfo(c.key).catch((err) => {
        deps.log.warn({ folder, key: c.key, err: (err as Error).message }, 'import: series page unreadable');
        return null;
      }),
    ),
  );
  for (const info of infos) if (info) add(info);
  return decide(name, year, [...pool.values()]);
}

function rankOf(d: Decision, c: TitleCandidate): number {
  if (d.kind === 'winner') return d.candidate.key === c.key ? 2 : 0;
  if (d.kind === 'close') return d.candidates.find((x) => x.key === c.key)?.score ?? 0;
  return 0;
}
