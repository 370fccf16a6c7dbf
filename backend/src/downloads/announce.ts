import type { Deps } from '../deps.js';
import { queueMediaRefreshSafely } from '../mediaServers/service.js';
import { episodeCode } from '../notifications/event.js';
import { announceProviderBlocked, notifySafely } from '../notifications/service.js';
import type { ItemRow } from './repo.js';

/**
 * What a download tells the rest of the product: notification channels (download completed /
 * failed, disk space low, provider blocked) and the media servers. Nothing here ever fails the download.
 */
const label = (item: ItemRow) => `${item.serie_name || item.serie_id} ${episodeCode(item.season, item.episode)}`;
const facts = (item: ItemRow) => ({
  download_id: item.id,
  series_key: item.serie_id,
  series_name: item.serie_name,
  season: item.season,
  episode: item.episode,
  title: item.title,
  queued_by: item.source,
});

export interface Completed {
  file: string;
  bytes: number;
  hoster: string;
  language: string;
  seriesDir: string;
  /** A language upgrade: the language of the file it replaced. */
  upgradedFrom?: string | null;
}

const LANGUAGE_NAMES: Record<string, string> = { german_dub: 'German Dub', german_sub: 'German Sub', english_sub: 'English Sub' };
export const languageName = (l: string) => LANGUAGE_NAMES[l] ?? l;

export async function announceCompleted(
  deps: Pick<Deps, 'clock' | 'db' | 'jobs' | 'log' | 'settings'>,
  item: ItemRow,
  c: Completed,
): Promise<void> {
  const seconds = item.started_at ? Math.max(0.001, (deps.clock.now().getTime() - item.started_at.getTime()) / 1000) : null;
  const mb = (c.bytes / 1048576).toFixed(1);
  await queueMediaRefreshSafely(deps, c.seriesDir);
  await notifySafely(deps, 'download_completed', {
    title: `${c.upgradedFrom ? 'Upgraded' : 'Downloaded'}: ${label(item)}`,
    message:
      `${label(item)}${item.title ? ` (${item.title})` : ''}: ${mb} MB from ${c.hoster} (${c.language})` +
      (seconds ? ` in ${Math.round(seconds)} s` : '') +
      (c.upgradedFrom ? `; upgraded from ${languageName(c.upgradedFrom)} to ${languageName(c.language)}` : ''),
    data: {
      ...facts(item),
      file: c.file,
      bytes: c.bytes,
      hoster: c.hoster,
      language: c.language,
      upgraded_from: c.upgradedFrom ?? null,
      duration_seconds: seconds,
      bytes_per_second: seconds ? Math.round(c.bytes / seconds) : null,
    },
  });
}

/**
 * The failure policy gave up on an episode (`final`); with `download_failed: each_attempt` also
 * every failed source (`hoster` set) and every failed run the policy will try again.
 */
export async function announceFailed(
  deps: Pick<Deps, 'clock' | 'jobs' | 'log' | 'settings'>,
  item: ItemRow,
  error: string,
  opts: { final: boolean; hoster?: string; language?: string },
): Promise<void> {
  const cfg = deps.settings.get().notifications;
  if (!opts.final && cfg.download_failed !== 'each_attempt') return;
  await notifySafely(deps, 'download_failed', {
    title: `${opts.final ? 'Download failed' : opts.hoster ? 'Source failed' : 'Download failed, trying again later'}: ${label(item)}`,
    message: `${label(item)}: ${error}`.slice(0, 1500),
    data: { ...facts(item), error, gave_up: opts.final, hoster: opts.hoster ?? null, language: opts.language ?? null },
  });
  if (opts.final && /not enough (free )?disk space|ENOSPC/.test(error)) {
    await notifySafely(deps, 'disk_space_low', {
      title: 'Disk space low',
      message: `A download stopped for lack of space: ${error}`.slice(0, 1500),
      data: { ...facts(item), error },
      dedupeKey: 'disk_space_low',
    });
  }
  if (opts.final && /ProviderBlocked/.test(error)) {
    await announceProviderBlocked(deps, error);
  }
}
