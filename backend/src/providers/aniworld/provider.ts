import type { Catalogue, CatalogueEpisode, EpisodeSource, Provider, ProviderHealth, SearchResult, SeriesInfo } from '../types.js';
import { ProviderChanged, ProviderError, ProviderNotFound } from '../errors.js';
import { firstYear, plainText, Site, type SiteOptions } from '../site.js';
import type { HttpRequestOptions } from '../../net/httpClient.js';
import { languageOfKey, parseEpisodePage, parseSeasonPage, parseSeriesPage } from './parse.js';
import { checkHealth } from '../health.js';

const SLUG = /^[a-z0-9][a-z0-9-]*$/i;

interface SeriesSearchHit {
  name?: string;
  link?: string;
  cover?: string;
  productionYear?: string | number;
  description?: string;
}
interface AjaxSearchHit {
  title?: string;
  description?: string;
  link?: string;
}

/** aniworld.to: the default provider. Movies (/filme) are season 0. */
export class AniworldProvider implements Provider {
  readonly id = 'aniworld';
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
    return this.s.abs(`/anime/stream/${key}`);
  }

  keyFromLink(link: string): string | null {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return null;
    }
    if (!this.s.ownsUrl(url)) return null;
    const m = /^\/anime\/stream\/([^/]+)(\/.*)?$/.exec(url.pathname);
    return m && SLUG.test(m[1]) ? m[1].toLowerCase() : null;
  }

  private slugOf(link: string): string | null {
    const m = /(?:^|\/anime\/stream\/)([a-z0-9][a-z0-9-]*)\/?$/i.exec(link.replace(/^https?:\/\/[^/]+/, '').trim());
    return m ? m[1].toLowerCase() : null;
  }

  search(query: string): Promise<SearchResult[]> {
    return this.searchWith(query, {});
  }

  private async searchWith(query: string, o: HttpRequestOptions): Promise<SearchResult[]> {
    let first: unknown;
    try {
      const data = await this.s.json<unknown>(`/ajax/seriesSearch?keyword=${encodeURIComponent(query)}`, 'search', o);
      if (!Array.isArray(data)) throw new ProviderChanged(this.id, 'a JSON list from /ajax/seriesSearch');
      return this.fromSeriesSearch(data as SeriesSearchHit[]);
    } catch (err) {
      if (!(err instanceof ProviderChanged || err instanceof ProviderNotFound)) throw err;
      first = err;
    }
    try {
      const data = await this.s.json<unknown>('/ajax/search', 'search', {
        ...o,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-requested-with': 'XMLHttpRequest' },
        body: new URLSearchParams({ keyword: query }).toString(),
      });
      if (!Array.isArray(data)) throw first;
      return this.fromAjaxSearch(data as AjaxSearchHit[]);
    } catch (err) {
      throw err instanceof ProviderError && !(err instanceof ProviderChanged || err instanceof ProviderNotFound) ? err : first;
    }
  }

  private fromSeriesSearch(hits: SeriesSearchHit[]): SearchResult[] {
    const out: SearchResult[] = [];
    for (const h of hits) {
      const key = this.slugOf(String(h?.link ?? ''));
      if (!key) continue;
      out.push({
        provider: this.id,
        key,
        name: plainText(String(h.name ?? key)),
        link: this.seriesLink(key),
        year: firstYear(h.productionYear),
        cover: h.cover ? this.s.abs(String(h.cover)) : null,
        description: plainText(String(h.description ?? '')) || null,
      });
    }
    return out;
  }

  private fromAjaxSearch(hits: AjaxSearchHit[]): SearchResult[] {
    const out: SearchResult[] = [];
    for (const h of hits) {
      const m = /^\/anime\/stream\/([a-z0-9][a-z0-9-]*)\/?$/i.exec(String(h?.link ?? ''));
      if (!m) continue;
      const key = m[1].toLowerCase();
      out.push({
        provider: this.id,
        key,
        name: plainText(String(h.title ?? key)),
        link: this.seriesLink(key),
        year: null,
        cover: null,
        description: plainText(String(h.description ?? '')) || null,
      });
    }
    return out;
  }

  async catalogue(key: string): Promise<Catalogue> {
    if (!SLUG.test(key)) throw new ProviderNotFound(this.id, `series ${key}`);
    const link = this.seriesLink(key);
    const page = parseSeriesPage(await this.s.html(link, `series ${key}`), key, link);
    const parts: { season: number; path: string }[] = page.seasons.map((n) => ({ season: n, path: `${link}/staffel-${n}` }));
    if (page.hasMovies) parts.unshift({ season: 0, path: `${link}/filme` });
    const lists = await Promise.all(
      parts.map(async (p) => ({ ...p, rows: parseSeasonPage(await this.s.html(p.path, `season ${p.season} of ${key}`), p.path) })),
    );
    const episodes: CatalogueEpisode[] = [];
    for (const l of lists) {
      for (const r of l.rows) {
        episodes.push({
          season: l.season,
          episode: r.episode,
          title: r.title,
          title_en: r.title_en,
          url: this.episodeUrl(key, l.season, r.episode),
        });
      }
    }
    return {
      provider: this.id,
      key,
      name: page.name,
      link,
      year: page.year,
      description: page.description,
      cover: page.cover ? this.s.abs(page.cover) : null,
      genres: page.genres,
      seasons: parts.map((p) => p.season),
      episodes,
    };
  }

  async seriesInfo(key: string): Promise<SeriesInfo> {
    if (!SLUG.test(key)) throw new ProviderNotFound(this.id, `series ${key}`);
    const link = this.seriesLink(key);
    const page = parseSeriesPage(await this.s.html(link, `series ${key}`), key, link);
    return { provider: this.id, key, name: page.name, link, year: page.year, altTitles: page.altTitles };
  }

  private episodeUrl(key: string, season: number, episode: number): string {
    return season === 0 ? `${this.seriesLink(key)}/filme/film-${episode}` : `${this.seriesLink(key)}/staffel-${season}/episode-${episode}`;
  }

  async episodeSources(key: string, season: number, episode: number): Promise<EpisodeSource[]> {
    if (!SLUG.test(key)) throw new ProviderNotFound(this.id, `series ${key}`);
    const url = this.episodeUrl(key, season, episode);
    const { links } = parseEpisodePage(await this.s.html(url, `episode S${season}E${episode} of ${key}`), url);
    return links.map((l) => ({ language: languageOfKey(l.langKey), hoster: l.hoster, url: this.s.abs(l.target) }));
  }

  requestHeaders(): Record<string, string> {
    return { 'user-agent': this.s.opts.userAgent, referer: this.s.base.origin + '/' };
  }

  health(): Promise<ProviderHealth> {
    return checkHealth(this.id, this.s, (o) => this.searchWith('naruto', o));
  }

  close(): Promise<void> {
    return this.s.close();
  }
}
