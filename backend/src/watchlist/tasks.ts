import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { checkItem } from './checker.js';
import { followFinishedDownload } from './downloads.js';
import { LEGACY_NOTIFY_TASK } from './notify.js';
import { CHECK_TASK, runCheckAll, WATCH_TASK } from './scheduler.js';

const CheckPayload = JOB_PAYLOADS.watchlist_check_item;
const AllPayload = JOB_PAYLOADS.watchlist_check_all;
const FinishedPayload = JOB_PAYLOADS.watchlist_download_finished;

export const tasks: TaskFactory = (deps) => ({
  [WATCH_TASK]: async (payload) => runCheckAll(deps, AllPayload.parse(payload ?? {}).scheduled),
  // A failed check is recorded on the item, not retried: the next interval checks again.
  [CHECK_TASK]: async (payload) => {
    await checkItem(deps, CheckPayload.parse(payload).item_id, { manual: false });
  },
  watchlist_download_finished: async (payload) => followFinishedDownload(deps, FinishedPayload.parse(payload)),
  // queued by an earlier version with the webhook's URL in the payload: dropped (the channel now picks its events)
  [LEGACY_NOTIFY_TASK]: async () => {
    deps.log.info({ module: 'watchlist' }, 'dropped a notification job of an earlier version');
  },
});
