import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear. */
const SECRET_KEYS = [
  'password', 'master_password', 'new_password', 'current_password', 'token', 'access_token',
  'authorization', 'api_key', 'apiKey', 'secret', 'jwt_secret', 'cookie', 'webhook_url',
];

const redactPaths = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface LogOptions {
  level?: string;
  dir?: string;
  /** Extra destination (tests capture the run's logs through this). */
  stream?: NodeJS.WritableStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const streams: pino.StreamEntry[] = [{ stream: opts.stream ?? process.stdout }];
  if (opts.dir) {
    fs.mkdirSync(opts.dir, { recursive: true });
    streams.push({ stream: pino.destination({ dest: path.join(opts.dir, 'aniworld.log'), mkdir: true, sync: false }) });
  }
  return pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
}

/** Removes credentials that may sit in a URL's query string or user-info. */
export function scrubUrl(url: string): string {
  return url
    .replace(/([?&](?:token|api_key|access_token|password)=)[^&#]*/gi, '$1[redacted]')
    .replace(/\/\/[^/@\s]+:[^/@\s]+@/g, '//[redacted]@');
}
