import type { Deps } from '../deps.js';
import { NotFound, ValidationFailed } from '../errors.js';
import { mapEpisodes, type EpisodeRef, type MappedEpisode, type MappingMode, type TmdbGroup } from './episodeMapping.js';
import { libraryEpisodes, mappingOverrides, mappingSettings, saveMapping, type Override } from './mappingRepo.js';
import { tmdbIdFromNfo } from './match.js';
import type { TmdbClient } from './tmdbClient.js';
import type { TmdbSeason, TmdbTv } from './tmdbTypes.js';

/** A series' episode mapping: read for the NFO writers and the series page, edited by the user. */

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

/**
 * The mapper the NFO writers use: provider (season, episode) → TMDB's, for the series' episodes
 * plus `extra` (videos the library has no row for).
 */
export async function seriesMapper(
  deps: Deps,
  tmdb: TmdbClient,
  seriesId: number,
  tv: TmdbTv,
  extra: EpisodeRef[] = [],
  fresh = false,
): Promise<{ mode: Exclude<MappingMode, 'auto'>; map: (ref: EpisodeRef) => MappedEpisode; episodes: MappedEpisode[] }> {
  const [settings, overrides, known] = await Promise.all([
    mappingSettings(deps.db, seriesId),
    mappingOverrides(deps.db, seriesId),
    libraryEpisodes(deps.db, seriesId),
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
  const res = mapEpisodes({ mode: settings.mode, episodes, tmdbSeasons: tv.seasons ?? [], group, overrides });
  const by = new Map(res.episodes.map((e) => [`${e.season}:${e.episode}`, e]));
  const map = (ref: EpisodeRef) =>
    by.get(`${ref.season}:${ref.episode}`) ??
    mapEpisodes({ mode: settings.mode, episodes: [...episodes, ref], tmdbSeasons: tv.seasons ?? [], group, overrides }).episodes.at(-1)!;
  return { mode: res.mode, map, episodes: res.episodes };
}

export interface MappingView {
  serie_id: string;
  tmdb_id: number;
  mode: MappingMode;
  effective_mode: Exclude<MappingMode, 'auto'>;
  episode_group_id: string | null;
  episode_groups: EpisodeGroupSummary[];
  episodes: (MappedEpisode & { tmdb_title: string | null })[];
}

/** What the series page shows: every library episode, the TMDB episode it is written as, and why. */
export async function mappingView(deps: Deps, tmdb: TmdbClient, row: { id: number; key: string }, dir: string): Promise<MappingView> {
  tmdb.requireKey();
  const tmdbId = await tmdbIdFromNfo(dir, deps.log);
  if (!tmdbId) throw new NotFound(`No tvshow.nfo with a TMDB id for '${row.key}' (create the NFO first)`);
  const tv = await tmdb.tv(tmdbId);
  const [settings, mapper, groups] = await Promise.all([
    mappingSettings(deps.db, row.id),
    seriesMapper(deps, tmdb, row.id, tv),
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
    episodes: mapper.episodes.map((e) => ({
      ...e,
      tmdb_title: e.tmdb ? (seasons.get(e.tmdb.season)?.episodes.find((x) => x.episode_number === e.tmdb!.episode)?.name ?? null) : null,
    })),
  };
}

/** Stores the user's mode and corrections (the group must exist on TMDB). */
export async function saveSeriesMapping(
  deps: Deps,
  tmdb: TmdbClient,
  seriesId: number,
  body: { mode: MappingMode; episode_group_id: string | null; overrides: Override[] },
): Promise<void> {
  if (body.mode === 'episode_group') {
    if (!body.episode_group_id) throw new ValidationFailed('episode_group_id is required for mode episode_group');
    try {
      await episodeGroup(tmdb, body.episode_group_id);
    } catch (err) {
      if (err instanceof NotFound) throw new ValidationFailed(`TMDB has no episode group '${body.episode_group_id}'`);
      throw err;
    }
  }
  await saveMapping(deps.db, seriesId, body.mode, body.mode === 'episode_group' ? body.episode_group_id : null, body.overrides);
}
