import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../backend/src/db/embedded.js';
import { migrate } from '../../backend/src/db/migrate.js';
import { createLogger } from '../../backend/src/log.js';

/**
 * One PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL), with a migrated template
 * database that each test file clones.
 */
interface Shared {
  embedded: EmbeddedDatabase | null;
  tmpDir: string | null;
  adminUrl: string;
  template: string;
}

// Every project that lists this file loads its own copy of it (one module graph per project), all in
// the one main process: they share the database through a global, so a run starts PostgreSQL and
// migrates once, not once per project; the last project's teardown stops it.
const state = globalThis as { __aniworldTestPg?: { ready: Promise<Shared>; users: number } };

async function start(): Promise<Shared> {
  const log = createLogger({ level: 'warn' });
  let embedded: EmbeddedDatabase | null = null;
  let tmpDir: string | null = null;
  let adminUrl: string;
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-testpg-'));
    embedded = await startEmbeddedPostgres(path.join(tmpDir, 'pg'), log);
    adminUrl = embedded.adminUrl;
  }
  const template = `aniworld_tmpl_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${template}"`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${template}`;
  await migrate(u.toString(), log);
  return { embedded, tmpDir, adminUrl, template };
}

export async function setup(project: TestProject) {
  state.__aniworldTestPg ??= { ready: start(), users: 0 };
  state.__aniworldTestPg.users++;
  const { adminUrl, template } = await state.__aniworldTestPg.ready;
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
}

export async function teardown() {
  const shared = state.__aniworldTestPg;
  if (!shared || --shared.users > 0) return;
  delete state.__aniworldTestPg;
  const { embedded, tmpDir, adminUrl, template } = await shared.ready;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect().catch(() => undefined);
  const dbs = await admin
    .query(`select datname from pg_database where datname like 'awt_${process.pid}_%' or datname = $1`, [template])
    .catch(() => ({ rows: [] as { datname: string }[] }));
  for (const { datname } of dbs.rows) await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
  await admin.end().catch(() => undefined);
  if (embedded) await embedded.stop();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}
