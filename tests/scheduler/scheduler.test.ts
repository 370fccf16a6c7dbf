import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../backend/src/db/pool.js';
import { nextDailyRun } from '../../backend/src/scheduler/nextRun.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { jobsByKey, jobsByTask, localWhen } from './helpers.js';
import { until } from '../helpers/poll.js';

const TZ = 'Europe/Berlin';
const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
let srv: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  srv = await startTestServer({ env: { TZ } });
  ({ api } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
});

const scheduledRunAt = async () => {
  const jobs = await jobsByKey(srv, 'scheduled_rescan');
  expect(jobs.length).toBeLessThanOrEqual(1);
  return jobs[0]?.run_at.toISOString() ?? null;
};

describe('scheduler config and the scheduled_rescan job', () => {
  it('schedules the default 03:00 daily rescan in the server time zone', async () => {
    const res = await api.get('/api/scheduler/config');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      config: { enabled: true, interval_minutes: 60, schedule_time: '03:00', schedule_days: ALL, auto_download_after_rescan: false },
      status: { is_running: true, last_run: null, scan_in_progress: false },
    });
    const expected = nextDailyRun(new Date(), '03:00', ALL, TZ)!.toISOString();
    expect(res.body.status.next_run).toBe(expected);
    expect(await scheduledRunAt()).toBe(expected);
    expect(localWhen(res.body.status.next_run, TZ)).toMatch(/ 03:00$/);
  });

  it('moves the job at once when the time and days change', async () => {
    const res = await api.post('/api/scheduler/config', {
      enabled: true,
      schedule_time: '06:30',
      schedule_days: ['mon'],
      auto_download_after_rescan: true,
    });
    expect(res.status).toBe(200);
    expect(res.body.config).toMatchObject({ schedule_time: '06:30', schedule_days: ['mon'], auto_download_after_rescan: true });
    expect(localWhen(res.body.status.next_run, TZ)).toBe('Mon 06:30');
    expect(await scheduledRunAt()).toBe(res.body.status.next_run);
    // the change is saved: GET and config.json agree
    expect((await api.get('/api/scheduler/config')).body.config.schedule_days).toEqual(['mon']);
    expect((await api.get('/api/config')).body.scheduler.schedule_time).toBe('06:30');
  });

  it('runs every interval_minutes when schedule_time is empty', async () => {
    const before = Date.now();
    const res = await api.post('/api/scheduler/config', { schedule_time: '', interval_minutes: 45 });
    const after = Date.now();
    expect(res.status).toBe(200);
    const next = new Date(res.body.status.next_run).getTime();
    expect(next).toBeGreaterThanOrEqual(before + 45 * 60_000 - 1000);
    expect(next).toBeLessThanOrEqual(after + 45 * 60_000 + 1000);
    expect(await scheduledRunAt()).toBe(res.body.status.next_run);
  });

  it('follows a change made through PUT /api/config too', async () => {
    const put = await api.put('/api/config', { scheduler: { enabled: true, schedule_time: '22:15', schedule_days: ['fri', 'sat'] } });
    expect(put.status).toBe(200);
    const runAt = await until(async () => {
      const at = await scheduledRunAt();
      return at && /^(Fri|Sat) 22:15$/.test(localWhen(at, TZ)) ? at : null;
    }, 'the job to move to 22:15');
    expect(runAt).toBe(nextDailyRun(new Date(), '22:15', ['fri', 'sat'], TZ)!.toISOString());
    expect((await api.get('/api/scheduler/config')).body.status.next_run).toBe(runAt);
  });

  it('removes the job when disabled and brings it back when enabled', async () => {
    const off = await api.post('/api/scheduler/config', { enabled: false });
    expect(off.body.status).toMatchObject({ is_running: false, next_run: null });
    expect(await scheduledRunAt()).toBeNull();
    const on = await api.post('/api/scheduler/config', { enabled: true, schedule_time: '03:00' });
    expect(on.body.status.is_running).toBe(true);
    expect(await scheduledRunAt()).toBe(on.body.status.next_run);
  });

  it('rejects bad values with the spec messages and keeps the config', async () => {
    const before = (await api.get('/api/scheduler/config')).body.config;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ schedule_time: '24:00' }, 'body.schedule_time', 'schedule_time must match HH:MM (00:00-23:59)'],
      [{ schedule_time: '7:5' }, 'body.schedule_time', 'schedule_time must match HH:MM (00:00-23:59)'],
      [{ schedule_days: ['mon', 'funday'] }, 'body.schedule_days.1', 'schedule_days entries must be one of mon tue wed thu fri sat sun'],
      [{ interval_minutes: 0 }, 'body.interval_minutes', 'interval_minutes must be >= 1'],
    ];
    for (const [body, field, message] of cases) {
      const res = await api.post('/api/scheduler/config', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.text).toContain(field);
      expect(res.text).toContain(message);
    }
    expect((await api.get('/api/scheduler/config')).body.config).toEqual(before);
  });

  it('needs a token', async () => {
    expect((await client(srv.url).get('/api/scheduler/config')).status).toBe(401);
    expect((await client(srv.url).post('/api/scheduler/trigger-rescan')).status).toBe(401);
  });

  it('trigger-rescan adds a library rescan marked manual', async () => {
    const res = await api.post('/api/scheduler/trigger-rescan');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Rescan started successfully' });
    // Either still waiting in the queue or already run by the worker (then the Tasks view counted it).
    await until(async () => {
      const jobs = await jobsByTask(srv, 'library_rescan');
      if (jobs.some((j) => (j.payload as { trigger?: string }).trigger === 'manual')) return true;
      const tasks = (await api.get('/api/tasks')).body.tasks as { name: string; runs: number }[];
      return tasks.find((t) => t.name === 'rescan')!.runs > 0;
    }, 'the manual rescan');
  });
});

describe('a run missed while the server was down', () => {
  it('runs once at start-up and schedules the next slot', async () => {
    await api.post('/api/scheduler/config', {
      enabled: true,
      schedule_time: '03:00',
      schedule_days: ALL,
      auto_download_after_rescan: false,
    });
    const url = srv.databaseUrl;
    const dataDir = srv.dataDir;
    await srv.stop();
    // Three days of missed 03:00 slots: the one keyed job is overdue.
    const { openPool } = await import('../../backend/src/db/pool.js');
    const db = await openPool(url, 1);
    await db.query(sql.unsafe`update graphile_worker._private_jobs set run_at = now() - interval '3 days' where key = 'scheduled_rescan'`);
    await db.query(
      sql.unsafe`delete from graphile_worker._private_jobs where task_id in (select id from graphile_worker._private_tasks where
        identifier = 'library_rescan')`,
    );
    await db.query(sql.unsafe`delete from task_runs where name = 'rescan'`);
    await db.end();

    srv = await startTestServer({ databaseUrl: url, dataDir, env: { TZ } });
    const login = await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
    api = client(srv.url, login.body.access_token);
    const status = await until(async () => {
      const s = (await api.get('/api/scheduler/config')).body.status;
      return s.last_run && s.next_run ? s : null;
    }, 'the missed run');
    expect(status.next_run).toBe(nextDailyRun(new Date(), '03:00', ALL, TZ)!.toISOString());
    const state = (await srv.deps.db.oneFirst(sql.unsafe`select value from app_state where key = 'scheduler'`)) as { runs: number };
    expect(state.runs).toBe(1);
    expect(await jobsByKey(srv, 'scheduled_rescan')).toHaveLength(1);
    // one rescan was started for the missed slots, not three
    await until(async () => {
      const jobs = await jobsByTask(srv, 'library_rescan');
      const tasks = (await api.get('/api/tasks')).body.tasks as { name: string; runs: number }[];
      return jobs.length + tasks.find((t) => t.name === 'rescan')!.runs === 1;
    }, 'exactly one rescan');
  });
});
