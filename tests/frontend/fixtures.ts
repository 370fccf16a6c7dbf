import type { AnyMessage } from '../../frontend/src/realtime/socket.ts';
import type { DownloadItem, QueueResponse } from '../../frontend/src/api/types.ts';

export function item(id: string, episode: number, over: Partial<DownloadItem> = {}): DownloadItem {
  return {
    id,
    serie_id: 'frieren',
    serie_folder: 'Frieren (2023)',
    serie_name: 'Frieren',
    episode: { season: 1, episode, title: `Episode ${episode}` },
    status: 'pending',
    priority: 'NORMAL',
    added_at: '2026-01-01T10:00:00Z',
    started_at: null,
    completed_at: null,
    progress: null,
    error: null,
    error_code: null,
    retry_count: 0,
    source_url: null,
    source: 'manual',
    language: null,
    hoster: null,
    hoster_errors: [],
    file_path: null,
    attempts: 0,
    upgrade_from: null,
    replace: false,
    ...over,
  };
}

export function queueResponse(pending: DownloadItem[], active: DownloadItem[] = []): QueueResponse {
  return {
    status: {
      is_running: true,
      is_paused: false,
      held_reason: null,
      active_downloads: active,
      pending_queue: pending,
      completed_downloads: [],
      failed_downloads: [],
    },
    statistics: {
      total_items: pending.length + active.length,
      pending_count: pending.length,
      active_count: active.length,
      completed_count: 0,
      failed_count: 0,
      total_downloaded_mb: 0,
      average_speed_mbps: 0,
      estimated_time_remaining: null,
    },
  };
}

/** A realtime message as the socket delivers it (partial payloads: the components must cope with what they read). */
export const msg = (type: string, data: Record<string, unknown>) => ({ type, timestamp: new Date().toISOString(), data }) as AnyMessage;
