/**
 * The quality preference among an episode's sources. When a height is wanted (the item's quality,
 * e.g. a watchlist item's `quality_preference`, else `downloads.quality_preference`; `best`/`auto`
 * probe nothing), the sources of the first language offered are probed before the first attempt:
 * an HLS source by its master playlist (the variant the download would pick), an MP4 by ffprobe on
 * the file's first 2 MiB (a file whose index sits at its end stays unknown). They are then tried
 * closest first: the tallest not above the wanted height, then the smallest above it, then the
 * unknown ones, each in hoster order. A probe that fails is only logged: the attempt judges the source.
 *
 *   wantedHeight(quality)                     → 720 for '720p'; null for best/auto/null
 *   orderByFit(probed, wanted)                → the sources in the order above
 *   orderByQuality(deps, rt, sources, opts)   → probes, orders, and says what it found
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Deps } from '../deps.js';
import type { EpisodeSource } from '../providers/types.js';
import { resolveMedia, type ResolvedMedia } from './attempt.js';
import { fetchBuffer, PLAYLIST_MAX_BYTES } from './engine/http.js';
import { isMasterPlaylist, parseMaster, pickVariant } from './engine/playlist.js';
import { ffmpegBinaries } from './ffmpeg.js';
import type { DownloadRuntime } from './runtime.js';

const run = promisify(execFile);

/** Enough of a faststart MP4 for its index (moov) and the first frames. */
export const PROBE_BYTES = 2 * 1024 * 1024;

export function wantedHeight(quality: string | null | undefined): number | null {
  const m = quality ? /^(\d+)p$/.exec(quality) : null;
  return m ? Number(m[1]) : null;
}

export interface Probed<T> {
  source: T;
  height: number | null;
}

export function orderByFit<T>(probed: Probed<T>[], wanted: number): T[] {
  const rank = (p: Probed<T>) => (p.height === null ? 2 : p.height <= wanted ? 0 : 1);
  // stable: equal ranks and heights keep the hoster order
  return [...probed]
    .sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? b.height! - a.height! : rank(a) === 1 ? a.height! - b.height! : 0))
    .map((p) => p.source);
}

interface ProbeInput {
  quality: string | null;
  providerHeaders: Record<string, string>;
  /** A scratch folder for the probes' file heads (removed afterwards). */
  dir: string;
  signal: AbortSignal;
}

async function heightOf(
  deps: Pick<Deps, 'env' | 'settings'>,
  rt: DownloadRuntime,
  media: ResolvedMedia,
  quality: string,
  file: string,
  signal: AbortSignal,
): Promise<number | null> {
  const dl = deps.settings.get().downloads;
  const req = { url: media.url, headers: media.headers, dispatcher: await rt.http().dispatcher(), io: rt.io, signal };
  const stallMs = dl.stall_timeout_seconds * 1000;
  if (media.kind === 'hls') {
    const text = (await fetchBuffer(req, { retries: 1, stallMs, maxBytes: PLAYLIST_MAX_BYTES, deadlineMs: 4 * stallMs })).toString('utf8');
    if (!text.startsWith('#EXTM3U') || !isMasterPlaylist(text)) return null;
    return pickVariant(parseMaster(text, media.url), quality).height ?? null;
  }
  const head = await fetchBuffer(req, {
    retries: 1,
    stallMs,
    maxBytes: PROBE_BYTES,
    deadlineMs: 4 * stallMs,
    extraHeaders: { range: `bytes=0-${PROBE_BYTES - 1}` },
  });
  await fs.writeFile(file, head);
  const { stdout } = await run(
    ffmpegBinaries(deps.env).ffprobe,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=height', '-of', 'csv=p=0', file],
    { signal, timeout: 20_000 },
  );
  const h = Number.parseInt(stdout.trim(), 10);
  return Number.isFinite(h) && h > 0 ? h : null;
}

export interface QualityOrder {
  sources: EpisodeSource[];
  /** What the probes found, in the order the sources will be tried (empty when nothing was probed). */
  probed: { hoster: string; language: string; height: number | null }[];
}

export async function orderByQuality(
  deps: Pick<Deps, 'env' | 'log' | 'settings'>,
  rt: DownloadRuntime,
  sources: EpisodeSource[],
  o: ProbeInput,
): Promise<QualityOrder> {
  const wanted = wantedHeight(o.quality);
  const first = sources.filter((s) => s.language === sources[0]?.language);
  if (wanted === null || first.length < 2) return { sources, probed: [] };
  const log = deps.log.child({ module: 'downloads' });
  await fs.mkdir(o.dir, { recursive: true });
  try {
    const probed: Probed<EpisodeSource>[] = [];
    for (const [i, source] of first.entries()) {
      let height: number | null = null;
      try {
        const media = await resolveMedia(deps, rt, source, o.providerHeaders, o.signal);
        height = await heightOf(deps, rt, media, o.quality!, path.join(o.dir, `probe-${i}.mp4`), o.signal);
      } catch (err) {
        if (o.signal.aborted) throw o.signal.reason;
        log.info(
          { hoster: source.hoster, language: source.language, err: (err as Error).message },
          'could not probe the resolution of a source',
        );
      }
      probed.push({ source, height });
    }
    const ordered = orderByFit(probed, wanted);
    const heights = new Map(probed.map((p) => [p.source, p.height]));
    const result = ordered.map((s) => ({ hoster: s.hoster, language: s.language, height: heights.get(s) ?? null }));
    log.info({ wanted: o.quality, sources: result }, 'sources ordered by their probed resolution');
    return { sources: [...ordered, ...sources.filter((s) => !first.includes(s))], probed: result };
  } finally {
    await fs.rm(o.dir, { recursive: true, force: true });
  }
}
