/**
 * Provider numbering → TMDB numbering, for anime whose provider seasons differ from TMDB's (one
 * TMDB season split into cours, or absolute numbering). Pure: the caller brings the library's
 * episodes, TMDB's seasons and, for the episode-group mode, the group.
 *
 *   season        S01E05 is TMDB's S01E05
 *   absolute      the n-th regular episode on the provider (seasons 1.. in order) is TMDB's n-th
 *   episode_group the group's k-th part (by its order, a leading 'Specials' part is season 0) is
 *                 the provider's season k; its e-th episode (by order) is the provider's episode e
 *   air_date      TMDB's regular episodes (every season) ordered by air date form one timeline;
 *                 each provider season starts at the first of them aired on/after its start date
 *                 (the user's date for that season, else the day the provider first listed its
 *                 episode 1 less a tolerance of PROVIDER_SEEN_TOLERANCE_DAYS, as providers list an
 *                 episode on or a few days after it airs), else right after the previous provider
 *                 season; its episodes follow in order
 *   auto          absolute when a regular season is longer on the provider than on TMDB (or TMDB
 *                 lacks it) and TMDB's regular episodes hold all of the provider's; else season
 * Specials (season 0) keep their numbers except in a group that has a specials part. A manual
 * override wins over every mode.
 */

export type MappingMode = 'auto' | 'season' | 'absolute' | 'episode_group' | 'air_date';
export type MappingVia = 'season' | 'absolute' | 'episode_group' | 'air_date' | 'manual';

/** A provider's first-seen day is at most this many days after the TMDB episode aired. */
export const PROVIDER_SEEN_TOLERANCE_DAYS = 6;

/** Where a provider season's start date comes from (air_date mode). */
export type SeasonStartSource = 'user' | 'provider_seen' | 'continued';

export interface SeasonStartHint {
  season: number;
  /** YYYY-MM-DD */
  date: string;
  source: Exclude<SeasonStartSource, 'continued'>;
}

/** How air_date mode placed a provider season: the date it used and the TMDB episode it starts at. */
export interface SeasonAnchor {
  season: number;
  start_date: string | null;
  source: SeasonStartSource;
  tmdb: EpisodeRef | null;
}

export interface TmdbDatedEpisode extends EpisodeRef {
  air_date: string | null;
}

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
  /** air_date: TMDB's episodes of every season with their air dates. */
  tmdbEpisodes?: TmdbDatedEpisode[];
  /** air_date: the start date per provider season (the user's wins over the provider's). */
  seasonStarts?: SeasonStartHint[];
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

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** TMDB's regular episodes as one timeline: dated ones by date, then undated ones by number. */
function timeline(tmdbEpisodes: TmdbDatedEpisode[]): TmdbDatedEpisode[] {
  const byNumber = (a: EpisodeRef, b: EpisodeRef) => a.season - b.season || a.episode - b.episode;
  const regular = tmdbEpisodes.filter((e) => e.season > 0);
  const dated = regular.filter((e) => e.air_date).sort((a, b) => a.air_date!.localeCompare(b.air_date!) || byNumber(a, b));
  return [...dated, ...regular.filter((e) => !e.air_date).sort(byNumber)];
}

/** Each provider season's place on TMDB's air-date timeline (see the header). */
export function airDateAnchors(
  episodes: EpisodeRef[],
  tmdbEpisodes: TmdbDatedEpisode[],
  starts: SeasonStartHint[],
): { anchors: SeasonAnchor[]; map: (ref: EpisodeRef) => EpisodeRef | null } {
  const line = timeline(tmdbEpisodes);
  const lengths = seasonLengths(episodes);
  const hints = new Map<number, SeasonStartHint>();
  for (const h of starts) if (h.season > 0 && (!hints.has(h.season) || h.source === 'user')) hints.set(h.season, h);
  const startIndex = new Map<number, number>();
  const anchors: SeasonAnchor[] = [];
  let cursor = 0;
  for (const season of [...lengths.keys()].sort((a, b) => a - b)) {
    const hint = hints.get(season);
    let index = cursor;
    if (hint) {
      const from = hint.source === 'user' ? hint.date : addDays(hint.date, -PROVIDER_SEEN_TOLERANCE_DAYS);
      index = line.findIndex((e) => e.air_date !== null && e.air_date >= from);
      if (index < 0) index = line.length; // nothing aired since: no TMDB episode for this season
    }
    startIndex.set(season, index);
    const first = line[index];
    anchors.push({
      season,
      start_date: hint?.date ?? null,
      source: hint?.source ?? 'continued',
      tmdb: first ? { season: first.season, episode: first.episode } : null,
    });
    cursor = index + lengths.get(season)!;
  }
  return {
    anchors,
    map: (ref) => {
      const start = startIndex.get(ref.season);
      const e = start === undefined || ref.episode < 1 ? undefined : line[start + ref.episode - 1];
      return e ? { season: e.season, episode: e.episode } : null;
    },
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

export function mapEpisodes(input: MappingInput): {
  mode: Exclude<MappingMode, 'auto'>;
  episodes: MappedEpisode[];
  /** air_date mode: where each provider season starts. */
  anchors: SeasonAnchor[];
} {
  let mode = effectiveMode(input);
  if (mode === 'episode_group' && !input.group) mode = 'season';
  const air = mode === 'air_date' ? airDateAnchors(input.episodes, input.tmdbEpisodes ?? [], input.seasonStarts ?? []) : null;
  const regular =
    mode === 'absolute'
      ? absoluteMapper(input.episodes, input.tmdbSeasons)
      : mode === 'episode_group'
        ? groupMapper(input.group!)
        : air
          ? air.map
          : (r: EpisodeRef) => r;
  const manual = new Map(input.overrides.map((o) => [`${o.season}:${o.episode}`, { season: o.tmdb_season, episode: o.tmdb_episode }]));
  const episodes = input.episodes.map((e): MappedEpisode => {
    const m = manual.get(`${e.season}:${e.episode}`);
    if (m) return { season: e.season, episode: e.episode, tmdb: m, via: 'manual' };
    if (e.season === 0 && mode !== 'episode_group')
      return { season: 0, episode: e.episode, tmdb: { season: 0, episode: e.episode }, via: 'season' };
    return { season: e.season, episode: e.episode, tmdb: regular(e), via: mode };
  });
  return { mode, episodes, anchors: air?.anchors ?? [] };
}
