/** The parts of TMDB v3 answers this domain reads (TMDB sends more; nulls are common). */

export interface TmdbImage {
  file_path: string;
  iso_639_1: string | null;
  width?: number;
  height?: number;
  aspect_ratio?: number;
  vote_average?: number;
}

export interface TmdbSearchResult {
  id: number;
  name: string;
  original_name?: string;
  first_air_date?: string | null;
  overview?: string;
}

export interface TmdbSearch {
  page: number;
  results: TmdbSearchResult[];
  total_results: number;
}

export interface TmdbSeasonSummary {
  id: number;
  season_number: number;
  name: string;
  overview?: string;
  poster_path: string | null;
  air_date?: string | null;
  episode_count?: number;
}

export interface TmdbCast {
  id: number;
  name: string;
  character?: string | null;
  order?: number;
  profile_path?: string | null;
}

export interface TmdbTv {
  id: number;
  name: string;
  original_name?: string;
  overview?: string;
  tagline?: string;
  first_air_date?: string | null;
  status?: string;
  episode_run_time?: number[];
  genres?: { id: number; name: string }[];
  networks?: { id: number; name: string }[];
  production_companies?: { id: number; name: string }[];
  origin_country?: string[];
  vote_average?: number;
  vote_count?: number;
  poster_path?: string | null;
  backdrop_path?: string | null;
  seasons?: TmdbSeasonSummary[];
  credits?: { cast?: TmdbCast[] };
  external_ids?: { imdb_id?: string | null; tvdb_id?: number | null };
  images?: { posters?: TmdbImage[]; backdrops?: TmdbImage[]; logos?: TmdbImage[] };
  content_ratings?: { results?: { iso_3166_1: string; rating: string }[] };
  keywords?: { results?: { id: number; name: string }[] };
}

export interface TmdbEpisode {
  id: number;
  season_number: number;
  episode_number: number;
  name: string;
  overview?: string;
  air_date?: string | null;
  runtime?: number | null;
  still_path?: string | null;
  vote_average?: number;
  vote_count?: number;
}

export interface TmdbSeason {
  id: number;
  season_number: number;
  name: string;
  poster_path?: string | null;
  episodes: TmdbEpisode[];
}

/** /tv/{id}/season/{n}/images: posters always; backdrops only where TMDB has season fanart. */
export interface TmdbSeasonImages {
  id: number;
  posters?: TmdbImage[];
  backdrops?: TmdbImage[];
}

export interface TmdbConfiguration {
  images: {
    base_url: string;
    secure_base_url: string;
    poster_sizes: string[];
    backdrop_sizes: string[];
    logo_sizes: string[];
    still_sizes: string[];
    profile_sizes: string[];
  };
}
