import fs from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../backend/src/db/pool.js';
import { refreshCalendar } from '../../backend/src/calendar/refresh.js';
import { addDays, localDay } from '../../backend/src/calendar/day.js';
import { runRescan } from '../../backend/src/library/rescan.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { FAKE_TMDB_KEY, startFakeTmdb, type FakeTmdb } from '../fakes/tmdb.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import type { CalendarEntry } from '../../frontend/src/api/types.ts';

let srv: TestServer;
let tmdb: FakeTmdb;
let aniworld: FakeAniworld;
let api: Awaited<ReturnType<typeof adminClient>>['api'];
let token: string;
let apiKey: string;
let apiKeyId: number;
let today: string;

const day = (n: number) => addDays(today, n);

beforeAll(async () => {
  tmdb = await startFakeTmdb();
  aniworld = await startFakeAniworld();
  srv = await startTestServer({
    env: {
      TMDB_API_URL: tmdb.apiUrl,
      TMDB_IMAGE_URL: tmdb.imageUrl,
      TMDB_API_KEY: FAKE_TMDB_KEY,
      ANIWORLD_URL: aniworld.url,
      TZ: 'Europe/Berlin',
    },
  });
  ({ api, token } = await adminClient(srv.url));
  today = localDay(new Date(), 'Europe/Berlin');
  const key = await api.post('/api/auth/api-keys', { name: 'calendar app' });
  expect(key.status, key.text).toBe(201);
  ({ key: apiKey, id: apiKeyId } = key.body);
  await srv.deps.settings.update({ nfo: { create_on_add: false } });

  // a library series whose tvshow.nfo names its TMDB id; episode 1 is on disk, 2 is missing
  aniworld.addSeries({
    slug: 'frieren',
    name: 'Frieren',
    year: 2023,
    seasons: {
      1: [
        { episode: 1, title: 'Abschied' },
        { episode: 2, title: 'Zauber' },
      ],
    },
  });
  const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/frieren`, name: 'Frieren' });
  expect(add.status, add.text).toBe(200);
  const dir = path.join(srv.animeDir, add.body.folder);
  fs.writeFileSync(
    path.join(dir, 'tvshow.nfo'),
    '<?xml version="1.0" encoding="UTF-8"?>\n<tvshow><title>Frieren</title><uniqueid type="tmdb" ' +
      'default="true">90123</uniqueid></tvshow>\n',
  );
  await srv.deps.db.query(sql.unsafe`update episodes set is_downloaded = true, file_path = 'Frieren - S01E01.mkv'
    where season = 1 and episode = 1 and series_id = (select id from series where key = 'frieren')`);
  tmdb.addShow({
    id: 90123,
    name: 'Frieren',
    first_air_date: '2023-09-29',
    seasons: {
      1: [
        { episode_number: 1, name: 'Abschied', air_date: day(-14) },
        { episode_number: 2, name: 'Zauber', air_date: day(-7) },
        { episode_number: 3, name: 'Heute; mit, Zeichen', air_date: today },
        { episode_number: 4, name: 'Die Zukunft', air_date: day(7) },
        { episode_number: 5, name: 'Noch ohne Datum', air_date: null },
      ],
    },
  });
});
afterAll(async () => {
  await srv?.stop();
  await tmdb?.close();
  await aniworld?.close();
});

describe('air dates and GET /api/calendar', () => {
  it('takes the dates from TMDB and gives each episode its status', async () => {
    expect(await refreshCalendar(srv.deps)).toEqual({ series: 1, episodes: 4, failed: 0 });
    const res = await api.get(`/api/calendar?start=${day(-30)}&end=${day(30)}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.today).toBe(today);
    expect(res.body.episodes.map((e: CalendarEntry) => [e.episode, e.air_date, e.status, e.title])).toEqual([
      [1, day(-14), 'downloaded', 'Abschied'],
      [2, day(-7), 'missing', 'Zauber'],
      [3, today, 'airing_today', 'Heute; mit, Zeichen'],
      [4, day(7), 'upcoming', 'Die Zukunft'],
    ]);
    expect(res.body.episodes[0]).toMatchObject({ series_key: 'frieren', series_name: 'Frieren', season: 1, source: 'tmdb' });
    // the range is inclusive and narrows the list
    const narrow = await api.get(`/api/calendar?start=${today}&end=${day(7)}`);
    expect(narrow.body.episodes.map((e: CalendarEntry) => e.episode)).toEqual([3, 4]);
  });

  it('leaves out unmonitored episodes unless asked', async () => {
    await srv.deps.db.query(
      sql.unsafe`update episodes set monitored = false where season = 1 and episode = 2 and series_id = (select id from series where key
        = 'frieren')`,
    );
    const monitored = await api.get(`/api/calendar?start=${day(-30)}&end=${day(30)}`);
    expect(monitored.body.episodes.map((e: CalendarEntry) => e.episode)).toEqual([1, 3, 4]);
    const all = await api.get(`/api/calendar?start=${day(-30)}&end=${day(30)}&unmonitored=true`);
    expect(all.body.episodes.map((e: CalendarEntry) => e.episode)).toEqual([1, 2, 3, 4]);
    await srv.deps.db.query(
      sql.unsafe`update episodes set monitored = true where series_id = (select id from series where key = 'frieren')`,
    );
  });

  it('refuses a bad range, and anonymous callers', async () => {
    expect((await api.get(`/api/calendar?start=${day(5)}&end=${today}`)).status).toBe(400);
    expect((await api.get('/api/calendar?start=2026-13-45')).status).toBe(422);
    expect((await api.get(`/api/calendar?start=2020-01-01&end=2025-01-01`)).status).toBe(400);
    expect((await client(srv.url).get('/api/calendar')).status).toBe(401);
  });

  it('an episode a provider newly lists is dated the day it appeared there', async () => {
    aniworld.addEpisode('frieren', 2, { episode: 1, title: 'Neue Staffel' });
    await runRescan(srv.deps, { trigger: 'test' });
    const res = await api.get(`/api/calendar?start=${today}&end=${today}`);
    expect(res.body.episodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ season: 2, episode: 1, title: 'Neue Staffel', status: 'airing_today', source: 'provider' }),
      ]),
    );
  });
});

describe('the iCal feed', () => {
  const feed = (q: string) => fetch(`${srv.url}/feed/calendar.ics?${q}`);

  it('is valid RFC 5545 for a calendar parser: one all-day VEVENT per episode with a stable UID', async () => {
    const res = await feed(`apikey=${encodeURIComponent(apiKey)}&pastDays=30&futureDays=30`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const body = await res.text();
    expect(body.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    const cal = new ICAL.Component(ICAL.parse(body));
    expect(cal.getFirstPropertyValue('version')).toBe('2.0');
    expect(cal.getFirstPropertyValue('prodid')).toBeTruthy();
    const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const byCode = new Map(events.map((e) => [e.summary, e]));
    expect([...byCode.keys()].sort()).toEqual([
      'Frieren - S01E01 - Abschied',
      'Frieren - S01E02 - Zauber',
      'Frieren - S01E03 - Heute; mit, Zeichen',
      'Frieren - S01E04 - Die Zukunft',
      'Frieren - S02E01 - Neue Staffel',
    ]);
    const upcoming = byCode.get('Frieren - S01E04 - Die Zukunft')!;
    expect(upcoming.startDate.isDate).toBe(true);
    expect(upcoming.startDate.toString()).toBe(day(7));
    expect(upcoming.uid).toBe('frieren-S01E04@aniworld');
    // the same UIDs on the next fetch (calendar apps update, not duplicate)
    const again = new ICAL.Component(
      ICAL.parse(await (await feed(`apikey=${encodeURIComponent(apiKey)}&pastDays=30&futureDays=30`)).text()),
    );
    expect(
      again
        .getAllSubcomponents('vevent')
        .map((v) => new ICAL.Event(v).uid)
        .sort(),
    ).toEqual(events.map((e) => e.uid).sort());
  });

  it('pastDays and futureDays bound it', async () => {
    const cal = new ICAL.Component(ICAL.parse(await (await feed(`apikey=${encodeURIComponent(apiKey)}&pastDays=0&futureDays=6`)).text()));
    expect(
      cal
        .getAllSubcomponents('vevent')
        .map((v) => new ICAL.Event(v).summary)
        .sort(),
    ).toEqual(['Frieren - S01E03 - Heute; mit, Zeichen', 'Frieren - S02E01 - Neue Staffel']);
  });

  it('refuses a wrong, missing or revoked key and a login token in the URL, and never logs the key', async () => {
    expect((await feed('apikey=wrong-key')).status).toBe(401);
    expect((await feed('')).status).toBe(401);
    expect((await feed(`apikey=${encodeURIComponent(token)}`)).status).toBe(401);
    // a key in the URL of any other path is no credential
    expect((await fetch(`${srv.url}/api/calendar?apikey=${encodeURIComponent(apiKey)}`)).status).toBe(401);
    expect((await api.del(`/api/auth/api-keys/${apiKeyId}`)).status).toBe(204);
    expect((await feed(`apikey=${encodeURIComponent(apiKey)}`)).status).toBe(401);
    expect(srv.logs()).not.toContain(apiKey);
    expect(srv.logs()).not.toContain('wrong-key');
  });
});

describe('history of metadata', () => {
  it('an NFO write is recorded with the files it changed', async () => {
    const res = await api.post('/api/nfo/frieren/create', {
      overwrite_existing: true,
      download_poster: false,
      download_logo: false,
      download_fanart: false,
    });
    expect(res.status, res.text).toBe(200);
    const rows = (await api.get('/api/anime/frieren/history?event=nfo_written')).body.items;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: 'nfo_written', series_key: 'frieren', season: null, data: { files: ['tvshow.nfo'] } });
  });
});
