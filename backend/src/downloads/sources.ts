import type { Deps } from '../deps.js';
import type { EpisodeSource, Provider } from '../providers/types.js';
import type { DownloadsConfig } from './configSchema.js';
import { DownloadError } from './engine/errors.js';
import { recordEpisodeLanguages } from '../library/service.js';
import { profileOf } from '../library/languageProfile.js';
import { unhealthyHosters } from './hosterHealth.js';

/**
 * The sources of an episode in the order they are tried: the wanted languages in their order
 * (one language, a series' language profile, or the config's language order), then the config's
 * hoster order (hosters it does not list come last; `unhealthy` ones after all others). A language
 * outside that list is never used.
 */
export function orderSources(
  sources: EpisodeSource[],
  cfg: Pick<DownloadsConfig, 'language_preference' | 'hoster_preference'>,
  language: string | readonly string[] | null,
  unhealthy: ReadonlySet<string> = new Set(),
): EpisodeSource[] {
  const languages: readonly string[] = typeof language === 'string' ? [language] : (language ?? cfg.language_preference);
  const hosterRank = (h: string) => {
    const i = cfg.hoster_preference.findIndex((p) => p.toLowerCase() === h.toLowerCase());
    return (i === -1 ? cfg.hoster_preference.length : i) + (unhealthy.has(h.toLowerCase()) ? 1000 : 0);
  };
  return sources
    .filter((s) => languages.includes(s.language))
    .sort((a, b) => languages.indexOf(a.language) - languages.indexOf(b.language) || hosterRank(a.hoster) - hosterRank(b.hoster));
}

/** The languages a queue item may take, in order: its own, the better ones of an upgrade, or the profile's. */
export function wantedLanguages(
  deps: Pick<Deps, 'settings'>,
  series: Parameters<typeof profileOf>[1],
  item: { language: string | null; upgrade_from: string | null },
): string[] {
  if (item.language) return [item.language];
  const p = profileOf(deps.settings.get().downloads, series);
  if (!item.upgrade_from) return p.languages;
  const upTo = p.languages.indexOf(p.cutoff) + 1;
  const from = p.languages.indexOf(item.upgrade_from);
  return p.languages.slice(0, from === -1 ? upTo : Math.min(from, upTo));
}

/**
 * The episode page's sources in the wanted languages' order; with `chosen`, the one source with
 * that link in any language (a user's choice).
 */
export async function episodeSources(
  deps: Pick<Deps, 'settings' | 'db' | 'log' | 'clock'>,
  provider: Provider,
  key: string,
  season: number,
  episode: number,
  language: string | readonly string[] | null,
  seriesId?: number,
  chosen?: string | null,
): Promise<EpisodeSource[]> {
  const cfg = deps.settings.get().downloads;
  let all: EpisodeSource[];
  try {
    all = await provider.episodeSources(key, season, episode);
  } catch (err) {
    throw Object.assign(new DownloadError(`${provider.site}: could not list the episode's sources: ${(err as Error).message}`), {
      cause: err,
    });
  }
  // only the episode page knows its languages: keep them for the series page
  if (seriesId !== undefined && all.length > 0) {
    await recordEpisodeLanguages(deps, { seriesId, season, episode, languages: all.map((s) => s.language) }).catch((err) =>
      deps.log.warn({ err: (err as Error).message }, 'could not record the episode languages'),
    );
  }
  if (chosen) return all.filter((s) => s.url === chosen);
  const ordered = orderSources(all, cfg, language, await unhealthyHosters(deps));
  if (ordered.length === 0) {
    const wanted = typeof language === 'string' ? [language] : (language ?? cfg.language_preference);
    const have = [...new Set(all.map((s) => s.language))];
    throw Object.assign(
      new DownloadError(
        all.length === 0
          ? `${provider.site} lists no sources for S${season}E${episode}`
          : `no source in the wanted languages (${wanted.join(', ')}); available: ${have.join(', ')}`,
      ),
      { noSource: true },
    );
  }
  return ordered;
}
