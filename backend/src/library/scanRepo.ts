import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/**
 * The library scan's queries: the disk scanner's (library/scanner.ts) and the rescan's summary
 * (library/rescan.ts).
 */

// --- The disk scanner's queries. Their answers are one JSON text each: one value to parse instead
// of thousands of rows through the driver (on a rescan these are most of the database time).

/** A series as the disk scan sees it. */
export interface ScanState {
  id: number;
  folder: string;
  fingerprint: string | null;
  signature: string | null;
}

/**
 * The series' scan state, unless the scan generation (migrations/0105) is still `unlessGeneration`
 * (the caller's copy is current: `series` is null), and the folders library_unmatched holds now.
 */
export async function scanStates(
  c: Conn,
  o: { seriesIds?: number[]; unlessGeneration?: number },
): Promise<{ generation: number; series: ScanState[] | null; unmatched: string[] }> {
  const where = o.seriesIds ? sql.fragment`where id = any(${sql.array(o.seriesIds, 'int4')})` : sql.fragment``;
  const text = (await c.oneFirst(sql.unsafe`select json_build_array(g.value,
      case when g.value = ${o.unlessGeneration ?? -1} then null else
        (select coalesce(array_to_json(array_agg(array[id::text, folder, dir_fingerprint, disk_signature])), '[]') from series ${where})
          end,
      (select coalesce(json_agg(folder), '[]') from library_unmatched))::text
    from library_scan_generation g`)) as string;
  const [generation, rows, unmatched] = JSON.parse(text) as [number, (string | null)[][] | null, string[]];
  const series = rows?.map(([id, folder, fingerprint, signature]) => ({ id: Number(id), folder: folder!, fingerprint, signature })) ?? null;
  return { generation, series, unmatched };
}

/** An episode row the disk decides about: it has a file, or it exists only because of one. */
export interface KnownFile {
  id: number;
  seriesId: number;
  season: number;
  episode: number;
  filePath: string | null;
}

const knownWhere = sql.fragment`(is_downloaded or not on_provider)`;
const toKnown = (rows: [number, number, number, number, string | null][]): KnownFile[] =>
  rows.map(([id, seriesId, season, episode, filePath]) => ({ id, seriesId, season, episode, filePath }));

export async function knownFiles(c: Conn, seriesIds: number[]): Promise<KnownFile[]> {
  const text =
    await c.oneFirst(sql.unsafe`select coalesce(json_agg(json_build_array(id, series_id, season, episode, file_path)), '[]')::text
    from episodes where series_id = any(${sql.array(seriesIds, 'int4')}) and ${knownWhere}`);
  return toKnown(JSON.parse(text as string));
}

/** The stored signatures of these series, and their known files. */
export async function scanDetails(c: Conn, seriesIds: number[]): Promise<Map<number, { signature: string | null; files: KnownFile[] }>> {
  const ids = sql.array(seriesIds, 'int4');
  // two flat queries in one: a subquery per series costs more than all their rows together
  const text = await c.oneFirst(sql.unsafe`select json_build_array(
      (select coalesce(json_agg(json_build_array(id, disk_signature)), '[]') from series where id = any(${ids})),
      (select coalesce(json_agg(json_build_array(id, series_id, season, episode, file_path)), '[]') from episodes where series_id =
        any(${ids}) and ${knownWhere})
    )::text`);
  const [series, files] = JSON.parse(text as string) as [[number, string | null][], [number, number, number, number, string | null][]];
  const out = new Map(series.map(([id, signature]) => [id, { signature, files: [] as KnownFile[] }]));
  for (const f of toKnown(files)) out.get(f.seriesId)?.files.push(f);
  return out;
}

export interface DiskChanges {
  /** Files new to the database (or moved): upserted as downloaded. */
  upsert: { seriesId: number[]; season: number[]; episode: number[]; filePath: string[]; fileSize: number[] };
  /** Episode rows whose file is gone: provider episodes become missing, disk-only rows are deleted. */
  goneIds: number[];
  /** Folder state to store. */
  state: { seriesId: number[]; fingerprint: (string | null)[]; signature: (string | null)[] };
}

/**
 * One statement (atomic); its parts touch disjoint rows. Returns the scan generation it started
 * from (the statement itself adds one). Committed without waiting for the WAL flush: what it
 * writes is read from the disk again by the next scan if a crash loses it (all of it: the folder
 * fingerprints go with the episode rows).
 */
export async function applyDiskChanges(c: Conn, d: DiskChanges): Promise<number> {
  const u = d.upsert;
  const gone = sql.array(d.goneIds, 'int4');
  const row = await c.one(sql.unsafe`with up as (
      insert into episodes (series_id, season, episode, on_provider, is_downloaded, file_path, file_size)
      select s, se, ep, false, true, p, sz from unnest(${sql.array(u.seriesId, 'int4')}, ${sql.array(u.season, 'int4')},
        ${sql.array(u.episode, 'int4')},
        ${sql.array(u.filePath, 'text')}, ${sql.array(u.fileSize, 'int8')}) as x(s, se, ep, p, sz)
      on conflict (series_id, season, episode) do update set is_downloaded = true, file_path = excluded.file_path,
        file_size = excluded.file_size, updated_at = now()
      returning 1
    ), gone as (
      update episodes set is_downloaded = false, file_path = null, file_size = null, updated_at = now()
      where id = any(${gone}) and on_provider returning 1
    ), del as (
      delete from episodes where id = any(${gone}) and not on_provider returning 1
    ), st as (
      update series s set dir_fingerprint = y.f, disk_signature = y.g, last_disk_scan_at = now()
      from unnest(${sql.array(d.state.seriesId, 'int4')}, ${sql.array(d.state.fingerprint, 'text')},
        ${sql.array(d.state.signature, 'text')}) as y(id, f, g)
      where s.id = y.id
      returning 1
    ) select value, set_config('synchronous_commit', 'off', true) as async_commit from library_scan_generation`);
  return row.value as number;
}

/** Per series, how many episodes the provider lists in each season (seasons 1 and up): maps absolute numbers. */
export async function seasonLengths(c: Conn, seriesIds: number[]): Promise<Map<number, Map<number, number>>> {
  const rows = await c.any(sql.type(
    z.object({ series_id: z.number(), season: z.number(), n: z.number() }),
  )`select series_id, season, count(*)::int as n
    from episodes where series_id = any(${sql.array(seriesIds, 'int4')}) and on_provider and season > 0 group by series_id, season`);
  const out = new Map<number, Map<number, number>>();
  for (const r of rows) {
    if (!out.has(r.series_id)) out.set(r.series_id, new Map());
    out.get(r.series_id)!.set(r.season, r.n);
  }
  return out;
}

/** The keys of these series, to follow a renamed folder by its `.aniworld-key` file. */
export const SeriesIdentity = z.object({ id: z.number(), key: z.string(), provider: z.string() });
export type SeriesIdentity = z.infer<typeof SeriesIdentity>;

export const seriesIdentities = (c: Conn, ids: readonly number[]) =>
  c.any(sql.type(SeriesIdentity)`select id, key, provider from series where id = any(${sql.array(ids, 'int4')})`);

/** The series' folder was renamed on disk: its new name, and its folder state forgotten (read it again). */
export const followFolderRename = (c: Conn, seriesId: number, folder: string) =>
  c.query(
    sql.unsafe`update series set folder = ${folder}, dir_fingerprint = null, disk_signature = null, updated_at = now() where id =
      ${seriesId}`,
  );

/**
 * Per monitored series: its monitored missing episodes (`missing`), and whether a monitored file
 * may be upgraded to a better language (`upgradable`): what a rescan queues for download.
 */
export const WantedCount = z.object({ series_id: z.number(), missing: z.number(), upgradable: z.boolean() });
export type WantedCount = z.infer<typeof WantedCount>;

export const wantedCounts = (c: Conn) =>
  c.any(sql.type(
    WantedCount,
  )`select e.series_id, count(*) filter (where e.on_provider and not e.is_downloaded and e.monitored)::int as missing,
      coalesce(bool_or(e.is_downloaded and e.monitored and e.file_language is not null and s.upgrades_enabled), false) as upgradable
    from episodes e join series s on s.id = e.series_id where s.monitored group by e.series_id`);
