/**
 * The answers boot.ts (inlined in the built index.html) asked for at load, taken once by the app:
 * the session's refresh and the opening page's first data request. Without the inlined script (the
 * dev server, tests importing the client) there are none and the app asks itself.
 */
export interface RefreshAnswer {
  access_token: string;
  expires_at: string;
  user?: { id: number; username: string; role: 'admin' | 'user' };
}
/** The refresh's status and, when it succeeded, its answer; null when the server could not be reached. */
export type BootRefresh = { status: number; body: RefreshAnswer | null } | null;

export interface BootState {
  refresh: Promise<BootRefresh> | null;
  opening: { url: string; token: string; answer: Promise<Response | null> } | null;
}

/** The global the inlined script leaves its state in (a script of its own shares no module with the app). */
export const BOOT_GLOBAL = '__aniworldBoot';

const state = (): BootState | undefined => (globalThis as Record<string, unknown>)[BOOT_GLOBAL] as BootState | undefined;

/** The refresh sent at load (once; later callers get null and ask themselves). */
export function takeBootRefresh(): Promise<BootRefresh> | null {
  const s = state();
  if (!s) return null;
  const r = s.refresh;
  s.refresh = null;
  return r;
}

/** The opening request's answer when `url` is that request sent with `token` (once, and only by the opening page). */
export function takeOpeningAnswer(url: string, token: string): Promise<Response | null> | null {
  const s = state();
  if (!s?.opening || s.opening.url !== url || s.opening.token !== token) return null;
  const { answer } = s.opening;
  s.opening = null;
  return answer;
}

/**
 * A navigation after the opening one: an answer its page did not take (it redirected elsewhere)
 * is old by now, and another page asking the same URL later asks again.
 */
export function dropOpeningAnswer(): void {
  const s = state();
  if (s) s.opening = null;
}
