/**
 * Next-run computation for the rescan schedule: pure, with the clock and the time zone passed in.
 * A daily time ("HH:MM") on listed week days in a time zone, or a fixed interval in minutes.
 * Daylight saving: a time that does not exist that day (spring forward) runs at the moment the
 * clock jumps; a time that happens twice (fall back) runs once, at its first occurrence.
 */

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const DAY_BY_INDEX: Day[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE = 60_000;
const DAY_MS = 86_400_000;

export interface ScheduleInput {
  enabled: boolean;
  interval_minutes: number;
  schedule_time: string | null;
  schedule_days: readonly string[];
}

interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

/** The wall clock of a time zone (throws a RangeError for one Intl does not know); slow to make, so made once per computation. */
function zone(tz: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
}

/** Throws a RangeError for a time zone Intl does not know. */
export function assertTimeZone(tz: string): void {
  zone(tz);
}

/** The wall-clock date and time of an instant in a time zone. */
export function localParts(t: number, tz: string): LocalParts {
  return partsIn(zone(tz), t);
}

function partsIn(clock: Intl.DateTimeFormat, t: number): LocalParts {
  const out: Record<string, number> = {};
  for (const p of clock.formatToParts(new Date(t))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute };
}

const wallMs = (p: LocalParts) => Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);

/** Offset of the zone from UTC at instant t (ms, positive east of Greenwich). */
function offsetAt(t: number, clock: Intl.DateTimeFormat): number {
  const floored = Math.floor(t / MINUTE) * MINUTE;
  return wallMs(partsIn(clock, floored)) - floored;
}

/**
 * The instant at which the wall clock in `tz` shows the given local date and time; when that time
 * happens twice the first one, when it does not exist the instant the clock jumps past it.
 */
export function zonedTime(p: LocalParts, tz: string): number {
  return zonedTimeIn(p, zone(tz));
}

function zonedTimeIn(p: LocalParts, clock: Intl.DateTimeFormat): number {
  const wall = wallMs(p);
  const candidates = [wall - offsetAt(wall - DAY_MS, clock), wall - offsetAt(wall + DAY_MS, clock)];
  const exact = candidates.filter((c) => wallMs(partsIn(clock, c)) === wall).sort((a, b) => a - b);
  if (exact.length > 0) return exact[0];
  // In a gap: the earliest minute whose wall clock is already past the wanted time.
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
    if (wallMs(partsIn(clock, mid)) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function parseTime(value: string): { hour: number; minute: number } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : null;
}

/** The first instant strictly after `now` at `time` on one of `days` in `tz`; null when no day is listed. */
export function nextDailyRun(now: Date, time: string, days: readonly string[], tz: string): Date | null {
  const hm = parseTime(time);
  if (!hm || days.length === 0) return null;
  const clock = zone(tz);
  const today = partsIn(clock, now.getTime());
  for (let i = 0; i <= 8; i++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    if (!days.includes(DAY_BY_INDEX[date.getUTCDay()])) continue;
    const t = zonedTimeIn({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), ...hm }, clock);
    if (t > now.getTime()) return new Date(t);
  }
  return null;
}

/**
 * When the scheduled rescan runs next. Interval mode counts from the last run (a run that is
 * overdue is due now); daily mode uses the wall clock of `tz`.
 */
export function nextRun(cfg: ScheduleInput, now: Date, tz: string, lastRun: Date | null = null): Date | null {
  if (!cfg.enabled) return null;
  if (cfg.schedule_time) return nextDailyRun(now, cfg.schedule_time, cfg.schedule_days, tz);
  const interval = Math.max(1, cfg.interval_minutes) * MINUTE;
  if (!lastRun) return new Date(now.getTime() + interval);
  return new Date(Math.max(now.getTime(), lastRun.getTime() + interval));
}

/** The server's time zone: TZ when set, else what the runtime reports. */
export function serverTimeZone(tz?: string): string {
  return tz || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
