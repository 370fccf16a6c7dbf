import type { MissingEpisodes } from '../api/types.ts';

export const missingCount = (m: MissingEpisodes | null | undefined): number =>
  m ? Object.values(m).reduce((n, eps) => n + (Array.isArray(eps) ? eps.length : 0), 0) : 0;

export const code = (season: number, episode: number) => `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
