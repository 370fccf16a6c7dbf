import { AppError, type ErrorKind } from '../errors.js';

/**
 * Provider errors the user can read. Every provider failure ends in one of these, never in a
 * parse crash:
 * - ProviderBlocked: a challenge page (Cloudflare, DDoS-Guard) or a 403/429.
 *   Message: "ProviderBlocked: aniworld answered with a challenge page".
 * - ProviderChanged: the page no longer has the structure we read; names what was missing.
 * - ProviderUnavailable: 5xx, timeouts, DNS or connection failures.
 * - ProviderNotFound: the provider has no such series/episode (404).
 */
export class ProviderError extends AppError {
  constructor(
    kind: ErrorKind,
    code: string,
    public provider: string,
    message: string,
  ) {
    super(kind, code, message, { provider });
  }
}

export class ProviderBlocked extends ProviderError {
  constructor(provider: string, what = 'a challenge page') {
    super('upstream', 'PROVIDER_BLOCKED', provider, `ProviderBlocked: ${provider} answered with ${what}`);
  }
}

export class ProviderChanged extends ProviderError {
  constructor(
    provider: string,
    public missing: string,
    url?: string,
  ) {
    super(
      'upstream',
      'PROVIDER_CHANGED',
      provider,
      `ProviderChanged: ${provider} page structure changed, missing ${missing}${url ? ` (${url})` : ''}`,
    );
  }
}

/** An answer over its kind's byte cap: refused unread, named like a changed page. */
export class ProviderTooLarge extends ProviderError {
  constructor(provider: string, what: string, limit: number) {
    super(
      'upstream',
      'PROVIDER_CHANGED',
      provider,
      `ProviderChanged: response too large (${provider} ${what} over ${Math.round(limit / 1024)} KiB)`,
    );
  }
}

export class ProviderUnavailable extends ProviderError {
  constructor(provider: string, why: string) {
    super('unavailable', 'PROVIDER_UNAVAILABLE', provider, `ProviderUnavailable: ${provider} ${why}`);
  }
}

export class ProviderNotFound extends ProviderError {
  constructor(provider: string, what: string) {
    super('not_found', 'NOT_FOUND_ERROR', provider, `${provider} has no ${what}`);
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
