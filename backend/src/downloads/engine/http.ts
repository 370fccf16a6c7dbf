import { request, type Dispatcher } from 'undici';
import { DownloadError, isTransient } from './errors.js';

/** Media requests: undici streams with manual redirects (each hop keeps the hoster's headers). */
export interface MediaRequest {
  url: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  signal: AbortSignal;
  /** No response headers within this time → timeout (ms). */
  headersTimeoutMs?: number;
}

export interface OpenResponse {
  status: number;
  headers: Record<string, string>;
  url: string;
  body: Dispatcher.ResponseData['body'];
}

export async function openMedia(req: MediaRequest, extraHeaders: Record<string, string> = {}): Promise<OpenResponse> {
  let url = req.url;
  for (let hop = 0; hop < 10; hop++) {
    const res = await request(url, {
      method: 'GET',
      headers: { accept: '*/*', ...req.headers, ...extraHeaders },
      dispatcher: req.dispatcher,
      signal: req.signal,
      headersTimeout: req.headersTimeoutMs ?? 30_000,
      bodyTimeout: 0, // stalls are measured by the caller over a window
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    if (res.statusCode >= 300 && res.statusCode < 400 && headers.location) {
      await res.body.dump().catch(() => undefined);
      url = new URL(headers.location, url).toString();
      continue;
    }
    return { status: res.statusCode, headers, url, body: res.body };
  }
  throw new DownloadError(`too many redirects from ${new URL(req.url).host}`);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
  });

/**
 * A whole small resource (playlist, key, HLS segment) into memory, retried on resets, timeouts,
 * 5xx and the 403s some hosters answer once before a 200. `stallMs` bounds the body time.
 */
export async function fetchBuffer(req: MediaRequest, opts: { retries: number; extraHeaders?: Record<string, string>; stallMs: number; onChunk?: (n: number) => Promise<void> | void }): Promise<Buffer> {
  let lastErr: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(4000, 150 * 2 ** (attempt - 1)), req.signal);
    const ac = new AbortController();
    const onAbort = () => ac.abort(req.signal.reason);
    req.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(new DownloadError(`no data for ${opts.stallMs / 1000} s`)), opts.stallMs);
    try {
      const res = await openMedia({ ...req, signal: ac.signal, headersTimeoutMs: opts.stallMs }, opts.extraHeaders);
      if (res.status < 200 || res.status >= 300) {
        await res.body.dump().catch(() => undefined);
        const err = new DownloadError(`HTTP ${res.status} for ${new URL(res.url).pathname.split('/').pop()}`, false, res.status);
        lastErr = err;
        if (res.status === 403 || res.status === 408 || res.status === 429 || res.status >= 500) continue;
        throw err;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) {
        timer.refresh();
        chunks.push(chunk as Buffer);
        if (opts.onChunk) await opts.onChunk((chunk as Buffer).length);
      }
      const buf = Buffer.concat(chunks);
      const announced = res.headers['content-length'];
      if (announced !== undefined && Number(announced) !== buf.length) {
        lastErr = new DownloadError(`size check failed: got ${buf.length} of ${announced} bytes`);
        continue;
      }
      return buf;
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      if (err instanceof DownloadError && err.status && err.status < 500 && err.status !== 403) throw err;
      if (!(err instanceof DownloadError) && !isTransient(err) && !ac.signal.aborted) throw err;
      lastErr = ac.signal.aborted ? ac.signal.reason : err;
    } finally {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
    }
  }
  throw lastErr instanceof Error ? lastErr : new DownloadError(String(lastErr));
}
