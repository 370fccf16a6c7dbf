import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import type { ProviderHealth } from '../../frontend/src/api/types.ts';

let srv: TestServer;
let sama: FakeAnimeSama;
let aniworld: FakeAniworld;
let api: ReturnType<typeof client>;
const sib = (n: string) => `https://video.sibnet.ru/shell.php?videoid=${n}`;

beforeAll(async () => {
  sama = await startFakeAnimeSama({
    series: [
      {
        slug: 'spy-x-family',
        name: 'Spy x Family',
        parts: [
          { path: 'saison1', players: { vostfr: [[sib('1'), sib('2'), sib('3')]] } },
          { path: 'film', players: { vostfr: [[sib('film')]] } },
        ],
      },
    ],
  });
  aniworld = await startFakeAniworld();
  srv = await startTestServer({ env: { ANIMESAMA_URL: sama.url, ANIWORLD_URL: aniworld.url } });
  ({ api } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
  await sama?.close();
  await aniworld?.close();
});

describe('the second provider through the API', () => {
  it('searches anime-sama, adds a series from its link, and scans it', async () => {
    const hits = await client(srv.url).get('/api/anime/search?query=spy&provider=animesama');
    expect(hits.status).toBe(200);
    expect(hits.body).toEqual([
      expect.objectContaining({ key: 'spy-x-family', provider: 'animesama', link: `${sama.url}/catalogue/spy-x-family/` }),
    ]);
    fs.mkdirSync(path.join(srv.animeDir, 'Spy x Family'));
    fs.writeFileSync(path.join(srv.animeDir, 'Spy x Family', 'Spy x Family S01E02.mkv'), 'x');
    const add = await api.post('/api/anime/add', { link: hits.body[0].link, name: 'Spy x Family' });
    expect(add.status).toBe(200);
    // specials are not monitored in a new series
    expect(add.body).toMatchObject({ key: 'spy-x-family', folder: 'Spy x Family', missing_episodes: ['1-1', '1-3'], total_missing: 2 });
    expect((await api.get('/api/anime/spy-x-family')).body.unmonitored_missing).toEqual(['0-1']);
    const detail = await api.get('/api/anime/spy-x-family');
    expect(detail.body).toMatchObject({ provider: 'animesama', site: new URL(sama.url).host });
  });

  it('lists both providers with their health; a blocked one says why', async () => {
    sama.setMode('challenge');
    try {
      const res = await api.get('/api/providers');
      expect(res.body.providers.map((p: ProviderHealth) => [p.id, p.reachable, p.default])).toEqual([
        ['aniworld', true, true],
        ['animesama', false, false],
      ]);
      expect(res.body.providers[1].last_error).toBe('ProviderBlocked: animesama answered with a challenge page');
      expect((await client(srv.url).get('/api/anime/search?query=x&provider=unknown')).status).toBe(422);
    } finally {
      sama.setMode('ok');
    }
  });
});
