import { HosterError, type Hoster } from './types.js';
import { fetchPage, requireMatch } from './util.js';

const NAME = 'Streamtape';

/** Evaluates `'a' + ('xyzb').substring(1).substring(2)`: string pieces joined, each with substring calls. */
export function evalStringPieces(expr: string): string {
  const piece = /\(?\s*(['"])((?:(?!\1).)*)\1\s*\)?((?:\s*\.substring\(\s*\d+\s*(?:,\s*\d+\s*)?\))*)/g;
  let out = '';
  let found = false;
  for (const m of expr.matchAll(piece)) {
    found = true;
    let s = m[2]!;
    for (const call of m[3]!.matchAll(/substring\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/g)) {
      s = call[2] !== undefined ? s.substring(Number(call[1]), Number(call[2])) : s.substring(Number(call[1]));
    }
    out += s;
  }
  if (!found) throw new HosterError(NAME, 'robotlink expression has no string pieces');
  return out;
}

export const streamtape: Hoster = {
  name: NAME,
  domains: ['streamtape.com', 'streamtape.net', 'streamtape.to', 'strtape.cloud', 'tapecontent.net'],
  async resolve(embedUrl, ctx) {
    const res = await fetchPage(NAME, ctx, embedUrl);
    const expr = requireMatch(NAME, res.text(), /getElementById\(\s*['"]robotlink['"]\s*\)\.innerHTML\s*=\s*([^;\n]+);/, 'robotlink');
    const link = evalStringPieces(expr);
    if (!link.includes('get_video')) throw new HosterError(NAME, 'robotlink does not hold a get_video link');
    // the link is protocol-relative (`//host/get_video?...`): like a browser, take the page's scheme
    const url = new URL(link, res.url).toString();
    return { url, kind: 'mp4', headers: {} };
  },
};
