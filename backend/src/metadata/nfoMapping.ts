import type { TmdbConfig } from './configSchema.js';
import type { EpisodeNfo, ShowNfo } from './nfoXml.js';
import { kodiDate } from './nfoXml.js';
import type { TmdbConfiguration, TmdbEpisode, TmdbImage, TmdbSeasonImages, TmdbTv } from './tmdbTypes.js';

/** TMDB answers → NFO documents and the artwork files to fetch. */

export interface ArtworkItem {
  /** File name in the series folder. */
  file: string;
  url: string;
  group: 'poster' | 'logo' | 'fanart';
}

/**
 * Kodi and Jellyfin know `Continuing` and `Ended` only; TMDB says `Returning Series`, `In
 * Production`, `Planned`, `Pilot`, `Ended`, `Canceled`.
 */
export function kodiStatus(s: string | undefined | null): string | null {
  if (!s) return null;
  if (/^(ended|canceled|cancelled)$/i.test(s)) return 'Ended';
  if (/^(returning series|in production|planned|pilot)$/i.test(s)) return 'Continuing';
  return null;
}

/**
 * Where a special (season 0) sits among the regular seasons, for Kodi's display order: before the
 * first season that started after it aired (`airsbefore_season`, `airsbefore_episode` 1), else
 * after the last one (`airsafter_season`). Null without an air date.
 */
export function specialPlacement(
  airDate: string | null | undefined,
  seasons: { season_number: number; air_date?: string | null }[],
): { airsbefore_season: number; airsbefore_episode: number } | { airsafter_season: number } | null {
  if (!airDate) return null;
  const regular = seasons.filter((s) => s.season_number > 0 && s.air_date).sort((a, b) => a.season_number - b.season_number);
  const next = regular.find((s) => s.air_date! > airDate);
  if (next) return { airsbefore_season: next.season_number, airsbefore_episode: 1 };
  const last = regular[regular.length - 1];
  return last ? { airsafter_season: last.season_number } : null;
}

function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(\s|$)/s.exec(text.trim());
  return (m ? m[1] : text).trim();
}

function countryName(code: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function mpaa(tv: TmdbTv, lang: string): string | null {
  const results = tv.content_ratings?.results ?? [];
  const region = lang.length === 5 ? lang.slice(3) : lang.toUpperCase();
  const own = results.find((r) => r.iso_3166_1 === region && r.rating);
  if (own) return region === 'DE' ? `FSK ${own.rating}` : own.rating;
  const us = results.find((r) => r.iso_3166_1 === 'US' && r.rating);
  return us ? us.rating : null;
}

/** Best image: the UI language first, then English, then textless, then anything; best voted first. */
export function pickImage(
  list: TmdbImage[] | undefined,
  lang: string,
  prefer: (string | null)[] = [lang.slice(0, 2), 'en', null],
): TmdbImage | null {
  const all = [...(list ?? [])].sort((a, b) => (b.vote_average ?? 0) - (a.vote_average ?? 0));
  for (const p of prefer) {
    const hit = all.find((i) => (i.iso_639_1 ?? null) === p);
    if (hit) return hit;
  }
  return all[0] ?? null;
}

export function imageUrl(base: string, size: string, filePath: string): string {
  return `${base}/${size}${filePath.startsWith('/') ? '' : '/'}${filePath}`;
}

/** The configured size when TMDB offers it, else `original` (always offered). */
export function usableSize(wanted: string, offered: string[] | undefined): string {
  return !offered || offered.includes(wanted) ? wanted : 'original';
}

export function seasonPosterFile(season: number): string {
  return season === 0 ? 'season-specials-poster.jpg' : `season${String(season).padStart(2, '0')}-poster.jpg`;
}

export function seasonFanartFile(season: number): string {
  return season === 0 ? 'season-specials-fanart.jpg' : `season${String(season).padStart(2, '0')}-fanart.jpg`;
}

/** A season's own fanart (Kodi's seasonNN-fanart.jpg), when TMDB has a backdrop for that season. */
export function seasonFanart(
  season: number,
  images: TmdbSeasonImages,
  cfg: TmdbConfig,
  conf: TmdbConfiguration,
  imageBase: string,
): ArtworkItem | null {
  const lang = cfg.language;
  const best = pickImage(images.backdrops, lang, [null, lang.slice(0, 2), 'en']);
  if (!best) return null;
  return {
    file: seasonFanartFile(season),
    url: imageUrl(imageBase, usableSize(cfg.fanart_size, conf.images.backdrop_sizes), best.file_path),
    group: 'fanart',
  };
}

export function showNfo(tv: TmdbTv, lang: string, imageBase: string, dateAdded: Date): ShowNfo {
  const url = (p: string) => imageUrl(imageBase, 'original', p);
  const poster = pickImage(tv.images?.posters, lang)?.file_path ?? tv.poster_path ?? null;
  const logo = pickImage(
    tv.images?.logos?.filter((l) => !l.file_path.endsWith('.svg')),
    lang,
  );
  const landscape = pickImage(
    tv.images?.backdrops?.filter((b) => b.iso_639_1),
    lang,
    [lang.slice(0, 2), 'en'],
  );
  const fanart = pickImage(tv.images?.backdrops, lang, [null, lang.slice(0, 2), 'en'])?.file_path ?? tv.backdrop_path ?? null;
  const seasons = [...(tv.seasons ?? [])].sort((a, b) => a.season_number - b.season_number);
  const premiered = tv.first_air_date || null;
  const plot = tv.overview ?? '';
  return {
    title: tv.name,
    originaltitle: tv.original_name ?? tv.name,
    sorttitle: tv.name,
    plot,
    outline: firstSentence(plot),
    tagline: tv.tagline ?? '',
    runtime: tv.episode_run_time?.[0] ?? null,
    premiered,
    year: premiered ? Number(premiered.slice(0, 4)) : null,
    status: kodiStatus(tv.status),
    studios: (tv.networks ?? []).map((n) => n.name),
    genres: (tv.genres ?? []).map((g) => g.name),
    tags: (tv.keywords?.results ?? []).map((k) => k.name),
    countries: (tv.origin_country ?? []).map((c) => countryName(c, lang)),
    mpaa: mpaa(tv, lang),
    rating: tv.vote_count ? { value: tv.vote_average ?? 0, votes: tv.vote_count } : null,
    ids: {
      tmdb: String(tv.id),
      imdb: tv.external_ids?.imdb_id || null,
      tvdb: tv.external_ids?.tvdb_id ? String(tv.external_ids.tvdb_id) : null,
    },
    namedseasons: seasons.filter((s) => s.name).map((s) => ({ number: s.season_number, name: s.name })),
    actors: (tv.credits?.cast ?? []).map((c, i) => ({
      name: c.name,
      role: c.character ?? '',
      order: c.order ?? i,
      thumb: c.profile_path ? url(c.profile_path) : null,
    })),
    posters: poster ? [url(poster)] : [],
    clearlogos: logo ? [url(logo.file_path)] : [],
    landscapes: landscape ? [url(landscape.file_path)] : [],
    seasonPosters: seasons.filter((s) => s.poster_path).map((s) => ({ season: s.season_number, url: url(s.poster_path!) })),
    fanart: fanart ? [url(fanart)] : [],
    dateadded: kodiDate(dateAdded),
  };
}

/** Artwork files for the series folder, at the configured sizes. TMDB has no banners. */
export function showArtwork(tv: TmdbTv, cfg: TmdbConfig, conf: TmdbConfiguration, imageBase: string): ArtworkItem[] {
  const lang = cfg.language;
  const posterSize = usableSize(cfg.poster_size, conf.images.poster_sizes);
  const fanartSize = usableSize(cfg.fanart_size, conf.images.backdrop_sizes);
  const logoSize = usableSize(cfg.logo_size, conf.images.logo_sizes);
  const out: ArtworkItem[] = [];
  const poster = pickImage(tv.images?.posters, lang)?.file_path ?? tv.poster_path;
  if (poster) out.push({ file: 'poster.jpg', url: imageUrl(imageBase, posterSize, poster), group: 'poster' });
  // Kodi's "all seasons" entry: the show's poster
  if (poster) out.push({ file: 'season-all-poster.jpg', url: imageUrl(imageBase, posterSize, poster), group: 'poster' });
  for (const s of tv.seasons ?? []) {
    if (s.poster_path)
      out.push({ file: seasonPosterFile(s.season_number), url: imageUrl(imageBase, posterSize, s.poster_path), group: 'poster' });
  }
  const fanart = pickImage(tv.images?.backdrops, lang, [null, lang.slice(0, 2), 'en'])?.file_path ?? tv.backdrop_path;
  if (fanart) {
    const u = imageUrl(imageBase, fanartSize, fanart);
    // Kodi's "all seasons" entry: the show's fanart
    out.push({ file: 'fanart.jpg', url: u, group: 'fanart' }, { file: 'season-all-fanart.jpg', url: u, group: 'fanart' });
  }
  const landscape = pickImage(
    tv.images?.backdrops?.filter((b) => b.iso_639_1),
    lang,
    [lang.slice(0, 2), 'en'],
  );
  if (landscape) out.push({ file: 'landscape.jpg', url: imageUrl(imageBase, fanartSize, landscape.file_path), group: 'fanart' });
  const logo = pickImage(
    tv.images?.logos?.filter((l) => !l.file_path.endsWith('.svg')),
    lang,
  );
  if (logo) {
    const u = imageUrl(imageBase, logoSize, logo.file_path);
    out.push({ file: 'clearlogo.png', url: u, group: 'logo' }, { file: 'logo.png', url: u, group: 'logo' });
  }
  return out;
}

export function episodeNfo(
  ep: TmdbEpisode,
  fallback: TmdbEpisode | undefined,
  showTitle: string,
  imageBase: string,
  dateAdded: Date,
  seasons: TmdbTv['seasons'] = [],
): EpisodeNfo {
  const title = ep.name && !/^(Episode|Folge|Épisode) \d+$/.test(ep.name) ? ep.name : fallback?.name || ep.name;
  return {
    title,
    showtitle: showTitle,
    season: ep.season_number,
    episode: ep.episode_number,
    plot: ep.overview || fallback?.overview || '',
    aired: ep.air_date || null,
    runtime: ep.runtime ?? null,
    rating: ep.vote_count ? { value: ep.vote_average ?? 0, votes: ep.vote_count } : null,
    tmdbId: String(ep.id),
    thumb: ep.still_path ? imageUrl(imageBase, 'original', ep.still_path) : null,
    dateadded: kodiDate(dateAdded),
    placement: ep.season_number === 0 ? specialPlacement(ep.air_date, seasons ?? []) : null,
  };
}
