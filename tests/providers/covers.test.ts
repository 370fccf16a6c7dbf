import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { coverPng, simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';

let srv: TestServer;
let fake: FakeAniworld;
let api: ReturnType<typeof client>;
let token: string;
let foreign: http.Server;
let foreignUrl: string;
const foreignHits: string[] = [];

beforeAll(async () => {
  fake = await startFakeAniworld({ series: [simpleSeries('cover-demo', 'Cover Demo', { 1: 1 }, { year: 2019 })] });
  // another host on this machine: what an SSRF would aim at
  foreign = http.createServer((req, res) => {
    foreignHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(coverPng('secret'));
  });
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api, token } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
  await new Promise((r) => foreign?.close(r));
});

const coverOf = (url: string) =>
  fetch(`${srv.url}/api/anime/search/cover?url=${encodeURIComponent(url)}`, { headers: { Authorization: `Bearer ${token}` } });

describe('search covers through the server', () => {
  it("a search result's cover from the provider shows through the proxy, cached", async () => {
    const hits = (await api.get('/api/anime/search?query=Cover')).body;
    expect(hits[0].cover).toMatch(new RegExp(`^${fake.url}/public/img/cover/cover-demo`));
    const res = await coverOf(hits[0].cover);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(coverPng('cover-demo-220x330'))).toBe(true);

    const fetched = () => fake.requests.filter((r) => r.startsWith('GET /public/img/cover/')).length;
    const before = fetched();
    expect((await coverOf(hits[0].cover)).status).toBe(200);
    expect(fetched()).toBe(before); // the second answer came from the cache
  });

  it('refuses any host that is not a configured provider (400) and never contacts it', async () => {
    for (const url of [
      `${foreignUrl}/public/img/cover/x.png`,
      'file:///etc/passwd',
      'http://169.254.169.254/latest/meta-data',
      'not a url',
      `${fake.url.replace('127.0.0.1', 'localhost')}/public/img/cover/x.png`,
    ]) {
      const res = await coverOf(url);
      expect(res.status, url).toBe(400);
      expect((await res.json()).message).toMatch(/provider/);
    }
    expect(foreignHits).toEqual([]);
  });

  it('a provider page that is not an image is refused; a missing cover is a 404; login is needed', async () => {
    expect((await coverOf(`${fake.url}/anime/stream/cover-demo`)).status).toBe(502);
    expect((await coverOf(`${fake.url}/public/img/cover/Nope.png`)).status).toBe(404);
    const anon = await fetch(`${srv.url}/api/anime/search/cover?url=${encodeURIComponent(`${fake.url}/public/img/cover/cover-demo.png`)}`);
    expect(anon.status).toBe(401);
  });
});
