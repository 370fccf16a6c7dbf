import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client } from '../helpers/http.js';
import { insertSeries, seriesByKey } from '../../backend/src/library/repo.js';
import { scanDisk } from '../../backend/src/library/scanner.js';
import { sql } from '../../backend/src/db/pool.js';
import type { EpisodeInfo } from '../../frontend/src/api/types.ts';

// The disk half of a rescan skips folders whose mtimes did not change: these tests check that
// whatever a user does inside a series folder is still seen, and that untouched folders are not listed.
let srv: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  srv = await startTestServer();
  api = client(srv.url);
});
afterAll(async () => {
  await srv?.stop();
});

const HOUR_AGO = Date.now() / 1000 - 3600;
const file = (rel: string) => path.join(srv.animeDir, rel);
const touch = (rel: string) => {
  fs.mkdirSync(path.dirname(file(rel)), { recursive: true });
  fs.writeFileSync(file(rel), 'x');
};
/** Folders as an existing library has them: last changed an hour ago. */
const age = (...rels: string[]) => {
  for (const rel of rels) fs.utimesSync(file(rel), HOUR_AGO, HOUR_AGO);
};
const mtime = (rel: string) => fs.statSync(file(rel)).mtimeMs;
const scan = () => scanDisk(srv.deps);

/** The episodes with a file, as `season-episode=path`. */
async function onDisk(key: string): Promise<string[]> {
  const res = await api.get(`/api/anime/${key}`);
  expect(res.status).toBe(200);
  return res.body.episode_list
    .filter((e: EpisodeInfo) => e.is_downloaded)
    .map((e: EpisodeInfo) => `${e.season}-${e.episode}=${e.file_path}`);
}

describe('library scanner: rescans skip unchanged folders and still see every change', () => {
  it('reads every folder once, then none while nothing changes', async () => {
    touch('Alpha/Season 01/Alpha S01E01.mkv');
    touch('Alpha/Season 01/Alpha S01E02.mkv');
    touch('Alpha/Season 02/Episode 01.mkv');
    touch('Beta/Beta S01E01.mp4');
    age('Alpha/Season 01', 'Alpha/Season 02', 'Alpha', 'Beta');
    for (const [key, folder] of [
      ['alpha', 'Alpha'],
      ['beta', 'Beta'],
    ]) {
      await insertSeries(srv.deps.db, { key, name: folder, site: 'aniworld.to', provider: 'aniworld', folder, link: '', year: null });
    }

    const first = await scan();
    expect(first).toMatchObject({ series: 2, read: 2, changed: 2, unmatched: [] });
    expect(await onDisk('alpha')).toEqual([
      '1-1=Season 01/Alpha S01E01.mkv',
      '1-2=Season 01/Alpha S01E02.mkv',
      '2-1=Season 02/Episode 01.mkv',
    ]);
    expect(await onDisk('beta')).toEqual(['1-1=Beta S01E01.mp4']);

    expect(await scan()).toMatchObject({ series: 2, read: 0, changed: 0, unchanged: 2 });
  });

  it('a file added inside Season 02 of an otherwise unchanged series is found', async () => {
    const before = mtime('Alpha');
    touch('Alpha/Season 02/Episode 02.mkv');
    expect(mtime('Alpha')).toBe(before); // only the Season 02 folder changed
    expect(await scan()).toMatchObject({ read: 1, changed: 1 });
    expect(await onDisk('alpha')).toContain('2-2=Season 02/Episode 02.mkv');
    expect(await onDisk('beta')).toEqual(['1-1=Beta S01E01.mp4']);
  });

  it('a file deleted inside a season folder is no longer downloaded', async () => {
    fs.rmSync(file('Alpha/Season 01/Alpha S01E02.mkv'));
    expect(await scan()).toMatchObject({ read: 1, changed: 1 });
    expect(await onDisk('alpha')).toEqual([
      '1-1=Season 01/Alpha S01E01.mkv',
      '2-1=Season 02/Episode 01.mkv',
      '2-2=Season 02/Episode 02.mkv',
    ]);
  });

  it('a renamed season folder moves its episodes to the new season', async () => {
    fs.renameSync(file('Alpha/Season 02'), file('Alpha/Season 03'));
    expect(await scan()).toMatchObject({ read: 1, changed: 1 });
    expect(await onDisk('alpha')).toEqual([
      '1-1=Season 01/Alpha S01E01.mkv',
      '3-1=Season 03/Episode 01.mkv',
      '3-2=Season 03/Episode 02.mkv',
    ]);
  });

  it('a file renamed inside a season folder is seen', async () => {
    age('Alpha/Season 03', 'Alpha/Season 01', 'Alpha');
    await scan();
    fs.renameSync(file('Alpha/Season 03/Episode 02.mkv'), file('Alpha/Season 03/Episode 05.mkv'));
    expect(await scan()).toMatchObject({ read: 1, changed: 1 });
    expect(await onDisk('alpha')).toEqual([
      '1-1=Season 01/Alpha S01E01.mkv',
      '3-1=Season 03/Episode 01.mkv',
      '3-5=Season 03/Episode 05.mkv',
    ]);
  });

  it('a renamed series folder (no key file) leaves the series without files and lists the new folder as unmatched', async () => {
    fs.renameSync(file('Beta'), file('Beta (2020)'));
    const res = await scan();
    expect(res).toMatchObject({ missingFolders: ['Beta'], unmatched: ['Beta (2020)'] });
    expect(await onDisk('beta')).toEqual([]);
    fs.renameSync(file('Beta (2020)'), file('Beta'));
    expect(await scan()).toMatchObject({ missingFolders: [], unmatched: [] });
    expect(await onDisk('beta')).toEqual(['1-1=Beta S01E01.mp4']);
  });

  it('on a file system with whole-second mtimes, a file added in the same second as the scan is still found', async () => {
    const second = Math.floor(Date.now() / 1000);
    fs.utimesSync(file('Beta'), second, second);
    await scan();
    touch('Beta/Beta S01E02.mp4');
    fs.utimesSync(file('Beta'), second, second); // the clock tick did not advance
    expect(await scan()).toMatchObject({ changed: 1 });
    expect(await onDisk('beta')).toEqual(['1-1=Beta S01E01.mp4', '1-2=Beta S01E02.mp4']);
  });

  it('a forced scan reads every folder; a series scan reads only its own', async () => {
    expect(await scanDisk(srv.deps, { force: true })).toMatchObject({ series: 2, read: 2, changed: 0 });
    touch('Alpha/Season 01/Alpha S01E03.mkv');
    touch('Beta/Beta S01E03.mp4');
    const alpha = (await seriesByKey(srv.deps.db, 'alpha'))!;
    expect(await scanDisk(srv.deps, { seriesIds: [alpha.id] })).toMatchObject({ series: 1, read: 1, changed: 1 });
    expect(await onDisk('alpha')).toContain('1-3=Season 01/Alpha S01E03.mkv');
    expect(await onDisk('beta')).not.toContain('1-3=Beta S01E03.mp4');
    expect(await scan()).toMatchObject({ changed: 1 }); // (Alpha is read again too: it changed a moment ago)
    expect(await onDisk('beta')).toContain('1-3=Beta S01E03.mp4');
  });

  it('changes other writers make between two scans (a series added, a folder state reset) are seen', async () => {
    touch('Gamma/Gamma S01E01.mkv');
    age('Gamma');
    await insertSeries(srv.deps.db, {
      key: 'gamma',
      name: 'Gamma',
      site: 'aniworld.to',
      provider: 'aniworld',
      folder: 'Gamma',
      link: '',
      year: null,
    });
    expect(await scan()).toMatchObject({ series: 3, changed: 1, unmatched: [] });
    expect(await onDisk('gamma')).toEqual(['1-1=Gamma S01E01.mkv']);

    age('Alpha/Season 01', 'Alpha/Season 03', 'Alpha', 'Beta', 'Gamma', '.');
    await scan();
    expect(await scan()).toMatchObject({ read: 0 });
    // as another process (or a finished download) does: this folder must be read again
    await srv.deps.db.query(sql.unsafe`update series set dir_fingerprint = null where key = 'gamma'`);
    expect(await scan()).toMatchObject({ read: 1, changed: 0 });
  });
});
