import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/** SQL of the metadata domain: TMDB cache, NFO batches (series and episodes: library/repo.ts's read API). */

// ---- TMDB cache ----

const CacheRow = z.object({ body: z.unknown() });

export async function cacheGet(db: Conn, key: string, now: Date): Promise<unknown | null> {
  const row = await db.maybeOne(sql.type(CacheRow)`select body from tmdb_cache
    where cache_key = ${key} and expires_at > ${sql.timestamp(now)}`);
  return row ? row.body : null;
}

export async function cachePut(db: Conn, key: string, body: unknown, now: Date, ttlMs: number): Promise<void> {
  const expires = new Date(now.getTime() + ttlMs);
  await db.query(sql.unsafe`insert into tmdb_cache (cache_key, body, fetched_at, expires_at)
    values (${key}, ${JSON.stringify(body)}::jsonb, ${sql.timestamp(now)}, ${sql.timestamp(expires)})
    on conflict (cache_key) do update set body = excluded.body, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`);
  await db.query(sql.unsafe`delete from tmdb_cache where expires_at < ${sql.timestamp(now)} - interval '1 day'`);
}

// ---- batches ----

export const BatchItem = z.object({
  position: z.number(),
  serie_id: z.string(),
  serie_folder: z.string().nullable(),
  status: z.enum(['queued', 'running', 'success', 'failed', 'skipped']),
  message: z.string(),
  /** The outcome as a stable code and its figures, for the UI's language (null: none, the message says it). */
  code: z.string().nullable(),
  params: z.record(z.union([z.string(), z.number()])),
  nfo_path: z.string().nullable(),
});
export type BatchItem = z.infer<typeof BatchItem>;

export async function insertBatch(db: Conn, id: string, downloadMedia: boolean, items: BatchItem[]): Promise<void> {
  await db.query(sql.unsafe`delete from nfo_batches where created_at < now() - interval '30 days'`);
  await db.query(sql.unsafe`insert into nfo_batches (id, total, download_media) values (${id}, ${items.length}, ${downloadMedia})`);
  for (const it of items) {
    await db.query(sql.unsafe`insert into nfo_batch_items (batch_id, position, serie_id, serie_folder, status, message, code, params,
        nfo_path)
      values (${id}, ${it.position}, ${it.serie_id}, ${it.serie_folder}, ${it.status}, ${it.message}, ${it.code},
        ${sql.jsonb(it.params)}, ${it.nfo_path})`);
  }
}

export async function setBatchItem(
  db: Conn,
  id: string,
  position: number,
  patch: Pick<BatchItem, 'status' | 'message' | 'nfo_path'> & Partial<Pick<BatchItem, 'code' | 'params'>>,
): Promise<void> {
  await db.query(sql.unsafe`update nfo_batch_items set status = ${patch.status}, message = ${patch.message},
    code = ${patch.code ?? null}, params = ${sql.jsonb(patch.params ?? {})},
    nfo_path = ${patch.nfo_path}, updated_at = now() where batch_id = ${id} and position = ${position}`);
}

export async function batchItems(db: Conn, id: string): Promise<BatchItem[]> {
  return [
    ...(await db.any(sql.type(BatchItem)`select position, serie_id, serie_folder, status, message, code, params, nfo_path
    from nfo_batch_items where batch_id = ${id} order by position`)),
  ];
}

const BatchRow = z.object({ id: z.string(), total: z.number(), finished_at: z.date().nullable() });

export async function findBatch(db: Conn, id: string) {
  return db.maybeOne(sql.type(BatchRow)`select id::text, total, finished_at from nfo_batches where id = ${id}`);
}

/** Serialises the reports of one batch's jobs (so `done` counts are exact). */
export async function lockBatch(db: Conn, id: string): Promise<void> {
  await db.query(sql.unsafe`select id from nfo_batches where id = ${id} for update`);
}

/** Marks the batch finished when no item is pending; true only for the caller that finished it. */
export async function finishBatchIfDone(db: Conn, id: string): Promise<boolean> {
  const row = await db.maybeOne(sql.type(z.object({ id: z.string() }))`update nfo_batches set finished_at = now()
    where id = ${id} and finished_at is null
      and not exists (select 1 from nfo_batch_items where batch_id = ${id} and status in ('queued', 'running'))
    returning id::text`);
  return row !== null;
}
