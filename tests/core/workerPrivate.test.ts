import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../../backend/src/db/pool.js';
import { pruneFailedJobs } from '../../backend/src/worker/repo.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SRC = path.resolve(import.meta.dirname, '../../backend/src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(ts|sql)$/.test(e.name) ? [p] : [];
  });
}

describe("Graphile Worker's private tables", () => {
  it('are read nowhere in backend/src: its public `jobs` view, its SQL functions and our own tables only', () => {
    const offenders = sourceFiles(SRC)
      .filter((f) => /graphile_worker\s*\.\s*_private_|_private_(jobs|tasks|job_queues|workers)\b/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    expect(offenders, 'use graphile_worker.jobs, add_job/remove_job/complete_jobs, or job_payloads (worker/repo.ts)').toEqual([]);
  });

  it('the check sees a read when there is one', () => {
    expect(/graphile_worker\s*\.\s*_private_/.test('select 1 from graphile_worker._private_jobs')).toBe(true);
  });
});

describe('housekeeping of failed jobs through the public API', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('deletes permanently failed jobs older than the cut-off; a recent one and a waiting one stay', async () => {
    const add = (key: string) =>
      srv.deps.jobs.add('import_lists_sync', {}, { jobKey: key, runAt: new Date(Date.now() + 3_600_000) }).then((j) => j.id!);
    const [old, recent, waiting] = [await add('hk_old'), await add('hk_recent'), await add('hk_waiting')];
    await srv.deps.db.query(sql.unsafe`select graphile_worker.permanently_fail_jobs(${sql.array([old, recent], 'int8')}, 'gave up')`);
    // a test may reach into the private table to age a row; the product never does
    await srv.deps.db.query(sql.unsafe`update graphile_worker._private_jobs set updated_at = now() - interval '15 days' where id = ${old}`);
    expect(await pruneFailedJobs(srv.deps.db, 14)).toBe(1);
    const left = await srv.deps.db.anyFirst(
      sql.type(z.object({ key: z.string() }))`select key from graphile_worker.jobs where key like 'hk_%' order by key`,
    );
    expect(left).toEqual(['hk_recent', 'hk_waiting']);
    expect(waiting).toBeTruthy();
  });
});
