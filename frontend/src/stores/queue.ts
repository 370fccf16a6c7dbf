/**
 * The queue as the browser sees it: loaded once from /api/queue/status, then kept current by the
 * realtime messages of the `downloads` room. Events that do not carry enough to update in place
 * ask for one refresh (debounced), never a polling loop.
 */
import { reactive } from 'vue';
import type { DownloadItem, Priority, QueueResponse, QueueStatistics, QueueStatus, RealtimeMessage } from '../api/types.ts';

type Data = Record<string, unknown>;

const emptyStatus = (): QueueStatus => ({
  is_running: false,
  is_paused: false,
  held_reason: null,
  active_downloads: [],
  pending_queue: [],
  completed_downloads: [],
  failed_downloads: [],
});

export type QueueStore = ReturnType<typeof createQueueStore>;

export function createQueueStore(refresh: () => void = () => undefined) {
  const state = reactive({
    status: emptyStatus(),
    statistics: null as QueueStatistics | null,
    loaded: false,
    /** Items per list of a paged load (0: the lists are whole); the pending list grows page by page up to `pendingLimit`. */
    perPage: 0,
    pendingLimit: 0,
  });
  const cap = (n: number, limit: number) => (limit > 0 ? Math.min(n, limit) : n);
  /** Keeps a finished list at the page size it was loaded with. */
  const trim = (list: DownloadItem[]) => {
    if (state.perPage && list.length > state.perPage) list.length = state.perPage;
  };

  const lists = () =>
    [
      state.status.active_downloads,
      state.status.pending_queue,
      state.status.completed_downloads,
      state.status.failed_downloads,
    ] as DownloadItem[][];

  /** Statistics that arrived before the first load answered (the socket joined first): compared with the load's. */
  let early: QueueStatistics | null = null;
  const sameCounts = (a: QueueStatistics, b: QueueStatistics) =>
    a.pending_count === b.pending_count &&
    a.active_count === b.active_count &&
    a.completed_count === b.completed_count &&
    a.failed_count === b.failed_count;

  function load(res: QueueResponse, perPage = state.perPage): void {
    // the answer may predate a change the socket already announced: then ask once more
    if (early && res.statistics && !state.loaded && !sameCounts(early, res.statistics)) refresh();
    early = null;
    state.status = { ...emptyStatus(), ...res.status };
    state.statistics = res.statistics ?? null;
    state.loaded = true;
    state.perPage = perPage;
    state.pendingLimit = perPage;
  }

  /** The next page of the pending list (rows already held are skipped); `limit`: rows asked for so far. */
  function appendPending(items: DownloadItem[], limit: number): void {
    const have = new Set(state.status.pending_queue.map((it) => String(it.id)));
    state.status.pending_queue.push(...items.filter((it) => !have.has(String(it.id))));
    state.pendingLimit = Math.max(state.pendingLimit, limit);
  }

  /** Puts a pending item in front of another (`null`: after the last loaded one), as POST /api/queue/move will. */
  function moveBefore(id: string, beforeId: string | null): void {
    const list = state.status.pending_queue;
    const from = list.findIndex((it) => String(it.id) === id);
    if (from < 0) return;
    const [item] = list.splice(from, 1);
    const to = beforeId === null ? list.length : list.findIndex((it) => String(it.id) === beforeId);
    list.splice(to < 0 ? list.length : to, 0, item);
  }

  function idOf(d: Data): string | null {
    // every message about one queue item names it `download_id` (realtime/events.ts); a trim names none
    return typeof d.download_id === 'string' ? d.download_id : null;
  }

  /** Removes the item from whichever list holds it and returns it. */
  function take(id: string): DownloadItem | null {
    for (const list of lists()) {
      const i = list.findIndex((it) => String(it.id) === id);
      if (i >= 0) return list.splice(i, 1)[0];
    }
    return null;
  }

  function find(id: string): DownloadItem | null {
    for (const list of lists()) {
      const it = list.find((x) => String(x.id) === id);
      if (it) return it;
    }
    return null;
  }

  function num(v: unknown): number | null {
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }

  function progress(id: string, d: Data): void {
    let item = find(id);
    if (!item) return refresh();
    const p = (d.progress as Data | undefined) ?? d;
    const percent = num(p.percent) ?? item.progress?.percent ?? 0;
    if (item.status !== 'downloading') {
      item = take(id)!;
      item.status = 'downloading';
      item.started_at ??= new Date().toISOString();
      state.status.active_downloads.push(item);
    }
    item.progress = {
      percent: Math.max(0, Math.min(100, percent)),
      downloaded_mb: num(p.downloaded_mb) ?? item.progress?.downloaded_mb,
      total_mb: num(p.total_mb) ?? item.progress?.total_mb ?? null,
      speed_mbps: num(p.speed_mbps) ?? undefined,
      eta_seconds: num(p.eta_seconds) ?? null,
    };
  }

  function finish(id: string, d: Data, ok: boolean): void {
    const full = d.item as DownloadItem | undefined;
    const item = take(id) ?? full ?? null;
    if (!item) return refresh();
    if (full) Object.assign(item, full);
    item.status = ok ? 'completed' : 'failed';
    item.completed_at ??= typeof d.completed_at === 'string' ? d.completed_at : new Date().toISOString();
    if (ok) {
      if (item.progress) item.progress.percent = 100;
      if (typeof d.file_path === 'string') item.file_path = d.file_path;
      state.status.completed_downloads.unshift(item);
      trim(state.status.completed_downloads);
    } else {
      item.error = (typeof d.error === 'string' && d.error) || (typeof d.message === 'string' && d.message) || item.error || null;
      if (typeof d.code === 'string') item.error_code = d.code as DownloadItem['error_code'];
      state.status.failed_downloads.unshift(item);
      trim(state.status.failed_downloads);
    }
  }

  /** Whether the lists we hold agree with the server's counts (retries and reorders arrive only as counts). */
  function countsMatch(s: QueueStatistics): boolean {
    const st = state.status;
    return (
      cap(s.pending_count, state.pendingLimit) === st.pending_queue.length &&
      cap(s.active_count, state.perPage) === st.active_downloads.length &&
      cap(s.completed_count, state.perPage) === st.completed_downloads.length &&
      cap(s.failed_count, state.perPage) === st.failed_downloads.length
    );
  }

  function apply(msg: RealtimeMessage): void {
    const d = (msg.data ?? {}) as Data;
    const id = idOf(d);
    switch (msg.type) {
      case 'download_progress':
        if (id) progress(id, d);
        break;
      case 'download_complete':
        if (id) finish(id, d, true);
        break;
      case 'download_failed':
        if (id) finish(id, d, false);
        break;
      case 'download_removed':
        if (id) take(id);
        else refresh();
        break;
      case 'download_added': {
        const item = d.item as DownloadItem | undefined;
        if (item?.id && !find(String(item.id))) {
          // beyond the loaded rows it arrives with the page that holds it
          if (!state.pendingLimit || state.status.pending_queue.length < state.pendingLimit) state.status.pending_queue.push(item);
        } else refresh();
        break;
      }
      case 'queue_started':
        state.status.is_running = true;
        state.status.is_paused = false;
        break;
      case 'queue_stopped':
        state.status.is_running = false;
        break;
      case 'queue_status':
        if (d.status && typeof d.status === 'object') return load(d as unknown as QueueResponse);
        if (d.item && typeof d.item === 'object') {
          const it = d.item as DownloadItem;
          if (it.id && it.priority) setPriority(String(it.id), it.priority);
        }
        // a priority change moved the pending order: only the server knows the positions inside a priority
        if (d.order_changed === true) refresh();
        if (typeof d.is_running === 'boolean') state.status.is_running = d.is_running;
        if (typeof d.is_paused === 'boolean') state.status.is_paused = d.is_paused;
        if ('held_reason' in d) state.status.held_reason = (d.held_reason as string | null) ?? null;
        if (d.statistics && typeof d.statistics === 'object') {
          if (!state.loaded)
            early = d.statistics as QueueStatistics; // the first load is on its way
          else {
            state.statistics = d.statistics as QueueStatistics;
            if (!countsMatch(state.statistics)) refresh();
          }
        }
        break;
    }
  }

  /**
   * A pending item's new priority, placed in the queue order (priority first): after the items of
   * its new priority it held before, ahead of the ones of a lower priority.
   */
  function setPriority(id: string, priority: Priority): void {
    const list = state.status.pending_queue;
    const item = list.find((it) => String(it.id) === id);
    if (!item || item.priority === priority) return;
    item.priority = priority;
    const rank = (p: Priority) => (p === 'HIGH' ? 0 : p === 'NORMAL' ? 1 : 2);
    // stable: the order within each priority stays
    state.status.pending_queue = [...list].sort((a, b) => rank(a.priority) - rank(b.priority));
  }

  /** Moves one pending item to a new index; returns the new order of ids (what /reorder wants). */
  function movePending(id: string, toIndex: number): string[] {
    const list = state.status.pending_queue;
    const from = list.findIndex((it) => String(it.id) === id);
    if (from < 0) return list.map((it) => String(it.id));
    const [item] = list.splice(from, 1);
    list.splice(Math.max(0, Math.min(list.length, toIndex)), 0, item);
    return list.map((it) => String(it.id));
  }

  return { state, load, apply, appendPending, moveBefore, movePending, setPriority };
}
