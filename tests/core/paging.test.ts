import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z, type ZodTypeAny } from 'zod';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, type Res } from '../helpers/http.js';
import { routeSpecs } from '../../backend/src/http/route.js';
import { domainRouters } from '../../backend/src/app.js';
import { MAX_PAGE, MAX_PER_PAGE, PageNumber } from '../../backend/src/http/schema.js';
import { sql } from '../../backend/src/db/pool.js';
import * as queueRepo from '../../backend/src/downloads/repo.js';
import { backupDir } from '../../backend/src/backup/service.js';
import type { Loose } from '../helpers/http.js';

/**
 * README "Paging": every list that can grow answers at most 500 items without paging parameters and
 * reports its total. This walks the route registry: a GET route whose answer holds an array is
 * either paged (and proven here with 501 seeded items) or named below with why it cannot grow.
 */
const BOUNDED: Record<string, string> = {
  '/api/anime/search': 'the provider answers one page of hits',
  '/api/anime/:key': 'one series: its seasons and episodes',
  '/api/anime/:key/episode-mapping': 'one series: its episodes and TMDB episode groups',
  '/api/anime/:key/episodes/:season/:episode/sources': 'the sources of one episode page',
  '/api/anime/search/cover': 'one cover',
  '/api/providers': 'the configured providers and the hosters they know',
  '/api/import-lists': "a user's own import lists, at most 20",
  '/api/tasks': 'the scheduled tasks the product defines',
  '/api/notifications/events': 'the event names the product defines',
  '/api/logs': 'limit (at most 2000 entries), read from the end of one file',
  '/api/calendar': 'a window of at most 400 days',
  '/api/nfo/batch/status/:batch_id': 'one batch, at most the series it was started for (body limited)',
  '/api/config': 'the configuration',
  '/health/detailed': "the product's own checks",
  '/api/health/detailed': "the product's own checks",
  '/api/watchlist/:id': 'one item',
  '/api/watchlist/stats': 'figures',
  '/api/scheduler/config': 'one schedule',
  '/api/watchlist/settings': 'settings',
  '/api/watchlist/scheduler/status': 'one status',
  '/ws/status': 'the message types the product defines',
};

function unwrap(s: ZodTypeAny): ZodTypeAny {
  let cur = s;
  for (;;) {
    const def = cur._def as { innerType?: ZodTypeAny; schema?: ZodTypeAny };
    if (def.innerType) cur = def.innerType;
    else if (cur instanceof z.ZodEffects && def.schema) cur = def.schema;
    else return cur;
  }
}
function holdsArray(s: ZodTypeAny, depth = 0): boolean {
  const t = unwrap(s);
  if (t instanceof z.ZodArray) return true;
  if (depth < 2 && t instanceof z.ZodObject)
    return Object.values(t.shape as Record<string, ZodTypeAny>).some((v) => holdsArray(v, depth + 1));
  return false;
}

const N = MAX_PER_PAGE + 1;
let srv: TestServer;
let api: Awaited<ReturnType<typeof adminClient>>['api'];

interface ListCase {
  path: string;
  /** The registry's path, when it has parameters. */
  route?: string;
  /** The items of the list in an answer. */
  items: (body: Loose) => unknown[];
  /** Its total as the answer reports it. */
  total: (res: Res) => number;
  /** How many items the seeding made the list hold (at least). */
  expected: number;
  /** Items on a page without paging parameters (the spec's 20 for the library). */
  perPage?: number;
}
const header = (res: Res) => Number(res.headers.get('x-total-count'));

async function seed(): Promise<ListCase[]> {
  const db = srv.deps.db;
  await db.query(
    sql.unsafe`insert into users (username, password_hash, role) select 'user' || g, 'x', 'user' from generate_series(1, ${N - 1}) g`,
  );
  await db.query(
    sql.unsafe`insert into api_keys (user_id, name, prefix, key_hash) select 1, 'k' || g, 'aw_' || g, 'h' || g from generate_series(1,
      ${N}) g`,
  );
  await db.query(sql.unsafe`insert into watchlist_items (user_id, anime_title, anime_url, anime_key, provider_id)
    select 1, 'Show ' || g, 'https://aniworld.to/anime/stream/show-' || g, 'show-' || g, 'aniworld' from generate_series(1, ${N}) g`);
  await db.query(sql.unsafe`insert into download_blocklist (series_key, season, episode, hoster, language, source_url, reason)
    select 'long-one', 1, g, 'VOE', 'German Dub', 'https://voe.example/' || g, 'broken' from generate_series(1, ${N}) g`);
  await db.query(
    sql.unsafe`insert into series (key, name, site, folder) select 'series-' || g, 'Series ' || g, 'aniworld.to', 'Series ' || g from
      generate_series(1, ${N}) g`,
  );
  for (let e = 1; e <= N; e++) {
    await queueRepo.insertItem(db, {
      serie_id: 'long-one',
      serie_folder: 'Long One',
      serie_name: 'Long One',
      season: 1,
      episode: e,
      title: `Episode ${e}`,
      priority: 'NORMAL',
      source: 'manual',
      language: null,
      quality: null,
    });
  }
  await db.query(sql.unsafe`insert into history_events (event, series_key, series_name, season, episode)
    select 'file_imported', 'series-1', 'Series 1', 1, g from generate_series(1, ${N}) g`);
  const list = await db.oneFirst(
    sql.unsafe`insert into import_lists (user_id, service, username, statuses) values (1, 'anilist', 'long_list', '{watching}')
      returning id::text`,
  );
  await db.query(
    sql.unsafe`insert into import_list_entries (list_id, external_id, title, outcome) select ${list}::uuid, g::text, 'Show ' || g,
      'not_found' from generate_series(1, ${N}) g`,
  );
  for (let i = 1; i <= N; i++) fs.mkdirSync(path.join(srv.animeDir, `Loose Folder ${i}`));
  const backups = backupDir(srv.deps);
  fs.mkdirSync(backups, { recursive: true });
  for (let i = 1; i <= N; i++) fs.writeFileSync(path.join(backups, `aniworld_seed_${i}_manual.tar.gz`), '');
  return [
    { path: '/api/users', items: (b) => b, total: header, expected: N },
    { path: '/api/auth/api-keys', items: (b) => b, total: header, expected: N },
    { path: '/api/watchlist', items: (b) => b, total: header, expected: N },
    { path: '/api/blocklist', items: (b) => b.items, total: (r) => (expect(r.body.total).toBe(header(r)), r.body.total), expected: N },
    {
      path: '/api/library/unmatched',
      items: (b) => b.folders,
      total: (r) => (expect(r.body.total).toBe(header(r)), r.body.total),
      expected: N,
    },
    { path: '/api/config/backups', items: (b) => b, total: header, expected: N },
    {
      path: '/api/nfo/missing',
      items: (b) => b.series,
      total: (r) => (expect(r.body.missing_nfo_count).toBe(header(r)), r.body.missing_nfo_count),
      expected: N,
    },
    { path: '/api/anime', items: (b) => b, total: header, expected: N, perPage: 20 },
    { path: '/api/history', items: (b) => b.items, total: (r) => (expect(r.body.total).toBe(header(r)), r.body.total), expected: N },
    {
      path: '/api/anime/series-1/history',
      route: '/api/anime/:key/history',
      items: (b) => b.items,
      total: (r) => (expect(r.body.total).toBe(header(r)), r.body.total),
      expected: N,
    },
    {
      path: `/api/import-lists/${list}/entries`,
      route: '/api/import-lists/:id/entries',
      items: (b) => b.entries,
      total: (r) => (expect(r.body.total).toBe(header(r)), r.body.total),
      expected: N,
    },
    { path: '/api/queue/status', items: (b) => b.status.pending_queue, total: (r) => r.body.statistics.pending_count, expected: N },
  ];
}

let cases: ListCase[];
beforeAll(async () => {
  srv = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '100000', TMDB_API_KEY: 'paging-test-key' } });
  ({ api } = await adminClient(srv.url));
  expect((await api.post('/api/queue/stop')).status).toBe(200);
  cases = await seed();
}, 120_000);
afterAll(async () => {
  await srv?.stop();
});

describe('every list that can grow follows the paging convention', () => {
  it('each GET route with a list in its answer is paged (page, per_page up to 500) or named as bounded', () => {
    const lists = routeSpecs(domainRouters(srv.deps)).filter(
      (r) => r.method === 'get' && r.responses[200] && holdsArray(r.responses[200]!),
    );
    expect(lists.length).toBeGreaterThan(10);
    const paged = lists
      .filter((r) => !(r.path in BOUNDED))
      .map((r) => r.path)
      .sort();
    for (const p of paged) {
      const spec = lists.find((r) => r.path === p)!;
      const query = spec.query ? (unwrap(spec.query) as z.AnyZodObject).shape : {};
      expect(Object.keys(query), `${p} takes page and per_page`).toEqual(expect.arrayContaining(['page', 'per_page']));
      expect(query.per_page.safeParse(String(MAX_PER_PAGE + 1)).success, `${p} refuses per_page over ${MAX_PER_PAGE}`).toBe(false);
      expect(query.page, `${p} takes the one shared page schema (bounded by ${MAX_PAGE})`).toBe(PageNumber);
    }
    // and each of them is proven below
    expect(paged).toEqual(cases.map((c) => c.route ?? c.path).sort());
  });

  it('without paging parameters each list holds at most 500 items and reports the whole total; pages walk the rest', async () => {
    for (const c of cases) {
      const plain = await api.get(c.path);
      expect(plain.status, `${c.path}: ${plain.text.slice(0, 300)}`).toBe(200);
      expect(c.items(plain.body), c.path).toHaveLength(c.perPage ?? MAX_PER_PAGE);
      const total = c.total(plain);
      expect(total, c.path).toBeGreaterThanOrEqual(c.expected);
      const first = await api.get(`${c.path}?per_page=${MAX_PER_PAGE}`);
      expect(c.items(first.body), c.path).toHaveLength(MAX_PER_PAGE);
      const second = await api.get(`${c.path}?page=2&per_page=${MAX_PER_PAGE}`);
      expect(second.status, c.path).toBe(200);
      expect(c.items(second.body), c.path).toHaveLength(total - MAX_PER_PAGE);
      expect(c.total(second), c.path).toBe(total);
      const small = await api.get(`${c.path}?page=3&per_page=7`);
      expect(c.items(small.body), c.path).toHaveLength(7);
      expect(JSON.stringify(c.items(small.body)[0]), c.path).toBe(JSON.stringify(c.items(first.body)[14]));
      expect((await api.get(`${c.path}?per_page=${MAX_PER_PAGE + 1}`)).status, c.path).toBe(422);
    }
  });

  it(`a page beyond ${MAX_PAGE} is a 422 naming the field on every list, never a 500; the last page allowed answers`, async () => {
    for (const c of cases) {
      for (const page of ['99999999999999999999', '107374184', String(MAX_PAGE + 1), '1e300']) {
        const res = await api.get(`${c.path}?page=${page}`);
        expect(res.status, `${c.path}?page=${page}: ${res.text.slice(0, 300)}`).toBe(422);
        expect(res.body, c.path).toMatchObject({
          error: 'VALIDATION_ERROR',
          message: 'Request validation failed: query.page',
          details: { 'query.page': `page must be at most ${MAX_PAGE}` },
        });
      }
    }
    for (const c of cases) {
      const last = await api.get(`${c.path}?page=${MAX_PAGE}&per_page=${MAX_PER_PAGE}`);
      expect(last.status, `${c.path}: ${last.text.slice(0, 300)}`).toBe(200);
      expect(c.items(last.body), c.path).toEqual([]);
      expect(c.total(last), c.path).toBeGreaterThanOrEqual(c.expected);
    }
  });
});
