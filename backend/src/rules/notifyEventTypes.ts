/**
 * Everything a notification channel can be told about; each channel picks its own. One list: the
 * server validates settings and messages with it (rules/notifyEvent.ts), the UI's channel editor
 * offers it (the UI imports this file; it must stay free of zod, Node and browser APIs).
 */
export const NOTIFY_EVENTS = [
  'download_completed',
  'download_failed',
  'new_episodes',
  'rescan_errors',
  'disk_space_low',
  'backup_failed',
  'health_problem',
] as const;
