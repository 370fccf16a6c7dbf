import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeLists, type FakeAnimeLists } from '../fakes/animeLists.js';
import { buildCrontab } from '../../backend/src/worker/crontab.js';
import { until } from '../helpers/poll.js';

/** AniList and MyAnimeList lists read into the watchlist, against fakes of both and of the provider. */
let srv: TestServer;
let fake: FakeAniworld;
let lists: FakeAnimeLists;
let api: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;

const media = (id: number, english: string | null, romaji: string, year: number | null) => ({
  id,
  title: { english, romaji, native: null },
  synonyms: [],
  startDate: { year },
});
const keys = async (c: ReturnType<typeof client>) =>
  ((await c.get('/api/watchlist')).body as { anime_key: string }[]).map((i) => i.anime_key).sort();

beforeAll(async () => {
  [fake, lists] = await Promise.all([
    startFakeAniworld({
      series: [
        simpleSeries('frieren-beyond-journeys-end', "Frieren: Beyond Journey's End", { 1: 2 }, { year: 2023 }),
        simpleSeries('kaguya-sama-love-is-war', 'Kaguya-sama: Love is War', { 1: 2 }, { year: 2019 }),
        // two series of one name: an entry without a year is a close call
        simpleSeries('hunter-x-hunter', 'Hunter x Hunter', { 1: 1 }, { year: 1999 }),
        simpleSeries('hunter-x-hunter-2011', 'Hunter x Hunter', { 1: 1 }, { year: 2011 }),
        simpleSeries('mushishi', 'Mushishi', { 1: 1 }, { year: 2005 }),
      ],
    }),
    startFakeAnimeLists(),
  ]);
  lists.anilist.set('alice_a', {
    CURRENT: [media(154587, "Frieren: Beyond Journey's End", 'Sousou no Frieren', 2023), media(11061, null, 'Hunter x Hunter', null)],
    PLANNING: [media(999001, 'Zzyzx Quartet', 'Zzyzx Shijuusou', 2022)],
  });
  lists.mal.set('bob-b', {
    1: [
      {
        anime_id: 37999,
        anime_title: 'Kaguya-sama wa Kokurasetai: Tensai-tachi no Renai Zunousen',
        anime_title_eng: 'Kaguya-sama: Love is War',
        anime_start_date_string: '01-12-19',
      },
    ],
    6: [
      {
        anime_id: 52991,
        anime_title: 'Sousou no Frieren',
        anime_title_eng: "Frieren: Beyond Journey's End",
        anime_start_date_string: '09-29-23',
      },
    ],
  });
  lists.hugeMal('huge');
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url, ANILIST_URL: lists.anilistUrl, MYANIMELIST_URL: lists.malUrl } });
  ({ api } = await adminClient(srv.url));
  expect((await api.post('/api/users', { username: 'bob', password: 'B0b-Secret!pw' })).status).toBe(201);
  bob = client(srv.url, (await client(srv.url).post('/api/auth/login', { username: 'bob', password: 'B0b-Secret!pw' })).body.access_token);
});
afterAll(async () => {
  await srv?.stop();
  await Promise.all([fake?.close(), lists?.close()]);
});

describe('an AniList list', () => {
  let id: string;

  it('reads the chosen part: a clear match becomes a watchlist item, a close call waits with its candidates', async () => {
    const created = await api.post('/api/import-lists', {
      service: 'anilist',
      username: 'alice_a',
      statuses: ['watching'],
      auto_download: false,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    id = created.body.id;
    const sync = await api.post(`/api/import-lists/${id}/sync`);
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    expect(sync.body).toMatchObject({
      read: 2,
      new_entries: 2,
      added: 1,
      ambiguous: 1,
      not_found: 0,
      list: { last_error: null, counts: { added: 1, ambiguous: 1 } },
    });
    expect(lists.requests.filter((r) => r.startsWith('anilist'))).toEqual(['anilist alice_a CURRENT 1']); // planning was not chosen
    expect(await keys(api)).toEqual(['frieren-beyond-journeys-end']);
    const item = (await api.get('/api/watchlist')).body[0];
    expect(item).toMatchObject({ anime_title: "Frieren: Beyond Journey's End", auto_download: false, provider_id: 'aniworld' });

    const waiting = await api.get(`/api/import-lists/${id}/entries?outcome=ambiguous`);
    expect(waiting.body.entries).toHaveLength(1);
    expect(waiting.body.total).toBe(1);
    expect(waiting.body.entries[0]).toMatchObject({ external_id: '11061', title: 'Hunter x Hunter', outcome: 'ambiguous' });
    expect(waiting.body.entries[0].candidates.map((c: { key: string; year: number | null }) => [c.key, c.year])).toEqual(
      expect.arrayContaining([
        ['hunter-x-hunter', 1999],
        ['hunter-x-hunter-2011', 2011],
      ]),
    );
  });

  it('reads new entries only; planning added later; an entry the provider lacks is listed as not found', async () => {
    expect((await api.put(`/api/import-lists/${id}`, { statuses: ['watching', 'planning'] })).body.statuses).toEqual([
      'watching',
      'planning',
    ]);
    const sync = await api.post(`/api/import-lists/${id}/sync`);
    expect(sync.body).toMatchObject({ read: 3, new_entries: 1, added: 0, not_found: 1 });
    expect(await keys(api)).toEqual(['frieren-beyond-journeys-end']);
  });

  it('the user picks the candidate of a close call; it becomes a watchlist item', async () => {
    const wrong = await api.post(`/api/import-lists/${id}/entries/11061/resolve`, { key: 'mushishi' });
    expect(wrong.status).toBe(409);
    const res = await api.post(`/api/import-lists/${id}/entries/11061/resolve`, { key: 'hunter-x-hunter-2011' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ outcome: 'resolved', anime_key: 'hunter-x-hunter-2011' });
    expect(await keys(api)).toEqual(['frieren-beyond-journeys-end', 'hunter-x-hunter-2011']);
    expect((await api.post(`/api/import-lists/${id}/entries/11061/resolve`, { key: null })).status).toBe(409); // already settled
  });

  it('is read on the schedule (the hourly import_lists_sync job): a new entry arrives on the watchlist', async () => {
    expect(buildCrontab()).toMatch(/^20 \* \* \* \* import_lists_sync /m);
    lists.anilist.get('alice_a')!.CURRENT!.push(media(457, 'Mushishi', 'Mushi-shi', 2005));
    await srv.deps.jobs.add('import_lists_sync', {});
    // the run is over once the entry is recorded (after its watchlist item)
    const list = await until(async () => {
      const l = (await api.get('/api/import-lists')).body.lists[0];
      return l.counts.added === 2 && l;
    }, 'the scheduled run to add Mushishi');
    expect(await keys(api)).toContain('mushishi');
    expect(list).toMatchObject({ id, counts: { added: 2, resolved: 1, not_found: 1 } });
    expect(list.last_synced_at).toEqual(expect.any(String));
  });

  it('an unknown user is an error kept on the list, not a crash', async () => {
    const l = (await api.post('/api/import-lists', { service: 'anilist', username: 'nobody_here' })).body;
    const res = await api.post(`/api/import-lists/${l.id}/sync`);
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(/AniList: User not found/);
    expect((await api.get('/api/import-lists')).body.lists.find((x: { id: string }) => x.id === l.id).last_error).toMatch(/User not found/);
    expect((await api.del(`/api/import-lists/${l.id}`)).status).toBe(200);
  });
});

describe('a MyAnimeList list', () => {
  it("reads watching and plan-to-watch into the list owner's own watchlist", async () => {
    const l = (await bob.post('/api/import-lists', { service: 'myanimelist', username: 'bob-b', statuses: ['watching', 'planning'] })).body;
    const sync = await bob.post(`/api/import-lists/${l.id}/sync`);
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    expect(sync.body).toMatchObject({ read: 2, added: 2, ambiguous: 0 });
    expect(await keys(bob)).toEqual(['frieren-beyond-journeys-end', 'kaguya-sama-love-is-war']);
    // another user's list is not there for the admin
    expect((await api.post(`/api/import-lists/${l.id}/sync`)).status).toBe(404);
    expect((await bob.post('/api/import-lists', { service: 'myanimelist', username: 'bob-b' })).status).toBe(409);
  });

  it('a list answer over the byte cap is refused', async () => {
    const l = (await bob.post('/api/import-lists', { service: 'myanimelist', username: 'huge', statuses: ['watching'] })).body;
    const res = await bob.post(`/api/import-lists/${l.id}/sync`);
    expect(res.status).toBe(503);
    expect((await bob.get('/api/import-lists')).body.lists.find((x: { id: string }) => x.id === l.id).last_error).toMatch(
      /too large|bytes/i,
    );
  });

  it("validates the list's settings", async () => {
    expect((await bob.post('/api/import-lists', { service: 'kitsu', username: 'x1' })).status).toBe(422);
    expect((await bob.post('/api/import-lists', { service: 'anilist', username: 'a b/../c' })).status).toBe(422);
    expect((await bob.post('/api/import-lists', { service: 'anilist', username: 'ok_name', statuses: [] })).status).toBe(422);
    // a user's lists are few: at most 20 (bob has 2)
    for (let i = 0; i < 18; i++)
      expect((await bob.post('/api/import-lists', { service: 'anilist', username: `cap_${i}`, enabled: false })).status).toBe(200);
    const over = await bob.post('/api/import-lists', { service: 'anilist', username: 'one_too_many' });
    expect(over.status).toBe(409);
    expect(over.body.message).toMatch(/At most 20 import lists/);
  });
});
