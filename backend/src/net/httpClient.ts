import type { Dispatcher } from 'undici';
import { loadUndici } from './undici.js';

/**
 * Outbound HTTP for providers, hosters, TMDB and webhooks: undici with timeouts, retries with
 * backoff on 5xx and connection resets, a polite per-host concurrency limit, a User-Agent and an
 * optional proxy. Every answer is read with a byte cap (a Content-Length over it is refused before
 * a byte of the body is read; otherwise the stream is cut off past it) and within a total deadline
 * besides the idle timeout, so a huge, endless or dripping body costs neither memory nor time.
 */
export const PAGE_MAX_BYTES = 4 * 1024 * 1024;

export interface HttpClientOptions {
  userAgent?: string;
  proxy?: string | null;
  /** Idle timeout: no headers or no body data for this long (ms). */
  timeoutMs?: number;
  /** The whole request (headers and body, redirects included) must finish within this (ms); default twice timeoutMs. */
  deadlineMs?: number;
  /** Largest body read (default PAGE_MAX_BYTES). */
  maxBytes?: number;
  retries?: number;
  /** Base delay of the exponential backoff (ms). */
  backoffMs?: number;
  perHostConcurrency?: number;
  /** Extra headers sent with every request (Referer, Accept-Language, ...). */
  headers?: Record<string, string>;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Follow redirects (default true); false returns the 3xx answer itself. */
  followRedirects?: boolean;
  timeoutMs?: number;
  deadlineMs?: number;
  maxBytes?: number;
  retries?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  url: string;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export class HttpError extends Error {
  constructor(
    message: string,
    public url: string,
    public status?: number,
    public code?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** An answer larger than the cap for its kind (never retried: the next one is as large). */
export class ResponseTooLarge extends HttpError {
  constructor(
    url: string,
    public limit: number,
  ) {
    super(`response too large: ${new URL(url).host} sent more than ${limit} bytes`, url, undefined, 'TOO_LARGE');
    this.name = 'ResponseTooLarge';
  }
}

/** Reads a body stream into one buffer, cut off (and destroyed) past `limit` bytes. */
export async function readCapped(
  body: AsyncIterable<unknown> & { destroy?: (err?: Error) => void },
  limit: number,
  url: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      const err = new ResponseTooLarge(url, limit);
      body.destroy?.(err);
      throw err;
    }
    chunks.push(buf);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** True when a Content-Length announces more than `limit` bytes. */
export const announcedOver = (headers: Record<string, string | string[] | undefined>, limit: number): boolean =>
  Number(headers['content-length'] ?? 0) > limit;

const RETRY_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** A counting semaphore per host. */
class HostLimiter {
  private active = new Map<string, number>();
  private waiting = new Map<string, (() => void)[]>();
  constructor(private limit: number) {}
  async acquire(host: string): Promise<() => void> {
    const n = this.active.get(host) ?? 0;
    if (n >= this.limit)
      await new Promise<void>((r) => {
        const q = this.waiting.get(host) ?? [];
        q.push(r);
        this.waiting.set(host, q);
      });
    this.active.set(host, (this.active.get(host) ?? 0) + 1);
    return () => {
      this.active.set(host, (this.active.get(host) ?? 1) - 1);
      const next = this.waiting.get(host)?.shift();
      if (next) next();
    };
  }
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export class HttpClient {
  private agent: Dispatcher | null = null;
  private limiter: HostLimiter;
  private opts: Required<Omit<HttpClientOptions, 'proxy' | 'deadlineMs'>> & { proxy: string | null; deadlineMs: number | null };

  constructor(options: HttpClientOptions = {}) {
    this.opts = {
      userAgent:
        options.userAgent ??
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      proxy: options.proxy ?? null,
      timeoutMs: options.timeoutMs ?? 30_000,
      deadlineMs: options.deadlineMs ?? null,
      maxBytes: options.maxBytes ?? PAGE_MAX_BYTES,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 300,
      perHostConcurrency: options.perHostConcurrency ?? 4,
      headers: options.headers ?? {},
    };
    this.limiter = new HostLimiter(this.opts.perHostConcurrency);
  }

  /** The undici dispatcher every request of this client goes through (made on first use: undici loads lazily). */
  async dispatcher(): Promise<Dispatcher> {
    const { Agent, ProxyAgent } = await loadUndici();
    this.agent ??= this.opts.proxy
      ? new ProxyAgent({ uri: this.opts.proxy, connections: 64 })
      : new Agent({ connections: 64, keepAliveTimeout: 10_000 });
    return this.agent;
  }

  get userAgent(): string {
    return this.opts.userAgent;
  }

  /** Fetches a whole response into memory (pages, JSON, playlists, small images). */
  async fetch(url: string, o: HttpRequestOptions = {}): Promise<HttpResponse> {
    const retries = o.retries ?? this.opts.retries;
    let lastErr: Error | null = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(this.opts.backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2), o.signal);
      try {
        const res = await this.once(url, o);
        if (res.status >= 500 && attempt < retries) {
          lastErr = new HttpError(`${res.status} from ${new URL(url).host}`, url, res.status);
          continue;
        }
        return res;
      } catch (err) {
        const e = err as { code?: string; name?: string; message: string; cause?: { code?: string } };
        if (o.signal?.aborted) throw err;
        if (err instanceof ResponseTooLarge) throw err;
        const code = e.code ?? e.cause?.code;
        lastErr = new HttpError(`${new URL(url).host}: ${e.message}${code ? ` (${code})` : ''}`, url, undefined, code);
        if (!code || !RETRY_CODES.has(code)) {
          if (e.name !== 'TimeoutError' && e.name !== 'AbortError') throw lastErr;
        }
      }
    }
    throw lastErr ?? new HttpError(`request to ${url} failed`, url);
  }

  private async once(url: string, o: HttpRequestOptions): Promise<HttpResponse> {
    const dispatcher = await this.dispatcher();
    const { request } = await loadUndici();
    const host = new URL(url).host;
    const release = await this.limiter.acquire(host);
    const timeout = o.timeoutMs ?? this.opts.timeoutMs;
    const deadlineMs = o.deadlineMs ?? this.opts.deadlineMs ?? timeout * 2;
    const limit = o.maxBytes ?? this.opts.maxBytes;
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new HttpError(`no complete answer within ${deadlineMs / 1000} s`, url, undefined, 'ETIMEDOUT')),
      deadlineMs,
    );
    const signal = o.signal ? AbortSignal.any([o.signal, deadline.signal]) : deadline.signal;
    try {
      let current = url;
      for (let hops = 0; hops < 10; hops++) {
        const res = await request(current, {
          method: o.method ?? 'GET',
          headers: { 'user-agent': this.opts.userAgent, accept: '*/*', ...this.opts.headers, ...o.headers },
          body: o.body,
          dispatcher,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          signal,
        });
        const headers = flatHeaders(res.headers);
        if (res.statusCode >= 300 && res.statusCode < 400 && headers.location && o.followRedirects !== false) {
          await res.body.dump();
          current = new URL(headers.location, current).toString();
          continue;
        }
        if (announcedOver(headers, limit)) {
          res.body.on('error', () => undefined).destroy(); // the abort is ours: no unhandled 'error'
          throw new ResponseTooLarge(current, limit);
        }
        const body = await readCapped(res.body, limit, current);
        return {
          status: res.statusCode,
          headers,
          url: current,
          body,
          text: () => body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        };
      }
      throw new HttpError(`too many redirects from ${url}`, url);
    } catch (err) {
      // the deadline's reason names the timeout; undici may surface it wrapped or as a bare abort
      if (deadline.signal.aborted && !o.signal?.aborted) throw deadline.signal.reason as Error;
      throw err;
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  /**
   * Closes the connection pool. With `graceMs` (at shutdown) requests still running get that long,
   * then their connections are cut: a response nobody reads would keep close() waiting.
   */
  async close(graceMs?: number): Promise<void> {
    const agent = this.agent;
    if (!agent) return; // never used: undici was not even loaded for it
    if (graceMs === undefined) return agent.close();
    const closed = await Promise.race([
      agent.close().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref()),
    ]);
    if (!closed) await agent.destroy().catch(() => undefined);
  }
}
