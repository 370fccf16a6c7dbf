import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import type { Logger } from '../log.js';

/**
 * The embedded PostgreSQL's two roles. `aniworld` is the cluster's superuser and is used only here,
 * to set the cluster up; the product connects as `aniworld_app`, which owns the `aniworld` database
 * and everything in it and holds no other privilege. Both passwords are random, made once and kept
 * in a file only the owner can read (earlier versions used a fixed password, and the product ran as
 * the superuser: such a folder is converted on its first start).
 */
export const SUPERUSER = 'aniworld';
export const APP_ROLE = 'aniworld_app';
export const DATABASE = 'aniworld';
const LEGACY_PASSWORD = 'aniworld';

export interface Credentials {
  superuser: string;
  app: string;
}

const randomPassword = () => crypto.randomBytes(24).toString('base64url');

/** Two new random passwords (for a credentials file, or the throwaway ones of the build's database template). */
export const randomCredentials = (): Credentials => ({ superuser: randomPassword(), app: randomPassword() });

/** Reads the credentials file, or makes it (mode 0600, created exclusively). */
export function loadCredentials(file: string): Credentials {
  if (!fs.existsSync(file)) {
    const fresh = randomCredentials();
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(fresh), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  }
  fs.chmodSync(file, 0o600);
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Credentials>;
  if (typeof c.superuser !== 'string' || typeof c.app !== 'string')
    throw new Error(`${file} is damaged: remove it only if the database folder beside it is new`);
  return c as Credentials;
}

const connect = async (port: number, password: string, database: string) => {
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database });
  await client.connect();
  return client;
};

/** Neither the credentials file's password nor the fixed one of earlier versions opens the database. */
export class CredentialsRejected extends Error {}

/** A superuser connection: with the file's password, or the old fixed one (then replaced). */
async function superuserClient(port: number, creds: Credentials, log: Logger, database = 'postgres'): Promise<pg.Client> {
  try {
    return await connect(port, creds.superuser, database);
  } catch (err) {
    if ((err as { code?: string }).code !== '28P01') throw err;
    const client = await connect(port, LEGACY_PASSWORD, database).catch((legacy: unknown) => {
      if ((legacy as { code?: string }).code === '28P01')
        throw new CredentialsRejected('password authentication failed', { cause: legacy });
      throw legacy;
    });
    await client.query(`alter role ${SUPERUSER} password ${client.escapeLiteral(creds.superuser)}`);
    log.warn('the embedded PostgreSQL superuser had the fixed password of earlier versions; it now has a random one');
    return client;
  }
}

/** Everything in the database the superuser still owns, as the statements that hand it to the app role. */
const OWNED_BY_SUPERUSER =
  `
with su as (select oid from pg_roles where rolname = '${SUPERUSER}'),
ns as (select oid, nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema')
select format('alter schema %I owner to ${APP_ROLE}', n.nspname) as stmt from ns n join pg_namespace x on x.oid = n.oid where x.nspowner ` +
  `= (select oid from su)
union all
select format('alter %s %I.%I owner to ${APP_ROLE}',
  case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table' else ` +
  `'table' end, n.nspname, c.relname)
  from pg_class c join ns n on n.oid = c.relnamespace
  where c.relowner = (select oid from su) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
    and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and ` +
  `d.deptype in ('a', 'i')))
union all
select format('alter routine %I.%I(%s) owner to ${APP_ROLE}', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
  from pg_proc p join ns n on n.oid = p.pronamespace where p.proowner = (select oid from su)
union all
select format('alter type %I.%I owner to ${APP_ROLE}', n.nspname, t.typname)
  from pg_type t join ns n on n.oid = t.typnamespace
  where t.typowner = (select oid from su) and t.typtype in ('c', 'e', 'd', 'r', 'm')
    and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')`;

/**
 * The usual start: the app role logs in with the file's password, holds no privilege beyond its
 * own, owns the database and everything in it. One connection as the app role, one query (catalog
 * reads): then nothing is left to do, and that connection is returned open (the migrations' check
 * runs on it: one connection made fewer). Else (a new or an older folder: null) the superuser sets
 * it up. The superuser's password needs no check: the app role exists only in a folder whose
 * superuser got its random password first (the conversion below).
 */
async function alreadyPrepared(port: number, creds: Credentials): Promise<pg.Client | null> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: APP_ROLE, password: creds.app, database: DATABASE });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    return null; // no such role or database yet, or another password: the full path says which
  }
  let ok = false;
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      `select not (r.rolsuper or r.rolcreatedb or r.rolcreaterole or r.rolreplication or r.rolbypassrls)
              and pg_get_userbyid(d.datdba) = '${APP_ROLE}'
              and not exists (${OWNED_BY_SUPERUSER}) as ok
         from pg_roles r, pg_database d where r.rolname = current_user and d.datname = current_database()`,
    );
    ok = rows[0]?.ok === true;
    return ok ? client : null;
  } finally {
    if (!ok) await client.end().catch(() => undefined);
  }
}

/**
 * Makes sure the app role exists with the file's password, owns the product's database and
 * everything in it. Cheap when nothing is left to do (one query per catalog): then resolves to
 * that check's connection as the app role, still open, which the caller ends (null otherwise).
 */
export async function prepareRoles(port: number, creds: Credentials, log: Logger): Promise<pg.Client | null> {
  const prepared = await alreadyPrepared(port, creds);
  if (prepared) return prepared;
  const admin = await superuserClient(port, creds, log);
  try {
    const role = await admin.query('select 1 from pg_roles where rolname = $1', [APP_ROLE]);
    const verb = role.rowCount ? 'alter' : 'create';
    await admin.query(
      `${verb} role ${APP_ROLE} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password ` +
        `${admin.escapeLiteral(creds.app)}`,
    );
    const db = await admin.query('select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [DATABASE]);
    if (!db.rowCount) await admin.query(`create database ${DATABASE} owner ${APP_ROLE}`);
    else if (db.rows[0].owner !== APP_ROLE) await admin.query(`alter database ${DATABASE} owner to ${APP_ROLE}`);
  } finally {
    await admin.end();
  }
  const inDb = await superuserClient(port, creds, log, DATABASE);
  try {
    const { rows } = await inDb.query<{ stmt: string }>(OWNED_BY_SUPERUSER);
    if (rows.length) {
      await inDb.query('begin');
      for (const { stmt } of rows) await inDb.query(stmt);
      await inDb.query('commit');
      log.warn(
        { objects: rows.length },
        `handed the database objects of earlier versions to the ${APP_ROLE} role (the product no longer runs as the superuser)`,
      );
    }
  } catch (err) {
    await inDb.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await inDb.end();
  }
  return null;
}

export const credentialsFile = (pgDir: string) => `${pgDir}-credentials.json`;

/** The app role's URL of an embedded database started from `pgDir` (benchmarks seed through it). */
export function embeddedAppUrl(pgDir: string, port: number | string): string {
  const { app } = loadCredentials(credentialsFile(pgDir));
  return `postgres://${APP_ROLE}:${encodeURIComponent(app)}@127.0.0.1:${port}/${DATABASE}`;
}
