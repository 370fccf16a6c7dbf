import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import { pageSql } from '../http/paging.js';
import type { Page } from '../http/schema.js';
import { usernames } from '../auth/repo.js';
import { seriesKeys } from '../library/repo.js';

export const STATUSES = ['active', 'paused', 'completed', 'archived'] as const;
export const QUALITIES = ['auto', '1080p', '720p', '480p'] as const;

export const ItemRow = z.object({
  id: z.string(),
  user_id: z.number(),
  owner_name: z.string(),
  anime_title: z.string(),
  anime_url: z.string(),
  anime_key: z.string(),
  provider_id: z.string(),
  lang: z.string().nullable(),
  auto_download: z.boolean(),
  quality_preference: z.enum(QUALITIES),
  status: z.enum(STATUSES),
  last_episode_downloaded: z.number(),
  poster_image: z.string().nullable(),
  synopsis: z.string().nullable(),
  genres: z.array(z.string()),
  series_id: z.number().nullable(),
  series_key: z.string().nullable(),
  last_checked_at: z.date().nullable(),
  last_check_status: z.enum(['ok', 'error']).nullable(),
  last_check_error: z.string().nullable(),
  last_check_new_episodes: z.number().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type ItemRow = z.infer<typeof ItemRow>;

const columns = sql.fragment`w.id::text as id, w.user_id, w.anime_title, w.anime_url, w.anime_key,
  w.provider_id, w.lang, w.auto_download, w.quality_preference, w.status, w.last_episode_downloaded, w.poster_image,
  w.synopsis, w.genres, w.series_id, w.last_checked_at, w.last_check_status, w.last_check_error,
  w.last_check_new_episodes, w.created_at, w.updated_at`;
const from = sql.fragment`watchlist_items w`;
const StoredItem = ItemRow.omit({ owner_name: true, series_key: true });

/** Items with their owner's name (auth) and their series' key (library), asked of the domains that own them. */
async function named(c: Conn, rows: readonly z.infer<typeof StoredItem>[]): Promise<ItemRow[]> {
  if (rows.length === 0) return [];
  const names = await usernames(
    c,
    rows.map((r) => r.user_id),
  );
  const keys = await seriesKeys(
    c,
    rows.flatMap((r) => (r.series_id === null ? [] : [r.series_id])),
  );
  return rows.flatMap((r) => {
    const owner = names.get(r.user_id);
    if (owner === undefined) return []; // its user was deleted meanwhile (the item goes with it)
    return [{ ...r, owner_name: owner, series_key: r.series_id === null ? null : (keys.get(r.series_id) ?? null) }];
  });
}

export interface NewItem {
  user_id: number;
  anime_title: string;
  anime_url: string;
  anime_key: string;
  provider_id: string;
  lang: string | null;
  auto_download: boolean;
  quality_preference: string;
  poster_image: string | null;
  synopsis: string | null;
  genres: string[];
  series_id: number | null;
}

export async function insertItem(c: Conn, it: NewItem): Promise<string | null> {
  return c.maybeOneFirst(sql.type(z.object({ id: z.string() }))`insert into watchlist_items
    (user_id, anime_title, anime_url, anime_key, provider_id, lang, auto_download, quality_preference, poster_image, synopsis, genres,
      series_id)
    values (${it.user_id}, ${it.anime_title}, ${it.anime_url}, ${it.anime_key}, ${it.provider_id}, ${it.lang}, ${it.auto_download},
      ${it.quality_preference}, ${it.poster_image}, ${it.synopsis}, ${sql.array(it.genres, 'text')}, ${it.series_id})
    on conflict (user_id, provider_id, anime_key) do nothing
    returning id::text as id`);
}

/** An item, only when it belongs to `userId` (null userId: any owner, for the worker). */
export async function getItem(c: Conn, id: string, userId: number | null): Promise<ItemRow | null> {
  const row = await c.maybeOne(sql.type(StoredItem)`select ${columns} from ${from}
    where w.id = ${id}::uuid ${userId === null ? sql.fragment`` : sql.fragment`and w.user_id = ${userId}`}`);
  return row ? ((await named(c, [row]))[0] ?? null) : null;
}

/** One page of a user's items (oldest first) and how many there are. */
export async function listItems(c: Conn, userId: number, status: string | null, p: Page) {
  const filter = status ? sql.fragment`and w.status = ${status}` : sql.fragment``;
  const [items, total] = await Promise.all([
    c.any(
      sql.type(StoredItem)`select ${columns} from ${from} where w.user_id = ${userId} ${filter} order by w.created_at, w.id ${pageSql(p)}`,
    ),
    c.oneFirst(
      sql.type(z.object({ n: z.number() }))`select count(*)::int as n from watchlist_items w where w.user_id = ${userId} ${filter}`,
    ),
  ]);
  return { items: await named(c, items), total };
}

export type ItemPatch = Partial<{
  anime_title: string;
  lang: string | null;
  auto_download: boolean;
  quality_preference: string;
  status: string;
  last_episode_downloaded: number;
  poster_image: string | null;
  synopsis: string | null;
  genres: string[];
}>;

export async function updateItem(c: Conn, id: string, userId: number, patch: ItemPatch): Promise<boolean> {
  const sets = Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) =>
        sql.fragment`${sql.identifier([k])} =
          ${k === 'genres' ? sql.array(v as string[], 'text') : (v as string | number | boolean | null)}`,
    );
  sets.push(sql.fragment`updated_at = now()`);
  const res = await c.query(sql.unsafe`update watchlist_items set ${sql.join(sets, sql.fragment`, `)}
    where id = ${id}::uuid and user_id = ${userId}`);
  return res.rowCount > 0;
}

export async function deleteItem(c: Conn, id: string, userId: number): Promise<boolean> {
  const res = await c.query(sql.unsafe`delete from watchlist_items where id = ${id}::uuid and user_id = ${userId}`);
  return res.rowCount > 0;
}

export const linkSeries = (c: Conn, id: string, seriesId: number) =>
  c.query(sql.unsafe`update watchlist_items set series_id = ${seriesId} where id = ${id}::uuid`);

/** Items due for a scheduled check: active (and completed when included), not checked within the interval. */
export const dueItemIds = (c: Conn, hours: number, includeCompleted: boolean, userId: number | null) =>
  c.anyFirst(sql.type(z.object({ id: z.string() }))`select id::text as id from watchlist_items
    where status = any(${sql.array(includeCompleted ? ['active', 'completed'] : ['active'], 'text')})
      and (last_checked_at is null or last_checked_at <= now() - make_interval(hours => ${hours}))
      ${userId === null ? sql.fragment`` : sql.fragment`and user_id = ${userId}`}
    order by last_checked_at nulls first, id`);

export const recordCheck = (
  c: Conn,
  id: string,
  r: { status: 'ok' | 'error'; error: string | null; newEpisodes: number | null; lastDownloaded: number | null },
) =>
  c.query(sql.unsafe`update watchlist_items set last_checked_at = now(), last_check_status = ${r.status},
    last_check_error = ${r.error}, last_check_new_episodes = ${r.newEpisodes},
    last_episode_downloaded = greatest(last_episode_downloaded, coalesce(${r.lastDownloaded}::int, 0))
    where id = ${id}::uuid`);

const EpisodeKey = z.object({ season: z.number(), episode: z.number() });

export const recordedEpisodes = (c: Conn, itemId: string) =>
  c.any(sql.type(EpisodeKey)`select season, episode from watchlist_episodes where item_id = ${itemId}::uuid`);

export async function recordEpisodes(c: Conn, itemId: string, eps: { season: number; episode: number; title: string | null }[]) {
  if (eps.length === 0) return;
  await c.query(sql.unsafe`insert into watchlist_episodes (item_id, season, episode, title)
    select ${itemId}::uuid, x.s, x.e, nullif(x.t, '') from unnest(${sql.array(
      eps.map((e) => e.season),
      'int4',
    )},
      ${sql.array(
        eps.map((e) => e.episode),
        'int4',
      )}, ${sql.array(
        eps.map((e) => e.title ?? ''),
        'text',
      )}) as x(s, e, t)
    on conflict (item_id, season, episode) do nothing`);
}

export const markQueued = (c: Conn, itemId: string, season: number, episode: number, error: string | null) =>
  c.query(sql.unsafe`update watchlist_episodes set queued = ${error === null}, queue_error = ${error}, deferred = false
    where item_id = ${itemId}::uuid and season = ${season} and episode = ${episode}`);

const Stat = z.object({ key: z.string(), n: z.number() });
export const countByStatus = (c: Conn, userId: number) =>
  c.any(sql.type(Stat)`select status as key, count(*)::int as n from watchlist_items where user_id = ${userId} group by status`);
export const countByProvider = (c: Conn, userId: number) =>
  c.any(sql.type(Stat)`select provider_id as key, count(*)::int as n from watchlist_items where user_id = ${userId} group by provider_id`);
export const countAutoDownload = (c: Conn, userId: number) =>
  c.oneFirst(
    sql.type(z.object({ n: z.number() }))`select count(*)::int as n from watchlist_items where user_id = ${userId} and auto_download`,
  );

/** Episodes of the item that wait for a free auto-download slot, oldest first. */
export const deferredEpisodes = (c: Conn, itemId: string) =>
  c.any(sql.type(z.object({ season: z.number(), episode: z.number(), title: z.string().nullable() }))`select season, episode, title
    from watchlist_episodes where item_id = ${itemId}::uuid and deferred order by season, episode`);

export const markDeferred = (c: Conn, itemId: string, eps: { season: number; episode: number }[]) =>
  eps.length === 0
    ? Promise.resolve()
    : c.query(sql.unsafe`update watchlist_episodes set deferred = true
    where item_id = ${itemId}::uuid and (season, episode) in (select * from unnest(${sql.array(
      eps.map((e) => e.season),
      'int4',
    )}, ${sql.array(
      eps.map((e) => e.episode),
      'int4',
    )}))`);

const Downloaded = z.object({ item_id: z.string(), user_id: z.number() });

/**
 * Marks a queued watchlist episode of series `key` as downloaded, once: returns the items (and
 * owners) for which this call made the change, so only one process notifies.
 */
export const markDownloaded = (c: Conn, key: string, season: number, episode: number) =>
  c.any(sql.type(Downloaded)`update watchlist_episodes we set downloaded_at = now()
    from watchlist_items w
    where we.item_id = w.id and w.anime_key = ${key} and we.season = ${season} and we.episode = ${episode}
      and we.queued and we.downloaded_at is null
    returning w.id::text as item_id, w.user_id`);

export const raiseLastDownloaded = (c: Conn, itemId: string, episode: number) =>
  c.query(sql.unsafe`update watchlist_items set last_episode_downloaded = greatest(last_episode_downloaded, ${episode})
    where id = ${itemId}::uuid`);

/** Items with episodes waiting for an auto-download slot. */
export const itemsWithDeferred = (c: Conn) =>
  c.anyFirst(sql.type(z.object({ id: z.string() }))`select distinct item_id::text as id from watchlist_episodes where deferred`);
