/**
 * Notification channels and media servers in a backup made without secrets: their URLs, tokens and
 * passwords are part of the configuration and kept (only the JWT secret, the API keys and the TMDB
 * key are left out), so a fresh install restored from the file notifies and refreshes at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { startReceiver, type FakeReceiver } from '../fakes/receiver.js';

let source: TestServer;
let fresh: TestServer;
let hooks: FakeReceiver;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-backup-channels-'));

beforeAll(async () => {
  hooks = await startReceiver();
  [source, fresh] = await Promise.all([startTestServer({ env: { ROLE: 'web' } }), startTestServer({ env: { ROLE: 'web' } })]);
}, 60_000);
afterAll(async () => {
  await source?.stop();
  await fresh?.stop();
  await hooks?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a backup without secrets and the notification channels', () => {
  it("keeps the channels' and media servers' secrets; a restored fresh install notifies with them", async () => {
    const { api, token } = await adminClient(source.url);
    const put = await api.put('/api/config', {
      tmdb: { api_key: '0123456789abcdef0123456789abcdef' },
      notifications: {
        webhooks: [
          { id: 'ntfy', type: 'ntfy', url: `${hooks.url}/ntfy/aniworld`, token: 's3cret-ntfy', events: ['download_completed'] },
          { id: 'disc', type: 'discord', url: `${hooks.url}/discord/123/s3cret-discord`, events: ['download_completed'] },
        ],
      },
      media_servers: { servers: [{ id: 'jelly', type: 'jellyfin', url: 'http://127.0.0.1:9', token: 's3cret-jelly' }] },
    });
    expect(put.status, put.text).toBe(200);

    const made = await api.post('/api/config/backups?include_secrets=false');
    expect(made.status, made.text).toBe(200);
    const dl = await fetch(`${source.url}/api/config/backups/${made.body.name}/download`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const file = path.join(tmp, made.body.name);
    fs.writeFileSync(file, Buffer.from(await dl.arrayBuffer()));

    // what the file holds: the channels as configured, no TMDB key, no JWT secret
    const dir = fs.mkdtempSync(path.join(tmp, 'x-'));
    await tar.x({ file, cwd: dir });
    expect(fs.existsSync(path.join(dir, 'jwt_secret'))).toBe(false);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config.tmdb.api_key).toBe(null);
    expect(config.notifications.webhooks).toEqual([
      expect.objectContaining({ id: 'ntfy', url: `${hooks.url}/ntfy/aniworld`, token: 's3cret-ntfy' }),
      expect.objectContaining({ id: 'disc', url: `${hooks.url}/discord/123/s3cret-discord` }),
    ]);
    expect(config.media_servers.servers).toEqual([expect.objectContaining({ id: 'jelly', token: 's3cret-jelly' })]);

    // a fresh install takes the file and restores it
    const fresher = await adminClient(fresh.url);
    const up = await fetch(`${fresh.url}/api/config/backups/upload`, {
      method: 'POST',
      body: new Uint8Array(fs.readFileSync(file)),
      headers: { Authorization: `Bearer ${fresher.token}`, 'Content-Type': 'application/gzip' },
    });
    const uploaded = (await up.json()) as { name: string };
    expect(up.status).toBe(201);
    const restored = await fresher.api.post(`/api/config/backups/${uploaded.name}/restore`);
    expect(restored.status, restored.text).toBe(200);
    expect(restored.body.secrets_restored).toBe(false);

    // sessions ended: sign in with the restored admin; the channels work with their tokens
    const login = await client(fresh.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
    const admin = client(fresh.url, login.body.access_token);
    hooks.received.length = 0;
    const ntfy = await admin.post('/api/notifications/channels/ntfy/test');
    expect(ntfy.status, ntfy.text).toBe(200);
    expect(hooks.at('/ntfy/aniworld')[0].headers.authorization).toBe('Bearer s3cret-ntfy');
    const disc = await admin.post('/api/notifications/channels/disc/test');
    expect(disc.status, disc.text).toBe(200);
    expect(hooks.at('/discord/123/s3cret-discord')).toHaveLength(1);
    // the API still masks them
    expect((await admin.get('/api/config')).text).not.toMatch(/s3cret/);
  });
});
