import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import type { EpisodeSource } from '../providers/types.js';
import { findHoster, HosterError } from '../providers/hosters/index.js';
import type { DownloadsConfig } from './configSchema.js';
import { DownloadError } from './engine/errors.js';
import { downloadMp4, type Mp4Download } from './engine/mp4.js';
import { downloadHls } from './engine/hls.js';
import { remuxSegments } from './engine/remux.js';
import { VerifyAhead } from './engine/verify.js';
import { SegmentEdges } from './engine/edges.js';
import { FileEdges } from './engine/fileEdges.js';
import { ensureFreeSpace } from './place.js';
import { ffmpegBinaries } from './ffmpeg.js';
import type { DownloadRuntime } from './runtime.js';

/**
 * One source of an episode: provider redirect → hoster embed → media URL → download into
 * `dir` (resumable) → remux (HLS) → verification. Returns the verified file, still in `dir`.
 */
export interface AttemptInput {
  source: EpisodeSource;
  providerHeaders: Record<string, string>;
  dir: string;
  quality: string | null;
  signal: AbortSignal;
  onProgress: (done: number, total: number | null) => void;
}

export interface AttemptResult {
  file: string;
  ext: string;
  bytes: number;
  duration: number;
  embedUrl: string;
}

const isProviderLink = (url: string) => /\/redirect\/|\/r\?t=/.test(url);

async function embedUrlOf(
  rt: DownloadRuntime,
  source: EpisodeSource,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<string> {
  let url = source.url;
  for (let hop = 0; hop < 5; hop++) {
    const res = await rt.http().fetch(url, { headers, followRedirects: false, signal, retries: 1 });
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).toString();
      continue;
    }
    // the provider's own link failing is reported here; the hoster's page is judged by its resolver
    if (hop === 0 && res.status === 404 && url === source.url && isProviderLink(source.url))
      throw new DownloadError('the provider link is gone (404)');
    if (hop === 0 && res.status === 403 && isProviderLink(source.url)) throw new DownloadError('the provider refused the link (403)');
    return url;
  }
  return url;
}

export interface ResolvedMedia {
  kind: 'mp4' | 'hls';
  url: string;
  /** Headers every request for the media carries (the hoster's, and our User-Agent). */
  headers: Record<string, string>;
  embedUrl: string;
}

/** Provider redirect → hoster embed → the media URL the hoster hands out (its failures are the hoster's). */
export async function resolveMedia(
  deps: Pick<Deps, 'settings'>,
  rt: DownloadRuntime,
  source: EpisodeSource,
  providerHeaders: Record<string, string>,
  signal: AbortSignal,
): Promise<ResolvedMedia> {
  const cfg = deps.settings.get();
  const embedUrl = await embedUrlOf(rt, source, providerHeaders, signal);
  const hoster = findHoster(source.hoster, embedUrl, cfg.providers.hoster_domains);
  if (!hoster) throw new DownloadError(`no resolver for hoster ${source.hoster}`);
  const http = rt.http();
  try {
    const media = await hoster.resolve(embedUrl, { http, userAgent: http.userAgent, signal });
    return {
      kind: media.kind === 'mp4' ? 'mp4' : 'hls',
      url: media.url,
      headers: { 'user-agent': http.userAgent, ...media.headers },
      embedUrl,
    };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const e = new DownloadError(
      err instanceof HosterError ? err.message.replace(/^[^:]+: /, '') : `resolve failed: ${(err as Error).message}`,
      false,
      err instanceof HosterError ? err.status : undefined,
    );
    throw Object.assign(e, { cause: err }); // the failure policy reads whose fault it was
  }
}

export async function attemptSource(deps: Pick<Deps, 'env' | 'settings'>, rt: DownloadRuntime, a: AttemptInput): Promise<AttemptResult> {
  const dl = deps.settings.get().downloads;
  const media = await resolveMedia(deps, rt, a.source, a.providerHeaders, a.signal);
  const embedUrl = media.embedUrl;
  const http = rt.http();
  await fs.mkdir(a.dir, { recursive: true });
  let bins: { ffmpeg: string; ffprobe: string };
  try {
    bins = ffmpegBinaries(deps.env);
  } catch (err) {
    throw new DownloadError((err as Error).message, true); // no hoster can help with that
  }
  const common = {
    headers: media.headers,
    dispatcher: await http.dispatcher(),
    io: rt.io,
    signal: a.signal,
    stallMs: dl.stall_timeout_seconds * 1000,
    throttle: rt.throttle,
  };
  return media.kind === 'mp4'
    ? downloadFile(a, media.url, bins, common, embedUrl, dl)
    : downloadStream(a, media.url, bins, common, embedUrl, dl, rt.remuxReady(bins.ffmpeg)); // checked while the playlists load
}

type Common = Pick<Mp4Download, 'headers' | 'dispatcher' | 'io' | 'signal' | 'stallMs' | 'throttle'>;

async function downloadFile(
  a: AttemptInput,
  url: string,
  bins: { ffmpeg: string },
  common: Common,
  embedUrl: string,
  dl: DownloadsConfig,
): Promise<AttemptResult> {
  const file = path.join(a.dir, 'download.mp4');
  const resumed = await fs.stat(file).then(
    (s) => s.size > 0,
    () => false,
  );
  // both ends are checked while the download runs; failing that, the whole file afterwards, with
  // the verification's ffmpeg runs started before the end, so their start-up is not paid after it
  const edges = new FileEdges({
    ffmpegPath: bins.ffmpeg,
    signal: a.signal,
    file,
    resumed,
    request: { url, headers: common.headers, dispatcher: common.dispatcher, io: common.io, signal: a.signal },
    throttle: common.throttle,
  });
  const verifier = new VerifyAhead({ ffmpegPath: bins.ffmpeg, signal: a.signal });
  try {
    const r = await downloadMp4({
      ...common,
      url,
      file,
      maxBytes: dl.max_file_size_mb * 1024 * 1024,
      onTotal: async (total) =>
        ensureFreeSpace(
          a.dir,
          Math.max(
            0,
            (total ?? 0) -
              (await fs.stat(file).then(
                (s) => s.size,
                () => 0,
              )),
          ),
          dl.min_free_space_mb,
        ),
      onProgress: (done, total) => {
        a.onProgress(done, total);
        edges.progress(done, total);
        if (!edges.active) verifier.progress(done, total);
      },
    });
    // the size check already proved every byte arrived; the ends' demux and decode check the rest
    const v = (await edges.result()) ?? (await verifier.run(file, null));
    return { file, ext: 'mp4', bytes: r.bytes, duration: v.duration, embedUrl };
  } finally {
    edges.cancel();
    verifier.cancel();
  }
}

async function downloadStream(
  a: AttemptInput,
  url: string,
  bins: { ffmpeg: string },
  common: Common,
  embedUrl: string,
  dl: DownloadsConfig,
  remuxReady: Promise<void>,
): Promise<AttemptResult> {
  const segDir = path.join(a.dir, 'segments');
  const output = path.join(a.dir, `video.${dl.container}`);
  await fs.rm(output, { force: true });
  // the first and last seconds are decoded while the segments arrive; the remux runs alongside;
  // a failure on either side stops both
  const edges = new SegmentEdges({ ffmpegPath: bins.ffmpeg, signal: a.signal });
  const remuxAbort = new AbortController();
  const stopRemux = () => remuxAbort.abort(a.signal.reason);
  a.signal.addEventListener('abort', stopRemux, { once: true });
  try {
    let remuxErrors = '';
    let r;
    try {
      r = await downloadHls({
        ...common,
        url,
        dir: segDir,
        quality: a.quality ?? (dl.quality_preference === 'best' ? null : dl.quality_preference),
        concurrency: dl.hls_segment_concurrency,
        retries: dl.hls_segment_retries,
        onProgress: a.onProgress,
        watcher: edges,
        consume: async (files, audio) => {
          remuxErrors = await remuxSegments({
            ffmpegPath: bins.ffmpeg,
            ready: remuxReady,
            files,
            audio,
            output,
            container: dl.container,
            signal: remuxAbort.signal,
          });
        },
      });
    } catch (err) {
      remuxAbort.abort(err);
      throw err;
    }
    if (remuxErrors)
      throw new DownloadError(
        `verification failed: the remux (demux pass) reported errors (${remuxErrors.split('\n').slice(0, 2).join(' | ').slice(0, 300)})`,
      );
    const v = await edges.check(output, dl.container, r.totalDuration);
    const bytes = (await fs.stat(output)).size;
    await fs.rm(segDir, { recursive: true, force: true });
    return { file: output, ext: dl.container, bytes, duration: v.duration, embedUrl };
  } finally {
    a.signal.removeEventListener('abort', stopRemux);
    edges.cancel();
  }
}
