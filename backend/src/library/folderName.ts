import { ValidationFailed } from '../errors.js';
import { capBytes } from '../rules/naming.js';

/**
 * Folder names from display names (the spec's sanitisation): remove `< > : " / \ | ? *` and
 * control characters, collapse whitespace, trim whitespace and dots at both ends, keep Unicode,
 * refuse `.`/`..`/empty and reserved device names, cap at 255 bytes of UTF-8.
 */
const FORBIDDEN = /[<>:"/\\|?*\u0000-\u001f\u007f-\u009f]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
export const MAX_NAME_BYTES = 255;

const trimEnds = (s: string) => s.replace(/^[\s.]+|[\s.]+$/gu, '');

/** The sanitised name, or null when nothing usable is left (or it is a reserved name). */
export function trySanitizeFolderName(name: string): string | null {
  let s = name.normalize('NFC').replace(FORBIDDEN, '');
  // lone surrogates cannot be written as UTF-8 file names
  s = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
  s = trimEnds(s.replace(/\s+/gu, ' '));
  s = trimEnds(capBytes(s, MAX_NAME_BYTES));
  if (!s || s === '.' || s === '..' || RESERVED.test(s)) return null;
  return s;
}

export function sanitizeFolderName(name: string): string {
  const s = trySanitizeFolderName(name);
  if (s === null)
    throw new ValidationFailed(`"${name.slice(0, 100)}" cannot be used as a folder name`, { name: 'not a usable folder name' });
  return s;
}

/**
 * The folder of a new series, as search results show it before the add: `Name (Year)` when the
 * year is known, else `Name` (sanitised). Existing folders are never renamed.
 */
export function folderNameFor(name: string, year: number | null): string {
  return sanitizeFolderName(year ? `${name} (${year})` : name);
}

/** `Name (2013)` → { name: 'Name', year: 2013 } for searching the provider by a folder's name. */
export function splitFolderYear(folder: string): { name: string; year: number | null } {
  const m = /^(.*?)[\s._-]*[([](\d{4})[)\]]\s*$/.exec(folder);
  if (m && m[1].trim()) return { name: m[1].trim(), year: Number(m[2]) };
  return { name: folder.trim(), year: null };
}
