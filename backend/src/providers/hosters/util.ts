import { HosterError, type HosterContext } from './types.js';
import type { HttpResponse } from '../../net/httpClient.js';

/** GETs a hoster page; a non-2xx answer becomes a HosterError naming the status. */
export async function fetchPage(
  hoster: string,
  ctx: HosterContext,
  url: string,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  let res: HttpResponse;
  try {
    res = await ctx.http.fetch(url, { headers: { 'user-agent': ctx.userAgent, ...headers }, signal: ctx.signal, retries: 1 });
  } catch (err) {
    throw new HosterError(hoster, `request failed: ${(err as Error).message}`);
  }
  if (res.status === 404) throw new HosterError(hoster, `embed page not found (404)`, 404);
  if (res.status === 403) throw new HosterError(hoster, `access denied (403)`, 403);
  if (res.status < 200 || res.status >= 300) throw new HosterError(hoster, `HTTP ${res.status} from ${new URL(url).host}`, res.status);
  return res;
}

export function origin(url: string): string {
  return new URL(url).origin;
}

export function mediaKind(url: string): 'hls' | 'mp4' {
  return /\.m3u8(\?|$)/i.test(url) ? 'hls' : 'mp4';
}

export function b64decode(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

export function reverse(s: string): string {
  return [...s].reverse().join('');
}

export function requireMatch(hoster: string, text: string, re: RegExp, what: string): string {
  const m = re.exec(text);
  if (!m?.[1]) throw new HosterError(hoster, `no video source found (${what} missing)`);
  return m[1];
}
