import { describe, expect, it } from 'vitest';
import type { Deps } from '../../backend/src/deps.js';
import type { Db } from '../../backend/src/db/pool.js';
import { buildTaskList } from '../../backend/src/worker/taskList.js';
import { buildCrontab } from '../../backend/src/worker/crontab.js';
import { checkHandlers, JOB_NAMES, Jobs } from '../../backend/src/worker/jobs.js';

/** Handlers are built, never run here: any dependency they read is a stand-in. */
function standIn(): unknown {
  return new Proxy(() => undefined, {
    get: (_t, key) => (key === 'then' || typeof key === 'symbol' ? undefined : standIn()),
    apply: () => standIn(),
  });
}

describe('the job map (worker/jobs.ts)', () => {
  it('has a handler for every task and a task for every handler: the worker starts', () => {
    const list = buildTaskList(standIn() as Deps);
    expect(Object.keys(list).sort()).toEqual([...JOB_NAMES].sort());
  });

  it('refuses to start with a task that has no handler, or a handler of an unknown task', () => {
    const handlers = JOB_NAMES.filter((n) => n !== 'nfo_episode');
    expect(() => checkHandlers(handlers)).toThrow('tasks without a handler: nfo_episode');
    expect(() => checkHandlers([...JOB_NAMES, 'nfo_typo'])).toThrow(/missing from JOB_PAYLOADS.*nfo_typo/);
  });

  it('the crontab names only tasks of the map', () => {
    const named = buildCrontab()
      .split('\n')
      .map((line) => line.split(/\s+/)[5]);
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(JOB_NAMES).toContain(n);
  });

  it('adds nothing with a payload its handler would refuse, or for an unknown task', async () => {
    const db = standIn() as Db; // never reached: the payload is checked first
    const jobs = new Jobs(db);
    await expect(jobs.add('download_episode', { id: 'not-a-uuid' })).rejects.toThrow(/bad payload for download_episode: id/);
    await expect(jobs.add('nfo_episode', { series_key: 'k', season: 1 } as never)).rejects.toThrow(/episode Required/);
    await expect(jobs.add('no_such_task' as never, {} as never)).rejects.toThrow('unknown task no_such_task');
  });
});
