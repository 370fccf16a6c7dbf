import type { HistoryEvent, HistoryRow } from '../api/types.ts';
import { formatDuration, formatSize, has, t } from '../i18n/index.ts';
import { languageLabel } from './languages.ts';
import { HISTORY_TYPES } from '../../../backend/src/rules/history.ts';

/** The event types, in the filter's order: the server's one list (rules/history.ts). */
export const HISTORY_EVENTS: readonly HistoryEvent[] = HISTORY_TYPES;

/** The badge colour of an event: done, went wrong, or neutral. */
export function eventTone(e: HistoryEvent): '' | 'ok' | 'warn' | 'danger' {
  if (e === 'download_completed' || e === 'file_imported') return 'ok';
  if (e === 'download_failed' || e === 'blocklisted') return 'danger';
  if (e === 'download_cancelled' || e === 'series_removed' || e === 'file_deleted') return 'warn';
  return '';
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Who or what queued it: a user, or the system's reason (rescan, watchlist, upgrade). */
export function queuedBy(r: HistoryRow): string | null {
  const by = str(r.data.queued_by);
  if (!by) return null;
  const k = `history.by.${by}`;
  return has(k) ? t(k) : by;
}

/** The facts of a row as short parts (hoster, language, size, speed, reason, ...). */
export function details(r: HistoryRow): string[] {
  const d = r.data;
  const parts: string[] = [];
  const hoster = str(d.hoster);
  const language = str(d.language);
  if (hoster) parts.push(hoster);
  if (language) parts.push(languageLabel(language));
  switch (r.event) {
    case 'queued': {
      // "by hand" is its own phrase ("von Hand", never "durch Hand")
      const by = str(d.queued_by) === 'manual' ? null : queuedBy(r);
      if (str(d.queued_by) === 'manual') parts.unshift(t('history.queuedByHand'));
      else if (by) parts.unshift(t('history.queuedBy', { by }));
      break;
    }
    case 'download_completed': {
      const bytes = num(d.bytes);
      const seconds = num(d.duration_seconds);
      const speed = num(d.bytes_per_second);
      if (bytes) parts.push(formatSize(bytes));
      if (seconds !== null) parts.push(formatDuration(seconds));
      if (speed) parts.push(`${formatSize(speed)}/s`);
      if (str(d.upgraded_from)) parts.push(t('history.upgradedFrom', { lang: languageLabel(str(d.upgraded_from)!) }));
      break;
    }
    case 'download_failed':
    case 'blocklisted':
      if (str(d.reason)) parts.push(str(d.reason)!);
      break;
    case 'file_imported':
      if (num(d.files) !== null) parts.push(t('history.files', { n: num(d.files)! }));
      break;
    case 'file_deleted':
      if (num(d.removed) !== null) parts.push(t('history.filesRemoved', { n: num(d.removed)! }));
      break;
    case 'nfo_written':
      if (Array.isArray(d.files)) parts.push(t('history.files', { n: d.files.length }));
      break;
    case 'series_added':
    case 'series_removed':
      if (str(d.folder)) parts.push(str(d.folder)!);
      break;
  }
  return parts;
}

/** The file a completed download wrote (its name only). */
export function fileOf(r: HistoryRow): string | null {
  const f = str(r.data.file);
  return f ? (f.split(/[\\/]/).pop() ?? f) : null;
}

/** `YYYY-MM-DD` of a local day → the ISO instant of its local midnight (the date range filters). */
export function dayStart(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}
