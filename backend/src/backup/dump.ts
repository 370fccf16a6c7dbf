import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import type { Db, Conn } from '../db/pool.js';
import * as repo from './repo.js';
import type { Manifest } from './archive.js';

export interface Snapshot {
  migrations: string[];
  postgresVersion: string;
  tables: Manifest['tables'];
  sequences: Manifest['sequences'];
  files: string[];
}

/**
 * Every application table as `db/<table>.jsonl`, read in one REPEATABLE READ transaction so the
 * tables agree with each other (a queue item never points at a series the snapshot lacks).
 * Secret tables (API keys) only when `includeSecrets`.
 */
export async function writeSnapshot(db: Db, staging: string, includeSecrets: boolean): Promise<Snapshot> {
  await fsp.mkdir(path.join(staging, 'db'), { recursive: true });
  return db.transaction(async (tx) => {
    await repo.startSnapshot(tx);
    const [tables, columns, seqs, migrations, postgresVersion] = await Promise.all([
      repo.appTables(tx),
      repo.tableColumns(tx),
      repo.sequences(tx),
      repo.appliedMigrations(tx),
      repo.serverVersion(tx),
    ]);
    const out: Snapshot = { migrations: [...migrations], postgresVersion, tables: [], sequences: [...seqs], files: [] };
    for (const t of tables) {
      if (t.secret && !includeSecrets) continue;
      const file = `db/${t.name}.jsonl`;
      const rows = await dumpTable(tx, t.name, path.join(staging, file));
      out.tables.push({ name: t.name, rows, columns: columns.filter((c) => c.table === t.name).map((c) => c.column), secret: t.secret });
      out.files.push(file);
    }
    return out;
  });
}

async function dumpTable(tx: Conn, table: string, file: string): Promise<number> {
  const stream = fs.createWriteStream(file, { mode: 0o600 });
  let rows = 0;
  try {
    await repo.openCursor(tx, table);
    for (;;) {
      const batch = await repo.fetchRows(tx);
      if (!batch.length) break;
      rows += batch.length;
      if (!stream.write(batch.join('\n') + '\n')) await once(stream, 'drain');
    }
    await repo.closeCursor(tx);
  } finally {
    stream.end();
    await once(stream, 'close');
  }
  return rows;
}

/** Parents before children, so every foreign key finds its row. */
function insertOrder(tables: string[], fks: readonly { table: string; references: string }[]): string[] {
  const set = new Set(tables);
  const done: string[] = [];
  const visiting = new Set<string>();
  const visit = (t: string) => {
    if (done.includes(t) || visiting.has(t)) return; // a cycle (self reference) is left in place
    visiting.add(t);
    for (const fk of fks) if (fk.table === t && fk.references !== t && set.has(fk.references)) visit(fk.references);
    visiting.delete(t);
    done.push(t);
  };
  for (const t of [...tables].sort()) visit(t);
  return done;
}

export interface RestoredTable {
  name: string;
  rows: number;
}

/**
 * Replaces the application's tables with the backup's, inside the caller's transaction: every
 * table the backup holds is emptied, then filled parents first (1,000 rows per statement), then
 * the sequences are set. Tables this version has and the backup lacks (an older backup, or a
 * backup without secrets) are left as they are; columns the backup lacks take their defaults.
 */
export async function loadSnapshot(tx: Conn, dir: string, manifest: Manifest): Promise<RestoredTable[]> {
  const [current, columns, fks] = await Promise.all([repo.appTables(tx), repo.tableColumns(tx), repo.foreignKeys(tx)]);
  const known = new Set(current.map((t) => t.name));
  const tables = manifest.tables.filter((t) => known.has(t.name)).map((t) => t.name);
  // read before the truncate resets them: a restored sequence never goes back, so an id handed out
  // after the backup (an account whose token is still valid) is never handed out again
  const handedOut = new Map((await repo.sequences(tx)).map((s) => [s.name, s.last_value ?? 0]));
  if (tables.length) await repo.truncateTables(tx, tables);
  const restored: RestoredTable[] = [];
  for (const name of insertOrder(tables, fks)) {
    const backed = manifest.tables.find((t) => t.name === name)!;
    const cols = columns.filter((c) => c.table === name && backed.columns.includes(c.column)).map((c) => c.column);
    let rows = 0;
    let batch: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await repo.insertRows(tx, name, cols, `[${batch.join(',')}]`);
      rows += batch.length;
      batch = [];
    };
    const lines = readline.createInterface({ input: fs.createReadStream(path.join(dir, 'db', `${name}.jsonl`)), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      batch.push(line);
      if (batch.length >= 1000) await flush();
    }
    await flush();
    restored.push({ name, rows });
  }
  for (const s of manifest.sequences) {
    if (s.last_value === null || !handedOut.has(s.name)) continue;
    await repo.setSequence(tx, s.name, Math.max(s.last_value, handedOut.get(s.name)!));
  }
  return restored;
}
