import type { DbAvailability } from './db/availability.js';
import type { Env } from './config.js';
import type { Logger, Logging } from './log.js';
import type { Db } from './db/pool.js';
import type { Notifier } from './db/notify.js';
import type { EventBus } from './realtime/bus.js';
import type { Sessions } from './auth/sessions.js';
import type { TokenSigner } from './auth/tokens.js';
import type { Keyring } from './auth/keyring.js';
import type { SettingsStore } from './settings/store.js';
import type { Jobs } from './worker/jobs.js';
import type { FfmpegInfo } from './downloads/ffmpeg.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { Covers } from './providers/covers.js';
import type { ScanMemo } from './library/scanner.js';
import type { TmdbClient } from './metadata/tmdbClient.js';
import type { HttpClient } from './net/httpClient.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** Everything a service needs, handed over explicitly: no singletons. */
export interface Deps {
  env: Env;
  log: Logger;
  /** The server's log files, live level and tail (absent in tools that build Deps by hand). */
  logging?: Logging;
  db: Db;
  notifier: Notifier;
  /** The database's reachability as last seen (for /health and the 503 answers). */
  dbAvailability: DbAvailability;
  bus: EventBus;
  sessions: Sessions;
  keyring: Keyring;
  signer: TokenSigner;
  settings: SettingsStore;
  jobs: Jobs;
  clock: Clock;
  version: string;
  startedAt: Date;
  /** The site providers, rebuilt when their settings change. */
  providers: ProviderRegistry;
  /** Search results' covers: cache, fetches under way, connection pools. */
  covers: Covers;
  /** What the last library scan left (series state, the root's listing). */
  scanMemo: ScanMemo;
  /** The TMDB client (one connection pool). */
  tmdb: TmdbClient;
  /** Outbound client for notification channels and media servers. */
  outbound: HttpClient;
  /** Client for the import lists' services (AniList, MyAnimeList). */
  listsHttp: HttpClient;
  /** Cross-domain calls wired in main.ts (so domains do not import each other in circles). */
  hooks: Hooks;
  /** Which ffmpeg/ffprobe the downloads domain uses and whether they are current (shown by /health/detailed). */
  ffmpegInfo?: () => FfmpegInfo;
  /** The start-up check of ffmpeg's version: downloads start only once it said `ok`. */
  ffmpegCheck?: Promise<FfmpegInfo>;
  /** The Graphile Worker runner of this process (roles all and worker): HTTP answers while it starts. */
  workerState?: () => 'starting' | 'running' | 'stopping';
  /** Set while this process serves HTTP (role all or web). */
  realtime?: { activeConnections(): number };
}

export interface Hooks {
  /** After the anime directory changed: sync the library, return how many series it holds. */
  animeDirectoryChanged(dir: string): Promise<number>;
  /** A series was added to the library: its NFO is queued when metadata is set to (metadata/service.ts queueSeriesNfo). */
  seriesAdded(key: string): Promise<void>;
}
