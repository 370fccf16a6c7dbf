import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
// only the list of Graphile Worker's migrations (the package itself loads when they are to run)
import { migrations as graphileMigrations } from 'graphile-worker/dist/generated/sql.js';
import type { Logger } from '../log.js';

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../migrations');

/** The newest migration of the installed Graphile Worker (its files are `000019.sql`, ...). */
const GRAPHILE_LATEST = Math.max(...Object.keys(graphileMigrations).map((f) => parseInt(f.slice(0, 6), 10)));

const migrationFiles = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort();

/**
 * Whether every migration (ours and Graphile Worker's) is applied already: one query, no lock (a
 * migration another process is applying is not committed yet, so it counts as missing).
 */
async function upToDate(client: pg.Client, files: string[]): Promise<boolean> {
  try {
    const { rows } = await client.query<{ ours: number; graphile: number | null }>(
      `select (select count(*)::int from schema_migrations where name = any($1::text[])) as ours,
              (select max(id) from graphile_worker.migrations) as graphile`,
      [files],
    );
    return rows[0]!.ours === files.length && rows[0]!.graphile === GRAPHILE_LATEST;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return false; // a new database: no such tables yet
    throw err;
  }
}

/**
 * Applies migrations/NNNN_name.sql in order, each in its own transaction, under an advisory lock
 * so two processes starting together never apply one twice. Then Graphile Worker's own schema.
 * A database that has them all is left alone after one query.
 */
export async function migrate(url: string, log: Logger, dir = MIGRATIONS_DIR, connected: pg.Client | null = null): Promise<string[]> {
  // `connected`: an open connection to `url` the caller hands over (the embedded start's own); ended here too
  const client = connected ?? new pg.Client({ connectionString: url });
  if (!connected) await client.connect();
  const applied: string[] = [];
  const files = migrationFiles(dir);
  let locked = false;
  try {
    if (await upToDate(client, files)) return applied;
    locked = true;
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
      const { runGraphileMigrations } = await import('./graphileMigrations.js');
      await runGraphileMigrations({ pgPool: pool, logger: undefined });
    } finally {
      await pool.end();
    }
  } finally {
    if (locked) await client.query(`select pg_advisory_unlock(hashtext('aniworld:migrations'))`).catch(() => undefined);
    await client.end();
  }
  return applied;
}
