import crypto from 'node:crypto';
import { HosterError, type Hoster } from './types.js';
import { fetchPage, origin, requireMatch } from './util.js';

const NAME = 'Doodstream';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlnum(n: number): string {
  const bytes = crypto.randomBytes(n);
  return [...bytes].map((b) => ALNUM[b % ALNUM.length]).join('');
}

/** The page calls `$.get('/pass_md5/...')`: that answers a base URL; add 10 random chars, the token and the time. */
export const doodstream: Hoster = {
  name: NAME,
  domains: ['dood.li', 'doodstream.com', 'dood.to', 'dood.so', 'dood.watch', 'playmogo.com', 'd0000d.com'],
  async resolve(embedUrl, ctx) {
    const res = await fetchPage(NAME, ctx, embedUrl);
    const html = res.text();
    const passPath = requireMatch(NAME, html, /\$\.get\(\s*['"](\/pass_md5\/[^'"]+)['"]/, 'pass_md5 call');
    const token = requireMatch(NAME, html, /[?&]token=([A-Za-z0-9]+)/, 'token');
    const referer = origin(res.url) + '/';
    const pass = await fetchPage(NAME, ctx, new URL(passPath, res.url).toString(), { referer });
    const base = pass.text().trim();
    if (!/^https?:\/\//.test(base)) throw new HosterError(NAME, 'pass_md5 did not answer a URL');
    const url = `${base}${randomAlnum(10)}?token=${token}&expiry=${Date.now()}`;
    return { url, kind: 'mp4', headers: { referer } };
  },
};
