import type { Db } from '../db/pool.js';
import { sql } from '../db/pool.js';
import type { Notifier } from '../db/notify.js';
import type { Logger } from '../log.js';

/**
 * Rooms a socket can join. `public` reaches every socket, `user:<id>` one user's sockets.
 * Other domains add their room names here.
 */
export const ROOMS = ['downloads', 'library', 'nfo', 'scheduler', 'watchlist', 'tasks', 'system'] as const;
export type Room = (typeof ROOMS)[number] | 'public' | `user:${number}`;

export interface RealtimeEvent {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  room: Room;
}

type Listener = (event: RealtimeEvent) => void;

const CHANNEL = 'aniworld_events';
/** NOTIFY payloads are capped at 8000 bytes by Postgres. */
const MAX_PAYLOAD = 7900;

/**
 * The typed event bus: any module, including worker jobs in another process, publishes here;
 * every process hears every event through Postgres NOTIFY and relays it to its sockets.
 */
export class EventBus {
  private listeners = new Set<Listener>();

  constructor(
    private db: Db,
    private notifier: Notifier,
    private log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.notifier.listen(CHANNEL, (payload) => this.deliver(payload as RealtimeEvent));
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(room: Room, type: string, data: Record<string, unknown> = {}): Promise<void> {
    const event: RealtimeEvent = { type, timestamp: new Date().toISOString(), data, room };
    const text = JSON.stringify(event);
    if (Buffer.byteLength(text) > MAX_PAYLOAD) {
      this.log.warn({ type, bytes: Buffer.byteLength(text) }, 'event too large to cross processes; delivered locally');
      this.deliver(event);
      return;
    }
    try {
      await this.db.query(sql.unsafe`select pg_notify(${CHANNEL}, ${text})`);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, type }, 'could not publish event; delivered locally');
      this.deliver(event);
    }
  }

  /** Fire-and-forget variant for hot paths (progress): never throws. */
  emit(room: Room, type: string, data: Record<string, unknown> = {}): void {
    void this.publish(room, type, data).catch(() => undefined);
  }

  private deliver(event: RealtimeEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.log.error({ err, type: event.type }, 'event listener failed');
      }
    }
  }
}
