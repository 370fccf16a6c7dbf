import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../log.js';
import { scrubUrl } from '../log.js';
import { AppError } from './errors.js';

export function requestId() {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('X-Request-Id');
    ctx.state.requestId = /^[A-Za-z0-9._-]{8,100}$/.test(incoming) ? incoming : crypto.randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}

export function envelope(ctx: Context, status: number, error: string, message: string, details: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  ctx.status = status;
  ctx.body = { success: false, error, message, details, request_id: ctx.state.requestId ?? '', ...extra };
}

/** One envelope for every error, 404 and 405 included. */
export function errorHandler(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof AppError) {
        if (err.status === 429) ctx.set('Retry-After', String(err.details.retry_after ?? 60));
        envelope(ctx, err.status, err.code, err.message, err.details, err.extra);
        return;
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
  };
}

/**
 * One line per request. Successful reads are the hot path (the UI polls, progress pages refresh):
 * they log at debug; changes, client errors and failures at info/warn/error. The line is only
 * built when its level is enabled.
 */
export function accessLog(log: Logger) {
  return async (ctx: Context, next: Next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const status = ctx.status;
      const read = ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS';
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : read ? 'debug' : 'info';
      if (log.isLevelEnabled(level)) {
        const ms = Math.round((performance.now() - start) * 10) / 10;
        log[level]({ method: ctx.method, url: scrubUrl(ctx.originalUrl), status, ms, request_id: ctx.state.requestId, user: ctx.state.user?.id }, 'request');
      }
    }
  };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Every response: a JSON answer needs no more than this (nothing in it may run or be framed). */
const BASE_HEADERS: [string, string][] = [
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

/**
 * Set straight on the Node response: this runs for every request, and the hot ones are small JSON
 * answers, where each extra header is a measurable share of the work.
 */
export function securityHeaders() {
  return async (ctx: Context, next: Next) => {
    for (const [name, value] of BASE_HEADERS) ctx.res.setHeader(name, value);
    try {
      await next();
    } finally {
      if (!/json/.test(ctx.response.type)) for (const [name, value] of DOCUMENT_HEADERS) ctx.res.setHeader(name, value);
    }
  };
}
