import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import { pageSql } from '../http/paging.js';
import type { Page } from '../http/schema.js';

/** SQL of the import lists (migrations/0621_import_lists.sql). */

export const ListRow = z.object({
  id: z.string(),
  user_id: z.number(),
  service: z.enum(['anilist', 'myanimelist']),
  username: z.string(),
  statuses: z.array(z.enum(['watching', 'planning'])),
  enabled: z.boolean(),
  auto_download: z.boolean(),
  last_synced_at: z.date().nullable(),
  last_error: z.string().nullable(),
  created_at: z.date(),
  counts: z.record(z.number()),
});
export type ListRow = z.infer<typeof ListRow>;

const COLS = sql.fragment`l.id::text, l.user_id, l.service, l.username, l.statuses, l.enabled, l.auto_download, l.last_synced_at,
  l.last_error, l.created_at,
  coalesce((select jsonb_object_agg(outcome, n) from (select outcome, count(*)::int as n from import_list_entries e where e.list_id =
    l.id group by outcome) x), '{}'::jsonb) as counts`;

export async function listsOf(db: Conn, userId: number): Promise<ListRow[]> {
  return [...(await db.any(sql.type(ListRow)`select ${COLS} from import_lists l where l.user_id = ${userId} order by l.created_at`))];
}

export async function enabledLists(db: Conn): Promise<ListRow[]> {
  return [...(await db.any(sql.type(ListRow)`select ${COLS} from import_lists l where l.enabled order by l.created_at`))];
}

export async function getList(db: Conn, id: string, userId?: number): Promise<ListRow | null> {
  return db.maybeOne(
    sql.type(ListRow)`select ${COLS} from import_lists l where l.id = ${id}::uuid ${
      userId === undefined
        ? sql.fragment``
        : sql.fragment`and l.user_id =
      ${userId}`
    }`,
  );
}

export async function insertList(
  db: Conn,
  l: Pick<ListRow, 'user_id' | 'service' | 'username' | 'statuses' | 'enabled' | 'auto_download'>,
): Promise<string | null> {
  const row = await db.maybeOne(sql.type(
    z.object({ id: z.string() }),
  )`insert into import_lists (user_id, service, username, statuses, enabled, auto_download)
    values (${l.user_id}, ${l.service}, ${l.username}, ${sql.array(l.statuses, 'text')}, ${l.enabled}, ${l.auto_download})
    on conflict (user_id, service, username) do nothing returning id::text`);
  return row?.id ?? null;
}

export async function updateList(
  db: Conn,
  id: string,
  patch: Partial<Pick<ListRow, 'statuses' | 'enabled' | 'auto_download'>>,
): Promise<void> {
  const sets = [];
  if (patch.statuses) sets.push(sql.fragment`statuses = ${sql.array(patch.statuses, 'text')}`);
  if (patch.enabled !== undefined) sets.push(sql.fragment`enabled = ${patch.enabled}`);
  if (patch.auto_download !== undefined) sets.push(sql.fragment`auto_download = ${patch.auto_download}`);
  if (sets.length) await db.query(sql.unsafe`update import_lists set ${sql.join(sets, sql.fragment`, `)} where id = ${id}::uuid`);
}

export async function deleteList(db: Conn, id: string): Promise<void> {
  await db.query(sql.unsafe`delete from import_lists where id = ${id}::uuid`);
}

export async function markSynced(db: Conn, id: string, at: Date, error: string | null): Promise<void> {
  await db.query(
    sql.unsafe`update import_lists set last_synced_at = ${sql.timestamp(at)}, last_error = ${error?.slice(0, 2000) ?? null} where id =
      ${id}::uuid`,
  );
}

export const EntryRow = z.object({
  external_id: z.string(),
  title: z.string(),
  year: z.number().nullable(),
  outcome: z.enum(['added', 'exists', 'ambiguous', 'not_found', 'resolved', 'ignored']),
  candidates: z.array(
    z.object({ provider: z.string(), key: z.string(), name: z.string(), link: z.string(), year: z.number().nullable(), score: z.number() }),
  ),
  anime_key: z.string().nullable(),
  seen_at: z.date(),
});
export type EntryRow = z.infer<typeof EntryRow>;

export async function knownIds(db: Conn, listId: string): Promise<Set<string>> {
  const rows = await db.any(
    sql.type(z.object({ external_id: z.string() }))`select external_id from import_list_entries where list_id = ${listId}::uuid`,
  );
  return new Set(rows.map((r) => r.external_id));
}

export async function entries(
  db: Conn,
  listId: string,
  outcome: EntryRow['outcome'] | undefined,
  p: Page,
): Promise<{ items: EntryRow[]; total: number }> {
  const filter = outcome ? sql.fragment`and outcome = ${outcome}` : sql.fragment``;
  const [items, total] = await Promise.all([
    db.any(sql.type(EntryRow)`select external_id, title, year, outcome, candidates, anime_key, seen_at from import_list_entries
      where list_id = ${listId}::uuid ${filter} order by seen_at desc, external_id ${pageSql(p)}`),
    db.oneFirst(
      sql.type(z.object({ n: z.number() }))`select count(*)::int as n from import_list_entries where list_id = ${listId}::uuid ${filter}`,
    ),
  ]);
  return { items: [...items], total };
}

export async function countLists(db: Conn, userId: number): Promise<number> {
  return db.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from import_lists where user_id = ${userId}`);
}

export async function getEntry(db: Conn, listId: string, externalId: string): Promise<EntryRow | null> {
  return db.maybeOne(sql.type(EntryRow)`select external_id, title, year, outcome, candidates, anime_key, seen_at from import_list_entries
    where list_id = ${listId}::uuid and external_id = ${externalId}`);
}

export async function saveEntry(
  db: Conn,
  listId: string,
  e: Pick<EntryRow, 'external_id' | 'title' | 'year' | 'outcome' | 'candidates' | 'anime_key'>,
): Promise<void> {
  await db.query(sql.unsafe`insert into import_list_entries (list_id, external_id, title, year, outcome, candidates, anime_key)
    values (${listId}::uuid, ${e.external_id}, ${e.title}, ${e.year}, ${e.outcome}, ${sql.jsonb(e.candidates)}, ${e.anime_key})
    on conflict (list_id, external_id) do update set outcome = excluded.outcome, candidates = excluded.candidates, anime_key =
      excluded.anime_key`);
}
