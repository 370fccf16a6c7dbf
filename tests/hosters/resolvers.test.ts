import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../backend/src/net/httpClient.js';
import { findHoster, HOSTER_LIST, HosterError, type HosterContext } from '../../backend/src/providers/hosters/index.js';
import { decodeVoe } from '../../backend/src/providers/hosters/voe.js';
import { decodeSpeedFiles } from '../../backend/src/providers/hosters/speedfiles.js';
import { evalStringPieces } from '../../backend/src/providers/hosters/streamtape.js';
import { startFakeHosters, type FakeHosters, type HosterName } from '../fakes/hosters.js';
import { encodeSpeedFiles, encodeVoe } from '../fakes/hosterPages.js';
import { makeHls, makeMp4, type HlsMedia } from '../fakes/media.js';

let fake: FakeHosters;
let mp4: string;
let hls: HlsMedia;
const http = new HttpClient({ retries: 0, timeoutMs: 5000 });
const ctx: HosterContext = { http, userAgent: http.userAgent };

beforeAll(async () => {
  [mp4, hls] = await Promise.all([makeMp4(), makeHls()]);
  fake = await startFakeHosters();
});
afterAll(async () => {
  await fake?.close();
  await http.close();
});

async function fetchMedia(url: string, headers: Record<string, string>) {
  const res = await http.fetch(url, { headers });
  return { status: res.status, body: res.body };
}

const MP4_HOSTERS: HosterName[] = ['VOE', 'Vidoza', 'Doodstream', 'Streamtape', 'SpeedFiles', 'Sibnet', 'SendVid'];
const HLS_HOSTERS: HosterName[] = ['VOE', 'Vidmoly', 'Filemoon', 'Luluvdo'];

describe('hoster resolvers against fake embed pages', () => {
  for (const name of MP4_HOSTERS) {
    it(`${name} resolves an MP4 that the media server hands out with the resolver's headers`, async () => {
      const embed = fake.embed(name, { mp4 });
      const media = await findHoster(name)!.resolve(embed, ctx);
      expect(media.kind).toBe('mp4');
      const res = await fetchMedia(media.url, media.headers);
      expect(res.status).toBe(200);
      expect(res.body.equals(fs.readFileSync(mp4))).toBe(true);
    });
  }
  for (const name of HLS_HOSTERS) {
    it(`${name} resolves an HLS master playlist`, async () => {
      const embed = fake.embed(name, { hls });
      const media = await findHoster(name)!.resolve(embed, ctx);
      expect(media.kind).toBe('hls');
      const res = await fetchMedia(media.url, media.headers);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('#EXT-X-STREAM-INF');
      // the media server refuses requests without the hoster's headers (except VOE's plain UA check)
      if (name !== 'VOE') expect((await fetchMedia(media.url, { 'user-agent': 'curl/8' })).status).toBe(403);
    });
  }

  it('VOE: older pages with a168c are decoded', async () => {
    const embed = fake.embed('VOE', { hls }, { page: 'legacy' });
    const media = await findHoster('voe')!.resolve(embed, ctx);
    expect(media.url).toBe(fake.mediaUrl(embed));
  });

  it('Filemoon: older pages with a packed script are unpacked', async () => {
    const embed = fake.embed('Filemoon', { hls }, { page: 'legacy' });
    const media = await findHoster('Filemoon')!.resolve(embed, ctx);
    expect(media.url).toBe(fake.mediaUrl(embed));
  });

  it('a missing page, a page without source and a down hoster give clear errors', async () => {
    const gone = fake.embed('Vidoza', { mp4 }, { page: '404' });
    await expect(findHoster('Vidoza')!.resolve(gone, ctx)).rejects.toThrow(/Vidoza: embed page not found \(404\)/);
    const broken = fake.embed('SendVid', { mp4 }, { page: 'broken' });
    await expect(findHoster('SendVid')!.resolve(broken, ctx)).rejects.toThrow(/SendVid: no video source found/);
    const err = await findHoster('Streamtape')!
      .resolve(fake.embed('Streamtape', { mp4 }, { page: 'broken' }), ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(HosterError);
  });
});

describe('decoders', () => {
  it('VOE decoding inverts the documented encoding (ROT13, junk, base64, shift 3, reverse, base64)', () => {
    const data = { source: 'https://cdn.example/hls/master.m3u8?t=ÄÖ', direct_access_url: 'https://cdn.example/v.mp4' };
    expect(decodeVoe(encodeVoe(data))).toEqual(data);
    expect(() => decodeVoe('not-an-encoded-string')).toThrow();
  });
  it('SpeedFiles decoding inverts the documented encoding', () => {
    const url = 'https://speedfiles.example/media/abc123.mp4?token=Zx9';
    expect(decodeSpeedFiles(encodeSpeedFiles(url))).toBe(url);
  });
  it('Streamtape robotlink pieces are joined with their substring calls', () => {
    expect(evalStringPieces(`'//streamtape.com/get_'+ ('xcdvideo?id=1&token=ab').substring(1).substring(2)`)).toBe(
      '//streamtape.com/get_video?id=1&token=ab',
    );
    expect(evalStringPieces(`"//st.to/get_video?id=9" + ('abc').substring(1, 2)`)).toBe('//st.to/get_video?id=9b');
  });
});

describe('registry', () => {
  it('finds hosters by name and by (configured) domain', () => {
    expect(HOSTER_LIST).toHaveLength(10);
    expect(findHoster('Vidoza')?.name).toBe('Vidoza');
    expect(findHoster('doodstream')?.name).toBe('Doodstream');
    expect(findHoster(null, 'https://playmogo.com/e/x')?.name).toBe('Doodstream');
    expect(findHoster(null, 'https://www.vidmoly.biz/embed-x.html')?.name).toBe('Vidmoly');
    expect(findHoster('Unknown', 'https://new-voe-mirror.example/e/1')).toBeNull();
    expect(findHoster('Unknown', 'https://new-voe-mirror.example/e/1', { VOE: ['new-voe-mirror.example'] })?.name).toBe('VOE');
  });
});
