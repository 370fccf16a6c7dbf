import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSeriesCreated, KEY_FILE } from '../../backend/src/library/service.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * `.aniworld-key` is written like every other path built from a name: its real path must stay in
 * the library. A series folder that is a link to a folder outside gets no key file there.
 */
let srv: TestServer;
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-outside-'));

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
  fs.rmSync(outside, { recursive: true, force: true });
});

const add = (key: string, folder: string) =>
  ensureSeriesCreated(srv.deps, { key, name: folder, link: `https://aniworld.to/anime/stream/${key}`, provider: 'aniworld', folder });

it('writes the key file in a plain series folder, never through a link that leads out of the library', async () => {
  fs.mkdirSync(path.join(srv.animeDir, 'Plain Show'));
  expect((await add('plain-show', 'Plain Show')).created).toBe(true);
  expect(fs.readFileSync(path.join(srv.animeDir, 'Plain Show', KEY_FILE), 'utf8')).toBe('aniworld:plain-show\n');

  fs.symlinkSync(outside, path.join(srv.animeDir, 'Linked Show'));
  expect((await add('linked-show', 'Linked Show')).created).toBe(true);
  expect(fs.readdirSync(outside)).toEqual([]);
  expect(srv.logs()).toMatch(/the \.aniworld-key file.*outside|outside.*the \.aniworld-key file/);
  expect(srv.logs()).toContain('cannot write .aniworld-key');
});
