import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import type { Backup } from '../../frontend/src/api/types.ts';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let api: ReturnType<typeof client>;
let token: string;
const servers: TestServer[] = [];
const login = async () => {
  const res = await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  return { api: client(srv.url, res.body.access_token), token: res.body.access_token as string };
};
beforeAll(async () => {
  srv = await startTestServer();
  ({ api, token } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
  await Promise.all(servers.map((s) => s.stop()));
});

/** A request whose path goes out exactly as written (fetch would resolve the dots). */
function rawStatus(method: string, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(srv.url);
    const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const configFile = () => path.join(srv.dataDir, 'config.json');
const onDisk = () => JSON.parse(fs.readFileSync(configFile(), 'utf8'));

describe('configuration', () => {
  it('GET returns the spec sections with defaults', async () => {
    const res = await api.get('/api/config');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Aniworld',
      scheduler: { enabled: true, interval_minutes: 60, schedule_time: '03:00', auto_download_after_rescan: false },
      logging: { level: 'INFO', backup_count: 3 },
      backup: { enabled: false, keep_days: 30, keep_count: 10, frequency: 'weekly', time: '03:30', path: 'backups' },
    });
    for (const gone of ['data_dir', 'other', 'ui']) expect(res.body).not.toHaveProperty(gone);
    expect(res.body.scheduler.schedule_days).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  });

  it('PUT deep-merges a partial update and writes it to config.json', async () => {
    const res = await api.put('/api/config', {
      scheduler: { schedule_time: '06:30', schedule_days: ['mon', 'wed', 'fri'] },
      logging: { level: 'DEBUG' },
    });
    expect(res.status).toBe(200);
    expect(res.body.scheduler).toMatchObject({
      enabled: true,
      interval_minutes: 60,
      schedule_time: '06:30',
      schedule_days: ['mon', 'wed', 'fri'],
    });
    expect(res.body.logging).toMatchObject({ level: 'DEBUG', backup_count: 3 });
    expect(onDisk().scheduler.schedule_time).toBe('06:30');
    expect((await api.get('/api/config')).body.logging.level).toBe('DEBUG');
  });

  it('an invalid PUT is a 422 naming the fields, and the file does not change', async () => {
    const before = fs.readFileSync(configFile(), 'utf8');
    for (const bad of [
      { scheduler: { schedule_time: '25:99' } },
      { scheduler: { interval_minutes: 0 } },
      { logging: { level: 'LOUD' } },
      { no_such_section: true },
      { scheduler: { schedule_days: ['someday'] } },
    ]) {
      const res = await api.put('/api/config', bad);
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expect(res.body.error).toBe('VALIDATION_ERROR');
      expect(JSON.stringify(res.body.details)).toMatch(new RegExp(Object.keys(bad)[0]));
    }
    expect(fs.readFileSync(configFile(), 'utf8')).toBe(before);
  });

  it('validate checks without applying', async () => {
    const before = fs.readFileSync(configFile(), 'utf8');
    const good = await api.post('/api/config/validate', { ...onDisk(), name: 'Other' });
    expect(good.body).toEqual({ valid: true, errors: [] });
    const bad = await api.post('/api/config/validate', { ...onDisk(), scheduler: { schedule_time: 'noon' } });
    expect(bad.status).toBe(200);
    expect(bad.body.valid).toBe(false);
    expect(bad.body.errors.join(' ')).toMatch(/scheduler\.schedule_time/);
    expect(fs.readFileSync(configFile(), 'utf8')).toBe(before);
  });

  it('keeps API keys out of responses but stores them', async () => {
    const res = await api.put('/api/config', { tmdb: { api_key: 'tmdb-key-abcdef123456' } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('tmdb-key-abcdef123456');
    expect(onDisk().tmdb.api_key).toBe('tmdb-key-abcdef123456');
    // sending the mask back keeps the stored key
    const masked = (await api.get('/api/config')).body;
    await api.put('/api/config', masked);
    expect(onDisk().tmdb.api_key).toBe('tmdb-key-abcdef123456');
  });

  it('masks webhook and proxy URLs (they carry tokens) and keeps them when the mask comes back', async () => {
    const discord = 'https://discord.example/api/webhooks/123/SECRET-TOKEN-abc';
    const ntfy = 'https://discord.example/other/SECRET-TOKEN-def';
    const proxy = 'http://user:proxy-pass@127.0.0.1:3128';
    const put = await api.put('/api/config', {
      notifications: {
        webhooks: [
          { type: 'discord', url: discord },
          { type: 'ntfy', url: ntfy },
        ],
      },
      providers: { aniworld: { proxy } },
    });
    expect(put.status).toBe(200);
    expect(put.text).not.toContain('SECRET-TOKEN');
    expect(put.text).not.toContain('proxy-pass');
    const shown = (await api.get('/api/config')).body;
    expect(shown.notifications.webhooks[0].url).toMatch(/^https:\/\/discord\.example\//);
    expect(shown.notifications.webhooks[0].url).not.toBe(shown.notifications.webhooks[1].url);
    // the UI sends the whole section back, swapped and with the masks: the stored URLs survive
    const back = await api.put('/api/config', {
      notifications: { webhooks: [shown.notifications.webhooks[1], shown.notifications.webhooks[0]] },
      providers: { aniworld: { proxy: shown.providers.aniworld.proxy } },
    });
    expect(back.status).toBe(200);
    const stored = onDisk();
    expect(stored.notifications.webhooks.map((w: { url: string }) => w.url)).toEqual([ntfy, discord]);
    expect(stored.providers.aniworld.proxy).toBe(proxy);
    await api.put('/api/config', { notifications: { webhooks: [] }, providers: { aniworld: { proxy: null } } });
  });

  it('backups: create (named and automatic), list, restore, delete', async () => {
    await api.put('/api/config', { name: 'Before Backup' });
    const auto = await api.post('/api/config/backups');
    expect(auto.status).toBe(200);
    expect(auto.body.name).toMatch(/^aniworld_\d{8}_\d{6}(_\d+)?_manual\.tar\.gz$/);
    expect(auto.body.message).toBe('Backup created successfully');
    const named = await api.post('/api/config/backups?name=before-change');
    expect(named.body.name).toBe('before-change.tar.gz');
    const list = await api.get('/api/config/backups');
    expect(list.body.map((b: Backup) => b.name).sort()).toEqual([auto.body.name, 'before-change.tar.gz'].sort());
    for (const b of list.body) {
      expect(b.size).toBe(fs.statSync(path.join(srv.dataDir, 'backups', b.name)).size);
      expect(Date.parse(b.created)).toBeGreaterThan(0);
      expect(b.kind).toBe('manual');
    }

    await api.put('/api/config', { name: 'After Change' });
    const restored = await api.post('/api/config/backups/before-change.tar.gz/restore');
    expect(restored.status, restored.text).toBe(200);
    expect(onDisk().name).toBe('Before Backup');
    // a restore ends every session: sign in again
    ({ api, token } = await login());
    expect((await api.get('/api/config')).body.name).toBe('Before Backup');

    const del = await api.del(`/api/config/backups/${auto.body.name}`);
    expect(del.status).toBe(200);
    expect(del.body.message).toBe(`Backup '${auto.body.name}' deleted successfully`);
    expect(fs.existsSync(path.join(srv.dataDir, 'backups', auto.body.name))).toBe(false);
    expect((await api.del(`/api/config/backups/${auto.body.name}`)).status).toBe(404);
  });

  it('a file that is not a backup cannot be restored and changes nothing', async () => {
    fs.writeFileSync(path.join(srv.dataDir, 'backups', 'notatar.tar.gz'), '{oops');
    const before = fs.readFileSync(configFile(), 'utf8');
    const res = await api.post('/api/config/backups/notatar.tar.gz/restore');
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/Not a usable backup/);
    expect(fs.readFileSync(configFile(), 'utf8')).toBe(before);
  });

  it('backup.path: relative to DATA_DIR, checked writable when saved', async () => {
    const res = await api.put('/api/config', { backup: { path: 'elsewhere/backups' } });
    expect(res.status, res.text).toBe(200);
    const made = await api.post('/api/config/backups');
    expect(fs.existsSync(path.join(srv.dataDir, 'elsewhere', 'backups', made.body.name))).toBe(true);
    const blocker = path.join(srv.dataDir, 'a-file');
    fs.writeFileSync(blocker, 'x');
    const bad = await api.put('/api/config', { backup: { path: path.join(blocker, 'sub') } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/backup\.path: .* is not writable/);
    expect(onDisk().backup.path).toBe('elsewhere/backups');
    expect((await api.put('/api/config', { backup: { path: 'backups' } })).status).toBe(200);
  });

  it('backup names cannot leave the backups folder', async () => {
    const outside = path.join(srv.dataDir, 'outside.json');
    fs.writeFileSync(outside, JSON.stringify({ name: 'Evil' }));
    const before = fs.readFileSync(configFile(), 'utf8');
    const names = [
      '..%2F..%2Fetc%2Fpasswd',
      '..%2f..%2fetc',
      '..%2Foutside.json',
      '%2Fetc%2Fpasswd',
      encodeURIComponent(outside),
      '..%5Coutside.json',
      '.hidden.tar.gz',
      'config.json%00.tar.gz',
      'no-such-backup.tar.gz',
      'a%2Fb.tar.gz',
    ];
    for (const n of names) {
      for (const [method, p] of [
        ['POST', `/api/config/backups/${n}/restore`],
        ['DELETE', `/api/config/backups/${n}`],
      ] as const) {
        const res = await api.call(method, p);
        expect([400, 404, 422], `${method} ${p}`).toContain(res.status);
        expect(res.body.success, `${method} ${p}`).toBe(false);
      }
    }
    // raw paths a browser would normalise away
    for (const p of [
      '/api/config/backups/../../../etc/passwd',
      '/api/config/backups/%2e%2e/restore',
      '/api/config/backups/../outside.json/restore',
    ]) {
      const status = await rawStatus('POST', p);
      expect([400, 404, 405], p).toContain(status);
    }
    for (const n of ['../../etc/passwd', '../outside', '/etc/passwd', '..\\outside']) {
      const res = await api.post(`/api/config/backups?name=${encodeURIComponent(n)}`);
      expect([400, 422], n).toContain(res.status);
    }
    expect(fs.readFileSync(configFile(), 'utf8')).toBe(before);
    expect(fs.existsSync(outside)).toBe(true);
    expect(fs.existsSync('/etc/passwd')).toBe(true);
    expect(
      fs
        .readdirSync(srv.dataDir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(['config.json', 'outside.json']);
    expect((await api.get('/api/config')).body.name).not.toBe('Evil');
  });

  it('directory: sets the anime folder (absolute only) and counts its series', async () => {
    const dir = path.join(srv.dataDir, 'library');
    fs.mkdirSync(path.join(dir, 'Show A (2020)'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'Show B (2021)'));
    const res = await api.post('/api/config/directory', { directory: dir });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Anime directory updated successfully', synced_series: 2 });
    expect(onDisk().anime_directory).toBe(dir);
    expect((await api.post('/api/config/directory', { directory: 'relative/path' })).status).toBe(400);
    expect((await api.post('/api/config/directory', {})).status).toBe(422);
    expect(onDisk().anime_directory).toBe(dir);
  });

  it('a config write killed halfway leaves the old config readable', async () => {
    const before = fs.readFileSync(configFile(), 'utf8');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures/atomicWriteChild.ts'), configFile(), '8'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // the writer stops with half of the new content in its temporary file: kill it there
    await until(() => out.includes('halfway'), 'the writer halfway', 60_000);
    const tmp = fs.readdirSync(srv.dataDir).find((f) => f.startsWith('.config.json.') && fs.statSync(path.join(srv.dataDir, f)).size > 0);
    child.kill('SIGKILL');
    await exited;
    expect(tmp, 'the writer was caught in the middle').toBeTruthy();
    // a leftover of a crash before the last start (a fresh temp file may be another process's write)
    const longAgo = new Date(Date.now() - 5 * 60_000);
    fs.utimesSync(path.join(srv.dataDir, tmp!), longAgo, longAgo);
    expect(out).not.toContain('done');
    expect(fs.readFileSync(configFile(), 'utf8')).toBe(before);
    // a server starting on this folder reads the old config and clears the leftover
    const again = await startTestServer({ databaseUrl: srv.databaseUrl, dataDir: srv.dataDir });
    servers.push(again);
    const login = await client(again.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
    const cfg = await client(again.url, login.body.access_token).get('/api/config');
    expect(cfg.body.name).toBe(JSON.parse(before).name);
    expect(fs.readdirSync(srv.dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('restart', () => {
  it('keeps users, revoked tokens and config', async () => {
    const s = await startTestServer();
    const { api: admin, token } = await adminClient(s.url);
    await admin.post('/api/users', { username: 'carol', password: 'Carol-Pass1!' });
    await admin.put('/api/config', { name: 'Kept Across Restarts' });
    const second = (await client(s.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token;
    await client(s.url, second).post('/api/auth/logout');
    const restarted = await s.restart();
    servers.push(restarted);
    expect((await client(restarted.url).get('/api/auth/status')).body.configured).toBe(true);
    expect((await client(restarted.url, token).get('/api/config')).body.name).toBe('Kept Across Restarts');
    expect((await client(restarted.url, second).get('/api/config')).status).toBe(401);
    expect((await client(restarted.url).post('/api/auth/login', { username: 'carol', password: 'Carol-Pass1!' })).status).toBe(200);
  });
});
