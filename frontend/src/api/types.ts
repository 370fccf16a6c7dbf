/** Shapes of the REST API (see the API spec); fields other engineers add are optional here. */

export interface AuthStatus {
  configured: boolean;
  authenticated: boolean;
  user: { id: number; username: string; role: 'admin' | 'user' } | null;
}

export interface LoginResponse {
  access_token: string;
  token_type: 'bearer';
  expires_at: string;
}

export type MissingEpisodes = Record<string, number[]>;

export interface SeriesSummary {
  key: string;
  name: string;
  site: string;
  folder: string;
  missing_episodes: MissingEpisodes;
  link: string;
  year?: number | null;
  provider?: string;
  total_missing?: number;
  cover?: string | null;
  description?: string | null;
  in_library?: boolean;
  scan_error?: string | null;
  last_scanned_at?: string | null;
  /** Automatic downloads fetch this series' monitored episodes (missing_episodes counts only those). */
  monitored?: boolean;
}

export interface EpisodeInfo {
  season: number;
  episode: number;
  title?: string | null;
  title_en?: string | null;
  is_downloaded?: boolean;
  on_provider?: boolean;
  file_path?: string | null;
  file_size?: number | null;
  languages?: string[];
  monitored?: boolean;
  /** The language of the file on disk (null: unknown). */
  file_language?: string | null;
  /** The file's language is below the series' cutoff: an upgrade is wanted. */
  below_cutoff?: boolean;
}

export interface LanguageProfile {
  languages: string[];
  cutoff: string;
  upgrades_enabled: boolean;
  custom: boolean;
}

export interface SeriesDetail {
  key: string;
  title: string;
  folder: string;
  /** missing episodes as `season-episode` */
  episodes: string[];
  description?: string | null;
  year?: number | null;
  site?: string;
  link?: string;
  provider?: string;
  genres?: string[];
  /** The provider's cover (a remote URL: shown through /api/anime/search/cover). */
  cover_url?: string | null;
  scan_error?: string | null;
  last_scanned_at?: string | null;
  episode_list?: EpisodeInfo[];
  monitored?: boolean;
  monitor_specials?: boolean;
  /** Missing episodes that are not monitored, as `season-episode`. */
  unmonitored_missing?: string[];
  language_profile?: LanguageProfile;
  seasons?: { season: number; monitored: boolean }[];
}

export interface SeriesPatch {
  monitored?: boolean;
  monitor_specials?: boolean;
  languages?: string[] | null;
  language_cutoff?: string | null;
  upgrades_enabled?: boolean;
}

export interface BlockItem {
  id: number;
  series_key: string;
  season: number;
  episode: number;
  hoster: string;
  language: string;
  source_url: string;
  reason: string;
  created_at: string;
}

export interface EpisodeSourceItem {
  hoster: string;
  language: string;
  url: string;
  wanted: boolean;
  blocklisted: boolean;
  blocklist_reason: string | null;
  blocklist_id: number | null;
  last_outcome: 'completed' | 'failed' | 'cancelled' | null;
  last_error: string | null;
  last_attempt_at: string | null;
}

export interface EpisodeSources {
  key: string;
  season: number;
  episode: number;
  sources: EpisodeSourceItem[];
  backoff: { failures: number; next_try_at: string | null; gave_up: boolean; last_error: string | null } | null;
}

export interface AddSeriesResponse {
  status: string;
  message: string;
  key: string;
  folder: string;
  db_id?: number;
  missing_episodes: string[];
  total_missing: number;
}

export interface Candidate {
  provider: string;
  key: string;
  name: string;
  link: string;
  year: number | null;
  /** 0-1 similarity of the title to the folder name (1 = the same title). */
  score?: number;
}

export interface UnmatchedFolder {
  folder: string;
  status: string;
  candidates: Candidate[];
  error: string | null;
  year: number | null;
}

export interface ImportResponse {
  imported: { folder: string; key: string; provider: string; missing: number }[];
  ambiguous: { folder: string; candidates: Candidate[] }[];
  not_found: string[];
  failed: { folder: string; error: string }[];
}

export interface ProviderHealth {
  id: string;
  site: string;
  base_url: string;
  default: boolean;
  reachable: boolean;
  search_works: boolean;
  last_error: string | null;
  checked_at: string;
  domains?: string[];
  /** This site's hosters over the last 7 days of downloads. */
  hosters?: HosterHealth[];
}

/** A hoster's download attempts over the last 7 days. */
export interface HosterHealth {
  hoster: string;
  attempts: number;
  completed: number;
  failed: number;
  success_rate: number | null;
  last_error: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  healthy: boolean;
}

export type Priority = 'LOW' | 'NORMAL' | 'HIGH';
export type DownloadStatus = 'pending' | 'downloading' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface DownloadProgress {
  percent: number;
  downloaded_mb?: number;
  total_mb?: number | null;
  speed_mbps?: number | null;
  eta_seconds?: number | null;
}

export interface DownloadItem {
  /** The account that queued it; null: the system (rescan, watchlist). */
  added_by?: number | null;
  id: string;
  serie_id: string;
  serie_folder: string;
  serie_name: string;
  episode: { season: number; episode: number; title?: string | null };
  status: DownloadStatus;
  priority: Priority;
  added_at: string;
  started_at: string | null;
  completed_at: string | null;
  progress: DownloadProgress | null;
  error: string | null;
  retry_count: number;
  source_url: string | null;
  file_path?: string | null;
  language?: string | null;
  hoster?: string | null;
}

export interface QueueStatus {
  is_running: boolean;
  is_paused: boolean;
  /** Why new downloads wait although the queue runs (low disk space); null when they do not. */
  held_reason?: string | null;
  active_downloads: DownloadItem[];
  pending_queue: DownloadItem[];
  completed_downloads: DownloadItem[];
  failed_downloads: DownloadItem[];
}

export interface QueueStatistics {
  total_items: number;
  pending_count: number;
  active_count: number;
  completed_count: number;
  failed_count: number;
  total_downloaded_mb: number;
  average_speed_mbps: number;
  estimated_time_remaining: number | null;
}

export interface QueueResponse {
  status: QueueStatus;
  statistics: QueueStatistics;
}

export interface QueueAddResponse {
  status: string;
  message: string;
  added_items: string[];
  item_ids: string[];
  failed_items: unknown[];
}

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const DAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface SchedulerConfig {
  enabled: boolean;
  interval_minutes: number;
  schedule_time: string | null;
  schedule_days: Day[];
  auto_download_after_rescan: boolean;
}

export interface SchedulerStatus {
  is_running: boolean;
  next_run: string | null;
  last_run: string | null;
  scan_in_progress: boolean;
}

export interface SchedulerEnvelope {
  success: boolean;
  config: SchedulerConfig;
  status: SchedulerStatus;
}

export type NotifyEventType = 'download_completed' | 'download_failed' | 'new_episodes' | 'rescan_errors' | 'disk_space_low' | 'backup_failed' | 'health_problem';

/** A notification channel (config `notifications.webhooks`). */
export interface Webhook {
  id?: string;
  name?: string;
  type: 'generic' | 'discord' | 'ntfy' | 'gotify' | 'apprise' | 'email';
  url?: string;
  token?: string;
  email?: { host: string; port: number; secure: boolean; username: string; password: string; from: string; to: string[] };
  enabled: boolean;
  events: NotifyEventType[];
}

export interface MediaServer {
  id?: string;
  name?: string;
  type: 'kodi' | 'jellyfin' | 'emby' | 'plex';
  url: string;
  token?: string;
  username?: string;
  password?: string;
  path_map: { from: string; to: string }[];
  enabled: boolean;
}

export interface ProviderSiteConfig {
  enabled: boolean;
  base_url: string;
  extra_domains: string[];
  user_agent: string;
  proxy: string | null;
}

export interface AppConfig {
  name: string;
  data_dir: string;
  anime_directory: string | null;
  scheduler: SchedulerConfig;
  logging: { level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL'; file: string | null; max_bytes: number; backup_count: number };
  backup: {
    enabled: boolean; frequency: 'daily' | 'weekly'; weekday: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'; time: string;
    include_secrets: boolean; path: string; keep_days: number; keep_count: number;
  };
  downloads: {
    max_parallel_downloads: number;
    language_preference: string[];
    hoster_preference: string[];
    quality_preference: string;
    hls_segment_concurrency: number;
    container: 'mkv' | 'mp4';
    bandwidth_limit_mbps: number;
    stall_timeout_seconds: number;
    min_free_space_mb: number;
    naming_template: string;
    season_folders: boolean;
    language_cutoff: string | null;
    upgrades_enabled: boolean;
    page_reads_per_rescan: number;
    monitor_new_series: boolean;
    monitor_specials: boolean;
  };
  providers: Record<string, unknown> & { aniworld?: ProviderSiteConfig; animesama?: ProviderSiteConfig };
  tmdb: { api_key: string | null; language: string; [k: string]: unknown };
  nfo: { create_on_add: boolean; episode_nfo_on_download: boolean; download_artwork: boolean };
  notifications: { webhooks: Webhook[]; download_failed: 'gave_up' | 'each_attempt' };
  media_servers: { servers: MediaServer[]; batch_seconds: number };
  ui: { language: 'auto' | 'en' | 'de' };
  other: Record<string, unknown>;
}

export interface Backup {
  name: string;
  size: number;
  created: string;
  kind: 'manual' | 'scheduled' | 'pre-restore' | 'uploaded';
}

export interface LogEntry {
  time: string | null;
  level: string;
  module: string | null;
  msg: string;
  line: string;
}

export interface LogsAnswer {
  file: string;
  level: string;
  files: { name: string; size: number; modified: string }[];
  entries: LogEntry[];
  complete: boolean;
}

export interface RestoreResult {
  message: string;
  restored_from: string;
  safety_backup: string;
  tables: { name: string; rows: number }[];
  requeued_downloads: number;
  secrets_restored: boolean;
}

export interface User {
  id: number;
  username: string;
  role: 'admin' | 'user';
  created_at: string;
}

export interface MediaFiles {
  has_poster: boolean;
  has_logo: boolean;
  has_fanart: boolean;
  poster_path: string | null;
  logo_path: string | null;
  fanart_path: string | null;
}

export interface NfoCheck {
  serie_id: string;
  serie_folder: string;
  has_nfo: boolean;
  nfo_path: string | null;
  media_files: MediaFiles;
}

export type WatchStatus = 'active' | 'paused' | 'completed' | 'archived';
export type Quality = 'auto' | '1080p' | '720p' | '480p';

export interface WatchlistItem {
  id: string;
  anime_title: string;
  anime_url: string;
  anime_key?: string;
  provider_id: string;
  lang: string | null;
  auto_download: boolean;
  quality_preference: Quality;
  status: WatchStatus;
  last_episode_downloaded: number;
  series_key: string | null;
  owner_name?: string;
  created_at: string;
  updated_at: string;
  last_checked: string | null;
  last_check_result: { status: 'ok' | 'error'; new_episodes: number | null; error: string | null } | null;
}

export interface WatchlistSettings {
  check_interval_hours: number;
  auto_download_enabled: boolean;
  max_concurrent_auto_downloads: number;
  notify_on_new_episodes: boolean;
  include_completed_anime: boolean;
}

export interface WatchlistSchedulerStatus {
  running: boolean;
  next_run: string | null;
  last_run: string | null;
  settings: WatchlistSettings;
}

export interface TaskInfo {
  name: string;
  title: string;
  description: string;
  schedule: string;
  running: boolean;
  last_run: string | null;
  last_finished: string | null;
  duration_ms: number | null;
  outcome: 'success' | 'failed' | null;
  error: string | null;
  runs: number;
  next_run: string | null;
}

export interface HealthDetailed {
  status: 'healthy' | 'unhealthy';
  timestamp: string;
  version: string;
  dependencies: {
    database: { status: string; connection_time_ms: number | null; message: string };
    filesystem: { status: string; data_dir_writable: boolean; logs_dir_writable: boolean };
    system?: { cpu_percent: number; memory_percent: number; memory_available_mb: number; disk_percent: number; disk_free_mb: number; uptime_seconds: number };
    disks?: { library: DiskUsage | null; data: DiskUsage | null };
    ffmpeg?: {
      ffmpeg_path: string | null; ffprobe_path: string | null; source: string;
      status?: 'checking' | 'ok' | 'too_old' | 'missing'; ffmpeg_version?: string | null; ffprobe_version?: string | null; message?: string;
    };
  };
  about?: {
    product_version: string; node_version: string; postgres_version: string | null; ffmpeg_version: string | null;
    uptime_seconds: number; database_size_mb: number | null; last_backup: { name: string; created: string; kind: string; size: number } | null;
  };
  warnings: { code: string; message: string }[];
  startup_time: string;
}

export interface DiskUsage {
  path: string;
  free_mb: number;
  total_mb: number;
  used_percent: number;
}

export interface RealtimeMessage<T = Record<string, unknown>> {
  type: string;
  timestamp: string;
  data: T;
}

/** One of your API keys (the key itself is only in the answer that created it). */
export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export type MappingMode = 'auto' | 'season' | 'absolute' | 'episode_group';
export interface EpisodeRef { season: number; episode: number }
export interface EpisodeMappingOverride extends EpisodeRef { tmdb_season: number; tmdb_episode: number }
/** How the provider's episodes name TMDB's in the NFOs (GET/PUT /api/anime/{key}/episode-mapping). */
export interface EpisodeMapping {
  serie_id: string;
  tmdb_id: number;
  mode: MappingMode;
  effective_mode: Exclude<MappingMode, 'auto'>;
  episode_group_id: string | null;
  episode_groups: { id: string; name: string; type: number; group_count: number; episode_count: number }[];
  episodes: (EpisodeRef & { tmdb: EpisodeRef | null; via: Exclude<MappingMode, 'auto'> | 'manual'; tmdb_title: string | null })[];
  nfo_written?: number;
}
export interface EpisodeMappingEdit {
  mode: MappingMode;
  episode_group_id: string | null;
  overrides: EpisodeMappingOverride[];
}
