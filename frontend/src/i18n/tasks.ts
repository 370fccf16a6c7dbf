/**
 * The scheduled tasks in the user's language: a task's name and description by its id, its schedule from the
 * server's structured form (`schedule_info`), the server's English sentences only for a task this UI does not know.
 */
import type { TaskInfo } from '../api/types.ts';
import { has, i18n, t } from './index.ts';

type Schedule = TaskInfo['schedule_info'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A day (mon … sun) by the locale shown: "Mon" / "Mo."; `long`: "Monday" / "Montag". */
export function dayName(day: string, width: 'short' | 'long' = 'short'): string {
  const i = DAYS.indexOf(day);
  if (i < 0) return day;
  // 2024-01-01 was a Monday
  return new Intl.DateTimeFormat(i18n.global.locale.value, { weekday: width, timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1 + i));
}

export function taskName(task: Pick<TaskInfo, 'name' | 'title'>): string {
  return has(`task.name.${task.name}`) ? t(`task.name.${task.name}`) : task.title || task.name;
}

export function taskDescription(task: Pick<TaskInfo, 'name' | 'description'>): string {
  return has(`task.description.${task.name}`) ? t(`task.description.${task.name}`) : task.description;
}

/** "Mon, Wed at 03:00", "daily at 03:00", "every 60 min", "weekly on Sunday at 03:30", … in the locale shown. */
export function scheduleText(info: Schedule | undefined, fallback = ''): string {
  if (!info || !has(`task.schedule.${info.code}`)) return fallback;
  const time = info.time ?? '';
  switch (info.code) {
    case 'days_at': {
      const days = info.days ?? [];
      if (!days.length) return t('task.schedule.noDays');
      if (DAYS.every((d) => days.includes(d))) return t('task.schedule.daily_at', { time });
      return t('task.schedule.days_at', { time, days: days.map((d) => dayName(d)).join(', ') });
    }
    case 'every_minutes':
      return t('task.schedule.every_minutes', { minutes: info.minutes ?? 0 });
    case 'weekly_at':
      return t('task.schedule.weekly_at', { time, weekday: dayName(info.weekday ?? '', 'long') });
    case 'daily_at':
    case 'daily_at_utc':
      return t(`task.schedule.${info.code}`, { time });
    default:
      return t(`task.schedule.${info.code}`);
  }
}
