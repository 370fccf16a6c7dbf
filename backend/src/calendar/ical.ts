import type { CalendarEntry } from './service.js';

/** RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped. */
const text = (s: string) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** Content lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > (out.length ? 74 : 75)) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

const code = (e: CalendarEntry) => `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;
const basic = (day: string) => day.replace(/-/g, '');
const nextDay = (day: string) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};
const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The calendar feed: one all-day VEVENT per episode with a UID that stays the same across refreshes. */
export function icsCalendar(entries: CalendarEntry[], now: Date, host: string, name = 'Aniworld'): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Aniworld//Calendar//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${text(name)}`,
    'X-PUBLISHED-TTL:PT6H',
  ];
  for (const e of entries) {
    const summary = `${e.series_name} - ${code(e)}${e.title ? ` - ${e.title}` : ''}`;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${text(`${e.series_key}-${code(e)}@${host}`)}`,
      `DTSTAMP:${stamp(now)}`,
      `DTSTART;VALUE=DATE:${basic(e.air_date)}`,
      `DTEND;VALUE=DATE:${basic(nextDay(e.air_date))}`,
      `SUMMARY:${text(summary)}`,
      `DESCRIPTION:${text(`${e.status.replace('_', ' ')} (${e.source === 'tmdb' ? 'TMDB' : 'provider'})`)}`,
      `CATEGORIES:${text(e.status)}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
