import { containerDuration } from './duration.js';
import { DownloadError } from './errors.js';
import {
  checkDuration,
  checkStreams,
  concatList,
  firstLine,
  parseFramecrc,
  spawnWaitingMany,
  verifyMedia,
  type VerifyResult,
  type WaitingMany,
} from './verify.js';

/** What hls.ts tells about its segments: which to fetch before the others, and each one on disk. */
export interface SegmentWatcher {
  /**
   * The playlist is known (`fileOf`: where a segment's file lies; `initSection`: segments that
   * cannot be decoded alone: fMP4, whose init section only the first one's file holds, or video
   * whose audio comes apart); returns the indexes to fetch first.
   */
  plan(durations: number[], fileOf: (index: number) => string, initSection: boolean): number[];
  /** Segment `index` is on disk (also for each one found there at a resume). */
  done(index: number): void;
}

/** How much of each end is decoded, in seconds (whole segments, at least one). */
const EDGE_SECONDS = 2;

/**
 * HLS verification while the download runs: the first and the last seconds are decoded from their
 * segment files (the last segments are fetched first for it) in two ffmpeg runs started with the
 * download, and the remux demuxes every packet. What is left once the remux is done: the
 * container's duration against the playlist's. fMP4 segments cannot be decoded without the init
 * section in the first one: there, the remuxed file's ends are checked once it is written.
 */
export class SegmentEdges implements SegmentWatcher {
  private head: number[] = [];
  private tail: number[] = [];
  private readonly onDisk = new Set<number>();
  private fileOf: (index: number) => string = () => '';
  /** One ffmpeg for both ends (input 0: the first seconds, input 1: the last ones). */
  private readonly run: WaitingMany;
  private sent = { head: false, tail: false };
  private wholeFile = false;

  constructor(private o: { ffmpegPath: string; signal: AbortSignal }) {
    this.run = spawnWaitingMany(o.ffmpegPath, [['-t', String(EDGE_SECONDS)], []], o.signal);
  }

  plan(durations: number[], fileOf: (index: number) => string, initSection: boolean): number[] {
    this.fileOf = fileOf;
    if (initSection) {
      this.wholeFile = true;
      this.cancel();
      return [];
    }
    const edge = (order: number[]) => {
      const picked: number[] = [];
      let seconds = 0;
      for (const i of order) {
        if (picked.length > 0 && seconds >= EDGE_SECONDS) break;
        picked.push(i);
        seconds += durations[i] ?? 0;
      }
      return picked;
    };
    const all = durations.map((_, i) => i);
    this.head = edge(all);
    this.tail = edge([...all].reverse()).reverse();
    return this.tail;
  }

  done(index: number): void {
    if (this.wholeFile) return;
    this.onDisk.add(index);
    for (const part of ['head', 'tail'] as const) {
      const ids = this[part];
      if (!this.sent[part] && ids.length > 0 && ids.every((i) => this.onDisk.has(i))) {
        this.sent[part] = true;
        this.run.send(part === 'head' ? 0 : 1, concatList(ids.map(this.fileOf)));
      }
    }
  }

  /** The checks, once the remux wrote `output`. */
  async check(output: string, container: 'mp4' | 'mkv', expectedDuration: number): Promise<VerifyResult> {
    if (this.wholeFile)
      return verifyMedia({ ffmpegPath: this.o.ffmpegPath, file: output, expectedDuration, signal: this.o.signal, demuxPass: false });
    if (!this.sent.head || !this.sent.tail) throw new DownloadError('verification failed: the first or last segments are missing');
    const r = await this.run.done;
    if (r.code !== 0 || r.stderr.trim())
      throw new DownloadError(
        `verification failed: the first and last seconds reported errors (${firstLine(r.stderr) || `exit ${r.code}`})`,
      );
    const { result } = checkStreams(parseFramecrc(r.outputs[0]!), parseFramecrc(r.outputs[1]!));
    const duration = await containerDuration(output, container).catch(() => null);
    checkDuration(duration, expectedDuration);
    return { ...result, duration: duration! };
  }

  cancel(): void {
    this.run.kill();
  }
}
