import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';

// A config.json truncated (a crash mid-write by another tool, a full disk) must not stop start-up.
let srv: TestServer;
afterAll(async () => {
  await srv?.stop();
});

describe('a truncated config.json at start-up', () => {
  it('falls back to the newest valid backup with a loud warning and keeps the bad file beside it', async () => {
    srv = await startTestServer();
    const { api } = await adminClient(srv.url);
    expect((await api.put('/api/config', { downloads: { max_parallel_downloads: 3 } })).status).toBe(200);
    expect((await api.post('/api/config/backups')).status).toBe(200);
    await srv.stop();
    const file = path.join(srv.dataDir, 'config.json');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));

    srv = await srv.restart();
    expect(srv.deps.settings.get().downloads.max_parallel_downloads).toBe(3);
    expect(srv.logs()).toMatch(/CONFIG\.JSON WAS UNREADABLE: started with the configuration of backup/);
    const kept = fs.readdirSync(srv.dataDir).filter((f) => f.startsWith('config.json.bad-'));
    expect(kept).toHaveLength(1);
    expect(fs.readFileSync(path.join(srv.dataDir, kept[0]!), 'utf8')).toBe(text.slice(0, Math.floor(text.length / 2)));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).downloads.max_parallel_downloads).toBe(3);
  });
});
