import type { Db } from '../db/pool.js';
import { sql } from '../db/pool.js';
import type { Notifier } from '../db/notify.js';
import type { Logger } from '../log.js';
import * as repo from './repo.js';
import type { AuthUser } from './tokens.js';
import { ACCESS_TOKEN_SECONDS, CLOCK_SKEW_SECONDS } from './keyring.js';

const CHANNEL = 'aniworld_auth';

interface UserState {
  role: 'admin' | 'user';
  username: string;
  validAfter: number;
  keepJti: string | null;
}

type AuthChange = { kind: 'revoke'; jti: string; exp: number } | { kind: 'user'; id: number };

/**
 * Token checks without a database round trip: revocations and each user's token cut-off live
 * in memory, loaded at start and kept current across processes through NOTIFY.
 */
export class Sessions {
  private revoked = new Map<string, number>(); // jti → expiry (ms)
  private users = new Map<number, UserState>();
  private changeListeners = new Set<() => void>();

  constructor(
    private db: Db,
    private notifier: Notifier,
    private log: Logger,
  ) {}

  async start(): Promise<void> {
    // a change read while the database is away is read again: the link's reconnect reloads all
    const kept = (err: unknown) => this.log.warn({ err: (err as Error).message }, 'sign-in state not reloaded; the reconnect will');
    await this.notifier.listen(CHANNEL, (p) => void this.apply(p as AuthChange).catch(kept));
    this.notifier.onReconnect(() => void this.reload().catch(kept));
    await this.reload();
  }

  async reload(): Promise<void> {
    const [revs, users] = await Promise.all([repo.activeRevocations(this.db), repo.listUsers(this.db)]);
    this.revoked = new Map(revs.map((r) => [r.jti, r.expires_at.getTime()]));
    this.users = new Map(users.map((u) => [u.id, this.stateOf(u)]));
    this.changed();
  }

  private stateOf(u: repo.UserRow): UserState {
    return { role: u.role, username: u.username, validAfter: u.tokens_valid_after, keepJti: u.keep_jti };
  }

  private async apply(change: AuthChange): Promise<void> {
    if (change.kind === 'revoke') {
      this.revoked.set(change.jti, change.exp);
    } else {
      const u = await repo.findUserById(this.db, change.id);
      if (u) this.users.set(u.id, this.stateOf(u));
      else this.users.delete(change.id);
    }
    this.changed();
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  /** Called after any revocation or user change (sockets re-check their tokens). */
  onChange(listener: () => void): void {
    this.changeListeners.add(listener);
  }

  /** Is this verified token still good? Role and name come from the live user, not the token. */
  check(user: AuthUser): AuthUser | null {
    if (user.exp * 1000 <= Date.now()) return null;
    if (this.revoked.has(user.jti) || (user.sid && this.revoked.has(user.sid))) return null;
    const state = this.users.get(user.id);
    if (!state) return null;
    // the standard iat has whole seconds: a token issued in the second of the cut-off stays good
    if (user.iat < Math.floor(state.validAfter / 1000) && user.jti !== state.keepJti) return null;
    return { ...user, role: state.role, username: state.username };
  }

  /** Revokes a token, and with `sid` every token issued for that login session. */
  async revoke(user: AuthUser, sid?: string): Promise<void> {
    await this.revokeIds(user.id, [user.jti], user.exp * 1000);
    if (sid) await this.endSessions(user.id, [sid]);
  }

  /** Revokes every access token issued for these login sessions (kept until the last of them has expired). */
  async endSessions(userId: number, sids: readonly string[]): Promise<void> {
    await this.revokeIds(userId, sids, Date.now() + (ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS) * 1000);
  }

  private async revokeIds(userId: number, ids: readonly string[], exp: number): Promise<void> {
    for (const id of ids) {
      await repo.insertRevocation(this.db, id, userId, new Date(exp));
      this.revoked.set(id, exp);
      await this.notify({ kind: 'revoke', jti: id, exp });
    }
    this.changed();
  }

  /** After a user row changed (password, role, deletion). */
  async userChanged(id: number): Promise<void> {
    await this.apply({ kind: 'user', id });
    await this.notify({ kind: 'user', id });
  }

  prune(): void {
    const now = Date.now();
    for (const [jti, exp] of this.revoked) if (exp <= now) this.revoked.delete(jti);
  }

  private async notify(change: AuthChange): Promise<void> {
    try {
      await this.db.query(sql.unsafe`select pg_notify(${CHANNEL}, ${JSON.stringify(change)})`);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not notify other processes of an auth change');
    }
  }
}
