import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDailyRun } from '../../backend/src/scheduler/nextRun.js';
import { io, type Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { localWhen } from './helpers.js';
import { until } from '../helpers/poll.js';
import { readBackupConfig } from '../../backend/src/backup/archive.js';

const TZ = 'America/New_York';
const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
let srv: TestServer;
let api: ReturnType<typeof client>;
let token: string;
const sockets: Socket[] = [];

interface TaskInfo {
  name: string;
  running: boolean;
  last_run: string | null;
  last_finished: string | null;
  duration_ms: number | null;
  outcome: 'success' | 'failed' | null;
  error: string | null;
  runs: number;
  next_run: string | null;
  schedule: string;
  schedule_info: Record<string, unknown>;
}

const tasks = async () => (await api.get('/api/tasks')).body.tasks as TaskInfo[];
const task = async (name: string) => (await tasks()).find((t) => t.name === name)!;
const backups = () =>
  fs
    .readdirSync(path.join(srv.dataDir, 'backups'))
    .filter((f) => f.endsWith('_scheduled.tar.gz'))
    .sort();

/** Runs a task now and waits until the Tasks view shows that run finished. */
async function runAndWait(name: string): Promise<TaskInfo> {
  const before = (await task(name)).runs;
  const res = await api.post(`/api/tasks/${name}/run`);
  expect(res.status).toBe(202);
  return until(async () => {
    const t = await task(name);
    return t.runs > before && !t.running ? t : null;
  }, `${name} to finish`);
}

beforeAll(async () => {
  srv = await startTestServer({ env: { TZ } });
  ({ api, token } = await adminClient(srv.url));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await srv?.stop();
});

describe('Tasks view', () => {
  it('lists rescan, watchlist check, housekeeping and config backup with their next runs', async () => {
    const list = await tasks();
    expect(list.map((t) => t.name)).toEqual(['rescan', 'watchlist_check', 'housekeeping', 'config_backup']);
    const scheduler = (await api.get('/api/scheduler/config')).body.status;
    expect((await task('rescan')).next_run).toBe(scheduler.next_run);
    expect((await task('rescan')).schedule).toBe('03:00 on mon, tue, wed, thu, fri, sat, sun');
    // beside each English sentence, the schedule as a code and its figures, for the UI to say in the user's language
    expect((await task('rescan')).schedule_info).toEqual({ code: 'days_at', time: '03:00', days: ALL });
    expect((await task('housekeeping')).schedule_info).toEqual({ code: 'daily_at_utc', time: '04:00' });
    expect((await task('watchlist_check')).schedule_info).toEqual({ code: 'watchlist_interval' });
    expect((await task('config_backup')).schedule_info).toEqual({ code: 'backup_off' });
    // Graphile Worker's crontab runs housekeeping at 04:00 UTC
    expect((await task('housekeeping')).next_run).toBe(nextDailyRun(new Date(), '04:00', ALL, 'UTC')!.toISOString());
    const watch = (await api.get('/api/watchlist/scheduler/status')).body;
    if (watch.next_run) expect((await task('watchlist_check')).next_run).toBe(watch.next_run);
    // backups are off by default
    expect((await task('config_backup')).next_run).toBeNull();
    for (const t of list) expect(t).toMatchObject({ runs: 0, last_run: null, outcome: null });
  });

  it('schedules the weekly backup on Sunday 03:30 server time once backups are enabled', async () => {
    expect((await api.put('/api/config', { backup: { enabled: true, keep_count: 2 } })).status).toBe(200);
    const next = await until(async () => (await task('config_backup')).next_run, 'the backup job');
    expect(localWhen(next, TZ)).toBe('Sun 03:30');
    expect(next).toBe(nextDailyRun(new Date(), '03:30', ['sun'], TZ)!.toISOString());
    expect((await task('config_backup')).schedule).toBe('weekly, sun at 03:30');
    expect((await task('config_backup')).schedule_info).toEqual({ code: 'weekly_at', weekday: 'sun', time: '03:30' });
  });

  it('moves the backup when its frequency, day or time change', async () => {
    expect((await api.put('/api/config', { backup: { frequency: 'daily', time: '01:45' } })).status).toBe(200);
    // the job moves a moment after the config (the change is applied by its listener)
    const expected = nextDailyRun(new Date(), '01:45', ALL, TZ)!.toISOString();
    const daily = await until(async () => {
      const t = await task('config_backup');
      return t.schedule === 'daily at 01:45' && t.next_run === expected ? t.next_run : null;
    }, 'the daily backup');
    expect(daily).toBe(expected);
    expect((await api.put('/api/config', { backup: { frequency: 'weekly', weekday: 'wed', time: '22:10' } })).status).toBe(200);
    const wed = await until(async () => {
      const t = await task('config_backup');
      return t.schedule === 'weekly, wed at 22:10' && t.next_run && localWhen(t.next_run, TZ) === 'Wed 22:10' ? t.next_run : null;
    }, 'the weekly backup');
    expect(localWhen(wed, TZ)).toBe('Wed 22:10');
    expect((await api.put('/api/config', { backup: { weekday: 'sun', time: '03:30' } })).status).toBe(200);
    await until(async () => {
      const t = await task('config_backup');
      return t.schedule === 'weekly, sun at 03:30' && t.next_run !== null && localWhen(t.next_run, TZ) === 'Sun 03:30';
    }, 'back to Sunday');
  });

  it('runs a backup now, records the run and keeps the newest keep_count backups', async () => {
    const first = await runAndWait('config_backup');
    expect(first).toMatchObject({ outcome: 'success', error: null, runs: 1 });
    expect(first.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(first.last_finished!)).toBeGreaterThanOrEqual(Date.parse(first.last_run!));
    expect(backups()).toHaveLength(1);
    // the backup holds the current config
    const saved = (await readBackupConfig(path.join(srv.dataDir, 'backups', backups()[0]))) as { backup: unknown };
    expect(saved.backup).toMatchObject({ enabled: true, keep_count: 2 });
    await runAndWait('config_backup');
    const third = await runAndWait('config_backup');
    expect(third.runs).toBe(3);
    expect(backups()).toHaveLength(2);
    // run now does not disturb the weekly schedule
    expect(localWhen(third.next_run!, TZ)).toBe('Sun 03:30');
    // a manual backup is never removed by the retention
    expect((await api.post('/api/config/backups?name=keep-me')).status).toBe(200);
    await runAndWait('config_backup');
    expect(fs.existsSync(path.join(srv.dataDir, 'backups', 'keep-me.tar.gz'))).toBe(true);
  });

  it('removes scheduled backups older than keep_days', async () => {
    expect((await api.put('/api/config', { backup: { keep_days: 7, keep_count: 10 } })).status).toBe(200);
    const [old] = backups();
    const file = path.join(srv.dataDir, 'backups', old);
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    fs.utimesSync(file, eightDaysAgo, eightDaysAgo);
    const kept = backups().filter((b) => b !== old);
    await runAndWait('config_backup');
    expect(fs.existsSync(file)).toBe(false);
    expect(backups()).toEqual(expect.arrayContaining(kept));
    expect(backups()).toHaveLength(kept.length + 1);
  });

  it('announces runs in the tasks room', async () => {
    const socket = io(srv.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    const seen: { type: string; data: Record<string, unknown> }[] = [];
    socket.on('message', (m) => seen.push(m));
    await until(async () => seen.some((m) => m.type === 'connected'), 'connected');
    socket.emit('message', { action: 'join', data: { room: 'tasks' } });
    await until(async () => seen.some((m) => m.type === 'system_info'), 'joined');
    await runAndWait('housekeeping');
    await until(async () => seen.some((m) => m.type === 'task_complete'), 'task_complete');
    expect(seen.find((m) => m.type === 'task_started')?.data).toEqual({ task: 'housekeeping' });
    expect(seen.find((m) => m.type === 'task_complete')?.data).toMatchObject({ task: 'housekeeping', duration_ms: expect.any(Number) });
  });

  it('records a failed run with its error', async () => {
    const dir = path.join(srv.dataDir, 'backups');
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a folder');
    try {
      const failed = await runAndWait('config_backup');
      expect(failed.outcome).toBe('failed');
      expect(failed.error).toMatch(/EEXIST|ENOTDIR/);
    } finally {
      fs.rmSync(dir);
      fs.mkdirSync(dir);
    }
    expect((await runAndWait('config_backup')).outcome).toBe('success');
  });

  it('runs housekeeping now', async () => {
    const t = await runAndWait('housekeeping');
    expect(t).toMatchObject({ outcome: 'success', runs: 2 });
  });

  it('answers 404 for an unknown task and 403 for a non-admin', async () => {
    const res = await api.post('/api/tasks/format_disk/run');
    expect(res.status).toBe(404);
    expect(res.text).toContain('format_disk');
    expect((await api.post('/api/users', { username: 'viewer', password: 'View3r-Secret!pw' })).status).toBe(201);
    const login = await client(srv.url).post('/api/auth/login', { username: 'viewer', password: 'View3r-Secret!pw' });
    expect(login.status).toBe(200);
    const viewer = client(srv.url, login.body.access_token);
    expect((await viewer.post('/api/tasks/housekeeping/run')).status).toBe(403);
    expect((await viewer.get('/api/tasks')).status).toBe(200);
  });
});
