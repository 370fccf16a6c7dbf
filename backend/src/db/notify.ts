import pg from 'pg';
import type { Logger } from '../log.js';

type Handler = (payload: unknown) => void;

/**
 * One LISTEN connection per process: carries realtime events, token revocations and config
 * changes between processes sharing the database. Reconnects by itself; `onReconnect` lets
 * caches reload whatever they may have missed while it was down.
 */
export class Notifier {
  private client: pg.Client | null = null;
  private handlers = new Map<string, Set<Handler>>();
  private reconnectHandlers = new Set<() => void>();
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private up = false;

  constructor(
    private url: string,
    private log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', (err) => {
      this.up = false;
      this.log.warn({ err: err.message }, 'notification connection lost');
      this.scheduleReconnect();
    });
    client.on('end', () => {
      this.up = false;
      this.scheduleReconnect();
    });
    client.on('notification', (msg) => {
      const set = this.handlers.get(msg.channel);
      if (!set || !msg.payload) return;
      let payload: unknown;
      try {
        payload = JSON.parse(msg.payload);
      } catch {
        return;
      }
      for (const h of set) h(payload);
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`listen "${channel}"`);
    const wasReconnect = this.client !== null;
    this.client = client;
    this.up = true;
    if (wasReconnect) for (const h of this.reconnectHandlers) h();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch((err) => {
        this.log.warn({ err: err.message }, 'notification reconnect failed');
        this.scheduleReconnect();
      });
    }, 1000);
  }

  private listening: Promise<unknown> = Promise.resolve();

  async listen(channel: string, handler: Handler): Promise<void> {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel ${channel}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      // a link that is down listens to every channel when it reconnects
      if (this.client && this.up) {
        // one query at a time on the link (parts of the start-up listen at once)
        const client = this.client;
        const done = this.listening.then(() =>
          client.query(`listen "${channel}"`).catch((err: Error) => {
            this.log.warn({ channel, err: err.message }, 'listen waits for the notification link to reconnect');
          }),
        );
        this.listening = done;
        await done;
      }
    }
    set.add(handler);
  }

  /** True while notifications arrive: a cache that relies on them must not serve while this is false. */
  get connected(): boolean {
    return this.up && !this.closed;
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
    }
  }
}
