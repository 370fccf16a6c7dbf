import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadMp4 } from '../../backend/src/downloads/engine/mp4.js';
import { Throttle } from '../../backend/src/downloads/engine/throttle.js';
import { createMediaIo } from '../../backend/src/downloads/engine/io.js';

/**
 * The MP4 downloader reads bodies straight off the socket (engine/direct.ts). These servers answer
 * the way real CDNs sometimes do: chunked, with 103 Early Hints first, redirected, over TLS, or
 * closing the connection to end the body.
 */
const data = crypto.randomBytes(3 * 1024 * 1024 + 123);
const dispatcher = new Agent();
const io = createMediaIo();
let tmp: string;
let n = 0;
const file = () => path.join(tmp, `d${++n}.mp4`);
const opts = (url: string) => ({
  url,
  headers: { 'user-agent': 'Mozilla/5.0 test', referer: 'https://hoster.example/e/1' },
  dispatcher,
  io,
  signal: new AbortController().signal,
  file: file(),
  stallMs: 2000,
  maxBytes: 1 << 30,
  throttle: new Throttle(() => 0),
  maxAttempts: 2,
});
const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  seen.push({ url: req.url!, headers: req.headers });
  if (req.url === '/moved') return res.writeHead(302, { location: '/plain' }).end();
  if (req.url === '/chunked') {
    res.writeHead(200, { 'transfer-encoding': 'chunked' });
    for (let at = 0; at < data.length; at += 100_000) res.write(data.subarray(at, at + 100_000));
    return res.end();
  }
  if (req.url === '/hints') res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
  res.writeHead(200, { 'content-length': data.length }).end(data);
}

let plain: http.Server;
let secure: https.Server;
let raw: net.Server;
const base = (s: { address(): AddressInfo | string | null }, scheme = 'http') =>
  `${scheme}://127.0.0.1:${(s.address() as AddressInfo).port}`;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-direct-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      path.join(tmp, 'key.pem'),
      '-out',
      path.join(tmp, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  plain = http.createServer(handler);
  secure = https.createServer(
    { key: fs.readFileSync(path.join(tmp, 'key.pem')), cert: fs.readFileSync(path.join(tmp, 'cert.pem')) },
    handler,
  );
  // HTTP/1.0 style: no length, the end of the connection ends the body
  raw = net.createServer((sock) => {
    sock.once('data', () => sock.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\n\r\n'), data])));
  });
  await Promise.all([plain, secure, raw].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
});
afterAll(async () => {
  await Promise.all([plain, secure, raw].map((s) => new Promise((r) => s.close(r))));
  await dispatcher.close();
  io.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const same = (f: string) => fs.readFileSync(f).equals(data);

describe('MP4 bodies read straight off the socket', () => {
  it('a plain answer arrives whole, with the hoster headers sent', async () => {
    const o = opts(`${base(plain)}/plain`);
    expect((await downloadMp4(o)).bytes).toBe(data.length);
    expect(same(o.file)).toBe(true);
    expect(seen.at(-1)!.headers.referer).toBe('https://hoster.example/e/1');
  });

  it('follows a redirect, skips 103 Early Hints, and falls back to node:http for a chunked answer', async () => {
    for (const p of ['/moved', '/hints', '/chunked']) {
      const o = opts(`${base(plain)}${p}`);
      expect((await downloadMp4(o)).bytes).toBe(data.length);
      expect(same(o.file)).toBe(true);
    }
  });

  it('a body ended by the connection closing is complete', async () => {
    const o = opts(`${base(raw)}/`);
    expect((await downloadMp4(o)).bytes).toBe(data.length);
    expect(same(o.file)).toBe(true);
  });

  it('HTTPS checks the certificate: a self-signed one is refused', async () => {
    const o = opts(`${base(secure, 'https')}/plain`);
    await expect(downloadMp4(o)).rejects.toThrow(/self[- ]signed/i);
  });

  it('HTTPS carries the body whole once the certificate is trusted', async () => {
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const o = opts(`${base(secure, 'https')}/plain`);
      expect((await downloadMp4(o)).bytes).toBe(data.length);
      expect(same(o.file)).toBe(true);
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
    }
  });

  it('a header value with a line break is refused before anything is sent', async () => {
    const count = seen.length;
    const o = { ...opts(`${base(plain)}/plain`), headers: { referer: 'https://x/\r\nX-Injected: 1' } };
    await expect(downloadMp4(o)).rejects.toThrow(/invalid request header "referer"/);
    expect(seen.length).toBe(count);
  });
});
