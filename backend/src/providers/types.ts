/**
 * The contract every provider implements (aniworld, anime-sama). Downloads, the watchlist and
 * the library consume only this interface. Movies and specials are season 0.
 *
 * Get one with `getProvider(deps, id)` / `listProviders(deps)` from `./registry.js` (built from
 * config `providers.*`, rebuilt when the config changes). Every method throws only the errors of
 * `./errors.js` for site trouble: ProviderBlocked (challenge page, 403), ProviderChanged (page
 * structure changed, names what was missing), ProviderUnavailable (5xx, timeout, unreachable),
 * ProviderNotFound (404).
 *
 * `episodeSources(key, season, episode)` returns one entry per hoster link:
 *   aniworld: language 'german_dub' | 'english_sub' | 'german_sub' (data-lang-key 1 | 2 | 3),
 *             url = absolute `{base}/redirect/{id}` (answers 302 to the hoster's embed page;
 *             send `requestHeaders()` with it).
 *   anime-sama: language = the site's code ('vostfr', 'vf', 'vf1', 'va', ...), url = embed URL.
 */

/** aniworld's languages by name; anime-sama uses its own codes (vostfr, vf, ...). */
export type Language = 'german_dub' | 'german_sub' | 'english_sub' | (string & {});

export interface SearchResult {
  provider: string;
  key: string;
  name: string;
  /** Absolute series URL on the provider. */
  link: string;
  year: number | null;
  cover: string | null;
  description: string | null;
}

export interface CatalogueEpisode {
  season: number;
  episode: number;
  title: string | null;
  title_en: string | null;
  /** Absolute URL of the episode page. */
  url: string;
}

export interface Catalogue {
  provider: string;
  key: string;
  name: string;
  link: string;
  year: number | null;
  description: string | null;
  cover: string | null;
  genres: string[];
  seasons: number[];
  episodes: CatalogueEpisode[];
}

/** What a series page says about a series without reading its seasons (the import's confirmation). */
export interface SeriesInfo {
  provider: string;
  key: string;
  name: string;
  link: string;
  year: number | null;
  /** Other titles the site lists (translations, the Japanese title). */
  altTitles: string[];
}

export interface EpisodeSource {
  language: Language;
  /** Hoster name as the provider shows it (VOE, Filemoon, ...). */
  hoster: string;
  /** Absolute URL: the provider's redirect (`/redirect/{id}`) or the hoster's embed page. */
  url: string;
}

export interface ProviderHealth {
  provider: string;
  base_url: string;
  reachable: boolean;
  search_works: boolean;
  last_error: string | null;
  checked_at: string;
}

export interface Provider {
  readonly id: string;
  /** Display site name, e.g. aniworld.to */
  readonly site: string;
  search(query: string): Promise<SearchResult[]>;
  catalogue(key: string): Promise<Catalogue>;
  /** The series page only (title, alternative titles, year); ProviderNotFound when there is no such series. */
  seriesInfo(key: string): Promise<SeriesInfo>;
  episodeSources(key: string, season: number, episode: number): Promise<EpisodeSource[]>;
  /** Headers a follow-up request to the provider's redirect URLs needs (Referer, User-Agent). */
  requestHeaders(): Record<string, string>;
  health(): Promise<ProviderHealth>;
  /** Every domain the site answers under: the active one first, then the known and the configured extra ones. */
  hosts(): string[];
  /** The series key when `link` is a series URL on this provider (any of `hosts()`), else null. */
  keyFromLink(link: string): string | null;
  /** The absolute series URL of `key` on the active domain. */
  seriesLink(key: string): string;
}
