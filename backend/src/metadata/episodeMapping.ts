/**
 * Provider numbering → TMDB numbering, for anime whose provider seasons differ from TMDB's (one
 * TMDB season split into cours, or absolute numbering). Pure: the caller brings the library's
 * episodes, TMDB's seasons and, for the episode-group mode, the group.
 *
 *   season        S01E05 is TMDB's S01E05
 *   absolute      the n-th regular episode on the provider (seasons 1.. in order) is TMDB's n-th
 *   episode_group the group's k-th part (by its order, a leading 'Specials' part is season 0) is
 *                 the provider's season k; its e-th episode (by order) is the provider's episode e
 *   auto          absolute when a regular season is longer on the provider than on TMDB (or TMDB
 *                 lacks it) and TMDB's regular episodes hold all of the provider's; else season
 * Specials (season 0) keep their numbers except in a group that has a specials part. A manual
 * override wins over every mode.
 */

export type MappingMode = 'auto' | 'season' | 'absolute' | 'episode_group';
export type MappingVia = 'season' | 'absolute' | 'episode_group' | 'manual';

export interface EpisodeRef {
  season: number;
  episode: number;
}

export interface TmdbGroup {
  id: string;
  groups: { name: string; order: number; episodes: { season_number: number; episode_number: number; order: number }[] }[];
}

export interface MappingInput {
  mode: MappingMode;
  /** Every episode the library knows for the series (provider numbering). */
  episodes: EpisodeRef[];
  /** TMDB's seasons with their episode counts. */
  tmdbSeasons: { season_number: number; episode_count?: number }[];
  group?: TmdbGroup | null;
  overrides: (EpisodeRef & { tmdb_season: number; tmdb_episode: number })[];
}

export interface MappedEpisode extends EpisodeRef {
  /** null: no TMDB episode for it under this mapping. */
  tmdb: EpisodeRef | null;
  via: MappingVia;
}

/** Provider season → its length (the highest episode number the library knows). */
function seasonLengths(episodes: EpisodeRef[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of episodes) if (e.season > 0) out.set(e.season, Math.max(out.get(e.season) ?? 0, e.episode));
  return out;
}

/** The mode `auto` stands for, given the two season layouts. */
export function effectiveMode(input: Pick<MappingInput, 'mode' | 'episodes' | 'tmdbSeasons' | 'group'>): Exclude<MappingMode, 'auto'> {
  if (input.mode !== 'auto') return input.mode;
  const tmdb = new Map(input.tmdbSeasons.filter((s) => s.season_number > 0).map((s) => [s.season_number, s.episode_count ?? 0]));
  const lengths = seasonLengths(input.episodes);
  const differs = [...lengths].some(([season, length]) => (tmdb.get(season) ?? 0) < length);
  const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);
  return differs && sum(lengths.values()) <= sum(tmdb.values()) ? 'absolute' : 'season';
}

function absoluteMapper(episodes: EpisodeRef[], tmdbSeasons: MappingInput['tmdbSeasons']) {
  const lengths = seasonLengths(episodes);
  const providerSeasons = [...lengths.keys()].sort((a, b) => a - b);
  const tmdb = tmdbSeasons
    .filter((s) => s.season_number > 0 && (s.episode_count ?? 0) > 0)
    .sort((a, b) => a.season_number - b.season_number);
  return (ref: EpisodeRef): EpisodeRef | null => {
    let n = ref.episode;
    for (const s of providerSeasons) if (s < ref.season) n += lengths.get(s)!;
    for (const s of tmdb) {
      if (n <= s.episode_count!) return { season: s.season_number, episode: n };
      n -= s.episode_count!;
    }
    return null;
  };
}

function groupMapper(group: TmdbGroup) {
  const parts = [...group.groups].sort((a, b) => a.order - b.order);
  const specials = parts[0] && /special|extra|ova/i.test(parts[0].name) ? parts.shift()! : null;
  const season = (n: number) => (n === 0 ? specials : (parts[n - 1] ?? null));
  return (ref: EpisodeRef): EpisodeRef | null => {
    const part = season(ref.season);
    if (!part) return ref.season === 0 ? ref : null;
    const ep = [...part.episodes].sort((a, b) => a.order - b.order)[ref.episode - 1];
    return ep ? { season: ep.season_number, episode: ep.episode_number } : null;
  };
}

export function mapEpisodes(input: MappingInput): { mode: Exclude<MappingMode, 'auto'>; episodes: MappedEpisode[] } {
  let mode = effectiveMode(input);
  if (mode === 'episode_group' && !input.group) mode = 'season';
  const regular =
    mode === 'absolute'
      ? absoluteMapper(input.episodes, input.tmdbSeasons)
      : mode === 'episode_group'
        ? groupMapper(input.group!)
        : (r: EpisodeRef) => r;
  const manual = new Map(input.overrides.map((o) => [`${o.season}:${o.episode}`, { season: o.tmdb_season, episode: o.tmdb_episode }]));
  const episodes = input.episodes.map((e): MappedEpisode => {
    const m = manual.get(`${e.season}:${e.episode}`);
    if (m) return { season: e.season, episode: e.episode, tmdb: m, via: 'manual' };
    if (e.season === 0 && mode !== 'episode_group')
      return { season: 0, episode: e.episode, tmdb: { season: 0, episode: e.episode }, via: 'season' };
    return { season: e.season, episode: e.episode, tmdb: regular(e), via: mode };
  });
  return { mode, episodes };
}
