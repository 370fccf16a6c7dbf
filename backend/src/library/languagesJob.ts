import { z } from 'zod';
import { sql } from '../db/pool.js';
import type { Deps } from '../deps.js';
import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { getProvider } from '../providers/registry.js';
import { ProviderNotFound } from '../providers/errors.js';
import * as repo from './repo.js';

/**
 * The languages of missing episodes, known before any download: only an episode page lists them
 * (the season page's flags are a legend), so after a scan found missing episodes whose languages
 * are unknown, `episode_languages {key}` reads those pages through the provider (its polite
 * per-host limit applies) and stores what they offer.
 *
 * One job per series: jobKey `episode_languages:<key>` keeps at most one waiting, and all of them
 * share the named queue `episode_languages`, so one runs at a time: never two for a series, never
 * the worker's every slot (downloads keep theirs). Low priority (10): downloads and scans go
 * first. A job reads at most PER_JOB pages and queues the rest behind the others. A page that
 * listed nothing is not read again for a week.
 *
 * Realtime, room 'library': episode_languages {key, episodes} (episodes: how many got languages).
 */
export const LANGUAGES_TASK = 'episode_languages';
const Payload = JOB_PAYLOADS.episode_languages;
/** Episodes read per job; a longer series continues in the next job. */
const PER_JOB = 100;
/** Announce what is known every so many episodes, so a long series fills in while it runs. */
const PUBLISH_EVERY = 25;

const unknownLanguages = sql.fragment`e.on_provider and not e.is_downloaded and cardinality(e.languages) = 0
  and (e.languages_checked_at is null or e.languages_checked_at < now() - interval '7 days')`;

export async function queueEpisodeLanguages(deps: Pick<Deps, 'jobs'>, key: string): Promise<void> {
  await deps.jobs.add(
    LANGUAGES_TASK,
    { key },
    { jobKey: `${LANGUAGES_TASK}:${key}`, queueName: LANGUAGES_TASK, priority: 10, maxAttempts: 3 },
  );
}

/** Queues the job for every series (or the given ones) with missing episodes of unknown languages. */
export async function queueUnknownLanguages(deps: Pick<Deps, 'db' | 'jobs'>, keys?: string[]): Promise<string[]> {
  const filter = keys ? sql.fragment`and s.key = any(${sql.array(keys, 'text')})` : sql.fragment``;
  const found = await deps.db.anyFirst(sql.type(z.object({ key: z.string() }))`select distinct s.key from series s
    join episodes e on e.series_id = s.id where ${unknownLanguages} ${filter} order by s.key`);
  for (const key of found) await queueEpisodeLanguages(deps, key);
  return [...found];
}

const Ep = z.object({ season: z.number(), episode: z.number() });

async function fetchLanguages(
  deps: Pick<Deps, 'db' | 'settings' | 'log' | 'bus' | 'jobs' | 'providers'>,
  key: string,
  signal?: AbortSignal,
): Promise<void> {
  const row = await repo.seriesByKey(deps.db, key);
  if (!row) return; // removed meanwhile
  const eps = await deps.db.any(sql.type(Ep)`select e.season, e.episode from episodes e
    where e.series_id = ${row.id} and ${unknownLanguages} order by e.season, e.episode limit ${PER_JOB + 1}`);
  if (!eps.length) return;
  const provider = getProvider(deps, row.provider);
  let found = 0;
  let announced = 0;
  const announce = async () => {
    if (found === announced) return;
    announced = found;
    await deps.bus.publish('library', 'episode_languages', { key, episodes: found });
  };
  try {
    for (const e of eps.slice(0, PER_JOB)) {
      if (signal?.aborted) throw new Error('stopped before every episode page was read; the job runs again');
      let languages: string[] = [];
      try {
        languages = [...new Set((await provider.episodeSources(key, e.season, e.episode)).map((s) => s.language))].sort();
      } catch (err) {
        if (!(err instanceof ProviderNotFound)) throw err; // blocked or down: the job is retried later
      }
      const langs = sql.array(languages, 'text');
      await deps.db.query(sql.unsafe`update episodes set languages_checked_at = now(),
        languages = case when cardinality(${langs}) > 0 then ${langs} else languages end
        where series_id = ${row.id} and season = ${e.season} and episode = ${e.episode}`);
      if (languages.length) found++;
      if (found - announced >= PUBLISH_EVERY) await announce();
    }
  } finally {
    await announce().catch(() => undefined);
  }
  deps.log.info({ key, pages: Math.min(eps.length, PER_JOB), with_languages: found }, 'episode languages read');
  if (eps.length > PER_JOB) await queueEpisodeLanguages(deps, key);
}

export const tasks: TaskFactory = (deps) => ({
  [LANGUAGES_TASK]: async (payload, helpers) => {
    const { key } = Payload.parse(payload);
    await fetchLanguages(deps, key, helpers.abortSignal);
  },
});
