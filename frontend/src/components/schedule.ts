/** Validation of the scheduler form, the same rules as the server (the server checks again). */
import type { Day, SchedulerConfig } from '../api/types.ts';
import { DAYS } from '../api/types.ts';

export interface ScheduleErrors {
  schedule_time?: string;
  schedule_days?: string;
  interval_minutes?: string;
}

export const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Returns message keys per field; empty when the config can be saved. */
export function validateSchedule(c: SchedulerConfig): ScheduleErrors {
  const errors: ScheduleErrors = {};
  const time = c.schedule_time ?? '';
  if (time !== '' && !TIME_RE.test(time)) errors.schedule_time = 'schedule.errTime';
  if (time !== '' && c.enabled && c.schedule_days.length === 0) errors.schedule_days = 'schedule.errDays';
  if (c.schedule_days.some((d) => !DAYS.includes(d as Day))) errors.schedule_days = 'schedule.errDayName';
  if (!Number.isInteger(c.interval_minutes) || c.interval_minutes < 1) errors.interval_minutes = 'schedule.errInterval';
  return errors;
}

/** Days in week order, whatever order they were toggled in. */
export const sortDays = (days: Day[]) => DAYS.filter((d) => days.includes(d));
