import type { Hoster } from './types.js';
import { fetchPage, mediaKind, origin, requireMatch } from './util.js';

const NAME = 'Vidmoly';

export const vidmoly: Hoster = {
  name: NAME,
  domains: ['vidmoly.to', 'vidmoly.net', 'vidmoly.biz', 'vidmoly.me'],
  async resolve(embedUrl, ctx) {
    const res = await fetchPage(NAME, ctx, embedUrl);
    const src = requireMatch(NAME, res.text(), /file\s*:\s*["']([^"']+)["']/, 'jwplayer file');
    const url = new URL(src, res.url).toString();
    return { url, kind: mediaKind(url), headers: { referer: origin(res.url) + '/' } };
  },
};
