import type { Context, Middleware, Next } from 'koa';
import { BadRequest, Forbidden, Unauthorized } from '../errors.js';
import type { AuthUser } from './credentials.js';

/** Who may call a route: anyone, any logged-in account, or an administrator. */
export type Access = 'public' | 'user' | 'admin';
export const ACCESS_LEVELS: readonly Access[] = ['public', 'user', 'admin'];

const ACCESS = Symbol('access');
type AccessMiddleware = Middleware & { [ACCESS]: Access };

/** The role a route's middleware chain declares (undefined: the route declares none). */
export function accessOf(stack: readonly unknown[]): Access | undefined {
  const first = stack[0] as Partial<AccessMiddleware> | undefined;
  return first?.[ACCESS];
}

/** A separator, a dot segment or a NUL inside one path parameter: never a name the product made. */
function badParam(value: string): boolean {
  return /[/\\\0]/.test(value) || value === '.' || value === '..';
}

/**
 * The one permission check, first in every route's chain, so it decides on the route Koa matched
 * (never on a path normalised separately). Parameters holding an encoded separator or `..` are
 * refused before anything else runs.
 */
export function requireAccess(access: Access): AccessMiddleware {
  if (!ACCESS_LEVELS.includes(access)) throw new Error(`unknown access level '${String(access)}'`);
  const mw = (async (ctx: Context, next: Next) => {
    for (const value of Object.values((ctx.params ?? {}) as Record<string, string>)) {
      if (typeof value === 'string' && badParam(value))
        throw new BadRequest('A path parameter may not contain a separator or a dot segment');
    }
    if (access !== 'public') {
      const user = ctx.state.user as AuthUser | null | undefined;
      if (!user) throw new Unauthorized(ctx.state.authFailed ? 'Invalid or expired token' : 'Authentication required');
      if (access === 'admin' && user.role !== 'admin') throw new Forbidden('Only an administrator can do this');
    }
    return next();
  }) as AccessMiddleware;
  mw[ACCESS] = access;
  return mw;
}

/** For the OpenAPI descriptions: who may call an operation. */
export function accessText(access: Access): string {
  if (access === 'public') return 'Access: public (no login needed).';
  if (access === 'user') return 'Access: any logged-in account (role `user` or `admin`).';
  return 'Access: administrators only (role `admin`); a `user` gets 403 FORBIDDEN.';
}
