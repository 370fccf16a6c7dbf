/** One typed function per endpoint the UI uses. */
import { http, saveFile, uploadFile } from './client.ts';
import type { NfoBatch } from './nfoBatch.ts';
import type * as T from './types.ts';

const enc = encodeURIComponent;

export const authApi = {
  status: () => http.get<T.AuthStatus>('/api/auth/status'),
  setup: (body: { master_password: string; anime_directory?: string; tmdb_api_key?: string; username?: string; setup_code?: string }) =>
    http.post<{ status: string }>('/api/auth/setup', body),
  login: (body: { password: string; remember: boolean; username?: string }) => http.post<T.LoginResponse>('/api/auth/login', body),
  logout: () => http.post<{ status: string }>('/api/auth/logout'),
};

export const apiKeysApi = {
  list: () => http.get<T.ApiKey[]>('/api/auth/api-keys'),
  create: (name: string) => http.post<T.ApiKey & { key: string }>('/api/auth/api-keys', { name }),
  revoke: (id: number) => http.del<void>(`/api/auth/api-keys/${id}`),
};

export interface LibraryQuery {
  page?: number;
  per_page?: number;
  sort_by?: string;
  filter?: string;
  /** Server-side search of name, folder and key. */
  q?: string;
}

export const animeApi = {
  status: () => http.get<{ directory: string | null; series_count: number }>('/api/anime/status'),
  /** One page of the library and the total count the server reports. */
  list: async (q: LibraryQuery, signal?: AbortSignal) => {
    const { data, headers } = await http.getFull<T.SeriesSummary[]>('/api/anime', { ...q }, signal);
    const total = Number(headers.get('X-Total-Count'));
    return { items: data, total: Number.isFinite(total) && headers.has('X-Total-Count') ? total : null };
  },
  search: (query: string) => http.post<T.SearchResult[]>('/api/anime/search', { query }),
  add: (link: string, name: string, monitor: 'all' | 'future' | 'none' = 'all') =>
    http.post<T.AddSeriesResponse>('/api/anime/add', { link, name, monitor }),
  update: (key: string, patch: T.SeriesPatch) => http.patch<T.SeriesDetail>(`/api/anime/${enc(key)}`, patch),
  monitorSeason: (key: string, season: number, monitored: boolean) =>
    http.patch<T.SeriesDetail>(`/api/anime/${enc(key)}/seasons/${season}`, { monitored }),
  monitorEpisode: (key: string, season: number, episode: number, monitored: boolean) =>
    http.patch<T.SeriesDetail>(`/api/anime/${enc(key)}/episodes/${season}/${episode}`, { monitored }),
  monitorMany: (keys: string[], monitored: boolean) =>
    http.patch<{ message: string; updated: string[]; not_found: string[] }>('/api/anime', { keys, monitored }),
  sources: (key: string, season: number, episode: number) =>
    http.get<T.EpisodeSources>(`/api/anime/${enc(key)}/episodes/${season}/${episode}/sources`),
  rescan: () => http.post<{ success: boolean; message: string }>('/api/anime/rescan'),
  get: (key: string) => http.get<T.SeriesDetail>(`/api/anime/${enc(key)}`),
  remove: (key: string, deleteFiles: boolean) => http.del<void>(`/api/anime/${enc(key)}${deleteFiles ? '?delete_files=true' : ''}`),
  artworkUrl: (key: string, kind: 'poster' | 'fanart' | 'logo') => `/api/anime/${enc(key)}/artwork/${kind}`,
  /** A provider's cover through the server (the CSP allows no remote images). */
  coverUrl: (url: string) => `/api/anime/search/cover?url=${enc(url)}`,
  unmatched: () => http.get<{ folders: T.UnmatchedFolder[]; count: number }>('/api/library/unmatched'),
  importFolders: (body: { folders?: string[]; matches?: { folder: string; key: string; provider?: string }[] }) =>
    http.post<T.ImportResponse>('/api/library/import', body),
  providers: () => http.get<{ providers: T.ProviderHealth[] }>('/api/providers'),
};

export const queueApi = {
  status: (paging?: { page: number; per_page: number }) => http.get<T.QueueResponse>('/api/queue/status', paging),
  add: (body: {
    serie_id: string;
    serie_folder: string;
    serie_name: string;
    episodes: { season: number; episode: number; title?: string }[];
    priority?: T.Priority;
    source_url?: string;
    replace?: boolean;
  }) => http.post<T.QueueAddResponse>('/api/queue/add', body),
  start: () => http.post<{ message: string }>('/api/queue/start'),
  stop: () => http.post<{ message: string }>('/api/queue/stop'),
  remove: (id: string) => http.del<void>(`/api/queue/${enc(id)}`),
  clear: (which: 'completed' | 'failed' | 'pending') => http.del<{ message: string; count: number }>(`/api/queue/${which}`),
  reorder: (itemIds: string[]) => http.post<{ message: string }>('/api/queue/reorder', { item_ids: itemIds }),
  /** Puts one waiting item in front of another (`null`: at the end of its priority). */
  move: (itemId: string, beforeId: string | null) =>
    http.post<{ message: string; item: T.DownloadItem }>('/api/queue/move', { item_id: itemId, before_id: beforeId }),
  retry: (itemIds: string[]) => http.post<{ message: string; retried_count: number }>('/api/queue/retry', { item_ids: itemIds }),
  setPriority: (id: string, priority: T.Priority) =>
    http.patch<{ message: string; item: T.DownloadItem }>(`/api/queue/${enc(id)}`, { priority }),
};

export const blocklistApi = {
  list: (seriesKey?: string) =>
    http.get<{ items: T.BlockItem[]; count: number }>('/api/blocklist', seriesKey ? { series_key: seriesKey } : undefined),
  remove: (id: number) => http.del<void>(`/api/blocklist/${id}`),
  clear: () => http.del<{ message: string; count: number }>('/api/blocklist'),
};

export const configApi = {
  get: () => http.get<T.AppConfig>('/api/config'),
  update: (patch: Record<string, unknown>) => http.put<T.AppConfig>('/api/config', patch),
  validate: (patch: Record<string, unknown>) => http.post<{ valid: boolean; errors: string[] }>('/api/config/validate', patch),
  setDirectory: (directory: string) => http.post<{ message: string; synced_series: number }>('/api/config/directory', { directory }),
};

export const backupApi = {
  list: () => http.get<T.Backup[]>('/api/config/backups'),
  create: (name?: string, includeSecrets = false) =>
    http.post<T.Backup & { message: string }>('/api/config/backups', {}, { name, include_secrets: includeSecrets }),
  restore: (name: string) => http.post<T.RestoreResult>(`/api/config/backups/${enc(name)}/restore`),
  remove: (name: string) => http.del<{ message: string }>(`/api/config/backups/${enc(name)}`),
  upload: (file: File) => uploadFile<T.Backup>('/api/config/backups/upload', file),
  download: (name: string) => saveFile(`/api/config/backups/${enc(name)}/download`, name),
};

export const notificationsApi = {
  test: (id: string) => http.post<{ delivered: true; target: string }>(`/api/notifications/channels/${enc(id)}/test`),
};

export const logsApi = {
  entries: (q: { level: string; q?: string; limit?: number; file?: string }) => http.get<T.LogsAnswer>('/api/logs', q),
  download: (file?: string) => saveFile(`/api/logs/download${file ? `?file=${enc(file)}` : ''}`, file ?? 'aniworld.log'),
};

export const usersApi = {
  list: () => http.get<T.User[]>('/api/users'),
  me: () => http.get<T.User>('/api/users/me'),
  create: (username: string, password: string, role: 'admin' | 'user') => http.post<T.User>('/api/users', { username, password, role }),
  remove: (id: number) => http.del<void>(`/api/users/${id}`),
  resetPassword: (id: number, password: string) => http.put<{ message: string }>(`/api/users/${id}/password`, { password }),
  changeOwnPassword: (current: string, next: string) =>
    http.put<{ message: string }>('/api/users/me/password', { current_password: current, new_password: next }),
};

export const nfoApi = {
  check: (key: string) => http.get<T.NfoCheck>(`/api/nfo/${enc(key)}/check`),
  create: (key: string, overwrite = false) =>
    http.post<T.NfoCheck & { message: string }>(`/api/nfo/${enc(key)}/create`, { overwrite_existing: overwrite }),
  update: (key: string) => http.put<T.NfoCheck & { message: string }>(`/api/nfo/${enc(key)}/update`, undefined, { download_media: true }),
  downloadMedia: (key: string) =>
    http.post<T.MediaFiles>(`/api/nfo/${enc(key)}/media/download`, { download_poster: true, download_logo: true, download_fanart: true }),
  mapping: (key: string) => http.get<T.EpisodeMapping>(`/api/anime/${enc(key)}/episode-mapping`),
  saveMapping: (key: string, body: T.EpisodeMappingEdit) => http.put<T.EpisodeMapping>(`/api/anime/${enc(key)}/episode-mapping`, body),
  batch: (body: { serie_ids: string[]; skip_existing: boolean; download_media: boolean }) =>
    http.post<NfoBatch>('/api/nfo/batch/create', body),
  batchStatus: (id: string) => http.get<NfoBatch>(`/api/nfo/batch/status/${enc(id)}`),
};

export const schedulerApi = {
  get: () => http.get<T.SchedulerEnvelope>('/api/scheduler/config'),
  save: (config: Partial<T.SchedulerConfig>) => http.post<T.SchedulerEnvelope>('/api/scheduler/config', config),
  triggerRescan: () => http.post<{ message: string }>('/api/scheduler/trigger-rescan'),
};

export const importListsApi = {
  list: () => http.get<{ lists: T.ImportList[] }>('/api/import-lists'),
  add: (body: { service: T.ImportList['service']; username: string; statuses: T.ImportListStatus[]; auto_download: boolean }) =>
    http.post<T.ImportList>('/api/import-lists', body),
  update: (id: string, patch: Partial<Pick<T.ImportList, 'statuses' | 'enabled' | 'auto_download'>>) =>
    http.put<T.ImportList>(`/api/import-lists/${enc(id)}`, patch),
  remove: (id: string) => http.del<{ message: string }>(`/api/import-lists/${enc(id)}`),
  sync: (id: string) => http.post<{ added: number; ambiguous: number; not_found: number }>(`/api/import-lists/${enc(id)}/sync`),
  entries: (id: string, outcome?: T.ImportListEntry['outcome']) =>
    http.get<{ entries: T.ImportListEntry[]; total: number }>(`/api/import-lists/${enc(id)}/entries`, { outcome }),
  resolve: (id: string, externalId: string, key: string | null) =>
    http.post<T.ImportListEntry>(`/api/import-lists/${enc(id)}/entries/${enc(externalId)}/resolve`, { key }),
};

export const watchlistApi = {
  list: (status?: string) => http.get<T.WatchlistItem[]>('/api/watchlist', { status }),
  add: (body: {
    anime_title: string;
    anime_url: string;
    provider_id: string;
    lang?: string;
    auto_download?: boolean;
    quality_preference?: T.Quality;
  }) => http.post<T.WatchlistItem>('/api/watchlist', body),
  update: (id: string | number, patch: Partial<T.WatchlistItem>) => http.put<T.WatchlistItem>(`/api/watchlist/${enc(String(id))}`, patch),
  remove: (id: string | number) => http.del<void>(`/api/watchlist/${enc(String(id))}`),
  check: (id: string | number) => http.post<unknown>(`/api/watchlist/${enc(String(id))}/check`),
  pause: (id: string | number) => http.post<T.WatchlistItem>(`/api/watchlist/${enc(String(id))}/pause`),
  resume: (id: string | number) => http.post<T.WatchlistItem>(`/api/watchlist/${enc(String(id))}/resume`),
  settings: () => http.get<T.WatchlistSettings>('/api/watchlist/settings'),
  saveSettings: (s: Partial<T.WatchlistSettings>) => http.put<T.WatchlistSettings>('/api/watchlist/settings', s),
  checkAll: () => http.post<unknown>('/api/watchlist/check-all'),
  schedulerStatus: () => http.get<T.WatchlistSchedulerStatus>('/api/watchlist/scheduler/status'),
  schedulerStart: () => http.post<unknown>('/api/watchlist/scheduler/start'),
  schedulerStop: () => http.post<unknown>('/api/watchlist/scheduler/stop'),
};

export const systemApi = {
  health: () => http.get<T.HealthDetailed>('/api/health/detailed'),
  tasks: () => http.get<{ tasks: T.TaskInfo[] }>('/api/tasks'),
  runTask: (name: string) => http.post<unknown>(`/api/tasks/${enc(name)}/run`),
};

export const historyApi = {
  list: (q: T.HistoryQuery, signal?: AbortSignal) => http.get<T.HistoryPage>('/api/history', { ...q }, signal),
  series: (key: string, q: T.HistoryQuery, signal?: AbortSignal) =>
    http.get<T.HistoryPage>(`/api/anime/${enc(key)}/history`, { ...q, series: undefined }, signal),
};

export const calendarApi = {
  get: (start: string, end: string, unmonitored = false, signal?: AbortSignal) =>
    http.get<T.CalendarAnswer>('/api/calendar', { start, end, unmonitored: unmonitored || undefined }, signal),
};
