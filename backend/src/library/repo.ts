import { z } from 'zod';
import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { sql, type Conn } from '../db/pool.js';
import { Conflict } from '../errors.js';

/** The library's SQL: series, episodes, and the unmatched folders of an import. */
export const SeriesRow = z.object({
  id: z.number(),
  key: z.string(),
  name: z.string(),
  site: z.string(),
  provider: z.string(),
  folder: z.string(),
  link: z.string(),
  year: z.number().nullable(),
  description: z.string().nullable(),
  cover_url: z.string().nullable(),
  genres: z.array(z.string()),
  last_scanned_at: z.date().nullable(),
  scan_error: z.string().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
  monitored: z.boolean(),
  monitor_specials: z.boolean(),
  /** Language profile (null: the config's) and whether files below its cutoff are upgraded. */
  languages: z.array(z.string()).nullable(),
  language_cutoff: z.string().nullable(),
  upgrades_enabled: z.boolean(),
});
export type SeriesRow = z.infer<typeof SeriesRow>;

const SERIES_COLS = sql.fragment`id, key, name, site, provider, folder, link, year, description, cover_url, genres,
  last_scanned_at, scan_error, created_at, updated_at, monitored, monitor_specials, languages, language_cutoff, upgrades_enabled`;

export const EpisodeRow = z.object({
  id: z.number(),
  series_id: z.number(),
  season: z.number(),
  episode: z.number(),
  title: z.string().nullable(),
  title_en: z.string().nullable(),
  languages: z.array(z.string()),
  on_provider: z.boolean(),
  is_downloaded: z.boolean(),
  file_path: z.string().nullable(),
  file_size: z.number().nullable(),
  monitored: z.boolean(),
  /** The language of the file on disk, when this product downloaded it. */
  file_language: z.string().nullable(),
});
export type EpisodeRow = z.infer<typeof EpisodeRow>;

export const seriesByKey = (c: Conn, key: string) => c.maybeOne(sql.type(SeriesRow)`select ${SERIES_COLS} from series where key = ${key}`);

export const seriesById = (c: Conn, id: number) => c.maybeOne(sql.type(SeriesRow)`select ${SERIES_COLS} from series where id = ${id}`);

export const seriesByFolder = (c: Conn, folder: string) =>
  c.maybeOne(sql.type(SeriesRow)`select ${SERIES_COLS} from series where folder = ${folder}`);

export const allSeries = (c: Conn) => c.any(sql.type(SeriesRow)`select ${SERIES_COLS} from series order by lower(name), id`);

export const countSeries = (c: Conn) => c.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from series`);

export const folderTaken = async (c: Conn, folder: string): Promise<boolean> =>
  (await c.maybeOne(sql.type(z.object({ id: z.number() }))`select id from series where lower(folder) = lower(${folder})`)) !== null;

export interface NewSeries {
  key: string;
  name: string;
  site: string;
  provider: string;
  folder: string;
  link: string;
  year: number | null;
  /** Absent: as series that existed before monitoring (everything monitored, upgrades on). */
  monitored?: boolean;
  monitor_specials?: boolean;
  upgrades_enabled?: boolean;
}

/** Inserts unless the key exists; returns the row either way. */
export async function insertSeries(c: Conn, s: NewSeries): Promise<{ row: SeriesRow; created: boolean }> {
  const created = await c
    .maybeOne(
      sql.type(SeriesRow)`insert into series (key, name, site, provider, folder, link, year, monitored, monitor_specials, upgrades_enabled)
    values (${s.key}, ${s.name}, ${s.site}, ${s.provider}, ${s.folder}, ${s.link}, ${s.year}, ${s.monitored ?? true},
      ${s.monitor_specials ?? true}, ${s.upgrades_enabled ?? true})
    on conflict (key) do nothing returning ${SERIES_COLS}`,
    )
    .catch((err) => {
      // two adds racing for one folder name
      if (err instanceof UniqueIntegrityConstraintViolationError)
        throw new Conflict(`Folder ${s.folder} is already used by another series`, { folder: s.folder });
      throw err;
    });
  if (created) return { row: created, created: true };
  return { row: (await seriesByKey(c, s.key))!, created: false };
}

export const deleteSeries = (c: Conn, id: number) => c.query(sql.unsafe`delete from series where id = ${id}`);

export const episodesOf = (c: Conn, seriesId: number) =>
  c.any(sql.type(EpisodeRow)`select id, series_id, season, episode, title, title_en, languages, on_provider, is_downloaded,
    file_path, file_size, monitored, file_language from episodes where series_id = ${seriesId} order by season, episode`);

export const episodeOf = (c: Conn, seriesId: number, season: number, episode: number) =>
  c.maybeOne(sql.type(EpisodeRow)`select id, series_id, season, episode, title, title_en, languages, on_provider, is_downloaded,
    file_path, file_size, monitored, file_language from episodes where series_id = ${seriesId} and season = ${season} and episode =
      ${episode}`);

export const MissingRow = z.object({ series_id: z.number(), season: z.number(), episode: z.number(), title: z.string().nullable() });

/** Missing = listed by the provider, no file on disk. */
export const missingOf = (c: Conn, seriesIds: readonly number[]) =>
  c.any(sql.type(MissingRow)`select series_id, season, episode, title from episodes
    where series_id = any(${sql.array(seriesIds as number[], 'int4')}) and on_provider and not is_downloaded
    order by series_id, season, episode`);

export async function markDownloaded(
  c: Conn,
  e: { seriesId: number; season: number; episode: number; filePath: string; fileSize: number | null; language?: string | null },
) {
  await c.query(sql.unsafe`insert into episodes (series_id, season, episode, on_provider, is_downloaded, file_path, file_size,
    file_mtime, file_language)
    values (${e.seriesId}, ${e.season}, ${e.episode}, true, true, ${e.filePath}, ${e.fileSize}, now(), ${e.language ?? null})
    on conflict (series_id, season, episode) do update set is_downloaded = true, file_path = excluded.file_path,
      file_size = excluded.file_size, file_mtime = now(), file_language = excluded.file_language, updated_at = now()`);
  // the folder changed under the scanner: read it again next time
  await c.query(sql.unsafe`update series set dir_fingerprint = null, disk_signature = null, updated_at = now() where id = ${e.seriesId}`);
}

export const setLanguages = (c: Conn, seriesId: number, season: number, episode: number, languages: string[]) =>
  c.query(sql.unsafe`update episodes set languages = ${sql.array(languages, 'text')}, updated_at = now()
    where series_id = ${seriesId} and season = ${season} and episode = ${episode} and languages is distinct from
      ${sql.array(languages, 'text')}`);

export async function setScanResult(
  c: Conn,
  id: number,
  error: string | null,
  meta?: { description: string | null; cover: string | null; genres: string[]; year: number | null },
) {
  if (meta) {
    await c.query(sql.unsafe`update series set scan_error = ${error}, last_scanned_at = now(), updated_at = now(),
      description = coalesce(${meta.description}, description), cover_url = coalesce(${meta.cover}, cover_url),
      genres = case when cardinality(${sql.array(meta.genres, 'text')}) > 0 then ${sql.array(meta.genres, 'text')} else genres end,
      year = coalesce(year, ${meta.year}) where id = ${id}`);
  } else {
    await c.query(sql.unsafe`update series set scan_error = ${error}, last_scanned_at = now(), updated_at = now() where id = ${id}`);
  }
}

export interface CatalogueItem {
  season: number;
  episode: number;
  title: string | null;
  title_en: string | null;
}

/** Stores what the provider lists: upserts its episodes, and forgets the ones it no longer lists. */
export async function syncCatalogue(c: Conn, seriesId: number, items: CatalogueItem[]): Promise<void> {
  await c.query(sql.unsafe`insert into episodes (series_id, season, episode, title, title_en, on_provider, monitored)
    select ${seriesId}, s, e, t, te, true, ${newEpisodeMonitored(seriesId)} from unnest(${sql.array(
      items.map((i) => i.season),
      'int4',
    )},
      ${sql.array(
        items.map((i) => i.episode),
        'int4',
      )}, ${sql.array(
        items.map((i) => i.title),
        'text',
      )},
      ${sql.array(
        items.map((i) => i.title_en),
        'text',
      )}) as x(s, e, t, te)
    on conflict (series_id, season, episode) do update set on_provider = true,
      title = coalesce(excluded.title, episodes.title), title_en = coalesce(excluded.title_en, episodes.title_en), updated_at = now()
      where not episodes.on_provider or episodes.title is distinct from coalesce(excluded.title, episodes.title)
        or episodes.title_en is distinct from coalesce(excluded.title_en, episodes.title_en)`);
  const keep = sql.fragment`(season, episode) in (select * from unnest(${sql.array(
    items.map((i) => i.season),
    'int4',
  )}, ${sql.array(
    items.map((i) => i.episode),
    'int4',
  )}))`;
  await c.query(sql.unsafe`delete from episodes where series_id = ${seriesId} and not is_downloaded and not ${keep}`);
  await c.query(sql.unsafe`update episodes set on_provider = false, updated_at = now()
    where series_id = ${seriesId} and on_provider and not ${keep}`);
}

/** A new episode of season `s` is monitored as its season is (no season row: season 0 per the series' monitor_specials). */
const newEpisodeMonitored = (
  seriesId: number,
) => sql.fragment`coalesce((select ss.monitored from series_seasons ss where ss.series_id = ${seriesId}
  and ss.season = s), s <> 0 or (select monitor_specials from series where id = ${seriesId}))`;

export const SeasonRow = z.object({ season: z.number(), monitored: z.boolean() });

/** Every season the series has episodes in, with its flag (stored, or the default). */
export const seasonsOf = (c: Conn, seriesId: number) =>
  c.any(sql.type(SeasonRow)`select x.season, coalesce(ss.monitored, x.season <> 0 or s.monitor_specials) as monitored
    from (select distinct season from episodes where series_id = ${seriesId}) x join series s on s.id = ${seriesId}
    left join series_seasons ss on ss.series_id = ${seriesId} and ss.season = x.season order by x.season`);

export async function setSeriesMonitored(c: Conn, seriesId: number, monitored: boolean): Promise<void> {
  await c.query(sql.unsafe`update series set monitored = ${monitored}, updated_at = now() where id = ${seriesId}`);
}

/** A season's flag, and every episode of it takes it. */
export async function setSeasonMonitored(c: Conn, seriesId: number, season: number, monitored: boolean): Promise<void> {
  await c.query(sql.unsafe`insert into series_seasons (series_id, season, monitored) values (${seriesId}, ${season}, ${monitored})
    on conflict (series_id, season) do update set monitored = excluded.monitored`);
  await c.query(sql.unsafe`update episodes set monitored = ${monitored}, updated_at = now()
    where series_id = ${seriesId} and season = ${season} and monitored <> ${monitored}`);
}

export async function setEpisodeMonitored(c: Conn, seriesId: number, season: number, episode: number, monitored: boolean): Promise<number> {
  const r = await c.query(sql.unsafe`update episodes set monitored = ${monitored}, updated_at = now()
    where series_id = ${seriesId} and season = ${season} and episode = ${episode}`);
  return r.rowCount;
}

/** "Monitor only future episodes": what the provider lists now is not wanted. */
export async function unmonitorListed(c: Conn, seriesId: number): Promise<void> {
  await c.query(sql.unsafe`update episodes set monitored = false, updated_at = now() where series_id = ${seriesId} and monitored`);
}

export async function setProfile(
  c: Conn,
  seriesId: number,
  p: { languages?: string[] | null; cutoff?: string | null; upgrades?: boolean; monitorSpecials?: boolean },
): Promise<void> {
  const sets = [sql.fragment`updated_at = now()`];
  if (p.languages !== undefined) sets.push(sql.fragment`languages = ${p.languages ? sql.array(p.languages, 'text') : null}`);
  if (p.cutoff !== undefined) sets.push(sql.fragment`language_cutoff = ${p.cutoff}`);
  if (p.upgrades !== undefined) sets.push(sql.fragment`upgrades_enabled = ${p.upgrades}`);
  if (p.monitorSpecials !== undefined) sets.push(sql.fragment`monitor_specials = ${p.monitorSpecials}`);
  await c.query(sql.unsafe`update series set ${sql.join(sets, sql.fragment`, `)} where id = ${seriesId}`);
}

export const WantedRow = z.object({ season: z.number(), episode: z.number(), title: z.string().nullable(), monitored: z.boolean() });

/** Missing episodes (listed, no file) with their effective flag (the series' and the episode's). */
export const missingWithFlags = (c: Conn, seriesId: number) =>
  c.any(sql.type(WantedRow)`select e.season, e.episode, coalesce(e.title, e.title_en) as title, (e.monitored and s.monitored) as monitored
    from episodes e join series s on s.id = e.series_id where e.series_id = ${seriesId} and e.on_provider and not e.is_downloaded
    order by e.season, e.episode`);

export const UpgradeRow = z.object({ season: z.number(), episode: z.number(), title: z.string().nullable(), file_language: z.string() });

/** Monitored episodes on disk in a known language, the longest unchecked first. */
export const upgradeCandidates = (c: Conn, seriesId: number, languages: string[]) =>
  c.any(sql.type(UpgradeRow)`select e.season, e.episode, coalesce(e.title, e.title_en) as title, e.file_language from episodes e
    join series s on s.id = e.series_id
    where e.series_id = ${seriesId} and s.monitored and e.monitored and e.is_downloaded and e.file_language =
      any(${sql.array(languages, 'text')})
    order by e.upgrade_checked_at nulls first, e.season, e.episode`);

export async function markUpgradeChecked(c: Conn, seriesId: number, season: number, episode: number, at: Date): Promise<void> {
  await c.query(sql.unsafe`update episodes set upgrade_checked_at = ${at.toISOString()}::timestamptz
    where series_id = ${seriesId} and season = ${season} and episode = ${episode}`);
}

export const UnmatchedRow = z.object({
  folder: z.string(),
  status: z.enum(['new', 'ambiguous', 'not_found', 'failed']),
  candidates: z.array(
    z.object({
      provider: z.string(),
      key: z.string(),
      name: z.string(),
      link: z.string(),
      year: z.number().nullable(),
      score: z.number().optional(),
    }),
  ),
  error: z.string().nullable(),
});
export type UnmatchedRow = z.infer<typeof UnmatchedRow>;

export const unmatchedRows = (c: Conn) =>
  c.any(sql.type(UnmatchedRow)`select folder, status, candidates, error from library_unmatched order by folder`);

/** Makes library_unmatched hold exactly `folders` (keeps what an import found for the ones still there). */
export async function setUnmatchedFolders(c: Conn, folders: string[]): Promise<void> {
  await c.query(sql.unsafe`with d as (delete from library_unmatched where not (folder = any(${sql.array(folders, 'text')})) returning 1),
    i as (insert into library_unmatched (folder) select unnest(${sql.array(folders, 'text')}) on conflict do nothing returning 1)
    select (select count(*) from d) + (select count(*) from i) as n`);
}

export async function setUnmatchedResult(c: Conn, r: UnmatchedRow): Promise<void> {
  await c.query(sql.unsafe`insert into library_unmatched (folder, status, candidates, error, updated_at)
    values (${r.folder}, ${r.status}, ${JSON.stringify(r.candidates)}::jsonb, ${r.error}, now())
    on conflict (folder) do update set status = excluded.status, candidates = excluded.candidates, error = excluded.error, updated_at =
      now()`);
}

export const removeUnmatched = (c: Conn, folder: string) => c.query(sql.unsafe`delete from library_unmatched where folder = ${folder}`);

const ListPage = z.object({ total_count: z.number(), page_json: z.string() });

/**
 * One page of the library list, already as the API's JSON array (see AnimeItem), plus the total
 * over all pages, in one round trip: migrations/0102_library_list.sql (a function, so that its
 * plans are cached per connection; the page is picked first, then only its missing episodes read).
 */
export async function listSeriesPage(c: Conn, o: { page: number; perPage: number; sortBy?: string; onlyMissing: boolean; q?: string }) {
  // the search text is matched literally: LIKE's own wildcards escaped
  const like = o.q ? `%${o.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const page = await c.one(sql.type(ListPage)`select total_count, page_json
    from library_list_page(${o.sortBy ?? 'name'}, ${o.onlyMissing}, ${o.perPage}, ${(o.page - 1) * o.perPage}, ${like})`);
  return { body: page.page_json, total: page.total_count };
}

export const AddedEpisode = z.object({
  key: z.string(),
  name: z.string(),
  season: z.number(),
  episode: z.number(),
  title: z.string().nullable(),
});

/** Episodes the provider started listing since `since` for series that were in the library before it (new, not first seen). */
export const episodesAddedSince = (c: Conn, since: Date) =>
  c.any(sql.type(AddedEpisode)`select s.key, s.name, e.season, e.episode, e.title from episodes e join series s on s.id = e.series_id
    where e.created_at >= ${since.toISOString()}::timestamptz and s.created_at < ${since.toISOString()}::timestamptz
      and e.on_provider and not e.is_downloaded
    order by s.name, e.season, e.episode limit 500`);

export const dbNow = (c: Conn) => c.oneFirst(sql.type(z.object({ now: z.date() }))`select now() as now`);

export const EpisodeState = z.object({
  key: z.string(),
  name: z.string(),
  folder: z.string(),
  season: z.number(),
  episode: z.number(),
  title: z.string().nullable(),
  is_downloaded: z.boolean(),
  monitored: z.boolean(),
});

/** The library's episodes of these series: name, folder, title and whether the file is there. */
export const episodeStates = (c: Conn, keys: readonly string[]) =>
  c.any(sql.type(EpisodeState)`select s.key, s.name, s.folder, e.season, e.episode, e.title, e.is_downloaded, e.monitored
    from episodes e join series s on s.id = e.series_id where s.key = any(${sql.array([...keys], 'text')})`);

// ---- read API for other domains: they call these, never query series or episodes themselves ----

/** Every series ordered by name then key (the NFO batch's order). */
export const seriesByName = (c: Conn) => c.any(sql.type(SeriesRow)`select ${SERIES_COLS} from series order by name, key`);

/** Series keys by id (ids of series that are gone are left out). */
export async function seriesKeys(c: Conn, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await c.any(sql.type(z.object({ id: z.number(), key: z.string() }))`select id, key from series
    where id = any(${sql.array([...new Set(ids)], 'int4')})`);
  return new Map(rows.map((r) => [r.id, r.key]));
}

const EpisodeKey = z.object({ season: z.number(), episode: z.number() });

/** The episodes of a series that are on disk (season, episode). */
export const downloadedEpisodes = (c: Conn, seriesId: number) =>
  c.any(sql.type(EpisodeKey)`select season, episode from episodes where series_id = ${seriesId} and is_downloaded`);

const EpisodeFile = z.object({ season: z.number(), episode: z.number(), file_path: z.string() });
export type EpisodeFile = z.infer<typeof EpisodeFile>;

/** The episodes of a series that are on disk, with their files, in order. */
export const downloadedEpisodeFiles = async (c: Conn, seriesId: number): Promise<EpisodeFile[]> => [
  ...(await c.any(sql.type(EpisodeFile)`select season, episode, file_path from episodes
    where series_id = ${seriesId} and is_downloaded and file_path is not null order by season, episode`)),
];

/** The newest downloaded episode number of the series' highest season that has one. */
export const lastDownloadedEpisode = (c: Conn, seriesId: number) =>
  c.maybeOneFirst(sql.type(z.object({ episode: z.number() }))`select episode from episodes
    where series_id = ${seriesId} and is_downloaded and season > 0 order by season desc, episode desc limit 1`);
