import path from 'node:path';
import type { z } from 'zod';
import type { PathMapping } from './configSchema.js';

/**
 * The path a media server knows a local folder by: the longest matching `from` prefix (at a
 * folder boundary) is replaced by its `to`; a Windows-style `to` gets backslashes. No match:
 * the local path unchanged.
 */
export function mapPath(local: string, mappings: z.infer<typeof PathMapping>[]): string {
  const p = path.resolve(local);
  let best: { from: string; to: string } | null = null;
  for (const m of mappings) {
    const from = path.resolve(m.from);
    if (p !== from && !p.startsWith(from.endsWith('/') ? from : `${from}/`)) continue;
    if (!best || from.length > best.from.length) best = { from, to: m.to };
  }
  if (!best) return p;
  const rest = p.slice(best.from.length).replace(/^\/+/, '');
  const windows = /^[A-Za-z]:\\|^\\\\/.test(best.to) || (best.to.includes('\\') && !best.to.includes('/'));
  const sep = windows ? '\\' : '/';
  const base = best.to.replace(/[\\/]+$/, '');
  if (!rest) return base || sep;
  return `${base}${sep}${windows ? rest.replace(/\//g, '\\') : rest}`;
}
