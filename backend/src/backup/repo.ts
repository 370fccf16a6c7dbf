import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/**
 * The catalogue queries of the backup: every table of the application's schema (the job
 * runner's own schema, graphile_worker, is another schema and never part of it), their columns,
 * foreign keys and sequences. Nothing here names a domain's table: a table added by any
 * migration is backed up and restored without a change here.
 */

const TableRow = z.object({ name: z.string(), secret: z.boolean() });

/**
 * Tables holding credentials: a table comment starting with `aniworld:secret`, or an API key table.
 * A comment starting with `aniworld:not-backed-up` keeps a table out of backups altogether (signing keys, login sessions).
 */
export const appTables = (c: Conn) =>
  c.any(sql.type(TableRow)`
  select c.relname as name,
    (coalesce(obj_description(c.oid, 'pg_class'), '') like 'aniworld:secret%' or c.relname ~ '(^|_)api_?keys?($|_)') as secret
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = current_schema() and c.relkind in ('r', 'p') and c.relname <> 'schema_migrations'
    and not c.relispartition and coalesce(obj_description(c.oid, 'pg_class'), '') not like 'aniworld:not-backed-up%'
  order by c.relname`);

const ColumnRow = z.object({ table: z.string(), column: z.string() });

/** Insertable columns (generated ones are computed again), in column order. */
export const tableColumns = (c: Conn) =>
  c.any(sql.type(ColumnRow)`
  select c.relname as table, a.attname as column
  from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = current_schema() and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
    and a.attgenerated = ''
  order by c.relname, a.attnum`);

const ForeignKeyRow = z.object({ table: z.string(), references: z.string() });

export const foreignKeys = (c: Conn) =>
  c.any(sql.type(ForeignKeyRow)`
  select distinct c.relname as table, r.relname as references
  from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class r on r.oid = k.confrelid
  join pg_namespace n on n.oid = c.relnamespace
  where k.contype = 'f' and n.nspname = current_schema()`);

const SequenceRow = z.object({ name: z.string(), last_value: z.number().nullable() });

export const sequences = (c: Conn) =>
  c.any(sql.type(SequenceRow)`
  select sequencename as name, last_value from pg_sequences where schemaname = current_schema() order by sequencename`);

export const appliedMigrations = (c: Conn) =>
  c.anyFirst(sql.type(z.object({ name: z.string() }))`select name from schema_migrations order by name`);

export const serverVersion = (c: Conn) => c.oneFirst(sql.type(z.object({ v: z.string() }))`select current_setting('server_version') as v`);

export const serverVersionNum = (c: Conn) =>
  c.oneFirst(sql.type(z.object({ v: z.number() }))`select current_setting('server_version_num')::int as v`);

export const databaseSize = (c: Conn) =>
  c.oneFirst(sql.type(z.object({ size: z.number() }))`select pg_database_size(current_database()) as size`);

export const startSnapshot = (c: Conn) => c.query(sql.unsafe`set transaction isolation level repeatable read, read only`);

export const openCursor = (c: Conn, table: string) =>
  c.query(sql.unsafe`declare backup_rows no scroll cursor for select row_to_json(t)::text as row from ${sql.identifier([table])} t`);

/** The next 1,000 rows of the open cursor, each as its JSON text. */
export const fetchRows = (c: Conn) => c.anyFirst(sql.type(z.object({ row: z.string() }))`fetch forward 1000 from backup_rows`);

export const closeCursor = (c: Conn) => c.query(sql.unsafe`close backup_rows`);

export const truncateTables = (c: Conn, tables: string[]) =>
  c.query(
    sql.unsafe`truncate ${sql.join(
      tables.map((t) => sql.identifier([t])),
      sql.fragment`, `,
    )} restart identity cascade`,
  );

/** Rows given as JSON objects; columns missing in the JSON take their default (an older backup). */
export const insertRows = (c: Conn, table: string, columns: string[], rowsJson: string) => {
  const cols = sql.join(
    columns.map((col) => sql.identifier([col])),
    sql.fragment`, `,
  );
  const t = sql.identifier([table]);
  return c.query(sql.unsafe`insert into ${t} (${cols}) overriding system value
    select ${cols} from json_populate_recordset(null::${t}, ${rowsJson}::json)`);
};

export const setSequence = (c: Conn, name: string, value: number) =>
  c.query(sql.unsafe`select setval(quote_ident(${name})::regclass, ${value}, true)`);
