import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/** The `signing_keys` table: the keyring of the access tokens (auth/keyring.ts holds the logic). */

export const SigningKeyRow = z.object({ kid: z.string(), secret: z.string(), created_at: z.date() });
export type SigningKeyRow = z.infer<typeof SigningKeyRow>;

/** Every key, oldest first (the newest signs). */
export const signingKeys = (c: Conn) =>
  c.any(sql.type(SigningKeyRow)`select kid, secret, created_at from signing_keys order by created_at, kid`);

/** One rotation at a time over every process (held until the transaction ends). */
export const lockSigningKeys = (c: Conn) => c.query(sql.unsafe`select pg_advisory_xact_lock(hashtext('aniworld:signing_keys'))`);

/** Some key was added less than `seconds` ago. */
export const signingKeyYoungerThan = async (c: Conn, seconds: number): Promise<boolean> =>
  (await c.maybeOneFirst(sql.type(z.object({ fresh: z.boolean() }))`select true as fresh from signing_keys
    where created_at > now() - make_interval(secs => ${seconds}) limit 1`)) === true;

export const insertSigningKey = (c: Conn, kid: string, secret: string) =>
  c.query(sql.unsafe`insert into signing_keys (kid, secret) values (${kid}, ${secret})`);

/** Deletes the keys whose successor took over more than `seconds` ago (no live token names them any more). */
export const deleteRetiredSigningKeys = (c: Conn, seconds: number) =>
  c.query(sql.unsafe`delete from signing_keys k where exists (select 1 from signing_keys n where n.created_at > k.created_at
    and n.created_at < now() - make_interval(secs => ${seconds}))`);
