import type { Deps } from '../deps.js';
import { hosterHealth } from './attemptLog.js';

/**
 * Each hoster's recent outcomes, from the downloads domain's attempts (every source tried is one
 * attempt): success rate, last error, last success, over the last `HEALTH_WINDOW_DAYS`.
 * A hoster is unhealthy when at least `MIN_ATTEMPTS` attempts in the window mostly failed; with
 * `providers.healthy_hosters_first` the unhealthy ones are tried last (the hoster order otherwise kept).
 */
export const HEALTH_WINDOW_DAYS = 7;
const MIN_ATTEMPTS = 2;

export interface HosterHealth {
  hoster: string;
  attempts: number;
  completed: number;
  failed: number;
  /** completed / (completed + failed) in the window; null without finished attempts. */
  success_rate: number | null;
  last_error: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  healthy: boolean;
}

/** `provider`: only the attempts of that site's series (else every site's). */
export async function recentHosterHealth(deps: Pick<Deps, 'db' | 'clock'>, provider?: string): Promise<HosterHealth[]> {
  const since = new Date(deps.clock.now().getTime() - HEALTH_WINDOW_DAYS * 86_400_000);
  const rows = await hosterHealth(deps, { since, provider });
  return rows.map((r) => {
    const finished = r.completed + r.failed;
    const rate = finished ? Math.round((r.completed / finished) * 1000) / 1000 : null;
    return {
      hoster: r.hoster,
      attempts: r.attempts,
      completed: r.completed,
      failed: r.failed,
      success_rate: rate,
      last_error: r.last_error,
      last_success_at: r.last_success_at?.toISOString() ?? null,
      last_failure_at: r.last_failure_at?.toISOString() ?? null,
      healthy: rate === null || finished < MIN_ATTEMPTS || rate >= 0.5,
    };
  });
}

/** Lower-case names of the hosters to try last, when the setting asks for it (else none). */
export async function unhealthyHosters(deps: Pick<Deps, 'db' | 'clock' | 'settings'>): Promise<Set<string>> {
  if (!deps.settings.get().providers.healthy_hosters_first) return new Set();
  return new Set((await recentHosterHealth(deps)).filter((h) => !h.healthy).map((h) => h.hoster.toLowerCase()));
}
