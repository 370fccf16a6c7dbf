import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { runMigrations } from 'graphile-worker';
import type { Logger } from '../log.js';

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../migrations');

/**
 * Applies migrations/NNNN_name.sql in order, each in its own transaction, under an advisory lock
 * so two processes starting together never apply one twice. Then Graphile Worker's own schema.
 */
export async function migrate(url: string, log: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query(`select pg_advisory_lock(hashtext('aniworld:migrations'))`);
    await client.query(
      `create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`,
    );
    const done = new Set((await client.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name));
    const files = fs
      .readdirSync(dir)
      .filter((f) => /^\d{4}_.+\.sql$/.test(f))
      .sort();
    for (const file of files) {
      if (done.has(file)) continue;
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      try {
        await client.query('begin');
        await client.query(text);
        await client.query('insert into schema_migrations (name) values ($1)', [file]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file);
      log.info({ migration: file }, 'migration applied');
    }
    await runMigrations({ connectionString: url, logger: undefined });
  } finally {
    await client.query(`select pg_advisory_unlock(hashtext('aniworld:migrations'))`).catch(() => undefined);
    await client.end();
  }
  return applied;
}
