import { z } from 'zod';
import type { DatabasePoolConnection } from 'slonik';
import type { Deps } from '../deps.js';
import { sql } from '../db/pool.js';
import { HttpClient } from '../net/httpClient.js';
import { Throttle } from './engine/throttle.js';
import { CancelledError } from './engine/errors.js';
import { createMediaIo, type MediaIo } from './engine/io.js';
import { checkRemuxCapabilities } from './engine/remux.js';
import { checkFfmpeg, discoverFfmpeg, type FfmpegInfo } from './ffmpeg.js';

/**
 * Per-process state of the downloads domain: the bandwidth throttle shared by all downloads,
 * the abort controllers of this process's running downloads, one database session holding an
 * advisory lock per running download (the lock vanishes with the process, which is how other
 * processes tell a crashed download from a running one), and the outbound HTTP client.
 */
export const CANCEL_CHANNEL = 'aniworld_download_cancel';
/** A process that stops lets go of a running download: another worker process resumes it at once. */
export const RELEASED_CHANNEL = 'aniworld_download_released';

class LockSession {
  private conn: Promise<DatabasePoolConnection> | null = null;
  private release: (() => void) | null = null;
  private stopped = false;

  constructor(private deps: Pick<Deps, 'db' | 'log'>) {}

  private connection(): Promise<DatabasePoolConnection> {
    if (!this.conn) {
      this.conn = new Promise((resolve, reject) => {
        this.deps.db
          .connect(async (c) => {
            resolve(c);
            await new Promise<void>((r) => {
              this.release = r;
            });
          })
          .catch((err) => {
            this.conn = null;
            reject(err);
          });
      });
    }
    return this.conn;
  }

  async tryLock(id: string): Promise<boolean> {
    if (this.stopped) return false;
    const c = await this.connection();
    return c.oneFirst(sql.type(z.object({ ok: z.boolean() }))`select pg_try_advisory_lock(hashtextextended(${'download:' + id}, 0)) as ok`);
  }

  async unlock(id: string): Promise<void> {
    if (this.stopped) return;
    const c = await this.connection();
    await c.query(sql.unsafe`select pg_advisory_unlock(hashtextextended(${'download:' + id}, 0))`);
  }

  stop(): void {
    this.stopped = true;
    this.release?.();
    this.release = null;
    this.conn = null;
  }
}

export interface DownloadRuntime {
  throttle: Throttle;
  active: Map<string, AbortController>;
  locks: LockSession;
  /** The engine's keep-alive pools and disk watch (engine/io.ts). */
  io: MediaIo;
  stopped: boolean;
  http(): HttpClient;
  /** fluent-ffmpeg's capability check, started by the first HLS download and shared by all (engine/remux.ts). */
  remuxReady(ffmpegPath: string): Promise<void>;
  stop(): Promise<void>;
}

/** The app's download runtime (deps.downloads), built once in main.ts. */
export function createDownloadRuntime(deps: Pick<Deps, 'db' | 'log' | 'settings'>): DownloadRuntime {
  let client: { sig: string; http: HttpClient } | null = null;
  let capabilities: Promise<void> | null = null;
  const locks = new LockSession(deps);
  const active = new Map<string, AbortController>();
  return {
    throttle: new Throttle(() => deps.settings.get().downloads.bandwidth_limit_mbps),
    active,
    locks,
    io: createMediaIo(),
    stopped: false,
    http() {
      const p = deps.settings.get().providers;
      const sig = JSON.stringify([p.aniworld.user_agent, p.aniworld.proxy, p.request_timeout_seconds]);
      if (!client || client.sig !== sig) {
        const old = client?.http;
        if (old) setTimeout(() => void old.close().catch(() => undefined), 60_000).unref();
        client = {
          sig,
          http: new HttpClient({
            userAgent: p.aniworld.user_agent,
            proxy: p.aniworld.proxy,
            timeoutMs: p.request_timeout_seconds * 1000,
            retries: 1,
            perHostConcurrency: 16,
          }),
        };
      }
      return client.http;
    },
    remuxReady(ffmpegPath) {
      return (capabilities ??= checkRemuxCapabilities(ffmpegPath));
    },
    async stop() {
      this.stopped = true;
      for (const ac of active.values()) ac.abort(new CancelledError('the process is stopping'));
      locks.stop();
      this.io.close();
      await client?.http.close(2000);
    },
  };
}

/**
 * Which ffmpeg the app uses and whether it is current (deps.ffmpeg, built once in main.ts).
 * `start` checks the version in the background (start-up does not wait for it), logs which one
 * is used and exposes the result to /health/detailed; downloads wait for it (`ffmpegUsable`).
 */
export class FfmpegStatus {
  private info: FfmpegInfo | null = null;
  private check: Promise<FfmpegInfo> | null = null;

  constructor(private readonly deps: Pick<Deps, 'env' | 'log'>) {}

  /** The check runs once `when` resolves (the start-up lets it run once HTTP answers); `checking` until it is done. */
  start(when: Promise<void> = Promise.resolve()): void {
    const { env, log } = this.deps;
    this.info = { ...discoverFfmpeg(env), status: 'checking', message: 'checking the ffmpeg version' };
    this.check = when
      .then(() => checkFfmpeg(env))
      .then((checked) => {
        this.info = checked;
        if (checked.status === 'ok')
          log.info(
            checked,
            `using ffmpeg ${checked.ffmpeg_path} and ffprobe ${checked.ffprobe_path} (${checked.source}): ${checked.message}`,
          );
        else log.error(checked, checked.message);
        return checked;
      });
  }

  /** What is known so far (undefined before `start`). */
  current(): FfmpegInfo | undefined {
    return this.info ?? undefined;
  }

  /** The check under way or done (null before `start`). */
  checked(): Promise<FfmpegInfo> | null {
    return this.check;
  }
}

/** Whether this process may start downloads: its ffmpeg and ffprobe are FFmpeg 5 or newer. */
export async function ffmpegUsable(deps: Pick<Deps, 'ffmpeg'>): Promise<boolean> {
  const check = deps.ffmpeg.checked();
  if (!check) return true; // no check was asked for (startDownloads did not run)
  return (await check).status === 'ok';
}
