import { t } from '../i18n/index.ts';

/** A language code as the UI names it (unknown codes, e.g. anime-sama's, as they are). */
export function languageLabel(l: string): string {
  const k = `lang.${l}`;
  const s = t(k);
  return s === k ? l : s;
}
