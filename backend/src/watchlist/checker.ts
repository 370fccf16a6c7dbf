import type { Deps } from '../deps.js';
import { getProvider } from '../providers/registry.js';
import { ensureSeries, findSeries } from '../library/service.js';
import { missingSplit, updateSeries } from '../library/monitoring.js';
import { queueEpisodes } from '../downloads/service.js';
import { newBudget, queueUpgrades } from '../downloads/auto.js';
import * as repo from './repo.js';
import { downloadedEpisodes, lastDownloadedEpisode } from '../library/repo.js';
import { activeWatchlistDownloads } from '../downloads/repo.js';
import { getSettings } from './settings.js';
import { notifyNewEpisodes } from './notify.js';

export interface FoundEpisode {
  season: number;
  episode: number;
  title: string | null;
}

export interface CheckResult {
  item_id: string;
  anime_title: string;
  checked: boolean;
  status: 'ok' | 'error' | 'skipped';
  new_episodes: FoundEpisode[];
  queued: number;
  /** Episodes waiting for a free auto-download slot. */
  deferred: number;
  queue_errors: string[];
  error: string | null;
  checked_at: string;
}

/** What linking an item to the library series needs (the series row and folder are created when absent). */
export type LinkCtx = Pick<Deps, 'log' | 'db' | 'settings' | 'providers' | 'scanMemo'>;
/** What checking an item needs: the provider's catalogue, the library, auto-download and the owner's notifications. */
export type CheckCtx = LinkCtx & Pick<Deps, 'bus' | 'jobs' | 'clock' | 'ffmpeg'>;

const epKey = (e: { season: number; episode: number }) => `${e.season}:${e.episode}`;

type Ep = { season: number; episode: number };
const after = (a: Ep, b: Ep) => a.season > b.season || (a.season === b.season && a.episode > b.episode);

/**
 * Episodes on the provider that are newer than the newest one the library has on disk (any
 * special, season 0, it lacks) and that no earlier check of this item found. Episodes the library
 * only lists as missing are the rescan's business, not news.
 */
export function newEpisodes<T extends Ep>(catalogue: readonly T[], downloaded: readonly Ep[], recorded: readonly Ep[]): T[] {
  const known = new Set([...downloaded, ...recorded].map(epKey));
  const newest = downloaded.filter((e) => e.season > 0).reduce<Ep | null>((m, e) => (!m || after(e, m) ? e : m), null);
  return catalogue.filter((e) => !known.has(epKey(e)) && (e.season === 0 || !newest || after(e, newest)));
}

/**
 * The library series of the item's key, created (row and folder) when absent, and monitored (a
 * watched series is wanted); links the item to it.
 */
export async function linkToLibrary(
  deps: LinkCtx,
  item: Pick<repo.ItemRow, 'id' | 'anime_key' | 'anime_title' | 'anime_url' | 'provider_id'>,
  /** The user whose request adds the item (the history's `user` of a series it adds); null: a check. */
  userId: number | null = null,
) {
  const provider = getProvider(deps, item.provider_id);
  let series = await ensureSeries(deps, {
    key: item.anime_key,
    name: item.anime_title,
    link: provider.seriesLink(item.anime_key),
    provider: provider.id,
    monitored: true,
    userId,
  });
  if (!series.monitored) series = await updateSeries(deps, series.key, { monitored: true });
  await repo.linkSeries(deps.db, item.id, series.id);
  return series;
}

/**
 * Queues the item's deferred and new episodes, as many as free auto-download slots allow
 * (max_concurrent_auto_downloads watchlist downloads waiting or running); the rest wait, deferred,
 * until a watchlist download finishes. Quality and language preferences go with each episode.
 */
async function autoDownload(deps: Omit<CheckCtx, 'scanMemo'>, item: repo.ItemRow, key: string, found: FoundEpisode[], maxSlots: number) {
  const budget = newBudget(deps);
  // unmonitored episodes take no slot: they are recorded as not queued, with the reason
  const unmonitored = new Set((await missingSplit(deps, key)).unmonitored.map(epKey));
  const all = [...(await repo.deferredEpisodes(deps.db, item.id)), ...found];
  const wanted = all.filter((e) => !unmonitored.has(epKey(e)));
  const free = Math.max(0, maxSlots - (await activeWatchlistDownloads(deps.db)));
  const now = wanted.slice(0, free);
  const later = wanted.slice(free);
  const out = { queued: 0, deferred: later.length, queue_errors: [] as string[] };
  for (const e of all.filter((x) => unmonitored.has(epKey(x)))) {
    const reason = `S${e.season}E${e.episode} is not monitored`;
    await repo.markQueued(deps.db, item.id, e.season, e.episode, reason);
    out.queue_errors.push(reason);
  }
  if (now.length > 0) {
    const res = await queueEpisodes(deps, {
      serie_id: key,
      episodes: now.map((e) => ({ season: e.season, episode: e.episode, title: e.title })),
      source: 'watchlist',
      language: item.lang,
      quality: item.quality_preference === 'auto' ? null : item.quality_preference,
      auto: budget, // monitored episodes only, none waiting after failures
    });
    out.queued = res.added_items.length;
    const failed = new Map(res.failed_items.map((f) => [epKey(f), f.reason]));
    for (const e of now) await repo.markQueued(deps.db, item.id, e.season, e.episode, failed.get(epKey(e)) ?? null);
    out.queue_errors.push(...res.failed_items.map((f) => f.reason));
  }
  await repo.markDeferred(deps.db, item.id, later);
  // files below the series' language cutoff whose page now lists a better language
  const series = await findSeries(deps, key);
  if (series) out.queued += await queueUpgrades(deps, series, budget);
  return out;
}

/**
 * Checks one item: reads the provider's catalogue, finds the episodes the library does not have
 * yet (and that no earlier check found), records them, queues them when auto-download is on for
 * the item and globally, and notifies the owner. Failures are recorded on the item; its status
 * stays as it was.
 */
export async function checkItem(deps: CheckCtx, itemId: string, opts: { manual: boolean }): Promise<CheckResult | null> {
  const log = deps.log.child({ module: 'watchlist', item_id: itemId });
  const item = await repo.getItem(deps.db, itemId, null);
  if (!item) return null;
  const settings = await getSettings(deps);
  const result: CheckResult = {
    item_id: item.id,
    anime_title: item.anime_title,
    checked: false,
    status: 'skipped',
    new_episodes: [],
    queued: 0,
    deferred: 0,
    queue_errors: [],
    error: null,
    checked_at: deps.clock.now().toISOString(),
  };
  const checkable = item.status === 'active' || (item.status === 'completed' && settings.include_completed_anime);
  if (!opts.manual && !checkable) return result;
  result.checked = true;
  try {
    const catalogue = await getProvider(deps, item.provider_id).catalogue(item.anime_key);
    const series = await linkToLibrary(deps, item);
    const found = newEpisodes(
      catalogue.episodes,
      await downloadedEpisodes(deps.db, series.id),
      await repo.recordedEpisodes(deps.db, item.id),
    )
      .map((e) => ({ season: e.season, episode: e.episode, title: e.title ?? e.title_en }))
      .sort((a, b) => a.season - b.season || a.episode - b.episode);
    await repo.recordEpisodes(deps.db, item.id, found);
    result.new_episodes = found;
    if (item.auto_download && settings.auto_download_enabled) {
      const queued = await autoDownload(deps, item, series.key, found, settings.max_concurrent_auto_downloads);
      Object.assign(result, queued);
    }
    result.status = 'ok';
    await repo.recordCheck(deps.db, item.id, {
      status: 'ok',
      error: null,
      newEpisodes: found.length,
      lastDownloaded: await lastDownloadedEpisode(deps.db, series.id),
    });
    if (found.length > 0) {
      log.info({ new_episodes: found.length, queued: result.queued }, 'watchlist found new episodes');
      await notifyNewEpisodes(deps, item, found, result.queued, settings.notify_on_new_episodes);
    }
  } catch (err) {
    const message = (err as Error).message || String(err);
    log.warn({ err: message }, 'watchlist check failed');
    result.status = 'error';
    result.error = message;
    await repo.recordCheck(deps.db, item.id, { status: 'error', error: message.slice(0, 1000), newEpisodes: null, lastDownloaded: null });
  }
  deps.bus.emitToUser(item.user_id, 'watchlist_check_complete', {
    item_id: item.id,
    anime_title: item.anime_title,
    status: result.status,
    new_episodes: result.new_episodes.length,
    error: result.error,
  });
  return result;
}
