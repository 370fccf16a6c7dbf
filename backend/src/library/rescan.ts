import type { Deps } from '../deps.js';
import { sql } from '../db/pool.js';
import { z } from 'zod';
import * as repo from './repo.js';
import { scanDisk, type DiskScanResult } from './scanner.js';
import { syncWithProvider } from './sync.js';

export interface RescanOptions {
  auto_download?: boolean;
  trigger?: string;
  /** Skip the provider half (disk only). */
  diskOnly?: boolean;
}

export interface RescanSummary {
  series: number;
  missing: number;
  failures: { key: string; error: string }[];
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

const Count = z.object({ series_id: z.number(), n: z.number() });

/**
 * A library rescan: the disk (skipping unchanged folders), then every series' provider
 * catalogue with bounded concurrency; one failing series is recorded and the rest go on.
 * Publishes scan_progress / scan_complete in the 'library' room.
 */
export async function runRescan(deps: Pick<Deps, 'db' | 'settings' | 'log' | 'bus' | 'jobs'>, opts: RescanOptions = {}): Promise<RescanSummary> {
  const started = Date.now();
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
    await eachLimited(rows, deps.settings.get().providers.scan_concurrency, async (row) => {
      const error = await syncWithProvider(deps, row);
      if (error) failures.push({ key: row.key, error });
      done++;
      progress(row.name, done === rows.length);
    });
  } else {
    done = rows.length;
    progress(null, true);
  }
  const counts = await deps.db.any(sql.type(Count)`select series_id, count(*)::int as n from episodes
    where on_provider and not is_downloaded group by series_id`);
  const missing = counts.reduce((a, c) => a + c.n, 0);
  const byId = new Map(rows.map((r) => [r.id, r.key]));
  const queued_keys = counts.map((c) => byId.get(c.series_id)).filter((k): k is string => !!k).sort();
  const summary: RescanSummary = { series: rows.length, missing, failures, duration_ms: Date.now() - started, disk, queued_keys: [] };
  if (opts.auto_download && queued_keys.length) {
    await deps.jobs.add('downloads_queue_missing', { keys: queued_keys });
    summary.queued_keys = queued_keys;
  }
  await deps.bus.publish('library', 'scan_complete', {
    series: summary.series, missing, failures: failures.slice(0, 50), failure_count: failures.length,
    duration_ms: summary.duration_ms, trigger: opts.trigger ?? null, unmatched: disk.unmatched.length,
  });
  deps.log.info({ series: summary.series, missing, failures: failures.length, duration_ms: summary.duration_ms, trigger: opts.trigger },
    'library rescan done');
  return summary;
}
