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
  await keepFittingSegments(o.dir, JSON.stringify({ count: playlist.segments.length, duration: playlist.totalDuration, height }));
  await o.onPlaylist?.({ segments: playlist.segments.length, duration: playlist.totalDuration, height });
  const onDisk = await segmentsOnDisk(o.dir);
  const resumedSegments = onDisk.done.size;
  const fetcher = new SegmentFetcher(o, playlist.segments, onDisk, audio);
  await fetcher.run();
  const files = playlist.segments.map((s) => segFile(o.dir, s.index));
  return { files, audio, totalDuration: playlist.totalDuration, bytes: fetcher.bytes, resumedSegments };
}

/**
 * The segments' folder, with the segments of a different playlist than last time (other variant
 * or hoster: `state` differs) removed: old segments do not fit.
 */
async function keepFittingSegments(dir: string, state: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const stateFile = path.join(dir, 'playlist.json');
  const previous = await fs.readFile(stateFile, 'utf8').catch(() => null);
  if (previous === state) return;
  for (const f of await fs.readdir(dir)) if (f.startsWith('seg-')) await fs.rm(path.join(dir, f), { force: true });
  // (the audio rendition's segments in dir/audio keep their own state)
  await fs.writeFile(stateFile, state).catch((err) => {
    throw isDiskFull(err) ? new DiskFullError(dir) : err;
  });
}

interface OnDisk {
  done: Set<number>;
  bytes: number;
}

/** The segments a previous run left whole, and their bytes. */
async function segmentsOnDisk(dir: string): Promise<OnDisk> {
  const done = new Set<number>();
  let bytes = 0;
  for (const f of await fs.readdir(dir)) {
    const m = /^seg-(\d+)\.ts$/.exec(f);
    if (m) {
      done.add(Number(m[1]));
      bytes += (await fs.stat(path.join(dir, f))).size;
    }
  }
  return { done, bytes };
}

/**
 * The segments still missing, fetched by `concurrency` workers (the watcher's first), handed to
 * the consumer in playlist order: the state the workers and the consumer's generator share.
 */
class SegmentFetcher {
  readonly done: Set<number>;
  bytes: number;
  /** Fetched ahead of their turn (the watcher asked): read back from their files. */
  private readonly early: Set<number>;
  private readonly todo: Segment[];
  private next = 0;
  private failure: unknown = null;
  /** Segments written but not yet handed to the consumer, kept so it need not read them back. */
  private readonly inMemory = new Map<number, { chunks: Buffer[]; size: number }>();
  private held = 0;
  /** The consumer waiting for its next segment. */
  private waiter: (() => void) | null = null;
  /** Workers waiting for the consumer to make room. */
  private roomWaiters: (() => void)[] = [];
  private readonly keys = new Map<string, Promise<Buffer>>();
  private readonly inits = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly o: HlsDownload,
    private readonly segments: Segment[],
    onDisk: OnDisk,
    private readonly audio: string | null,
  ) {
    this.done = onDisk.done;
    this.bytes = onDisk.bytes;
    // fMP4 segments (init section in the first) and video-only segments (audio apart) cannot be checked one by one
    const wholeFile = segments.some((s) => s.init !== null) || audio !== null;
    this.early = new Set(
      o.watcher?.plan(
        segments.map((s) => s.duration),
        (i) => segFile(o.dir, i),
        wholeFile,
      ) ?? [],
    );
    for (const i of this.done) o.watcher?.done(i);
    this.todo = [...segments.filter((s) => this.early.has(s.index)), ...segments.filter((s) => !this.early.has(s.index))].filter(
      (s) => !this.done.has(s.index),
    );
    o.onProgress?.(this.bytes, this.estimate());
  }

  /** Fetches every missing segment while the consumer (if any) takes them; throws the first failure. */
  async run(): Promise<void> {
    const { o } = this;
    // its failure stops the workers; awaited only after them, so it must not reject unhandled meanwhile
    const consumer = o.consume
      ? o.consume(this.ordered(), this.audio).catch((err: unknown) => {
          this.failure ??= err;
          this.room();
        })
      : null;
    o.signal.addEventListener('abort', this.room, { once: true });
    await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, this.todo.length)) }, () => this.worker()));
    o.signal.removeEventListener('abort', this.room);
    this.wake();
    await consumer;
    if (o.signal.aborted) throw o.signal.reason;
    if (this.failure) {
      const e = this.failure as Error;
      if (e instanceof DownloadError) throw e;
      throw new DownloadError(`segment download failed: ${e.message}`);
    }
  }

  private estimate(): number | null {
    return this.done.size > 0 ? Math.round((this.bytes / this.done.size) * this.segments.length) : null;
  }

  private async worker(): Promise<void> {
    const { o } = this;
    while (this.failure === null && this.next < this.todo.length) {
      // safe from a deadlock: what the consumer needs next was started already (segments start in order)
      if (o.consume && this.held >= HOLD_BYTES && !o.signal.aborted) {
        await new Promise<void>((r) => this.roomWaiters.push(r));
        continue;
      }
      const seg = this.todo[this.next++]!;
      try {
        await this.fetchOne(seg);
      } catch (err) {
        this.failure ??= err;
        this.wake();
        this.room();
      }
    }
  }

  private async fetchOne(seg: Segment): Promise<void> {
    const { o } = this;
    const { chunks, size } = await fetchSegment({
      ...o,
      seg,
      file: segFile(o.dir, seg.index),
      retries: o.retries,
      stallMs: o.stallMs,
      throttle: o.throttle,
      key: this.key,
      init: this.init,
    });
    this.done.add(seg.index);
    o.watcher?.done(seg.index);
    // one fetched ahead of its turn is read back from its file when the consumer gets there
    if (o.consume && chunks && !this.early.has(seg.index)) {
      this.inMemory.set(seg.index, { chunks, size });
      this.held += size;
    }
    this.bytes += size;
    o.onProgress?.(this.bytes, this.estimate());
    this.wake();
  }

  /** The segments in playlist order, each as soon as it and all before it are on disk. */
  private async *ordered(): AsyncGenerator<string | Buffer[]> {
    for (let i = 0; i < this.segments.length; i++) {
      while (!this.done.has(i)) {
        if (this.failure !== null) throw this.failure;
        await new Promise<void>((r) => {
          this.waiter = r;
        });
      }
      const data = this.inMemory.get(i);
      if (data) {
        this.inMemory.delete(i);
        this.held -= data.size;
        this.room();
        yield data.chunks;
      } else yield segFile(this.o.dir, i);
    }
  }

  /** Tells the consumer a segment is done (or the download failed). */
  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Tells the waiting workers the consumer took a segment (or they must stop). */
  private readonly room = (): void => {
    const ws = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of ws) w();
  };

  /** An AES-128 key, fetched once per URI. */
  private readonly key = (uri: string): Promise<Buffer> => {
    if (!this.keys.has(uri)) {
      this.keys.set(
        uri,
        fetchBuffer({ ...this.o, url: uri }, small(this.o, 64 * 1024)).then((k) => {
          if (k.length !== 16) throw new DownloadError(`AES-128 key has ${k.length} bytes, expected 16`);
          return k;
        }),
      );
    }
    return this.keys.get(uri)!;
  };

  /** An init section, fetched once per URI and range. */
  private readonly init = (uri: string, range: [number, number] | null): Promise<Buffer> => {
    const id = range ? `${uri}#${range[0]}-${range[1]}` : uri;
    if (!this.inits.has(id)) this.inits.set(id, fetchInit(this.o, uri, range));
    return this.inits.get(id)!;
  };
}
