/** The logged-in session: token kept in localStorage (remember me) or sessionStorage (this tab only). */
import { reactive } from 'vue';

const KEY = 'aniworld.session';

export interface SessionUser {
  id: number;
  username: string;
  role: 'admin' | 'user';
}

interface Stored {
  token: string;
  expiresAt: string;
}

function load(): Stored | null {
  for (const store of [sessionStorage, localStorage]) {
    try {
      const raw = store.getItem(KEY);
      if (!raw) continue;
      const parsed = JSON.parse(raw) as Stored;
      if (parsed.token && new Date(parsed.expiresAt).getTime() > Date.now()) return parsed;
      store.removeItem(KEY);
    } catch {
      store.removeItem(KEY);
    }
  }
  return null;
}

const initial = load();

export const session = reactive<{ token: string | null; expiresAt: string | null; user: SessionUser | null; configured: boolean | null }>({
  token: initial?.token ?? null,
  expiresAt: initial?.expiresAt ?? null,
  user: null,
  configured: null,
});

export function saveSession(token: string, expiresAt: string, remember: boolean): void {
  session.token = token;
  session.expiresAt = expiresAt;
  const value = JSON.stringify({ token, expiresAt });
  (remember ? localStorage : sessionStorage).setItem(KEY, value);
  (remember ? sessionStorage : localStorage).removeItem(KEY);
}

export function clearSession(): void {
  session.token = null;
  session.expiresAt = null;
  session.user = null;
  localStorage.removeItem(KEY);
  sessionStorage.removeItem(KEY);
}

export const isAdmin = () => session.user?.role === 'admin';

/** A queue item the caller may change: an administrator any, a user the ones they queued. */
export const mayChange = (item: { added_by?: number | null }) => isAdmin() || (item.added_by != null && item.added_by === session.user?.id);
