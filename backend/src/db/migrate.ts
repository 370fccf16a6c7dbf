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
    // A migration commits without waiting for its WAL to reach the disk (the WAL writer flushes it
    // within a fraction of a second): a crash just then loses the last migrations together with
    // their schema_migrations rows, and the next start applies them again. A fresh database has
    // ~30 to apply: ~30 fewer waits for the disk.
    await client.query('set synchronous_commit = off');
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
    // Graphile Worker's own ~20 migrations alike
    const pool = new pg.Pool({ connectionString: url, max: 1, options: '-c synchronous_commit=off' });
    // a connection that drops: the migration's next query reports it
    pool.on('error', () => undefined);
    pool.on('connect', (c) => c.on('error', () => undefined));
    try {
      await runMigrations({ pgPool: pool, logger: undefined });
    } finally {
      await pool.end();
    }
  } finally {
    await client.query(`select pg_advisory_unlock(hashtext('aniworld:migrations'))`).catch(() => undefined);
    await client.end();
  }
  return applied;
}
