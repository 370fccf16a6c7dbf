import type { Hoster } from './types.js';
import { fetchPage, requireMatch } from './util.js';

const NAME = 'Sibnet';

export const sibnet: Hoster = {
  name: NAME,
  domains: ['video.sibnet.ru'],
  async resolve(embedUrl, ctx) {
    const res = await fetchPage(NAME, ctx, embedUrl);
    const src = requireMatch(NAME, res.text(), /player\.src\(\s*\[\s*\{\s*src\s*:\s*["']([^"']+)["']/, 'player.src');
    return { url: new URL(src, res.url).toString(), kind: 'mp4', headers: { referer: res.url } };
  },
};
