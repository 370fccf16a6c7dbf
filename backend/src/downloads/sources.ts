import type { Deps } from '../deps.js';
import type { EpisodeSource, Provider } from '../providers/types.js';
import type { DownloadsConfig } from './configSchema.js';
import { DownloadError } from './engine/errors.js';
import { recordEpisodeLanguages } from '../library/service.js';

/**
 * The sources of an episode in the order they are tried: the wanted language (or the config's
 * language order), then the config's hoster order (hosters it does not list come last). A
 * language outside that order is never used.
 */
export function orderSources(sources: EpisodeSource[], cfg: Pick<DownloadsConfig, 'language_preference' | 'hoster_preference'>, language: string | null): EpisodeSource[] {
  const languages = language ? [language] : cfg.language_preference;
  const hosterRank = (h: string) => {
    const i = cfg.hoster_preference.findIndex((p) => p.toLowerCase() === h.toLowerCase());
    return i === -1 ? cfg.hoster_preference.length : i;
  };
  return sources
    .filter((s) => languages.includes(s.language))
    .sort((a, b) => languages.indexOf(a.language) - languages.indexOf(b.language) || hosterRank(a.hoster) - hosterRank(b.hoster));
}

export async function episodeSources(deps: Pick<Deps, 'settings' | 'db' | 'log'>, provider: Provider, key: string, season: number, episode: number, language: string | null, seriesId?: number): Promise<EpisodeSource[]> {
  const cfg = deps.settings.get().downloads;
  let all: EpisodeSource[];
  try {
    all = await provider.episodeSources(key, season, episode);
  } catch (err) {
    throw new DownloadError(`${provider.site}: could not list the episode's sources: ${(err as Error).message}`);
  }
  // only the episode page knows its languages: keep them for the series page
  if (seriesId !== undefined && all.length > 0) {
    await recordEpisodeLanguages(deps, { seriesId, season, episode, languages: all.map((s) => s.language) })
      .catch((err) => deps.log.warn({ err: (err as Error).message }, 'could not record the episode languages'));
  }
  const ordered = orderSources(all, cfg, language);
  if (ordered.length === 0) {
    const wanted = language ? [language] : cfg.language_preference;
    const have = [...new Set(all.map((s) => s.language))];
    throw new DownloadError(all.length === 0
      ? `${provider.site} lists no sources for S${season}E${episode}`
      : `no source in the wanted languages (${wanted.join(', ')}); available: ${have.join(', ')}`);
  }
  return ordered;
}
