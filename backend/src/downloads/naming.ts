import path from 'node:path';
import { capBytes } from '../library/folderName.js';

/**
 * Final file names: a template with {series} {season} {episode} {title} {year} {language},
 * season/episode zero-padded, always carrying SxxEyy (appended when a template drops it),
 * optional `Season NN` folders. Every piece is cleaned so a name never becomes a path.
 */
export interface NameParts {
  series: string;
  season: number;
  episode: number;
  title?: string | null;
  year?: number | null;
  language?: string | null;
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

/** File systems allow 255 bytes per name; beside the extension room is kept for `.part` and `-thumb.jpg`. */
export const MAX_FILE_NAME_BYTES = 255;
const SIDECAR_BYTES = Buffer.byteLength('-thumb.jpg');

export function renderFileName(template: string, p: NameParts, ext: string): string {
  const values: Record<string, string> = {
    series: cleanName(p.series),
    season: pad(p.season),
    episode: pad(p.episode),
    title: cleanName(p.title ?? ''),
    year: p.year ? String(p.year) : '',
    language: cleanName(p.language ?? ''),
  };
  let name = template.replace(/\{(series|season|episode|title|year|language)\}/g, (_, k: string) => values[k] ?? '');
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
  const max = MAX_FILE_NAME_BYTES - Buffer.byteLength(`.${ext}`) - SIDECAR_BYTES;
  if (Buffer.byteLength(name) > max) {
    const capped = capBytes(name, max).replace(/[\s.-]+$/, '');
    name = hasTag(capped) ? capped : `${capBytes(name, max - Buffer.byteLength(` - ${tag}`)).replace(/[\s.-]+$/, '')} - ${tag}`;
  }
  return `${name}.${ext}`;
}

/** Path relative to the series folder. */
export function relativeTarget(template: string, seasonFolders: boolean, p: NameParts, ext: string): string {
  const file = renderFileName(template, p, ext);
  return seasonFolders ? path.join(`Season ${pad(p.season)}`, file) : file;
}
