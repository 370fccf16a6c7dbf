import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { sql } from '../../backend/src/db/pool.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { jobsByTask } from '../scheduler/helpers.js';
import { until } from '../helpers/poll.js';
import type { Loose } from '../helpers/http.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback webhook receiver; `failFirst` paths answer 500 once (to see the retry). */
async function startReceiver(failFirst: string[]) {
  const received: Received[] = [];
  const failed = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const p = req.url ?? '';
      if (failFirst.includes(p) && !failed.has(p)) {
        failed.add(p);
        res.writeHead(500).end('try again');
        return;
      }
      received.push({ path: p, headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, failed, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let fake: FakeAniworld;
let srv: TestServer;
let api: ReturnType<typeof client>;
let token: string;
let bobToken: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const sockets: Socket[] = [];

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      simpleSeries('frieren', 'Frieren', { 1: 2 }),
      simpleSeries('mushishi', 'Mushishi', { 1: 1 }),
      simpleSeries('one-piece', 'One Piece', { 1: 1 }),
    ],
  });
  receiver = await startReceiver(['/generic']);
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api, token } = await adminClient(srv.url));
  await api.post('/api/users', { username: 'bob', password: 'B0b-Secret!pw' });
  bobToken = (await client(srv.url).post('/api/auth/login', { username: 'bob', password: 'B0b-Secret!pw' })).body.access_token;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await srv?.stop();
  await fake?.close();
  await receiver?.close();
});

/** A socket recording every message it receives. */
async function listen(t: string) {
  const socket = io(srv.url, { auth: { token: t }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const seen: { type: string; data: Loose }[] = [];
  socket.on('message', (m) => seen.push(m));
  await until(async () => seen.some((m) => m.type === 'connected'), 'socket connected');
  return seen;
}

const add = (slug: string, extra: Record<string, unknown> = {}) =>
  api.post('/api/watchlist', { anime_title: slug, anime_url: `${fake.url}/anime/stream/${slug}`, auto_download: false, ...extra });
const codes = (eps: { season: number; episode: number }[]) => eps.map((e) => `S${e.season}E${e.episode}`);

describe('checking for new episodes', () => {
  let id: string;

  it('the first check finds what the library does not have; the next finds only what appeared since', async () => {
    id = (await add('frieren')).body.id;
    const first = await api.post(`/api/watchlist/${id}/check`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'ok', queued: 0, error: null });
    expect(codes(first.body.new_episodes)).toEqual(['S1E1', 'S1E2']);

    expect(codes((await api.post(`/api/watchlist/${id}/check`)).body.new_episodes)).toEqual([]);

    fake.addEpisode('frieren', 1, { episode: 3, title: 'Folge 3' });
    const adminSocket = await listen(token);
    const bobSocket = await listen(bobToken);
    const third = await api.post(`/api/watchlist/${id}/check`);
    expect(third.body.new_episodes).toEqual([{ season: 1, episode: 3, title: 'Folge 3' }]);

    const item = (await api.get(`/api/watchlist/${id}`)).body;
    expect(item.last_check_result).toEqual({ status: 'ok', new_episodes: 1, error: null });
    expect(Date.parse(item.last_checked)).toBeGreaterThan(0);

    const event = await until(async () => adminSocket.find((m) => m.type === 'watchlist_new_episodes'), 'the realtime event');
    expect(event.data).toMatchObject({ item_id: id, anime_title: 'frieren', anime_key: 'frieren', series_key: 'frieren', queued: 0 });
    expect(codes(event.data.episodes)).toEqual(['S1E3']);
    expect(bobSocket.some((m) => m.type === 'watchlist_new_episodes')).toBe(false);
  });

  it('a check against a blocked provider records the error and leaves the item active', async () => {
    fake.setMode('challenge');
    try {
      const res = await api.post(`/api/watchlist/${id}/check`);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('error');
      expect(res.body.error).toMatch(/ProviderBlocked/);
    } finally {
      fake.setMode('ok');
    }
    const item = (await api.get(`/api/watchlist/${id}`)).body;
    expect(item.status).toBe('active');
    expect(item.last_check_result.status).toBe('error');
    expect(item.last_check_result.error).toMatch(/ProviderBlocked: aniworld/);
    // and the next check works again
    expect((await api.post(`/api/watchlist/${id}/check`)).body.status).toBe('ok');
    expect((await api.get(`/api/watchlist/${id}`)).body.last_check_result.error).toBeNull();
  });

  it('check-all checks due items in the background but never a paused one', async () => {
    const active = (await add('mushishi')).body.id;
    const paused = (await add('one-piece')).body.id;
    expect((await api.post(`/api/watchlist/${paused}/pause`)).status).toBe(200);
    const before = fake.requests.filter((r) => r.includes('one-piece')).length;

    const res = await api.post('/api/watchlist/check-all');
    expect(res.status).toBe(200);
    expect(res.body.queued).toBe(1); // frieren was checked minutes ago: not due; one-piece is paused
    const checked = await until(async () => {
      const it = (await api.get(`/api/watchlist/${active}`)).body;
      return it.last_checked ? it : null;
    }, 'the background check');
    expect(checked.last_check_result).toEqual({ status: 'ok', new_episodes: 1, error: null });
    expect((await api.get(`/api/watchlist/${paused}`)).body.last_checked).toBeNull();
    expect(fake.requests.filter((r) => r.includes('one-piece')).length).toBe(before);
    // a manual check of a paused item is refused
    expect((await api.post(`/api/watchlist/${paused}/check`)).status).toBe(409);
  });
});

describe('checks and rescans', () => {
  it('an episode a library rescan saw first is still news for the watchlist', async () => {
    const id = ((await api.get('/api/watchlist')).body as { id: string; anime_key: string }[]).find((i) => i.anime_key === 'mushishi')!.id;
    fake.addEpisode('mushishi', 1, { episode: 2, title: 'Folge 2' });
    const runs = async () =>
      ((await api.get('/api/tasks')).body.tasks as { name: string; runs: number; running: boolean }[]).find((t) => t.name === 'rescan')!;
    const before = (await runs()).runs;
    expect((await api.post('/api/scheduler/trigger-rescan')).status).toBe(200);
    await until(async () => {
      const r = await runs();
      return r.runs > before && !r.running;
    }, 'the rescan');
    expect(codes((await api.post(`/api/watchlist/${id}/check`)).body.new_episodes)).toEqual(['S1E2']);
  });
});

describe('webhook notifications', () => {
  it('sends generic JSON, Discord and ntfy webhooks, retrying a failed delivery', async () => {
    await api.put('/api/config', {
      notifications: {
        webhooks: [
          { type: 'generic', url: `${receiver.url}/generic` },
          { type: 'discord', url: `${receiver.url}/discord` },
          { type: 'ntfy', url: `${receiver.url}/ntfy` },
          { type: 'generic', url: `${receiver.url}/disabled`, enabled: false },
        ],
      },
    });
    await api.put('/api/watchlist/settings', { notify_on_new_episodes: true });
    const id = ((await api.get('/api/watchlist')).body as { id: string; anime_key: string }[]).find((i) => i.anime_key === 'frieren')!.id;
    fake.addEpisode('frieren', 1, { episode: 4, title: 'Folge 4' });
    expect(codes((await api.post(`/api/watchlist/${id}/check`)).body.new_episodes)).toEqual(['S1E4']);

    await until(async () => receiver.received.length >= 3, 'three webhook deliveries', 30_000);
    const by = (p: string) => receiver.received.find((r) => r.path === p)!;
    expect(receiver.failed.has('/generic')).toBe(true); // the first attempt failed and was retried
    const generic = JSON.parse(by('/generic').body);
    expect(generic).toMatchObject({
      event: 'new_episodes',
      data: { source: 'watchlist', anime_key: 'frieren', episodes: [{ season: 1, episode: 4, title: 'Folge 4' }] },
    });
    expect(JSON.parse(by('/discord').body).content).toContain('S01E04 Folge 4');
    expect(by('/ntfy').body).toContain('frieren: S01E04 Folge 4');
    expect(by('/ntfy').headers.title).toBe('New episodes: frieren');
    expect(receiver.received.some((r) => r.path === '/disabled')).toBe(false);
    // the webhook URLs never reach the logs
    expect(srv.logs()).not.toContain(`${receiver.url}/discord`);
  });
});

describe('the watchlist scheduler run', () => {
  it('checks the due items when its time comes, completed ones only when included, and schedules the next run', async () => {
    fake.addSeries(simpleSeries('kaiju-no-8', 'Kaiju No. 8', { 1: 1 }));
    const done = (await add('kaiju-no-8')).body.id;
    expect((await api.put(`/api/watchlist/${done}`, { status: 'completed' })).body.status).toBe('completed');
    const due = async () =>
      srv.deps.db.query(sql.unsafe`update graphile_worker._private_jobs set run_at = now() where key = 'watchlist_check_all'`);
    const lastRun = async () => (await api.get('/api/watchlist/scheduler/status')).body.last_run as string | null;

    await due();
    const first = await until(lastRun, 'the scheduled run');
    // the dispatcher has run and every check it added has finished: none was for the completed item
    await until(
      async () =>
        ((await api.get('/api/tasks')).body.tasks as { name: string; runs: number }[]).find((t) => t.name === 'watchlist_check')!.runs >= 1,
      'run recorded',
    );
    await until(async () => (await jobsByTask(srv, 'watchlist_check_item')).length === 0, 'the item checks');
    expect((await api.get(`/api/watchlist/${done}`)).body.last_checked).toBeNull();

    await api.put('/api/watchlist/settings', { include_completed_anime: true });
    await due();
    await until(async () => (await lastRun()) !== first, 'the second scheduled run');
    const checked = await until(async () => {
      const it = (await api.get(`/api/watchlist/${done}`)).body;
      return it.last_checked ? it : null;
    }, 'the completed item to be checked');
    expect(checked.last_check_result).toEqual({ status: 'ok', new_episodes: 1, error: null });
    const status = (await api.get('/api/watchlist/scheduler/status')).body;
    expect(Date.parse(status.next_run) - Date.parse(status.last_run)).toBe(6 * 3_600_000);
    await api.put('/api/watchlist/settings', { include_completed_anime: false });
  });
});
