import { describe, expect, it } from 'vitest';
import { assertTimeZone, nextDailyRun, nextRun, serverTimeZone, zonedTime } from '../../backend/src/scheduler/nextRun.js';
import { loadEnv } from '../../backend/src/config.js';

const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const at = (iso: string) => new Date(iso);
const daily = (now: string, time: string, days: string[], tz: string) => nextDailyRun(at(now), time, days, tz)?.toISOString() ?? null;

describe('next run: daily time on listed days', () => {
  // 2026-07-15 is a Wednesday.
  it.each([
    ['later today', '2026-07-15T02:00:00Z', '03:00', ALL, 'UTC', '2026-07-15T03:00:00.000Z'],
    ['exactly at the time → tomorrow', '2026-07-15T03:00:00Z', '03:00', ALL, 'UTC', '2026-07-16T03:00:00.000Z'],
    ['a second after → tomorrow', '2026-07-15T03:00:01Z', '03:00', ALL, 'UTC', '2026-07-16T03:00:00.000Z'],
    ['a minute before', '2026-07-15T02:59:00Z', '03:00', ALL, 'UTC', '2026-07-15T03:00:00.000Z'],
    ['midnight from late evening', '2026-07-15T23:59:00Z', '00:00', ALL, 'UTC', '2026-07-16T00:00:00.000Z'],
    ['23:59 the same day', '2026-07-15T00:00:00Z', '23:59', ALL, 'UTC', '2026-07-15T23:59:00.000Z'],
    ['mon/wed/fri from wed after time → fri', '2026-07-15T10:00:00Z', '06:30', ['mon', 'wed', 'fri'], 'UTC', '2026-07-17T06:30:00.000Z'],
    ['mon/wed/fri from wed before time → wed', '2026-07-15T05:00:00Z', '06:30', ['mon', 'wed', 'fri'], 'UTC', '2026-07-15T06:30:00.000Z'],
    ['fri → next mon over the weekend', '2026-07-17T07:00:00Z', '06:30', ['mon', 'wed', 'fri'], 'UTC', '2026-07-20T06:30:00.000Z'],
    ['only wednesday, past today → a week later', '2026-07-15T04:00:00Z', '03:00', ['wed'], 'UTC', '2026-07-22T03:00:00.000Z'],
    ['only sunday from sunday morning', '2026-07-19T01:00:00Z', '03:00', ['sun'], 'UTC', '2026-07-19T03:00:00.000Z'],
    ['day order does not matter', '2026-07-15T10:00:00Z', '06:30', ['fri', 'mon'], 'UTC', '2026-07-17T06:30:00.000Z'],
    // time zones: the day is the local day, not the UTC day
    ['Tokyo 03:00 is 18:00 UTC the day before', '2026-07-15T10:00:00Z', '03:00', ALL, 'Asia/Tokyo', '2026-07-15T18:00:00.000Z'],
    ['Tokyo: local Thursday starts on UTC Wednesday', '2026-07-15T10:00:00Z', '03:00', ['thu'], 'Asia/Tokyo', '2026-07-15T18:00:00.000Z'],
    ['Kolkata half-hour offset', '2026-07-15T00:00:00Z', '06:00', ALL, 'Asia/Kolkata', '2026-07-15T00:30:00.000Z'],
    ['New York summer', '2026-07-15T00:00:00Z', '09:00', ALL, 'America/New_York', '2026-07-15T13:00:00.000Z'],
    ['New York winter', '2026-01-15T00:00:00Z', '09:00', ALL, 'America/New_York', '2026-01-15T14:00:00.000Z'],
    [
      'New York local Tuesday 23:30 is UTC Wednesday',
      '2026-07-14T12:00:00Z',
      '23:30',
      ['tue'],
      'America/New_York',
      '2026-07-15T03:30:00.000Z',
    ],
    ['Berlin midnight', '2026-07-15T21:00:00Z', '00:00', ALL, 'Europe/Berlin', '2026-07-15T22:00:00.000Z'],
  ])('%s', (_name, now, time, days, tz, expected) => {
    expect(daily(now, time, days, tz)).toBe(expected);
  });

  it('returns null when no day is listed or the time is malformed', () => {
    expect(daily('2026-07-15T00:00:00Z', '03:00', [], 'UTC')).toBeNull();
    expect(daily('2026-07-15T00:00:00Z', '24:00', ALL, 'UTC')).toBeNull();
    expect(daily('2026-07-15T00:00:00Z', '3:00', ALL, 'UTC')).toBeNull();
  });
});

describe('next run across daylight-saving changes', () => {
  // Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).
  it.each([
    [
      'spring forward: 02:30 does not exist → runs when the clock jumps',
      '2026-03-28T22:00:00Z',
      '02:30',
      'Europe/Berlin',
      '2026-03-29T01:00:00.000Z',
    ],
    [
      'spring forward: 02:00 does not exist → runs when the clock jumps',
      '2026-03-28T22:00:00Z',
      '02:00',
      'Europe/Berlin',
      '2026-03-29T01:00:00.000Z',
    ],
    ['spring forward: 03:00 exists (CEST)', '2026-03-28T22:00:00Z', '03:00', 'Europe/Berlin', '2026-03-29T01:00:00.000Z'],
    ['spring forward: 01:59 still CET', '2026-03-28T22:00:00Z', '01:59', 'Europe/Berlin', '2026-03-29T00:59:00.000Z'],
    ['the day after spring forward: 02:30 CEST', '2026-03-29T02:00:00Z', '02:30', 'Europe/Berlin', '2026-03-30T00:30:00.000Z'],
    ['day before spring forward: 03:00 CET', '2026-03-27T12:00:00Z', '03:00', 'Europe/Berlin', '2026-03-28T02:00:00.000Z'],
    [
      'fall back: 02:30 happens twice → first occurrence (CEST)',
      '2026-10-24T22:00:00Z',
      '02:30',
      'Europe/Berlin',
      '2026-10-25T00:30:00.000Z',
    ],
    [
      'fall back: after the first 02:30 it does not run again at the second',
      '2026-10-25T00:45:00Z',
      '02:30',
      'Europe/Berlin',
      '2026-10-26T01:30:00.000Z',
    ],
    ['fall back: 03:00 is CET', '2026-10-24T22:00:00Z', '03:00', 'Europe/Berlin', '2026-10-25T02:00:00.000Z'],
    ['fall back: 01:30 is CEST', '2026-10-24T22:00:00Z', '01:30', 'Europe/Berlin', '2026-10-24T23:30:00.000Z'],
    // America/New_York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z).
    ['New York spring forward 02:15 → 03:00 EDT', '2026-03-08T00:00:00Z', '02:15', 'America/New_York', '2026-03-08T07:00:00.000Z'],
    ['New York fall back 01:30 → first (EDT)', '2026-11-01T00:00:00Z', '01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['New York the day after fall back', '2026-11-01T12:00:00Z', '01:30', 'America/New_York', '2026-11-02T06:30:00.000Z'],
    // Lord Howe Island shifts by 30 minutes: 2026-10-04 02:00 (+10:30) → 02:30 (+11:00), at 15:30Z on the 3rd.
    [
      'Lord Howe half-hour spring forward: 02:10 → 02:30',
      '2026-10-03T12:00:00Z',
      '02:10',
      'Australia/Lord_Howe',
      '2026-10-03T15:30:00.000Z',
    ],
  ])('%s', (_name, now, time, tz, expected) => {
    expect(daily(now, time, ALL, tz)).toBe(expected);
  });

  it('a week of daily runs over spring forward keeps the local time', () => {
    const tz = 'Europe/Berlin';
    let now = at('2026-03-26T12:00:00Z');
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const next = nextDailyRun(now, '04:00', ALL, tz)!;
      runs.push(next.toISOString());
      now = next;
    }
    expect(runs).toEqual([
      '2026-03-27T03:00:00.000Z',
      '2026-03-28T03:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-30T02:00:00.000Z',
      '2026-03-31T02:00:00.000Z',
    ]);
  });

  it('zonedTime maps local wall-clock times both ways', () => {
    expect(new Date(zonedTime({ year: 2026, month: 7, day: 15, hour: 12, minute: 0 }, 'Europe/Berlin')).toISOString()).toBe(
      '2026-07-15T10:00:00.000Z',
    );
    expect(new Date(zonedTime({ year: 2026, month: 1, day: 15, hour: 12, minute: 0 }, 'Europe/Berlin')).toISOString()).toBe(
      '2026-01-15T11:00:00.000Z',
    );
  });

  it('rejects an unknown time zone, also as TZ at start-up', () => {
    expect(() => assertTimeZone('Mars/Olympus_Mons')).toThrow(RangeError);
    expect(() => loadEnv({ TZ: 'Mars/Olympus_Mons' })).toThrow(/TZ must be an IANA time zone/);
    expect(loadEnv({ TZ: 'Asia/Tokyo' }).TZ).toBe('Asia/Tokyo');
    expect(serverTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(serverTimeZone(undefined)).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});

describe('nextRun: enabled flag and interval mode', () => {
  const base = { enabled: true, interval_minutes: 90, schedule_time: '03:00', schedule_days: ALL };
  const now = at('2026-07-15T10:00:00Z');

  it('is null when disabled', () => {
    expect(nextRun({ ...base, enabled: false }, now, 'UTC')).toBeNull();
  });
  it('uses the daily time when set', () => {
    expect(nextRun(base, now, 'UTC')?.toISOString()).toBe('2026-07-16T03:00:00.000Z');
  });
  it('empty schedule_time: every interval_minutes from now when it never ran', () => {
    expect(nextRun({ ...base, schedule_time: '' }, now, 'UTC')?.toISOString()).toBe('2026-07-15T11:30:00.000Z');
    expect(nextRun({ ...base, schedule_time: null }, now, 'UTC')?.toISOString()).toBe('2026-07-15T11:30:00.000Z');
  });
  it('empty schedule_time: counts from the last run', () => {
    expect(nextRun({ ...base, schedule_time: '' }, now, 'UTC', at('2026-07-15T09:50:00Z'))?.toISOString()).toBe('2026-07-15T11:20:00.000Z');
  });
  it('an overdue interval run is due now, once', () => {
    expect(nextRun({ ...base, schedule_time: '' }, now, 'UTC', at('2026-07-14T00:00:00Z'))?.toISOString()).toBe(now.toISOString());
  });
});
