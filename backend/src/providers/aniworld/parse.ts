import type { HTMLElement } from 'node-html-parser';
import { ProviderChanged } from '../errors.js';
import { firstYear, textOf } from '../site.js';
import type { Language } from '../types.js';

/** Pure parsers for aniworld.to pages (facts in shared/providers.md). */
const ID = 'aniworld';

export const LANGUAGE_KEYS: Record<string, Language> = { '1': 'german_dub', '2': 'english_sub', '3': 'german_sub' };

export function languageOfKey(key: string): Language {
  return LANGUAGE_KEYS[key] ?? `lang_${key}`;
}

export interface SeriesPage {
  name: string;
  altTitles: string[];
  year: number | null;
  description: string | null;
  cover: string | null;
  genres: string[];
  seasons: number[];
  hasMovies: boolean;
}

export function parseSeriesPage(root: HTMLElement, slug: string, url: string): SeriesPage {
  const title = root.querySelector('div.series-title h1 span') ?? root.querySelector('div.series-title h1');
  if (!title) throw new ProviderChanged(ID, 'the series title (div.series-title h1 span)', url);
  const seasons = new Set<number>();
  let hasMovies = false;
  const prefix = `/anime/stream/${slug}/`.toLowerCase();
  for (const a of root.querySelectorAll('a[href]')) {
    const href = (a.getAttribute('href') ?? '').replace(/^https?:\/\/[^/]+/, '').toLowerCase();
    if (!href.startsWith(prefix)) continue;
    const rest = href.slice(prefix.length).replace(/\/$/, '');
    const m = /^staffel-(\d+)$/.exec(rest);
    if (m) seasons.add(Number(m[1]));
    if (rest === 'filme') hasMovies = true;
  }
  if (root.querySelector('a[title="Alle Filme"]')) hasMovies = true;
  const cover = root.querySelector('div.seriesCoverBox img');
  return {
    name: textOf(title),
    altTitles: (root.querySelector('[data-alternativetitles]')?.getAttribute('data-alternativetitles') ?? '')
      .split(',')
      .map((t) => t.replace(/\s+/g, ' ').trim())
      .filter(Boolean),
    year: firstYear(root.querySelector('[itemprop=startDate]')?.text),
    // getAttribute already decodes entities
    description:
      (root.querySelector('p.seri_des')?.getAttribute('data-full-description') ?? '').replace(/\s+/g, ' ').trim() ||
      textOf(root.querySelector('p.seri_des')) ||
      null,
    cover: cover?.getAttribute('data-src') ?? cover?.getAttribute('src') ?? null,
    genres: root
      .querySelectorAll('div.genres a[itemprop=genre]')
      .map((g) => textOf(g))
      .filter(Boolean),
    seasons: [...seasons].filter((n) => n > 0).sort((a, b) => a - b),
    hasMovies,
  };
}

export interface SeasonRow {
  episode: number;
  title: string | null;
  title_en: string | null;
}

/** Season (or /filme) page: one `tr[itemtype=http://schema.org/Episode]` per episode. */
export function parseSeasonPage(root: HTMLElement, url: string): SeasonRow[] {
  const rows = root.querySelectorAll('tr[itemtype="http://schema.org/Episode"]');
  if (rows.length === 0 && !root.querySelector('table.seasonEpisodesList')) {
    throw new ProviderChanged(ID, 'the episode list (table.seasonEpisodesList tr[itemtype=Episode])', url);
  }
  const out: SeasonRow[] = [];
  for (const tr of rows) {
    const n = Number(tr.querySelector('meta[itemprop=episodeNumber]')?.getAttribute('content'));
    if (!Number.isInteger(n) || n < 0) throw new ProviderChanged(ID, 'the episode number (meta[itemprop=episodeNumber])', url);
    const cell = tr.querySelector('td.seasonEpisodeTitle');
    out.push({
      episode: n,
      title: textOf(cell?.querySelector('strong')) || null,
      title_en: textOf(cell?.querySelector('span')) || null,
    });
  }
  return out;
}

export interface HosterLink {
  langKey: string;
  linkId: string;
  target: string;
  hoster: string;
}

/** Episode page: the hoster `li`s carrying data-lang-key / data-link-id / data-link-target. */
export function parseEpisodePage(root: HTMLElement, url: string): { links: HosterLink[]; languages: Language[] } {
  const items = root.querySelectorAll('li[data-link-target]');
  if (items.length === 0 && !root.querySelector('div.hosterSiteVideo')) {
    throw new ProviderChanged(ID, 'the hoster list (div.hosterSiteVideo li[data-link-target])', url);
  }
  const links: HosterLink[] = [];
  for (const li of items) {
    const langKey = li.getAttribute('data-lang-key') ?? '';
    const target = li.getAttribute('data-link-target') ?? li.querySelector('a.watchEpisode')?.getAttribute('href') ?? '';
    const hoster = textOf(li.querySelector('h4'));
    if (!langKey || !target || !hoster)
      throw new ProviderChanged(ID, 'a hoster link attribute (data-lang-key, data-link-target or h4)', url);
    links.push({ langKey, linkId: li.getAttribute('data-link-id') ?? '', target, hoster });
  }
  const languages = root
    .querySelectorAll('div.changeLanguageBox img[data-lang-key]')
    .map((img) => languageOfKey(img.getAttribute('data-lang-key') ?? ''));
  return { links, languages: languages.length ? languages : [...new Set(links.map((l) => languageOfKey(l.langKey)))] };
}
