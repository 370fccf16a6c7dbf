/**
 * The codes of a task's schedule (`schedule_info.code` in GET /api/tasks): the UI says each in the user's
 * language from the figures beside it (time, days, minutes, weekday).
 */
export const SCHEDULE_CODES = [
  'off',
  'backup_off',
  'days_at',
  'every_minutes',
  'daily_at',
  'daily_at_utc',
  'weekly_at',
  'crontab',
  'watchlist_interval',
] as const;

export type ScheduleCode = (typeof SCHEDULE_CODES)[number];
