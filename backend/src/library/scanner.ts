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

const StateRow = z.object({ id: z.number(), folder: z.string(), dir_fingerprint: z.string().nullable(), disk_signature: z.string().nullable() });

interface FolderRead {
  fingerprint: string;
  signature: string;
  files: { rel: string; season: number; episode: number }[];
}

type Fingerprint = [string, [string, string][]];

const mtimeOf = (p: string) => fs.statSync(p, { bigint: true }).mtimeNs.toString();

/** True when the folder and its known subfolders still carry the recorded mtimes. */
function unchanged(dir: string, stored: string | null): boolean {
  if (!stored) return false;
  try {
    const [top, subs] = JSON.parse(stored) as Fingerprint;
    if (mtimeOf(dir) !== top) return false;
    for (const [name, m] of subs) if (mtimeOf(path.join(dir, name)) !== m) return false;
    return true;
  } catch {
    return false;
  }
}

function readFolder(dir: string): FolderRead {
  const top = mtimeOf(dir);
  const subs: [string, string][] = [];
  const files: FolderRead['files'] = [];
  const names: string[] = [];
  const take = (rel: string, name: string, folderSeason: number | null) => {
    const ref = parseEpisodeFile(name, folderSeason);
    if (!ref) return;
    names.push(rel);
    for (const episode of ref.episodes) files.push({ rel, season: ref.season, episode });
  };
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) {
      const sub = path.join(dir, e.name);
      subs.push([e.name, mtimeOf(sub)]);
      const season = seasonOfFolder(e.name);
      for (const f of fs.readdirSync(sub, { withFileTypes: true })) {
        if ((f.isFile() || f.isSymbolicLink()) && isVideoFile(f.name)) take(`${e.name}/${f.name}`, f.name, season);
      }
    } else if ((e.isFile() || e.isSymbolicLink()) && isVideoFile(e.name)) {
      take(e.name, e.name, null);
    }
  }
  names.sort();
  const signature = crypto.createHash('sha1').update(names.join('\n')).digest('base64url');
  return { fingerprint: JSON.stringify([top, subs] satisfies Fingerprint), signature, files };
}

interface Batch {
  sid: number[]; season: number[]; episode: number[]; path: string[]; size: (number | null)[];
  /** Series whose episode rows are replaced by what the disk holds. */
  replaced: number[];
  stateId: number[]; fingerprint: (string | null)[]; signature: (string | null)[];
}

const newBatch = (): Batch => ({ sid: [], season: [], episode: [], path: [], size: [], replaced: [], stateId: [], fingerprint: [], signature: [] });

async function writeBatch(c: Conn, b: Batch): Promise<void> {
  if (b.sid.length) {
    await c.query(sql.unsafe`insert into episodes (series_id, season, episode, on_provider, is_downloaded, file_path, file_size)
      select s, se, ep, false, true, p, sz from unnest(${sql.array(b.sid, 'int4')}, ${sql.array(b.season, 'int4')},
        ${sql.array(b.episode, 'int4')}, ${sql.array(b.path, 'text')}, ${sql.array(b.size, 'int8')}) as x(s, se, ep, p, sz)
      on conflict (series_id, season, episode) do update set is_downloaded = true, file_path = excluded.file_path,
        file_size = excluded.file_size, updated_at = now()
        where not episodes.is_downloaded or episodes.file_path is distinct from excluded.file_path
          or episodes.file_size is distinct from excluded.file_size`);
  }
  if (b.replaced.length) {
    const ids = sql.array(b.replaced, 'int4');
    await c.query(sql.unsafe`update episodes e set is_downloaded = false, file_path = null, file_size = null, updated_at = now()
      where e.series_id = any(${ids}) and e.is_downloaded and not exists (
        select 1 from unnest(${sql.array(b.sid, 'int4')}, ${sql.array(b.season, 'int4')}, ${sql.array(b.episode, 'int4')}) as x(s, se, ep)
        where x.s = e.series_id and x.se = e.season and x.ep = e.episode)`);
    await c.query(sql.unsafe`delete from episodes where series_id = any(${ids}) and not on_provider and not is_downloaded`);
  }
  if (b.stateId.length) {
    await c.query(sql.unsafe`update series s set dir_fingerprint = x.f, disk_signature = x.g, last_disk_scan_at = now()
      from unnest(${sql.array(b.stateId, 'int4')}, ${sql.array(b.fingerprint, 'text')}, ${sql.array(b.signature, 'text')}) as x(id, f, g)
      where s.id = x.id`);
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function scanDisk(deps: Pick<Deps, 'db' | 'settings' | 'log'>, opts: DiskScanOptions = {}): Promise<DiskScanResult> {
  const root = deps.settings.animeDirectory();
  let rootEntries: fs.Dirent[];
  try {
    rootEntries = fs.readdirSync(root, { withFileTypes: true });
  } catch (err) {
    // never mark a whole library as gone because its disk is not mounted
    throw new ServiceUnavailable(`The anime directory ${root} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing was changed`);
  }
  const dirs = new Set(rootEntries.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.')).map((e) => e.name));
  const rows = opts.seriesIds
    ? await deps.db.any(sql.type(StateRow)`select id, folder, dir_fingerprint, disk_signature from series where id = any(${sql.array(opts.seriesIds, 'int4')})`)
    : await deps.db.any(sql.type(StateRow)`select id, folder, dir_fingerprint, disk_signature from series`);

  const result: DiskScanResult = { series: rows.length, changed: 0, unchanged: 0, files: 0, missingFolders: [], unmatched: [] };
  let batch = newBatch();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (i % 200 === 199) await tick();
    const dir = path.join(root, row.folder);
    if (!dirs.has(row.folder)) {
      result.missingFolders.push(row.folder);
      batch.replaced.push(row.id);
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
    result.files += read.files.length;
    batch.stateId.push(row.id); batch.fingerprint.push(read.fingerprint); batch.signature.push(read.signature);
    if (read.signature === row.disk_signature) {
      result.unchanged++;
      continue;
    }
    result.changed++;
    batch.replaced.push(row.id);
    const seen = new Set<string>();
    for (const f of read.files) {
      const k = `${f.season}-${f.episode}`;
      if (seen.has(k)) continue;
      seen.add(k);
      let size: number | null = null;
      try {
        size = fs.statSync(path.join(dir, f.rel)).size;
      } catch {
        continue; // vanished while we looked
      }
      batch.sid.push(row.id); batch.season.push(f.season); batch.episode.push(f.episode); batch.path.push(f.rel); batch.size.push(size);
    }
    if (batch.sid.length > 20_000) {
      await deps.db.transaction((c) => writeBatch(c, batch));
      batch = newBatch();
    }
  }
  await deps.db.transaction((c) => writeBatch(c, batch));

  if (!opts.seriesIds) {
    const known = new Set(rows.map((r) => r.folder));
    result.unmatched = [...dirs].filter((d) => !known.has(d)).sort();
    await setUnmatchedFolders(deps.db, result.unmatched);
  }
  return result;
}
