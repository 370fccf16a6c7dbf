import crypto from 'node:crypto';
import { HosterError, type Hoster, type HosterContext } from './types.js';
import { fetchPage, mediaKind, origin } from './util.js';

const NAME = 'Filemoon';

interface Playback {
  key_parts: string[];
  iv: string;
  payload: string;
}
interface Source {
  url: string;
  height?: number;
}

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

/** AES-256-GCM: key = the key parts joined; payload = ciphertext followed by the 16-byte tag. */
export function decryptPlayback(p: Playback): { sources?: Source[] } {
  const key = Buffer.concat(p.key_parts.map(b64url));
  const data = b64url(p.payload);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, b64url(p.iv));
  decipher.setAuthTag(data.subarray(data.length - 16));
  const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as { sources?: Source[] };
}

/** Dean Edwards' packer: `eval(function(p,a,c,k,e,d){...}('payload',base,count,'w|o|r|d|s'.split('|')...))`. */
export function unpack(script: string): string | null {
  const m = /}\('((?:\\'|[^'])*)',\s*(\d+),\s*(\d+),\s*'((?:\\'|[^'])*)'\.split\('\|'\)/.exec(script);
  if (!m) return null;
  const payload = m[1]!.replace(/\\'/g, "'");
  const base = Number(m[2]);
  const count = Number(m[3]);
  const words = m[4]!.split('|');
  const encode = (c: number): string =>
    (c < base ? '' : encode(Math.floor(c / base))) + (c % base > 35 ? String.fromCharCode((c % base) + 29) : (c % base).toString(36));
  const dict = new Map<string, string>();
  for (let c = 0; c < count; c++) if (words[c]) dict.set(encode(c), words[c]!);
  return payload.replace(/\b\w+\b/g, (w) => dict.get(w) ?? w);
}

async function fromApi(ctx: HosterContext, host: string, code: string, headers: Record<string, string>): Promise<string | null> {
  const res = await ctx.http.fetch(`${host}/api/videos/${encodeURIComponent(code)}`, { headers, signal: ctx.signal, retries: 1 });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new HosterError(NAME, `video API answered ${res.status}`, res.status);
  const body = res.json<{ playback?: Playback; sources?: Source[] }>();
  const sources = body.playback ? decryptPlayback(body.playback).sources : body.sources;
  if (!sources?.length) throw new HosterError(NAME, 'video API listed no sources');
  return [...sources].sort((a, b) => (b.height ?? 0) - (a.height ?? 0))[0]!.url;
}

export const filemoon: Hoster = {
  name: NAME,
  domains: ['filemoon.sx', 'filemoon.to', 'filemoon.in', 'moonplayer.lol', 'kerapoxy.cc'],
  async resolve(embedUrl, ctx) {
    const u = new URL(embedUrl);
    const code = u.pathname.split('/').filter(Boolean).pop();
    if (!code) throw new HosterError(NAME, 'embed URL has no video code');
    const headers = { 'user-agent': ctx.userAgent, referer: u.origin + '/' };
    let url: string | null;
    try {
      url = await fromApi(ctx, u.origin, code, headers);
    } catch (err) {
      if (err instanceof HosterError) throw err;
      throw new HosterError(NAME, `could not read the video API: ${(err as Error).message}`);
    }
    if (!url) {
      // older pages: a packed script whose unpacked text holds the m3u8 `file`
      const page = await fetchPage(NAME, ctx, embedUrl, headers);
      const unpacked = unpack(page.text());
      const file = unpacked && /file\s*:\s*["']([^"']+)["']/.exec(unpacked)?.[1];
      if (!file) throw new HosterError(NAME, 'no video source found');
      url = new URL(file, page.url).toString();
    }
    return {
      url: new URL(url, embedUrl).toString(),
      kind: mediaKind(url),
      headers: { 'user-agent': ctx.userAgent, referer: origin(embedUrl) + '/' },
    };
  },
};
