import type { Hoster } from './types.js';
import { fetchPage, mediaKind, origin, requireMatch } from './util.js';

const NAME = 'SendVid';

export const sendvid: Hoster = {
  name: NAME,
  domains: ['sendvid.com'],
  async resolve(embedUrl, ctx) {
    const res = await fetchPage(NAME, ctx, embedUrl);
    const src = requireMatch(NAME, res.text(), /var\s+video_source\s*=\s*["']([^"']+)["']/, 'video_source');
    const url = new URL(src, res.url).toString();
    return { url, kind: mediaKind(url), headers: { referer: origin(res.url) + '/' } };
  },
};
