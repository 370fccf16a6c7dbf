import type { HttpClient, HttpResponse } from '../net/httpClient.js';
import type { MediaServer } from './configSchema.js';

/** Where a server is, for logs and errors (never its token). */
export const serverTarget = (s: MediaServer) => `${s.type} at ${new URL(s.url).host}`;

const base = (s: MediaServer) => (s.url.endsWith('/') ? s.url : `${s.url}/`);

async function call(
  http: HttpClient,
  s: MediaServer,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
): Promise<HttpResponse> {
  const res = await http.fetch(url, { ...init, retries: 0 }).catch((err: { code?: string }) => {
    throw new Error(`${serverTarget(s)} failed: ${err.code ?? 'network error'}`);
  });
  if (res.status < 200 || res.status >= 300) throw new Error(`${serverTarget(s)} answered ${res.status}`);
  return res;
}

/** Kodi JSON-RPC: `VideoLibrary.Scan` on each folder (Kodi wants the trailing separator). */
async function kodi(http: HttpClient, s: MediaServer, folders: string[]): Promise<void> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (s.username) headers.Authorization = `Basic ${Buffer.from(`${s.username}:${s.password ?? ''}`).toString('base64')}`;
  for (const [i, folder] of folders.entries()) {
    const directory = /[\\/]$/.test(folder) ? folder : `${folder}${folder.includes('\\') && !folder.includes('/') ? '\\' : '/'}`;
    const res = await call(http, s, new URL('jsonrpc', base(s)).toString(), {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'VideoLibrary.Scan', params: { directory, showdialogs: false }, id: i + 1 }),
    });
    const answer = res.json<{ error?: { message?: string } }>();
    if (answer.error) throw new Error(`${serverTarget(s)} refused the scan: ${answer.error.message ?? 'error'}`);
  }
}

/** Jellyfin and Emby: one `POST /Library/Media/Updated` naming every folder. */
async function jellyfin(http: HttpClient, s: MediaServer, folders: string[]): Promise<void> {
  await call(http, s, new URL('Library/Media/Updated', base(s)).toString(), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Emby-Token': s.token ?? '' },
    body: JSON.stringify({ Updates: folders.map((Path) => ({ Path, UpdateType: 'Created' })) }),
  });
}

interface PlexSections {
  MediaContainer?: { Directory?: { key: string; Location?: { path: string }[] }[] };
}

/** Plex: the library section holding each folder, refreshed by path (token in the X-Plex-Token header). */
async function plex(http: HttpClient, s: MediaServer, folders: string[]): Promise<void> {
  const headers = { Accept: 'application/json', 'X-Plex-Token': s.token ?? '' };
  const sections = (await call(http, s, new URL('library/sections', base(s)).toString(), { method: 'GET', headers })).json<PlexSections>();
  const dirs = sections.MediaContainer?.Directory ?? [];
  const inside = (folder: string, root: string) => {
    const r = root.replace(/[\\/]+$/, '');
    return folder === r || folder.startsWith(`${r}/`) || folder.startsWith(`${r}\\`);
  };
  for (const folder of folders) {
    const section = dirs.find((d) => (d.Location ?? []).some((l) => inside(folder, l.path)));
    if (!section) throw new Error(`${serverTarget(s)} has no library section holding ${folder}`);
    const url = new URL(`library/sections/${encodeURIComponent(section.key)}/refresh`, base(s));
    url.searchParams.set('path', folder);
    await call(http, s, url.toString(), { method: 'GET', headers });
  }
}

/** Tells one media server to rescan the given folders (already in its own paths). */
export function refresh(http: HttpClient, s: MediaServer, folders: string[]): Promise<void> {
  switch (s.type) {
    case 'kodi':
      return kodi(http, s, folders);
    case 'plex':
      return plex(http, s, folders);
    default:
      return jellyfin(http, s, folders);
  }
}
