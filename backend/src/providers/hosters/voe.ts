import { HosterError, type Hoster } from './types.js';
import { b64decode, fetchPage, mediaKind, reverse } from './util.js';

const NAME = 'VOE';
const JUNK = ['@$', '^^', '~@', '%?', '*~', '!!', '#&', '`'];

const rot13 = (s: string) =>
  s.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });

/** ROT13 → strip junk tokens → base64 → char codes −3 → reverse → base64 → JSON. */
export function decodeVoe(encoded: string): { source?: string; direct_access_url?: string } {
  let s = rot13(encoded);
  for (const j of JUNK) s = s.split(j).join('');
  s = b64decode(s);
  s = [...s].map((c) => String.fromCharCode(c.charCodeAt(0) - 3)).join('');
  s = b64decode(reverse(s));
  return JSON.parse(s) as { source?: string; direct_access_url?: string };
}

function findSource(html: string): string | null {
  const json = /<script type="application\/json">\s*(\[[\s\S]*?\])\s*<\/script>/.exec(html);
  if (json) {
    const arr = JSON.parse(json[1]!) as unknown[];
    if (typeof arr[0] === 'string') {
      const data = decodeVoe(arr[0]);
      const url = data.source ?? data.direct_access_url;
      if (url) return url;
    }
  }
  const old = /var a168c\s*=\s*'([^']+)'/.exec(html);
  if (old) return reverse(b64decode(old[1]!));
  const hls = /'hls'\s*:\s*'([^']+)'/.exec(html);
  if (hls) return b64decode(hls[1]!);
  return null;
}

export const voe: Hoster = {
  name: NAME,
  domains: ['voe.sx', 'voe.to'],
  async resolve(embedUrl, ctx) {
    let res = await fetchPage(NAME, ctx, embedUrl);
    // the first page may only send the browser on to a rotating domain
    const hop = /window\.location\.href\s*=\s*'([^']+)'/.exec(res.text());
    if (hop && !res.text().includes('application/json')) res = await fetchPage(NAME, ctx, new URL(hop[1]!, res.url).toString());
    let url: string | null;
    try {
      url = findSource(res.text());
    } catch (err) {
      throw new HosterError(NAME, `could not decode the video source: ${(err as Error).message}`);
    }
    if (!url) throw new HosterError(NAME, 'no video source found');
    return { url: new URL(url, res.url).toString(), kind: mediaKind(url), headers: { 'user-agent': ctx.userAgent } };
  },
};
