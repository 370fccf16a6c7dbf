import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { queueRescan } from '../../backend/src/library/tasks.js';
import { runRescan, SITE_DOWN_AFTER } from '../../backend/src/library/rescan.js';
import {
  ensureSeries,
  findSeries,
  markEpisodeDownloaded,
  missingEpisodes,
  recordEpisodeLanguages,
  seriesFolderPath,
} from '../../backend/src/library/service.js';
import type { EpisodeInfo } from '../../frontend/src/api/types.ts';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let fake: FakeAniworld;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  fake = await startFakeAniworld({ series: [simpleSeries('bocchi', 'Bocchi the Rock!', { 1: 3 }, { year: 2022 })] });
  // TMDB pointed at a closed local port: nfo_create jobs fail without leaving the machine
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url, TMDB_API_URL: 'http://127.0.0.1:9/3' } });
  ({ api } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

async function sqlQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: srv.databaseUrl });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

describe('library jobs and the service other domains use', () => {
  it('ensureSeries creates row + folder once; markEpisodeDownloaded and missingEpisodes agree', async () => {
    const input = { key: 'bocchi', name: 'Bocchi the Rock!', link: `${fake.url}/anime/stream/bocchi`, provider: 'aniworld', year: 2022 };
    const row = await ensureSeries(srv.deps, input);
    const again = await ensureSeries(srv.deps, { ...input, name: 'Other Name' });
    expect(again.id).toBe(row.id);
    expect(row.folder).toBe('Bocchi the Rock! (2022)'); // Name (Year), as search results show it
    const dir = seriesFolderPath(srv.deps, row);
    expect(dir).toBe(path.join(srv.animeDir, 'Bocchi the Rock! (2022)'));
    expect(fs.statSync(dir).isDirectory()).toBe(true);

    // series_scan job: reads the catalogue
    await srv.deps.jobs.add('series_scan', { key: 'bocchi' });
    await until(async () => (await missingEpisodes(srv.deps, 'bocchi')).length === 3, 'three missing episodes');

    fs.mkdirSync(path.join(dir, 'Season 01'));
    fs.writeFileSync(path.join(dir, 'Season 01', 'Bocchi the Rock! - S01E02.mkv'), 'video');
    await markEpisodeDownloaded(srv.deps, {
      seriesId: row.id,
      season: 1,
      episode: 2,
      filePath: path.join(dir, 'Season 01', 'Bocchi the Rock! - S01E02.mkv'),
      fileSize: 5,
    });
    expect((await missingEpisodes(srv.deps, 'bocchi')).map((m) => m.episode)).toEqual([1, 3]);
    const detail = await api.get('/api/anime/bocchi');
    expect(detail.body.episode_list.find((e: EpisodeInfo) => e.episode === 2)).toMatchObject({
      is_downloaded: true,
      file_path: 'Season 01/Bocchi the Rock! - S01E02.mkv',
      file_size: 5,
    });
    await recordEpisodeLanguages(srv.deps, {
      seriesId: row.id,
      season: 1,
      episode: 1,
      languages: ['german_sub', 'german_dub', 'german_sub'],
    });
    expect((await api.get('/api/anime/bocchi')).body.episode_list[0]).toMatchObject({
      episode: 1,
      languages: ['german_dub', 'german_sub'],
    });
    await expect(
      markEpisodeDownloaded(srv.deps, { seriesId: row.id, season: 1, episode: 3, filePath: '../../etc/passwd', fileSize: 1 }),
    ).rejects.toThrow(/leaves its root/);
    expect(await findSeries(srv.deps, 'nope')).toBeNull();

    // a folder of that name on disk that belongs to another series is left alone
    fs.mkdirSync(path.join(srv.animeDir, 'Lain (2031)'));
    fs.writeFileSync(path.join(srv.animeDir, 'Lain (2031)', '.aniworld-key'), 'aniworld:serial-experiments-lain\n');
    const other = await ensureSeries(srv.deps, {
      key: 'lain-remake',
      name: 'Lain',
      link: `${fake.url}/anime/stream/lain-remake`,
      provider: 'aniworld',
      year: 2031,
    });
    expect(other.folder).toBe('Lain [lain-remake]');
  });

  it('library_rescan is keyed: two requests while one waits leave one job', async () => {
    const later = new Date(Date.now() + 3_600_000);
    await queueRescan(srv.deps, { trigger: 'a' }, later);
    await queueRescan(srv.deps, { trigger: 'b', auto_download: true }, later);
    const rows = await sqlQuery<{ payload: unknown }>(`select payload from graphile_worker._private_jobs where key = 'library_rescan'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].payload).toEqual({ trigger: 'b', auto_download: true });
    await srv.deps.jobs.remove('library_rescan');
  });

  it('a rescan never runs while another holds the library lock; it runs once the lock is free', async () => {
    const holder = new pg.Client({ connectionString: srv.databaseUrl });
    await holder.connect();
    await holder.query('select pg_advisory_lock($1)', [0x616e6931]);
    const before = (await api.get('/api/anime/bocchi')).body.last_scanned_at;
    const skipped = () => srv.logs().split('already running').length - 1;
    const skippedBefore = skipped();
    await queueRescan(srv.deps, { trigger: 'locked' });
    // the rescan job ran and stepped aside (the lock holder is "running"): nothing was scanned
    await until(() => skipped() > skippedBefore, 'the rescan stepping aside');
    expect((await api.get('/api/anime/bocchi')).body.last_scanned_at).toBe(before);
    await holder.query('select pg_advisory_unlock($1)', [0x616e6931]);
    await holder.end();
    await until(async () => (await api.get('/api/anime/bocchi')).body.last_scanned_at !== before, 'a new last_scanned_at');
  });

  it('a rescan stops asking a site that blocks every series; each series still gets its error', async () => {
    for (let i = 0; i < 12; i++) {
      await ensureSeries(srv.deps, {
        key: `filler-${i}`,
        name: `Filler ${i}`,
        link: `${fake.url}/anime/stream/filler-${i}`,
        provider: 'aniworld',
      });
    }
    fake.setMode('forbidden');
    try {
      const before = fake.requests.length;
      const summary = await runRescan(srv.deps, { trigger: 'test' });
      const asked = fake.requests.slice(before).filter((r) => r.startsWith('GET /anime/stream/')).length;
      expect(summary.failures).toHaveLength(summary.series);
      expect(summary.series).toBeGreaterThan(12);
      expect(asked).toBeLessThan(SITE_DOWN_AFTER + 4); // the streak, plus what was already in flight
      const skipped = summary.failures.filter((f) => f.error === 'skipped: ProviderBlocked: aniworld answered with 403 Forbidden');
      expect(skipped.length).toBe(summary.series - asked);
      expect((await api.get('/api/anime/filler-11')).body.scan_error).toMatch(/ProviderBlocked/);
    } finally {
      fake.setMode('ok');
    }
  });

  it('an anime directory that lost every series folder (unmounted disk) changes nothing', async () => {
    const root = srv.animeDir;
    const aside = `${root}-aside`;
    fs.renameSync(root, aside);
    fs.mkdirSync(root);
    try {
      const err = await runRescan(srv.deps, { trigger: 'test' }).catch((e) => e);
      expect(err.message).toMatch(/is the disk mounted\? Nothing was changed/);
      const detail = await api.get('/api/anime/bocchi');
      expect(detail.body.episode_list.find((e: EpisodeInfo) => e.episode === 2).is_downloaded).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true });
      fs.renameSync(aside, root);
    }
  });

  it('adding a series queues nfo_create only when TMDB is configured', async () => {
    fake.addSeries(simpleSeries('yuru-camp', 'Yuru Camp', { 1: 1 }));
    expect((await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/yuru-camp`, name: 'Yuru Camp' })).status).toBe(200);
    await srv.deps.settings.update({ tmdb: { api_key: 'test-key' }, nfo: { create_on_add: true } });
    fake.addSeries(simpleSeries('k-on', 'K-On!', { 1: 1 }));
    const res = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/k-on`, name: 'K-On!' });
    expect(res.status).toBe(200);
    // the metadata task ran for it (and failed against the closed TMDB port)
    await until(() => /"task":"nfo_create","key":"k-on"/.test(srv.logs()), 'the nfo_create job for k-on');
    expect(srv.logs()).not.toMatch(/"task":"nfo_create","key":"yuru-camp"/);
  });
});
