import { describe, expect, it, beforeEach, vi, afterEach } from 'vitest';
import { mount } from '@vue/test-utils';
import { computed, nextTick } from 'vue';
import { browserLocale, i18n, setLocale, t, formatSize, formatDate, formatNumber } from '../../frontend/src/i18n/index.ts';
import { ApiError, errorMessage, codeMessage } from '../../frontend/src/api/client.ts';
import { toast, toasts, dismiss } from '../../frontend/src/stores/toasts.ts';
import { installJobToasts } from '../../frontend/src/realtime/jobToasts.ts';
import { dispatch } from '../../frontend/src/realtime/socket.ts';
import ToastHost from '../../frontend/src/components/ToastHost.vue';
import { msg } from './fixtures.ts';
import en from '../../frontend/src/i18n/en.ts';
import de from '../../frontend/src/i18n/de.ts';
import { scheduleText, taskDescription, taskName } from '../../frontend/src/i18n/tasks.ts';
import { details } from '../../frontend/src/components/history.ts';
import { batchReason } from '../../frontend/src/components/nfoBatch.ts';
import { TRACKED } from '../../backend/src/scheduler/taskRuns.ts';
import { SCHEDULE_CODES } from '../../backend/src/scheduler/scheduleCodes.ts';

const MESSAGES = { en, de };

const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();

beforeEach(() => setLocale('en'));

describe('texts', () => {
  it('English and German have the same keys and keep the same placeholders', () => {
    const en = Object.keys(MESSAGES.en).sort();
    const de = Object.keys(MESSAGES.de).sort();
    expect(de).toEqual(en);
    for (const key of en) expect(placeholders(MESSAGES.de[key]), key).toEqual(placeholders(MESSAGES.en[key]));
  });

  it('every message renders through vue-i18n with its placeholders filled (a stray | or @ would break it)', async () => {
    for (const locale of ['en', 'de'] as const) {
      await setLocale(locale);
      for (const [key, text] of Object.entries(MESSAGES[locale])) {
        const params = Object.fromEntries(placeholders(text).map((p) => [p.slice(1, -1), `<${p.slice(1, -1)}>`]));
        const out = t(key, params);
        expect(out, `${locale} ${key}`).not.toBe(key);
        // each placeholder is filled, except the literal ones ({'{episode}'}) that show the braces on purpose
        const literal = new Set((text.match(/\{'\{\w+\}'\}/g) ?? []).map((l) => l.slice(2, -2)));
        for (const p of placeholders(text)) if (!literal.has(p)) expect(out, `${locale} ${key} ${p}`).toContain(`<${p.slice(1, -1)}>`);
        for (const l of literal) expect(out, `${locale} ${key}`).toContain(l);
        if (!text.includes(' | ') && !text.includes("{'")) expect(out, `${locale} ${key}`).toBe(text.replace(/\{(\w+)\}/g, '<$1>'));
      }
    }
  });

  it('follows the browser unless a language was chosen', async () => {
    expect(browserLocale(['de-AT', 'en'])).toBe('de');
    expect(browserLocale(['fr-FR', 'en-US'])).toBe('en');
    expect(browserLocale(['ja'])).toBe('en');
    await setLocale('de');
    expect(t('queue.statTotal', { n: 3 })).toBe('3 Einträge');
    await setLocale('en');
    expect(t('queue.statTotal', { n: 3 })).toBe('3 items');
  });

  it('texts made from kept templates are what vue-i18n makes, for every message, count and value, asked twice', async () => {
    for (const locale of ['en', 'de'] as const) {
      await setLocale(locale);
      for (const [key, text] of Object.entries(MESSAGES[locale])) {
        const names = placeholders(text).map((p) => p.slice(1, -1));
        for (const n of [0, 1, 2, 7, 1234]) {
          for (const value of ['Naruto', "{x} | @ $& $1 '", '']) {
            const params: Record<string, string | number> = Object.fromEntries(names.map((name) => [name, value]));
            // the count that picks a plural form: `n`, else `count`
            const count = names.includes('n') ? 'n' : names.includes('count') ? 'count' : null;
            if (count) params[count] = n;
            const direct = count ? i18n.global.t(key, params, n) : i18n.global.t(key, params);
            expect(t(key, params), `${locale} ${key} n=${n} ${value}`).toBe(direct);
            expect(t(key, params), `${locale} ${key} n=${n} ${value} (kept)`).toBe(direct);
          }
        }
      }
    }
  });

  it('a text without parameters follows a language switch, in a render that showed it before', async () => {
    const label = computed(() => t('queue.moveUp'));
    expect(t('queue.moveUp')).toBe(label.value);
    const english = label.value;
    await setLocale('de');
    expect(label.value).not.toBe(english);
    expect(label.value).toBe(t('queue.moveUp'));
    await setLocale('en');
    expect(label.value).toBe(english);
  });

  it('plurals follow the count in English and German', async () => {
    expect(t('library.missingBadge', { n: 1 })).toBe('1 missing episode');
    expect(t('library.missingBadge', { n: 2 })).toBe('2 missing episodes');
    expect(t('library.missingBadge', { n: 0 })).toBe('0 missing episodes');
    expect(t('series.queued', { n: 1 })).toBe('1 episode queued');
    await setLocale('de');
    expect(t('library.missingBadge', { n: 1 })).toBe('1 fehlende Folge');
    expect(t('library.missingBadge', { n: 2 })).toBe('2 fehlende Folgen');
    expect(t('queue.statTotal', { n: 1 })).toBe('1 Eintrag');
    expect(t('monitor.updated', { n: 5 })).toBe('5 Serien geändert');
  });

  it('literal braces and bars stay literal', () => {
    expect(t('naming.needsEpisode')).toBe('The template must contain {episode}.');
    expect(t('naming.badChars')).toBe('File names cannot contain < > : " | ? * / \\');
  });

  it('dates, numbers and sizes are formatted by locale', async () => {
    const when = '2026-03-04T17:05:00Z';
    const d = new Date(when);
    expect(formatDate(when)).toBe(new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(d));
    expect(formatSize(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatSize(512)).toBe('512 bytes');
    expect(formatSize(0)).toBe('0 bytes');
    expect(formatSize(1)).toBe('1 byte');
    // 1024-based, so labelled KiB (9,861 bytes were "9.6 kB": divided by 1024 but named 1000-based)
    expect(formatSize(9861)).toBe('9.6 KiB');
    expect(formatSize(9.9 * 2 ** 20)).toBe('9.9 MiB');
    expect(formatNumber(1234.56)).toBe('1,234.6');
    await setLocale('de');
    expect(formatDate(when)).toBe(new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'short' }).format(d));
    expect(formatDate(when)).toMatch(/^0?4\.03\.2026/);
    expect(formatSize(1.5 * 2 ** 30)).toBe('1,5 GiB');
    expect(formatSize(9861)).toBe('9,6 KiB');
    expect(formatSize(0)).toBe('0 Byte');
    expect(formatNumber(1234.56)).toBe('1.234,6');
    expect(formatDate(null)).toBe('—');
  });
});

describe("tasks in the user's language", () => {
  const tasks = Object.values(TRACKED);

  it("every task has a name and a description in German, never the server's English", async () => {
    expect(tasks.length).toBeGreaterThan(3);
    await setLocale('de');
    for (const name of tasks) {
      const task = { name, title: 'English title', description: 'English description' };
      expect(taskName(task), name).not.toBe('English title');
      expect(taskDescription(task), name).not.toBe('English description');
      expect(de[`task.name.${name}` as keyof typeof de], name).toBeTruthy();
      expect(de[`task.description.${name}` as keyof typeof de], name).toBeTruthy();
    }
    expect(taskName({ name: 'rescan', title: 'Library rescan' })).toBe('Bibliotheks-Scan');
    // a task this UI does not know yet keeps the server's words
    expect(taskName({ name: 'future_task', title: 'Future task' })).toBe('Future task');
  });

  it('every schedule code is said in German from its figures', async () => {
    await setLocale('de');
    for (const code of SCHEDULE_CODES) {
      const text = scheduleText({ code, time: '03:00', days: ['mon', 'wed'], minutes: 90, weekday: 'sun' }, 'ENGLISH');
      expect(text, code).not.toBe('ENGLISH');
      expect(text, code).not.toMatch(/\b(on|at|daily|every|weekly|off)\b/);
    }
    const all = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    expect(scheduleText({ code: 'days_at', time: '03:00', days: all })).toBe('täglich um 03:00');
    expect(scheduleText({ code: 'days_at', time: '03:00', days: ['mon', 'tue'] })).toMatch(/^Mo\.?, Di\.? um 03:00$/);
    expect(scheduleText({ code: 'daily_at_utc', time: '04:00' })).toBe('täglich um 04:00 UTC');
    expect(scheduleText({ code: 'backup_off' })).toBe('aus (geplante Sicherungen sind ausgeschaltet)');
    expect(scheduleText({ code: 'weekly_at', weekday: 'sun', time: '03:30' })).toBe('wöchentlich am Sonntag um 03:30');
    await setLocale('en');
    expect(scheduleText({ code: 'days_at', time: '03:00', days: ['mon', 'tue'] })).toBe('Mon, Tue at 03:00');
    expect(scheduleText({ code: 'every_minutes', minutes: 60 })).toBe('every 60 min');
  });
});

describe('NFO batch reasons by code', () => {
  it("a series TMDB does not know is said in the user's language with the title searched", async () => {
    const r = {
      code: 'TMDB_NO_MATCH',
      params: { title: 'Filler Series 0 (2000)' },
      message: "No TMDB series matches 'Filler Series 0 (2000)'",
    };
    expect(batchReason(r)).toBe('No TMDB series matches “Filler Series 0 (2000)”');
    await setLocale('de');
    expect(batchReason(r)).toBe('Keine TMDB-Serie passt zu „Filler Series 0 (2000)“');
    expect(batchReason({ code: 'NFO_EXISTS', params: {}, message: 'Skipped - NFO already exists' })).toBe(
      'Übersprungen: die NFO gibt es schon',
    );
    // an error code by its text; a code this UI does not know keeps the server's words
    expect(batchReason({ code: 'SERVICE_UNAVAILABLE', params: {}, message: 'TMDB API key is not configured' })).toMatch(/^Ein Dienst/);
    expect(batchReason({ code: 'SOMETHING_NEW', params: {}, message: 'Server words' })).toBe('Server words');
  });
});

describe('German wording', () => {
  it('addresses the user as "du" throughout and calls the watchlist "Merkliste"', () => {
    for (const [key, text] of Object.entries(de)) {
      expect(text, key).not.toMatch(/\b(Sie|Ihnen|Ihre[mnrs]?)\b/);
      expect(text, key).not.toMatch(/Watchlist/);
    }
  });

  it('a download queued by hand reads "von Hand" in the history', async () => {
    const row = { event: 'queued', data: { queued_by: 'manual' } } as unknown as Parameters<typeof details>[0];
    expect(details(row)[0]).toBe('by hand');
    await setLocale('de');
    expect(details(row)[0]).toBe('von Hand');
    expect(details({ ...row, data: { queued_by: 'rescan' } })[0]).toBe('durch Neuscan');
  });
});

describe('server errors by code', () => {
  it("an API error is shown by its code in the user's language, the server's sentence below", async () => {
    const err = new ApiError(409, 'CONFLICT_ERROR', 'The queue changed meanwhile; try again');
    expect(errorMessage(err)).toBe('That conflicts with the current state.\nThe queue changed meanwhile; try again');
    await setLocale('de');
    expect(errorMessage(err)).toBe('Das widerspricht dem aktuellen Stand.\nThe queue changed meanwhile; try again');
    expect(errorMessage(new ApiError(0, 'NETWORK_ERROR', 'The server cannot be reached.'))).toBe(
      'Der Server ist nicht erreichbar. Prüfe, ob Aniworld läuft.',
    );
    expect(errorMessage(new ApiError(403, 'FORBIDDEN', 'Insufficient permissions'))).toMatch(/^Das darf nur ein Administrator/);
    expect(codeMessage('SOMETHING_NEW')).toBe('Der Server meldet einen Fehler (SOMETHING_NEW).');
  });

  it('task results and rescan errors from the server are shown by code', async () => {
    const off = installJobToasts();
    try {
      await setLocale('de');
      dispatch(msg('task_failed', { task: 'rescan', duration_ms: 5, error: 'Provider aniworld is disabled', code: 'SERVICE_UNAVAILABLE' }));
      expect(toasts.at(-1)!.text).toBe(
        'Aufgabe fehlgeschlagen: Bibliotheks-Scan (Ein Dienst, den der Server braucht, ist gerade nicht verfügbar.: ' +
          'Provider aniworld is disabled)',
      );
      dispatch(
        msg('scan_complete', {
          series: 4,
          missing: 0,
          failure_count: 3,
          failures: [
            { key: 'a', error: 'ProviderBlocked: 403', code: 'PROVIDER_BLOCKED' },
            { key: 'b', error: 'ProviderBlocked: 403', code: 'PROVIDER_BLOCKED' },
            { key: 'c', error: 'skipped: ProviderBlocked', code: 'PROVIDER_SKIPPED' },
          ],
        }),
      );
      expect(toasts.at(-1)!).toMatchObject({
        kind: 'error',
        text:
          'Scan der Bibliothek beendet; 3 Serien konnten nicht aktualisiert werden: Die Anbieterseite sperrt diesen Server. (2); ' +
          'Übersprungen: die Anbieterseite schien nicht erreichbar. (1)',
      });
    } finally {
      off();
      for (const x of [...toasts]) dismiss(x.id);
    }
  });
});

describe('toasts', () => {
  afterEach(() => {
    for (const x of [...toasts]) dismiss(x.id);
    vi.useRealTimers();
  });

  it('the same notice again is counted (×3) and stays for its full time after the last one', async () => {
    vi.useFakeTimers();
    const host = mount(ToastHost);
    toast('Download failed: Frieren S01E01', 'error', 8000);
    toast('Saved', 'success');
    vi.advanceTimersByTime(5000);
    toast('Download failed: Frieren S01E01', 'error', 8000);
    toast('Download failed: Frieren S01E01', 'error', 8000);
    await nextTick();
    const shown = host.findAll('[data-test="toast"]');
    expect(shown.map((s) => s.find('.text').text())).toEqual(['Download failed: Frieren S01E01']); // "Saved" timed out
    expect(host.get('[data-test="toast-count"]').text()).toBe('×3');
    vi.advanceTimersByTime(7000);
    expect(toasts).toHaveLength(1); // the third one restarted its 8 s
    vi.advanceTimersByTime(1000);
    expect(toasts).toHaveLength(0);
    toast('Download failed: Frieren S01E01', 'error');
    toast('Download failed: Frieren S01E01', 'info'); // another kind is another notice
    expect(toasts.map((x) => x.count)).toEqual([1, 1]);
    host.unmount();
  });
});
