/**
 * The one HTTP client of the UI: bearer token, JSON in and out, the error envelope as ApiError.
 * The access token lasts 15 minutes: it is renewed through the HttpOnly refresh cookie shortly
 * before it expires, and once more when the server answers 401 (then the request is sent again).
 */
import { t, has } from '../i18n/index.ts';
import { session, clearSession, saveSession } from '../stores/session.ts';
import { takeBootRefresh, takeOpeningAnswer, type BootRefresh } from '../bootAnswers.ts';
import { buildUrl } from './firstRequests.ts';

export { buildUrl };

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

/** Called when a request that carried a token is answered with 401 (expired or revoked session). */
let onSessionExpired: () => void = () => undefined;
export function setSessionExpiredHandler(fn: () => void): void {
  onSessionExpired = fn;
}

/** Drops the session and sends the user to the login (which brings them back afterwards). */
export function expireSession(): void {
  if (!session.token) return;
  clearSession();
  onSessionExpired();
}

/** `ok`: a new access token; `ended`: the login session is over (sign in again); `unreachable`: try later. */
export type RefreshOutcome = 'ok' | 'ended' | 'unreachable';
let refreshing: Promise<RefreshOutcome> | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;

/** Keeps the access token, and renews it a minute before it expires. */
export function startSession(token: string, expiresAt: string): void {
  saveSession(token, expiresAt);
  if (refreshTimer) clearTimeout(refreshTimer);
  const wait = Math.max(new Date(expiresAt).getTime() - Date.now() - 60_000, 5_000);
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    if (session.token !== token) return; // logged out or renewed meanwhile
    void refreshSession().then((outcome) => {
      if (outcome === 'ended') expireSession();
    });
  }, wait);
}

/** A new access token from the refresh cookie (one request at a time, whoever asks). */
export function refreshSession(): Promise<RefreshOutcome> {
  refreshing ??= (async (): Promise<RefreshOutcome> => {
    try {
      // the page load's refresh was sent before this code arrived (boot.ts): its answer, once
      const answer = await (takeBootRefresh() ?? askRefresh());
      if (!answer) return 'unreachable';
      if (answer.status === 401) return 'ended';
      const body = answer.body;
      if (!body) return 'unreachable';
      startSession(body.access_token, body.expires_at);
      // a login session exists, so the server is set up; the answer names its account (no second round trip)
      if (body.user) {
        session.user = body.user;
        session.configured = true;
      }
      return 'ok';
    } catch {
      return 'unreachable';
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function askRefresh(): Promise<BootRefresh> {
  const res = await fetch('/api/auth/refresh', { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  return { status: res.status, body: res.ok ? await res.json() : null };
}

/** fetch with the access token; a 401 renews the token once and sends the request again. */
async function authorizedFetch(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
  const token = session.token;
  if (token) init.headers.Authorization = `Bearer ${token}`;
  // the opening page's first request, sent at load with this token (boot.ts)
  const early = token && (init.method ?? 'GET') === 'GET' && !init.body ? takeOpeningAnswer(url, token) : null;
  const res = (early && (await early)) || (await fetch(url, init));
  if (res.status !== 401 || !token || url.startsWith('/api/auth/login') || url.startsWith('/api/auth/refresh')) return res;
  // another request may have renewed it already
  const outcome = token !== session.token && session.token ? 'ok' : await refreshSession();
  if (outcome === 'ok' && session.token)
    return fetch(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${session.token}` } });
  if (outcome === 'ended' && token === session.token) expireSession();
  return res;
}

/** Turns any failed response into an ApiError carrying the envelope's message. */
async function toError(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> | null = null;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  const message =
    (typeof body?.message === 'string' && body.message) ||
    (typeof body?.detail === 'string' && body.detail) ||
    `${res.status} ${res.statusText || 'request failed'}`;
  const code = typeof body?.error === 'string' ? body.error : `HTTP_${res.status}`;
  const details = body?.details && typeof body.details === 'object' ? (body.details as Record<string, unknown>) : {};
  return new ApiError(res.status, code, message, details);
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return (await requestFull<T>(method, path, opts)).data;
}

/** Like request, with the response headers (X-Total-Count of paged lists). */
export async function requestFull<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ data: T; headers: Headers }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await authorizedFetch(buildUrl(path, opts.query), { method, headers, body, signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK_ERROR', 'The server cannot be reached. Check that Aniworld is running.');
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return { data: undefined as T, headers: res.headers };
  const text = await res.text();
  return { data: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

/** Fetches a protected binary (artwork) with the token; null when it does not exist. */
export async function fetchBlob(path: string, signal?: AbortSignal): Promise<Blob | null> {
  const res = await authorizedFetch(path, { headers: {}, signal });
  if (!res.ok) return null;
  return res.blob();
}

/** Sends a file as the request body (uploads); the answer is JSON. */
export async function uploadFile<T>(path: string, file: Blob): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/gzip' };
  const res = await authorizedFetch(path, { method: 'POST', headers, body: file });
  if (!res.ok) throw await toError(res);
  return (await res.json()) as T;
}

/** Downloads a protected file with the token and hands it to the browser as `name`. */
export async function saveFile(path: string, name: string): Promise<void> {
  const res = await authorizedFetch(path, { headers: {} });
  if (!res.ok) throw await toError(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  getFull: <T>(path: string, query?: Query, signal?: AbortSignal) => requestFull<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body: body ?? {}, query }),
  put: <T>(path: string, body?: unknown, query?: Query) => request<T>('PUT', path, { body: body ?? {}, query }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body: body ?? {} }),
  del: <T>(path: string, body?: unknown) => request<T>('DELETE', path, { body }),
};

/**
 * An error code (the envelope's `error`, a realtime message's `code`) in the user's language; the server's own
 * sentence, when it says more, follows on a second line.
 */
export function codeMessage(code: string, serverText?: string | null): string {
  const key = `error.${code}`;
  const text = has(key) ? t(key) : t('error.unknown', { code });
  return serverText && serverText !== code ? `${text}\n${serverText}` : text;
}

/**
 * Why a download failed (a queue item's `error_code`, `download_failed`'s `code`) in the user's language;
 * the server's English text for a code this UI does not know (or none).
 */
export function downloadReason(code: unknown, serverText?: string | null): string {
  const key = `download.reason.${typeof code === 'string' ? code : ''}`;
  return typeof code === 'string' && code && has(key) ? t(key) : (serverText ?? '');
}

/** The message to show for anything thrown by an API call. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError && err.code === 'FORBIDDEN') return t('common.forbidden');
  if (err instanceof ApiError && err.status === 0) return codeMessage(err.code);
  if (err instanceof ApiError) return codeMessage(/^HTTP_\d+$/.test(err.code) ? 'HTTP_ERROR' : err.code, err.message);
  if (err instanceof Error) return err.message;
  return String(err);
}
