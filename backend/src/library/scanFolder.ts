import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { absoluteToSeason, isVideoFile, parseAbsoluteEpisode, parseEpisodeFile, seasonOfFolder } from './episodeFiles.js';

/**
 * One series folder as the disk scan reads it (library/scanner.ts): whether its mtimes changed
 * since the last scan, its video files (one level of subfolders), and the episodes they hold.
 */

export interface FolderRead {
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
export const racy = (mtimeMs: number, scanStart: number) => mtimeMs > scanStart - (mtimeMs % 1000 === 0 ? 2500 : 100);

/**
 * True when the folder (mtime already read) and its recorded subfolders still carry the recorded
 * mtimes. `fingerprint` is `mtime/sub1/mtime1/sub2/mtime2...` ('/' cannot occur in a folder name).
 */
export function unchanged(dir: string, top: number, fingerprint: string | null): boolean {
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
export function readFolder(dir: string, top: number, scanStart: number): FolderRead {
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
export function episodesOf(videos: FolderRead['videos'], lengths?: Map<number, number>): { episodes: Episode[]; absolute: boolean } {
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

export type Episode = { rel: string; season: number; episode: number };
