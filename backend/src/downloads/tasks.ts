import type { Deps } from '../deps.js';
import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { runDownload } from './job.js';
import { queueMissing } from './auto.js';
import { trimCompletedItems } from './service.js';

const DownloadPayload = JOB_PAYLOADS.download_episode;
const MissingPayload = JOB_PAYLOADS.downloads_queue_missing;

/**
 * `download_episode {id}`: one queue item. `downloads_queue_missing {keys?}`: queue missing episodes. `queue_trim`: completed items leave.
 */
export const tasks: TaskFactory = (
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'downloads' | 'env' | 'ffmpeg' | 'jobs' | 'log' | 'providers' | 'settings'>,
) => ({
  download_episode: async (payload, helpers) => {
    const p = DownloadPayload.safeParse(payload);
    if (!p.success) {
      deps.log.warn({ payload }, 'download_episode: bad payload ignored');
      return;
    }
    await runDownload(deps, p.data.id, helpers.abortSignal);
  },
  queue_trim: async () => {
    const n = await trimCompletedItems(deps);
    if (n) deps.log.info({ module: 'downloads', removed: n }, 'completed items left the queue for the history');
  },
  downloads_queue_missing: async (payload) => {
    const p = MissingPayload.safeParse(payload ?? {});
    await queueMissing(deps, p.success ? p.data.keys : undefined);
  },
});
