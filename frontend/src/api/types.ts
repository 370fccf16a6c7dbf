/**
 * Names for the REST API's shapes, all taken from schema.gen.ts (generated from the served OpenAPI
 * document by `npm run gen:api-types`): one source, the server's zod schemas. To change a shape,
 * change the route's schema and regenerate.
 */
import type { AnyMessage } from '../realtime/socket.ts';
import type { operations } from './schema.gen.ts';

export type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
/** The JSON answer of an operation's success status (200, else 201). */
export type Ok<Op extends keyof operations> = operations[Op]['responses'] extends infer R
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer C }
      ? JsonOf<C>
      : never
  : never;
/** The JSON body an operation takes. */
export type Body<Op extends keyof operations> =
  NonNullable<operations[Op]['requestBody']> extends { content: { 'application/json': infer T } } ? T : never;
type Item<T> = T extends readonly (infer E)[] ? E : never;
/** A config entry as the editor holds it: new ones have no id or name until the server assigns them. */
type Unsaved<T extends { id: unknown; name: unknown }> = Omit<T, 'id' | 'name'> & Partial<Pick<T, 'id' | 'name'>>;

export type AuthStatus = Ok<'getAuthStatus'>;
export type LoginResponse = Ok<'postAuthLogin'>;
/** One of your API keys (the key itself is only in the answer that created it). */
export type ApiKey = Item<Ok<'getAuthApiKeys'>>;

export type SeriesSummary = Item<Ok<'getAnime'>>;
/** A provider's search hit (with its cover and whether the library holds it). */
export type SearchResult = Item<Ok<'postAnimeSearch'>>;
export type MissingEpisodes = SeriesSummary['missing_episodes'];
export type SeriesDetail = Ok<'getAnimeByKey'>;
export type EpisodeInfo = Item<NonNullable<SeriesDetail['episode_list']>>;
export type LanguageProfile = NonNullable<SeriesDetail['language_profile']>;
export type SeriesPatch = Body<'patchAnimeByKey'>;
export type AddSeriesResponse = Ok<'postAnimeAdd'>;

/** How the provider's episodes name TMDB's in the NFOs (GET/PUT /api/anime/{key}/episode-mapping). */
export type EpisodeMapping = Ok<'getAnimeByKeyEpisodeMapping'>;
export type EpisodeMappingEdit = Body<'putAnimeByKeyEpisodeMapping'>;
export type MappingMode = EpisodeMappingEdit['mode'];
export type EpisodeMappingOverride = Item<EpisodeMappingEdit['overrides']>;
export type EpisodeRef = Pick<EpisodeMappingOverride, 'season' | 'episode'>;

export type BlockItem = Item<Ok<'getBlocklist'>['items']>;
export type EpisodeSources = Ok<'getAnimeByKeyEpisodesBySeasonByEpisodeSources'>;
export type EpisodeSourceItem = Item<EpisodeSources['sources']>;

export type UnmatchedFolder = Item<Ok<'getLibraryUnmatched'>['folders']>;
export type Candidate = Item<UnmatchedFolder['candidates']>;
export type ImportResponse = Ok<'postLibraryImport'>;
export type ProviderHealth = Item<Ok<'getProviders'>['providers']>;
/** A hoster's download attempts over the last 7 days. */
export type HosterHealth = Item<ProviderHealth['hosters']>;

export type QueueResponse = Ok<'getQueueStatus'>;
export type QueueStatus = QueueResponse['status'];
export type QueueStatistics = QueueResponse['statistics'];
export type DownloadItem = Item<QueueStatus['active_downloads']>;
export type DownloadProgress = NonNullable<DownloadItem['progress']>;
export type Priority = DownloadItem['priority'];
export type DownloadStatus = DownloadItem['status'];
export type QueueAddResponse = Ok<'postQueueAdd'>;

export type SchedulerEnvelope = Ok<'getSchedulerConfig'>;
export type SchedulerConfig = SchedulerEnvelope['config'];
export type SchedulerStatus = SchedulerEnvelope['status'];
export type Day = Item<SchedulerConfig['schedule_days']>;
export const DAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export type AppConfig = Ok<'getConfig'>;
/** A notification channel (config `notifications.webhooks`). */
export type Webhook = Unsaved<Item<AppConfig['notifications']['webhooks']>>;
export type NotifyEventType = Item<Webhook['events']>;
export type MediaServer = Unsaved<Item<AppConfig['media_servers']['servers']>>;
export type ProviderSiteConfig = NonNullable<AppConfig['providers']['aniworld']>;

export type Backup = Item<Ok<'getConfigBackups'>>;
export type RestoreResult = Ok<'postConfigBackupsByBackupNameRestore'>;
export type LogsAnswer = Ok<'getLogs'>;
export type LogEntry = Item<LogsAnswer['entries']>;
export type User = Item<Ok<'getUsers'>>;

export type NfoCheck = Ok<'getNfoBySerieIdCheck'>;
export type MediaFiles = NfoCheck['media_files'];

export type WatchlistItem = Item<Ok<'getWatchlist'>>;
export type WatchStatus = WatchlistItem['status'];
export type Quality = WatchlistItem['quality_preference'];
export type WatchlistSettings = Ok<'getWatchlistSettings'>;
export type WatchlistSchedulerStatus = Ok<'getWatchlistSchedulerStatus'>;
export type TaskInfo = Item<Ok<'getTasks'>['tasks']>;

export type HealthDetailed = Ok<'getHealthDetailed'>;
export type DiskUsage = NonNullable<NonNullable<HealthDetailed['dependencies']['disks']>['library']>;

/**
 * A Socket.IO message (not part of the REST API): any type of the server's event map, its `data`
 * typed from realtime/events.gen.ts (`npm run gen:event-types`), or the link's own `link_connected`.
 */
export type RealtimeMessage = AnyMessage;

/** One page of the history (GET /api/history, /api/anime/{key}/history) and one of its rows. */
export type HistoryPage = Ok<'getHistory'>;
export type HistoryRow = Item<HistoryPage['items']>;
export type HistoryEvent = HistoryRow['event'];
export type HistoryQuery = NonNullable<operations['getHistory']['parameters']['query']>;

export type CalendarAnswer = Ok<'getCalendar'>;
export type CalendarEntry = Item<CalendarAnswer['episodes']>;
export type CalendarStatus = CalendarEntry['status'];

/** A user's AniList / MyAnimeList import list (/api/import-lists). */
export type ImportList = Item<Ok<'getImportLists'>['lists']>;
export type ImportListStatus = Item<ImportList['statuses']>;
export type ImportListAdd = Body<'postImportLists'>;
export type ImportListPatch = Body<'putImportListsById'>;
export type ImportListSync = Ok<'postImportListsByIdSync'>;
export type ImportListEntries = Ok<'getImportListsByIdEntries'>;
export type ImportListEntry = Item<ImportListEntries['entries']>;

/** The state of an NFO batch (POST /api/nfo/batch/create, GET /api/nfo/batch/status/{id}). */
export type NfoBatch = Ok<'getNfoBatchStatusByBatchId'>;
export type NfoBatchStatus = Item<NfoBatch['results']>['status'];
