import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { AniworldProvider } from '../../backend/src/providers/aniworld/provider.js';
import { AnimeSamaProvider } from '../../backend/src/providers/animesama/provider.js';
import { ProviderUnavailable } from '../../backend/src/providers/errors.js';
import { createLogger } from '../../backend/src/log.js';
import type { SiteOptions } from '../../backend/src/providers/site.js';

/** A domain the site left: every request answers 301 to the same path on `to`. */
async function movedDomain(to: () => string): Promise<{ url: string; host: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(301, { location: `${to()}${req.url}` });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}`, host, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const opts = (o: Partial<SiteOptions>): SiteOptions => ({
  id: 'aniworld',
  baseUrl: 'http://127.0.0.1:9',
  extraDomains: [],
  userAgent: 'TestUA/1.0',
  proxy: null,
  timeoutMs: 2000,
  retries: 0,
  perHostConcurrency: 4,
  ...o,
});

let fake: FakeAniworld;
let old: Awaited<ReturnType<typeof movedDomain>>;
let elsewhere: Awaited<ReturnType<typeof movedDomain>>;

beforeAll(async () => {
  fake = await startFakeAniworld({ series: [simpleSeries('frieren', 'Frieren', { 1: 2 }, { year: 2023 })] });
  old = await movedDomain(() => fake.url);
  elsewhere = await movedDomain(() => 'http://127.0.0.1:1');
});
afterAll(async () => {
  await Promise.all([fake?.close(), old?.close(), elsewhere?.close()]);
});

describe('provider domains', () => {
  it('known domains of a site are accepted in links and normalised to the active one', () => {
    const sama = new AnimeSamaProvider(
      opts({ id: 'animesama', baseUrl: 'https://anime-sama.fr', extraDomains: ['https://anime-sama.new/'] }),
    );
    for (const d of ['anime-sama.si', 'anime-sama.fr', 'anime-sama.org', 'anime-sama.tv', 'anime-sama.to', 'anime-sama.new']) {
      expect(sama.keyFromLink(`https://${d}/catalogue/naruto-shippuden/saison1/vostfr/`), d).toBe('naruto-shippuden');
    }
    expect(sama.keyFromLink('https://anime-sama.example/catalogue/naruto/')).toBeNull();
    expect(sama.seriesLink('naruto')).toBe('https://anime-sama.fr/catalogue/naruto/');
    expect(sama.hosts()).toEqual(expect.arrayContaining(['anime-sama.fr', 'anime-sama.si', 'anime-sama.new']));
    const aw = new AniworldProvider(opts({ baseUrl: fake.url }));
    expect(aw.keyFromLink('https://aniworld.to/anime/stream/frieren/staffel-1')).toBe('frieren');
  });

  it('a listed domain that redirects to another listed one is followed and the active one updated, with a log line', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c) => lines.push(String(c)));
    const fakeHost = new URL(fake.url).host;
    const p = new AniworldProvider(opts({ baseUrl: old.url, extraDomains: [fakeHost], log: createLogger({ level: 'info', stream }) }));
    expect(p.site).toBe(old.host);
    const hits = await p.search('Frieren');
    expect(hits.map((h) => h.key)).toEqual(['frieren']);
    expect(p.site).toBe(fakeHost);
    expect(hits[0].link).toBe(`${fake.url}/anime/stream/frieren`);
    expect(p.seriesLink('frieren')).toBe(`${fake.url}/anime/stream/frieren`);
    const moved = lines.map((l) => JSON.parse(l)).find((l) => /moved/.test(l.msg));
    expect(moved).toMatchObject({ provider: 'aniworld', from: old.url, to: fake.url });
    // the next request goes straight to the new domain
    const before = fake.requests.length;
    await p.catalogue('frieren');
    expect(fake.requests.length).toBeGreaterThan(before);
  });

  it("a redirect to a domain that is not the site's is refused with a readable error", async () => {
    const p = new AniworldProvider(opts({ baseUrl: elsewhere.url }));
    const err = await p.search('Frieren').catch((e) => e);
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(err.message).toMatch(/redirected to 127\.0\.0\.1:1, which is not one of its domains/);
    expect(p.site).toBe(elsewhere.host);
  });
});
