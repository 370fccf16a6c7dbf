import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { animeDirectoryProblem } from '../../backend/src/util/animeDirectory.js';
import { loadEnv } from '../../backend/src/config.js';

/** anime_directory: absolute, creatable, never `/`, a system folder, DATA_DIR or a folder above it. */
let srv: TestServer;
let api: Awaited<ReturnType<typeof adminClient>>['api'];

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
});

describe('the rule', () => {
  it('refuses the root, system folders, DATA_DIR and its parents; the default DATA_DIR/anime is fine', () => {
    const data = '/srv/aniworld/data';
    for (const bad of ['/', '/etc', '/usr/local/anime', '/proc/self', '/home', '/srv', '/srv/aniworld', data, 'relative/anime']) {
      expect(animeDirectoryProblem(bad, data), bad).not.toBeNull();
    }
    for (const good of [`${data}/anime`, '/anime', '/srv/anime', '/home/me/Anime', '/mnt/nas/anime']) {
      expect(animeDirectoryProblem(good, data), good).toBeNull();
    }
  });

  it('applies to ANIME_DIR at start', () => {
    expect(() => loadEnv({ DATA_DIR: '/srv/aniworld/data', ANIME_DIR: '/srv/aniworld' })).toThrow(/ANIME_DIR: .*DATA_DIR/);
    expect(() => loadEnv({ DATA_DIR: '/srv/aniworld/data', ANIME_DIR: '/' })).toThrow(/ANIME_DIR/);
    expect(loadEnv({ DATA_DIR: '/srv/aniworld/data', ANIME_DIR: '/srv/aniworld/data/anime' }).ANIME_DIR).toBe('/srv/aniworld/data/anime');
  });
});

describe('every way to set it', () => {
  it('the setup wizard refuses a bad folder and creates nothing', async () => {
    const anon = client(srv.url);
    for (const dir of ['/', srv.dataDir, path.dirname(srv.dataDir), '/etc']) {
      const res = await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD, anime_directory: dir });
      expect(res.status, dir).toBe(400);
      expect(res.body.details).toHaveProperty('anime_directory');
    }
    expect((await anon.get('/api/auth/status')).body.configured).toBe(false);
    ({ api } = await adminClient(srv.url));
  });

  it('PUT /api/config, the directory route and a restored config are checked the same way', async () => {
    const before = (await api.get('/api/config')).body.anime_directory;
    const link = path.join(srv.dataDir, 'anime', 'sneaky');
    fs.symlinkSync('/etc', link);
    for (const dir of ['/', srv.dataDir, path.dirname(srv.dataDir), '/usr/share', link, 'relative']) {
      const put = await api.put('/api/config', { anime_directory: dir });
      expect(put.status, `PUT ${dir}`).toBe(400);
      expect(put.body.details).toHaveProperty('anime_directory');
      const route = await api.post('/api/config/directory', { directory: dir });
      expect(route.status, `directory ${dir}`).toBe(400);
      expect(route.body.details).toHaveProperty('directory');
    }
    expect((await api.get('/api/config')).body.anime_directory).toBe(before);
    const fresh = path.join(srv.dataDir, 'anime', 'new', 'library');
    expect((await api.put('/api/config', { anime_directory: fresh })).status).toBe(200);
    expect(fs.statSync(fresh).isDirectory()).toBe(true); // created
    const file = path.join(srv.dataDir, 'a-file');
    fs.writeFileSync(file, 'x');
    expect((await api.post('/api/config/directory', { directory: file })).status).toBe(400);
  });
});
