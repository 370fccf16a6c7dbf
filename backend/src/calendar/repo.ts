import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

export const AirDateRow = z.object({
  series_key: z.string(),
  season: z.number(),
  episode: z.number(),
  title: z.string().nullable(),
  air_date: z.string(),
  source: z.enum(['tmdb', 'provider']),
});
export type AirDateRow = z.infer<typeof AirDateRow>;

export interface AirDate {
  season: number;
  episode: number;
  title: string | null;
  air_date: string;
}

/** TMDB's dates replace what is stored (TMDB wins over a provider's first-seen day). */
export async function upsertTmdb(c: Conn, key: string, rows: AirDate[]): Promise<void> {
  if (!rows.length) return;
  await c.query(sql.unsafe`insert into calendar_episodes (series_key, season, episode, title, air_date, source)
    select ${key}, s, e, t, d::date, 'tmdb' from unnest(${sql.array(
      rows.map((r) => r.season),
      'int4',
    )}, ${sql.array(
      rows.map((r) => r.episode),
      'int4',
    )},
      ${sql.array(
        rows.map((r) => r.title),
        'text',
      )}, ${sql.array(
        rows.map((r) => r.air_date),
        'text',
      )}) as x(s, e, t, d)
    on conflict (series_key, season, episode) do update set title = coalesce(excluded.title, calendar_episodes.title),
      air_date = excluded.air_date, source = 'tmdb', updated_at = now()
      where calendar_episodes.air_date <> excluded.air_date or calendar_episodes.source <> 'tmdb'
        or calendar_episodes.title is distinct from coalesce(excluded.title, calendar_episodes.title)`);
}

/** A provider's first-seen day, only where nothing is known yet. */
export async function insertProvider(c: Conn, rows: (AirDate & { series_key: string })[]): Promise<void> {
  if (!rows.length) return;
  await c.query(sql.unsafe`insert into calendar_episodes (series_key, season, episode, title, air_date, source)
    select k, s, e, t, d::date, 'provider' from unnest(${sql.array(
      rows.map((r) => r.series_key),
      'text',
    )}, ${sql.array(
      rows.map((r) => r.season),
      'int4',
    )},
      ${sql.array(
        rows.map((r) => r.episode),
        'int4',
      )}, ${sql.array(
        rows.map((r) => r.title),
        'text',
      )}, ${sql.array(
        rows.map((r) => r.air_date),
        'text',
      )}) as x(k, s, e, t, d)
    on conflict do nothing`);
}

/** Dated episodes with start <= air_date <= end (YYYY-MM-DD), by date. */
export const between = (c: Conn, start: string, end: string) =>
  c.any(sql.type(AirDateRow)`select series_key, season, episode, title, to_char(air_date, 'YYYY-MM-DD') as air_date, source
    from calendar_episodes where air_date between ${start}::date and ${end}::date
    order by air_date, series_key, season, episode limit 5000`);

/** Per season: the day a provider first listed its episode 1 (rows TMDB has not replaced). */
export const providerSeasonFirstSeen = (c: Conn, key: string) =>
  c.any(sql.type(z.object({ season: z.number(), air_date: z.string() }))`select season, to_char(air_date, 'YYYY-MM-DD') as air_date
    from calendar_episodes where series_key = ${key} and source = 'provider' and episode = 1 and season > 0 order by season`);
