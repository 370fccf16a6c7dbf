import { HosterError, type Hoster } from './types.js';
import { fetchPage, mediaKind, requireMatch, reverse } from './util.js';

const NAME = 'SpeedFiles';

const swapcase = (s: string) => s.replace(/[a-zA-Z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
const b64 = (s: string) => Buffer.from(s, 'base64').toString('latin1');

/** base64 → swapcase → reverse → base64 → reverse → hex → chars −3 → swapcase → reverse → base64. */
export function decodeSpeedFiles(encoded: string): string {
  let s = reverse(swapcase(b64(encoded)));
  s = reverse(b64(s));
  let hex = '';
  for (let i = 0; i + 1 < s.length; i += 2) hex += String.fromCharCode(parseInt(s.slice(i, i + 2), 16));
  const shifted = [...hex].map((c) => String.fromCharCode(c.charCodeAt(0) - 3)).join('');
  return Buffer.from(reverse(swapcase(shifted)), 'base64').toString('utf8');
}

export const speedfiles: Hoster = {
  name: NAME,
  domains: ['speedfiles.net'],
  async resolve(embedUrl, ctx) {
    const res = await fetchPage(NAME, ctx, embedUrl);
    const html = res.text();
    if (/web server is down/i.test(html)) throw new HosterError(NAME, 'hoster unavailable ("Web server is down")');
    const encoded = requireMatch(NAME, html, /var\s+_0x5opu234\s*=\s*"([^"]+)"/, '_0x5opu234');
    const url = decodeSpeedFiles(encoded);
    if (!/^https?:\/\//.test(url)) throw new HosterError(NAME, 'decoded source is not a URL');
    return { url, kind: mediaKind(url), headers: {} };
  },
};
