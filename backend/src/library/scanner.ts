import fs from 'node:fs';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { ServiceUnavailable } from '../errors.js';
import { setUnmatchedFolders } from './repo.js';
import {
  applyDiskChanges,
  followFolderRename,
  knownFiles,
  scanDetails,
  seasonLengths,
  scanStates,
  seriesIdentities,
  type DiskChanges,
  type KnownFile,
  type ScanState,
} from './scanRepo.js';
import { episodesOf, racy, readFolder, unchanged, type Episode, type FolderRead } from './scanFolder.js';

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
  const keys = await seriesIdentities(
    deps.db,
    gone.map((r) => r.id),
  );
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
    await followFolderRename(deps.db, hit.id, folder);
    deps.log.info({ key: hit.key, from: hit.row.folder, to: folder }, 'series folder was renamed; following it');
    hit.row.folder = folder;
    hit.row.fingerprint = null;
    hit.row.signature = null;
    missing.delete(hit.key);
    followed.add(hit.row);
  }
  return followed;
}

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

/** Episode rows changed or gone past this many are written before the scan goes on. */
const BATCH_ROWS = 2_000;

type ScanDeps = Pick<Deps, 'db' | 'settings' | 'log' | 'scanMemo'>;

/** One scan under way: where it reads, what it found so far, and the writes it has batched. */
interface ScanRun {
  deps: ScanDeps;
  root: string;
  /** When the scan started (Date.now()): an mtime close to it is not trusted (see `racy`). */
  scanStart: number;
  force: boolean;
  result: DiskScanResult;
  batch: DiskChanges;
  /** The scan generation the rows are current at; null once something else may have changed them. */
  generation: number | null;
}

/** A series folder as a chunk read it: `read` is null when the folder is gone. */
interface FolderVisit {
  row: ScanState;
  dir: string;
  read: FolderRead | null;
}

/** A folder whose episode files differ from the database. */
interface ChangedFolder {
  id: number;
  dir: string;
  episodes: Episode[];
  /** The listing, kept while files numbered absolutely wait for the provider's season lengths. */
  videos?: FolderRead['videos'];
}

/**
 * The names in the library root: the memo's while the root's mtime stands (no series folder was
 * added, removed or renamed), else listed again. A root that cannot be read stops the scan before
 * anything is changed.
 */
function listRoot(memos: ScanMemo, root: string, scanStart: number): string[] {
  try {
    const mtime = fs.statSync(root).mtimeMs; // before the listing, as for series folders
    const listed = memos.root;
    if (listed?.root === root && listed.mtime === mtime) return listed.names;
    const names = fs.readdirSync(root);
    memos.root = racy(mtime, scanStart) ? null : { root, mtime, names };
    return names;
  } catch (err) {
    memos.root = null;
    // never mark a whole library as gone because its disk is not mounted
    throw new ServiceUnavailable(
      `The anime directory ${root} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing was changed`,
    );
  }
}

/**
 * The mtime of every folder in the root (only the `only` ones when given): it decides what is
 * read. A stat also follows symlinked series folders. Runs while the database answers.
 */
async function folderMtimes(root: string, names: readonly string[], only: ReadonlySet<string> | null): Promise<Map<string, number>> {
  const dirs = new Map<string, number>();
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
  return dirs;
}

/**
 * What must be looked at: the folders whose mtimes changed (every folder when forced), then the
 * folders gone, after following the ones the user renamed (a whole scan only). Counts the
 * unchanged ones and lists the missing ones in the result.
 */
async function pickFolders(run: ScanRun, rows: ScanState[], dirs: Map<string, number>, wholeLibrary: boolean): Promise<ScanState[]> {
  const todo: ScanState[] = [];
  let gone: ScanState[] = [];
  for (const row of rows) {
    const top = dirs.get(row.folder);
    if (top === undefined) gone.push(row);
    else if (run.force || !unchanged(`${run.root}${path.sep}${row.folder}`, top, row.fingerprint)) todo.push(row);
    else run.result.unchanged++;
  }
  if (gone.length && wholeLibrary) {
    const followed = await followRenames(run.deps, run.root, rows, gone, dirs);
    if (followed.size) {
      run.generation = null;
      todo.push(...followed);
      gone = gone.filter((r) => !followed.has(r));
    }
    if (rows.length >= 3 && gone.length === rows.length) {
      // an empty mount point looks like a library whose every folder was deleted
      throw new ServiceUnavailable(`None of the ${rows.length} series folders is in ${run.root}: is the disk mounted? Nothing was changed`);
    }
  }
  for (const row of gone) run.result.missingFolders.push(row.folder);
  todo.push(...gone);
  return todo;
}

/** Lists the chunk's folders (a folder gone is visited with `read` null); one that cannot be read is skipped. */
function readFolders(run: ScanRun, chunk: readonly ScanState[], dirs: Map<string, number>): FolderVisit[] {
  const visits: FolderVisit[] = [];
  for (const row of chunk) {
    const dir = `${run.root}${path.sep}${row.folder}`; // one checked segment: no need to normalise
    const top = dirs.get(row.folder);
    let read: FolderRead | null = null;
    if (top !== undefined) {
      try {
        read = readFolder(dir, top, run.scanStart);
      } catch (err) {
        run.deps.log.warn({ folder: row.folder, err: (err as Error).message }, 'cannot read series folder');
        continue;
      }
      run.result.read++;
      run.result.files += read.videos.length;
    }
    visits.push({ row, dir, read });
  }
  return visits;
}

/**
 * Compares a visited folder with its stored signature: a folder gone or differing joins `changed`
 * (its episodes to be diffed), an unchanged one at most gets its new fingerprint stored.
 */
function settleFolder(run: ScanRun, visit: FolderVisit, storedSignature: string | null, changed: ChangedFolder[]): void {
  const { row, dir, read } = visit;
  if (!read) {
    changed.push({ id: row.id, dir, episodes: [] });
    setState(run.batch, row, null, null);
  } else if (read.signature === storedSignature) {
    run.result.unchanged++;
    if (read.fingerprint !== row.fingerprint) setState(run.batch, row, read.fingerprint, read.signature);
  } else {
    run.result.changed++;
    setState(run.batch, row, read.fingerprint, read.signature);
    const found = episodesOf(read.videos);
    changed.push({ id: row.id, dir, episodes: found.episodes, videos: found.absolute ? read.videos : undefined });
  }
}

/** Files numbered absolutely get their season and episode from the provider's season lengths. */
async function mapAbsoluteNumbers(run: ScanRun, changed: readonly ChangedFolder[]): Promise<void> {
  const absolute = changed.filter((c) => c.videos);
  if (!absolute.length) return;
  const lengths = await seasonLengths(
    run.deps.db,
    absolute.map((c) => c.id),
  );
  for (const c of absolute) c.episodes = episodesOf(c.videos!, lengths.get(c.id) ?? new Map()).episodes;
}

type StoredDetails = Map<number, { signature: string | null; files: KnownFile[] }>;

/** Batches the episode rows' changes of the folders that differ; their known files come with `stored`, else are fetched now. */
async function batchEpisodeChanges(run: ScanRun, changed: readonly ChangedFolder[], stored: StoredDetails | null): Promise<void> {
  if (!changed.length) return;
  const files = stored
    ? null
    : await knownFiles(
        run.deps.db,
        changed.map((c) => c.id),
      );
  for (const c of changed)
    diff(run.batch, c.id, c.dir, c.episodes, stored ? stored.get(c.id)!.files : files!.filter((f) => f.seriesId === c.id));
}

/** Writes the batch (one statement) and starts a new one; the generation moves on with it unless another write came between. */
async function writeBatch(run: ScanRun): Promise<void> {
  const batch = run.batch;
  run.batch = newBatch();
  const from = await applyDiskChanges(run.deps.db, batch);
  run.generation = run.generation === from ? from + 1 : null;
}

/**
 * Reads a chunk of folders and batches what differs. Unless forced, the stored signatures and
 * known files arrive while the chunk is read (forced: the signatures came with the state; known
 * files are fetched for the few folders that differ).
 */
async function scanChunk(run: ScanRun, chunk: readonly ScanState[], dirs: Map<string, number>): Promise<void> {
  const details = run.force
    ? null
    : scanDetails(
        run.deps.db,
        chunk.map((r) => r.id),
      );
  details?.catch(() => undefined);
  const visits = readFolders(run, chunk, dirs);
  const stored = details ? await details : null;
  const changed: ChangedFolder[] = [];
  for (const visit of visits) {
    if (!stored) settleFolder(run, visit, visit.row.signature, changed);
    else {
      const now = stored.get(visit.row.id);
      if (now)
        settleFolder(run, visit, now.signature, changed); // (a series deleted meanwhile is left alone)
      else run.generation = null;
    }
  }
  await mapAbsoluteNumbers(run, changed);
  await batchEpisodeChanges(run, changed, stored);
  if (run.batch.upsert.seriesId.length + run.batch.goneIds.length > BATCH_ROWS) await writeBatch(run);
}

/** The root's folders no series owns, into the result; stored when they differ from what library_unmatched holds. */
async function recordUnmatched(run: ScanRun, rows: readonly ScanState[], dirs: Map<string, number>, stored: readonly string[]) {
  const known = new Set(rows.map((r) => r.folder));
  run.result.unmatched = [...dirs.keys()].filter((d) => !known.has(d)).sort();
  const now = new Set(run.result.unmatched);
  if (stored.length !== now.size || !stored.every((f) => now.has(f))) await setUnmatchedFolders(run.deps.db, run.result.unmatched);
}

/** performance.now() at the end of each step of a scan. */
interface ScanMarks {
  start: number;
  listed: number;
  stated: number;
  stateLoaded: number;
  picked: number;
  read: number;
  written: number;
}

function logScan(run: ScanRun, stateLoaded: boolean, t: ScanMarks): void {
  const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;
  run.deps.log.info(
    {
      series: run.result.series,
      read: run.result.read,
      changed: run.result.changed,
      force: run.force,
      state_loaded: stateLoaded,
      list_ms: ms(t.start, t.listed),
      stat_ms: ms(t.listed, t.stated),
      state_wait_ms: ms(t.stated, t.stateLoaded),
      pick_ms: ms(t.stateLoaded, t.picked),
      read_ms: ms(t.picked, t.read),
      write_ms: ms(t.read, t.written),
    },
    'disk scan done',
  );
}

export async function scanDisk(deps: ScanDeps, opts: DiskScanOptions = {}): Promise<DiskScanResult> {
  const start = performance.now();
  const scanStart = Date.now();
  const root = deps.settings.animeDirectory();
  const memos = deps.scanMemo;
  const memo = opts.seriesIds ? undefined : (memos.state ?? undefined);
  memos.state = null; // taken; put back only by a scan that ends well
  const states = scanStates(deps.db, { seriesIds: opts.seriesIds, unlessGeneration: memo?.generation });
  states.catch(() => undefined); // awaited below; the root may fail first
  const names = listRoot(memos, root, scanStart);
  const listed = performance.now();
  const only = opts.seriesIds ? new Set((await states).series!.map((r) => r.folder)) : null;
  const dirs = await folderMtimes(root, names, only);
  const stated = performance.now();
  const state = await states;
  const rows = state.series ?? memo!.rows;
  const stateLoaded = performance.now();

  const run: ScanRun = {
    deps,
    root,
    scanStart,
    force: !!opts.force,
    result: { series: rows.length, read: 0, changed: 0, unchanged: 0, files: 0, missingFolders: [], unmatched: [] },
    batch: newBatch(),
    generation: opts.seriesIds ? null : state.generation,
  };
  const todo = await pickFolders(run, rows, dirs, !opts.seriesIds);
  const picked = performance.now();
  for (let at = 0; at < todo.length; at += CHUNK) {
    await tick();
    await scanChunk(run, todo.slice(at, at + CHUNK), dirs);
  }
  const read = performance.now();
  await Promise.all([
    run.batch.state.seriesId.length ? writeBatch(run) : undefined,
    opts.seriesIds ? undefined : recordUnmatched(run, rows, dirs, state.unmatched),
  ]);
  if (run.generation !== null) memos.state = { generation: run.generation, rows };
  logScan(run, !!state.series, { start, listed, stated, stateLoaded, picked, read, written: performance.now() });
  return run.result;
}
