import type { Deps } from '../deps.js';
import { episodeCode } from '../notifications/event.js';
import { announceProviderBlocked, notifySafely } from '../notifications/service.js';
import * as repo from './repo.js';

type AnnounceDeps = Pick<Deps, 'db' | 'settings' | 'jobs' | 'clock' | 'log' | 'env' | 'hooks'>;

/**
 * What a finished rescan tells the notification channels: episodes the providers list now that
 * they did not before (`new_episodes`, only for series already in the library), failures
 * (`rescan_errors`) and a blocked provider (`health_problem`).
 */
export async function announceRescan(
  deps: AnnounceDeps,
  since: Date,
  failures: { key: string; error: string }[],
  trigger: string | null,
): Promise<void> {
  const added = await repo.episodesAddedSince(deps.db, since);
  if (added.length) {
    await deps.hooks
      .episodesListed(added.map((e) => ({ series_key: e.key, season: e.season, episode: e.episode, title: e.title })))
      .catch((err) => deps.log.warn({ err: (err as Error).message }, 'provider air dates not recorded'));
    const bySeries = new Map<string, typeof added>();
    for (const e of added) bySeries.set(e.key, [...(bySeries.get(e.key) ?? []), e]);
    const lines = [...bySeries.values()].map((eps) => `${eps[0].name}: ${eps.map((e) => episodeCode(e.season, e.episode)).join(', ')}`);
    await notifySafely(deps, 'new_episodes', {
      title: `New episodes: ${added.length} in ${bySeries.size} series`,
      message: lines.join('\n').slice(0, 1500),
      data: {
        source: 'rescan',
        trigger,
        episodes: added.map((e) => ({ series_key: e.key, series_name: e.name, season: e.season, episode: e.episode, title: e.title })),
      },
    });
  }
  if (failures.length) {
    await notifySafely(deps, 'rescan_errors', {
      title: `Rescan finished with ${failures.length} error${failures.length === 1 ? '' : 's'}`,
      message: failures
        .slice(0, 10)
        .map((f) => `${f.key}: ${f.error}`)
        .join('\n')
        .slice(0, 1500),
      data: { trigger, failure_count: failures.length, failures: failures.slice(0, 50) },
    });
    const blocked = failures.find((f) => f.error.includes('ProviderBlocked'));
    if (blocked) await announceProviderBlocked(deps, blocked.error);
  }
}
