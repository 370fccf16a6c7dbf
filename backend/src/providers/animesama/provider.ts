import { parse } from 'node-html-parser';
import type { Catalogue, CatalogueEpisode, EpisodeSource, Provider, ProviderHealth, SearchResult, SeriesInfo } from '../types.js';
import { ProviderChanged, ProviderNotFound } from '../errors.js';
import { Site, textOf, type SiteOptions } from '../site.js';
import type { HttpRequestOptions } from '../../net/httpClient.js';
import { checkHealth } from '../health.js';
import { episodeCount, hosterOfUrl, LANGUAGE_CODES, parseEpisodesJs, parseSearch, parseSeriesPage, type SeasonPart } from './parse.js';

const SLUG = /^[a-z0-9][a-z0-9-]*$/i;

interface Layout {
  name: string;
  /** Per part, where its episodes start in its season (parts of one season continue the numbering). */
  parts: (SeasonPart & { offset: number; count: number })[];
}

/** anime-sama (French). Seasons `saisonN` (and `saisonN-2` continuing N); `film`/`oav` are season 0. */
export class AnimeSamaProvider implements Provider {
  readonly id = 'animesama';
  private s: Site;

  constructor(opts: SiteOptions) {
    this.s = new Site(opts);
  }

  /** The active domain (it changes when the site moves to another of its domains). */
  get site(): string {
    return this.s.base.host;
  }

  hosts(): string[] {
    return this.s.hosts();
  }

  seriesLink(key: string): string {
    return this.s.abs(`/catalogue/${key}/`);
  }

  keyFromLink(link: string): string | null {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return null;
    }
    if (!this.s.ownsUrl(url)) return null;
    const m = /^\/catalogue\/([^/]+)(\/.*)?$/.exec(url.pathname);
    return m && SLUG.test(m[1]) ? m[1].toLowerCase() : null;
  }

  search(query: string): Promise<SearchResult[]> {
    return this.searchWith(query, {});
  }

  private async searchWith(query: string, o: HttpRequestOptions): Promise<SearchResult[]> {
    let hits;
    try {
      const root = await this.s.html('/template-php/defaut/fetch.php', 'search', {
        ...o,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-requested-with': 'XMLHttpRequest' },
        body: new URLSearchParams({ query }).toString(),
      });
      hits = parseSearch(root);
    } catch (err) {
      if (!(err instanceof ProviderNotFound)) throw err;
      hits = parseSearch(await this.s.html(`/catalogue/?search=${encodeURIComponent(query)}&page=1`, 'search', o));
    }
    return hits.map((h) => ({
      provider: this.id,
      key: h.key,
      name: h.name,
      link: this.seriesLink(h.key),
      year: null,
      cover: h.cover ? this.s.abs(h.cover) : null,
      description: null,
    }));
  }

  private async playersOf(key: string, part: string, lang: string): Promise<string[][]> {
    const url = this.s.abs(`/catalogue/${key}/${part}/${lang}/episodes.js`);
    const res = await this.s.request(url, {}, `episodes.js of ${key}/${part}/${lang}`);
    return parseEpisodesJs(res.text(), url);
  }

  private async layout(key: string): Promise<Layout> {
    if (!SLUG.test(key)) throw new ProviderNotFound(this.id, `series ${key}`);
    const link = this.seriesLink(key);
    const res = await this.s.request(link, {}, `series ${key}`);
    const html = res.text();
    const page = parseSeriesPage(html, parse(html), link);
    const counts = await Promise.all(page.parts.map(async (p) => episodeCount(await this.playersOf(key, p.path, p.lang))));
    const next = new Map<number, number>();
    const parts = page.parts.map((p, i) => {
      const offset = next.get(p.season) ?? 0;
      next.set(p.season, offset + counts[i]);
      return { ...p, offset, count: counts[i] };
    });
    return { name: page.name, parts };
  }

  async catalogue(key: string): Promise<Catalogue> {
    const { name, parts } = await this.layout(key);
    const link = this.seriesLink(key);
    const episodes: CatalogueEpisode[] = [];
    for (const p of parts) {
      for (let i = 0; i < p.count; i++) {
        episodes.push({
          season: p.season,
          episode: p.offset + i + 1,
          title: null,
          title_en: null,
          url: this.s.abs(`/catalogue/${key}/${p.path}/${p.lang}/`),
        });
      }
    }
    const seasons = [...new Set(parts.map((p) => p.season))].sort((a, b) => a - b);
    return { provider: this.id, key, name, link, year: null, description: null, cover: null, genres: [], seasons, episodes };
  }

  async seriesInfo(key: string): Promise<SeriesInfo> {
    if (!SLUG.test(key)) throw new ProviderNotFound(this.id, `series ${key}`);
    const link = this.seriesLink(key);
    const root = await this.s.html(link, `series ${key}`);
    const title = textOf(root.querySelector('#titreOeuvre') ?? root.querySelector('h1'));
    if (!title) throw new ProviderChanged(this.id, 'the series title (#titreOeuvre)', link);
    const alt = textOf(root.querySelector('#titreAlter'))
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    return { provider: this.id, key, name: title, link, year: null, altTitles: alt };
  }

  async episodeSources(key: string, season: number, episode: number): Promise<EpisodeSource[]> {
    const { parts } = await this.layout(key);
    const part = parts.find((p) => p.season === season && episode > p.offset && episode <= p.offset + p.count);
    if (!part) throw new ProviderNotFound(this.id, `episode S${season}E${episode} of ${key}`);
    const index = episode - part.offset - 1;
    const perLang = await Promise.all(
      LANGUAGE_CODES.map(async (lang) => {
        try {
          return { lang, players: await this.playersOf(key, part.path, lang) };
        } catch (err) {
          if (err instanceof ProviderNotFound) return { lang, players: [] as string[][] };
          throw err;
        }
      }),
    );
    const out: EpisodeSource[] = [];
    for (const { lang, players } of perLang) {
      for (const player of players) {
        const url = player[index];
        if (url && /^https?:\/\//i.test(url)) out.push({ language: lang, hoster: hosterOfUrl(url), url });
      }
    }
    return out;
  }

  requestHeaders(): Record<string, string> {
    return { 'user-agent': this.s.opts.userAgent, referer: this.s.base.origin + '/' };
  }

  health(): Promise<ProviderHealth> {
    return checkHealth(this.id, this.s, (o) => this.searchWith('one piece', o));
  }

  close(): Promise<void> {
    return this.s.close();
  }
}
