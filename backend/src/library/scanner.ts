import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import type { Deps } from '../deps.js';
import { ServiceUnavailable } from '../http/errors.js';
import { setUnmatchedFolders } from './repo.js';
import { isVideoFile, parseEpisodeFile, seasonOfFolder } from './episodeFiles.js';

/**
 * The disk half of a scan: which episode files each series folder holds.
 *
 * A folder is re-read only when its mtime (or one of its subfolders') changed since the last
 * scan: adding, removing or renaming a file changes its folder's mtime, so an unchanged
 * library costs one stat per folder. Files are never probed (no ffprobe); sizes are read
 * only for folders that changed. `.part` and hidden files/folders are ignored.
 */
export interface DiskScanOptions {
  /** Re-read every folder, even unchanged ones. */
  force?: boolean;
  /** Only these series (and no unmatched-folder bookkeeping). */
  seriesIds?: number[];
}

export interface DiskScanResult {
  series: number;
  /** Folders listed (the others were skipped: their mtimes had not changed). */
  read: number;
  /** Folders re-read whose episode files differed from the database. */
  changed: number;
  /** Folders skipped (mtimes unchanged) or re-read without any difference. */
  unchanged: number;
  files: number;
  missingFolders: string[];
  unmatched: string[];
}

/** A series as the scan needs it: `[id, folder, dir_fingerprint, disk_signature]`. */
type State = [id: number, folder: string, fingerprint: string | null, signature: string | null];

/**
 * The series' scan state as one JSON text (one value to parse instead of thousands of rows
 * through the driver: this query is most of a rescan's database time).
 */
async function loadState(c: Conn, seriesIds?: number[]): Promise<State[]> {
  const where = seriesIds ? sql.fragment`where id = any(${sql.array(seriesIds, 'int4')})` : sql.fragment``;
  const text = await c.oneFirst(sql.unsafe`select coalesce(json_agg(json_build_array(id, folder, dir_fingerprint, disk_signature)), '[]')::text
    from series ${where}`);
  const rows = JSON.parse(text as string) as State[];
  if (rows.length && (typeof rows[0][0] !== 'number' || typeof rows[0][1] !== 'string')) throw new Error('unexpected series state row');
  return rows;
}

/**
 * A series whose folder vanished while a folder nobody knows carries its `.aniworld-key` was
 * renamed by the user: follow the rename instead of treating its episodes as gone.
 */
async function followRenames(deps: Pick<Deps, 'db' | 'log'>, root: string, rows: State[], dirs: Map<string, number>): Promise<void> {
  const gone = rows.filter((r) => !dirs.has(r[1]));
  if (gone.length === 0) return;
  const known = new Set(rows.map((r) => r[1]));
  const candidates = [...dirs.keys()].filter((d) => !known.has(d)).slice(0, 1000);
  if (candidates.length === 0) return;
  const keys = await deps.db.any(sql.type(z.object({ id: z.number(), key: z.string(), provider: z.string() }))`select id, key, provider
    from series where id = any(${sql.array(gone.map((r) => r[0]), 'int4')})`);
  const missing = new Map(keys.map((k) => [k.key, { ...k, row: gone.find((r) => r[0] === k.id)! }]));
  for (const folder of candidates) {
    let ref: string;
    try {
      ref = fs.readFileSync(path.join(root, folder, '.aniworld-key'), 'utf8').split(/\r?\n/)[0].trim();
    } catch {
      continue;
    }
    const m = /^(?:([a-z]+):)?([a-z0-9][a-z0-9-]*)$/i.exec(ref);
    const hit = m ? missing.get(m[2].toLowerCase()) : undefined;
    if (!hit || (m![1] && m![1] !== hit.provider)) continue;
    await deps.db.query(sql.unsafe`update series set folder = ${folder}, dir_fingerprint = null, disk_signature = null, updated_at = now() where id = ${hit.id}`);
    deps.log.info({ key: hit.key, from: hit.row[1], to: folder }, 'series folder was renamed; following it');
    hit.row[1] = folder;
    hit.row[2] = null;
    hit.row[3] = null;
    missing.delete(hit.key);
  }
}

interface FolderRead {
  /** null when an mtime is too recent to trust (see `racy`). */
  fingerprint: string | null;
  signature: string;
  videos: { rel: string; name: string; folder: string | null }[];
}

/**
 * An mtime this close to the scan's start may not change again when a file lands in the same
 * clock tick right after our listing (coarse timestamps: a few ms on Linux, 1-2 s on FAT/SMB,
 * whose mtimes are whole seconds). Such a folder gets no fingerprint: the next scan reads it again.
 */
const racy = (mtimeMs: number, scanStart: number) => mtimeMs > scanStart - (mtimeMs % 1000 === 0 ? 2500 : 100);

/**
 * True when the folder (mtime already read) and its recorded subfolders still carry the recorded
 * mtimes. `fingerprint` is `mtime/sub1/mtime1/sub2/mtime2...` ('/' cannot occur in a folder name).
 */
function unchanged(dir: string, top: number, fingerprint: string | null): boolean {
  if (!fingerprint) return false;
  const t = String(top);
  if (fingerprint === t) return true;
  if (!fingerprint.startsWith(t) || fingerprint[t.length] !== '/') return false;
  const parts = fingerprint.slice(t.length + 1).split('/');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const st = fs.statSync(`${dir}${path.sep}${parts[i]}`, { throwIfNoEntry: false });
    if (!st || String(st.mtimeMs) !== parts[i + 1]) return false;
  }
  return true;
}

/**
 * Lists a folder's video files (one level of subfolders) without parsing their names yet.
 * `top` is the folder's mtime, read before this listing (so a change in between is seen next time).
 */
function readFolder(dir: string, top: number, scanStart: number): FolderRead {
  const subs: string[] = [];
  const videos: FolderRead['videos'] = [];
  let trusted = !racy(top, scanStart);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) {
      const sub = `${dir}${path.sep}${e.name}`;
      const mtime = fs.statSync(sub).mtimeMs; // before its listing, as above
      if (racy(mtime, scanStart)) trusted = false;
      subs.push(e.name, String(mtime));
      for (const f of fs.readdirSync(sub, { withFileTypes: true })) {
        if ((f.isFile() || f.isSymbolicLink()) && isVideoFile(f.name)) videos.push({ rel: `${e.name}/${f.name}`, name: f.name, folder: e.name });
      }
    } else if ((e.isFile() || e.isSymbolicLink()) && isVideoFile(e.name)) {
      videos.push({ rel: e.name, name: e.name, folder: null });
    }
  }
  const names = videos.map((v) => v.rel).sort();
  const signature = crypto.createHash('sha1').update(names.join('\n')).digest('base64url');
  return { fingerprint: trusted ? [String(top), ...subs].join('/') : null, signature, videos };
}

/** The episodes the listed files hold (first file wins when two hold the same episode). */
function episodesOf(videos: FolderRead['videos']): { rel: string; season: number; episode: number }[] {
  const out: { rel: string; season: number; episode: number }[] = [];
  const seen = new Set<string>();
  for (const v of [...videos].sort((a, b) => (a.rel < b.rel ? -1 : 1))) {
    const ref = parseEpisodeFile(v.name, v.folder === null ? null : seasonOfFolder(v.folder));
    if (!ref) continue;
    for (const episode of ref.episodes) {
      const k = `${ref.season}-${episode}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ rel: v.rel, season: ref.season, episode });
    }
  }
  return out;
}

interface Pending {
  id: number;
  dir: string;
  /** What the disk holds now; the series' episode rows are made to match it. */
  episodes: { rel: string; season: number; episode: number }[];
}

interface Batch {
  pending: Pending[];
  count: number;
  stateId: number[]; fingerprint: (string | null)[]; signature: (string | null)[];
}

const newBatch = (): Batch => ({ pending: [], count: 0, stateId: [], fingerprint: [], signature: [] });

/**
 * Makes the episode rows of the changed folders match the disk. Only files the database does
 * not know yet (new path) are stat'ed for their size. One write statement (atomic): new files
 * upserted, rows whose file is gone marked not downloaded (provider episodes) or deleted
 * (disk-only rows), fingerprints stored. The parts touch disjoint rows.
 */
async function writeBatch(c: Conn, b: Batch): Promise<void> {
  if (!b.pending.length && !b.stateId.length) return;
  const sid: number[] = [], season: number[] = [], episode: number[] = [], file: string[] = [], size: number[] = [];
  const goneIds: number[] = [];
  if (b.pending.length) {
    // one JSON text, as in loadState: [id, series_id, season, episode, file_path]
    const text = await c.oneFirst(sql.unsafe`select coalesce(json_agg(json_build_array(id, series_id, season, episode, file_path)), '[]')::text
      from episodes where series_id = any(${sql.array(b.pending.map((p) => p.id), 'int4')}) and (is_downloaded or not on_provider)`);
    const known = (JSON.parse(text as string) as [number, number, number, number, string | null][])
      .map(([id, series_id, season, episode, file_path]) => ({ id, series_id, season, episode, file_path }));
    const byKey = new Map(known.map((k) => [`${k.series_id}/${k.season}/${k.episode}`, k]));
    const onDisk = new Set<string>();
    for (const p of b.pending) {
      for (const e of p.episodes) {
        const key = `${p.id}/${e.season}/${e.episode}`;
        onDisk.add(key);
        if (byKey.get(key)?.file_path === e.rel) continue;
        try {
          size.push(fs.statSync(path.join(p.dir, e.rel)).size);
        } catch {
          onDisk.delete(key); // vanished while we looked
          continue;
        }
        sid.push(p.id); season.push(e.season); episode.push(e.episode); file.push(e.rel);
      }
    }
    for (const k of known) if (!onDisk.has(`${k.series_id}/${k.season}/${k.episode}`)) goneIds.push(k.id);
  }
  const gone = sql.array(goneIds, 'int4');
  await c.query(sql.unsafe`with up as (
      insert into episodes (series_id, season, episode, on_provider, is_downloaded, file_path, file_size)
      select s, se, ep, false, true, p, sz from unnest(${sql.array(sid, 'int4')}, ${sql.array(season, 'int4')}, ${sql.array(episode, 'int4')},
        ${sql.array(file, 'text')}, ${sql.array(size, 'int8')}) as x(s, se, ep, p, sz)
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
      from unnest(${sql.array(b.stateId, 'int4')}, ${sql.array(b.fingerprint, 'text')}, ${sql.array(b.signature, 'text')}) as y(id, f, g)
      where s.id = y.id
      returning 1
    ) select (select count(*) from up) + (select count(*) from gone) + (select count(*) from del) + (select count(*) from st) as n`);
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function scanDisk(deps: Pick<Deps, 'db' | 'settings' | 'log'>, opts: DiskScanOptions = {}): Promise<DiskScanResult> {
  const t0 = performance.now();
  const scanStart = Date.now();
  const root = deps.settings.animeDirectory();
  const state = loadState(deps.db, opts.seriesIds);
  state.catch(() => undefined); // awaited below; the root may fail first
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (err) {
    // never mark a whole library as gone because its disk is not mounted
    throw new ServiceUnavailable(`The anime directory ${root} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing was changed`);
  }
  // While the database answers, the mtime of every folder in the root: it decides what is read.
  // (A stat also follows symlinked series folders.)
  const dirs = new Map<string, number>();
  const only = opts.seriesIds ? new Set((await state).map((r) => r[1])) : null;
  await tick(); // the state query leaves before the stats hold the thread
  for (let i = 0; i < names.length; i++) {
    if (i % 1000 === 999) await tick();
    const name = names[i];
    if (name.startsWith('.') || (only && !only.has(name))) continue;
    try {
      const st = fs.statSync(`${root}${path.sep}${name}`, { throwIfNoEntry: false });
      if (st?.isDirectory()) dirs.set(name, st.mtimeMs);
    } catch {
      // unreadable entry: not a series folder we can scan
    }
  }
  const rows = await state;
  if (!opts.seriesIds) await followRenames(deps, root, rows, dirs);
  if (!opts.seriesIds && rows.length >= 3 && rows.every((r) => !dirs.has(r[1]))) {
    // an empty mount point looks like a library whose every folder was deleted
    throw new ServiceUnavailable(`None of the ${rows.length} series folders is in ${root}: is the disk mounted? Nothing was changed`);
  }

  const tStat = performance.now();
  const result: DiskScanResult = { series: rows.length, read: 0, changed: 0, unchanged: 0, files: 0, missingFolders: [], unmatched: [] };
  let batch = newBatch();
  for (let i = 0; i < rows.length; i++) {
    const [id, folder, fingerprint, signature] = rows[i];
    if (i % 1000 === 999) await tick();
    const dir = `${root}${path.sep}${folder}`; // one checked segment: no need to normalise
    const top = dirs.get(folder);
    if (top === undefined) {
      result.missingFolders.push(folder);
      batch.pending.push({ id, dir, episodes: [] });
      batch.stateId.push(id); batch.fingerprint.push(null); batch.signature.push(null);
      continue;
    }
    if (!opts.force && unchanged(dir, top, fingerprint)) {
      result.unchanged++;
      continue;
    }
    let read: FolderRead;
    try {
      read = readFolder(dir, top, scanStart);
    } catch (err) {
      deps.log.warn({ folder, err: (err as Error).message }, 'cannot read series folder');
      continue;
    }
    result.read++;
    result.files += read.videos.length;
    if (read.signature === signature) {
      result.unchanged++;
      if (read.fingerprint !== fingerprint) {
        batch.stateId.push(id); batch.fingerprint.push(read.fingerprint); batch.signature.push(read.signature);
      }
      continue;
    }
    batch.stateId.push(id); batch.fingerprint.push(read.fingerprint); batch.signature.push(read.signature);
    result.changed++;
    const episodes = episodesOf(read.videos);
    batch.pending.push({ id, dir, episodes });
    batch.count += episodes.length;
    if (batch.count > 1_000) {
      await writeBatch(deps.db, batch);
      batch = newBatch();
    }
  }
  const tRead = performance.now();
  if (!opts.seriesIds) {
    const known = new Set(rows.map((r) => r[1]));
    result.unmatched = [...dirs.keys()].filter((d) => !known.has(d)).sort();
  }
  await Promise.all([writeBatch(deps.db, batch), opts.seriesIds ? null : setUnmatchedFolders(deps.db, result.unmatched)]);
  const tWrite = performance.now();
  const ms = (a: number, b: number) => Math.round(b - a);
  deps.log.info({ series: result.series, read: result.read, changed: result.changed, force: !!opts.force, stat_ms: ms(t0, tStat),
    read_ms: ms(tStat, tRead), write_ms: ms(tRead, tWrite) }, 'disk scan done');
  return result;
}
