import type { Deps } from '../deps.js';
import { NotFound } from '../errors.js';
import { requireSeries } from '../library/service.js';
import { profileOf } from '../library/languageProfile.js';
import { ProviderNotFound } from '../providers/errors.js';
import { getProvider } from '../providers/registry.js';
import { episodeAttempts } from './attemptLog.js';
import { backoffOf, listBlocklist } from './policy.js';
import { orderSources } from './sources.js';

/**
 * Every source an episode page lists, for the "choose source" dialog: in the order a download
 * tries them (the series' languages, then the hoster order), the other languages after; each
 * with its blocklist entry and the last attempt's outcome; and the episode's backoff.
 */
export async function episodeSourceList(deps: Pick<Deps, 'db' | 'providers' | 'settings'>, key: string, season: number, episode: number) {
  const series = await requireSeries(deps, key);
  const cfg = deps.settings.get().downloads;
  let all;
  try {
    all = await getProvider(deps, series.provider).episodeSources(series.key, season, episode);
  } catch (err) {
    if (err instanceof ProviderNotFound)
      throw new NotFound(`${series.provider} has no episode S${season}E${episode} of ${key}`, { key, season, episode });
    throw err;
  }
  const wanted = orderSources(all, cfg, profileOf(cfg, series).languages);
  const others = orderSources(all, cfg, [...new Set(all.map((s) => s.language))]).filter((s) => !wanted.includes(s));
  const blocked = new Map((await listBlocklist(deps, { seriesKey: key, season, episode })).map((b) => [b.source_url, b]));
  const last = new Map<string, Awaited<ReturnType<typeof episodeAttempts>>[number]>();
  for (const a of await episodeAttempts(deps, key, season, episode)) if (!last.has(a.source_url)) last.set(a.source_url, a);
  const backoff = (await backoffOf(deps, key)).find((b) => b.season === season && b.episode === episode) ?? null;
  return {
    key,
    season,
    episode,
    sources: [...wanted, ...others].map((s) => {
      const b = blocked.get(s.url);
      const a = last.get(s.url);
      return {
        hoster: s.hoster,
        language: s.language,
        url: s.url,
        wanted: wanted.includes(s),
        blocklisted: !!b,
        blocklist_reason: b?.reason ?? null,
        blocklist_id: b?.id ?? null,
        last_outcome: a?.outcome ?? null,
        last_error: a?.outcome === 'failed' ? a.reason : null,
        last_attempt_at: a?.finished_at.toISOString() ?? null,
      };
    }),
    backoff: backoff && {
      failures: backoff.failures,
      next_try_at: backoff.next_try_at?.toISOString() ?? null,
      gave_up: backoff.gave_up,
      last_error: backoff.last_error,
    },
  };
}
