/** One typed function per endpoint the UI uses. */
import { http, saveFile, uploadFile } from './client.ts';
import type * as T from './types.ts';

const enc = encodeURIComponent;

/** One page of a growing list (README "Paging"): `page` from 1, at most 500 `per_page`. */
export interface Paging {
  page: number;
  per_page: number;
}
/** A page of items and the total of the whole list. */
export interface Paged<T> {
  items: T[];
  total: number;
}

/** A page of a list the server answers as a bare array, its total in X-Total-Count. */
async function pagedArray<I>(path: string, query: Record<string, string | number | undefined>): Promise<Paged<I>> {
  const { data, headers } = await http.getFull<I[]>(path, query);
  const total = Number(headers.get('X-Total-Count'));
  return { items: data, total: headers.has('X-Total-Count') && Number.isFinite(total) ? total : data.length };
}

export const authApi = {
  status: () => http.get<T.AuthStatus>('/api/auth/status'),
  setup: (body: T.Body<'postAuthSetup'>) => http.post<T.Ok<'postAuthSetup'>>('/api/auth/setup', body),
  login: (body: T.Body<'postAuthLogin'>) => http.post<T.LoginResponse>('/api/auth/login', body),
  logout: () => http.post<T.Ok<'postAuthLogout'>>('/api/auth/logout'),
};

export const apiKeysApi = {
  list: () => http.get<T.ApiKey[]>('/api/auth/api-keys'),
  create: (name: string) => http.post<T.Ok<'postAuthApiKeys'>>('/api/auth/api-keys', { name }),
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
  status: () => http.get<T.Ok<'getAnimeStatus'>>('/api/anime/status'),
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
  monitorMany: (keys: string[], monitored: boolean) => http.patch<T.Ok<'patchAnime'>>('/api/anime', { keys, monitored }),
  sources: (key: string, season: number, episode: number) =>
    http.get<T.EpisodeSources>(`/api/anime/${enc(key)}/episodes/${season}/${episode}/sources`),
  rescan: () => http.post<T.Ok<'postAnimeRescan'>>('/api/anime/rescan'),
  get: (key: string) => http.get<T.SeriesDetail>(`/api/anime/${enc(key)}`),
  remove: (key: string, deleteFiles: boolean) => http.del<void>(`/api/anime/${enc(key)}${deleteFiles ? '?delete_files=true' : ''}`),
  artworkUrl: (key: string, kind: 'poster' | 'fanart' | 'logo') => `/api/anime/${enc(key)}/artwork/${kind}`,
  /** A provider's cover through the server (the CSP allows no remote images). */
  coverUrl: (url: string) => `/api/anime/search/cover?url=${enc(url)}`,
  unmatched: async (p: Paging): Promise<Paged<T.UnmatchedFolder>> => {
    const res = await http.get<T.Ok<'getLibraryUnmatched'>>('/api/library/unmatched', { ...p });
    return { items: res.folders, total: res.total };
  },
  importFolders: (body: T.Body<'postLibraryImport'>) => http.post<T.ImportResponse>('/api/library/import', body),
  providers: () => http.get<T.Ok<'getProviders'>>('/api/providers'),
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
  start: () => http.post<T.Ok<'postQueueStart'>>('/api/queue/start'),
  stop: () => http.post<T.Ok<'postQueueStop'>>('/api/queue/stop'),
  remove: (id: string) => http.del<void>(`/api/queue/${enc(id)}`),
  clear: (which: 'completed' | 'failed' | 'pending') => http.del<T.Ok<'deleteQueueCompleted'>>(`/api/queue/${which}`),
  reorder: (itemIds: string[]) => http.post<T.Ok<'postQueueReorder'>>('/api/queue/reorder', { item_ids: itemIds }),
  /** Puts one waiting item in front of another (`null`: at the end of its priority). */
  move: (itemId: string, beforeId: string | null) =>
    http.post<T.Ok<'postQueueMove'>>('/api/queue/move', { item_id: itemId, before_id: beforeId }),
  retry: (itemIds: string[]) => http.post<T.Ok<'postQueueRetry'>>('/api/queue/retry', { item_ids: itemIds }),
  setPriority: (id: string, priority: T.Priority) => http.patch<T.Ok<'patchQueueByItemId'>>(`/api/queue/${enc(id)}`, { priority }),
};

export const blocklistApi = {
  list: async (p: Paging): Promise<Paged<T.BlockItem>> => {
    const res = await http.get<T.Ok<'getBlocklist'>>('/api/blocklist', { ...p });
    return { items: res.items, total: res.total };
  },
  remove: (id: number) => http.del<void>(`/api/blocklist/${id}`),
  clear: () => http.del<T.Ok<'deleteBlocklist'>>('/api/blocklist'),
};

export const configApi = {
  get: () => http.get<T.AppConfig>('/api/config'),
  update: (patch: Record<string, unknown>) => http.put<T.AppConfig>('/api/config', patch),
  validate: (patch: Record<string, unknown>) => http.post<T.Ok<'postConfigValidate'>>('/api/config/validate', patch),
  setDirectory: (directory: string) => http.post<T.Ok<'postConfigDirectory'>>('/api/config/directory', { directory }),
};

export const backupApi = {
  list: (p: Paging) => pagedArray<T.Backup>('/api/config/backups', { ...p }),
  create: (name?: string, includeSecrets = false) =>
    http.post<T.Ok<'postConfigBackups'>>('/api/config/backups', {}, { name, include_secrets: includeSecrets }),
  restore: (name: string) => http.post<T.RestoreResult>(`/api/config/backups/${enc(name)}/restore`),
  remove: (name: string) => http.del<T.Ok<'deleteConfigBackupsByBackupName'>>(`/api/config/backups/${enc(name)}`),
  upload: (file: File) => uploadFile<T.Ok<'postConfigBackupsUpload'>>('/api/config/backups/upload', file),
  download: (name: string) => saveFile(`/api/config/backups/${enc(name)}/download`, name),
};

export const notificationsApi = {
  test: (id: string) => http.post<T.Ok<'postNotificationsChannelsByIdTest'>>(`/api/notifications/channels/${enc(id)}/test`),
};

export const logsApi = {
  entries: (q: { level: string; q?: string; limit?: number; file?: string }) => http.get<T.LogsAnswer>('/api/logs', q),
  download: (file?: string) => saveFile(`/api/logs/download${file ? `?file=${enc(file)}` : ''}`, file ?? 'aniworld.log'),
};

export const usersApi = {
  /** Without paging: the first 500 (the server's most). */
  list: (p?: Paging) => pagedArray<T.User>('/api/users', { ...p }),
  me: () => http.get<T.User>('/api/users/me'),
  create: (username: string, password: string, role: 'admin' | 'user') =>
    http.post<T.Ok<'postUsers'>>('/api/users', { username, password, role }),
  remove: (id: number) => http.del<void>(`/api/users/${id}`),
  resetPassword: (id: number, password: string) => http.put<T.Ok<'putUsersByIdPassword'>>(`/api/users/${id}/password`, { password }),
  changeOwnPassword: (current: string, next: string) =>
    http.put<T.Ok<'putUsersMePassword'>>('/api/users/me/password', { current_password: current, new_password: next }),
};

export const nfoApi = {
  check: (key: string) => http.get<T.NfoCheck>(`/api/nfo/${enc(key)}/check`),
  create: (key: string, overwrite = false) =>
    http.post<T.Ok<'postNfoBySerieIdCreate'>>(`/api/nfo/${enc(key)}/create`, { overwrite_existing: overwrite }),
  update: (key: string) => http.put<T.Ok<'putNfoBySerieIdUpdate'>>(`/api/nfo/${enc(key)}/update`, undefined, { download_media: true }),
  downloadMedia: (key: string) =>
    http.post<T.Ok<'postNfoBySerieIdMediaDownload'>>(`/api/nfo/${enc(key)}/media/download`, {
      download_poster: true,
      download_logo: true,
      download_fanart: true,
    }),
  mapping: (key: string) => http.get<T.EpisodeMapping>(`/api/anime/${enc(key)}/episode-mapping`),
  saveMapping: (key: string, body: T.EpisodeMappingEdit) => http.put<T.EpisodeMapping>(`/api/anime/${enc(key)}/episode-mapping`, body),
  batch: (body: T.Body<'postNfoBatchCreate'>) => http.post<T.Ok<'postNfoBatchCreate'>>('/api/nfo/batch/create', body),
  batchStatus: (id: string) => http.get<T.NfoBatch>(`/api/nfo/batch/status/${enc(id)}`),
};

export const schedulerApi = {
  get: () => http.get<T.SchedulerEnvelope>('/api/scheduler/config'),
  save: (config: Partial<T.SchedulerConfig>) => http.post<T.SchedulerEnvelope>('/api/scheduler/config', config),
  triggerRescan: () => http.post<T.Ok<'postSchedulerTriggerRescan'>>('/api/scheduler/trigger-rescan'),
};

export const importListsApi = {
  list: () => http.get<T.Ok<'getImportLists'>>('/api/import-lists'),
  add: (body: T.ImportListAdd) => http.post<T.ImportList>('/api/import-lists', body),
  update: (id: string, patch: T.ImportListPatch) => http.put<T.ImportList>(`/api/import-lists/${enc(id)}`, patch),
  remove: (id: string) => http.del<T.Ok<'deleteImportListsById'>>(`/api/import-lists/${enc(id)}`),
  sync: (id: string) => http.post<T.ImportListSync>(`/api/import-lists/${enc(id)}/sync`),
  entries: (id: string, outcome?: T.ImportListEntry['outcome']) =>
    http.get<T.ImportListEntries>(`/api/import-lists/${enc(id)}/entries`, { outcome }),
  resolve: (id: string, externalId: string, key: string | null) =>
    http.post<T.ImportListEntry>(`/api/import-lists/${enc(id)}/entries/${enc(externalId)}/resolve`, { key }),
};

export const watchlistApi = {
  list: (p: Paging, status?: string) => pagedArray<T.WatchlistItem>('/api/watchlist', { ...p, status }),
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
  check: (id: string | number) => http.post<T.Ok<'postWatchlistByIdCheck'>>(`/api/watchlist/${enc(String(id))}/check`),
  pause: (id: string | number) => http.post<T.WatchlistItem>(`/api/watchlist/${enc(String(id))}/pause`),
  resume: (id: string | number) => http.post<T.WatchlistItem>(`/api/watchlist/${enc(String(id))}/resume`),
  settings: () => http.get<T.WatchlistSettings>('/api/watchlist/settings'),
  saveSettings: (s: Partial<T.WatchlistSettings>) => http.put<T.WatchlistSettings>('/api/watchlist/settings', s),
  checkAll: () => http.post<T.Ok<'postWatchlistCheckAll'>>('/api/watchlist/check-all'),
  schedulerStatus: () => http.get<T.WatchlistSchedulerStatus>('/api/watchlist/scheduler/status'),
  schedulerStart: () => http.post<T.Ok<'postWatchlistSchedulerStart'>>('/api/watchlist/scheduler/start'),
  schedulerStop: () => http.post<T.Ok<'postWatchlistSchedulerStop'>>('/api/watchlist/scheduler/stop'),
};

export const systemApi = {
  health: () => http.get<T.HealthDetailed>('/api/health/detailed'),
  tasks: () => http.get<T.Ok<'getTasks'>>('/api/tasks'),
  runTask: (name: string) => http.post<T.Ok<'postTasksByNameRun'>>(`/api/tasks/${enc(name)}/run`),
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
