import fs from 'node:fs/promises';
import path from 'node:path';
import { atomicWrite } from '../util/atomicWrite.js';
import { insideRoot } from '../util/safePath.js';
import { checkWriteTarget } from '../library/writeRoots.js';
import type { Deps } from '../deps.js';
import { isVideoFile, parseEpisodeFile, seasonOfFolder } from '../library/episodeFiles.js';

/** Files of a series folder: change-only atomic writes, episode video discovery, media status. */

/** Writes atomically, and only when the content differs: re-running leaves files (and mtimes) alone. */
export async function writeIfChanged(file: string, data: string | Buffer): Promise<boolean> {
  const next = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const current = await fs.readFile(file).catch(() => null);
  if (current && current.equals(next)) return false;
  await atomicWrite(file, next);
  return true;
}

/** writeIfChanged for a file of the library: its real path is checked first (a link never leads a write out). */
export async function writeInLibrary(deps: Pick<Deps, 'settings'>, file: string, data: string | Buffer): Promise<boolean> {
  await checkWriteTarget(deps, file, 'the file');
  return writeIfChanged(file, data);
}

export async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

export interface VideoFile {
  season: number;
  /** The first episode the file holds; `episodes` lists all of them (`S01E01-E02`). */
  episode: number;
  episodes: number[];
  /** Absolute path. */
  path: string;
}

/**
 * Episode videos in the series folder and one level of sub-folders (Season 01/...), named as the
 * library scanner reads them (the same parser: `S01E02`, `S01E01-E02`, `1x02`, `E02` in a season folder).
 */
export async function findVideos(dir: string): Promise<VideoFile[]> {
  const out: VideoFile[] = [];
  async function walk(d: string, depth: number) {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    const folderSeason = depth === 0 ? null : seasonOfFolder(path.basename(d));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory() && depth < 1) await walk(full, depth + 1);
      else if (e.isFile() && isVideoFile(e.name)) {
        const ref = parseEpisodeFile(e.name, folderSeason);
        if (ref) out.push({ season: ref.season, episode: ref.episodes[0]!, episodes: ref.episodes, path: full });
      }
    }
  }
  await walk(dir, 0);
  return out.sort((a, b) => a.season - b.season || a.episode - b.episode || a.path.localeCompare(b.path));
}

/** Merges library rows (paths relative to the folder) with what is on disk; paths stay inside `dir`. */
export async function episodeVideos(dir: string, rows: { season: number; episode: number; file_path: string }[]): Promise<VideoFile[]> {
  const found = await findVideos(dir);
  const seen = new Set(found.map((v) => v.path));
  for (const r of rows) {
    let full: string;
    try {
      full = insideRoot(dir, r.file_path);
    } catch {
      continue;
    }
    if (!seen.has(full) && (await exists(full))) {
      found.push({ season: r.season, episode: r.episode, episodes: [r.episode], path: full });
      seen.add(full);
    }
  }
  return found;
}

/** `<video basename>.nfo` and `<video basename>-thumb.jpg` beside the video. */
export function episodeSidecars(video: string) {
  const base = video.slice(0, video.length - path.extname(video).length);
  return { nfo: `${base}.nfo`, thumb: `${base}-thumb.jpg` };
}

export interface MediaFiles {
  has_poster: boolean;
  has_logo: boolean;
  has_fanart: boolean;
  poster_path: string | null;
  logo_path: string | null;
  fanart_path: string | null;
}

export async function mediaStatus(dir: string): Promise<MediaFiles> {
  const poster = path.join(dir, 'poster.jpg');
  const logo = path.join(dir, 'logo.png');
  const fanart = path.join(dir, 'fanart.jpg');
  const [p, l, f] = await Promise.all([exists(poster), exists(logo), exists(fanart)]);
  return {
    has_poster: p,
    has_logo: l,
    has_fanart: f,
    poster_path: p ? poster : null,
    logo_path: l ? logo : null,
    fanart_path: f ? fanart : null,
  };
}
