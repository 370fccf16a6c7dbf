import type { Deps } from '../deps.js';
import { CancelledError } from './engine/errors.js';
import { dispatch, recoverOrphans } from './queue.js';
import { CANCEL_CHANNEL, RELEASED_CHANNEL } from './runtime.js';

/**
 * Wired in server.ts (after deps.ffmpeg.start(), which runs before the first request, and once
 * that check may run): in worker processes listens for cancellations, resumes downloads whose
 * process died, and re-checks the queue periodically and on config changes.
 */
export async function startDownloads(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'downloads' | 'env' | 'ffmpeg' | 'jobs' | 'log' | 'notifier' | 'settings'>,
): Promise<{ stop(): Promise<void>; interrupt(): void }> {
  if (deps.env.ROLE === 'web') return { stop: async () => undefined, interrupt: () => undefined };
  const rt = deps.downloads;
  const log = deps.log.child({ module: 'downloads' });
  await deps.notifier.listen(CANCEL_CHANNEL, (payload) => {
    const id = (payload as { id?: string })?.id;
    if (id) rt.active.get(id)?.abort(new CancelledError('removed from the queue'));
  });
  // the check in flight, so stop() waits for it (a check must never log after the logger closed)
  let running: Promise<void> | null = null;
  let stopped = false;
  const check = async () => {
    try {
      await recoverOrphans(deps);
      await dispatch(deps);
    } catch (err) {
      if (!stopped) log.warn({ err: (err as Error).message }, 'download queue check failed');
    }
  };
  const tick = async () => {
    if (running || stopped || rt.stopped) return;
    running = check().finally(() => {
      running = null;
    });
    await running;
  };
  await deps.notifier.listen(RELEASED_CHANNEL, () => void tick());
  const offChange = deps.settings.onChange(() => void tick());
  const timer = setInterval(() => void tick(), 10_000);
  timer.unref();
  await tick();
  return {
    interrupt: () => {
      clearInterval(timer);
      rt.stopped = true;
      for (const ac of rt.active.values()) ac.abort(new CancelledError('the process is stopping'));
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      offChange();
      await running;
      await rt.stop();
    },
  };
}
