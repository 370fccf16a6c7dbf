import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/**
 * The library's read API for the downloads and metadata domains: small queries on series and
 * episodes returning exactly what the caller needs (they never query those tables themselves).
 * Each takes the connection first, so it works inside the caller's transaction.
 */

const Key = z.object({ key: z.string() });

/** Every series key, in key order. */
export const allSeriesKeys = (c: Conn): Promise<readonly string[]> => c.anyFirst(sql.type(Key)`select key from series order by key`);

/** The keys of the series of one provider site (series.provider), in key order. */
export const seriesKeysOfProvider = (c: Conn, provider: string): Promise<readonly string[]> =>
  c.anyFirst(sql.type(Key)`select key from series where provider = ${provider} order by key`);

/** The library's title of an episode (its own, else the English one); null when the episode or its title is unknown. */
export async function episodeTitle(c: Conn, seriesKey: string, season: number, episode: number): Promise<string | null> {
  const t = await c.maybeOneFirst(sql.type(z.object({ title: z.string().nullable() }))`select coalesce(e.title, e.title_en) as title
    from episodes e join series s on s.id = e.series_id where s.key = ${seriesKey} and e.season = ${season} and e.episode = ${episode}`);
  return t ?? null;
}

const EpisodeNumber = z.object({ season: z.number(), episode: z.number() });

/** Season and episode of every episode the library lists for a series, in order. */
export async function episodeNumbers(c: Conn, seriesId: number): Promise<{ season: number; episode: number }[]> {
  return [
    ...(await c.any(sql.type(EpisodeNumber)`select season, episode from episodes where series_id = ${seriesId} order by season, episode`)),
  ];
}
