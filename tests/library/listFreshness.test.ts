// The library list may be kept in memory between changes: whoever changes the library (this
// process, another process on the same database, a job), the next list shows it.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import type { SeriesSummary } from '../../frontend/src/api/types.ts';
import { until } from '../helpers/poll.js';

let a: TestServer;
let b: TestServer;
let apiA: ReturnType<typeof client>;
let apiB: ReturnType<typeof client>;
let db: pg.Client;

beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ databaseUrl: a.databaseUrl });
  ({ api: apiA } = await adminClient(a.url));
  const login = await client(b.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  apiB = client(b.url, login.body.access_token);
  db = new pg.Client({ connectionString: a.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await b?.stop();
  await a?.stop();
});

async function seed(key: string, missing: number) {
  const { rows } = await db.query<{ id: number }>(
    `insert into series (key, name, site, folder, link, year) values ($1, $2, 'aniworld.to', $2, $3, 2020) returning id`,
    [key, key.toUpperCase(), `https://aniworld.to/anime/stream/${key}`],
  );
  await db.query(
    `insert into episodes (series_id, season, episode, title, is_downloaded)
     select $1, 1, e, 'Episode ' || e, e > $2 from generate_series(1, 6) e`,
    [rows[0].id, missing],
  );
  return rows[0].id;
}

const missingOf = async (api: ReturnType<typeof client>, key: string) =>
  ((await api.get('/api/anime?per_page=100')).body as SeriesSummary[]).find((s) => s.key === key)?.missing_episodes;

/** The change travels as a notification: polled until it arrives, as a user refreshing a page would. */
const eventually = async <T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => {
  let last: T | undefined;
  await until(async () => ok((last = await read())), what);
  return last as T;
};

describe('library list freshness', () => {
  it('shows a change written by another process (a worker marking an episode downloaded)', async () => {
    const id = await seed('fresh-one', 3);
    expect(await missingOf(apiA, 'fresh-one')).toEqual({ 1: [1, 2, 3] });
    expect(await missingOf(apiA, 'fresh-one')).toEqual({ 1: [1, 2, 3] }); // read twice: a kept copy now exists
    await db.query(`update episodes set is_downloaded = true, file_path = '/x.mkv' where series_id = $1 and episode = 2`, [id]);
    expect(
      await eventually(
        () => missingOf(apiA, 'fresh-one'),
        (m) => m?.[1]?.length === 2,
        "the other process's change in the list",
      ),
    ).toEqual({ 1: [1, 3] });
  });

  it('shows a series removed through the API of the other server', async () => {
    await seed('fresh-two', 1);
    expect(await missingOf(apiA, 'fresh-two')).toEqual({ 1: [1] });
    expect(await missingOf(apiB, 'fresh-two')).toEqual({ 1: [1] });
    expect((await apiB.del('/api/anime/fresh-two')).status).toBe(200);
    expect(await missingOf(apiB, 'fresh-two')).toBeUndefined(); // its own change: at once
    expect(
      await eventually(
        () => missingOf(apiA, 'fresh-two'),
        (m) => m === undefined,
        'the removal on the other server',
      ),
    ).toBeUndefined();
  });

  it('never serves a stale list while its notification link is down, and recovers', async () => {
    const id = await seed('fresh-three', 2);
    expect(await missingOf(apiA, 'fresh-three')).toEqual({ 1: [1, 2] });
    // cut every LISTEN connection of the database (both servers' links drop)
    // once the server has noticed (it logs it), no kept page is served
    const lost = () => a.logs().split('notification connection lost').length - 1;
    const before = lost();
    await db.query(`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`);
    await until(() => lost() > before, 'the server noticing its notification link is down');
    await db.query(`update episodes set is_downloaded = true, file_path = '/y.mkv' where series_id = $1 and episode = 1`, [id]);
    expect(await missingOf(apiA, 'fresh-three')).toEqual({ 1: [2] });
    // after the link is back (it retries after 1 s), changes are heard again
    await until(() => a.deps.notifier.connected, 'the notification link back');
    expect(await missingOf(apiA, 'fresh-three')).toEqual({ 1: [2] });
    await db.query(`update episodes set is_downloaded = true, file_path = '/z.mkv' where series_id = $1 and episode = 2`, [id]);
    expect(
      await eventually(
        () => missingOf(apiA, 'fresh-three'),
        (m) => m === undefined || Object.keys(m).length === 0,
        'the change heard over the restored link',
      ),
    ).toEqual({});
  });
});
