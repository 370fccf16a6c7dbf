/**
 * Calendar days as `YYYY-MM-DD` strings (the API's air dates): counted in UTC so no time zone or
 * daylight-saving change moves a day. Weeks start on Monday.
 */
export type CalendarView = 'month' | 'week' | 'agenda';

/** Days the agenda shows from its first day. */
export const AGENDA_DAYS = 28;

const asDate = (day: string) => new Date(`${day}T00:00:00Z`);
const asDay = (d: Date) => d.toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  const d = asDate(day);
  d.setUTCDate(d.getUTCDate() + n);
  return asDay(d);
}

export function addMonths(day: string, n: number): string {
  const d = asDate(day);
  return asDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)));
}

/** 0 = Monday … 6 = Sunday */
export const weekday = (day: string) => (asDate(day).getUTCDay() + 6) % 7;
export const startOfWeek = (day: string) => addDays(day, -weekday(day));
export const startOfMonth = (day: string) => `${day.slice(0, 7)}-01`;
export const isValidDay = (day: unknown): day is string =>
  typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) && asDay(asDate(day)) === day;

/** The browser's today (the server's `today` replaces it once an answer is in). */
export const localToday = () => new Date().toLocaleDateString('en-CA');

/** First and last day (inclusive) a view shows around `anchor`: whole weeks for the month grid. */
export function rangeOf(view: CalendarView, anchor: string): { start: string; end: string } {
  if (view === 'week') {
    const start = startOfWeek(anchor);
    return { start, end: addDays(start, 6) };
  }
  if (view === 'agenda') return { start: anchor, end: addDays(anchor, AGENDA_DAYS - 1) };
  const first = startOfMonth(anchor);
  const last = addDays(addMonths(first, 1), -1);
  return { start: startOfWeek(first), end: addDays(startOfWeek(last), 6) };
}

/** Every day from start to end, inclusive. */
export function daysBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Where Previous / Next go from `anchor`. */
export function step(view: CalendarView, anchor: string, direction: 1 | -1): string {
  if (view === 'month') return addMonths(anchor, direction);
  return addDays(view === 'week' ? startOfWeek(anchor) : anchor, direction * (view === 'week' ? 7 : AGENDA_DAYS));
}

export function formatDay(day: string, locale: string, opts: Intl.DateTimeFormatOptions): string {
  return asDate(day).toLocaleDateString(locale, { ...opts, timeZone: 'UTC' });
}
