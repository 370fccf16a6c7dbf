/**
 * The logged-in session. The access token (15 minutes) lives in memory only; the login session
 * itself is the HttpOnly refresh cookie, which no script can read: a reload asks the server for a
 * new access token with it (api/client.ts refreshSession).
 */
import { reactive } from 'vue';

export interface SessionUser {
  id: number;
  username: string;
  role: 'admin' | 'user';
}

// earlier versions kept a long-lived token in web storage: it must not linger there
for (const store of [globalThis.localStorage, globalThis.sessionStorage]) {
  try {
    store?.removeItem('aniworld.session');
  } catch {
    /* storage unavailable */
  }
}

export const session = reactive<{ token: string | null; expiresAt: string | null; user: SessionUser | null; configured: boolean | null }>({
  token: null,
  expiresAt: null,
  user: null,
  configured: null,
});

export function saveSession(token: string, expiresAt: string): void {
  session.token = token;
  session.expiresAt = expiresAt;
}

export function clearSession(): void {
  session.token = null;
  session.expiresAt = null;
  session.user = null;
}

export const isAdmin = () => session.user?.role === 'admin';

/** A queue item the caller may change: an administrator any, a user the ones they queued. */
export const mayChange = (item: { added_by?: number | null }) => isAdmin() || (item.added_by != null && item.added_by === session.user?.id);
