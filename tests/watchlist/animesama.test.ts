import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';

let fake: FakeAnimeSama;
let srv: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  fake = await startFakeAnimeSama({
    series: [
      {
        slug: 'naruto-shippuden',
        name: 'Naruto Shippuden',
        parts: [{ path: 'saison1', players: { vostfr: [['https://video.sibnet.ru/e1', 'https://video.sibnet.ru/e2']] } }],
      },
    ],
  });
  srv = await startTestServer({ env: { ANIMESAMA_URL: fake.url } });
  ({ api } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

describe('watchlist with anime-sama (the reference example)', () => {
  it('takes a season URL, finds the provider by itself and checks the series', async () => {
    const res = await api.post('/api/watchlist', {
      anime_title: 'Naruto Shippuden',
      anime_url: `${fake.url}/catalogue/naruto-shippuden/saison1/vostfr/`,
      lang: 'vostfr',
      auto_download: false,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      provider_id: 'animesama',
      anime_key: 'naruto-shippuden',
      series_key: 'naruto-shippuden',
      lang: 'vostfr',
    });
    const check = await api.post(`/api/watchlist/${res.body.id}/check`);
    expect(check.body.status).toBe('ok');
    expect(check.body.new_episodes.map((e: { season: number; episode: number }) => `S${e.season}E${e.episode}`)).toEqual(['S1E1', 'S1E2']);
    expect((await api.get('/api/watchlist/stats')).body.providers).toEqual({ animesama: 1 });
  });

  it(
    "the spec's own example on anime-sama.si (a known domain, not the configured one) " + 'is accepted and stored on the active domain',
    async () => {
      const res = await api.post('/api/watchlist', {
        anime_title: 'Naruto Shippuden (si)',
        anime_url: 'https://anime-sama.si/catalogue/naruto-shippuden/saison1/vostfr/',
        lang: 'vostfr',
        auto_download: false,
      });
      // the same series as the item above, whose URL was on the active domain
      expect(res.status).toBe(409);
      const items = (await api.get('/api/watchlist')).body;
      const list = Array.isArray(items) ? items : items.items;
      expect(list.map((i: { anime_url: string }) => i.anime_url)).toEqual([`${fake.url}/catalogue/naruto-shippuden/`]);
      const other = await api.post('/api/watchlist', {
        anime_title: 'X',
        anime_url: 'https://anime-sama.example/catalogue/naruto-shippuden/',
      });
      expect(other.status).toBe(422);
    },
  );
});
