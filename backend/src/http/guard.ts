import type { Context, Next } from 'koa';
import type { Deps } from '../deps.js';
import { Unauthorized, BadRequest, RateLimited } from './errors.js';
import { WindowCounter } from './rateLimit.js';
import { clientIp } from './clientIp.js';
import type { AuthUser } from '../auth/tokens.js';

/** Decodes, collapses `//`, resolves `.`/`..`, drops a trailing slash, lower-cases. */
export function normalisePath(raw: string): string {
  const out: string[] = [];
  for (const seg of raw.replace(/\\/g, '/').split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(seg);
    } catch {
      throw new BadRequest('Malformed path');
    }
    if (s.includes('/') || s.includes('\\')) {
      // an encoded separator: treat its parts as segments too
      for (const part of s.split(/[\\/]/)) apply(part);
    } else apply(s);
  }
  function apply(s: string) {
    if (s === '' || s === '.') return;
    if (s === '..') out.pop();
    else out.push(s.toLowerCase());
  }
  return '/' + out.join('/');
}

interface PublicRule {
  methods?: string[];
  pattern: RegExp;
}

/** The spec's public list, matched on the normalised path alone (never the query string). */
const PUBLIC: PublicRule[] = [
  { pattern: /^\/api\/auth\/(setup|login|status|logout)$/ },
  { pattern: /^\/api\/health(\/detailed)?$/ },
  { pattern: /^\/api\/(docs|redoc)(\/.*)?$/ },
  { pattern: /^\/api\/openapi\.json$/ },
  { methods: ['GET', 'POST', 'HEAD', 'OPTIONS'], pattern: /^\/api\/anime\/search$/ },
  { methods: ['GET', 'HEAD'], pattern: /^\/api\/anime\/(?!status$|search$)[^/]+$/ },
];

export function isPublic(method: string, normalised: string): boolean {
  return PUBLIC.some((r) => (!r.methods || r.methods.includes(method)) && r.pattern.test(normalised));
}

export function bearerToken(ctx: Context): string | null {
  const h = ctx.get('Authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}

export function authenticate(deps: Deps, token: string | null): AuthUser | null {
  if (!token) return null;
  const verified = deps.signer.verify(token);
  return verified ? deps.sessions.check(verified) : null;
}

/**
 * Identifies the caller, enforces the public list for /api, and applies the per-origin limit to
 * requests without a valid token (static assets, health and artwork are never counted).
 */
export function guard(deps: Deps) {
  const perOrigin = new WindowCounter(deps.env.RATE_LIMIT_PER_MINUTE, 60_000);
  return async (ctx: Context, next: Next) => {
    const user = authenticate(deps, bearerToken(ctx));
    ctx.state.user = user;
    const lower = ctx.path.toLowerCase();
    const isApi = lower.startsWith('/api') || lower.startsWith('//') || lower.includes('%') || lower.includes('\\');
    if (!isApi && !lower.startsWith('/ws/')) return next();
    const path = normalisePath(ctx.path);
    if (!path.startsWith('/api') && !path.startsWith('/ws/')) return next();
    if (!user && !path.startsWith('/api/docs') && !path.startsWith('/api/redoc') && !path.startsWith('/api/health')) {
      // keyed by the client's address: an Origin header is the client's to choose, so it cannot be the key
      const wait = perOrigin.hit(clientIp(ctx, deps.env.TRUSTED_PROXIES));
      if (wait > 0) throw new RateLimited('Too many requests, try again later', wait);
    }
    if (path.startsWith('/api') && !user && !isPublic(ctx.method, path)) {
      throw new Unauthorized(bearerToken(ctx) ? 'Invalid or expired token' : 'Authentication required');
    }
    return next();
  };
}
