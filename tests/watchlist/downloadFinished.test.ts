import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql, type Conn } from '../../backend/src/db/pool.js';
import { completeItem } from '../../backend/src/downloads/job.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

// No socket and no realtime listener here: a finished watchlist download reaches the watchlist
// through the job queued with the item's completion.
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
  await adminClient(srv.url);
});
afterAll(async () => {
  await srv?.stop();
});

const Id = z.object({ id: z.string() });

/** A watchlist item of the admin with S1E`episode` found and queued. */
async function watchedEpisode(key: string, episode: number): Promise<string> {
  const itemId = await srv.deps.db.oneFirst(sql.type(
    Id,
  )`insert into watchlist_items (user_id, anime_title, anime_url, anime_key, provider_id)
    select id, ${key}, ${'http://127.0.0.1:9/anime/stream/' + key}, ${key}, 'aniworld' from users order by id limit 1 returning id::text`);
  await srv.deps.db.query(
    sql.unsafe`insert into watchlist_episodes (item_id, season, episode, queued) values (${itemId}::uuid, 1, ${episode}, true)`,
  );
  return itemId;
}

/** An active queue item (inserted in the caller's transaction: nothing else sees it before it is marked). */
const activeItem = (tx: Conn, key: string, episode: number, source: string) =>
  tx.oneFirst(sql.type(Id)`insert into download_items (serie_id, serie_name, season, episode, title, status, source)
    values (${key}, ${key}, 1, ${episode}, 'Folge', 'downloading', ${source}) returning id::text`);

const followUps = (tx: Conn) =>
  tx.any(sql.type(z.object({ key: z.string().nullable() }))`select payload->>'key' as key from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'watchlist_download_finished'`);

describe('a finished watchlist download', () => {
  it('queues the watchlist job in the transaction that completes the item; the item is updated by that job', async () => {
    const itemId = await watchedEpisode('frieren', 3);
    await srv.deps.db.transaction(async (tx) => {
      const id = await activeItem(tx, 'frieren', 3, 'watchlist');
      const row = await completeItem(srv.deps, id, { file_path: '/library/Frieren/S01E03.mkv', bytes: 1234 }, tx);
      expect(row?.status).toBe('completed');
      // visible in this transaction, before anything is committed
      expect((await followUps(tx)).map((r) => r.key)).toContain('frieren');
    });
    const item = await until(
      async () =>
        srv.deps.db.maybeOne(sql.type(z.object({ last: z.number() }))`select last_episode_downloaded as last from watchlist_items
          where id = ${itemId}::uuid and last_episode_downloaded = 3`),
      'the watchlist item to record the download',
    );
    expect(item.last).toBe(3);
    const downloadedAt = await srv.deps.db.oneFirst(
      sql.type(z.object({ at: z.date().nullable() }))`select downloaded_at as at from watchlist_episodes where item_id = ${itemId}::uuid`,
    );
    expect(downloadedAt).not.toBeNull();
  });

  it('a download queued by hand queues no watchlist job', async () => {
    await srv.deps.db.transaction(async (tx) => {
      const id = await activeItem(tx, 'by-hand', 1, 'manual');
      expect((await completeItem(srv.deps, id, { file_path: '/library/x.mkv', bytes: 1 }, tx))?.status).toBe('completed');
      expect((await followUps(tx)).map((r) => r.key)).not.toContain('by-hand');
    });
  });
});
