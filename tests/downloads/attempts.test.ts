import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp4 } from '../fakes/media.js';
import { addSeries, queue, startEnv, waitFor, type Env } from './helpers.js';
import { attemptsOf, episodeAttempts, hosterHealth } from '../../backend/src/downloads/attemptLog.js';
import { classifyFailure } from '../../backend/src/downloads/failure.js';
import { CancelledError, DiskFullError, DownloadError } from '../../backend/src/downloads/engine/errors.js';
import { HosterError } from '../../backend/src/providers/hosters/index.js';
import { ProviderBlocked } from '../../backend/src/providers/errors.js';

let env: Env;
let mp4: string;

beforeAll(async () => {
  mp4 = await makeMp4();
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('the attempts table', () => {
  it('records every source tried: the failed one with its reason and class, the one that worked with bytes and file', async () => {
    const gone = env.hosters.embed('VOE', { mp4 }, { page: '404' });
    const good = env.hosters.embed('Vidoza', { mp4 });
    await addSeries(env, 'attempt-show', 'Attempt Show', [
      {
        episode: 1,
        title: 'Eins',
        sources: [
          { lang: 1, hoster: 'VOE', embedUrl: gone },
          { lang: 1, hoster: 'Vidoza', embedUrl: good },
        ],
      },
    ]);
    const before = new Date();
    const { added_items } = await queue(env, 'attempt-show', [1]);
    const done = await waitFor(env, added_items[0]!, ['completed', 'failed']);
    expect(done.status).toBe('completed');

    const rows = await episodeAttempts(env.srv.deps, 'attempt-show', 1, 1);
    expect(rows.map((r) => [r.hoster, r.language, r.outcome, r.error_class])).toEqual([
      ['Vidoza', 'german_dub', 'completed', null],
      ['VOE', 'german_dub', 'failed', 'source'],
    ]);
    const [ok, failed] = rows;
    expect(failed!.reason).toMatch(/404/);
    expect(failed!.source_url).toBe(env.aniworld.redirectUrl('attempt-show', 1, 1, 0));
    expect(failed!.item_id).toBe(added_items[0]);
    expect(ok!.bytes).toBeGreaterThan(10_000);
    expect(ok!.file_path).toMatch(/S01E01 - Episode 1\.mp4$/);
    expect(ok!.trigger).toBe('manual');
    expect(ok!.series_name).toBe('Attempt Show');
    expect(ok!.finished_at.getTime()).toBeGreaterThanOrEqual(ok!.started_at.getTime());

    // reads by series, time window, hoster and outcome
    expect(await attemptsOf(env.srv.deps, { seriesKey: 'attempt-show', since: before })).toHaveLength(2);
    expect(await attemptsOf(env.srv.deps, { since: new Date(Date.now() + 60_000) })).toHaveLength(0);
    expect((await attemptsOf(env.srv.deps, { hoster: 'voe' })).map((r) => r.outcome)).toEqual(['failed']);
    expect((await attemptsOf(env.srv.deps, { outcome: 'completed' })).map((r) => r.hoster)).toEqual(['Vidoza']);

    const health = await hosterHealth(env.srv.deps);
    expect(health.map((h) => [h.hoster, h.attempts, h.completed, h.failed])).toEqual([
      ['Vidoza', 1, 1, 0],
      ['VOE', 1, 0, 1],
    ]);
    const voe = health.find((h) => h.hoster === 'VOE')!;
    expect(voe.failures_by_class).toEqual({ source: 1 });
    expect(voe.last_error).toMatch(/404/);
    expect(health.find((h) => h.hoster === 'Vidoza')!.bytes).toBe(ok!.bytes);
  });
});

describe('whose fault a failure was', () => {
  it("tells the source's own faults from ours and the network's", () => {
    const wrapped = (inner: Error, status?: number) => Object.assign(new DownloadError('wrapped', false, status), { cause: inner });
    expect(classifyFailure(new HosterError('VOE', 'embed page not found (404)', 404))).toBe('source');
    expect(classifyFailure(wrapped(new HosterError('VOE', 'no video source found')))).toBe('source');
    expect(classifyFailure(new DownloadError('verification failed: no audio stream'))).toBe('source');
    expect(classifyFailure(new DownloadError('media not found (404)', false, 404))).toBe('source');
    expect(classifyFailure(Object.assign(new DownloadError('media answered HTTP 503', false, 503), { transient: true }))).toBe('hoster');
    expect(classifyFailure(wrapped(Object.assign(new Error('getaddrinfo ENOTFOUND voe.sx'), { code: 'ENOTFOUND' })))).toBe('network');
    expect(classifyFailure(new HosterError('VOE', 'request failed: connect ECONNREFUSED 1.2.3.4:443'))).toBe('network');
    expect(classifyFailure(new DownloadError('stalled: less than 64 KiB received in 60 s'))).toBe('network');
    expect(classifyFailure(new ProviderBlocked('aniworld'))).toBe('provider');
    expect(classifyFailure(new DiskFullError('/x'))).toBe('local');
    expect(classifyFailure(Object.assign(new Error('write failed'), { code: 'ENOSPC' }))).toBe('local');
    expect(classifyFailure(new CancelledError('the worker is stopping'))).toBe('cancelled');
  });
});
