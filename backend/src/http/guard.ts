import type { Context, Next } from 'koa';
import type { Deps } from '../deps.js';
import { RateLimited } from '../errors.js';
import { SharedWindow } from './sharedLimits.js';
import { clientIp } from './clientIp.js';
import { API_KEY_PATTERN, type AuthUser } from './credentials.js';

export function bearerToken(ctx: Context): string | null {
  const h = ctx.get('Authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}

/** Feeds for apps that cannot send headers (the iCal feed) carry an API key as `?apikey=`: the only URL credential. */
const KEY_IN_URL = /^\/feed\//i;

function queryKey(ctx: Context): string | null {
  if (!KEY_IN_URL.test(ctx.path)) return null;
  const k = ctx.query.apikey;
  return typeof k === 'string' && k ? k : null;
}

export function authenticate(deps: Pick<Deps, 'sessions' | 'signer'>, token: string | null): AuthUser | null {
  if (!token) return null;
  const verified = deps.signer.verify(token);
  return verified ? deps.sessions.check(verified) : null;
}

/** Paths whose anonymous calls are never counted: the health checks and the API docs. */
const UNCOUNTED = /^\/(api\/)?(health|docs|redoc)(\/|$)/i;

/**
 * Identifies the caller (ctx.state.user: a login token or an API key) and applies the per-address limit to /api and /ws calls
 * without valid credentials. It allows or refuses nothing else: each route's own access check
 * (http/access.ts) decides on the matched route.
 */
export function guard(deps: Pick<Deps, 'env' | 'db' | 'sessions' | 'signer' | 'hooks'>) {
  // in PostgreSQL: every web process on the database shares the one budget per address
  const perOrigin = new SharedWindow(deps.db, 'anon', deps.env.RATE_LIMIT_PER_MINUTE, 60);
  return async (ctx: Context, next: Next) => {
    const token = bearerToken(ctx);
    // an API key in X-Api-Key (the *arr convention), as the bearer token, or (feeds only) as ?apikey=
    const apiKey = ctx.get('X-Api-Key') || (token && API_KEY_PATTERN.test(token) ? token : '') || (queryKey(ctx) ?? '');
    const user = apiKey ? await deps.hooks.verifyApiKey(apiKey) : authenticate(deps, token);
    ctx.state.user = user;
    ctx.state.authFailed = !user && (token !== null || apiKey !== '');
    if (!user && /^\/(api|ws|feed)(\/|$)/i.test(ctx.path) && !UNCOUNTED.test(ctx.path)) {
      // keyed by the client's address: an Origin header is the client's to choose, so it cannot be the key
      const wait = await perOrigin.hit(clientIp(ctx, deps.env.TRUSTED_PROXIES));
      if (wait > 0) throw new RateLimited('Too many requests, try again later', wait);
    }
    return next();
  };
}
