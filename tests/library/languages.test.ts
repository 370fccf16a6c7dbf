import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let fake: FakeAniworld;
let api: ReturnType<typeof client>;

const embed = 'http://127.0.0.1:9/e/none';

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      {
        slug: 'lang-demo',
        name: 'Lang Demo',
        year: 2020,
        seasons: {
          1: [
            {
              episode: 1,
              title: 'Eins',
              sources: [
                { lang: 1, hoster: 'VOE', embedUrl: embed },
                { lang: 3, hoster: 'Vidoza', embedUrl: embed },
              ],
            },
            { episode: 2, title: 'Zwei', sources: [{ lang: 2, hoster: 'VOE', embedUrl: embed }] },
            { episode: 3, title: 'Drei' }, // lists no sources yet
          ],
          0: [{ episode: 1, title: 'Film', sources: [{ lang: 3, hoster: 'VOE', embedUrl: embed }] }],
        },
      },
    ],
  });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url, TMDB_API_URL: 'http://127.0.0.1:9/3' } });
  ({ api } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

async function languageJobs(): Promise<number> {
  const c = new pg.Client({ connectionString: srv.databaseUrl });
  await c.connect();
  try {
    return (await c.query(`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'episode_languages'`)).rows[0].n;
  } finally {
    await c.end();
  }
}

const episodePages = () => fake.requests.filter((r) => /\/(episode|film)-\d+$/.test(r));

describe('languages of missing episodes', () => {
  it('are known after adding a series, without any download', async () => {
    const add = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/lang-demo`, name: 'Lang Demo' });
    expect(add.status).toBe(200);
    expect(add.body.total_missing).toBe(3); // the film (season 0) is not monitored in a new series; its languages are read all the same

    const list = await until(async () => {
      const eps = (await api.get('/api/anime/lang-demo')).body.episode_list as { season: number; episode: number; languages: string[] }[];
      return eps.filter((e) => e.languages.length).length === 3 ? eps : null;
    }, 'languages of the missing episodes');
    const langs = Object.fromEntries(list.map((e) => [`S${e.season}E${e.episode}`, e.languages]));
    expect(langs).toEqual({ S0E1: ['german_sub'], S1E1: ['german_dub', 'german_sub'], S1E2: ['english_sub'], S1E3: [] });

    // nothing was queued or downloaded for it
    const queue = (await api.get('/api/queue/status')).body;
    expect(queue.statistics.total_items).toBe(0);
    // each episode page was read once, the one without sources included
    await until(async () => episodePages().length === 4, 'the page of S1E3');
    expect(new Set(episodePages()).size).toBe(4);
  });

  it('a rescan reads no page again: known ones are kept, an empty one waits a week', async () => {
    const before = episodePages().length;
    expect((await api.post('/api/anime/rescan')).status).toBe(200);
    await until(
      async () => (await api.get('/api/tasks')).body.tasks.find((t: { name: string }) => t.name === 'rescan')?.runs >= 1,
      'the rescan',
    );
    // no languages job waits, runs or ran
    expect(await languageJobs()).toBe(0);
    expect(episodePages().length).toBe(before);
  });

  it('a long series is read over several jobs until every missing episode has its languages', async () => {
    fake.addSeries(simpleSeries('long-demo', 'Long Demo', { 1: 130 }, {}, () => [{ lang: 3, hoster: 'VOE', embedUrl: embed }]));
    expect((await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/long-demo`, name: 'Long Demo' })).body.total_missing).toBe(
      130,
    );
    const eps = await until(
      async () => {
        const list = (await api.get('/api/anime/long-demo')).body.episode_list as { languages: string[] }[];
        return list.every((e) => e.languages.length) ? list : null;
      },
      'languages of all 130 episodes',
      60_000,
    );
    expect(new Set(eps.map((e) => e.languages.join()))).toEqual(new Set(['german_sub']));
    expect(episodePages().filter((r) => r.includes('/long-demo/'))).toHaveLength(130);
  });

  it('an episode that appears later gets its languages after the next scan', async () => {
    fake.addEpisode('lang-demo', 1, { episode: 4, title: 'Vier', sources: [{ lang: 2, hoster: 'VOE', embedUrl: embed }] });
    expect((await api.post('/api/anime/rescan')).status).toBe(200);
    const e4 = await until(async () => {
      const eps = (await api.get('/api/anime/lang-demo')).body.episode_list as { season: number; episode: number; languages: string[] }[];
      const e = eps.find((x) => x.season === 1 && x.episode === 4);
      return e?.languages.length ? e : null;
    }, 'languages of S1E4');
    expect(e4.languages).toEqual(['english_sub']);
    expect(episodePages().filter((r) => r.endsWith('lang-demo/staffel-1/episode-4'))).toHaveLength(1);
  });
});
