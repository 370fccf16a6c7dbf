import type { HTMLElement } from 'node-html-parser';
import { ProviderChanged } from '../errors.js';
import { textOf } from '../site.js';

/** Pure parsers for anime-sama pages (facts in shared/providers.md). */
const ID = 'animesama';

export const LANGUAGE_CODES = ['vostfr', 'vf', 'vf1', 'vf2', 'va', 'vj', 'vkr', 'vcn', 'vqc'];

export interface SeasonPart {
  /** Path below the series folder without the language, e.g. `saison1`, `saison3-2`, `film`. */
  path: string;
  lang: string;
  label: string;
  season: number;
}

/** `panneauAnime("Saison 1","saison1/vostfr")` calls; `film`/`oav` parts are season 0. */
export function parseSeriesPage(html: string, root: HTMLElement, url: string): { name: string; parts: SeasonPart[] } {
  const title = root.querySelector('#titreOeuvre') ?? root.querySelector('h1');
  if (!title) throw new ProviderChanged(ID, 'the series title (#titreOeuvre)', url);
  const parts: SeasonPart[] = [];
  const seen = new Set<string>();
  const noComments = html.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of noComments.matchAll(/panneauAnime\(\s*["']([^"']*)["']\s*,\s*["']([^"']+)["']\s*\)/g)) {
    const [pathPart, lang] = m[2].replace(/^\/+|\/+$/g, '').split('/');
    if (!pathPart || !lang || m[2] === 'url') continue;
    const sm = /^saison(\d+)(?:-\d+)?$/i.exec(pathPart);
    const season = sm ? Number(sm[1]) : /^(film|oav|movie|special)/i.test(pathPart) ? 0 : null;
    if (season === null || seen.has(pathPart)) continue;
    seen.add(pathPart);
    parts.push({ path: pathPart, lang: lang.toLowerCase(), label: m[1], season });
  }
  if (parts.length === 0) throw new ProviderChanged(ID, 'the season list (panneauAnime calls)', url);
  return { name: textOf(title), parts };
}

/** `var eps1=['url',...]; var eps2=[...]`: each array is one player, index i is episode i+1. */
export function parseEpisodesJs(js: string, url: string): string[][] {
  const players: string[][] = [];
  for (const m of js.matchAll(/var\s+eps\w*\s*=\s*\[([\s\S]*?)\]\s*;?/g)) {
    const urls = [...m[1].matchAll(/'([^']*)'|"([^"]*)"/g)].map((u) => (u[1] ?? u[2] ?? '').trim());
    players.push(urls);
  }
  if (players.length === 0) throw new ProviderChanged(ID, 'the player arrays in episodes.js (var eps1=[...])', url);
  return players;
}

export function episodeCount(players: string[][]): number {
  return Math.max(0, ...players.map((p) => p.length));
}

const HOSTERS: [RegExp, string][] = [
  [/sibnet/i, 'Sibnet'],
  [/vidmoly/i, 'Vidmoly'],
  [/sendvid/i, 'SendVid'],
  [/voe/i, 'VOE'],
  [/streamtape/i, 'Streamtape'],
  [/dood|playmogo/i, 'Doodstream'],
  [/filemoon/i, 'Filemoon'],
  [/vidoza/i, 'Vidoza'],
  [/luluvdo/i, 'Luluvdo'],
  [/speedfiles/i, 'SpeedFiles'],
];

/** anime-sama gives no hoster names: derive one from the embed URL (host, then path). */
export function hosterOfUrl(embed: string): string {
  let u: URL;
  try {
    u = new URL(embed);
  } catch {
    return 'unknown';
  }
  for (const [re, name] of HOSTERS) if (re.test(u.host)) return name;
  for (const [re, name] of HOSTERS) if (re.test(u.pathname)) return name;
  return u.host;
}

/** Search answers: `<a href=".../catalogue/{slug}/">` with an h3 (fetch.php) or h1 (catalogue cards). */
export function parseSearch(root: HTMLElement): { key: string; name: string; cover: string | null }[] {
  const out: { key: string; name: string; cover: string | null }[] = [];
  for (const a of root.querySelectorAll('a[href]')) {
    const m = /\/catalogue\/([a-z0-9][a-z0-9-]*)\/?$/i.exec(a.getAttribute('href') ?? '');
    if (!m) continue;
    const name = textOf(a.querySelector('h3') ?? a.querySelector('h1') ?? a.querySelector('h2'));
    if (!name || out.some((o) => o.key === m[1].toLowerCase())) continue;
    out.push({ key: m[1].toLowerCase(), name, cover: a.querySelector('img')?.getAttribute('src') ?? null });
  }
  return out;
}
