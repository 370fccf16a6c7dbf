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
let embedded: EmbeddedDatabase | null = null;
let tmpDir: string | null = null;
let adminUrl = '';
let template = '';

export async function setup(project: TestProject) {
  const log = createLogger({ level: 'warn' });
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-testpg-'));
    embedded = await startEmbeddedPostgres(path.join(tmpDir, 'pg'), log);
    adminUrl = embedded.adminUrl;
  }
  template = `aniworld_tmpl_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${template}"`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${template}`;
  await migrate(u.toString(), log);
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
}

export async function teardown() {
  if (adminUrl && template) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect().catch(() => undefined);
    const dbs = await admin
      .query(`select datname from pg_database where datname like 'awt_${process.pid}_%' or datname = $1`, [template])
      .catch(() => ({ rows: [] as { datname: string }[] }));
    for (const { datname } of dbs.rows) await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  if (embedded) await embedded.stop();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}
