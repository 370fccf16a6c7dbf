import { request } from 'undici';
import { BadRequest, ServiceUnavailable } from '../http/errors.js';
import type { TmdbClient } from './tmdbClient.js';

/**
 * Artwork downloads: only from the configured image host, only images (content type and magic
 * bytes), never more than the size cap (the body is streamed and cut off past it).
 */

const TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/webp': (b) => b.length > 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
};

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
  try {
    res = await request(url, {
      dispatcher: tmdb.http.dispatcher,
      headers: { 'user-agent': tmdb.http.userAgent, accept: 'image/*' },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  } catch (err) {
    throw new ServiceUnavailable(`Artwork download failed: ${(err as Error).message}`, { url });
  }
  const type = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const declared = Number(res.headers['content-length'] ?? 0);
  if (res.statusCode !== 200 || !TYPES[type] || declared > maxBytes) {
    await res.body.dump();
    const why = res.statusCode !== 200 ? `HTTP ${res.statusCode}` : !TYPES[type] ? `content type '${type || 'none'}'` : `size ${declared} bytes over the cap`;
    throw new ServiceUnavailable(`Artwork refused: ${why}`, { url });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > maxBytes) {
      res.body.destroy();
      throw new ServiceUnavailable(`Artwork refused: more than ${maxBytes} bytes`, { url });
    }
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  if (!TYPES[type](body)) throw new ServiceUnavailable(`Artwork refused: the bytes are not ${type}`, { url });
  return body;
}
