import { loadUndici } from '../net/undici.js';
import { announcedOver, readCapped, ResponseTooLarge } from '../net/httpClient.js';
import { bytesMatchType, imageType } from '../net/imageMagic.js';
import { BadRequest, ServiceUnavailable } from '../errors.js';
import type { TmdbClient } from './tmdbClient.js';

/**
 * Artwork downloads: only from the configured image host, only images (content type and magic
 * bytes), never more than the size cap (the body is streamed and cut off past it).
 */

const ARTWORK_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp']);

export function allowedImageUrl(imageBase: string, url: string): boolean {
  let u: URL;
  let base: URL;
  try {
    u = new URL(url);
    base = new URL(imageBase);
  } catch {
    return false;
  }
  return u.protocol === base.protocol && u.host === base.host && u.pathname.startsWith(base.pathname.replace(/\/+$/, '') + '/');
}

export async function downloadImage(tmdb: TmdbClient, url: string, maxBytes: number): Promise<Buffer> {
  if (!allowedImageUrl(tmdb.imageUrl, url)) throw new BadRequest('Artwork is only fetched from the configured TMDB image host', { url });
  let res;
  // idle timeout 30 s, and the whole image within 60 s however slowly it drips
  const signal = AbortSignal.timeout(60_000);
  try {
    const dispatcher = await tmdb.http.dispatcher();
    const { request } = await loadUndici();
    res = await request(url, {
      dispatcher,
      headers: { 'user-agent': tmdb.http.userAgent, accept: 'image/*' },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      signal,
    });
  } catch (err) {
    throw new ServiceUnavailable(`Artwork download failed: ${(err as Error).message}`, { url });
  }
  const type = imageType(String(res.headers['content-type'] ?? ''));
  const tooLarge = announcedOver(res.headers, maxBytes);
  if (res.statusCode !== 200 || !ARTWORK_TYPES.has(type) || tooLarge) {
    res.body.on('error', () => undefined).destroy(); // the abort is ours: no unhandled 'error'
    const why =
      res.statusCode !== 200
        ? `HTTP ${res.statusCode}`
        : !ARTWORK_TYPES.has(type)
          ? `content type '${type || 'none'}'`
          : `response too large (over ${maxBytes} bytes)`;
    throw new ServiceUnavailable(`Artwork refused: ${why}`, { url });
  }
  let body: Buffer;
  try {
    body = await readCapped(res.body, maxBytes, url);
  } catch (err) {
    if (err instanceof ResponseTooLarge)
      throw new ServiceUnavailable(`Artwork refused: response too large (over ${maxBytes} bytes)`, { url });
    throw new ServiceUnavailable(`Artwork download failed: ${signal.aborted ? 'no complete answer within 60 s' : (err as Error).message}`, {
      url,
    });
  }
  if (!bytesMatchType(type, body)) throw new ServiceUnavailable(`Artwork refused: the bytes are not ${type}`, { url });
  return body;
}
