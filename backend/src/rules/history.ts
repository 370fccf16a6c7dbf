/**
 * Every kind of history row: the events of history_events plus two per download attempt. One
 * definition: the server validates and answers with it (history/), the UI's history filter lists it
 * (the UI imports this file; it must stay free of Node and browser APIs).
 */
export const HISTORY_TYPES = [
  'queued',
  'download_started',
  'download_completed',
  'download_failed',
  'download_cancelled',
  'blocklisted',
  'file_imported',
  'file_deleted',
  'series_added',
  'series_removed',
  'nfo_written',
] as const;
export type HistoryType = (typeof HISTORY_TYPES)[number];
