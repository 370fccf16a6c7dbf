import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError, NotFound } from '../errors.js';
import type { Logger } from '../log.js';
import { parseNfo, uniqueIds } from './nfoXml.js';
import type { TmdbClient } from './tmdbClient.js';
import type { TmdbSearchResult } from './tmdbTypes.js';

/**
 * Which TMDB series a library series is: an explicit id, else the `uniqueid type="tmdb"` of an
 * existing tvshow.nfo (a user's correction wins over any search), else a search by name and year.
 * Several equally good hits are reported with their candidates, never guessed.
 */

/** No TMDB series matches the name (and year) searched: a 404 like before, the title kept for the UI's words. */
export class NoTmdbMatch extends NotFound {
  constructor(public title: string) {
    super(`No TMDB series matches '${title}'`);
  }
}

export class AmbiguousMatch extends AppError {
  /** The name (and year) searched. */
  public title: string;
  constructor(query: string, candidates: TmdbSearchResult[]) {
    super('conflict', 'AMBIGUOUS_MATCH', `Several TMDB series match '${query}'; pick one with tmdb_id`, {
      candidates: candidates.slice(0, 10).map((c) => ({
        tmdb_id: c.id,
        name: c.name,
        original_name: c.original_name ?? null,
        first_air_date: c.first_air_date || null,
      })),
    });
    this.title = query;
  }
}

const norm = (s: string | undefined) =>
  (s ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
const yearOf = (r: TmdbSearchResult) => (r.first_air_date ? Number(r.first_air_date.slice(0, 4)) : null);

export async function tmdbIdFromNfo(dir: string, log: Logger): Promise<number | null> {
  const xml = await fs.readFile(path.join(dir, 'tvshow.nfo'), 'utf8').catch(() => null);
  if (xml === null) return null;
  try {
    const id = uniqueIds(await parseNfo(xml)).tmdb;
    return id && /^\d+$/.test(id) ? Number(id) : null;
  } catch (err) {
    log.warn({ dir, err: (err as Error).message }, 'existing tvshow.nfo is not readable XML; matching by name');
    return null;
  }
}

export function chooseResult(
  results: TmdbSearchResult[],
  name: string,
  year: number | null | undefined,
): TmdbSearchResult | 'ambiguous' | null {
  if (results.length === 0) return null;
  if (results.length === 1) return results[0];
  const want = norm(name);
  let exact = results.filter((r) => norm(r.name) === want || norm(r.original_name) === want);
  if (exact.length > 1 && year) exact = exact.filter((r) => yearOf(r) === year);
  if (exact.length === 1) return exact[0];
  return 'ambiguous';
}

export interface MatchHint {
  tmdbId?: number;
  name?: string;
  year?: number | null;
}

export async function resolveTmdbId(
  tmdb: TmdbClient,
  dir: string,
  series: { name: string; year: number | null },
  hint: MatchHint,
  log: Logger,
): Promise<number> {
  if (hint.tmdbId) return hint.tmdbId;
  const fromNfo = await tmdbIdFromNfo(dir, log);
  if (fromNfo) return fromNfo;
  const name = hint.name ?? series.name;
  const year = hint.year ?? series.year;
  let results = (await tmdb.searchTv(name, year)).results;
  // Providers and TMDB disagree on years now and then: fall back to the name alone.
  if (results.length === 0 && year) results = (await tmdb.searchTv(name, null)).results;
  const label = year ? `${name} (${year})` : name;
  const hit = chooseResult(results, name, year);
  if (hit === 'ambiguous') throw new AmbiguousMatch(label, results);
  if (!hit) throw new NoTmdbMatch(label);
  return hit.id;
}
