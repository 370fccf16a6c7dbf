import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/**
 * The episode-language queries of library/languagesJob.ts: missing episodes whose languages are
 * unknown (an empty list, not read from their page in the last week) and what their pages offered.
 */

const unknownLanguages = sql.fragment`e.on_provider and not e.is_downloaded and cardinality(e.languages) = 0
  and (e.languages_checked_at is null or e.languages_checked_at < now() - interval '7 days')`;

/** The keys of the series (all, or only these) with missing episodes of unknown languages, sorted. */
export const seriesWithUnknownLanguages = (c: Conn, keys?: readonly string[]) => {
  const filter = keys ? sql.fragment`and s.key = any(${sql.array(keys, 'text')})` : sql.fragment``;
  return c.anyFirst(sql.type(z.object({ key: z.string() }))`select distinct s.key from series s
    join episodes e on e.series_id = s.id where ${unknownLanguages} ${filter} order by s.key`);
};

export const UnknownLanguagesEpisode = z.object({ season: z.number(), episode: z.number() });

/** A series' missing episodes of unknown languages, in order, at most `limit`. */
export const episodesWithUnknownLanguages = (c: Conn, seriesId: number, limit: number) =>
  c.any(sql.type(UnknownLanguagesEpisode)`select e.season, e.episode from episodes e
    where e.series_id = ${seriesId} and ${unknownLanguages} order by e.season, e.episode limit ${limit}`);

/** The episode's page was read now; the languages it listed replace the stored ones (none listed: kept). */
export const recordPageLanguages = (c: Conn, seriesId: number, season: number, episode: number, languages: readonly string[]) => {
  const langs = sql.array(languages, 'text');
  return c.query(sql.unsafe`update episodes set languages_checked_at = now(),
        languages = case when cardinality(${langs}) > 0 then ${langs} else languages end
        where series_id = ${seriesId} and season = ${season} and episode = ${episode}`);
};
