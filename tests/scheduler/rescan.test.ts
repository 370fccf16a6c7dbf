import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../backend/src/db/pool.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { jobsByTask } from './helpers.js';
import { until } from '../helpers/poll.js';

let fake: FakeAniworld;
let srv: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  fake = await startFakeAniworld({ series: [simpleSeries('mushishi', 'Mushishi', { 1: 2 })] });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api } = await adminClient(srv.url));
  // a series in the library, so a rescan asks the provider
  expect((await api.post('/api/watchlist', { anime_title: 'Mushishi', anime_url: `${fake.url}/anime/stream/mushishi` })).status).toBe(201);
  expect((await api.put('/api/config', { providers: { request_timeout_seconds: 3, retries: 0 } })).status).toBe(200);
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

const status = async () => (await api.get('/api/scheduler/config')).body.status;
const state = async () =>
  (await srv.deps.db.maybeOneFirst(sql.unsafe`select value from app_state where key = 'scheduler'`)) as {
    runs: number;
    last_outcome: string;
  } | null;

describe('never two rescans at once', () => {
  it('starts no second manual rescan and skips a scheduled one while a rescan runs', async () => {
    fake.setMode('timeout'); // the provider hangs: the rescan stays busy until its requests time out
    try {
      expect((await api.post('/api/scheduler/trigger-rescan')).status).toBe(200);
      await until(async () => (await status()).scan_in_progress, 'the rescan to start');

      const again = await api.post('/api/scheduler/trigger-rescan');
      expect(again.status).toBe(200); // the spec's answer; the message names the running scan
      expect(again.body.message).toMatch(/^A rescan is already running \(started .* UTC, trigger 'manual'\)$/);
      expect((await api.post('/api/tasks/rescan/run')).status).toBe(409);

      // the schedule comes due meanwhile: it records a skipped run and schedules the next one
      await srv.deps.db.query(sql.unsafe`update graphile_worker._private_jobs set run_at = now() where key = 'scheduled_rescan'`);
      const s = await until(async () => {
        const st = await state();
        return st && st.runs >= 1 ? st : null;
      }, 'the scheduled run');
      expect(s.last_outcome).toBe('skipped: a rescan was already running');
      expect((await jobsByTask(srv, 'library_rescan')).length).toBe(1); // only the running one
      // the run records its outcome first, then schedules its successor
      await until(async () => Date.parse((await status()).next_run) > Date.now(), 'the next scheduled run');
    } finally {
      fake.setMode('ok');
    }
    await until(async () => !(await status()).scan_in_progress, 'the rescan to end', 40_000);
  });
});
