/**
 * The credentials a request carries, as the guard (guard.ts) reads them: the caller it identifies
 * (ctx.state.user) and the shape of an API key. The auth part issues and checks both (auth/tokens.ts,
 * auth/apiKeys.ts); they are defined here so http needs nothing above it.
 */

/** The caller: a login token's user or an API key's owner. */
export interface AuthUser {
  id: number;
  username: string;
  role: 'admin' | 'user';
  jti: string;
  /** The standard `iat` (seconds): revocation by a user's cut-off compares it. */
  iat: number;
  exp: number;
  /** The login session (refresh cookie) the token was issued for. */
  sid?: string;
  /** Set when the caller presented an API key instead of a login token. */
  apiKeyId?: number;
}

/** An API key: `aw_<8 hex>_<43 base64url>` (auth/apiKeys.ts makes them). */
export const API_KEY_PATTERN = /^aw_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;
