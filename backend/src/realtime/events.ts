import { z } from 'zod';
import { DownloadFailureCode, DownloadItem, Progress, QueueStatus } from '../downloads/schema.js';

/**
 * Every realtime message the server sends: room → message type → payload (`data` of the spec's
 * `{type, timestamp, data}`). The bus publishes only what is here (its signature is typed from
 * this map); the UI's types are generated from it (`npm run gen:event-types` writes
 * frontend/src/realtime/events.gen.ts, tests/core/eventTypes.test.ts fails when it is stale).
 *
 * Ids are unambiguous: every message about one queue item carries `download_id`, every message
 * about one watchlist item `item_id`, every message about one series its `key` (`serie_id` in
 * the NFO messages, as the spec's NFO routes name it).
 */

const Ep = z.object({ season: z.number(), episode: z.number(), title: z.string().nullable() });
const NfoBatchCount = { total: z.number(), successful: z.number(), failed: z.number(), skipped: z.number() };

const ItemEvent = z.object({ download_id: z.string(), key: z.string(), folder: z.string() });

export const EVENTS = {
  downloads: {
    /** A few per second per active item at most. */
    download_progress: ItemEvent.merge(Progress),
    download_added: ItemEvent.extend({ item: DownloadItem }),
    download_complete: ItemEvent.extend({ file: z.string(), item: DownloadItem.nullable() }),
    /** `code`: why, stable for clients (the item's `error_code`); `error` is the server's English. */
    download_failed: ItemEvent.extend({ error: z.string(), code: DownloadFailureCode, item: DownloadItem }),
    /** Without `download_id`: `trimmed` completed items left for the history (reload the page of the queue). */
    download_removed: z.union([
      ItemEvent.extend({ status: DownloadItem.shape.status }),
      z.object({ trimmed: z.number(), status: z.literal('completed') }),
    ]),
    /** The statistics only (whole lists can exceed a NOTIFY payload); `held_reason` alone while disk space holds the queue. */
    queue_status: z.union([
      z.object({
        is_running: z.boolean(),
        is_paused: z.boolean(),
        held_reason: z.string().nullable(),
        statistics: QueueStatus.shape.statistics,
        /** After a priority change: the item, and that the pending order moved. */
        item: DownloadItem.optional(),
        order_changed: z.boolean().optional(),
      }),
      z.object({ held_reason: z.string().nullable() }),
    ]),
    queue_started: z.object({}),
    queue_stopped: z.object({ paused: z.boolean() }),
    auto_queue_complete: z.object({
      trigger: z.string(),
      series: z.number(),
      added: z.number(),
      upgrades: z.number(),
      skipped: z.array(z.object({ key: z.string(), season: z.number(), episode: z.number(), reason: z.string() })),
      skipped_count: z.number(),
      pages_read: z.number(),
    }),
  },
  library: {
    scan_progress: z.object({ current: z.string().nullable(), done: z.number(), total: z.number() }),
    scan_complete: z.object({
      series: z.number(),
      missing: z.number(),
      failures: z.array(z.object({ key: z.string(), error: z.string(), code: z.string() })),
      failure_count: z.number(),
      duration_ms: z.number(),
      trigger: z.string().nullable(),
      unmatched: z.number(),
    }),
    /** The languages of `episodes` more missing episodes of series `key` were read (a count). */
    episode_languages: z.object({ key: z.string(), episodes: z.number() }),
  },
  nfo: {
    nfo_progress: z.object({
      batch_id: z.string(),
      serie_id: z.string().nullable(),
      serie_folder: z.string().nullable(),
      status: z.string(),
      success: z.boolean(),
      message: z.string().nullable(),
      /** The outcome as a code and its figures (as in the batch status's results). */
      code: z.string().nullable(),
      params: z.record(z.union([z.string(), z.number()])),
      nfo_path: z.string().nullable(),
      done: z.number(),
      total: z.number(),
    }),
    /** One series (`serie_id`), or a whole batch (`batch_id` with its counts). */
    nfo_complete: z.union([
      z.object({
        serie_id: z.string(),
        serie_folder: z.string().optional(),
        success: z.boolean(),
        message: z.string(),
        nfo_path: z.string().nullable(),
      }),
      z.object({ batch_id: z.string(), ...NfoBatchCount }),
    ]),
  },
  scheduler: {
    scheduler_status: z.object({
      is_running: z.boolean(),
      next_run: z.string().nullable(),
      last_run: z.string().nullable(),
      scan_in_progress: z.boolean(),
      time_zone: z.string(),
    }),
  },
  tasks: {
    task_started: z.object({ task: z.string() }),
    task_complete: z.object({ task: z.string(), duration_ms: z.number().nullable() }),
    task_failed: z.object({ task: z.string(), duration_ms: z.number().nullable(), error: z.string(), code: z.string() }),
  },
  /** The room `user:<id>`: one account's own messages. */
  user: {
    watchlist_new_episodes: z.object({
      item_id: z.string(),
      anime_title: z.string(),
      anime_key: z.string(),
      provider_id: z.string(),
      series_key: z.string().nullable(),
      episodes: z.array(Ep),
      queued: z.number(),
      timestamp: z.string(),
    }),
    watchlist_episode_downloaded: z.object({
      item_id: z.string(),
      anime_title: z.string(),
      anime_key: z.string(),
      provider_id: z.string(),
      series_key: z.string().nullable(),
      episodes: z.array(Ep),
      queued: z.number(),
      timestamp: z.string(),
    }),
    watchlist_check_complete: z.object({
      item_id: z.string(),
      anime_title: z.string(),
      status: z.string(),
      new_episodes: z.number(),
      error: z.string().nullable(),
    }),
  },
  /** Administrators who joined `logs`: the server's log lines, a few times per second. */
  logs: {
    log_entries: z.object({
      entries: z.array(
        z.object({ time: z.string().nullable(), level: z.string(), module: z.string().nullable(), msg: z.string(), line: z.string() }),
      ),
      dropped: z.number(),
    }),
  },
} as const;

/** Sent to one socket by the realtime server itself (not through the bus). */
export const DIRECT = {
  connected: z.object({ authenticated: z.boolean(), rooms: z.array(z.string()), message: z.string() }),
  pong: z.object({}),
  error: z.object({ message: z.string(), code: z.string().optional() }),
  system_info: z.object({ message: z.string(), room: z.string(), action: z.enum(['join', 'leave']) }),
} as const;

export type EventRoom = keyof typeof EVENTS;
export type EventType<R extends EventRoom> = keyof (typeof EVENTS)[R] & string;
/** What a publisher passes for a message of room `R` and type `T`. */
export type EventData<R extends EventRoom, T extends EventType<R>> = (typeof EVENTS)[R][T] extends infer S extends z.ZodTypeAny
  ? z.input<S>
  : never;

/** Rooms a logged-in socket may join (`user:<id>` and `public` are joined by the server; `logs` by administrators). */
export const ROOMS = ['downloads', 'library', 'nfo', 'scheduler', 'watchlist', 'tasks', 'system'] as const;
export type Room = (typeof ROOMS)[number] | 'public' | 'logs' | `user:${number}`;

/** The socket room a message of `R` goes to. */
export type RoomOf<R extends EventRoom> = R extends 'user' ? `user:${number}` : R;

/** Every message type, in the order of this file (GET /ws/status lists them). */
export const MESSAGE_TYPES = [
  'connected',
  'ping',
  'pong',
  'error',
  'system_info',
  ...Object.values(EVENTS).flatMap((types) => Object.keys(types)),
];
