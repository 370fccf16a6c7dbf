import type { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Env } from './config.js';
import { CONFIG_LEVELS, type Logger, type Logging } from './log.js';
import { openPool, type Db } from './db/pool.js';
import { Notifier } from './db/notify.js';
import { DbAvailability, isDbUnreachable } from './db/availability.js';
import { EventBus } from './realtime/bus.js';
import { startRealtime } from './realtime/server.js';
import { Sessions } from './auth/sessions.js';
import { setupCode } from './auth/setupCode.js';
import { countUsers } from './auth/repo.js';
import { TokenSigner } from './auth/tokens.js';
import { Keyring } from './auth/keyring.js';
import { verifyApiKey } from './auth/apiKeys.js';
import { authenticate } from './http/guard.js';
import { SettingsStore } from './settings/store.js';
import { Jobs } from './worker/jobs.js';
import { startWorker } from './worker/runner.js';
import { buildTaskList } from './worker/taskList.js';
import { startDownloads } from './downloads/start.js';
import { recentHosterHealth } from './downloads/hosterHealth.js';
import { createDownloadRuntime, FfmpegStatus } from './downloads/runtime.js';
import { queueStatusEvent } from './downloads/queue.js';
import { RealtimeStatus } from './realtime/status.js';
import { ensureSchedule, watchSchedulerConfig } from './scheduler/service.js';
import { trackTaskRuns } from './scheduler/taskRuns.js';
import { ensureBackupSchedule, watchBackupConfig } from './backup/schedule.js';
import { ensureWatchSchedule } from './watchlist/scheduler.js';
import { createRequestHandler } from './app.js';
import { systemClock, type Clock, type Deps } from './deps.js';
import { syncAnimeDirectory } from './library/service.js';
import { queueSeriesNfo } from './metadata/service.js';
import { providerSeasonStarts, recordNewlyListed } from './calendar/providerDates.js';
import { ProviderRegistry } from './providers/registry.js';
import { Covers } from './providers/covers.js';
import { ScanMemo } from './library/scanner.js';
import { TmdbClient } from './metadata/tmdbClient.js';
import { outboundClient } from './notifications/http.js';
import { listsClient } from './importLists/sources.js';

// The part of the start-up after the database: main.ts loads this module (most of the server's
// code) while the database starts, then calls serve().

export interface ServeContext {
  env: Env;
  log: Logger;
  logging: Logging;
  databaseUrl: string;
  version: string;
  clock?: Clock;
  /** Shutdown steps, run in reverse order of their pushing. */
  cleanups: (() => Promise<void>)[];
  /** Records how long the step that just ended took. */
  phase(name: string): void;
  /** Logged (with the steps) once the whole start-up is done. */
  phases: Record<string, number>;
  /** Aborted when a stop is asked for while starting: the steps that wait for the database give up. */
  stopping?: AbortSignal;
}

/**
 * The shared state, then HTTP (it answers as soon as it listens: `/health` needs only the
 * database), then the download runtime and the Graphile Worker runner, which requests never wait
 * for (jobs are rows; the runner picks them up once it runs). Resolves once all of it runs.
 */
export async function serve(c: ServeContext): Promise<{ url: string; port: number; deps: Deps }> {
  const { env, log, logging, databaseUrl, cleanups, phase } = c;
  // the pool and the notification link connect at the same time
  const notifier = new Notifier(databaseUrl, log.child({ module: 'notify' }));
  const notifying = notifier.start();
  notifying.catch(() => undefined); // awaited below
  const db: Db = await openPool(databaseUrl).catch(async (err: unknown) => {
    await notifying.then(
      () => notifier.stop(),
      () => undefined,
    );
    throw err;
  });
  cleanups.push(() => db.end());
  await notifying;
  cleanups.push(() => notifier.stop());

  const bus = new EventBus(db, notifier, log.child({ module: 'bus' }));
  const sessions = new Sessions(db, notifier, log.child({ module: 'sessions' }));
  const keyring = new Keyring(db, notifier, log.child({ module: 'keyring' }));
  const settings = new SettingsStore(env, log.child({ module: 'settings' }), db, notifier);
  cleanups.push(async () => keyring.stop());
  // independent of each other: their queries and LISTENs go out together (one wait, not four)
  await Promise.all([bus.start(), sessions.start(), keyring.start(), settings.load()]);
  // the configured level applies at once and follows every change (LOG_LEVEL, when set, wins)
  if (!env.LOG_LEVEL) {
    logging.setLevel(CONFIG_LEVELS[settings.get().logging.level]);
    const offLevel = settings.onChange((cfg) => logging.setLevel(CONFIG_LEVELS[cfg.logging.level]));
    cleanups.push(async () => {
      offLevel();
    });
  }

  let workerState: 'starting' | 'running' | 'stopping' = 'starting';
  const clock = c.clock ?? systemClock;
  const version = c.version;
  // every stateful part is built here, once per app instance (tests start several per process)
  const deps: Deps = {
    env,
    log,
    logging,
    db,
    notifier,
    bus,
    sessions,
    settings,
    dbAvailability: new DbAvailability(() => notifier.connected),
    keyring,
    signer: new TokenSigner(keyring),
    jobs: new Jobs(db),
    clock,
    version,
    startedAt: new Date(),
    providers: new ProviderRegistry({ settings, log }),
    covers: new Covers({ settings }),
    scanMemo: new ScanMemo(),
    tmdb: new TmdbClient({ version, log, env, settings, clock, db }),
    outbound: outboundClient(version),
    listsHttp: listsClient(version),
    ffmpeg: new FfmpegStatus({ env, log }),
    downloads: createDownloadRuntime({ db, log, settings }),
    realtime: new RealtimeStatus(),
    hooks: {
      animeDirectoryChanged: () => syncAnimeDirectory(deps),
      seriesAdded: async (key, userId) => void (await queueSeriesNfo(deps, key, undefined, userId)),
      verifyApiKey: (key) => verifyApiKey(deps, key),
      episodesListed: (eps) => recordNewlyListed(deps, eps),
      providerSeasonStarts: (key) => providerSeasonStarts(deps, key),
      hosterHealth: (provider) => recentHosterHealth(deps, provider),
      roomJoined: async (room) => (room === 'downloads' ? { type: 'queue_status', data: await queueStatusEvent(deps) } : null),
    },
    workerState: env.ROLE === 'web' ? undefined : () => workerState,
  };
  // cleanups run in reverse: these after the worker and the HTTP server stopped
  cleanups.push(async () => {
    await Promise.all([
      deps.providers.close(),
      deps.covers.close(),
      deps.tmdb.http.close(2000),
      deps.outbound.close(2000),
      deps.listsHttp.close(2000),
    ]);
  });
  // before any request: downloads wait for the ffmpeg check's verdict, and /health/detailed shows
  // it (`checking` until then). Its two programs run once HTTP answers: ~0.15 s of CPU each
  // (ffmpeg loads its libraries), which the start-up's own steps up to there need on this machine
  let runFfmpegCheck!: () => void;
  deps.ffmpeg.start(new Promise<void>((resolve) => (runFfmpegCheck = resolve)));
  phase('state_ms');

  let port = env.PORT;
  let url = '';
  let closeHttp: (() => Promise<void>) | null = null;
  let buildApp: () => void = () => undefined;
  if (env.ROLE !== 'worker') {
    const handler = createRequestHandler(deps);
    buildApp = handler.build;
    const server = http.createServer(handler);
    server.keepAliveTimeout = 65_000;
    server.requestTimeout = 0; // long downloads of artwork/streams; Koa answers quickly otherwise
    const realtime = startRealtime(deps, server, (t) => authenticate(deps, t));
    deps.realtime.attach(realtime);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(env.PORT, env.HOST, () => resolve());
    });
    port = (server.address() as { port: number }).port;
    url = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${port}`;
    closeHttp = async () => {
      log.info('closing HTTP server');
      await realtime.close();
      // stop accepting; requests in flight get a few seconds to finish, then their sockets close
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(force);
    };
    cleanups.push(closeHttp);
    phase('http_listen_ms');
    log.info({ url }, `Aniworld is listening on ${url}`);
    if ((await whileDbAway(c, 'setup check', () => countUsers(db))) === 0) {
      // first run: the setup code a remote browser needs (a loopback one does not)
      log.warn(
        { setup_code: setupCode(env.DATA_DIR) },
        'not set up yet: open the web UI and enter this setup code (not needed from this machine)',
      );
    }
  }

  // The shutdown steps below run before the HTTP server closes (as when it listened last): so
  // they go in before its step.
  const beforeHttpClose = (fn: () => Promise<void>) => {
    const at = closeHttp ? cleanups.indexOf(closeHttp) : -1;
    if (at < 0) cleanups.push(fn);
    else cleanups.splice(at, 0, fn);
  };
  runFfmpegCheck(); // startDownloads waits for its verdict
  // cleanups run in reverse: this one after the worker stopped
  const downloads = await whileDbAway(c, 'downloads', () => startDownloads(deps));
  beforeHttpClose(() => downloads.stop());
  if (env.ROLE !== 'web') {
    const worker = await whileDbAway(c, 'worker', () => startWorker(deps, databaseUrl, buildTaskList(deps), c.stopping));
    const r = worker.runner;
    const stopSchedules = await whileDbAway(c, 'schedules', () => startSchedules(deps, r.events));
    beforeHttpClose(async () => stopSchedules());
    beforeHttpClose(async () => {
      workerState = 'stopping';
      log.info('stopping worker (running jobs are asked to stop)');
      await worker.stop();
    });
    // before the worker stops: running downloads end at once, keeping their partial files to resume
    beforeHttpClose(async () => downloads.interrupt());
    workerState = 'running';
  }
  buildApp(); // unless a request needed it before (/health does not)
  phase('downloads_and_worker_ms');
  log.info({ url: url || undefined, startup: { ...c.phases, since_process_start_ms: Math.round(performance.now()) } }, 'Aniworld started');
  return { url, port, deps };
}

/**
 * A start-up step after HTTP listens: while the database is unreachable (its restart, a blip) the
 * step is tried again, so a hiccup at that moment never ends the process; other errors still do.
 */
async function whileDbAway<T>(c: Pick<ServeContext, 'log' | 'stopping'>, step: string, run: () => Promise<T>): Promise<T> {
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await run();
    } catch (err) {
      if (!isDbUnreachable(err)) throw err;
      // a stop asked for meanwhile (a signal to the whole process group stops the database too)
      if (c.stopping?.aborted) throw new Error(`start-up stopped at step ${step}`, { cause: err });
      c.log.warn({ step, err: (err as Error).message }, 'the database is away during start-up; trying again');
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          c.stopping?.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, delay);
        c.stopping?.addEventListener('abort', done, { once: true });
      });
    }
  }
}

/**
 * Called once by a worker process at start-up: makes sure the keyed schedule jobs exist (an
 * overdue one runs once, now), follows config changes, and records task runs for the Tasks view.
 */
async function startSchedules(
  deps: Pick<Deps, 'env' | 'log' | 'db' | 'bus' | 'settings' | 'jobs' | 'clock'>,
  workerEvents: EventEmitter,
): Promise<() => void> {
  trackTaskRuns(deps, workerEvents);
  await ensureSchedule(deps);
  await ensureBackupSchedule(deps);
  await ensureWatchSchedule(deps);
  const offs = [watchSchedulerConfig(deps), watchBackupConfig(deps)];
  return () => offs.forEach((off) => off());
}
