import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import type { MappingMode } from './episodeMapping.js';

/** SQL of the episode mapping (migrations/0620_episode_mapping.sql, 0900_episode_mapping_air_date.sql). */

const Settings = z.object({
  mode: z.enum(['auto', 'season', 'absolute', 'episode_group', 'air_date']),
  episode_group_id: z.string().nullable(),
});
const Override = z.object({ season: z.number(), episode: z.number(), tmdb_season: z.number(), tmdb_episode: z.number() });
export type Override = z.infer<typeof Override>;
const SeasonStart = z.object({ season: z.number(), start_date: z.string() });
export type SeasonStart = z.infer<typeof SeasonStart>;

/** The user's start date (YYYY-MM-DD) per provider season, for the air_date mode. */
export async function seasonStarts(db: Conn, seriesId: number): Promise<SeasonStart[]> {
  return [
    ...(await db.any(sql.type(SeasonStart)`select season, to_char(start_date, 'YYYY-MM-DD') as start_date
    from episode_mapping_season_starts where series_id = ${seriesId} order by season`)),
  ];
}

export async function mappingSettings(db: Conn, seriesId: number): Promise<{ mode: MappingMode; episode_group_id: string | null }> {
  return (
    (await db.maybeOne(sql.type(Settings)`select mode, episode_group_id from episode_mapping_settings where series_id = ${seriesId}`)) ?? {
      mode: 'auto',
      episode_group_id: null,
    }
  );
}

export async function mappingOverrides(db: Conn, seriesId: number): Promise<Override[]> {
  return [
    ...(await db.any(sql.type(Override)`select season, episode, tmdb_season, tmdb_episode from episode_mapping_overrides
    where series_id = ${seriesId} order by season, episode`)),
  ];
}

/** Replaces the series' mode, every override and every season start date in one transaction. */
export async function saveMapping(
  db: Conn,
  seriesId: number,
  mode: MappingMode,
  groupId: string | null,
  overrides: Override[],
  starts: SeasonStart[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(sql.unsafe`insert into episode_mapping_settings (series_id, mode, episode_group_id) values (${seriesId}, ${mode},
      ${groupId})
      on conflict (series_id) do update set mode = excluded.mode, episode_group_id = excluded.episode_group_id, updated_at = now()`);
    await tx.query(sql.unsafe`delete from episode_mapping_overrides where series_id = ${seriesId}`);
    for (const o of overrides) {
      await tx.query(sql.unsafe`insert into episode_mapping_overrides (series_id, season, episode, tmdb_season, tmdb_episode)
        values (${seriesId}, ${o.season}, ${o.episode}, ${o.tmdb_season}, ${o.tmdb_episode})`);
    }
    await tx.query(sql.unsafe`delete from episode_mapping_season_starts where series_id = ${seriesId}`);
    for (const st of starts) {
      await tx.query(sql.unsafe`insert into episode_mapping_season_starts (series_id, season, start_date)
        values (${seriesId}, ${st.season}, ${st.start_date}::date)`);
    }
  });
}
