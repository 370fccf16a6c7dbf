import type { Db } from '../db/pool.js';
import { sql } from '../db/pool.js';
import type { Notifier } from '../db/notify.js';
import type { Logger } from '../log.js';
import { notifyStored, storedBody } from './repo.js';

import type { EventData, EventRoom, EventType, Room } from './events.js';

export { ROOMS, type Room } from './events.js';

/** A message on its way to a room: `data` is one of realtime/events.ts's payloads. */
export interface RealtimeEvent {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  room: Room;
}

/**
 * Rooms whose messages stay on the process that made them: `logs` carries this process's own log
 * lines (each process tails its own; sending them through the database would put a NOTIFY on every
 * flush and log its own failures back into the tail).
 */
export type LocalRoom = 'logs';
type NamedRoom = Exclude<EventRoom, 'user' | LocalRoom>;

type Listener = (event: RealtimeEvent) => void;

const CHANNEL = 'aniworld_events';
/** NOTIFY payloads are capped at 8000 bytes by Postgres. */
const MAX_PAYLOAD = 7900;

/**
 * The typed event bus: any module, including worker jobs in another process, publishes here;
 * every process hears every event through Postgres NOTIFY and relays it to its sockets. An event
 * too large for a NOTIFY is stored in `realtime_payloads` and the NOTIFY carries its id (`{ref}`);
 * each process reads it back. Events are delivered in the order their notifications arrive.
 */
export class EventBus {
  private listeners = new Set<Listener>();
  /** Deliveries in arrival order (a stored event is read before the ones after it are delivered). */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private db: Db,
    private notifier: Notifier,
    private log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.notifier.listen(CHANNEL, (payload) => {
      this.chain = this.chain
        .then(() => this.resolve(payload))
        .then((event) => {
          if (event) this.deliver(event);
        });
    });
  }

  /** The event a notification carries, or the stored one it points to. */
  private async resolve(payload: unknown): Promise<RealtimeEvent | null> {
    const ref = (payload as { ref?: unknown }).ref;
    if (typeof ref !== 'string') return payload as RealtimeEvent;
    try {
      const body = await storedBody(this.db, ref);
      if (body === null) this.log.warn({ ref }, 'a large event was gone before it was read');
      return body === null ? null : (JSON.parse(body) as RealtimeEvent);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, ref }, 'could not read a large event');
      return null;
    }
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Publishes a message of realtime/events.ts to its room, on every process. */
  publish<R extends NamedRoom, T extends EventType<R>>(room: R, type: T, data: EventData<R, T>): Promise<void> {
    return this.send(room, type, data as Record<string, unknown>);
  }

  /** Publishes one of the `user` messages of realtime/events.ts to one account's sockets. */
  publishToUser<T extends EventType<'user'>>(userId: number, type: T, data: EventData<'user', T>): Promise<void> {
    return this.send(`user:${userId}`, type, data as Record<string, unknown>);
  }

  /** Fire-and-forget variants for hot paths (progress): never throw. */
  emit<R extends NamedRoom, T extends EventType<R>>(room: R, type: T, data: EventData<R, T>): void {
    void this.publish(room, type, data).catch(() => undefined);
  }

  emitToUser<T extends EventType<'user'>>(userId: number, type: T, data: EventData<'user', T>): void {
    void this.publishToUser(userId, type, data).catch(() => undefined);
  }

  /** Delivers a message of realtime/events.ts to this process's sockets only (no NOTIFY); never throws. */
  emitLocal<R extends LocalRoom, T extends EventType<R>>(room: R, type: T, data: EventData<R, T>): void {
    this.deliver({ type, timestamp: new Date().toISOString(), data: data as Record<string, unknown>, room });
  }

  private async send(room: Room, type: string, data: Record<string, unknown>): Promise<void> {
    const event: RealtimeEvent = { type, timestamp: new Date().toISOString(), data, room };
    const text = JSON.stringify(event);
    try {
      if (Buffer.byteLength(text) > MAX_PAYLOAD) await notifyStored(this.db, CHANNEL, text);
      else await this.db.query(sql.unsafe`select pg_notify(${CHANNEL}, ${text})`);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, type }, 'could not publish event; delivered locally');
      this.deliver(event);
    }
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
