import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadEnv } from '../../backend/src/config.js';
import { startApp, type AppHandle } from '../../backend/src/main.js';
import type { Clock } from '../../backend/src/deps.js';
import { createTestDatabase } from './db.js';

/**
 * A provider base URL where nothing listens (the discard port on loopback): for a site a test does
 * not fake, so the product's live checks fail at once instead of reaching the real site.
 */
export const NO_SITE = 'http://127.0.0.1:9';

export interface TestServer extends AppHandle {
  dataDir: string;
  animeDir: string;
  /** Everything the server logged so far. */
  logs(): string;
  /** Restart on the same database and data folder (a new process would see the same). */
  restart(extraEnv?: Record<string, string>): Promise<TestServer>;
  /** After restart(): how long the previous server took to stop (ms). */
  stoppedInMs?: number;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  databaseUrl?: string;
  dataDir?: string;
  /** Replaces the system clock (backoffs, schedules). */
  clock?: Clock;
}

const captured = new WeakMap<object, string[]>();

/** The real app, in this process, on a random port, with its own database clone and folders. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const databaseUrl = opts.databaseUrl ?? (await createTestDatabase());
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-data-'));
  const animeDir = opts.env?.ANIME_DIR ?? path.join(dataDir, 'anime');
  fs.mkdirSync(animeDir, { recursive: true });
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk) => lines.push(chunk.toString()));
  const env = loadEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ANIME_DIR: animeDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'debug',
    WORKER_CONCURRENCY: '4',
    UI_DIST: path.join(dataDir, 'no-ui'),
    ...opts.env,
  });
  const handle = await startApp({ env, logStream: stream, clock: opts.clock });
  const server: TestServer = {
    ...handle,
    dataDir,
    animeDir,
    logs: () => lines.join(''),
    restart: async (extraEnv = {}) => {
      const stopping = Date.now();
      await handle.stop();
      const stoppedInMs = Date.now() - stopping;
      const next = await startTestServer({ databaseUrl, dataDir, env: { ...opts.env, ...extraEnv }, clock: opts.clock });
      return Object.assign(next, { stoppedInMs });
    },
  };
  captured.set(server, lines);
  return server;
}

/** Publishes any message past the typed event map (realtime/events.ts): a test's probe in any room. */
export function publishRaw(srv: AppHandle, room: string, type: string, data: Record<string, unknown>): Promise<void> {
  return (srv.deps.bus as unknown as { publish(room: string, type: string, data: Record<string, unknown>): Promise<void> }).publish(
    room,
    type,
    data,
  );
}
