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
  /** Folders re-read whose episode files differed from the database. */
  changed: number;
  /** Folders skipped (mtimes unchanged) or re-read without any difference. */
  unchanged: number;
  files: number;
  missingFolders: string[];
  unmatched: string[];
}

const StateRow = z.object({ id: z.number(), key: z.string(), provider: z.string(), folder: z.string(), dir_fingerprint: z.string().nullable(), disk_signature: z.string().nullable() });
type StateRow = z.infer<typeof StateRow>;

/**
 * A series whose folder vanished while a folder nobody knows carries its `.aniworld-key` was
 * renamed by the user: follow the rename instead of treating its episodes as gone.
 */
async function followRenames(deps: Pick<Deps, 'db' | 'log'>, root: string, rows: StateRow[], dirs: Set<string>): Promise<void> {
  const missing = new Map(rows.filter((r) => !dirs.has(r.folder)).map((r) => [r.key, r]));
  if (missing.size === 0) return;
  const known = new Set(rows.map((r) => r.folder));
  const candidates = [...dirs].filter((d) => !known.has(d)).slice(0, 1000);
  for (const folder of candidates) {
    let ref: string;
    try {
      ref = fs.readFileSync(path.join(root, folder, '.aniworld-key'), 'utf8').split(/\r?\n/)[0].trim();
    } catch {
      continue;
    }
    const m = /^(?:([a-z]+):)?([a-z0-9][a-z0-9-]*)$/i.exec(ref);
    const row = m ? missing.get(m[2].toLowerCase()) : undefined;
    if (!row || (m![1] && m![1] !== row.provider)) continue;
    await deps.db.query(sql.unsafe`update series set folder = ${folder}, dir_fingerprint = null, disk_signature = null, updated_at = now() where id = ${row.id}`);
    deps.log.info({ key: row.key, from: row.folder, to: folder }, 'series folder was renamed; following it');
    row.folder = folder;
    row.dir_fingerprint = null;
    row.disk_signature = null;
    missing.delete(row.key);
  }
}

interface FolderRead {
  fingerprint: string;
  signature: string;
  videos: { rel: string; name: string; folder: string | null }[];
}

// `mtime/sub1/mtime1/sub2/mtime2...`: '/' cannot occur in a folder name. mtimeMs keeps sub-µs digits.
const mtimeOf = (p: string) => String(fs.statSync(p).mtimeMs);

/** True when the folder and its known subfolders still carry the recorded mtimes. */
function unchanged(dir: string, stored: string | null): boolean {
  if (!stored) return false;
  try {
    const parts = stored.split('/');
    if (mtimeOf(dir) !== parts[0]) return false;
    for (let i = 1; i + 1 < parts.length; i += 2) if (mtimeOf(`${dir}${path.sep}${parts[i]}`) !== parts[i + 1]) return false;
    return true;
  } catch {
    return false;
  }
}

/** Lists a folder's video files (one level of subfolders) without parsing their names yet. */
function readFolder(dir: string): FolderRead {
  const top = mtimeOf(dir);
  const subs: string[] = [];
  const videos: FolderRead['videos'] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) {
      const sub = path.join(dir, e.name);
      subs.push(e.name, mtimeOf(sub));
      for (const f of fs.readdirSync(sub, { withFileTypes: true })) {
        if ((f.isFile() || f.isSymbolicLink()) && isVideoFile(f.name)) videos.push({ rel: `${e.name}/${f.name}`, name: f.name, folder: e.name });
      }
    } else if ((e.isFile() || e.isSymbolicLink()) && isVideoFile(e.name)) {
      videos.push({ rel: e.name, name: e.name, folder: null });
    }
  }
  const names = videos.map((v) => v.rel).sort();
  const signature = crypto.createHash('sha1').update(names.join('\n')).digest('base64url');
  return { fingerprint: [top, ...subs].join('/'), signature, videos };
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

const KnownRow = z.object({ id: z.number(), series_id: z.number(), season: z.number(), episode: z.number(), file_path: z.string().nullable() });

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
    // plain rows (checked once) as in the state query: this runs on every changed batch
    const known = (await c.any(sql.unsafe`select id, series_id, season, episode, file_path from episodes
      where series_id = any(${sql.array(b.pending.map((p) => p.id), 'int4')}) and (is_downloaded or not on_provider)`)) as z.infer<typeof KnownRow>[];
    if (known.length && !KnownRow.safeParse(known[0]).success) throw new Error('unexpected episode row');
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
  const root = deps.settings.animeDirectory();
  // the listing of the root and the series rows are fetched side by side
  const [rootEntries, raw] = await Promise.all([
    fs.promises.readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      // never mark a whole library as gone because its disk is not mounted
      throw new ServiceUnavailable(`The anime directory ${root} cannot be read (${err.code ?? 'error'}); nothing was changed`);
    }),
    // the hot query of a rescan: plain rows, checked once here instead of per row through zod
    opts.seriesIds
      ? deps.db.any(sql.unsafe`select id, key, provider, folder, dir_fingerprint, disk_signature from series where id = any(${sql.array(opts.seriesIds, 'int4')})`)
      : deps.db.any(sql.unsafe`select id, key, provider, folder, dir_fingerprint, disk_signature from series`),
  ]);
  const dirs = new Set(rootEntries.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.')).map((e) => e.name));
  if (raw.length && !StateRow.safeParse(raw[0]).success) throw new Error('unexpected series state row');
  const rows = raw as StateRow[];
  if (!opts.seriesIds) await followRenames(deps, root, rows, dirs);
  if (!opts.seriesIds && rows.length >= 3 && rows.every((r) => !dirs.has(r.folder))) {
    // an empty mount point looks like a library whose every folder was deleted
    throw new ServiceUnavailable(`None of the ${rows.length} series folders is in ${root}: is the disk mounted? Nothing was changed`);
  }

  const tRows = performance.now();
  const result: DiskScanResult = { series: rows.length, changed: 0, unchanged: 0, files: 0, missingFolders: [], unmatched: [] };
  let batch = newBatch();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (i % 200 === 199) await tick();
    const dir = `${root}${path.sep}${row.folder}`; // one checked segment: no need to normalise
    if (!dirs.has(row.folder)) {
      result.missingFolders.push(row.folder);
      batch.pending.push({ id: row.id, dir, episodes: [] });
      batch.stateId.push(row.id); batch.fingerprint.push(null); batch.signature.push(null);
      continue;
    }
    if (!opts.force && unchanged(dir, row.dir_fingerprint)) {
      result.unchanged++;
      continue;
    }
    let read: FolderRead;
    try {
      read = readFolder(dir);
    } catch (err) {
      deps.log.warn({ folder: row.folder, err: (err as Error).message }, 'cannot read series folder');
      continue;
    }
    result.files += read.videos.length;
    if (read.signature === row.disk_signature) {
      result.unchanged++;
      if (read.fingerprint !== row.dir_fingerprint) {
        batch.stateId.push(row.id); batch.fingerprint.push(read.fingerprint); batch.signature.push(read.signature);
      }
      continue;
    }
    batch.stateId.push(row.id); batch.fingerprint.push(read.fingerprint); batch.signature.push(read.signature);
    result.changed++;
    const episodes = episodesOf(read.videos);
    batch.pending.push({ id: row.id, dir, episodes });
    batch.count += episodes.length;
    if (batch.count > 1_000) {
      await writeBatch(deps.db, batch);
      batch = newBatch();
    }
  }
  const tWalk = performance.now();
  if (!opts.seriesIds) {
    const known = new Set(rows.map((r) => r.folder));
    result.unmatched = [...dirs].filter((d) => !known.has(d)).sort();
  }
  await Promise.all([writeBatch(deps.db, batch), opts.seriesIds ? null : setUnmatchedFolders(deps.db, result.unmatched)]);
  const tWrite = performance.now();
  const ms = (a: number, b: number) => Math.round(b - a);
  deps.log.info({ series: result.series, changed: result.changed, force: !!opts.force, load_ms: ms(t0, tRows), walk_ms: ms(tRows, tWalk),
    write_ms: ms(tWalk, tWrite) }, 'disk scan done');
  return result;
}
