/** The series detail as seasons of episodes: each downloaded (with its file) or missing (with its languages). */
import type { EpisodeInfo, SeriesDetail } from '../api/types.ts';

export interface Season {
  season: number;
  episodes: EpisodeInfo[];
}

export function seasonsOf(detail: SeriesDetail): Season[] {
  let list: EpisodeInfo[];
  if (detail.episode_list) {
    // episodes neither on the provider nor on disk are nothing the user can act on
    list = detail.episode_list.filter((e) => e.is_downloaded || e.on_provider !== false);
  } else {
    // the spec's bare shape: `episodes` lists the missing ones as "season-episode"
    list = detail.episodes.flatMap((code) => {
      const m = /^(\d+)-(\d+)$/.exec(code);
      return m ? [{ season: Number(m[1]), episode: Number(m[2]), is_downloaded: false } as EpisodeInfo] : [];
    });
  }
  const bySeason = new Map<number, EpisodeInfo[]>();
  for (const e of list) {
    if (!bySeason.has(e.season)) bySeason.set(e.season, []);
    bySeason.get(e.season)!.push({ ...e, is_downloaded: Boolean(e.is_downloaded) });
  }
  return [...bySeason.entries()]
    .sort(([a], [b]) => (a === 0 ? 1 : b === 0 ? -1 : a - b))
    .map(([season, eps]) => ({ season, episodes: eps.sort((a, b) => a.episode - b.episode) }));
}

export const fileName = (e: EpisodeInfo) => (e.file_path ? (e.file_path.split(/[\\/]/).pop() ?? null) : null);
