import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from '../../backend/src/db/pool.js';
import type { TestServer } from '../helpers/server.js';

const run = promisify(execFile);

/** A series row plus its folder, as the library would have them. */
export async function addSeries(srv: TestServer, s: { key: string; name: string; folder: string; year?: number | null }): Promise<string> {
  await srv.deps.db.query(sql.unsafe`insert into series (key, name, site, folder, year)
    values (${s.key}, ${s.name}, 'aniworld.to', ${s.folder}, ${s.year ?? null})`);
  const dir = path.join(srv.animeDir, s.folder);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function addEpisodeRow(srv: TestServer, key: string, season: number, episode: number, filePath: string): Promise<void> {
  await srv.deps.db.query(sql.unsafe`insert into episodes (series_id, season, episode, is_downloaded, file_path)
    select id, ${season}, ${episode}, true, ${filePath} from series where key = ${key}`);
}

let video: Promise<string> | null = null;
/** A real (tiny) video made with ffmpeg once per run; copies go where a download would place them. */
export async function placeVideo(target: string): Promise<string> {
  video ??= (async () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nfo-video-')), 'v.mkv');
    await run(process.env.FFMPEG_PATH ?? 'ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'color=c=black:s=64x36:d=1',
      '-c:v',
      'mpeg4',
      f,
    ]);
    return f;
  })();
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(await video, target);
  return target;
}

export function xmllint(file: string): void {
  execFileSync('/usr/bin/xmllint', ['--noout', file]);
}

/** Every file under dir with its bytes' identity (mtime, inode, size), to prove nothing was rewritten. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const f = path.join(e.parentPath, e.name);
    const st = fs.statSync(f);
    out[path.relative(dir, f)] = `${st.mtimeMs}:${st.ino}:${st.size}`;
  }
  return out;
}
