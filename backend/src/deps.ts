import type { DbAvailability } from './db/availability.js';
import type { Env } from './config.js';
import type { Logger, Logging } from './log.js';
import type { Db } from './db/pool.js';
import type { Notifier } from './db/notify.js';
import type { EventBus } from './realtime/bus.js';
import type { EventData } from './realtime/events.js';
import type { Sessions } from './auth/sessions.js';
import type { TokenSigner } from './auth/tokens.js';
import type { Keyring } from './auth/keyring.js';
import type { SettingsStore } from './settings/store.js';
import type { Jobs } from './worker/jobs.js';
import type { DownloadRuntime, FfmpegStatus } from './downloads/runtime.js';
import type { RealtimeStatus } from './realtime/status.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { Covers } from './providers/covers.js';
import type { ScanMemo } from './library/scanner.js';
import type { TmdbClient } from './metadata/tmdbClient.js';
import type { HttpClient } from './net/httpClient.js';
import type { AuthUser } from './http/credentials.js';
import type { HosterHealth } from './downloads/hosterHealth.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/**
 * Everything a service needs, handed over explicitly: no singletons. Built once per app instance
 * (server.ts, called by main.ts), every stateful part included, and never changed after
 * (readonly: tsc refuses a write); no module keeps state of its own
 * (tests/core/moduleState.test.ts). A function takes the fields it uses (`Pick<Deps, ...>`;
 * tests/core/narrowDeps.test.ts).
 */
export interface Deps {
  readonly env: Env;
  readonly log: Logger;
  /** The server's log files, live level and tail (absent in tools that build Deps by hand). */
  readonly logging?: Logging;
  readonly db: Db;
  readonly notifier: Notifier;
  /** The database's reachability as last seen (for /health and the 503 answers). */
  readonly dbAvailability: DbAvailability;
  readonly bus: EventBus;
  readonly sessions: Sessions;
  readonly keyring: Keyring;
  readonly signer: TokenSigner;
  readonly settings: SettingsStore;
  readonly jobs: Jobs;
  readonly clock: Clock;
  readonly version: string;
  readonly startedAt: Date;
  /** The site providers, rebuilt when their settings change. */
  readonly providers: ProviderRegistry;
  /** Search results' covers: cache, fetches under way, connection pools. */
  readonly covers: Covers;
  /** What the last library scan left (series state, the root's listing). */
  readonly scanMemo: ScanMemo;
  /** The TMDB client (one connection pool). */
  readonly tmdb: TmdbClient;
  /** Outbound client for notification channels and media servers. */
  readonly outbound: HttpClient;
  /** Client for the import lists' services (AniList, MyAnimeList). */
  readonly listsHttp: HttpClient;
  /**
   * Calls into parts above the caller, wired in server.ts (so parts do not import each other in circles: docs/DESIGN.md, "Parts and
   * arrows").
   */
  readonly hooks: Hooks;
  /** Which ffmpeg/ffprobe the downloads domain uses and whether they are current (/health/detailed); downloads start once it said `ok`. */
  readonly ffmpeg: FfmpegStatus;
  /** The downloads' per-process runtime: throttle, running downloads, advisory locks, HTTP client. */
  readonly downloads: DownloadRuntime;
  /** The Graphile Worker runner of this process (roles all and worker): HTTP answers while it starts. */
  readonly workerState?: () => 'starting' | 'running' | 'stopping';
  /** Set while this process serves HTTP (role all or web). */
  readonly realtime: RealtimeStatus;
}

export interface Hooks {
  /** After the anime directory changed: sync the library, return how many series it holds. */
  animeDirectoryChanged(dir: string): Promise<number>;
  /**
   * A series was added to the library (by `userId`, null: the system): its NFO is queued when
   * metadata is set to (metadata/service.ts queueSeriesNfo).
   */
  seriesAdded(key: string, userId: number | null): Promise<void>;
  /** The owner of an API key (auth/apiKeys.ts verifyApiKey), or null: the guard (http/guard.ts) identifies key callers with it. */
  verifyApiKey(key: string): Promise<AuthUser | null>;
  /** A rescan found episodes the providers did not list before: the calendar dates them today (calendar/providerDates.ts). */
  episodesListed(eps: { series_key: string; season: number; episode: number; title: string | null }[]): Promise<void>;
  /** The day each provider season's episode 1 was first listed (calendar/providerDates.ts): the episode mapping's date hint. */
  providerSeasonStarts(seriesKey: string): Promise<{ season: number; date: string }[]>;
  /** Each hoster's recent download outcomes (downloads/hosterHealth.ts), of one site's series or all: the providers route shows them. */
  hosterHealth(provider?: string): Promise<HosterHealth[]>;
  /**
   * What a socket that just joined `room` is sent at once: in `downloads` the queue's statistics
   * (downloads/queue.ts queueStatusEvent), so a client that loaded the queue before it joined sees by
   * the counts whether it missed a change, without asking for the queue again.
   */
  roomJoined(room: string): Promise<{ type: 'queue_status'; data: EventData<'downloads', 'queue_status'> } | null>;
}
