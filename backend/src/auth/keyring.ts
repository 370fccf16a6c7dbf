import crypto from 'node:crypto';
import { sql, type Db } from '../db/pool.js';
import type { Notifier } from '../db/notify.js';
import type { Logger } from '../log.js';
import * as repo from './signingKeysRepo.js';

/** An access token's whole life: the UI renews it through the refresh cookie. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
/** A new signing key takes over after this long. */
export const KEY_ROTATION_DAYS = 7;
/** Clocks of processes sharing the database may differ a little. */
export const CLOCK_SKEW_SECONDS = 60;

const CHANNEL = 'aniworld_keys';

interface Key {
  kid: string;
  key: crypto.KeyObject;
  createdAt: number;
  /** When the next key took over (null: this one signs). */
  retiredAt: number | null;
}

/**
 * The signing keys of the access tokens, in PostgreSQL so every process sharing the database signs
 * and verifies alike. The newest key signs; an older one verifies only while tokens it signed can
 * still be alive (ACCESS_TOKEN_SECONDS after it was retired), and is deleted afterwards. Rotation is
 * checked at start and hourly; every process hears of a new key through NOTIFY.
 */
export class Keyring {
  private keys = new Map<string, Key>();
  private current: Key | null = null;
  private timer: NodeJS.Timeout | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private db: Db,
    private notifier: Notifier,
    private log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.notifier.listen(
      CHANNEL,
      () => void this.reload().catch((err) => this.log.warn({ err: (err as Error).message }, 'could not reload the signing keys')),
    );
    this.notifier.onReconnect(() => void this.reload().catch(() => undefined));
    await this.rotateIfDue();
    this.timer = setInterval(
      () => void this.rotateIfDue().catch((err) => this.log.warn({ err: (err as Error).message }, 'signing key rotation failed')),
      3600_000,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Called when the set of keys changed (cached verifications must be checked again). */
  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  async reload(): Promise<void> {
    const rows = await repo.signingKeys(this.db);
    const keys = new Map<string, Key>();
    let previous: Key | null = null;
    for (const r of rows) {
      const k: Key = {
        kid: r.kid,
        key: crypto.createSecretKey(Buffer.from(r.secret, 'base64url')),
        createdAt: r.created_at.getTime(),
        retiredAt: null,
      };
      if (previous) previous.retiredAt = k.createdAt;
      keys.set(k.kid, k);
      previous = k;
    }
    this.keys = keys;
    this.current = previous;
    for (const l of this.listeners) l();
  }

  /** The key that signs new tokens. */
  signingKey(): { kid: string; key: crypto.KeyObject } {
    if (!this.current) throw new Error('the keyring has not been loaded');
    return this.current;
  }

  /** The key a token's `kid` names, while tokens it signed can still be alive. */
  verifyingKey(kid: string): crypto.KeyObject | null {
    const k = this.keys.get(kid);
    if (!k) return null;
    if (k.retiredAt !== null && k.retiredAt + (ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS) * 1000 <= Date.now()) return null;
    return k.key;
  }

  /** A new key when the newest is older than KEY_ROTATION_DAYS (or there is none). */
  async rotateIfDue(): Promise<void> {
    await this.reload();
    if (this.current && this.current.createdAt > Date.now() - KEY_ROTATION_DAYS * 86400_000) return;
    await this.rotate(KEY_ROTATION_DAYS);
  }

  /**
   * Adds a new signing key unless another process just did (its newest key younger than
   * `unlessYoungerThanDays`; 0 always rotates), and deletes keys no live token can name any more.
   */
  async rotate(unlessYoungerThanDays = 0): Promise<void> {
    const added = await this.db.transaction(async (tx) => {
      await repo.lockSigningKeys(tx);
      if (unlessYoungerThanDays > 0 && (await repo.signingKeyYoungerThan(tx, unlessYoungerThanDays * 86400))) return false;
      await repo.insertSigningKey(tx, crypto.randomBytes(8).toString('hex'), crypto.randomBytes(32).toString('base64url'));
      // a key whose successor took over longer ago than any token lives verifies nothing any more
      await repo.deleteRetiredSigningKeys(tx, ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS);
      await tx.query(sql.unsafe`select pg_notify(${CHANNEL}, '{}')`);
      return true;
    });
    await this.reload();
    if (added) this.log.info({ kid: this.current?.kid }, 'new signing key for access tokens');
  }
}
