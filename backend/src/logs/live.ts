import type { Server } from 'socket.io';
import type { Deps } from '../deps.js';
import { toEntry } from './service.js';

/** A local room of the bus (realtime/bus.ts LocalRoom): each process tails its own lines. */
export const LOGS_ROOM = 'logs';
/** Lines held for the next message at most; beyond, the oldest are dropped (a flood must not pile up). */
const MAX_PENDING = 500;

/**
 * The live tail: while an admin has the Logs page open (the room `logs` has members), this
 * process's lines go out in `log_entries` messages, a few per second, through the typed event bus
 * (`emitLocal`: delivered to this process's sockets, like every message relayed by the realtime
 * server). Nothing here logs, so the tail never feeds itself.
 */
export function startLiveTail(deps: Pick<Deps, 'logging' | 'bus'>, io: Server): () => void {
  const tail = deps.logging?.tail;
  if (!tail) return () => undefined;
  let pending: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const lines = pending;
    pending = [];
    const entries = lines.map(toEntry).filter((e) => e !== null);
    if (entries.length) deps.bus.emitLocal(LOGS_ROOM, 'log_entries', { entries, dropped: 0 });
  };
  const off = tail.on((line) => {
    if (!io.sockets.adapter.rooms.get(LOGS_ROOM)?.size) return;
    pending.push(line);
    if (pending.length > MAX_PENDING) pending.splice(0, pending.length - MAX_PENDING);
    timer ??= setTimeout(flush, 250);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}
