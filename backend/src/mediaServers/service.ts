import type { Deps } from '../deps.js';
import { refresh, serverTarget } from './clients.js';
import { mapPath } from './pathMap.js';
import * as repo from './repo.js';

export const REFRESH_TASK = 'media_refresh';

/**
 * A series folder got a new file: each enabled media server gets the folder in its batch, and one
 * `media_refresh` job per server (keyed, so files placed within `batch_seconds` share it) runs
 * after the batch time.
 */
export async function queueMediaRefresh(deps: Pick<Deps, 'db' | 'jobs' | 'settings' | 'clock'>, folder: string): Promise<void> {
  const cfg = deps.settings.get().media_servers;
  for (const s of cfg.servers) {
    if (!s.enabled) continue;
    await repo.addPending(deps.db, s.id, folder);
    await deps.jobs.add(
      REFRESH_TASK,
      { server_id: s.id },
      {
        jobKey: `${REFRESH_TASK}:${s.id}`,
        jobKeyMode: 'preserve_run_at',
        maxAttempts: 5,
        runAt: new Date(deps.clock.now().getTime() + cfg.batch_seconds * 1000),
      },
    );
  }
}

/** Never lets a media server break the download that triggered it. */
export function queueMediaRefreshSafely(deps: Pick<Deps, 'db' | 'jobs' | 'settings' | 'clock' | 'log'>, folder: string): Promise<void> {
  return queueMediaRefresh(deps, folder).catch((err) =>
    deps.log.error({ module: 'media_servers', err: (err as Error).message }, 'could not queue a media-server refresh'),
  );
}

/** The `media_refresh` task: every waiting folder of one server in one refresh; on failure they wait again (retried). */
export async function runRefresh(deps: Pick<Deps, 'db' | 'settings' | 'log' | 'outbound'>, serverId: string): Promise<void> {
  const log = deps.log.child({ module: 'media_servers' });
  const server = deps.settings.get().media_servers.servers.find((s) => s.id === serverId);
  const folders = await repo.takePending(deps.db, serverId);
  if (!server || !server.enabled || folders.length === 0) return;
  const mapped = folders.map((f) => mapPath(f, server.path_map));
  try {
    await refresh(deps.outbound, server, mapped);
  } catch (err) {
    for (const f of folders) await repo.addPending(deps.db, serverId, f);
    throw err;
  }
  log.info({ server: server.id, target: serverTarget(server), folders: mapped.length }, 'media server refreshed');
}
