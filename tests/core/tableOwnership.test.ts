import { describe, expect, it } from 'vitest';
import { backendSources, migrationTables, sqlTemplates, tableViolations, tablesInSql } from '../helpers/sourceChecks.js';

/**
 * Every table belongs to one domain (a folder of backend/src); only that folder's repo files
 * (`repo.ts`, `*Repo.ts`) hold SQL on it. Other domains call the owner's exported functions
 * (passing their connection when they need the owner's write inside their own transaction).
 */
const TABLE_OWNERS: Readonly<Record<string, string>> = {
  users: 'auth',
  api_keys: 'auth',
  refresh_sessions: 'auth',
  revoked_tokens: 'auth',
  signing_keys: 'auth',
  login_failures: 'auth',
  login_known_addresses: 'auth',
  rate_windows: 'http',
  app_state: 'scheduler',
  task_runs: 'scheduler',
  series: 'library',
  series_seasons: 'library',
  episodes: 'library',
  library_unmatched: 'library',
  library_scan_generation: 'library',
  download_items: 'downloads',
  download_queue_state: 'downloads',
  download_list_counts: 'downloads',
  download_attempts: 'downloads',
  download_blocklist: 'downloads',
  download_backoff: 'downloads',
  tmdb_cache: 'metadata',
  nfo_batches: 'metadata',
  nfo_batch_items: 'metadata',
  episode_mapping_settings: 'metadata',
  episode_mapping_overrides: 'metadata',
  episode_mapping_season_starts: 'metadata',
  watchlist_items: 'watchlist',
  watchlist_episodes: 'watchlist',
  import_lists: 'importLists',
  import_list_entries: 'importLists',
  media_refresh_pending: 'mediaServers',
  calendar_episodes: 'calendar',
  history_events: 'history',
  realtime_payloads: 'realtime',
  worker_pools: 'worker',
  job_payloads: 'worker',
};

/** SQL not yet moved into its owner's repo files ("file table"). Shrinks to empty; an entry that no longer holds fails. */
const PENDING: readonly string[] = [];

describe('table ownership (tests/helpers/sourceChecks.ts)', () => {
  const known = migrationTables();

  it('every table the migrations create has an owning domain', () => {
    expect(known.filter((t) => TABLE_OWNERS[t] === undefined)).toEqual([]);
  });

  it('no SQL on a table outside its owner’s repo files', () => {
    const found = tableViolations(backendSources(), TABLE_OWNERS, known).map((v) => `${v.file} ${v.table}`);
    expect(
      found.filter((v) => !PENDING.includes(v)),
      'SQL on another domain’s table: call the owner’s repo',
    ).toEqual([]);
    expect(
      PENDING.filter((v) => !found.includes(v)),
      'fixed: remove from PENDING',
    ).toEqual([]);
  });

  it('finds the tables of slonik sql templates, whatever the tag form', () => {
    const source = [
      'const a = sql.type(Row)`select s.name from series s join episodes e on e.series_id = s.id where s.key = ${key}`;',
      'const b = sql.unsafe`insert into download_items (series_key) values (${k}) on conflict do nothing`;',
      'const c = sql.fragment`update watchlist_items set x = 1`;',
      'const d = sql`delete from users where id = ${id}`;',
      'const e = sql.unsafe`truncate tmdb_cache, nfo_batches`;',
      'const f = `select * from api_keys`; // not a sql template',
      'const g = sql.unsafe`select extract(epoch from now()) -- from task_runs`;',
    ].join('\n');
    const found = sqlTemplates(source).map((t) => tablesInSql(t, known));
    expect(found).toEqual([['episodes', 'series'], ['download_items'], ['watchlist_items'], ['users'], ['nfo_batches', 'tmdb_cache'], []]);
  });

  it('fails on a domain that queries another domain’s table, and on SQL outside the repo files', () => {
    const files = {
      'watchlist/repo.ts': 'export const x = (c) => c.any(sql.unsafe`select id from watchlist_items join series s on true`);',
      'library/repo.ts': 'export const y = (c) => c.any(sql.unsafe`select id from series`);',
      'library/service.ts': 'export const z = (c) => c.any(sql.unsafe`update episodes set downloaded = true`);',
      'library/seasonsRepo.ts': 'export const w = (c) => c.any(sql.unsafe`select 1 from series_seasons`);',
      'downloads/queue.ts': 'export const q = (c) => c.any(sql.unsafe`select 1 from no_such_table`);',
    };
    expect(tableViolations(files, TABLE_OWNERS, known)).toEqual([
      { file: 'watchlist/repo.ts', table: 'series', owner: 'library' },
      { file: 'library/service.ts', table: 'episodes', owner: 'library' },
    ]);
    expect(tableViolations(files, { ...TABLE_OWNERS, series: 'watchlist' }, known)).toContainEqual({
      file: 'library/repo.ts',
      table: 'series',
      owner: 'watchlist',
    });
  });
});
