import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/**
 * A hostile remote: answers that would exhaust memory or time if read naively.
 * - `/huge…`: announces (and would send) 300 MB.
 * - `/endless…`: chunked, no length, sends until the client hangs up.
 * - `/drip…`: a 200 with a body of one byte every `dripMs`, forever.
 * - `/wrong-magic…`: says `image/png`, sends gzip bytes.
 * - `/slow…`: answers only when `release()` is called (a host that hangs).
 * Every path may end in anything (`/huge/cover.png`, `/drip/anime/stream/x`). `sent` counts the
 * body bytes each path got onto the socket, so a test sees where the client stopped reading.
 */
export interface HostileServer {
  url: string;
  sent: Map<string, number>;
  hits: string[];
  /** Lets every `/slow` request answer (a 1×1 PNG). */
  release(): void;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'a');
export const HUGE_BYTES = 300 * 1024 * 1024;
const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

export async function startHostileServer(opts: { dripMs?: number } = {}): Promise<HostileServer> {
  const dripMs = opts.dripMs ?? 100;
  const sent = new Map<string, number>();
  const hits: string[] = [];
  const held: (() => void)[] = [];
  let released = false;
  const count = (key: string, n: number) => sent.set(key, (sent.get(key) ?? 0) + n);
  const timers = new Set<NodeJS.Timeout>();

  const pump = (res: http.ServerResponse, key: string, limit: number) => {
    let total = 0;
    const write = () => {
      while (total < limit && !res.destroyed) {
        total += CHUNK.length;
        count(key, CHUNK.length);
        if (!res.write(CHUNK)) return void res.once('drain', write);
      }
      if (!res.destroyed) res.end();
    };
    write();
  };

  const server = http.createServer((req, res) => {
    const p = req.url ?? '/';
    hits.push(p);
    const key = '/' + (p.split('/')[1] ?? '');
    res.on('error', () => undefined);
    if (key === '/huge') {
      res.writeHead(200, { 'content-type': p.endsWith('.png') ? 'image/png' : 'text/html', 'content-length': String(HUGE_BYTES) });
      return pump(res, key, HUGE_BYTES);
    }
    if (key === '/endless') {
      res.writeHead(200, {
        'content-type': p.endsWith('.png') ? 'image/png' : p.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'text/html',
      });
      if (p.endsWith('.m3u8')) {
        res.write('#EXTM3U\n');
        count(key, 8);
      }
      return pump(res, key, Infinity);
    }
    if (key === '/drip') {
      res.writeHead(200, { 'content-type': p.endsWith('.png') ? 'image/png' : 'text/html' });
      res.write(p.endsWith('.png') ? PNG_1x1.subarray(0, 8) : '<html>');
      const t = setInterval(() => {
        if (res.destroyed) {
          clearInterval(t);
          timers.delete(t);
          return;
        }
        res.write('a');
        count(key, 1);
      }, dripMs);
      timers.add(t);
      res.on('close', () => {
        clearInterval(t);
        timers.delete(t);
      });
      return;
    }
    if (key === '/wrong-magic') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return void res.end(zlib.gzipSync(Buffer.from('not an image at all')));
    }
    if (key === '/slow') {
      const answer = () => {
        if (!res.destroyed) {
          res.writeHead(200, { 'content-type': 'image/png' });
          res.end(PNG_1x1);
        }
      };
      if (released) answer();
      else held.push(answer);
      return;
    }
    if (p.endsWith('.png')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      return void res.end(PNG_1x1);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    hits,
    release: () => {
      released = true;
      for (const a of held.splice(0)) a();
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export { PNG_1x1 };
