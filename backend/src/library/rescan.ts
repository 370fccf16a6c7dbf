import type { Deps } from '../deps.js';
import * as repo from './repo.js';
import { wantedCounts } from './scanRepo.js';
import { scanDisk, type DiskScanResult } from './scanner.js';
import { syncWithProviderDetailed } from './sync.js';
import { ProviderBlocked, ProviderUnavailable } from '../providers/errors.js';
import { announceRescan } from './announce.js';
import { AppError } from '../errors.js';

/** After this many series in a row failed because their site is blocked or down, the rest of that site's series are skipped. */
export const SITE_DOWN_AFTER = 5;

export interface RescanOptions {
  auto_download?: boolean;
  trigger?: string;
  /** Skip the provider half (disk only). */
  diskOnly?: boolean;
}

export interface RescanSummary {
  series: number;
  missing: number;
  /** `code`: the error envelope's code of the failure (PROVIDER_BLOCKED, …), SCAN_FAILED when it has none; the UI shows it translated. */
  failures: { key: string; error: string; code: string }[];
  duration_ms: number;
  disk: DiskScanResult;
  queued_keys: string[];
}

/** Runs `fn` on at most `limit` items at once, in order of start. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}

/**
 * A library rescan: the disk (skipping unchanged folders), then every series' provider
 * catalogue with bounded concurrency; one failing series is recorded and the rest go on.
 * Realtime, room 'library':
 *   scan_progress {current: series name | null, done, total}   (a few per second at most)
 *   scan_complete {series, missing, failures: [{key, error, code}] (first 50), failure_count,
 *                  duration_ms, trigger, unmatched}
 */
export async function runRescan(
  deps: Pick<Deps, 'db' | 'settings' | 'log' | 'bus' | 'jobs' | 'clock' | 'env' | 'scanMemo' | 'providers' | 'hooks'>,
  opts: RescanOptions = {},
): Promise<RescanSummary> {
  const started = Date.now();
  const since = await repo.dbNow(deps.db);
  const disk = await scanDisk(deps);
  const rows = await repo.allSeries(deps.db);
  const failures: RescanSummary['failures'] = [];
  let done = 0;
  let lastProgress = 0;
  const progress = (current: string | null, force = false) => {
    const now = Date.now();
    if (!force && now - lastProgress < 250) return;
    lastProgress = now;
    deps.bus.emit('library', 'scan_progress', { current, done, total: rows.length });
  };
  progress(null, true);
  if (!opts.diskOnly) {
    // a blocked or unreachable site fails every series the same way: stop asking it after a few
    const streak = new Map<string, number>();
    const down = new Map<string, string>();
    await eachLimited(rows, deps.settings.get().providers.scan_concurrency, async (row) => {
      const skip = down.get(row.provider);
      if (skip) {
        const error = `skipped: ${skip}`;
        await repo.setScanResult(deps.db, row.id, error).catch(() => undefined);
        failures.push({ key: row.key, error, code: 'PROVIDER_SKIPPED' });
      } else {
        const err = await syncWithProviderDetailed(deps, row);
        if (err) failures.push({ key: row.key, error: err.message, code: err instanceof AppError ? err.code : 'SCAN_FAILED' });
        const siteDown = err instanceof ProviderBlocked || err instanceof ProviderUnavailable;
        const n = siteDown ? (streak.get(row.provider) ?? 0) + 1 : 0;
        streak.set(row.provider, n);
        if (n >= SITE_DOWN_AFTER && !down.has(row.provider)) {
          down.set(row.provider, err!.message);
          deps.log.warn(
            { provider: row.provider, error: err!.message },
            'provider looks down; skipping its remaining series in this rescan',
          );
        }
      }
      done++;
      progress(row.name, done === rows.length);
    });
  } else {
    done = rows.length;
    progress(null, true);
  }
  // wanted: monitored missing episodes, and monitored files whose language an upgrade may improve
  const counts = await wantedCounts(deps.db);
  const missing = counts.reduce((a, c) => a + c.missing, 0);
  const byId = new Map(rows.map((r) => [r.id, r.key]));
  const queued_keys = counts
    .filter((c) => c.missing > 0 || c.upgradable)
    .map((c) => byId.get(c.series_id))
    .filter((k): k is string => !!k)
    .sort();
  const summary: RescanSummary = { series: rows.length, missing, failures, duration_ms: Date.now() - started, disk, queued_keys: [] };
  if (opts.auto_download && queued_keys.length) {
    await deps.jobs.add('downloads_queue_missing', { keys: queued_keys });
    summary.queued_keys = queued_keys;
  }
  await deps.bus.publish('library', 'scan_complete', {
    series: summary.series,
    missing,
    failures: failures.slice(0, 50),
    failure_count: failures.length,
    duration_ms: summary.duration_ms,
    trigger: opts.trigger ?? null,
    unmatched: disk.unmatched.length,
  });
  await announceRescan(deps, since, failures, opts.trigger ?? null);
  deps.log.info(
    { series: summary.series, missing, failures: failures.length, duration_ms: summary.duration_ms, trigger: opts.trigger },
    'library rescan done',
  );
  return summary;
}
