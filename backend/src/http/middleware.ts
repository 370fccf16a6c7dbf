import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../log.js';
import { scrubUrl } from '../log.js';
import { AppError } from '../errors.js';
import { httpStatusOf } from './errors.js';
import { DatabaseUnavailable, isDbUnreachable, type DbAvailability } from '../db/availability.js';

/** The policy of a document; `scriptSources`: its inline scripts allowed by hash (the UI's boot script). */
const documentCsp = (scriptSources: string[] = []) =>
  [
    "default-src 'self'",
    ["script-src 'self'", ...scriptSources].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'", // the same origin's ws:/wss: included (CSP 3)
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
const CSP = documentCsp();

/** Every response: a JSON answer needs no more than this (nothing in it may run or be framed). */
export const BASE_HEADERS: [string, string][] = [
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
];

/** Documents a browser renders (the UI, the API docs) get the full policy. */
const DOCUMENT_HEADERS: [string, string][] = [
  ['Content-Security-Policy', CSP],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
];

const REQUEST_ID = /^[A-Za-z0-9._-]{8,100}$/;

/** The caller's X-Request-Id when it is sane, else a new one. */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

export function envelope(
  ctx: Context,
  status: number,
  error: string,
  message: string,
  details: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  ctx.status = status;
  ctx.body = { success: false, error, message, details, request_id: ctx.state.requestId ?? '', ...extra };
}

/** One envelope for every error, 404 and 405 included. */
function answerError(ctx: Context, err: unknown, log: Logger, db?: DbAvailability): void {
  if (!(err instanceof AppError) && isDbUnreachable(err)) {
    // PostgreSQL is away: the caller should come back, nothing is wrong with the request
    db?.failed();
    log.warn({ err: (err as Error).message, request_id: ctx.state.requestId, method: ctx.method, path: ctx.path }, 'database unreachable');
    err = new DatabaseUnavailable();
  }
  if (err instanceof AppError) {
    if (err.kind === 'rate_limited' || err instanceof DatabaseUnavailable) ctx.set('Retry-After', String(err.details.retry_after ?? 60));
    return envelope(ctx, httpStatusOf(err), err.code, err.message, err.details, err.extra);
  }
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string };
  const status = e.status ?? e.statusCode ?? 500;
  if (status === 405) return envelope(ctx, 405, 'METHOD_NOT_ALLOWED', `Method ${ctx.method} is not allowed on ${ctx.path}`);
  if (status === 413) {
    ctx.set('Connection', 'close'); // the rest of the body is never read: do not keep the socket
    return envelope(ctx, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
  }
  if (status === 415) return envelope(ctx, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json');
  // the body parser's errors: never echo the body (it may hold a password)
  if (status === 400) return envelope(ctx, 400, 'BAD_REQUEST', 'Request body is not valid JSON (an object or array is expected)');
  if (status < 500 && e.expose) return envelope(ctx, status, 'HTTP_ERROR', e.message ?? 'Request failed');
  log.error({ err, request_id: ctx.state.requestId, method: ctx.method, path: ctx.path }, 'request failed');
  envelope(ctx, 500, 'INTERNAL_ERROR', 'An unexpected error occurred');
}

/**
 * The frame around every request, in one middleware because it runs on every request, the hot
 * ones included: the request id (echoed when sane), security headers, the error envelope, and one
 * access-log line. Successful reads (the UI polls, progress pages refresh) log at debug; changes,
 * client errors and failures at info/warn/error; the line is only built when its level is enabled.
 */
export function requestFrame(log: Logger, accessLog: Logger = log, db?: DbAvailability) {
  return async (ctx: Context, next: Next) => {
    const start = performance.now();
    const id = requestIdFrom(ctx.req.headers['x-request-id']);
    ctx.state.requestId = id;
    const res = ctx.res;
    res.setHeader('X-Request-Id', id);
    for (const [name, value] of BASE_HEADERS) res.setHeader(name, value);
    try {
      await next();
    } catch (err) {
      answerError(ctx, err, log, db);
    }
    if (!res.headersSent && !ctx.response.type.includes('json')) {
      for (const [name, value] of DOCUMENT_HEADERS) res.setHeader(name, value);
      const scripts = ctx.state.scriptSources as string[] | undefined;
      if (scripts?.length) res.setHeader('Content-Security-Policy', documentCsp(scripts));
    }
    const status = ctx.status;
    const read = ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS';
    // a refusal in the normal course of things (ctx.state.quietRefusal: a signed-out browser's page
    // load asks for a session it has not got) is no warning: at debug like a read
    const refused = ctx.state.quietRefusal ? 'debug' : 'warn';
    const level = status >= 500 ? 'error' : status >= 400 ? refused : read ? 'debug' : 'info';
    if (accessLog.isLevelEnabled(level)) {
      const ms = Math.round((performance.now() - start) * 10) / 10;
      accessLog[level](
        { method: ctx.method, url: scrubUrl(ctx.originalUrl), status, ms, request_id: id, user: ctx.state.user?.id },
        'request',
      );
    }
  };
}
