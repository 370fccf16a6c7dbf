import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, PAGE_MAX_BYTES } from '../../backend/src/net/httpClient.js';
import { Site } from '../../backend/src/providers/site.js';
import { downloadHls } from '../../backend/src/downloads/engine/hls.js';
import { Throttle } from '../../backend/src/downloads/engine/throttle.js';
import { createMediaIo } from '../../backend/src/downloads/engine/io.js';
import { downloadImage } from '../../backend/src/metadata/artwork.js';
import type { TmdbClient } from '../../backend/src/metadata/tmdbClient.js';
import { startHostileServer, HUGE_BYTES, type HostileServer } from '../fakes/hostile.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

/**
 * Outgoing requests against a hostile remote: a huge body, an endless one, one that drips, an
 * image whose bytes are not what its type says. Each ends in a named error after at most the
 * cap's worth of bytes (the server sees the client hang up), never in memory growth or a request
 * held open for minutes.
 */
let hostile: HostileServer;
beforeAll(async () => {
  hostile = await startHostileServer({ dripMs: 50 });
});
afterAll(async () => {
  await hostile?.close();
});

/** What the hostile server got onto the socket before the client hung up (kernel buffers included). */
const sentTo = (key: string) => hostile.sent.get(key) ?? 0;

describe('pages, JSON and webhooks (HttpClient)', () => {
  it('a Content-Length over the cap is refused before the body is read', async () => {
    const http = new HttpClient({ retries: 0 });
    await expect(http.fetch(`${hostile.url}/huge/page`)).rejects.toThrow(/response too large/);
    expect(sentTo('/huge')).toBeLessThan(16 * 1024 * 1024); // of 300 MB announced
    expect(sentTo('/huge')).toBeLessThan(HUGE_BYTES / 10);
    await http.close();
  });

  it('an endless body is cut off past the cap', async () => {
    const http = new HttpClient({ retries: 2 });
    const before = sentTo('/endless');
    await expect(http.fetch(`${hostile.url}/endless/page`)).rejects.toMatchObject({ name: 'ResponseTooLarge', code: 'TOO_LARGE' });
    // never retried (the next answer is as large) and stopped near the 4 MB cap
    expect(sentTo('/endless') - before).toBeLessThan(PAGE_MAX_BYTES + 12 * 1024 * 1024);
    expect(hostile.hits.filter((h) => h === '/endless/page')).toHaveLength(1);
    await http.close();
  });

  it('a body dripping a byte at a time ends at the total deadline although it never idles', async () => {
    const http = new HttpClient({ retries: 0, timeoutMs: 10_000, deadlineMs: 600 });
    await expect(http.fetch(`${hostile.url}/drip/page`)).rejects.toThrow(/no complete answer within 0.6 s/);
    await http.close();
  });

  it('a provider page over the cap is `ProviderChanged: response too large`', async () => {
    const site = new Site({
      id: 'aniworld',
      baseUrl: hostile.url,
      extraDomains: [],
      userAgent: 'test',
      proxy: null,
      timeoutMs: 10_000,
      retries: 2,
      perHostConcurrency: 4,
    });
    await expect(site.html('/endless/anime/stream/x', 'series page')).rejects.toMatchObject({
      code: 'PROVIDER_CHANGED',
      message: expect.stringMatching(/^ProviderChanged: response too large \(aniworld series page over 4096 KiB\)/),
    });
    await expect(site.html('/huge/anime/stream/x', 'series page')).rejects.toThrow(/^ProviderChanged: response too large/);
    await site.close();
  });
});

describe('playlists and artwork', () => {
  const dispatcher = new Agent({ connections: 4 });
  const io = createMediaIo();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-hostile-'));
  afterAll(async () => {
    await dispatcher.close();
    io.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an endless playlist stops at the playlist cap with a named error', async () => {
    const before = sentTo('/endless');
    await expect(
      downloadHls({
        url: `${hostile.url}/endless/index.m3u8`,
        headers: {},
        dispatcher,
        io,
        signal: new AbortController().signal,
        dir,
        quality: null,
        concurrency: 2,
        retries: 3,
        stallMs: 10_000,
        throttle: new Throttle(() => 0),
      }),
    ).rejects.toThrow(/response too large: .* sent more than 10240 KiB/);
    expect(sentTo('/endless') - before).toBeLessThan(10 * 1024 * 1024 + 12 * 1024 * 1024);
  });

  it('artwork whose bytes are not its type, or too large, is refused', async () => {
    const tmdb = { imageUrl: `${hostile.url}/`, http: new HttpClient() } as unknown as TmdbClient;
    await expect(downloadImage(tmdb, `${hostile.url}/wrong-magic/poster.png`, 1 << 20)).rejects.toThrow(
      /Artwork refused: the bytes are not image\/png/,
    );
    await expect(downloadImage(tmdb, `${hostile.url}/endless/poster.png`, 1 << 20)).rejects.toThrow(/Artwork refused: response too large/);
    await expect(downloadImage(tmdb, `${hostile.url}/huge/poster.png`, 1 << 20)).rejects.toThrow(/Artwork refused: response too large/);
  });
});

describe('the cover proxy', () => {
  let srv: TestServer;
  let fake: FakeAniworld;
  let token: string;
  beforeAll(async () => {
    fake = await startFakeAniworld({ series: [simpleSeries('cover-demo', 'Cover Demo', { 1: 1 })] });
    // the hostile server is a configured provider host (anime-sama's base URL)
    srv = await startTestServer({ env: { ANIWORLD_URL: fake.url, ANIMESAMA_URL: hostile.url } });
    ({ token } = await adminClient(srv.url));
  });
  afterAll(async () => {
    await srv?.stop();
    await fake?.close();
  });
  const coverOf = (url: string) =>
    fetch(`${srv.url}/api/anime/search/cover?url=${encodeURIComponent(url)}`, { headers: { Authorization: `Bearer ${token}` } });

  it('refuses gzip bytes labelled image/png, huge and endless covers (502, named)', async () => {
    const wrong = await coverOf(`${hostile.url}/wrong-magic/cover.png`);
    expect(wrong.status).toBe(502);
    expect((await wrong.json()).message).toMatch(/bytes are not image\/png/);
    for (const kind of ['huge', 'endless']) {
      const res = await coverOf(`${hostile.url}/${kind}/cover.png`);
      expect(res.status, kind).toBe(502);
      expect((await res.json()).message).toMatch(/too large/);
    }
  });

  it("a host that hangs holds only its own slots: another provider's cover still answers", async () => {
    const stuck = Array.from({ length: 6 }, (_, i) => coverOf(`${hostile.url}/slow/cover-${i}.png`));
    await until(() => hostile.hits.filter((h) => h.startsWith('/slow/')).length === 4, 'its 4 slots taken');
    const other = await coverOf(`${fake.url}/public/img/cover/cover-demo.png`);
    expect(other.status).toBe(200);
    hostile.release();
    const answers = await Promise.all(stuck);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});
