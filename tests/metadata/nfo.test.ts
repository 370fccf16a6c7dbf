import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { FAKE_TMDB_KEY, FAKE_TMDB_V4, startFakeTmdb, type FakeTmdb } from '../fakes/tmdb.js';
import { parseNfo } from '../../backend/src/metadata/nfoXml.js';
import { sql } from '../../backend/src/db/pool.js';
import { kodiStatus } from '../../backend/src/metadata/nfoMapping.js';
import { addEpisodeRow, addSeries, placeVideo, snapshot, xmllint } from './helpers.js';
import { queueSeriesNfo } from '../../backend/src/metadata/service.js';
import type { Loose } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let tmdb: FakeTmdb;
let aniworld: FakeAniworld;
let api: Awaited<ReturnType<typeof adminClient>>['api'];
let aot: string;

const setKey = (key: string | null) => srv.deps.settings.update({ tmdb: { api_key: key } });
const read = (f: string) => fs.readFileSync(f, 'utf8');

beforeAll(async () => {
  tmdb = await startFakeTmdb();
  aniworld = await startFakeAniworld({ series: [simpleSeries('titan-added', 'Attack on Titan', { 1: 1 }, { year: 2013 })] });
  srv = await startTestServer({ env: { TMDB_API_URL: tmdb.apiUrl, TMDB_IMAGE_URL: tmdb.imageUrl, ANIWORLD_URL: aniworld.url } });
  ({ api } = await adminClient(srv.url));
  aot = await addSeries(srv, { key: 'attack-on-titan', name: 'Attack on Titan', folder: 'Attack on Titan (2013)', year: 2013 });
  await placeVideo(path.join(aot, 'Attack on Titan - S01E01 - Der Fall.mkv'));
  await placeVideo(path.join(aot, 'Attack on Titan - S01E02.mkv'));
  await placeVideo(path.join(aot, 'Attack on Titan - S01E02-E03 (Doppelfolge).mkv')); // one file, two episodes
  await placeVideo(path.join(aot, 'Specials', 'Attack on Titan - S00E01.mp4'));
  await placeVideo(path.join(aot, 'Attack on Titan - S09E01.mkv')); // not on TMDB
  await placeVideo(path.join(aot, 'Season 2', 'ep1.mkv')); // known only from the library's row
  await addEpisodeRow(srv, 'attack-on-titan', 2, 1, 'Season 2/ep1.mkv');
});

afterAll(async () => {
  await srv?.stop();
  await tmdb?.close();
  await aniworld?.close();
});

describe('without a TMDB key', () => {
  it('answers 503 on the NFO endpoints that need TMDB', async () => {
    for (const [method, p, body] of [
      ['GET', '/api/nfo/attack-on-titan/check'],
      ['POST', '/api/nfo/attack-on-titan/create', {}],
      ['GET', '/api/nfo/missing'],
      ['POST', '/api/nfo/batch/create', { serie_ids: ['attack-on-titan'] }],
    ] as const) {
      const res = await api.call(method, p, body);
      expect(res.status, p).toBe(503);
      expect(res.body.message).toMatch(/TMDB API key is not configured/);
    }
    expect(tmdb.requests).toHaveLength(0);
  });
});

describe('TMDB errors', () => {
  it('maps 401 to 503 "TMDB API key rejected" and never logs a key', async () => {
    await addSeries(srv, { key: 'batch-show-50', name: 'Batch Show 50', folder: 'Batch Show 50' });
    await setKey('ffffffffffffffffffffffffffffffff');
    const res = await api.post('/api/nfo/batch-show-50/create', {});
    expect(res.status).toBe(503);
    expect(res.body.message).toBe('TMDB API key rejected');
    expect(res.body.details).toMatchObject({ tmdb_status: 401, tmdb_status_code: 7 });
    expect(fs.existsSync(path.join(srv.animeDir, 'Batch Show 50', 'tvshow.nfo'))).toBe(false);
    expect(srv.logs()).not.toContain('ffffffffffffffffffffffffffffffff');
  });

  it('waits as told by Retry-After on 429 and then succeeds', async () => {
    await setKey(FAKE_TMDB_KEY);
    tmdb.reset();
    tmdb.rateLimitNext(1, 1);
    const res = await api.post('/api/nfo/batch-show-50/create', { download_poster: false, download_logo: false, download_fanart: false });
    expect(res.status).toBe(200);
    const [limited, retried] = tmdb.requests;
    expect(limited.status).toBe(429);
    expect(retried).toMatchObject({ path: limited.path, status: 200 });
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(950);
  });

  it('answers 404 for an unknown TMDB id and for an unknown series', async () => {
    await addSeries(srv, { key: 'nowhere', name: 'Nowhere', folder: 'Nowhere' });
    const unknownId = await api.post('/api/nfo/nowhere/create', { tmdb_id: 999999 });
    expect(unknownId.status).toBe(404);
    expect(unknownId.body.details).toMatchObject({ tmdb_status_code: 34 });
    const unknownSeries = await api.post('/api/nfo/no-such-series/create', {});
    expect(unknownSeries.status).toBe(404);
    expect(unknownSeries.body.message).toMatch(/Series 'no-such-series' not found/);
    expect((await api.get('/api/nfo/no-such-series/check')).status).toBe(404);
  });

  it('sends a v4 read token as a Bearer header instead of api_key', async () => {
    await addSeries(srv, { key: 'batch-show-51', name: 'Batch Show 51', folder: 'Batch Show 51' });
    await setKey(FAKE_TMDB_V4);
    tmdb.reset();
    const res = await api.post('/api/nfo/batch-show-51/create', { download_poster: false, download_logo: false, download_fanart: false });
    expect(res.status).toBe(200);
    expect(tmdb.requests.length).toBeGreaterThan(0);
    for (const r of tmdb.requests) {
      expect(r.authorization).toBe(`Bearer ${FAKE_TMDB_V4}`);
      expect(r.query.api_key).toBeUndefined();
    }
    expect(srv.logs()).not.toContain(FAKE_TMDB_V4);
    await setKey(FAKE_TMDB_KEY);
  });
});

describe('a series with seasons, specials and episodes on disk', () => {
  let created: Loose;
  beforeAll(async () => {
    await setKey(FAKE_TMDB_KEY);
    tmdb.reset();
    created = await api.post('/api/nfo/attack-on-titan/create', {});
  });

  it('answers with the spec shape', () => {
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({
      serie_id: 'attack-on-titan',
      serie_folder: 'Attack on Titan (2013)',
      nfo_path: path.join(aot, 'tvshow.nfo'),
      media_files: {
        has_poster: true,
        has_logo: true,
        has_fanart: true,
        poster_path: path.join(aot, 'poster.jpg'),
        logo_path: path.join(aot, 'logo.png'),
        fanart_path: path.join(aot, 'fanart.jpg'),
      },
      message: 'NFO and media files created successfully',
      tmdb_id: 1429,
    });
    expect(created.body.warnings.join('\n')).toMatch(/season 9: not on TMDB/);
    const search = tmdb.requests.find((r) => r.path === '/search/tv')!;
    expect(search.query).toMatchObject({
      query: 'Attack on Titan',
      first_air_date_year: '2013',
      language: 'de-DE',
      include_adult: 'false',
    });
    const tv = tmdb.requests.find((r) => r.path === '/tv/1429' && r.query.append_to_response)!;
    expect(tv.query).toMatchObject({
      append_to_response: 'credits,external_ids,images,content_ratings,keywords',
      include_image_language: 'de,en,null',
    });
  });

  it('writes a well-formed tvshow.nfo with the elements Kodi reads', async () => {
    const file = path.join(aot, 'tvshow.nfo');
    xmllint(file);
    const t: Loose = (await parseNfo(read(file))).tvshow;
    expect(t.title[0]).toBe('Attack on Titan');
    expect(t.originaltitle[0]).toBe('進撃の巨人');
    expect(t.plot[0]).toMatch(/^Seit Jahrhunderten lebt die Menschheit/);
    expect(t.outline[0]).toBe('Seit Jahrhunderten lebt die Menschheit hinter gewaltigen Mauern, die sie vor den Titanen schützen.');
    expect(t.premiered[0]).toBe('2013-04-07');
    expect(t.year).toBeUndefined();
    expect(t.status[0]).toBe('Ended');
    expect(t.mpaa[0]).toBe('FSK 16');
    expect(t.studio).toEqual(['Fuji TV']);
    expect(t.genre).toEqual(['Animation', 'Action & Adventure', 'Sci-Fi & Fantasy']);
    expect(t.tag).toEqual(['dystopia', 'based on manga']);
    expect(t.country).toEqual(['Japan']);
    expect(t.runtime[0]).toBe('24');
    expect(t.ratings[0].rating[0]).toEqual({ $: { name: 'tmdb', max: '10', default: 'true' }, value: ['8.7'], votes: ['6712'] });
    expect(t.uniqueid).toEqual([
      { _: '1429', $: { type: 'tmdb', default: 'true' } },
      { _: 'tt2560140', $: { type: 'imdb' } },
      { _: '267440', $: { type: 'tvdb' } },
    ]);
    expect(JSON.parse(t.episodeguide[0])).toEqual({ tmdb: '1429', imdb: 'tt2560140', tvdb: '267440' });
    expect(t.namedseason).toEqual([
      { _: 'Specials', $: { number: '0' } },
      { _: 'Staffel 1', $: { number: '1' } },
      { _: 'Staffel 2', $: { number: '2' } },
    ]);
    expect(t.actor[0]).toEqual({
      name: ['Yuki Kaji'],
      role: ['Eren Yeager (voice)'],
      order: ['0'],
      thumb: [`${tmdb.imageUrl}/original/kaji.jpg`],
    });
    expect(t.actor[1].thumb).toBeUndefined();
    const thumbs = t.thumb.map((x: Loose) => [x.$.aspect, x.$.season ?? null, x._]);
    expect(thumbs).toEqual([
      ['poster', null, `${tmdb.imageUrl}/original/aot-poster-de.jpg`],
      ['clearlogo', null, `${tmdb.imageUrl}/original/aot-logo-en.png`],
      ['landscape', null, `${tmdb.imageUrl}/original/aot-backdrop-text-de.jpg`],
      ['poster', '0', `${tmdb.imageUrl}/original/aot-season0.jpg`],
      ['poster', '1', `${tmdb.imageUrl}/original/aot-season1.jpg`],
    ]);
    expect(t.fanart[0].thumb).toEqual([`${tmdb.imageUrl}/original/aot-backdrop-clean.jpg`]);
    expect(t.dateadded[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('saves the artwork bytes the image server sent, at the configured sizes', async () => {
    const expectBytes = async (file: string, src: string) =>
      expect(fs.readFileSync(path.join(aot, file)).equals(await tmdb.imageBytes(src)), file).toBe(true);
    await expectBytes('poster.jpg', '/aot-poster-de.jpg');
    await expectBytes('fanart.jpg', '/aot-backdrop-clean.jpg');
    await expectBytes('landscape.jpg', '/aot-backdrop-text-de.jpg');
    await expectBytes('clearlogo.png', '/aot-logo-en.png');
    await expectBytes('logo.png', '/aot-logo-en.png');
    await expectBytes('season-specials-poster.jpg', '/aot-season0.jpg');
    await expectBytes('season01-poster.jpg', '/aot-season1.jpg');
    await expectBytes('Attack on Titan - S01E01 - Der Fall-thumb.jpg', '/aot-s01e01.jpg');
    await expectBytes('Specials/Attack on Titan - S00E01-thumb.jpg', '/aot-s00e01.jpg');
    // season fanart where TMDB has a backdrop for the season (textless first); none for season 2
    await expectBytes('season01-fanart.jpg', '/aot-s1-backdrop-clean.jpg');
    expect(fs.existsSync(path.join(aot, 'season02-fanart.jpg'))).toBe(false);
    expect(fs.existsSync(path.join(aot, 'season-specials-fanart.jpg'))).toBe(false);
    expect(fs.existsSync(path.join(aot, 'season02-poster.jpg'))).toBe(false); // TMDB has none
    expect(fs.existsSync(path.join(aot, 'banner.jpg'))).toBe(false); // TMDB has no banners
    expect(fs.existsSync(path.join(aot, 'Attack on Titan - S01E02-thumb.jpg'))).toBe(false); // no still
    const sizes = Object.fromEntries(tmdb.imageRequests().map((r) => [r.file, r.size]));
    expect(sizes).toMatchObject({
      '/aot-poster-de.jpg': 'w780',
      '/aot-season1.jpg': 'w780',
      '/aot-backdrop-clean.jpg': 'w1280',
      '/aot-s1-backdrop-clean.jpg': 'w1280',
      '/aot-logo-en.png': 'original',
      '/aot-s01e01.jpg': 'original',
    });
  });

  it('writes episode NFOs beside the videos, with English text where German is missing', async () => {
    const ep = async (rel: string) => {
      xmllint(path.join(aot, rel));
      return ((await parseNfo(read(path.join(aot, rel)))) as Loose).episodedetails;
    };
    const e1 = await ep('Attack on Titan - S01E01 - Der Fall.nfo');
    expect(e1.title[0]).toBe('An dich, in 2000 Jahren: Der Fall von Shiganshina (1)');
    expect(e1.showtitle[0]).toBe('Attack on Titan');
    expect([e1.season[0], e1.episode[0], e1.aired[0], e1.runtime[0]]).toEqual(['1', '1', '2013-04-07', '25']);
    expect(e1.uniqueid[0]).toEqual({ _: '63056', $: { type: 'tmdb', default: 'true' } });
    expect(e1.thumb[0]).toBe(`${tmdb.imageUrl}/original/aot-s01e01.jpg`);
    expect(e1.ratings[0].rating[0].$).toEqual({ name: 'tmdb', max: '10', default: 'true' });
    const e2 = await ep('Attack on Titan - S01E02.nfo');
    expect(e2.title[0]).toBe('That Day: The Fall of Shiganshina, Part 2');
    expect(e2.plot[0]).toBe('Eren and Mikasa flee to the inner wall.');
    expect(e2.ratings).toBeUndefined();
    const sp = await ep('Specials/Attack on Titan - S00E01.nfo');
    expect([sp.season[0], sp.episode[0], sp.title[0]]).toEqual(['0', '1', "Ilse's Notizbuch"]);
    expect(sp.plot[0]).toBe('Hanji findet das Notizbuch einer Soldatin & liest es vor.');
    // a special: where Kodi shows it (it aired between the start of season 1 and of season 2)
    expect([sp.displayseason?.[0], sp.displayepisode?.[0], sp.airsbefore_season?.[0], sp.airsbefore_episode?.[0]]).toEqual([
      '2',
      '1',
      '2',
      '1',
    ]);
    expect(e1.displayseason).toBeUndefined();
    const s2 = await ep('Season 2/ep1.nfo');
    expect(s2.title[0]).toBe('Tier-Titan');
    expect(fs.existsSync(path.join(aot, 'Attack on Titan - S09E01.nfo'))).toBe(false);
  });

  it("a multi-episode file gets one <episodedetails> per episode (the scanner's file-name parser)", async () => {
    const xml = read(path.join(aot, 'Attack on Titan - S01E02-E03 (Doppelfolge).nfo'));
    const blocks = xml.split(/(?=<episodedetails>)/).filter((b) => b.includes('<episodedetails>'));
    expect(blocks).toHaveLength(2);
    expect(xml.match(/<\?xml/g)).toHaveLength(1);
    const docs = await Promise.all(
      blocks.map(async (b) => ((await parseNfo(b.replace(/^<\?xml[^>]*\?>\s*/, ''))) as Loose).episodedetails),
    );
    expect(docs.map((d) => [d.season[0], d.episode[0], d.uniqueid[0]._])).toEqual([
      ['1', '2', '63057'],
      ['1', '3', '63058'],
    ]);
    expect(docs[1].title[0]).toBe('Ein schwaches Licht in der Verzweiflung');
    // each block is well-formed XML on its own (Kodi reads them one after the other)
    for (const [i, b] of blocks.entries()) {
      const f = path.join(srv.dataDir, `multi-${i}.xml`);
      fs.writeFileSync(f, b.replace(/^<\?xml[^>]*\?>\s*/, ''));
      xmllint(f);
    }
  });

  it("maps TMDB's show status to Continuing / Ended and writes the season-all poster and fanart", () => {
    expect(['Returning Series', 'In Production', 'Planned', 'Pilot', 'Ended', 'Canceled', 'Something New'].map(kodiStatus)).toEqual([
      'Continuing',
      'Continuing',
      'Continuing',
      'Continuing',
      'Ended',
      'Ended',
      null,
    ]);
    expect(fs.readFileSync(path.join(aot, 'season-all-poster.jpg')).equals(fs.readFileSync(path.join(aot, 'poster.jpg')))).toBe(true);
    expect(fs.readFileSync(path.join(aot, 'season-all-fanart.jpg')).equals(fs.readFileSync(path.join(aot, 'fanart.jpg')))).toBe(true);
  });

  it('changes nothing when run again, and reads TMDB from its cache', async () => {
    const before = snapshot(aot);
    tmdb.reset();
    const again = await api.post('/api/nfo/attack-on-titan/create', { overwrite_existing: true });
    expect(again.status).toBe(200);
    expect(snapshot(aot)).toEqual(before);
    expect(tmdb.requests).toEqual([]); // all API answers came from the Postgres cache
    expect(tmdb.imageRequests().length).toBeGreaterThan(0); // artwork was fetched again and found equal
  });

  it('update asks TMDB afresh and still rewrites nothing that did not change', async () => {
    const before = snapshot(aot);
    tmdb.reset();
    const update = await api.put('/api/nfo/attack-on-titan/update');
    expect(update.status).toBe(200);
    expect(update.body.message).toBe('NFO updated successfully');
    expect(tmdb.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/tv/1429', '/tv/1429/season/1', '/tv/1429/season/0']));
    expect(snapshot(aot)).toEqual(before);
  });

  it('asks TMDB again once a cache entry expired', async () => {
    await srv.deps.db.query(sql.unsafe`update tmdb_cache set expires_at = now() - interval '1 minute' where cache_key like '/tv/1429?%'`);
    tmdb.reset();
    const again = await api.post('/api/nfo/attack-on-titan/create', {
      overwrite_existing: true,
      download_poster: false,
      download_logo: false,
      download_fanart: false,
    });
    expect(again.status).toBe(200);
    expect(tmdb.requests.map((r) => r.path)).toEqual(['/tv/1429']);
    expect(tmdb.imageRequests()).toEqual([]);
  });

  it('answers 409 on create when the NFO exists, and serves check, content and media status', async () => {
    const conflict = await api.post('/api/nfo/attack-on-titan/create', {});
    expect(conflict.status).toBe(409);
    const check = await api.get('/api/nfo/attack-on-titan/check');
    expect(check.body).toMatchObject({
      serie_id: 'attack-on-titan',
      has_nfo: true,
      nfo_path: path.join(aot, 'tvshow.nfo'),
      media_files: { has_poster: true, has_logo: true, has_fanart: true },
    });
    const content = await api.get('/api/nfo/attack-on-titan/content');
    expect(content.status).toBe(200);
    expect(content.body.content).toBe(read(path.join(aot, 'tvshow.nfo')));
    expect(content.body.file_size).toBe(Buffer.byteLength(content.body.content));
    expect(Date.parse(content.body.last_modified)).not.toBeNaN();
    const media = await api.get('/api/nfo/attack-on-titan/media/status');
    expect(media.body).toEqual(check.body.media_files);
  });

  it('downloads only missing media with the TMDB id from tvshow.nfo', async () => {
    fs.rmSync(path.join(aot, 'poster.jpg'));
    const before = snapshot(aot);
    const res = await api.post('/api/nfo/attack-on-titan/media/download', { download_logo: false, download_fanart: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ has_poster: true, poster_path: path.join(aot, 'poster.jpg') });
    expect(fs.readFileSync(path.join(aot, 'poster.jpg')).equals(await tmdb.imageBytes('/aot-poster-de.jpg'))).toBe(true);
    const after = snapshot(aot);
    delete after['poster.jpg'];
    expect(after).toEqual(before);
    expect((await api.post('/api/nfo/nowhere/media/download', {})).status).toBe(404); // no NFO yet
  });

  it('the history credits each NFO write to the user who asked, by token or by API key', async () => {
    const { key } = (await api.post('/api/auth/api-keys', { name: 'nfo script' })).body;
    fs.rmSync(path.join(aot, 'logo.png'));
    const byKey = await client(srv.url).post(
      '/api/nfo/attack-on-titan/media/download',
      { download_poster: false, download_fanart: false },
      {
        'X-Api-Key': key,
      },
    );
    expect(byKey.status, byKey.text).toBe(200);
    const rows = (await api.get('/api/history?series=attack-on-titan&event=nfo_written&sort=oldest')).body.items;
    // the create (token), the missing poster (token), the missing logo (API key)
    expect(rows.map((r: Loose) => [r.user, r.data.files.includes('tvshow.nfo')])).toEqual([
      ['admin', true],
      ['admin', false],
      ['admin', false],
    ]);
    expect(rows[2].data.files).toEqual(['logo.png']);
  });

  it('so do the NFO jobs a request queued: a batch, and the NFO of a series added, by API key', async () => {
    const { key } = (await api.post('/api/auth/api-keys', { name: 'nfo jobs' })).body;
    const h = { 'X-Api-Key': key };
    await addSeries(srv, { key: 'aot-batch', name: 'Attack on Titan', folder: 'AoT Batch', year: 2013 });
    const batch = await client(srv.url).post('/api/nfo/batch/create', { serie_ids: ['aot-batch'], download_media: false }, h);
    expect(batch.status, batch.text).toBe(200);
    const add = await client(srv.url).post(
      '/api/anime/add',
      { link: `${aniworld.url}/anime/stream/titan-added`, name: 'Attack on Titan' },
      h,
    );
    expect(add.status, add.text).toBe(200);
    for (const series of ['aot-batch', 'titan-added']) {
      const rows: Loose[] = await until(async () => {
        const items = (await api.get(`/api/history?series=${series}&event=nfo_written`)).body.items;
        return items.length ? items : null;
      }, `nfo_written of ${series}`);
      expect(
        rows.map((r: Loose) => [r.user, r.data.files.includes('tvshow.nfo')]),
        series,
      ).toEqual([['admin', true]]);
    }
  });

  it('serves artwork to the UI from the series folder only', async () => {
    const anonymous = await fetch(`${srv.url}/api/anime/attack-on-titan/artwork/poster`);
    expect(anonymous.status).toBe(401);
    const { token } = await adminLogin();
    const get = (p: string) => fetch(`${srv.url}${p}`, { headers: { Authorization: `Bearer ${token}` } });
    const p = await get('/api/anime/attack-on-titan/artwork/poster');
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await p.arrayBuffer()).equals(fs.readFileSync(path.join(aot, 'poster.jpg')))).toBe(true);
    const logo = await get('/api/anime/attack-on-titan/artwork/logo');
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await logo.arrayBuffer()).equals(fs.readFileSync(path.join(aot, 'logo.png')))).toBe(true);
    expect((await get('/api/anime/attack-on-titan/artwork/banner')).status).toBe(422);
    expect((await get('/api/anime/nowhere/artwork/poster')).status).toBe(404);
    expect((await get('/api/anime/no-such/artwork/poster')).status).toBe(404);
    // a folder name that leaves the anime directory, and a symlink that points out of it
    await srv.deps.db.query(sql.unsafe`insert into series (key, name, site, folder) values ('escape', 'Escape', 'x', '../outside')`);
    expect((await get('/api/anime/escape/artwork/poster')).status).toBe(400);
    const linkDir = await addSeries(srv, { key: 'linked', name: 'Linked', folder: 'Linked' });
    fs.writeFileSync(path.join(srv.dataDir, 'secret.jpg'), 'secret');
    fs.symlinkSync(path.join(srv.dataDir, 'secret.jpg'), path.join(linkDir, 'poster.jpg'));
    expect((await get('/api/anime/linked/artwork/poster')).status).toBe(404);
  });
});

async function adminLogin() {
  const res = await fetch(`${srv.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ password: 'Sup3r-Secret!pw' }),
  });
  return { token: ((await res.json()) as { access_token: string }).access_token };
}

describe('matching', () => {
  it('lets an existing tvshow.nfo uniqueid win over a search', async () => {
    const dir = await addSeries(srv, { key: 'hxh', name: 'Hunter x Hunter', folder: 'Hunter x Hunter' });
    fs.writeFileSync(
      path.join(dir, 'tvshow.nfo'),
      '<?xml version="1.0"?>\n<tvshow><title>mine</title><uniqueid type="tmdb">46298</uniqueid></tvshow>\n',
    );
    tmdb.reset();
    const res = await api.post('/api/nfo/hxh/create', {
      overwrite_existing: true,
      download_poster: false,
      download_logo: false,
      download_fanart: false,
    });
    expect(res.status).toBe(200);
    expect(res.body.tmdb_id).toBe(46298);
    expect(tmdb.requests.some((r) => r.path === '/search/tv')).toBe(false);
    const t: Loose = (await parseNfo(read(path.join(dir, 'tvshow.nfo')))).tvshow;
    expect(t.premiered[0]).toBe('2011-10-02');
  });

  it('reports an ambiguous match with its candidates instead of guessing; a year settles it', async () => {
    await addSeries(srv, { key: 'hxh-unknown', name: 'Hunter x Hunter', folder: 'HxH' });
    const res = await api.post('/api/nfo/hxh-unknown/create', {});
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/Several TMDB series match 'Hunter x Hunter'/);
    expect(res.body.details.candidates.map((c: { tmdb_id: number }) => c.tmdb_id).sort()).toEqual([2000, 46298]);
    expect(fs.existsSync(path.join(srv.animeDir, 'HxH', 'tvshow.nfo'))).toBe(false);
    const byYear = await api.post('/api/nfo/hxh-unknown/create', {
      year: 1999,
      download_poster: false,
      download_logo: false,
      download_fanart: false,
    });
    expect(byYear.status).toBe(200);
    expect(byYear.body.tmdb_id).toBe(2000);
  });

  it('keeps odd text well-formed, and copes with a series without any images', async () => {
    const dir = await addSeries(srv, { key: 'hexe', name: 'Kleine Hexe & <Co> ]]> Edition', folder: 'Kleine Hexe' });
    const res = await api.post('/api/nfo/hexe/create', {});
    expect(res.status).toBe(200);
    expect(res.body.media_files).toEqual({
      has_poster: false,
      has_logo: false,
      has_fanart: false,
      poster_path: null,
      logo_path: null,
      fanart_path: null,
    });
    xmllint(path.join(dir, 'tvshow.nfo'));
    const t: Loose = (await parseNfo(read(path.join(dir, 'tvshow.nfo')))).tvshow;
    expect(t.title[0]).toBe('Kleine Hexe & <Co> ]]> Edition');
    expect(t.plot[0]).toBe('Zeile eins\r\nZeile zwei mit Steuerzeichen  und  sowie "Anführungszeichen" & \'Apostroph\'.');
    expect(t.status[0]).toBe('Continuing');
    expect(t.thumb).toBeUndefined();
    expect(t.fanart).toBeUndefined();
    expect(t.premiered).toBeUndefined();
    expect(fs.readdirSync(dir)).toEqual(['tvshow.nfo']);
  });

  it('refuses artwork that is not an image or is over the size cap', async () => {
    await srv.deps.settings.update({ tmdb: { max_image_mb: 1 } });
    const dir = await addSeries(srv, { key: 'kaputt', name: 'Kaputte Bilder', folder: 'Kaputte Bilder' });
    const res = await api.post('/api/nfo/kaputt/create', {});
    expect(res.status).toBe(200);
    const warnings = res.body.warnings.join('\n');
    expect(warnings).toMatch(/poster\.jpg: Artwork refused: response too large \(over 1048576 bytes\)/);
    expect(warnings).toMatch(/logo\.png: Artwork refused: content type 'text\/html'/);
    expect(fs.existsSync(path.join(dir, 'poster.jpg'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'logo.png'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'fanart.jpg')).equals(await tmdb.imageBytes('/aot-backdrop-clean.jpg'))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await srv.deps.settings.update({ tmdb: { max_image_mb: 20 } });
  });

  it('lists series without NFO', async () => {
    const res = await api.get('/api/nfo/missing');
    expect(res.status).toBe(200);
    const keys = res.body.series.map((s: { serie_id: string }) => s.serie_id);
    expect(keys).toContain('nowhere');
    expect(keys).not.toContain('attack-on-titan');
    expect(res.body.missing_nfo_count).toBe(res.body.series.length);
    const total = await srv.deps.db.oneFirst(sql.unsafe`select count(*)::int from series`);
    expect(res.body.total_series).toBe(total);
  });
});

describe('nfo_episode job', () => {
  it('writes the NFO and thumb of a placed video', async () => {
    const video = await placeVideo(path.join(aot, 'Attack on Titan - S01E03.mkv'));
    await srv.deps.jobs.add('nfo_episode', { series_key: 'attack-on-titan', season: 1, episode: 3, video_path: video });
    const nfo = path.join(aot, 'Attack on Titan - S01E03.nfo');
    const thumb = path.join(aot, 'Attack on Titan - S01E03-thumb.jpg');
    await until(() => fs.existsSync(nfo) && fs.existsSync(thumb), 'episode NFO and thumb');
    xmllint(nfo);
    const e: Loose = (await parseNfo(read(nfo))).episodedetails;
    expect(e.title[0]).toBe('Ein schwaches Licht in der Verzweiflung');
    expect(e.uniqueid[0]._).toBe('63058');
    expect(fs.readFileSync(thumb).equals(await tmdb.imageBytes('/aot-s01e03.jpg'))).toBe(true);
  });
});

describe('artwork settings of the automatic NFO (a newly added series)', () => {
  /** Queues what an add queues and waits until that job is done. */
  async function autoNfo(key: string) {
    expect(await queueSeriesNfo(srv.deps, key)).toBe(true);
    await until(
      async () =>
        (await srv.deps.db.oneFirst(sql.unsafe`select count(*)::int from graphile_worker.jobs where task_identifier = 'nfo_create'`)) === 0,
      'nfo_create done',
    );
  }

  it('writes the NFO only, without artwork, when download_artwork is off', async () => {
    await setKey(FAKE_TMDB_KEY);
    const dir = await addSeries(srv, { key: 'aot-plain', name: 'Attack on Titan', folder: 'AoT Plain', year: 2013 });
    await srv.deps.settings.update({ nfo: { download_artwork: false } });
    try {
      await autoNfo('aot-plain');
    } finally {
      await srv.deps.settings.update({ nfo: { download_artwork: true } });
    }
    expect(fs.readdirSync(dir).filter((f) => f !== '.aniworld-key')).toEqual(['tvshow.nfo']);
    const on = await addSeries(srv, { key: 'aot-art', name: 'Attack on Titan', folder: 'AoT Art', year: 2013 });
    await autoNfo('aot-art');
    expect(fs.readdirSync(on)).toEqual(expect.arrayContaining(['tvshow.nfo', 'poster.jpg', 'fanart.jpg']));
  });

  it('asks the image server for the sizes configured', async () => {
    await setKey(FAKE_TMDB_KEY);
    const dir = await addSeries(srv, { key: 'aot-sized', name: 'Attack on Titan', folder: 'AoT Sized', year: 2013 });
    await placeVideo(path.join(dir, 'Attack on Titan - S01E01.mkv'));
    await srv.deps.settings.update({ tmdb: { poster_size: 'w342', fanart_size: 'w780', logo_size: 'w500', still_size: 'w300' } });
    tmdb.reset();
    try {
      await autoNfo('aot-sized');
    } finally {
      await srv.deps.settings.update({
        tmdb: { poster_size: 'w780', fanart_size: 'w1280', logo_size: 'original', still_size: 'original' },
      });
    }
    const sizes = Object.fromEntries(tmdb.imageRequests().map((r) => [r.file, r.size]));
    expect(sizes).toMatchObject({
      '/aot-poster-de.jpg': 'w342',
      '/aot-backdrop-clean.jpg': 'w780',
      '/aot-logo-en.png': 'w500',
      '/aot-s01e01.jpg': 'w300',
    });
  });
});
