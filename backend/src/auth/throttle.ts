import type { Db } from '../db/pool.js';
import * as repo from './loginThrottleRepo.js';

/** Failures an account may collect in an hour from all addresses together (ASVS V2.2.1). */
export const ACCOUNT_FAILURES_PER_HOUR = 100;
/** The same for one address over all accounts (password spraying). */
export const ADDRESS_FAILURES_PER_HOUR = 100;
const MAX_DELAY_SECONDS = 15 * 60;

/**
 * Login throttling shared by every process through PostgreSQL. Per (account, address): the first
 * `freeFailures` failures cost nothing, then each further attempt waits 30 s, 60 s, 120 s ... (at
 * most 15 min) after the last failure: growing delays, no lock a stranger can set. An account's
 * and an address's failures are capped at 100 an hour; an address that logged in to the account
 * successfully in the last 30 days is never held back by the account's budget.
 */
export class LoginThrottle {
  constructor(
    private db: Db,
    private freeFailures: number,
  ) {}

  private delayAfter(failures: number): number {
    if (failures < this.freeFailures) return 0;
    return Math.min(30 * 2 ** (failures - this.freeFailures), MAX_DELAY_SECONDS);
  }

  /** Seconds the caller must wait before this attempt (0: go ahead). */
  async wait(account: string, address: string): Promise<number> {
    const rows = await repo.recentLoginFailures(this.db, [pairKey(account, address), `account:${account}`, `address:${address}`]);
    let wait = 0;
    for (const r of rows) {
      if (r.key.startsWith('pair:')) wait = Math.max(wait, this.delayAfter(r.failures) - r.since_last);
      else if (r.key.startsWith('address:') && r.failures >= ADDRESS_FAILURES_PER_HOUR) wait = Math.max(wait, r.window_left);
      else if (
        r.key.startsWith('account:') &&
        r.failures >= ACCOUNT_FAILURES_PER_HOUR &&
        !(await repo.isKnownLoginAddress(this.db, account, address))
      ) {
        wait = Math.max(wait, r.window_left);
      }
    }
    return Math.max(0, Math.ceil(wait));
  }

  async failed(account: string, address: string): Promise<void> {
    for (const key of [pairKey(account, address), `account:${account}`, `address:${address}`]) {
      await repo.countLoginFailure(this.db, key);
    }
  }

  async succeeded(account: string, address: string): Promise<void> {
    await repo.clearLoginFailures(this.db, pairKey(account, address));
    await repo.rememberLoginAddress(this.db, account, address);
  }

  /** Housekeeping: old failure counts and addresses not seen for 30 days. */
  async prune(): Promise<void> {
    await repo.pruneLoginFailures(this.db);
    await repo.pruneKnownLoginAddresses(this.db);
  }
}

const pairKey = (account: string, address: string) => `pair:${account}|${address}`;
