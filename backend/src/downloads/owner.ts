import type { Deps } from '../deps.js';
import { Forbidden } from '../errors.js';
import type { AuthUser } from '../auth/tokens.js';
import * as repo from './repo.js';

/**
 * A `user` may change or remove only the items they queued themselves; items queued by someone
 * else or by the system (rescans, watchlist checks) are an administrator's. Unknown ids pass
 * (the operation answers 404 for them as before).
 */
export async function assertMayChange(deps: Pick<Deps, 'db'>, user: AuthUser, ids: string[]): Promise<void> {
  if (user.role === 'admin' || ids.length === 0) return;
  const foreign = (await repo.ownersOf(deps.db, ids)).filter((o) => o.added_by !== user.id);
  if (foreign.length)
    throw new Forbidden('Only an administrator can change items queued by someone else or by the system', {
      item_ids: foreign.map((o) => o.id),
    });
}

/** Which failed items a retry covers: the listed ones, or every one (admin) / the caller's own (user); null: none. */
export async function retryScope(deps: Pick<Deps, 'db'>, user: AuthUser, ids: string[]): Promise<string[] | null> {
  if (ids.length) {
    await assertMayChange(deps, user, ids);
    return ids;
  }
  if (user.role === 'admin') return [];
  const own = await repo.failedIdsOf(deps.db, user.id);
  return own.length ? [...own] : null;
}
