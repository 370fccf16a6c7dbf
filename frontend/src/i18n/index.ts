/** English and German texts; the language follows the browser unless the user picked one. */
import { ref, computed } from 'vue';
import en from './en.ts';
import de from './de.ts';

export type Locale = 'en' | 'de';
export type LocaleChoice = Locale | 'auto';
export const MESSAGES: Record<Locale, Record<string, string>> = { en, de };

const KEY = 'aniworld.language';

export function browserLocale(langs: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]): Locale {
  for (const l of langs) {
    const base = l.toLowerCase().slice(0, 2);
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

function storedChoice(): LocaleChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'en' || v === 'de' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export const localeChoice = ref<LocaleChoice>(storedChoice());
export const locale = computed<Locale>(() => (localeChoice.value === 'auto' ? browserLocale() : localeChoice.value));

export function setLocale(choice: LocaleChoice): void {
  localeChoice.value = choice;
  try {
    if (choice === 'auto') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    /* private mode: the choice lasts for this page */
  }
  document.documentElement.lang = locale.value;
}

/** `t('queue.count', {n: 3})`: `{name}` placeholders are filled from params. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = MESSAGES[locale.value][key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(locale.value === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatNumber(n: number, digits = 1): string {
  return n.toLocaleString(locale.value === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: digits });
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${sec}s`;
  return `${sec}s`;
}
