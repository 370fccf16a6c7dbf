import type { Deps } from '../deps.js';
import { NotFound, ValidationFailed } from '../errors.js';
import {
  mapEpisodes,
  type EpisodeRef,
  type MappedEpisode,
  type MappingMode,
  type SeasonAnchor,
  type SeasonStartHint,
  type TmdbDatedEpisode,
  type TmdbGroup,
} from './episodeMapping.js';
import { episodeNumbers } from '../library/readRepo.js';
import { mappingOverrides, mappingSettings, saveMapping, seasonStarts, type Override, type SeasonStart } from './mappingRepo.js';
import { tmdbIdFromNfo } from './match.js';
import type { TmdbClient } from './tmdbClient.js';
import type { TmdbSeason, TmdbTv } from './tmdbTypes.js';

/** A series' episode mapping: read for the NFO writers and the series page, edited by the user. */

/** The mapping's rows, the providers' season start dates (hooks) and the log. */
export type MappingCtx = Pick<Deps, 'db' | 'hooks' | 'log'>;

export interface EpisodeGroupSummary {
  id: string;
  name: string;
  type: number;
  group_count: number;
  episode_count: number;
}

function episodeGroup(tmdb: TmdbClient, id: string, fresh = false): Promise<TmdbGroup> {
  return tmdb.get<TmdbGroup>(`/tv/episode_group/${id}`, { language: tmdb.language }, undefined, fresh);
}

/** TMDB's regular episodes of every season with their air dates (a season TMDB lost is skipped). */
async function tmdbDatedEpisodes(tmdb: TmdbClient, tv: TmdbTv, fresh: boolean): Promise<TmdbDatedEpisode[]> {
  const out: TmdbDatedEpisode[] = [];
  for (const s of tv.seasons ?? []) {
    if (s.season_number <= 0) continue;
    const season = await tmdb.season(tv.id, s.season_number, fresh).catch((err) => {
      if (err instanceof NotFound) return null;
      throw err;
    });
    for (const e of season?.episodes ?? [])
      out.push({
        season: s.season_number,
        episode: e.episode_number,
        air_date: e.air_date && /^\d{4}-\d{2}-\d{2}$/.test(e.air_date) ? e.air_date : null,
      });
  }
  return out;
}

/** The start date hints per provider season: the user's, then the provider's first-seen day. */
async function seasonStartHints(
  deps: Pick<Deps, 'db' | 'hooks'>,
  row: { id: number; key: string },
): Promise<{ user: SeasonStart[]; hints: SeasonStartHint[] }> {
  const [user, seen] = await Promise.all([seasonStarts(deps.db, row.id), deps.hooks.providerSeasonStarts(row.key)]);
  return {
    user,
    hints: [
      ...user.map((u): SeasonStartHint => ({ season: u.season, date: u.start_date, source: 'user' })),
      ...seen.map((p): SeasonStartHint => ({ season: p.season, date: p.date, source: 'provider_seen' })),
    ],
  };
}

/**
 * The mapper the NFO writers use: provider (season, episode) → TMDB's, for the series' episodes
 * plus `extra` (videos the library has no row for).
 */
export async function seriesMapper(
  deps: MappingCtx,
  tmdb: TmdbClient,
  row: { id: number; key: string },
  tv: TmdbTv,
  extra: EpisodeRef[] = [],
  fresh = false,
): Promise<{
  mode: Exclude<MappingMode, 'auto'>;
  map: (ref: EpisodeRef) => MappedEpisode;
  episodes: MappedEpisode[];
  anchors: SeasonAnchor[];
  hints: { user: SeasonStart[]; hints: SeasonStartHint[] };
}> {
  const seriesId = row.id;
  const [settings, overrides, known, hints] = await Promise.all([
    mappingSettings(deps.db, seriesId),
    mappingOverrides(deps.db, seriesId),
    episodeNumbers(deps.db, seriesId),
    seasonStartHints(deps, row),
  ]);
  const keys = new Set(known.map((e) => `${e.season}:${e.episode}`));
  const episodes = [...known, ...extra.filter((e) => !keys.has(`${e.season}:${e.episode}`))];
  let group: TmdbGroup | null = null;
  if (settings.mode === 'episode_group' && settings.episode_group_id) {
    try {
      group = await episodeGroup(tmdb, settings.episode_group_id, fresh);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      deps.log.warn({ series_id: seriesId, group: settings.episode_group_id }, 'TMDB episode group gone; mapping season by season');
    }
  }
  const tmdbEpisodes = settings.mode === 'air_date' ? await tmdbDatedEpisodes(tmdb, tv, fresh) : [];
  const input = { mode: settings.mode, tmdbSeasons: tv.seasons ?? [], group, overrides, tmdbEpisodes, seasonStarts: hints.hints };
  const res = mapEpisodes({ ...input, episodes });
  const by = new Map(res.episodes.map((e) => [`${e.season}:${e.episode}`, e]));
  const map = (ref: EpisodeRef) =>
    by.get(`${ref.season}:${ref.episode}`) ?? mapEpisodes({ ...input, episodes: [...episodes, ref] }).episodes.at(-1)!;
  return { mode: res.mode, map, episodes: res.episodes, anchors: res.anchors, hints };
}

export interface MappingView {
  serie_id: string;
  tmdb_id: number;
  mode: MappingMode;
  effective_mode: Exclude<MappingMode, 'auto'>;
  episode_group_id: string | null;
  episode_groups: EpisodeGroupSummary[];
  episodes: (MappedEpisode & { tmdb_title: string | null; tmdb_air_date: string | null })[];
  season_starts: {
    season: number;
    user_date: string | null;
    provider_date: string | null;
    start_date: string | null;
    source: SeasonAnchor['source'];
    tmdb: EpisodeRef | null;
  }[];
}

/** What the series page shows: every library episode, the TMDB episode it is written as, and why. */
export async function mappingView(deps: MappingCtx, tmdb: TmdbClient, row: { id: number; key: string }, dir: string): Promise<MappingView> {
  tmdb.requireKey();
  const tmdbId = await tmdbIdFromNfo(dir, deps.log);
  if (!tmdbId) throw new NotFound(`No tvshow.nfo with a TMDB id for '${row.key}' (create the NFO first)`);
  const tv = await tmdb.tv(tmdbId);
  const [settings, mapper, groups] = await Promise.all([
    mappingSettings(deps.db, row.id),
    seriesMapper(deps, tmdb, row, tv),
    tmdb.get<{ results?: EpisodeGroupSummary[] }>(`/tv/${tmdbId}/episode_groups`, {}).catch((err) => {
      if (err instanceof NotFound) return { results: [] };
      throw err;
    }),
  ]);
  const seasons = new Map<number, TmdbSeason | null>();
  for (const e of mapper.episodes) {
    const s = e.tmdb?.season;
    if (s === undefined || seasons.has(s)) continue;
    seasons.set(
      s,
      await tmdb.season(tmdbId, s).catch((err) => {
        if (err instanceof NotFound) return null;
        throw err;
      }),
    );
  }
  return {
    serie_id: row.key,
    tmdb_id: tmdbId,
    mode: settings.mode,
    effective_mode: mapper.mode,
    episode_group_id: settings.episode_group_id,
    episode_groups: (groups.results ?? []).map((g) => ({
      id: g.id,
      name: g.name,
      type: g.type,
      group_count: g.group_count,
      episode_count: g.episode_count,
    })),
    episodes: mapper.episodes.map((e) => {
      const ep = e.tmdb ? seasons.get(e.tmdb.season)?.episodes.find((x) => x.episode_number === e.tmdb!.episode) : undefined;
      return { ...e, tmdb_title: ep?.name ?? null, tmdb_air_date: ep?.air_date ?? null };
    }),
    season_starts: seasonStartRows(mapper),
  };
}

/** Each provider season: the dates known for it and, in air_date mode, where it starts on TMDB. */
function seasonStartRows(mapper: Awaited<ReturnType<typeof seriesMapper>>): MappingView['season_starts'] {
  const anchors = new Map(mapper.anchors.map((a) => [a.season, a]));
  const seasons = [...new Set(mapper.episodes.map((e) => e.season).filter((s) => s > 0))].sort((a, b) => a - b);
  return seasons.map((season) => {
    const user = mapper.hints.user.find((u) => u.season === season)?.start_date ?? null;
    const seen = mapper.hints.hints.find((h) => h.season === season && h.source === 'provider_seen')?.date ?? null;
    const a = anchors.get(season);
    return {
      season,
      user_date: user,
      provider_date: seen,
      start_date: a ? a.start_date : (user ?? seen),
      source: a ? a.source : user ? 'user' : seen ? 'provider_seen' : 'continued',
      tmdb: a?.tmdb ?? null,
    };
  });
}

/**
 * Stores the user's mode, corrections and season start dates (the group must exist on TMDB; a
 * start date must name a regular season the library has). Nothing is stored when one is wrong.
 */
export async function saveSeriesMapping(
  deps: Pick<Deps, 'db'>,
  tmdb: TmdbClient,
  seriesId: number,
  body: { mode: MappingMode; episode_group_id: string | null; overrides: Override[]; season_starts: SeasonStart[] },
): Promise<void> {
  if (body.season_starts.length) {
    const seasons = new Set((await episodeNumbers(deps.db, seriesId)).map((e) => e.season).filter((s) => s > 0));
    const unknown = body.season_starts.filter((st) => !seasons.has(st.season)).map((st) => st.season);
    if (unknown.length)
      throw new ValidationFailed(
        `season_starts: the library has no season ${unknown.join(', ')} of this series (it has ` +
          `${[...seasons].sort((a, b) => a - b).join(', ') || 'none'})`,
        { field: 'season_starts', seasons: unknown },
      );
  }
  if (body.mode === 'episode_group') {
    if (!body.episode_group_id) throw new ValidationFailed('episode_group_id is required for mode episode_group');
    try {
      await episodeGroup(tmdb, body.episode_group_id);
    } catch (err) {
      if (err instanceof NotFound) throw new ValidationFailed(`TMDB has no episode group '${body.episode_group_id}'`);
      throw err;
    }
  }
  await saveMapping(
    deps.db,
    seriesId,
    body.mode,
    body.mode === 'episode_group' ? body.episode_group_id : null,
    body.overrides,
    body.season_starts,
  );
}
