/**
 * Fake video hosters on 127.0.0.1: one server serving each hoster's embed page (built from the
 * documented encodings, see hosterPages.ts), its side requests (Doodstream pass_md5, Filemoon
 * API, Luluvdo /dl, Streamtape get_video, Sibnet /v/) and the media itself, with the header
 * checks the real media servers make and behaviours for failure tests.
 *
 *   const fake = await startFakeHosters();
 *   const embed = fake.embed('VOE', { mp4: await makeMp4() }, { resetAfterBytes: 50_000 });
 *   const hls = fake.embed('Vidmoly', { hls: await makeHls({ aes: true }) }, { delayMs: 100 });
 *   fake.setBehavior(embed, { rateBytesPerSec: 0 });   // change while running
 *   fake.bytesSent(embed)   // media bytes sent for that embed (all requests)
 *   fake.openMedia(embed)   // media responses of that embed whose connection is still open
 *   fake.log                // [{ embed, path, range, status }]
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { HlsMedia } from './media.js';
import { encryptFilemoon, pages } from './hosterPages.js';

export type HosterName =
  'VOE' | 'Vidoza' | 'Doodstream' | 'Vidmoly' | 'Filemoon' | 'Streamtape' | 'SpeedFiles' | 'Luluvdo' | 'Sibnet' | 'SendVid';

export interface MediaBehavior {
  /** Media requests answer this status. */
  status?: number;
  /** The first media response is cut (socket destroyed) after this many bytes. */
  resetAfterBytes?: number;
  /** Serve media at this rate (a slow drip when tiny). */
  rateBytesPerSec?: number;
  /** Announce this many bytes more than are sent, then close. */
  lieExtraBytes?: number;
  /** Announce 50 GB. */
  hugeContentLength?: boolean;
  contentDisposition?: string;
  ignoreRange?: boolean;
  /** Added before every media/playlist/segment answer. */
  delayMs?: number;
  /** Serve only the first N bytes of the file, as if that were the whole file. */
  truncateTo?: number;
  /** HLS: these segment numbers answer 500 the first time. */
  failSegmentsOnce?: number[];
  /** HLS: these segment numbers always answer 404. */
  missingSegments?: number[];
  /** HLS: segments from this number on are replaced by junk bytes. */
  junkSegmentsFrom?: number;
  /** HLS: these segments' picture and sound data are damaged (the TS packets stay intact: a demux passes, a decode fails). */
  damageSegments?: number[];
  /** Embed page: 404, a page without a source, or the hoster's "down" page. */
  page?: 'ok' | '404' | 'broken' | 'legacy';
}

type Media = { mp4: string } | { hls: HlsMedia };

interface Embed {
  id: string;
  hoster: HosterName;
  media: Media;
  behavior: MediaBehavior;
  bytes: number;
  open: number;
  resetDone: boolean;
  failedOnce: Set<string>;
  token: string;
}

export interface FakeHosters {
  url: string;
  log: { embed: string; path: string; range: string | null; status: number }[];
  embed(hoster: HosterName, media: Media, behavior?: MediaBehavior): string;
  setBehavior(embedUrl: string, patch: Partial<MediaBehavior>): void;
  bytesSent(embedUrl: string): number;
  /** Media responses of the embed whose connection is still open (0 once the client let go of every one). */
  openMedia(embedUrl: string): number;
  /** Absolute URL of the media as served for an embed (for engine tests without a resolver). */
  mediaUrl(embedUrl: string): string;
  close(): Promise<void>;
}

const MOBILE = /Mobile/;

function required(hoster: HosterName, req: http.IncomingMessage, origin: string): string | null {
  const ua = req.headers['user-agent'] ?? '';
  const referer = req.headers.referer ?? '';
  switch (hoster) {
    case 'VOE':
      return /Mozilla/.test(ua) ? null : 'VOE media needs a browser User-Agent';
    case 'Filemoon':
      return /Mozilla/.test(ua) && referer.startsWith(origin) ? null : 'Filemoon media needs User-Agent and Referer';
    case 'Luluvdo':
      return MOBILE.test(ua) && req.headers.origin === origin && referer.startsWith(origin)
        ? null
        : 'Luluvdo media needs mobile UA, Origin, Referer';
    case 'Doodstream':
    case 'Vidmoly':
    case 'Sibnet':
    case 'SendVid':
      return referer.startsWith(origin) ? null : `${hoster} media needs a Referer`;
    default:
      return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeHosters(): Promise<FakeHosters> {
  const embeds = new Map<string, Embed>();
  const log: FakeHosters['log'] = [];
  const sockets = new Set<Socket>();
  let counter = 0;
  let origin = '';

  const idFromUrl = (u: string) => {
    const ids = [...u.matchAll(/(?<![A-Za-z0-9])(e\d+)(?![0-9])/g)].map((m) => m[1]!);
    const e = ids.map((id) => embeds.get(id)).find(Boolean);
    if (!e) throw new Error(`unknown embed ${u}`);
    return e;
  };
  const mediaBase = (e: Embed) => `${origin}/m/${e.id}/`;
  const mediaEntry = (e: Embed) => ('mp4' in e.media ? `${mediaBase(e)}video.mp4` : `${mediaBase(e)}${e.media.hls.master}`);

  function embedPage(e: Embed, res: http.ServerResponse, req: http.IncomingMessage, url: URL) {
    const b = e.behavior;
    if (b.page === '404') {
      res.writeHead(404).end('not found');
      return;
    }
    if (b.page === 'broken') {
      send(res, pages.broken());
      return;
    }
    const media = mediaEntry(e);
    switch (e.hoster) {
      case 'VOE':
        if (b.page === 'legacy') return send(res, pages.voeLegacy(media));
        if (url.pathname.startsWith('/voe/')) return send(res, pages.voeRedirect(`${origin}/voe2/e/${e.id}`));
        return send(res, pages.voe('mp4' in e.media ? { direct_access_url: media } : { source: media }));
      case 'Vidoza':
        return send(res, pages.vidoza(media));
      case 'Doodstream':
        return send(res, pages.dood(`/pass_md5/${e.id}-${crypto.randomBytes(3).toString('hex')}/${e.token}`, e.token));
      case 'Vidmoly':
        return send(res, pages.vidmoly(media));
      case 'Streamtape':
        return send(res, pages.streamtape(`${new URL(origin).host}/streamtape`, `id=${e.id}&expires=1700000000&ip=x&token=${e.token}`));
      case 'SpeedFiles':
        return send(res, pages.speedfiles(media));
      case 'Filemoon':
        return send(res, pages.filemoonPacked(media));
      case 'Sibnet':
        return send(res, pages.sibnet(`/v/${e.token}/${e.id}.mp4`));
      case 'SendVid':
        return send(res, pages.sendvid(media));
      case 'Luluvdo':
        return send(res, '<p>use /dl</p>');
    }
    void req;
  }

  async function serveMedia(e: Embed, rel: string, req: http.IncomingMessage, res: http.ServerResponse) {
    e.open++;
    res.once('close', () => e.open--);
    const b = e.behavior;
    const missing = required(e.hoster, req, origin);
    if (missing) {
      res.writeHead(403).end(missing);
      return 403;
    }
    if (b.delayMs) await sleep(b.delayMs);
    if (b.status) {
      res.writeHead(b.status).end('nope');
      return b.status;
    }
    let file: string;
    if ('mp4' in e.media) file = e.media.mp4;
    else {
      file = path.join(e.media.hls.dir, path.normalize(rel));
      if (!file.startsWith(e.media.hls.dir) || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return 404;
      }
      const seg = /seg_(\d+)\.ts$/.exec(rel);
      if (seg) {
        const n = Number(seg[1]);
        if (b.failSegmentsOnce?.includes(n) && !e.failedOnce.has(rel)) {
          e.failedOnce.add(rel);
          res.writeHead(500).end();
          return 500;
        }
        if (b.missingSegments?.includes(n)) {
          res.writeHead(404).end();
          return 404;
        }
        if (b.junkSegmentsFrom !== undefined && n >= b.junkSegmentsFrom) {
          const junk = Buffer.alloc(1024, 0x47 ^ n);
          e.bytes += junk.length;
          res.writeHead(200, { 'content-length': junk.length }).end(junk);
          return 200;
        }
        if (b.damageSegments?.includes(n)) {
          const data = Buffer.from(fs.readFileSync(file));
          // video packets (PID 0x100) that carry no PES header and no adaptation field: picture data only
          for (let p = 0; p + 188 <= data.length; p += 188) {
            const pid = ((data[p + 1]! & 0x1f) << 8) | data[p + 2]!;
            if (pid === 0x100 && !(data[p + 1]! & 0x40) && (data[p + 3]! & 0x30) === 0x10) data[p + 100]! ^= 0x5a;
          }
          e.bytes += data.length;
          res.writeHead(200, { 'content-length': data.length }).end(data);
          return 200;
        }
      }
    }
    const size = Math.min(fs.statSync(file).size, b.truncateTo ?? Infinity);
    let start = 0;
    let end = size - 1;
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    let status = 200;
    if (range && !b.ignoreRange) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return 416;
      }
      status = 206;
    }
    const headers: Record<string, string | number> = {
      'content-type': file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : file.endsWith('.ts') ? 'video/mp2t' : 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': b.hugeContentLength ? 50 * 1024 ** 3 : end - start + 1 + (b.lieExtraBytes ?? 0),
    };
    if (status === 206)
      headers['content-range'] = `bytes ${start}-${end}/${b.hugeContentLength ? 50 * 1024 ** 3 : size + (b.lieExtraBytes ?? 0)}`;
    if (b.contentDisposition) headers['content-disposition'] = b.contentDisposition;
    res.writeHead(status, headers);
    const resetAt = b.resetAfterBytes !== undefined && !e.resetDone && 'mp4' in e.media ? b.resetAfterBytes : Infinity;
    let sent = 0;
    const chunkSize = b.rateBytesPerSec ? Math.max(1, Math.min(64 * 1024, Math.floor(b.rateBytesPerSec / 10))) : 256 * 1024;
    const fd = fs.openSync(file, 'r');
    try {
      let pos = start;
      while (pos <= end) {
        if (res.destroyed) break;
        const rate = e.behavior.rateBytesPerSec; // may change while running
        const n = Math.min(rate ? chunkSize : 256 * 1024, end - pos + 1, resetAt - sent);
        if (n <= 0) {
          e.resetDone = true;
          req.socket.destroy();
          return status;
        }
        const buf = Buffer.alloc(n);
        fs.readSync(fd, buf, 0, n, pos);
        pos += n;
        sent += n;
        e.bytes += n;
        // a client that lets go closes the response: no drain follows then
        if (!res.write(buf)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
        if (rate) await sleep((n / rate) * 1000);
      }
    } finally {
      fs.closeSync(fd);
    }
    if (b.lieExtraBytes || b.hugeContentLength) req.socket.destroy();
    else res.end();
    return status;
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const p = url.pathname;
    let status = 200;
    let embedId = '';
    try {
      let m: RegExpExecArray | null;
      if ((m = /^\/m\/(e\d+)\/(.*)$/.exec(p))) {
        const e = embeds.get(m[1]!);
        if (!e) {
          res.writeHead(404).end();
          status = 404;
          return;
        }
        embedId = e.id;
        if (e.hoster === 'Doodstream' && url.searchParams.get('token') !== e.token) {
          res.writeHead(403).end('bad token');
          status = 403;
          return;
        }
        status = await serveMedia(e, e.hoster === 'Doodstream' ? '' : decodeURIComponent(m[2]!), req, res);
      } else if ((m = /^\/pass_md5\/(e\d+)-/.exec(p))) {
        const e = embeds.get(m[1]!)!;
        embedId = e.id;
        if (!(req.headers.referer ?? '').startsWith(origin)) {
          res.writeHead(403).end();
          status = 403;
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${mediaBase(e)}dood/`);
      } else if ((m = /^\/api\/videos\/(e\d+)$/.exec(p))) {
        const e = embeds.get(m[1]!)!;
        embedId = e.id;
        if (e.behavior.page === 'legacy') {
          res.writeHead(404).end();
          status = 404;
          return;
        }
        const playback = encryptFilemoon({
          sources: [
            { url: `${origin}/m/${e.id}/low-does-not-exist.m3u8`, height: 240, label: '240p' },
            { url: mediaEntry(e), height: 1080, label: '1080p' },
          ],
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: e.id, playback }));
      } else if (p === '/dl') {
        const e = embeds.get(url.searchParams.get('file_code') ?? '')!;
        embedId = e?.id ?? '';
        if (!e || url.searchParams.get('op') !== 'embed') {
          res.writeHead(404).end();
          status = 404;
          return;
        }
        if (!MOBILE.test(req.headers['user-agent'] ?? '') || req.headers.origin !== origin) {
          res.writeHead(403).end('mobile only');
          status = 403;
          return;
        }
        if (e.behavior.page === '404') {
          res.writeHead(404).end();
          status = 404;
          return;
        }
        send(res, e.behavior.page === 'broken' ? pages.broken() : pages.luluvdo(mediaEntry(e)));
      } else if (p === '/streamtape/get_video') {
        const e = embeds.get(url.searchParams.get('id') ?? '')!;
        embedId = e.id;
        if (url.searchParams.get('token') !== e.token) {
          res.writeHead(403).end();
          status = 403;
          return;
        }
        res.writeHead(302, { location: mediaEntry(e) }).end();
        status = 302;
      } else if ((m = /^\/v\/([a-f0-9]+)\/(e\d+)\.mp4$/.exec(p))) {
        const e = embeds.get(m[2]!)!;
        embedId = e.id;
        if (!(req.headers.referer ?? '').startsWith(origin)) {
          res.writeHead(403).end();
          status = 403;
          return;
        }
        res.writeHead(302, { location: mediaEntry(e) }).end();
        status = 302;
      } else {
        const e = idFromUrl(req.url ?? '');
        embedId = e.id;
        embedPage(e, res, req, url);
        status = res.statusCode;
      }
    } catch (err) {
      status = 500;
      if (!res.headersSent) res.writeHead(500).end(String(err));
    } finally {
      log.push({ embed: embedId, path: p, range: req.headers.range ?? null, status });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const embedPath: Record<HosterName, (id: string) => string> = {
    VOE: (id) => `/voe/e/${id}`,
    Vidoza: (id) => `/vidoza/embed-${id}.html`,
    Doodstream: (id) => `/dood/e/${id}`,
    Vidmoly: (id) => `/vidmoly/embed-${id}.html`,
    Filemoon: (id) => `/filemoon/e/${id}`,
    Streamtape: (id) => `/streamtape/e/${id}`,
    SpeedFiles: (id) => `/speedfiles/${id}`,
    Luluvdo: (id) => `/luluvdo/e/${id}`,
    Sibnet: (id) => `/sibnet/shell.php?videoid=${id}`,
    SendVid: (id) => `/sendvid/embed/${id}`,
  };

  return {
    url: origin,
    log,
    embed(hoster, media, behavior = {}) {
      const id = `e${++counter}`;
      embeds.set(id, {
        id,
        hoster,
        media,
        behavior: { ...behavior },
        bytes: 0,
        open: 0,
        resetDone: false,
        failedOnce: new Set(),
        token: crypto.randomBytes(8).toString('hex'),
      });
      return origin + embedPath[hoster](id);
    },
    setBehavior(embedUrl, patch) {
      const e = idFromUrl(embedUrl);
      e.behavior = { ...e.behavior, ...patch };
    },
    bytesSent: (embedUrl) => idFromUrl(embedUrl).bytes,
    openMedia: (embedUrl) => idFromUrl(embedUrl).open,
    mediaUrl: (embedUrl) => mediaEntry(idFromUrl(embedUrl)),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function send(res: http.ServerResponse, html: string) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
}
