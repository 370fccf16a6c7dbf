/**
 * Pure title matching for the import: how a library folder's name compares with a provider's
 * titles. Folder names lose characters (`: ? " * < > | / \` are removed by every file system that
 * forbids them and by our own sanitiser), gain a `(year)`, release tags or season words, and may
 * use a translated title (the provider lists those as alternative titles).
 *
 *   cleanFolderName('[Group] Kaguya-sama Love is War (2019)') → { name: 'Kaguya-sama Love is War', year: 2019 }
 *   normTitle('Kaguya-sama: Love is War')                   → 'kaguyasamaloveiswar'
 *   titleScore('Kaguya-sama Love is War', 'Kaguya-sama: Love is War') → 1
 *   searchQueries(name, folder)                             → the searches to try, in order
 *   guessSlugs(name)                                        → aniworld's slug rule applied to the name
 *   decide(folderName, year, candidates)                    → winner | close calls | nothing
 */

/** Release tags and trailing qualifiers that are not part of a title. */
const TAGS = /^\s*(?:\[[^\]]*\]|\{[^}]*\})\s*|\s*(?:\[[^\]]*\]|\{[^}]*\})\s*$/g;
const YEAR_AT_END = /[\s._-]*[([](\d{4})[)\]]\s*$/;

export function cleanFolderName(folder: string): { name: string; year: number | null } {
  let s = folder;
  for (let i = 0; i < 4; i++) {
    const next = s
      .replace(TAGS, '')
      .replace(/\s*\((?:tv|ova|ona|uncut|ger ?dub|ger ?sub|dub|sub)\)\s*$/i, '')
      .trim();
    if (next === s) break;
    s = next;
  }
  const m = YEAR_AT_END.exec(s);
  const year = m ? Number(m[1]) : null;
  if (m && s.slice(0, m.index).trim()) s = s.slice(0, m.index).trim();
  s = s
    .replace(/[._]+/g, (d) => (/\d[._]\d/.test(s) ? d : ' '))
    .replace(/\s+/g, ' ')
    .trim();
  return { name: s || folder.trim(), year: m && s ? year : null };
}

/** Season words at the end (`Season 2`, `Staffel 2`, `2nd Season`, `S2`, `Part 2`) do not name another series. */
const SEASON_WORDS = /\s*(?:(?:season|staffel|saison|part|teil|cour)\s*\d+|\d+(?:st|nd|rd|th)\s+season|s\d{1,2})\s*$/i;

/** Case, punctuation, spaces, diacritics, `(year)` and season words do not count. */
export function normTitle(title: string): string {
  let s = title.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(YEAR_AT_END, '');
  s = s
    .replace(/ß/g, 'ss')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  const out = s.replace(SEASON_WORDS, '').replace(/\s+/g, '');
  return out || s.replace(/\s+/g, '') || title.toLowerCase().replace(/\s+/g, '');
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  const chars = [...s];
  for (let i = 0; i + 1 < chars.length; i++) {
    const b = chars[i] + chars[i + 1];
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  return m;
}

/** Similarity in [0, 1] of two titles after normTitle (1 = the same title): Dice over character pairs. */
export function titleScore(a: string, b: string): number {
  const x = normTitle(a);
  const y = normTitle(b);
  if (x === y) return 1;
  if (x.length < 2 || y.length < 2) return 0;
  const bx = bigrams(x);
  const by = bigrams(y);
  let common = 0;
  for (const [k, n] of bx) common += Math.min(n, by.get(k) ?? 0);
  const total = [...x].length - 1 + [...y].length - 1;
  // never 1 for different titles, however close
  return Math.min(0.99, (2 * common) / total);
}

/**
 * The searches to try for a folder, in order: the folder name as it is, without the year, then
 * word prefixes (a site searching substrings of the exact title finds `Kaguya-sama: Love is War`
 * by `Kaguya-sama`, not by `Kaguya-sama Love is War`), the shortest last.
 */
export function searchQueries(folder: string, name: string): string[] {
  const words = name.split(/\s+/).filter(Boolean);
  const out = [folder.trim(), name];
  for (let n = words.length - 1; n >= 1; n--) {
    const q = words
      .slice(0, n)
      .join(' ')
      .replace(/[^\p{L}\p{N}]+$/u, '');
    if (q.length >= 2) out.push(q);
  }
  const first = words[0]?.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '') ?? '';
  if (first) out.push(first);
  // the name and the first word even when they are one character (`x`, a CJK title)
  const all = [...new Set(out.filter((q, i) => q.length >= 2 || ((i < 2 || q === first) && q.length > 0)))];
  // long names: the longest few and the two shortest prefixes
  return all.length > 8 ? [...all.slice(0, 6), ...all.slice(-2)] : all;
}

/**
 * aniworld's slug rule (shared/providers.md): lower case, punctuation dropped, spaces as `-`.
 * Umlauts are dropped by the site; the transliterated form (`madchen`) is tried first, then that.
 */
export function guessSlugs(name: string): string[] {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9\s-]+/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-|-$/g, '');
  const out = [slug(name.normalize('NFKD').replace(/\p{M}/gu, '')), slug(name)];
  return [...new Set(out)].filter((s) => /^[a-z0-9][a-z0-9-]*$/.test(s));
}

export interface TitleCandidate {
  provider: string;
  key: string;
  name: string;
  link: string;
  year: number | null;
  /** Alternative titles from the series page, when it was read. */
  altTitles?: string[];
}

export interface ScoredCandidate extends Omit<TitleCandidate, 'altTitles'> {
  /** Similarity to the folder's name in [0, 1]; 1 = the same title once case, punctuation and the like are ignored. */
  score: number;
}

/** Years further apart than this mean different series (a remake, a sequel of the same name). */
const YEAR_SLACK = 1;

export function scoreCandidate(name: string, year: number | null, c: TitleCandidate): number {
  const best = Math.max(titleScore(name, c.name), ...(c.altTitles ?? []).map((t) => titleScore(name, t)));
  if (year === null || c.year === null) return best;
  return Math.abs(year - c.year) <= YEAR_SLACK ? best : best * 0.8;
}

/** A fuzzy (not exact) hit is imported only this good and this far ahead of the next one. */
export const FUZZY_MIN = 0.88;
export const FUZZY_LEAD = 0.15;
export const LIST_MIN = 0.3;

/**
 * A near miss may be a spelling (`Spy x Family` / `SPY×FAMILY`), but never a title that only adds
 * to the other (`Dragon Ball` / `Dragon Ball Z`) or carries other numbers (`Show 2` / `Show 3`).
 */
function fuzzyAllowed(name: string, c: TitleCandidate): boolean {
  const digits = (s: string) => (normTitle(s).match(/\d+/g) ?? []).join(',');
  return [c.name, ...(c.altTitles ?? [])].some((t) => {
    const [x, y] = [normTitle(name), normTitle(t)];
    return (
      !x.startsWith(y) &&
      !y.startsWith(x) &&
      !x.endsWith(y) &&
      !y.endsWith(x) &&
      digits(name) === digits(t) &&
      titleScore(name, t) >= FUZZY_MIN
    );
  });
}

export type Decision =
  { kind: 'winner'; candidate: ScoredCandidate; exact: boolean } | { kind: 'close'; candidates: ScoredCandidate[] } | { kind: 'none' };

/**
 * One clear winner, or the close calls (never guessed): an exact title (or alternative title)
 * with a matching or unknown year wins when it is the only one; with a year, the only exact one
 * of that year wins. Without an exact title, a fuzzy hit wins only when it is very close and well
 * ahead of the next. Everything else is listed with its score, best first.
 */
export function decide(name: string, year: number | null, all: TitleCandidate[]): Decision {
  const byKey = new Map<string, ScoredCandidate>();
  for (const c of all) {
    const score = Math.round(scoreCandidate(name, year, c) * 1000) / 1000;
    const id = `${c.provider}:${c.key}`;
    if ((byKey.get(id)?.score ?? -1) < score)
      byKey.set(id, { provider: c.provider, key: c.key, name: c.name, link: c.link, year: c.year, score });
  }
  const ranked = [...byKey.values()].sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
  if (ranked.length === 0) return { kind: 'none' };
  const exact = ranked.filter((c) => c.score === 1);
  if (exact.length === 1) return { kind: 'winner', candidate: exact[0], exact: true };
  if (exact.length > 1) {
    const sameYear = year === null ? [] : exact.filter((c) => c.year === year);
    if (sameYear.length === 1) return { kind: 'winner', candidate: sameYear[0], exact: true };
    return { kind: 'close', candidates: exact };
  }
  const [first, second] = ranked;
  if (
    first.score >= FUZZY_MIN &&
    (!second || first.score - second.score >= FUZZY_LEAD) &&
    fuzzyAllowed(
      name,
      all.find((c) => c.key === first.key)!,
    )
  ) {
    return { kind: 'winner', candidate: first, exact: false };
  }
  const listed = ranked.filter((c) => c.score >= LIST_MIN).slice(0, 10);
  return listed.length ? { kind: 'close', candidates: listed } : { kind: 'close', candidates: ranked.slice(0, 5) };
}
