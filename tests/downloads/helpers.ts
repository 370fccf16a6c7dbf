/** Shared set-up of the download tests: the real app pointed at the fake aniworld and fake hosters. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld, type FakeEpisode } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import type { RealtimeEvent } from '../../backend/src/realtime/bus.js';
import type { Clock } from '../../backend/src/deps.js';
import type { DownloadItem, QueueResponse } from '../../frontend/src/api/types.ts';
import { until } from '../helpers/poll.js';

export interface Env {
  srv: TestServer;
  api: Awaited<ReturnType<typeof adminClient>>['api'];
  token: string;
  aniworld: FakeAniworld;
  hosters: FakeHosters;
  events: RealtimeEvent[];
  close(): Promise<void>;
}

/** Quick failure detection for tests; everything else is the product's default configuration. */
export const TEST_DOWNLOAD_CONFIG = { stall_timeout_seconds: 2, min_free_space_mb: 0, hls_segment_retries: 2 };

export async function startEnv(
  opts: { env?: Record<string, string>; downloads?: Record<string, unknown>; clock?: Clock } = {},
): Promise<Env> {
  const aniworld = await startFakeAniworld();
  const hosters = await startFakeHosters();
  const srv = await startTestServer({ env: { ANIWORLD_URL: aniworld.url, ...opts.env }, clock: opts.clock });
  await srv.deps.settings.update({ downloads: { ...TEST_DOWNLOAD_CONFIG, ...opts.downloads } });
  const { api, token } = await adminClient(srv.url);
  const events: RealtimeEvent[] = [];
  srv.deps.bus.on((e) => {
    if (e.room === 'downloads') events.push(e);
  });
  return {
    srv,
    api,
    token,
    aniworld,
    hosters,
    events,
    close: async () => {
      await srv.stop();
      await aniworld.close();
      await hosters.close();
    },
  };
}

/** Adds a series with one season to the fake site and to the library; answers its folder. */
export async function addSeries(env: Env, slug: string, name: string, episodes: FakeEpisode[]): Promise<string> {
  env.aniworld.addSeries({ slug, name, year: 2020, seasons: { 1: episodes } });
  const res = await env.api.post('/api/anime/add', { link: `${env.aniworld.url}/anime/stream/${slug}`, name });
  expect(res.status, res.text).toBe(200);
  return path.join(env.srv.animeDir, res.body.folder);
}

export async function queue(env: Env, slug: string, episodes: number[], extra: Record<string, unknown> = {}) {
  const res = await env.api.post('/api/queue/add', {
    serie_id: slug,
    episodes: episodes.map((e) => ({ season: 1, episode: e, title: `Episode ${e}` })),
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { added_items: string[]; failed_items: { season: number; episode: number; reason: string }[] };
}

export async function status(env: Env) {
  const res = await env.api.get<QueueResponse>('/api/queue/status');
  expect(res.status, res.text).toBe(200);
  return res.body;
}

export function findItem(st: QueueResponse, id: string): DownloadItem | undefined {
  const s = st.status;
  return [...s.active_downloads, ...s.pending_queue, ...s.completed_downloads, ...s.failed_downloads].find((i) => i.id === id);
}

/** Polls the queue until the item reaches one of the states. */
export async function waitFor(env: Env, id: string, states: string[], timeoutMs = 45_000) {
  return until(
    async () => {
      const item = findItem(await status(env), id);
      return item && states.includes(item.status) ? item : null;
    },
    `item ${id} in ${states.join('/')}`,
    { timeout: timeoutMs, interval: 150 },
  );
}

/** Every file under a folder, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A clock the test moves forward (backoffs) instead of waiting. */
export function movableClock(): Clock & { advanceHours(h: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advanceHours: (h) => {
      offset += h * 3_600_000;
    },
  };
}

/** Waits for the next event of the downloads room after `from` (an index into env.events) that matches. */
export async function nextEvent(env: Env, from: number, match: (e: RealtimeEvent) => boolean, timeoutMs = 45_000): Promise<RealtimeEvent> {
  return until(() => env.events.slice(from).find(match), `a matching event after #${from}`, timeoutMs);
}
