/**
 * Final file names: a template with {series} {season} {episode} {title} {year} {language},
 * season/episode zero-padded, always carrying SxxEyy (appended when a template drops it). Every
 * piece is cleaned so a name never becomes a path. One definition: the server names files with it,
 * the UI's settings page previews a template with it (so this file uses no Node or browser API).
 */
export interface NameParts {
  series: string;
  season: number;
  episode: number;
  title?: string | null;
  year?: number | null;
  language?: string | null;
}

export const NAMING_PLACEHOLDERS = ['series', 'season', 'episode', 'title', 'year', 'language'] as const;
const PLACEHOLDER = new RegExp(`\\{(${NAMING_PLACEHOLDERS.join('|')})\\}`, 'g');

/** A `{…}` the template language does not know (a typo the settings page points out). */
export const UNKNOWN_PLACEHOLDER = new RegExp(`\\{(?!${NAMING_PLACEHOLDERS.map((p) => `${p}\\}`).join('|')})[^}]*\\}`);

/** File systems allow 255 bytes per name; beside the extension room is kept for `.part` and `-thumb.jpg`. */
export const MAX_FILE_NAME_BYTES = 255;
const SIDECAR = '-thumb.jpg';

const encoder = new TextEncoder();
export const utf8Bytes = (s: string): number => encoder.encode(s).length;

/** The longest prefix of `s` of at most `max` UTF-8 bytes, never splitting a character. */
export function capBytes(s: string, max: number): string {
  if (utf8Bytes(s) <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = utf8Bytes(ch);
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

export function cleanName(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[/\\:*?"<>|]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '')
    .slice(0, 180);
}

const pad = (n: number) => String(n).padStart(2, '0');

export function renderFileName(template: string, p: NameParts, ext: string): string {
  const values: Record<string, string> = {
    series: cleanName(p.series),
    season: pad(p.season),
    episode: pad(p.episode),
    title: cleanName(p.title ?? ''),
    year: p.year ? String(p.year) : '',
    language: cleanName(p.language ?? ''),
  };
  let name = template.replace(PLACEHOLDER, (_, k: string) => values[k] ?? '');
  name = name
    .replace(/\(\s*\)|\[\s*\]/g, '') // empty "({year})" when the year is unknown
    .replace(/(\s*-\s*)+$/g, '')
    .replace(/^(\s*-\s*)+/g, '')
    .replace(/(\s-\s)(\s*-\s*)+/g, '$1');
  name = cleanName(name);
  const tag = `S${pad(p.season)}E${pad(p.episode)}`;
  const hasTag = (n: string) => new RegExp(`S0*${p.season}E0*${p.episode}(?!\\d)`, 'i').test(n);
  if (!hasTag(name)) name = name ? `${name} - ${tag}` : `${values.series} - ${tag}`;
  // capped in bytes (not UTF-16 units: 150 × 'あ' is 450 bytes), the SxxEyy tag always kept
  const max = MAX_FILE_NAME_BYTES - utf8Bytes(`.${ext}`) - utf8Bytes(SIDECAR);
  if (utf8Bytes(name) > max) {
    const capped = capBytes(name, max).replace(/[\s.-]+$/, '');
    name = hasTag(capped) ? capped : `${capBytes(name, max - utf8Bytes(` - ${tag}`)).replace(/[\s.-]+$/, '')} - ${tag}`;
  }
  return `${name}.${ext}`;
}

/** Path relative to the series folder (always `/`: Node's path functions accept it on every OS). */
export function relativeTarget(template: string, seasonFolders: boolean, p: NameParts, ext: string): string {
  const file = renderFileName(template, p, ext);
  return seasonFolders ? `Season ${pad(p.season)}/${file}` : file;
}
