/**
 * Text that PostgreSQL can store: no NUL (text columns refuse U+0000, jsonb refuses `\u0000`) and
 * no lone UTF-16 surrogate (not valid UTF-8). Requests carrying either are refused (route.ts);
 * text scraped from providers is cleaned; the database pool strips whatever still slips through.
 */
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const UNSAFE_TEST = new RegExp(UNSAFE.source);
/** A `\uXXXX` escape in JSON text (after an even run of backslashes, so it is one). */
const ESCAPE = /(?<=(?:^|[^\\])(?:\\\\)*)\\u([0-9a-fA-F]{4})/g;
const HIGH_ESCAPE = /^\\u[dD][89abAB][0-9a-fA-F]{2}$/;
const LOW_ESCAPE = /^\\u[dD][c-fC-F][0-9a-fA-F]{2}$/;

export const hasUnsafeText = (s: string): boolean => UNSAFE_TEST.test(s);

/** `s` without NUL and lone surrogates (the common case returns `s` itself). */
export const cleanText = (s: string): string => (UNSAFE_TEST.test(s) ? s.replace(UNSAFE, '') : s);

/** JSON text without escaped NUL and lone surrogates (what jsonb refuses; `JSON.stringify` writes them as escapes). */
export function cleanJsonText(s: string): string {
  if (!s.includes('\\u')) return cleanText(s);
  return cleanText(
    s.replace(ESCAPE, (m: string, hex: string, offset: number, whole: string) => {
      const c = parseInt(hex, 16);
      if (c === 0) return '';
      if (c >= 0xd800 && c <= 0xdbff) return LOW_ESCAPE.test(whole.slice(offset + 6, offset + 12)) ? m : '';
      if (c >= 0xdc00 && c <= 0xdfff) return HIGH_ESCAPE.test(whole.slice(offset - 6, offset)) ? m : '';
      return m;
    }),
  );
}

export const MAX_JSON_DEPTH = 64;

export interface InputProblem {
  path: string;
  problem: 'depth' | 'text';
}

/**
 * The first problem in a parsed JSON value (or query/path object): nesting deeper than
 * MAX_JSON_DEPTH, or a string or key with NUL / a lone surrogate. Walks without recursion.
 */
export function findInputProblem(value: unknown, root: string): InputProblem | null {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length > 0) {
    const [v, at, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (hasUnsafeText(v)) return { path: at, problem: 'text' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) return { path: at, problem: 'depth' };
    if (Array.isArray(v)) v.forEach((item, i) => stack.push([item, `${at}.${i}`, depth + 1]));
    else
      for (const [k, item] of Object.entries(v)) {
        if (hasUnsafeText(k)) return { path: `${at}.${cleanText(k)}`, problem: 'text' };
        stack.push([item, `${at}.${k}`, depth + 1]);
      }
  }
  return null;
}
