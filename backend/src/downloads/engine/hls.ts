import { setMaxListeners } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DiskFullError, DownloadError, isDiskFull } from './errors.js';
import { fetchBuffer, PLAYLIST_MAX_BYTES, type MediaRequest } from './http.js';
import { isMasterPlaylist, parseMaster, parseMedia, pickVariant, type MediaPlaylist, type Segment } from './playlist.js';
import { fetchSegment } from './segment.js';
import type { SegmentWatcher } from './edges.js';
import type { Throttle } from './throttle.js';

/**
 * HLS: master → variant → media playlist → segments fetched in parallel (decrypted when
 * AES-128), each written as its own file under `dir`, so a restart resumes segment by segment
 * (and a segment that was in flight from where its partial file ends, see segment.ts).
 */
export interface HlsDownload extends MediaRequest {
  dir: string;
  quality: string | null;
  concurrency: number;
  retries: number;
  stallMs: number;
  throttle: Throttle;
  onProgress?: (done: number, total: number | null) => void;
  onPlaylist?: (info: { segments: number; duration: number; height: number | null }) => Promise<void> | void;
  /**
   * Receives the segments in playlist order while the download runs (each as soon as it and all
   * before it are on disk), so the remux overlaps the download: the bytes themselves (the chunks as
   * they arrived) while they are still in memory (a bounded window), else the file's path.
   */
  consume?: (files: AsyncIterable<string | Buffer[]>, audio: string | null) => Promise<void>;
  /** Told the plan and each segment on disk; the segments it names are fetched first. */
  watcher?: SegmentWatcher;
}

export interface HlsResult {
  files: string[];
  /** The separate audio rendition (EXT-X-MEDIA), joined into one file to mux in; null when the audio is in the segments. */
  audio: string | null;
  totalDuration: number;
  bytes: number;
  /** Segments already on disk when this run started. */
  resumedSegments: number;
}

/**
 * Segments done but not yet taken by the consumer stay in memory; beyond this much no new segment
 * is started until the consumer catches up (the remux paces the download instead of segments being
 * read back from disk, work that slowed it further).
 */
const HOLD_BYTES = 24 * 1024 * 1024;
const segFile = (dir: string, i: number) => path.join(dir, `seg-${String(i).padStart(6, '0')}.ts`);

/** Playlists and keys: capped in bytes and, however slowly they drip, done within four stall times. */
const small = (o: HlsDownload, maxBytes: number) => ({ retries: o.retries, stallMs: o.stallMs, maxBytes, deadlineMs: 4 * o.stallMs });

async function loadPlaylist(o: HlsDownload): Promise<{ playlist: MediaPlaylist; height: number | null; audio: string | null }> {
  const text = (await fetchBuffer(o, small(o, PLAYLIST_MAX_BYTES))).toString('utf8');
  if (!text.startsWith('#EXTM3U')) throw new DownloadError('the media URL did not answer an HLS playlist');
  if (!isMasterPlaylist(text)) return { playlist: parseMedia(text, o.url), height: null, audio: null };
  const variant = pickVariant(parseMaster(text, o.url), o.quality);
  const media = (await fetchBuffer({ ...o, url: variant.url }, small(o, PLAYLIST_MAX_BYTES))).toString('utf8');
  return { playlist: parseMedia(media, variant.url), height: variant.height, audio: variant.audio };
}

/**
 * A separate audio rendition: its segments (resumable like the video's, in `dir/audio`), joined
 * into one file for the remux, before the video starts (it is small beside the video).
 */
async function downloadAudio(o: HlsDownload, url: string): Promise<string> {
  const dir = path.join(o.dir, 'audio');
  const r = await downloadHls({ ...o, url, dir, consume: undefined, watcher: undefined, onProgress: undefined, onPlaylist: undefined });
  const joined = path.join(o.dir, 'audio.joined');
  const out = await fs.open(joined, 'w');
  try {
    for (const f of r.files) await out.write(await fs.readFile(f));
  } catch (err) {
    throw isDiskFull(err) ? new DiskFullError(o.dir) : err;
  } finally {
    await out.close();
  }
  return joined;
}

/** An EXT-X-MAP init section, with its BYTERANGE when it has one (a server ignoring Range: cut out of the whole). */
async function fetchInit(o: HlsDownload, uri: string, range: [number, number] | null): Promise<Buffer> {
  const extraHeaders = range ? { range: `bytes=${range[0]}-${range[0] + range[1] - 1}` } : undefined;
  const body = await fetchBuffer(
    { ...o, url: uri },
    { ...small(o, range ? Math.max(range[0] + range[1], PLAYLIST_MAX_BYTES) : PLAYLIST_MAX_BYTES), extraHeaders },
  );
  if (!range || body.length === range[1]) return body;
  if (body.length >= range[0] + range[1]) return body.subarray(range[0], range[0] + range[1]);
  throw new DownloadError(`the init section answered ${body.length} bytes, expected ${range[1]}`);
}

export async function downloadHls(o: HlsDownload): Promise<HlsResult> {
  setMaxListeners(Math.max(64, o.concurrency * 4), o.signal); // every segment request listens for the abort
  const { playlist, height, audio: audioUrl } = await loadPlaylist(o);
  const audio = audioUrl ? await downloadAudio(o, audioUrl) : null;
  const segments = playlist.segments;
  await fs.mkdir(o.dir, { recursive: true });
  // a different playlist than last time (other variant or hoster): old segments do not fit
  const stateFile = path.join(o.dir, 'playlist.json');
  const state = JSON.stringify({ count: segments.length, duration: playlist.totalDuration, height });
  const previous = await fs.readFile(stateFile, 'utf8').catch(() => null);
  if (previous !== state) {
    for (const f of await fs.readdir(o.dir)) if (f.startsWith('seg-')) await fs.rm(path.join(o.dir, f), { force: true });
    // (the audio rendition's segments in dir/audio keep their own state)
    await fs.writeFile(stateFile, state).catch((err) => {
      throw isDiskFull(err) ? new DiskFullError(o.dir) : err;
    });
  }
  await o.onPlaylist?.({ segments: segments.length, duration: playlist.totalDuration, height });

  const done = new Set<number>();
  let bytes = 0;
  for (const f of await fs.readdir(o.dir)) {
    const m = /^seg-(\d+)\.ts$/.exec(f);
    if (m) {
      done.add(Number(m[1]));
      bytes += (await fs.stat(path.join(o.dir, f))).size;
    }
  }
  const resumedSegments = done.size;
  // fMP4 segments (init section in the first) and video-only segments (audio apart) cannot be checked one by one
  const wholeFile = segments.some((s) => s.init !== null) || audio !== null;
  const early = new Set(
    o.watcher?.plan(
      segments.map((s) => s.duration),
      (i) => segFile(o.dir, i),
      wholeFile,
    ) ?? [],
  );
  for (const i of done) o.watcher?.done(i);
  // segments written but not yet handed to the consumer, kept so it need not read them back
  const inMemory = new Map<number, { chunks: Buffer[]; size: number }>();
  let held = 0;
  let waiter: (() => void) | null = null;
  const wake = () => {
    const w = waiter;
    waiter = null;
    w?.();
  };
  const keys = new Map<string, Promise<Buffer>>();
  const inits = new Map<string, Promise<Buffer>>();
  const getKey = (uri: string) => {
    if (!keys.has(uri)) {
      keys.set(
        uri,
        fetchBuffer({ ...o, url: uri }, small(o, 64 * 1024)).then((k) => {
          if (k.length !== 16) throw new DownloadError(`AES-128 key has ${k.length} bytes, expected 16`);
          return k;
        }),
      );
    }
    return keys.get(uri)!;
  };
  const estimate = () => (done.size > 0 ? Math.round((bytes / done.size) * segments.length) : null);
  o.onProgress?.(bytes, estimate());

  const fetchOne = async (seg: Segment) => {
    const { chunks, size } = await fetchSegment({
      ...o,
      seg,
      file: segFile(o.dir, seg.index),
      retries: o.retries,
      stallMs: o.stallMs,
      throttle: o.throttle,
      key: getKey,
      init: (uri, range) => {
        const id = range ? `${uri}#${range[0]}-${range[1]}` : uri;
        if (!inits.has(id)) inits.set(id, fetchInit(o, uri, range));
        return inits.get(id)!;
      },
    });
    done.add(seg.index);
    o.watcher?.done(seg.index);
    // one fetched ahead of its turn is read back from its file when the consumer gets there
    if (o.consume && chunks && !early.has(seg.index)) {
      inMemory.set(seg.index, { chunks, size });
      held += size;
    }
    bytes += size;
    o.onProgress?.(bytes, estimate());
    wake();
  };

  const todo = [...segments.filter((s) => early.has(s.index)), ...segments.filter((s) => !early.has(s.index))].filter(
    (s) => !done.has(s.index),
  );
  let next = 0;
  let failure: unknown = null;
  let roomWaiters: (() => void)[] = [];
  const room = () => {
    const ws = roomWaiters;
    roomWaiters = [];
    for (const w of ws) w();
  };
  const worker = async () => {
    while (failure === null && next < todo.length) {
      // safe from a deadlock: what the consumer needs next was started already (segments start in order)
      if (o.consume && held >= HOLD_BYTES && !o.signal.aborted) {
        await new Promise<void>((r) => roomWaiters.push(r));
        continue;
      }
      const seg = todo[next++]!;
      try {
        await fetchOne(seg);
      } catch (err) {
        failure ??= err;
        wake();
        room();
      }
    }
  };
  async function* ordered(): AsyncGenerator<string | Buffer[]> {
    for (let i = 0; i < segments.length; i++) {
      while (!done.has(i)) {
        if (failure !== null) throw failure;
        await new Promise<void>((r) => {
          waiter = r;
        });
      }
      const data = inMemory.get(i);
      if (data) {
        inMemory.delete(i);
        held -= data.size;
        room();
        yield data.chunks;
      } else yield segFile(o.dir, i);
    }
  }
  const consumer = o.consume
    ? o.consume(ordered(), audio).catch((err) => {
        failure ??= err;
        room();
        throw err;
      })
    : null;
  o.signal.addEventListener('abort', room, { once: true });
  await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, todo.length)) }, worker));
  o.signal.removeEventListener('abort', room);
  wake();
  if (consumer) await consumer.catch(() => undefined);
  if (o.signal.aborted) throw o.signal.reason;
  if (failure) {
    const e = failure as Error;
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(`segment download failed: ${e.message}`);
  }
  return { files: segments.map((s) => segFile(o.dir, s.index)), audio, totalDuration: playlist.totalDuration, bytes, resumedSegments };
}
