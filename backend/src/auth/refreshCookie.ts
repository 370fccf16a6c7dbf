import type { Context } from 'koa';
import { viaTrustedProxy } from '../http/clientIp.js';

export const REFRESH_COOKIE = 'aniworld_refresh';
/** The only path the browser sends the cookie to. */
export const REFRESH_PATH = '/api/auth/refresh';

/**
 * The refresh token travels only in this cookie: HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page makes the browser send it), limited to the refresh route, Secure when the
 * request came over HTTPS. Without "remember me" it is a session cookie (gone with the browser).
 */
export function setRefreshCookie(ctx: Context, trusted: readonly string[], token: string, persistentUntil: Date | null): void {
  const secure = overHttps(ctx, trusted);
  ctx.cookies.secure = secure;
  ctx.cookies.set(REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: REFRESH_PATH,
    secure,
    overwrite: true,
    ...(persistentUntil ? { expires: persistentUntil } : {}),
  });
}

export function clearRefreshCookie(ctx: Context, trusted: readonly string[]): void {
  const secure = overHttps(ctx, trusted);
  ctx.cookies.secure = secure;
  ctx.cookies.set(REFRESH_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    path: REFRESH_PATH,
    secure,
    overwrite: true,
    expires: new Date(0),
  });
}

/** TLS here, or at a trusted reverse proxy that says so in X-Forwarded-Proto. */
function overHttps(ctx: Context, trusted: readonly string[]): boolean {
  if (ctx.secure) return true;
  return viaTrustedProxy(ctx.req, trusted) && ctx.get('X-Forwarded-Proto').split(',')[0]!.trim().toLowerCase() === 'https';
}

export const refreshCookie = (ctx: Context): string | null => ctx.cookies.get(REFRESH_COOKIE) || null;
