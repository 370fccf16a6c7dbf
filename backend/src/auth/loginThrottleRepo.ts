import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/** The login throttle's tables, `login_failures` and `login_known_addresses` (auth/throttle.ts holds the logic). */

export const LoginFailureRow = z.object({ key: z.string(), failures: z.number(), since_last: z.number(), window_left: z.number() });
export type LoginFailureRow = z.infer<typeof LoginFailureRow>;

/** The failure counts of these keys in their current hour, with seconds since the last failure and seconds left in the hour. */
export const recentLoginFailures = (c: Conn, keys: readonly string[]) =>
  c.any(sql.type(LoginFailureRow)`select key, failures,
        extract(epoch from now() - last_at)::float8 as since_last,
        extract(epoch from first_at + interval '1 hour' - now())::float8 as window_left
      from login_failures
      where key = any(${sql.array(keys, 'text')})
        and first_at > now() - interval '1 hour'`);

/** Counts one failure for the key (a new hour starts over at 1). */
export const countLoginFailure = (c: Conn, key: string) =>
  c.query(sql.unsafe`insert into login_failures (key, failures, first_at, last_at) values (${key}, 1, now(), now())
        on conflict (key) do update set
          failures = case when login_failures.first_at <= now() - interval '1 hour' then 1 else login_failures.failures + 1 end,
          first_at = case when login_failures.first_at <= now() - interval '1 hour' then now() else login_failures.first_at end,
          last_at = now()`);

export const clearLoginFailures = (c: Conn, key: string) => c.query(sql.unsafe`delete from login_failures where key = ${key}`);

/** Failure counts whose hour is over. */
export const pruneLoginFailures = (c: Conn) => c.query(sql.unsafe`delete from login_failures where first_at <= now() - interval '1 hour'`);

/** The address logged in to the account successfully just now. */
export const rememberLoginAddress = (c: Conn, account: string, address: string) =>
  c.query(sql.unsafe`insert into login_known_addresses (account, address, last_success_at) values (${account}, ${address}, now())
      on conflict (account, address) do update set last_success_at = now()`);

/** The address logged in to the account successfully in the last 30 days. */
export const isKnownLoginAddress = async (c: Conn, account: string, address: string): Promise<boolean> =>
  (await c.maybeOne(sql.type(z.object({ ok: z.number() }))`select 1 as ok from login_known_addresses
      where account = ${account} and address = ${address} and last_success_at > now() - interval '30 days'`)) !== null;

/** Addresses not seen for 30 days. */
export const pruneKnownLoginAddresses = (c: Conn) =>
  c.query(sql.unsafe`delete from login_known_addresses where last_success_at <= now() - interval '30 days'`);
