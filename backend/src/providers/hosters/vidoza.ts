import type { Hoster } from './types.js';
import { fetchPage, mediaKind, requireMatch } from './util.js';

const NAME = 'Vidoza';

export const vidoza: Hoster = {
  name: NAME,
  domains: ['vidoza.net', 'videzz.net'],
  async resolve(embedUrl, ctx) {
    const res = await fetchPage(NAME, ctx, embedUrl);
    const src = requireMatch(NAME, res.text(), /sourcesCode\s*:\s*\[\s*\{\s*src\s*:\s*["']([^"']+)["']/, 'sourcesCode');
    const url = new URL(src, res.url).toString();
    return { url, kind: mediaKind(url), headers: {} };
  },
};
