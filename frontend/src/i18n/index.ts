/**
 * English and German texts through vue-i18n; the language follows the browser unless the user picked one.
 * Messages use vue-i18n's syntax: `{name}` placeholders, `one | many` plurals chosen by the `n` (or `count`)
 * parameter, `{'|'}` for a literal special character.
 */
import { ref, computed } from 'vue';
import { createI18n } from 'vue-i18n';
import en from './en.ts';

export type Locale = 'en' | 'de';
export type LocaleChoice = Locale | 'auto';
type Messages = Record<string, string>;

/**
 * English ships with the first page (the fallback); every other language is a chunk of its own,
 * fetched only when it is the one shown (a German browser, or chosen).
 */
const LOADERS: Record<Exclude<Locale, 'en'>, () => Promise<{ default: Messages }>> = {
  de: () => import('./de.ts'),
};

const KEY = 'aniworld.language';

export function browserLocale(
  langs: readonly string[] = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]),
): Locale {
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
/** The language chosen (or the browser's); `locale` is the one shown, which follows once its texts are loaded. */
const wanted = computed<Locale>(() => (localeChoice.value === 'auto' ? browserLocale() : localeChoice.value));
const shownLocale = ref<Locale>('en');
export const locale = computed<Locale>(() => shownLocale.value);

const dateFormats = {
  medium: { dateStyle: 'medium', timeStyle: 'short' },
  day: { dateStyle: 'medium' },
} as const;
const numberFormats = {
  decimal: { maximumFractionDigits: 1 },
  integer: { maximumFractionDigits: 0 },
  percent: { style: 'percent', maximumFractionDigits: 0 },
} as const;
/**
 * Units of sizes, largest first; a value is shown in the largest unit it reaches. Binary (1024-based) like the
 * server's `_mb` figures and the README, so labelled with the binary units (KiB, not kB).
 */
const SIZE_UNITS = [
  ['TiB', 2 ** 40],
  ['GiB', 2 ** 30],
  ['MiB', 2 ** 20],
  ['KiB', 2 ** 10],
] as const;

/** Intl locales behind the UI languages (en-GB: day before month, 24-hour clock like the rest of Europe). */
const INTL: Record<Locale, string> = { en: 'en-GB', de: 'de-DE' };

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: INTL.en,
  fallbackLocale: INTL.en,
  messages: { [INTL.en]: en } as Record<string, Messages>,
  datetimeFormats: { [INTL.en]: dateFormats, [INTL.de]: dateFormats },
  numberFormats: { [INTL.en]: numberFormats, [INTL.de]: numberFormats },
  missingWarn: false,
  fallbackWarn: false,
});

const composer = i18n.global;

const loaded = new Set<Locale>(['en']);
async function loadMessages(l: Locale): Promise<void> {
  if (loaded.has(l)) return;
  const { default: messages } = await LOADERS[l as Exclude<Locale, 'en'>]();
  composer.setLocaleMessage(INTL[l], messages);
  loaded.add(l);
}

let ready: Promise<void> = Promise.resolve();

/**
 * Shows the UI in the chosen language once its texts are here (English at once; another language
 * after its chunk arrived: until then the texts stay English, never keys). Resolves when it is shown.
 */
export function setLocale(choice: LocaleChoice): Promise<void> {
  localeChoice.value = choice;
  try {
    if (choice === 'auto') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    /* private mode: the choice lasts for this page */
  }
  const target = wanted.value;
  const shown = loadMessages(target).then(() => {
    if (wanted.value !== target) return; // another choice came meanwhile
    composer.locale.value = INTL[target];
    shownLocale.value = target;
    if (typeof document !== 'undefined') document.documentElement.lang = target;
  });
  ready = shown.catch((err) => console.error(`the ${target} texts could not be loaded`, err));
  return shown;
}

/** Resolves once the language chosen last is shown (or failed to load: then English stays). */
export function localeReady(): Promise<void> {
  return ready;
}

type Params = Record<string, string | number>;

/** The count that picks a plural form: `n`, else `count`. */
function pluralOf(params: Params): number | undefined {
  if (typeof params.n === 'number') return params.n;
  if (typeof params.count === 'number') return params.count;
  return undefined;
}

/**
 * `t('queue.statTotal', {n: 3})`: vue-i18n's translation with `{name}` placeholders filled from params; a message
 * with plural forms (`{n} item | {n} items`) takes the form for `n`. Unknown keys come back as the key.
 */
export function t(key: string, params?: Params): string {
  if (!params) return plainText(key);
  const n = pluralOf(params);
  const parts = templateOf(key, params, n);
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) out += String(params[parts[i]]) + parts[i + 1];
  return out;
}

/**
 * vue-i18n resolves and evaluates a message on every call: cheap once, but a list asks for the same few
 * texts per row (a row's buttons, its labels; "{n} missing episodes" on each library card), and a
 * page's first render runs that code cold (a library screen made ~500 such calls, ~90 ms here). So
 * each text is asked of vue-i18n once per language shown (and per count, for plurals) and kept:
 * without parameters as it is, with them as a template whose placeholders are filled here (vue-i18n
 * inserts values as they are, so the result is the same). Reading the locale keeps a render that used
 * a text depending on it.
 */
const made = new Map<string, string[]>();
let madeLocale = '';
/** Bounds the texts kept (a count or a name is part of nothing kept, but plural counts are). */
const MADE_MAX = 5000;
const MARK = '\uE000';

function keptFor(): Map<string, string[]> {
  const shown = composer.locale.value;
  if (shown !== madeLocale || made.size > MADE_MAX) {
    made.clear();
    madeLocale = shown;
  }
  return made;
}

function plainText(key: string): string {
  const kept = keptFor();
  let parts = kept.get(key);
  if (parts === undefined) kept.set(key, (parts = [composer.t(key)]));
  return parts[0];
}

/**
 * The message as text parts and parameter names, alternating: [text, name, text, …]. Made by asking
 * vue-i18n with a marker for each parameter's value (the count still picks the plural form).
 */
function templateOf(key: string, params: Params, n: number | undefined): string[] {
  const kept = keptFor();
  const names = Object.keys(params).sort();
  const id = `${key}\u0000${names.join(',')}\u0000${n ?? ''}`;
  let parts = kept.get(id);
  if (parts === undefined) {
    const marked = Object.fromEntries(names.map((name) => [name, `${MARK}${name}${MARK}`]));
    const text = n === undefined ? composer.t(key, marked) : composer.t(key, marked, n);
    parts = text.split(MARK);
    kept.set(id, parts);
  }
  return parts;
}

/** Whether a message exists (in the language shown or English). */
export function has(key: string): boolean {
  return composer.te(key) || composer.te(key, INTL.en);
}

export function formatDate(iso: string | Date | null | undefined, style: keyof typeof dateFormats = 'medium'): string {
  if (!iso) return '—';
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return composer.d(d, style);
}

/** Number formats are costly to make (a list of sizes made one per row): one per locale and options. */
const madeFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${composer.locale.value}|${JSON.stringify(options)}`;
  let f = madeFormats.get(key);
  if (!f) madeFormats.set(key, (f = new Intl.NumberFormat(composer.locale.value, options)));
  return f;
}

export function formatNumber(n: number, digits = 1): string {
  if (digits === 1) return composer.n(n, 'decimal');
  if (digits === 0) return composer.n(n, 'integer');
  return numberFormat({ maximumFractionDigits: digits }).format(n);
}

/** Bytes in the largest binary unit they reach, by locale: "1.5 GiB" / "1,5 GiB"; below 1 KiB "0 bytes" / "0 Byte". */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const found = SIZE_UNITS.find(([, s]) => Math.abs(bytes) >= s);
  if (!found) return t('size.bytes', { n: Math.round(bytes) });
  const [unit, size] = found;
  const value = bytes / size;
  return `${formatNumber(value, Math.abs(value) < 10 ? 1 : 0)} ${unit}`;
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
