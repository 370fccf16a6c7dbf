import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sql } from '../db/pool.js';
import type { Deps } from '../deps.js';
import { ServiceUnavailable } from '../errors.js';
import {
  applyDiskChanges,
  knownFiles,
  scanDetails,
  seasonLengths,
  scanStates,
  setUnmatchedFolders,
  type DiskChanges,
  type KnownFile,
  type ScanState,
} from './repo.js';
import { absoluteToSeason, isVideoFile, parseAbsoluteEpisode, parseEpisodeFile, seasonOfFolder } from './episodeFiles.js';

/**
 * The disk half of a scan: which episode files each series folder holds.
 *
 * A folder is re-read only when its mtime (or one of its subfolders') changed since the last
 * scan: adding, removing or renaming a file changes its folder's mtime (a file in `Season 02`
 * changes that subfolder's, which the fingerprint records too), so an unchanged library costs
 * one stat per folder. Files are never probed (no ffprobe); sizes are read only for files new
 * to the database. `.part` and hidden files/folders are ignored.
 *
 * A rescan's database work: the series' state comes from memory when the scan generation says
 * it is current (else one JSON value, fetched while the folders are stat-ed); the signatures and
 * known files of the folders to read arrive while they are read; one statement writes.
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

/**
 * A series whose folder vanished while a folder nobody knows carries its `.aniworld-key` was
 * renamed by the user: follow the rename instead of treating its episodes as gone.
 */
async function followRenames(
  deps: Pick<Deps, 'db' | 'log'>,
  root: string,
  rows: ScanState[],
  gone: ScanState[],
  dirs: Map<string, number>,
): Promise<Set<ScanState>> {
  const followed = new Set<ScanState>();
  const known = new Set(rows.map((r) => r.folder));
  const candidates = [...dirs.keys()].filter((d) => !known.has(d)).slice(0, 1000);
  if (candidates.length === 0) return followed;
  const keys = await deps.db.any(sql.type(z.object({ id: z.number(), key: z.string(), provider: z.string() }))`select id, key, provider
    from series where id = any(${sql.array(
      gone.map((r) => r.id),
      'int4',
    )})`);
  const missing = new Map(keys.map((k) => [k.key, { ...k, row: gone.find((r) => r.id === k.id)! }]));
  for (const folder of candidates) {
    let ref: string;
    try {
      ref = fs
        .readFileSync(path.join(root, folder, '.aniworld-key'), 'utf8')
        .split(/\r?\n/)[0]
        .trim();
    } catch {
      continue;
    }
    const m = /^(?:([a-z]+):)?([a-z0-9][a-z0-9-]*)$/i.exec(ref);
    const hit = m ? missing.get(m[2].toLowerCase()) : undefined;
    if (!hit || (m![1] && m![1] !== hit.provider)) continue;
    await deps.db.query(
      sql.unsafe`update series set folder = ${folder}, dir_fingerprint = null, disk_signature = null, updated_at = now() where id = ${hit.id}`,
    );
    deps.log.info({ key: hit.key, from: hit.row.folder, to: folder }, 'series folder was renamed; following it');
    hit.row.folder = folder;
    hit.row.fingerprint = null;
    hit.row.signature = null;
    missing.delete(hit.key);
    followed.add(hit.row);
  }
  return followed;
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
        if ((f.isFile() || f.isSymbolicLink()) && isVideoFile(f.name))
          videos.push({ rel: `${e.name}/${f.name}`, name: f.name, folder: e.name });
      }
    } else if ((e.isFile() || e.isSymbolicLink()) && isVideoFile(e.name)) {
      videos.push({ rel: e.name, name: e.name, folder: null });
    }
  }
  const names = videos.map((v) => v.rel).sort();
  const signature = crypto.createHash('sha1').update(names.join('\n')).digest('base64url');
  return { fingerprint: trusted ? [String(top), ...subs].join('/') : null, signature, videos };
}

/**
 * The episodes the listed files hold (first file wins when two hold the same episode). Files with
 * an absolute number only (`Show - 137.mkv` outside season folders) need the provider's season
 * lengths: `absolute` lists them when `lengths` is not given yet.
 */
function episodesOf(videos: FolderRead['videos'], lengths?: Map<number, number>): { episodes: Episode[]; absolute: boolean } {
  const out: { rel: string; season: number; episode: number }[] = [];
  const seen = new Set<string>();
  let absolute = false;
  for (const v of [...videos].sort((a, b) => (a.rel < b.rel ? -1 : 1))) {
    let ref = parseEpisodeFile(v.name, v.folder === null ? null : seasonOfFolder(v.folder));
    if (!ref && v.folder === null) {
      const numbers = parseAbsoluteEpisode(v.name);
      if (numbers && !lengths) absolute = true;
      const mapped = numbers && lengths ? numbers.map((n) => absoluteToSeason(n, lengths)).filter((x) => x !== null) : [];
      if (mapped.length)
        ref = { season: mapped[0].season, episodes: mapped.filter((x) => x.season === mapped[0].season).map((x) => x.episode) };
    }
    if (!ref) continue;
    for (const episode of ref.episodes) {
      const k = `${ref.season}-${episode}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ rel: v.rel, season: ref.season, episode });
    }
  }
  return { episodes: out, absolute };
}

type Episode = { rel: string; season: number; episode: number };

const newBatch = (): DiskChanges => ({
  upsert: { seriesId: [], season: [], episode: [], filePath: [], fileSize: [] },
  goneIds: [],
  state: { seriesId: [], fingerprint: [], signature: [] },
});

/**
 * Adds to the batch what makes a series' episode rows match its folder: files the database does
 * not know yet (new path) are stat'ed for their size and upserted; rows whose file is gone go.
 */
function diff(b: DiskChanges, seriesId: number, dir: string, episodes: Episode[], known: KnownFile[]): void {
  const byKey = new Map(known.map((k) => [`${k.season}/${k.episode}`, k]));
  const onDisk = new Set<string>();
  for (const e of episodes) {
    const key = `${e.season}/${e.episode}`;
    if (byKey.get(key)?.filePath === e.rel) {
      onDisk.add(key);
      continue;
    }
    let size: number;
    try {
      size = fs.statSync(`${dir}${path.sep}${e.rel}`).size;
    } catch {
      continue; // vanished while we looked
    }
    onDisk.add(key);
    const u = b.upsert;
    u.seriesId.push(seriesId);
    u.season.push(e.season);
    u.episode.push(e.episode);
    u.filePath.push(e.rel);
    u.fileSize.push(size);
  }
  for (const k of known) if (!onDisk.has(`${k.season}/${k.episode}`)) b.goneIds.push(k.id);
}

/** Stores a folder's new state: in the batch, and in the row (the memo below stays current). */
const setState = (b: DiskChanges, row: ScanState, fingerprint: string | null, signature: string | null) => {
  b.state.seriesId.push(row.id);
  b.state.fingerprint.push(fingerprint);
  b.state.signature.push(signature);
  row.fingerprint = fingerprint;
  row.signature = signature;
};

/** What the last library scan left in this app instance (deps.scanMemo, built once by the app). */
export class ScanMemo {
  /**
   * The series' state as of a scan generation (migrations/0105: bumped by every statement that
   * changes a series' folder or fingerprints, by any process), so a rescan fetches the state again
   * only if it moved.
   */
  state: { generation: number; rows: ScanState[] } | null = null;
  /** The root's listing as of its mtime: while it stands, no series folder was added, removed or renamed. */
  root: { root: string; mtime: number; names: string[] } | null = null;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Folders are read this many at a time; the database answers about a chunk while it is read. */
const CHUNK = 50;

export async function scanDisk(
  deps: Pick<Deps, 'db' | 'settings' | 'log' | 'scanMemo'>,
  opts: DiskScanOptions = {},
): Promise<DiskScanResult> {
  const t0 = performance.now();
  const scanStart = Date.now();
  const root = deps.settings.animeDirectory();
  const memos = deps.scanMemo;
  const memo = opts.seriesIds ? undefined : (memos.state ?? undefined);
  memos.state = null; // taken; put back only by a scan that ends well
  const states = scanStates(deps.db, { seriesIds: opts.seriesIds, unlessGeneration: memo?.generation });
  states.catch(() => undefined); // awaited below; the root may fail first
  let names: string[];
  try {
    const mtime = fs.statSync(root).mtimeMs; // before the listing, as for series folders
    const listed = memos.root;
    if (listed?.root === root && listed.mtime === mtime) names = listed.names;
    else {
      names = fs.readdirSync(root);
      memos.root = racy(mtime, scanStart) ? null : { root, mtime, names };
    }
  } catch (err) {
    memos.root = null;
    // never mark a whole library as gone because its disk is not mounted
    throw new ServiceUnavailable(
      `The anime directory ${root} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing was changed`,
    );
  }
  const tList = performance.now();
  // While the database answers, the mtime of every folder in the root: it decides what is read.
  // (A stat also follows symlinked series folders.)
  const dirs = new Map<string, number>();
  const only = opts.seriesIds ? new Set((await states).series!.map((r) => r.folder)) : null;
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
  const tStats = performance.now();
  const state = await states;
  const rows = state.series ?? memo!.rows;
  const storedUnmatched = state.unmatched;
  const tState = performance.now();
  // the generation our rows are current at; null once something else may have changed them
  let generation: number | null = opts.seriesIds ? null : state.generation;
  const write = async (b: DiskChanges) => {
    const from = await applyDiskChanges(deps.db, b);
    generation = generation === from ? from + 1 : null;
  };

  // What must be looked at: folders whose mtimes changed (every folder when forced), and folders gone.
  const result: DiskScanResult = { series: rows.length, read: 0, changed: 0, unchanged: 0, files: 0, missingFolders: [], unmatched: [] };
  const todo: ScanState[] = [];
  let gone: ScanState[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const top = dirs.get(row.folder);
    if (top === undefined) gone.push(row);
    else if (opts.force || !unchanged(`${root}${path.sep}${row.folder}`, top, row.fingerprint)) todo.push(row);
    else result.unchanged++;
  }
  if (gone.length && !opts.seriesIds) {
    const followed = await followRenames(deps, root, rows, gone, dirs);
    if (followed.size) {
      generation = null;
      todo.push(...followed);
      gone = gone.filter((r) => !followed.has(r));
    }
    if (rows.length >= 3 && gone.length === rows.length) {
      // an empty mount point looks like a library whose every folder was deleted
      throw new ServiceUnavailable(`None of the ${rows.length} series folders is in ${root}: is the disk mounted? Nothing was changed`);
    }
  }
  for (const row of gone) result.missingFolders.push(row.folder);
  todo.push(...gone);

  const tPick = performance.now();
  let batch = newBatch();
  for (let at = 0; at < todo.length; at += CHUNK) {
    await tick();
    const chunk = todo.slice(at, at + CHUNK);
    // stored signatures and known files arrive while the chunk is read, unless forced (signatures
    // came with the state; known files are fetched below for the few folders that differ)
    const details = opts.force
      ? null
      : scanDetails(
          deps.db,
          chunk.map((r) => r.id),
        );
    details?.catch(() => undefined);
    const changed: { id: number; dir: string; episodes: Episode[]; videos?: FolderRead['videos'] }[] = [];
    const settle = (row: ScanState, dir: string, read: FolderRead | null, signature: string | null) => {
      const id = row.id;
      if (!read) {
        changed.push({ id, dir, episodes: [] });
        setState(batch, row, null, null);
      } else if (read.signature === signature) {
        result.unchanged++;
        if (read.fingerprint !== row.fingerprint) setState(batch, row, read.fingerprint, read.signature);
      } else {
        result.changed++;
        setState(batch, row, read.fingerprint, read.signature);
        const found = episodesOf(read.videos);
        changed.push({ id, dir, episodes: found.episodes, videos: found.absolute ? read.videos : undefined });
      }
    };
    const waiting: [ScanState, string, FolderRead | null][] = [];
    for (const row of chunk) {
      const dir = `${root}${path.sep}${row.folder}`; // one checked segment: no need to normalise
      const top = dirs.get(row.folder);
      let read: FolderRead | null = null;
      if (top !== undefined) {
        try {
          read = readFolder(dir, top, scanStart);
        } catch (err) {
          deps.log.warn({ folder: row.folder, err: (err as Error).message }, 'cannot read series folder');
          continue;
        }
        result.read++;
        result.files += read.videos.length;
      }
      if (details) waiting.push([row, dir, read]);
      else settle(row, dir, read, row.signature);
    }
    const stored = details ? await details : null;
    for (const [row, dir, read] of waiting) {
      const now = stored!.get(row.id);
      if (now)
        settle(row, dir, read, now.signature); // (a series deleted meanwhile is left alone)
      else generation = null;
    }
    const absolute = changed.filter((c) => c.videos);
    if (absolute.length) {
      const lengths = await seasonLengths(
        deps.db,
        absolute.map((c) => c.id),
      );
      for (const c of absolute) c.episodes = episodesOf(c.videos!, lengths.get(c.id) ?? new Map()).episodes;
    }
    if (changed.length) {
      const files = stored
        ? null
        : await knownFiles(
            deps.db,
            changed.map((c) => c.id),
          );
      for (const c of changed)
        diff(batch, c.id, c.dir, c.episodes, stored ? stored.get(c.id)!.files : files!.filter((f) => f.seriesId === c.id));
    }
    if (batch.upsert.seriesId.length + batch.goneIds.length > 2_000) {
      await write(batch);
      batch = newBatch();
    }
  }
  const tRead = performance.now();
  const writes: Promise<unknown>[] = [];
  if (batch.state.seriesId.length) writes.push(write(batch));
  if (!opts.seriesIds) {
    const known = new Set(rows.map((r) => r.folder));
    result.unmatched = [...dirs.keys()].filter((d) => !known.has(d)).sort();
    const now = new Set(result.unmatched);
    if (storedUnmatched.length !== now.size || !storedUnmatched.every((f) => now.has(f)))
      writes.push(setUnmatchedFolders(deps.db, result.unmatched));
  }
  await Promise.all(writes);
  if (generation !== null) memos.state = { generation, rows };
  const tWrite = performance.now();
  const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;
  deps.log.info(
    {
      series: result.series,
      read: result.read,
      changed: result.changed,
      force: !!opts.force,
      state_loaded: !!state.series,
      list_ms: ms(t0, tList),
      stat_ms: ms(tList, tStats),
      state_wait_ms: ms(tStats, tState),
      pick_ms: ms(tState, tPick),
      read_ms: ms(tPick, tRead),
      write_ms: ms(tRead, tWrite),
    },
    'disk scan done',
  );
  return result;
}
