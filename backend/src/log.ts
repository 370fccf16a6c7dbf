import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pinoRoll from 'pino-roll';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear. */
const SECRET_KEYS = [
  'password',
  'master_password',
  'new_password',
  'current_password',
  'token',
  'access_token',
  'authorization',
  'api_key',
  'apiKey',
  'secret',
  'jwt_secret',
  'cookie',
  'webhook_url',
];

const redactPaths = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
];

/** The configuration's level names (the spec's) → pino's. */
export const CONFIG_LEVELS = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error', CRITICAL: 'fatal' } as const;
export type ConfigLevel = keyof typeof CONFIG_LEVELS;

export interface LogOptions {
  level?: string;
  dir?: string;
  /** Extra destination (tests capture the run's logs through this). */
  stream?: NodeJS.WritableStream;
}

const baseOptions = (level: string): pino.LoggerOptions => ({
  level,
  redact: { paths: redactPaths, censor: '[redacted]' },
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});

/** A logger without rotation (tools and tests); the server uses createLogging. */
export function createLogger(opts: LogOptions = {}): Logger {
  const streams: pino.StreamEntry[] = [{ stream: opts.stream ?? process.stdout, level: 'trace' }];
  if (opts.dir) {
    fs.mkdirSync(opts.dir, { recursive: true });
    streams.push({ level: 'trace', stream: pino.destination({ dest: path.join(opts.dir, 'aniworld.log'), mkdir: true, sync: false }) });
  }
  return pino(baseOptions(opts.level ?? 'info'), pino.multistream(streams));
}

/** Every line this process writes, to whoever listens (the Logs page's live tail). */
export class LogTail {
  private listeners = new Set<(line: string) => void>();
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      if (this.listeners.size) for (const line of chunk.toString('utf8').split('\n')) if (line) for (const l of this.listeners) l(line);
      done();
    },
  });

  on(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface RotationOptions {
  /** Folder of the log files. */
  dir: string;
  /** Base name without extension; the process role is appended: `aniworld-web`. */
  name: string;
  role: string;
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  backupCount: number;
}

export interface Logging {
  log: Logger;
  tail: LogTail;
  /** The file this process writes now (null without a log file). */
  currentFile(): string | null;
  /** `<name>-<role>` of this process's files (the Logs page lists every role's). */
  readonly fileBase: string | null;
  setLevel(level: string): void;
  close(): Promise<void>;
}

/**
 * The server's logging: JSON lines on stdout, a size-rotated file per process role (pino-roll:
 * `<name>-<role>.<n>.log`, at most backup_count + 1 files, so a web and a worker process sharing
 * the folder never rotate the same file) and the live tail. The level can change while running.
 * (pino-roll lists the folder while it opens the new file, so it keeps `count` older files, and
 * sometimes one fewer: hence count = backup_count.)
 */
export async function createLogging(opts: { level: string; stream?: NodeJS.WritableStream; rotation?: RotationOptions }): Promise<Logging> {
  const tail = new LogTail();
  const streams: pino.StreamEntry[] = [
    { stream: opts.stream ?? process.stdout, level: 'trace' },
    { stream: tail.stream, level: 'trace' },
  ];
  let file: { file: string } | null = null;
  let fileBase: string | null = null;
  if (opts.rotation) {
    const r = opts.rotation;
    fs.mkdirSync(r.dir, { recursive: true });
    fileBase = `${r.name}-${r.role}`;
    const roll = await pinoRoll({
      file: path.join(r.dir, fileBase),
      extension: '.log',
      size: `${Math.max(1, Math.round(r.maxBytes / 1024))}k`,
      limit: { count: Math.max(1, r.backupCount), removeOtherLogFiles: true },
      mkdir: true,
    });
    file = roll as unknown as { file: string };
    streams.push({ stream: roll, level: 'trace' });
  }
  const log = pino(baseOptions(opts.level), pino.multistream(streams));
  return {
    log,
    tail,
    fileBase,
    currentFile: () => file?.file ?? null,
    setLevel: (level: string) => {
      log.level = level;
    },
    close: async () => {
      const dest = file as unknown as { flushSync?(): void; end?(): void } | null;
      try {
        dest?.flushSync?.();
      } catch {
        /* not ready yet */
      }
      dest?.end?.();
    },
  };
}

/** Removes credentials that may sit in a URL's query string or user-info. */
export function scrubUrl(url: string): string {
  return url
    .replace(/([?&](?:token|api_key|apikey|access_token|password)=)[^&#"'\s]*/gi, '$1[redacted]')
    .replace(/\/\/[^/@\s]+:[^/@\s]+@/g, '//[redacted]@');
}
