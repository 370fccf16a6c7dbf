import type { Deps } from '../deps.js';
import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { getProvider } from '../providers/registry.js';
import { ProviderNotFound } from '../providers/errors.js';
import * as repo from './repo.js';
import { episodesWithUnknownLanguages, recordPageLanguages, seriesWithUnknownLanguages } from './languagesRepo.js';

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

export async function queueEpisodeLanguages(deps: Pick<Deps, 'jobs'>, key: string): Promise<void> {
  await deps.jobs.add(
    LANGUAGES_TASK,
    { key },
    { jobKey: `${LANGUAGES_TASK}:${key}`, queueName: LANGUAGES_TASK, priority: 10, maxAttempts: 3 },
  );
}

/** Queues the job for every series (or the given ones) with missing episodes of unknown languages. */
export async function queueUnknownLanguages(deps: Pick<Deps, 'db' | 'jobs'>, keys?: string[]): Promise<string[]> {
  const found = await seriesWithUnknownLanguages(deps.db, keys);
  for (const key of found) await queueEpisodeLanguages(deps, key);
  return [...found];
}

async function fetchLanguages(
  deps: Pick<Deps, 'db' | 'settings' | 'log' | 'bus' | 'jobs' | 'providers'>,
  key: string,
  signal?: AbortSignal,
): Promise<void> {
  const row = await repo.seriesByKey(deps.db, key);
  if (!row) return; // removed meanwhile
  const eps = await episodesWithUnknownLanguages(deps.db, row.id, PER_JOB + 1);
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
      await recordPageLanguages(deps.db, row.id, e.season, e.episode, languages);
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
