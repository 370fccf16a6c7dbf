/** Normalises the series detail into seasons of episodes, whatever form the API used for them. */
import type { EpisodeInfo, SeriesDetail } from '../api/types.ts';

export interface Season {
  season: number;
  episodes: EpisodeInfo[];
}

const isDownloaded = (e: EpisodeInfo) => Boolean(e.is_downloaded ?? e.downloaded ?? e.file_path);

export function seasonsOf(detail: SeriesDetail): Season[] {
  const bySeason = new Map<number, Map<number, EpisodeInfo>>();
  const put = (e: EpisodeInfo) => {
    if (!bySeason.has(e.season)) bySeason.set(e.season, new Map());
    const existing = bySeason.get(e.season)!.get(e.episode);
    bySeason.get(e.season)!.set(e.episode, { ...existing, ...e });
  };
  for (const s of detail.seasons ?? []) for (const e of s.episodes) put({ ...e, season: e.season ?? s.season });
  for (const e of detail.episodes ?? []) {
    if (typeof e === 'string') {
      const m = /^(\d+)-(\d+)$/.exec(e);
      if (m) put({ season: Number(m[1]), episode: Number(m[2]) });
    } else put(e);
  }
  // missing_episodes lists what is not on disk; anything else the API listed counts as present only if it says so
  for (const [season, eps] of Object.entries(detail.missing_episodes ?? {})) {
    for (const ep of eps) {
      const cur = bySeason.get(Number(season))?.get(ep);
      put({ ...(cur ?? {}), season: Number(season), episode: ep, is_downloaded: false });
    }
  }
  return [...bySeason.entries()]
    .sort(([a], [b]) => (a === 0 ? 1 : b === 0 ? -1 : a - b))
    .map(([season, eps]) => ({ season, episodes: [...eps.values()].sort((a, b) => a.episode - b.episode).map((e) => ({ ...e, is_downloaded: isDownloaded(e) })) }));
}

export const fileName = (e: EpisodeInfo) => e.file_name ?? (e.file_path ? e.file_path.split(/[\\/]/).pop() : null) ?? null;
