import { HosterError, type Hoster } from './types.js';
import { fetchPage, mediaKind, origin, requireMatch } from './util.js';

const NAME = 'Luluvdo';
export const MOBILE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

export const luluvdo: Hoster = {
  name: NAME,
  domains: ['luluvdo.com', 'lulustream.com', 'luluvid.com'],
  async resolve(embedUrl, ctx) {
    const u = new URL(embedUrl);
    const code = u.pathname.split('/').filter(Boolean).pop();
    if (!code) throw new HosterError(NAME, 'embed URL has no file code');
    const headers = { 'user-agent': MOBILE_UA, origin: u.origin, referer: u.origin + '/' };
    const page = await fetchPage(NAME, ctx, `${u.origin}/dl?op=embed&file_code=${encodeURIComponent(code)}&embed=1`, headers);
    const src = requireMatch(NAME, page.text(), /file\s*:\s*["']([^"']+)["']/, 'file');
    const url = new URL(src, page.url).toString();
    return { url, kind: mediaKind(url), headers: { ...headers, origin: origin(page.url), referer: origin(page.url) + '/' } };
  },
};
