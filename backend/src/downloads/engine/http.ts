import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { loadUndici } from '../../net/undici.js';
import { directGet, type DirectBody } from './direct.js';
import { DownloadError, isTransient } from './errors.js';
import type { MediaIo } from './io.js';

/**
 * Media requests with manual redirects (each hop keeps the hoster's headers). Bodies come from
 * node:http with keep-alive (its native parser hands socket data over without copying: about a
 * third of undici's CPU per byte, which is what bounds an HLS download); through a proxy the
 * given undici dispatcher carries them.
 */
export interface MediaRequest {
  url: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  /** The app's engine I/O state: its keep-alive pools carry the request (its disk watch, the writes). */
  io: MediaIo;
  signal: AbortSignal;
  /** No response headers within this time → timeout (ms). */
  headersTimeoutMs?: number;
}

export interface OpenResponse {
  status: number;
  headers: Record<string, string>;
  url: string;
  body: Readable;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** Discards a body we do not read (undici drains a small one to keep the connection). */
export async function discard(body: Readable): Promise<void> {
  const dump = (body as { dump?: () => Promise<unknown> }).dump;
  if (dump) await dump.call(body).catch(() => undefined);
  else body.destroy();
}

/**
 * Reads a body through 'data' events (no promise per chunk, unlike async iteration). When
 * `onChunk` returns a promise the body pauses until it settles; a throw or a rejection stops it.
 */
export function readBody(body: Readable, onChunk: (buf: Buffer) => Promise<unknown> | void | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let wait: Promise<unknown> | null = null;
    let settled = false;
    let ended = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      body.destroy();
      reject(err);
    };
    body.on('data', (buf: Buffer) => {
      if (settled) return;
      let r;
      try {
        r = onChunk(buf);
      } catch (err) {
        return fail(err);
      }
      if (!r) return;
      body.pause();
      wait = r.then(() => {
        wait = null;
        if (!settled) body.resume();
      }, fail);
    });
    body.once('end', () => {
      ended = true;
      const finish = () => {
        if (settled) return;
        settled = true;
        resolve();
      };
      if (wait) void wait.then(finish);
      else finish();
    });
    body.once('error', fail);
    body.once('close', () => {
      if (!ended) fail(Object.assign(new DownloadError('connection closed prematurely'), { code: 'ECONNRESET' }));
    });
  });
}

function nodeRequest(
  url: string,
  headers: Record<string, string>,
  agents: MediaIo['agents'],
  signal: AbortSignal,
  headersTimeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const agent = agents[u.protocol];
    if (!agent) return reject(new DownloadError(`unsupported media URL scheme ${u.protocol}`));
    const get = u.protocol === 'https:' ? https.request : http.request;
    const req = get(u, { method: 'GET', headers, agent, signal }, (res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    const timer = setTimeout(
      () => req.destroy(Object.assign(new DownloadError(`no answer within ${headersTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      headersTimeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

async function undiciRequest(url: string, headers: Record<string, string>, req: MediaRequest, headersTimeoutMs: number): Promise<Answer> {
  const { request } = await loadUndici();
  const res = await request(url, {
    method: 'GET',
    headers,
    dispatcher: req.dispatcher,
    signal: req.signal,
    headersTimeout: headersTimeoutMs,
    bodyTimeout: 0, // stalls are measured by the caller over a window
  });
  return { status: res.statusCode, headers: res.headers, body: res.body };
}

const viaProxy = async (d: Dispatcher) => {
  const { EnvHttpProxyAgent, ProxyAgent } = await loadUndici();
  return d instanceof ProxyAgent || d instanceof EnvHttpProxyAgent;
};

export async function openMedia(req: MediaRequest, extraHeaders: Record<string, string> = {}): Promise<OpenResponse> {
  let url = req.url;
  const timeout = req.headersTimeoutMs ?? 30_000;
  const proxied = await viaProxy(req.dispatcher);
  for (let hop = 0; hop < 10; hop++) {
    const sent = { accept: '*/*', ...req.headers, ...extraHeaders };
    const res = proxied ? await undiciRequest(url, sent, req, timeout) : await nodeRequest(url, sent, req.io.agents, req.signal, timeout);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    if (res.status >= 300 && res.status < 400 && headers.location) {
      await discard(res.body);
      url = new URL(headers.location, url).toString();
      continue;
    }
    return { status: res.status, headers, url, body: res.body };
  }
  throw new DownloadError(`too many redirects from ${new URL(req.url).host}`);
}

/** A Readable as a DirectBody (its chunks may be kept: they are never reused). */
function readableBody(body: Readable): DirectBody {
  return { read: (onChunk) => readBody(body, onChunk), destroy: (err) => body.destroy(err) };
}

/**
 * As openMedia, for one large file: straight off the socket (direct.ts) unless a proxy carries
 * it or the server answers chunked. The body's chunks are only valid while they are handled.
 */
export async function openMediaFile(
  req: MediaRequest,
  extraHeaders: Record<string, string> = {},
): Promise<Omit<OpenResponse, 'body'> & { body: DirectBody }> {
  if (await viaProxy(req.dispatcher)) {
    const res = await openMedia(req, extraHeaders);
    return { ...res, body: readableBody(res.body) };
  }
  let url = req.url;
  const timeout = req.headersTimeoutMs ?? 30_000;
  for (let hop = 0; hop < 10; hop++) {
    const sent = { accept: '*/*', ...req.headers, ...extraHeaders };
    const direct = await directGet(url, sent, req.signal, timeout);
    if (!direct) {
      const res = await openMedia({ ...req, url }, extraHeaders);
      return { ...res, body: readableBody(res.body) };
    }
    if (direct.status >= 300 && direct.status < 400 && direct.headers.location) {
      direct.body.destroy();
      url = new URL(direct.headers.location, url).toString();
      continue;
    }
    return { status: direct.status, headers: direct.headers, url, body: direct.body };
  }
  throw new DownloadError(`too many redirects from ${new URL(req.url).host}`);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * A whole small resource (playlist, key, HLS segment) into memory, retried on resets, timeouts,
 * 5xx and the 403s some hosters answer once before a 200. `stallMs` bounds the body time.
 */
export async function fetchBuffer(req: MediaRequest, opts: FetchOptions): Promise<Buffer> {
  const chunks = await fetchChunks(req, opts);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

interface FetchOptions {
  retries: number;
  extraHeaders?: Record<string, string>;
  stallMs: number;
  onChunk?: (n: number) => Promise<void> | void | undefined;
  /** Byte cap (playlists, keys): a Content-Length over it is refused unread, a longer body cut off. */
  maxBytes?: number;
  /** Each attempt must finish within this (ms), however slowly the bytes drip. */
  deadlineMs?: number;
}

/** A playlist or key larger than its cap (never retried). */
export class ResponseTooLarge extends DownloadError {
  constructor(url: string, limit: number) {
    super(`response too large: ${new URL(url).host} sent more than ${Math.round(limit / 1024)} KiB`);
    this.name = 'ResponseTooLarge';
  }
}

/** Playlists: ~10 MB is far beyond any real one (a 24-minute episode's is a few KiB). */
export const PLAYLIST_MAX_BYTES = 10 * 1024 * 1024;

/** As fetchBuffer, the body as the chunks that arrived (no joined copy). */
export async function fetchChunks(req: MediaRequest, opts: FetchOptions): Promise<Buffer[]> {
  let lastErr: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(4000, 150 * 2 ** (attempt - 1)), req.signal);
    const ac = new AbortController();
    const onAbort = () => ac.abort(req.signal.reason);
    req.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(new DownloadError(`no data for ${opts.stallMs / 1000} s`)), opts.stallMs);
    const deadline = opts.deadlineMs
      ? setTimeout(() => ac.abort(new DownloadError(`no complete answer within ${opts.deadlineMs! / 1000} s`)), opts.deadlineMs)
      : undefined;
    const limit = opts.maxBytes ?? Infinity;
    try {
      const res = await openMedia({ ...req, signal: ac.signal, headersTimeoutMs: opts.stallMs }, opts.extraHeaders);
      if (res.status < 200 || res.status >= 300) {
        await discard(res.body);
        const err = new DownloadError(`HTTP ${res.status} for ${new URL(res.url).pathname.split('/').pop()}`, false, res.status);
        lastErr = err;
        if (res.status === 403 || res.status === 408 || res.status === 429 || res.status >= 500) continue;
        throw err;
      }
      if (Number(res.headers['content-length'] ?? 0) > limit) {
        res.body.destroy();
        throw new ResponseTooLarge(res.url, limit);
      }
      const chunks: Buffer[] = [];
      let got = 0;
      await readBody(res.body, (chunk) => {
        timer.refresh();
        got += chunk.length;
        if (got > limit) throw new ResponseTooLarge(res.url, limit);
        chunks.push(chunk);
        return opts.onChunk?.(chunk.length);
      });
      const announced = res.headers['content-length'];
      if (announced !== undefined && Number(announced) !== got) {
        lastErr = new DownloadError(`size check failed: got ${got} of ${announced} bytes`);
        continue;
      }
      return chunks;
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      if (err instanceof ResponseTooLarge) throw err;
      if (err instanceof DownloadError && err.status && err.status < 500 && err.status !== 403) throw err;
      if (!(err instanceof DownloadError) && !isTransient(err) && !ac.signal.aborted) throw err;
      lastErr = ac.signal.aborted ? ac.signal.reason : err;
    } finally {
      clearTimeout(timer);
      clearTimeout(deadline);
      req.signal.removeEventListener('abort', onAbort);
    }
  }
  throw lastErr instanceof Error ? lastErr : new DownloadError(String(lastErr));
}
