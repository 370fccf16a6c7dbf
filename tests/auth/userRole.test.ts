import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/http.js';
import { addSeries, startEnv, status, type Env } from '../downloads/helpers.js';
import { queueEpisodes } from '../../backend/src/downloads/service.js';
import type { DownloadItem } from '../../frontend/src/api/types.ts';

/** A second account of role `user`, tried as a new user would try it. */
let env: Env;
let kid: ReturnType<typeof client>;
let kidId: number;

const ep = (episode: number) => ({ episode, title: `Folge ${episode}`, sources: [] });

beforeAll(async () => {
  env = await startEnv();
  const created = await env.api.post('/api/users', { username: 'kid', password: 'Kid-pass-123!' });
  expect(created.body.role).toBe('user');
  kidId = created.body.id;
  const login = await client(env.srv.url).post('/api/auth/login', { username: 'kid', password: 'Kid-pass-123!' });
  kid = client(env.srv.url, login.body.access_token);
  await addSeries(env, 'shared', 'Shared', [ep(1), ep(2), ep(3), ep(4)]);
  expect((await env.api.post('/api/queue/stop')).status).toBe(200); // items stay pending
});
afterAll(async () => {
  await env?.close();
});

describe('a user account', () => {
  it('gets 403 FORBIDDEN for every administrator operation', async () => {
    const adminOps: [string, string, unknown?][] = [
      ['PUT', '/api/config', { providers: { aniworld: { base_url: 'http://169.254.169.254' } } }],
      ['POST', '/api/config/validate', {}],
      ['GET', '/api/config'],
      ['POST', '/api/config/directory', { directory: '/' }],
      ['POST', '/api/scheduler/config', { enabled: false }],
      ['PUT', '/api/watchlist/settings', {}],
      ['GET', '/api/config/backups'],
      ['POST', '/api/config/backups', {}],
      ['POST', '/api/config/backups/config_backup_x.json/restore', {}],
      ['DELETE', '/api/config/backups/config_backup_x.json'],
      ['GET', '/api/config/backups/config_backup_x.json/download'],
      ['POST', '/api/config/backups/upload', {}],
      ['GET', '/api/users'],
      ['POST', '/api/users', { username: 'mallory', password: 'Mallory-Pass1!' }],
      ['PUT', '/api/users/1/password', { password: 'Hacked-Pass1!' }],
      ['DELETE', '/api/users/1'],
      ['GET', '/api/library/unmatched'],
      ['POST', '/api/library/import', {}],
      ['POST', '/api/anime/add', { link: 'x', name: 'x' }],
      ['DELETE', '/api/anime/shared'],
      ['DELETE', '/api/anime/shared?delete_files=true'],
      ['POST', '/api/anime/rescan', {}],
      ['POST', '/api/scheduler/trigger-rescan', {}],
      ['POST', '/api/queue/start', {}],
      ['POST', '/api/queue/stop', {}],
      ['POST', '/api/queue/pause', {}],
      ['DELETE', '/api/queue/completed'],
      ['DELETE', '/api/queue/failed'],
      ['DELETE', '/api/queue/pending'],
      ['POST', '/api/queue/reorder', { item_ids: ['00000000-0000-4000-8000-000000000000'] }],
      ['POST', '/api/tasks/rescan/run', {}],
      ['POST', '/api/watchlist/scheduler/start', {}],
      ['POST', '/api/watchlist/scheduler/stop', {}],
      ['POST', '/api/nfo/batch/create', {}],
      ['POST', '/api/nfo/shared/create', {}],
      ['PUT', '/api/nfo/shared/update', {}],
      ['POST', '/api/nfo/shared/media/download', {}],
    ];
    for (const [method, p, body] of adminOps) {
      const res = await kid.call(method, p, body);
      expect(res.status, `${method} ${p}`).toBe(403);
      expect(res.body).toMatchObject({ success: false, error: 'FORBIDDEN', request_id: expect.any(String) });
    }
    // nothing changed: the series is still there, the config untouched
    expect((await env.api.get('/api/anime/shared')).status).toBe(200);
    expect((await env.api.get('/api/config')).body.providers.aniworld.base_url).not.toMatch(/169\.254/);
  });

  it('reads the library, the queue and the tasks', async () => {
    for (const p of [
      '/api/anime',
      '/api/anime/status',
      '/api/anime/shared',
      '/api/queue/status',
      '/api/tasks',
      '/api/health/detailed',
      '/api/users/me',
    ]) {
      expect((await kid.get(p)).status, p).toBe(200);
    }
  });

  it('changes and removes only the queue items they added', async () => {
    const mine = (await kid.post('/api/queue/add', { serie_id: 'shared', episodes: [{ season: 1, episode: 1 }] })).body.added_items[0];
    const mine2 = (await kid.post('/api/queue/add', { serie_id: 'shared', episodes: [{ season: 1, episode: 4 }] })).body.added_items[0];
    const admins = (await env.api.post('/api/queue/add', { serie_id: 'shared', episodes: [{ season: 1, episode: 2 }] })).body
      .added_items[0];
    const system = (await queueEpisodes(env.srv.deps, { serie_id: 'shared', episodes: [{ season: 1, episode: 3 }], source: 'rescan' }))
      .added_items[0]!;
    const pending = (await status(env)).status.pending_queue;
    expect(pending.find((i: DownloadItem) => i.id === mine)!.added_by).toBe(kidId);
    expect(pending.find((i: DownloadItem) => i.id === system)!.added_by).toBeNull();

    for (const other of [admins, system]) {
      const patch = await kid.call('PATCH', `/api/queue/${other}`, { priority: 'HIGH' });
      expect(patch.status).toBe(403);
      expect(patch.body.error).toBe('FORBIDDEN');
      expect((await kid.del(`/api/queue/${other}`)).status).toBe(403);
    }
    // a batch with one foreign item removes nothing
    const batch = await kid.del('/api/queue', { item_ids: [mine2, admins] });
    expect(batch.status, batch.text).toBe(403);
    expect((await kid.call('PATCH', `/api/queue/${mine}`, { priority: 'HIGH' })).status).toBe(200);
    expect((await kid.del(`/api/queue/${mine}`)).status).toBe(204);
    expect((await kid.del('/api/queue', { item_ids: [mine2] })).status).toBe(204);
    const left = (await status(env)).status.pending_queue.map((i: DownloadItem) => i.id).sort();
    expect(left).toEqual([admins, system].sort());
    // the administrator changes anyone's
    expect((await env.api.del(`/api/queue/${system}`)).status).toBe(204);
    expect((await env.api.del('/api/queue', { item_ids: [admins] })).status).toBe(204);
  });
});
