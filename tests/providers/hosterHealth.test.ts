import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SITE, startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { recordAttempt } from '../../backend/src/downloads/attemptLog.js';
import { episodeSources } from '../../backend/src/downloads/sources.js';
import { getProvider } from '../../backend/src/providers/registry.js';
import { sql } from '../../backend/src/db/pool.js';
import type { HosterHealth, ProviderHealth } from '../../frontend/src/api/types.ts';

/** Hoster health from real attempts (the downloads domain's table): the API, and the order sources are tried in. */
let fake: FakeAniworld;
let srv: TestServer;
let api: Awaited<ReturnType<typeof adminClient>>['api'];
const embed = (id: string) => `http://127.0.0.1:9/e/${id}`;

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      simpleSeries('frieren', 'Frieren', { 1: 1 }, { year: 2023 }, () => [
        { lang: 1, hoster: 'VOE', embedUrl: embed('voe') },
        { lang: 1, hoster: 'Filemoon', embedUrl: embed('fm') },
        { lang: 1, hoster: 'Vidoza', embedUrl: embed('vz') },
      ]),
    ],
  });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url, ANIMESAMA_URL: NO_SITE } });
  ({ api } = await adminClient(srv.url));
  const now = srv.deps.clock.now().getTime();
  // the library's series say which site an attempt belongs to
  await srv.deps.db.query(sql.unsafe`insert into series (key, name, site, provider, folder) values
    ('frieren', 'Frieren', 'aniworld.to', 'aniworld', 'Frieren (2023)'),
    ('one-piece', 'One Piece', 'anime-sama.si', 'animesama', 'One Piece (1999)')`);
  const attempt = (hoster: string, minutesAgo: number, ok: boolean, error?: string, key = 'frieren') =>
    recordAttempt(
      srv.deps,
      {
        item: { id: '00000000-0000-0000-0000-000000000001', serie_id: key, serie_name: key, season: 1, episode: 1, source: 'manual' },
        source: { hoster, language: 'german_dub', url: embed(hoster) },
        startedAt: new Date(now - minutesAgo * 60_000 - 5000),
      },
      ok ? { outcome: 'completed', bytes: 1000 } : { outcome: 'failed', error: new Error(error ?? 'boom') },
    );
  // VOE: 2 of 3 failed lately; Filemoon: fine; Vidoza: one failure only (too little to judge)
  await attempt('VOE', 300, true);
  await attempt('VOE', 60, false, 'VOE: no video source found');
  await attempt('VOE', 10, false, 'VOE: 403 Forbidden');
  await attempt('Filemoon', 30, true);
  await attempt('Filemoon', 20, true);
  await attempt('Vidoza', 5, false, 'Vidoza: timeout');
  await attempt('Sibnet', 15, false, 'Sibnet: 404 Not Found', 'one-piece');
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

describe('hoster health', () => {
  it("GET /api/providers lists each hoster's success rate, last error and last success over the last 7 days", async () => {
    const res = await api.get('/api/providers');
    expect(res.status).toBe(200);
    const by = Object.fromEntries(res.body.hosters.map((h: HosterHealth) => [h.hoster, h]));
    expect(by.VOE).toMatchObject({
      attempts: 3,
      completed: 1,
      failed: 2,
      success_rate: 0.333,
      last_error: 'VOE: 403 Forbidden',
      healthy: false,
    });
    expect(by.VOE.last_success_at).toEqual(expect.any(String));
    expect(by.Filemoon).toMatchObject({ attempts: 2, completed: 2, failed: 0, success_rate: 1, last_error: null, healthy: true });
    expect(by.Vidoza).toMatchObject({ attempts: 1, success_rate: 0, last_success_at: null, healthy: true });
    expect(by.Sibnet).toMatchObject({ attempts: 1, failed: 1 });
    expect(res.body.healthy_hosters_first).toBe(false);
  });

  it("lists each site's hosters from the attempts of that site's series", async () => {
    const res = await api.get('/api/providers');
    const site = (id: string) => res.body.providers.find((p: ProviderHealth) => p.id === id);
    expect(site('aniworld').hosters.map((h: HosterHealth) => h.hoster)).toEqual(['Filemoon', 'Vidoza', 'VOE']);
    expect(site('aniworld').hosters.find((h: HosterHealth) => h.hoster === 'VOE')).toMatchObject({
      success_rate: 0.333,
      last_error: 'VOE: 403 Forbidden',
      healthy: false,
    });
    expect(site('animesama').hosters).toEqual([
      expect.objectContaining({
        hoster: 'Sibnet',
        attempts: 1,
        success_rate: 0,
        last_error: 'Sibnet: 404 Not Found',
        last_success_at: null,
      }),
    ]);
  });

  it('with healthy_hosters_first, hosters whose recent attempts mostly failed are tried last', async () => {
    const order = async () => (await episodeSources(srv.deps, getProvider(srv.deps), 'frieren', 1, 1, 'german_dub')).map((s) => s.hoster);
    expect(await order()).toEqual(['VOE', 'Filemoon', 'Vidoza']); // the configured hoster order
    expect((await api.put('/api/config', { providers: { healthy_hosters_first: true } })).status).toBe(200);
    expect(await order()).toEqual(['Filemoon', 'Vidoza', 'VOE']);
    expect((await api.get('/api/providers')).body.healthy_hosters_first).toBe(true);
  });
});
