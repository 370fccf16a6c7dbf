import { AppError } from '../errors.js';

/**
 * Whether the database is reachable, as last seen: the LISTEN link (it reconnects every second
 * while PostgreSQL is away) and the errors of requests. `/health` reads this without a query, so
 * it stays fast and says `unhealthy` while PostgreSQL is unreachable.
 */
export class DbAvailability {
  private lastFailure = -Infinity;

  /** `linkUp`: the LISTEN link's state (Notifier.connected). */
  constructor(
    private readonly linkUp: () => boolean,
    private readonly graceMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A query failed because the database could not be reached. */
  failed(): void {
    this.lastFailure = this.now();
  }

  get healthy(): boolean {
    return this.linkUp() && this.now() - this.lastFailure > this.graceMs;
  }
}

const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Connection ended unexpectedly|server closed the connection unexpectedly/i;
// SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now)
const CONNECTION_SQLSTATE = /^(08...|57P0[123])$/;

/** True when `err` (or its cause chain) says the database could not be reached, not that a query was wrong. */
export function isDbUnreachable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e.name === 'ConnectionError' || e.name === 'BackendTerminatedError') return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (CONNECTION_CODES.has(code) || CONNECTION_SQLSTATE.test(code)) return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

export const DB_RETRY_AFTER_SECONDS = 5;

export class DatabaseUnavailable extends AppError {
  constructor() {
    super('unavailable', 'SERVICE_UNAVAILABLE', 'The database is unreachable; try again shortly', { retry_after: DB_RETRY_AFTER_SECONDS });
  }
}
