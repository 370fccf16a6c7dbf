import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { findSeries, markEpisodeDownloaded, seriesFolderPath } from '../library/service.js';
import { getProvider } from '../providers/registry.js';
import { insideRoot } from '../util/safePath.js';
import { checkWriteTarget, OutsideLibrary } from '../library/writeRoots.js';
import * as repo from './repo.js';
import { orderByQuality } from './quality.js';
import { attemptSource } from './attempt.js';
import { CancelledError, DownloadError } from './engine/errors.js';
import { relativeTarget } from '../rules/naming.js';
import { ensureFreeSpace } from './place.js';
import { placeVerified, testCrashPoint } from './placement.js';
import { removePartFolder } from './partFolder.js';
import { ProgressTracker } from './progress.js';
import { episodeSources, wantedLanguages } from './sources.js';
import { RELEASED_CHANNEL } from './runtime.js';
import { sql, type Conn } from '../db/pool.js';
import { announceCompleted, announceFailed } from './announce.js';
import type { AttemptOf, AttemptOutcome } from './attemptLog.js';
import { failureCode, type FailureClass } from './failure.js';
import type { DownloadFailureCode } from './schema.js';
import { noteAttempt, noteRunCompleted, noteRunFailed, usableSources } from './policy.js';
import { existingEpisodeFile } from './replace.js';
import { dispatch, publishQueueStatus, toApiItem } from './queue.js';

/**
 * The `download_episode` job: one queue item from sources to a placed, verified file. Idempotent:
 * it re-reads the row and returns when the item is gone, not active, or already being
 * downloaded by another process (advisory lock).
 */
export async function runDownload(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'downloads' | 'env' | 'ffmpeg' | 'jobs' | 'log' | 'providers' | 'settings'>,
  id: string,
  stopSignal?: AbortSignal,
): Promise<void> {
  const rt = deps.downloads;
  if (rt.active.has(id)) return;
  const ac = new AbortController();
  rt.active.set(id, ac);
  let locked = false;
  const onStop = () => ac.abort(new CancelledError('the worker is stopping'));
  stopSignal?.addEventListener('abort', onStop, { once: true });
  try {
    locked = await rt.locks.tryLock(id);
    if (!locked) return;
    const item = await repo.itemById(deps.db, id);
    if (!item || item.status !== 'downloading') return;
    await processItem(deps, item, ac.signal);
  } finally {
    stopSignal?.removeEventListener('abort', onStop);
    rt.active.delete(id);
    if (locked) await rt.locks.unlock(id).catch(() => undefined);
    // interrupted by a shutdown: the item stays active; another worker process takes it over now
    if (locked && (stopSignal?.aborted || rt.stopped)) {
      await deps.db.query(sql.unsafe`select pg_notify(${RELEASED_CHANNEL}, ${JSON.stringify({ id })})`).catch(() => undefined);
    }
    if (!stopSignal?.aborted && !rt.stopped)
      await dispatch(deps).catch((err) => deps.log.warn({ err }, 'dispatch after a download failed'));
  }
}

/**
 * A watchlist download that finished: the watchlist's `watchlist_download_finished` job, added in
 * the transaction that marks the item (the watchlist never learns of it from the realtime bus).
 */
async function queueWatchlistFollowUp(deps: Pick<Deps, 'jobs'>, tx: Conn, row: repo.ItemRow, completed: boolean) {
  if (row.source !== 'watchlist') return;
  await deps.jobs.add(
    'watchlist_download_finished',
    { key: row.serie_id, season: row.season, episode: row.episode, title: row.title, completed },
    {},
    tx,
  );
}

/** Marks an active item completed (null when it is no longer active), with the watchlist's follow-up in the same transaction. */
export async function completeItem(
  deps: Pick<Deps, 'db' | 'jobs'>,
  id: string,
  f: { file_path: string; bytes: number },
  conn?: Conn,
): Promise<repo.ItemRow | null> {
  const mark = async (tx: Conn) => {
    const row = await repo.markCompleted(tx, id, f);
    if (row) await queueWatchlistFollowUp(deps, tx, row, true);
    return row;
  };
  return conn ? mark(conn) : deps.db.transaction(mark);
}

/** `gaveUp`: the failure policy will not try again by itself (or does not count this failure). */
async function fail(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'jobs' | 'log' | 'settings'>,
  item: repo.ItemRow,
  error: string,
  code: DownloadFailureCode,
  gaveUp = true,
) {
  const row = await deps.db.transaction(async (tx) => {
    const r = await repo.markFailed(tx, item.id, error, code);
    if (r) await queueWatchlistFollowUp(deps, tx, r, false);
    return r;
  });
  deps.log.warn({ item: item.id, serie: item.serie_id, season: item.season, episode: item.episode, error }, 'download failed');
  if (row)
    await deps.bus.publish('downloads', 'download_failed', {
      download_id: item.id,
      key: item.serie_id,
      folder: item.serie_folder,
      error,
      code,
      item: toApiItem(row),
    });
  await publishQueueStatus(deps);
  if (row) await announceFailed(deps, item, error, { final: gaveUp });
}

async function processItem(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'downloads' | 'env' | 'jobs' | 'log' | 'providers' | 'settings'>,
  item: repo.ItemRow,
  signal: AbortSignal,
): Promise<void> {
  const log = deps.log.child({ module: 'downloads', item: item.id });
  const series = await findSeries(deps, item.serie_id);
  if (!series) return fail(deps, item, `series ${item.serie_id} is not in the library`, 'SERIES_MISSING');
  const seriesDir = seriesFolderPath(deps, series);
  const partRoot = insideRoot(seriesDir, '.part', item.id);
  const cfg = deps.settings.get().downloads;
  const errors: string[] = [];
  const rt = deps.downloads;
  const progress = new ProgressTracker(
    (p) => deps.bus.emit('downloads', 'download_progress', { download_id: item.id, key: item.serie_id, folder: item.serie_folder, ...p }),
    (p, done, total) => {
      void repo.saveProgress(deps.db, item.id, { downloaded: done, total, progress: { ...p } }).then(
        (stillActive) => {
          if (!stillActive && !signal.aborted) rt.active.get(item.id)?.abort(new CancelledError('removed from the queue'));
        },
        () => undefined,
      );
    },
  );
  // the source being tried, until its attempt is recorded (exactly once, whatever ends it)
  let current: AttemptOf | null = null;
  const classes: FailureClass[] = [];
  const settle = async (o: AttemptOutcome) => {
    const a = current;
    current = null;
    if (!a) return;
    const c = await noteAttempt(deps, a, o).catch((err) =>
      log.warn({ err: (err as Error).message }, 'could not record the download attempt'),
    );
    if (c) classes.push(c);
  };
  const run = { nothingToTry: false, known: [] as string[] };
  const failRun = async (error: string, code: DownloadFailureCode) => {
    const backoff = await noteRunFailed(deps, item, { ...run, classes, error }).catch((err) => {
      log.warn({ err: (err as Error).message }, 'could not record the backoff');
      return null;
    });
    await fail(deps, item, error, code, backoff ? backoff.gave_up : true);
  };
  const finish = async (p: repo.Placement) => {
    await testCrashPoint(deps, 'after_rename', item.id);
    await removePartFolder(deps, partRoot);
    await markEpisodeDownloaded(deps, {
      seriesId: series.id,
      season: item.season,
      episode: item.episode,
      filePath: p.target,
      fileSize: p.bytes,
      language: p.source.language,
    });
    await testCrashPoint(deps, 'after_library_write', item.id);
    const row = await completeItem(deps, item.id, { file_path: p.target, bytes: p.bytes });
    await testCrashPoint(deps, 'after_db_write', item.id);
    await settle({ outcome: 'completed', bytes: p.bytes, filePath: p.target, upgradedFrom: item.upgrade_from });
    await noteRunCompleted(deps, item);
    log.info({ file: p.target, hoster: p.source.hoster, bytes: p.bytes }, 'download complete');
    await deps.bus.publish('downloads', 'download_complete', {
      download_id: item.id,
      key: item.serie_id,
      folder: item.serie_folder,
      file: p.rel,
      item: row ? toApiItem(row) : null,
    });
    await queueNfo(deps, series.key, item, p.target);
    await publishQueueStatus(deps);
    await announceCompleted(deps, row ?? item, {
      file: p.target,
      bytes: p.bytes,
      hoster: p.source.hoster,
      language: p.source.language,
      seriesDir,
      upgradedFrom: item.upgrade_from,
    });
  };
  // a target whose real path leaves the library (a link) fails the item; nothing is written there
  const guard = (target: string, what: string) =>
    checkWriteTarget(deps, target, what).catch((err) => {
      throw err instanceof OutsideLibrary ? Object.assign(new DownloadError(err.message, true), { failureCode: 'OUTSIDE_LIBRARY' }) : err;
    });
  try {
    await guard(seriesDir, 'the series folder');
    await fs.mkdir(seriesDir, { recursive: true });
    // a process stopped while placing this item's verified file: finish that, never fetch again
    if (item.placement) {
      await guard(item.placement.target, 'the episode file');
      if (await placeVerified(item.placement)) {
        log.info({ file: item.placement.target }, 'finishing the placement of a verified download (its process stopped while placing it)');
        current = { item, source: item.placement.source, startedAt: new Date(item.placement.started_at) };
        return await finish(item.placement);
      }
      log.warn({ file: item.placement.target }, 'the verified file of an interrupted placement is gone; downloading again');
      await repo.setPlacement(deps.db, item.id, null);
    }
    await ensureFreeSpace(seriesDir, 0, cfg.min_free_space_mb);
    const provider = getProvider(deps, series.provider);
    const listed = await episodeSources(
      deps,
      provider,
      series.key,
      item.season,
      item.episode,
      wantedLanguages(deps, series, item),
      series.id,
      item.chosen_source,
    );
    run.known = listed.map((x) => x.url);
    const usable = await usableSources(deps, item, listed);
    const blocked = usable.blocked;
    if (usable.sources.length === 0) {
      run.nothingToTry = blocked > 0;
      await removePartFolder(deps, partRoot);
      return failRun(
        item.chosen_source
          ? 'the chosen source is no longer listed on the episode page'
          : `every source of S${item.season}E${item.episode} in the wanted languages is blocklisted (${blocked}); remove entries from ` +
              `the blocklist to try them again`,
        item.chosen_source ? 'SOURCE_UNLISTED' : 'ALL_BLOCKLISTED',
      );
    }
    const { sources } = await orderByQuality(deps, rt, usable.sources, {
      quality: item.quality ?? cfg.quality_preference,
      providerHeaders: provider.requestHeaders(),
      dir: path.join(partRoot, 'probe'),
      signal,
    });
    for (const source of sources) {
      const label = `${source.hoster} (${source.language})`;
      const dir = path.join(partRoot, `${source.hoster}-${source.language}`.replace(/[^A-Za-z0-9_-]/g, '_'));
      await guard(dir, 'the partial download folder');
      await repo.setAttempt(deps.db, item.id, {
        source_url: source.url,
        hoster: source.hoster,
        language: source.language,
        part_dir: partRoot,
      });
      let r;
      const startedAt = deps.clock.now();
      current = { item, source, startedAt };
      try {
        log.info({ hoster: source.hoster, language: source.language }, 'trying source');
        r = await attemptSource(deps, rt, {
          source,
          providerHeaders: provider.requestHeaders(),
          dir,
          quality: item.quality,
          signal,
          onProgress: (d, t) => progress.update(d, t),
        });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (err instanceof DownloadError && err.fatal) throw err;
        await settle({ outcome: 'failed', error: err });
        const msg = (err as Error).message;
        errors.push(`${label}: ${msg}`);
        log.warn({ hoster: source.hoster, language: source.language, err: msg }, 'source failed, trying the next');
        await repo.setHosterErrors(deps.db, item.id, errors);
        await announceFailed(deps, item, msg, { final: false, hoster: source.hoster, language: source.language });
        await fs.rm(dir, { recursive: true, force: true });
        continue;
      }
      // verified: from here on a failure is the item's, not the hoster's
      const rel = relativeTarget(
        cfg.naming_template,
        cfg.season_folders,
        {
          series: series.name,
          season: item.season,
          episode: item.episode,
          title: item.title,
          year: series.year,
          language: source.language,
        },
        r.ext,
      );
      const target = insideRoot(seriesDir, rel);
      // upgrades and `replace: true` replace the old file, only now that the new one is verified
      const old = item.replace_existing ? await existingEpisodeFile(deps, series, item) : null;
      const placing: repo.Placement = {
        file: r.file,
        target,
        rel,
        bytes: r.bytes,
        old,
        source: { hoster: source.hoster, language: source.language, url: source.url },
        started_at: startedAt.toISOString(),
      };
      await guard(target, 'the episode file');
      await repo.setPlacement(deps.db, item.id, placing);
      await testCrashPoint(deps, 'before_rename', item.id);
      if (!(await placeVerified(placing))) throw new DownloadError('the verified file vanished before it was placed', true);
      return await finish(placing);
    }
    await removePartFolder(deps, partRoot);
    await failRun(`all sources failed: ${errors.join('; ')}`, 'ALL_SOURCES_FAILED');
  } catch (err) {
    const cancelled = signal.aborted;
    const reason = cancelled ? (signal.reason as Error) : (err as Error);
    if ((err as { noSource?: boolean }).noSource) run.nothingToTry = true;
    await settle(cancelled ? { outcome: 'cancelled', error: reason } : { outcome: 'failed', error: err });
    if (cancelled && reason instanceof CancelledError && /stopping/.test(reason.message)) {
      log.info('download interrupted by shutdown; it resumes on the next start');
      return; // keep the partial files: the item resumes
    }
    await removePartFolder(deps, partRoot).catch(() => undefined);
    if (cancelled) {
      log.info('download cancelled; partial files removed');
      return;
    }
    await failRun([...errors, (err as Error).message].join('; '), failureCode(err));
  }
}

async function queueNfo(deps: Pick<Deps, 'jobs' | 'settings'>, seriesKey: string, item: repo.ItemRow, videoPath: string): Promise<void> {
  const cfg = deps.settings.get();
  if (!cfg.nfo.episode_nfo_on_download || !cfg.tmdb.api_key) return;
  await deps.jobs.add(
    'nfo_episode',
    { series_key: seriesKey, season: item.season, episode: item.episode, video_path: videoPath },
    { jobKey: `nfo_episode:${seriesKey}:${item.season}:${item.episode}` },
  );
}
