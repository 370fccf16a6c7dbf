import type { components } from '../../frontend/src/api/schema.gen.ts';

/**
 * JSON a test reads without a schema, as curl would: a response body by default (error envelopes,
 * partial shapes, answers the server should not give), realtime payloads, parsed NFO or YAML
 * documents. Where a shape exists, tests use it (frontend/src/api/types.ts, or pass T).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one loose type, explained above
export type Loose = any;

/** An operation of the served OpenAPI document (GET /api/openapi.json), as far as tests read it. */
export interface DocOperation {
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Loose }[];
  requestBody?: { content?: Record<string, { schema?: Loose }> };
  responses: Record<string, { content?: Record<string, { schema?: Loose }> }>;
}

/** The error envelope every failed request answers with. */
export type ErrorBody = components['schemas']['Error'];

/** A tiny JSON client over fetch for tests: what a user's curl would do. */
export interface Res<T = Loose> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export function client(baseUrl: string, token?: string) {
  async function call<T = Loose>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> {
    const h: Record<string, string> = { ...headers };
    if (token && !('Authorization' in h)) h.Authorization = `Bearer ${token}`;
    if (body !== undefined && typeof body !== 'string') h['Content-Type'] = 'application/json';
    if (typeof body === 'string' && !h['Content-Type']) h['Content-Type'] = 'application/json';
    const res = await fetch(baseUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }
  return {
    get: <T = Loose>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = Loose>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b ?? {}, h),
    put: <T = Loose>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('PUT', p, b ?? {}, h),
    del: <T = Loose>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('DELETE', p, b, h),
    call,
    withToken: (t: string) => client(baseUrl, t),
  };
}

export const ADMIN_PASSWORD = 'Sup3r-Secret!pw';

/** Setup + login: a ready admin client (the setup code only where the client is not local: behind TRUSTED_PROXIES). */
export async function adminClient(baseUrl: string, setupCode?: string) {
  const anon = client(baseUrl);
  const setup = await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD, setup_code: setupCode });
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${setup.text}`);
  const login = await anon.post('/api/auth/login', { password: ADMIN_PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { api: client(baseUrl, login.body.access_token), token: login.body.access_token as string };
}
