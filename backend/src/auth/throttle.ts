import { z } from 'zod';
import { sql, type Db } from '../db/pool.js';

/** Failures an account may collect in an hour from all addresses together (ASVS V2.2.1). */
export const ACCOUNT_FAILURES_PER_HOUR = 100;
/** The same for one address over all accounts (password spraying). */
export const ADDRESS_FAILURES_PER_HOUR = 100;
const MAX_DELAY_SECONDS = 15 * 60;

const Row = z.object({ key: z.string(), failures: z.number(), since_last: z.number(), window_left: z.number() });

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
    const rows = await this.db.any(sql.type(Row)`select key, failures,
        extract(epoch from now() - last_at)::float8 as since_last,
        extract(epoch from first_at + interval '1 hour' - now())::float8 as window_left
      from login_failures
      where key = any(${sql.array([pairKey(account, address), `account:${account}`, `address:${address}`], 'text')})
        and first_at > now() - interval '1 hour'`);
    let wait = 0;
    for (const r of rows) {
      if (r.key.startsWith('pair:')) wait = Math.max(wait, this.delayAfter(r.failures) - r.since_last);
      else if (r.key.startsWith('address:') && r.failures >= ADDRESS_FAILURES_PER_HOUR) wait = Math.max(wait, r.window_left);
      else if (r.key.startsWith('account:') && r.failures >= ACCOUNT_FAILURES_PER_HOUR && !(await this.known(account, address))) {
        wait = Math.max(wait, r.window_left);
      }
    }
    return Math.max(0, Math.ceil(wait));
  }

  async failed(account: string, address: string): Promise<void> {
    for (const key of [pairKey(account, address), `account:${account}`, `address:${address}`]) {
      await this.db.query(sql.unsafe`insert into login_failures (key, failures, first_at, last_at) values (${key}, 1, now(), now())
        on conflict (key) do update set
          failures = case when login_failures.first_at <= now() - interval '1 hour' then 1 else login_failures.failures + 1 end,
          first_at = case when login_failures.first_at <= now() - interval '1 hour' then now() else login_failures.first_at end,
          last_at = now()`);
    }
  }

  async succeeded(account: string, address: string): Promise<void> {
    await this.db.query(sql.unsafe`delete from login_failures where key = ${pairKey(account, address)}`);
    await this.db
      .query(sql.unsafe`insert into login_known_addresses (account, address, last_success_at) values (${account}, ${address}, now())
      on conflict (account, address) do update set last_success_at = now()`);
  }

  /** Housekeeping: old failure counts and addresses not seen for 30 days. */
  async prune(): Promise<void> {
    await this.db.query(sql.unsafe`delete from login_failures where first_at <= now() - interval '1 hour'`);
    await this.db.query(sql.unsafe`delete from login_known_addresses where last_success_at <= now() - interval '30 days'`);
  }

  private async known(account: string, address: string): Promise<boolean> {
    return (
      (await this.db.maybeOne(sql.type(z.object({ ok: z.number() }))`select 1 as ok from login_known_addresses
      where account = ${account} and address = ${address} and last_success_at > now() - interval '30 days'`)) !== null
    );
  }
}

const pairKey = (account: string, address: string) => `pair:${account}|${address}`;
