import path from 'node:path';
import { BadRequest } from '../errors.js';

/** Resolves `parts` under `root` and refuses anything that would land outside it. */
export function insideRoot(root: string, ...parts: string[]): string {
  const base = path.resolve(root);
  const full = path.resolve(base, ...parts);
  const rel = path.relative(base, full);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) return full;
  throw new BadRequest('Path leaves its root folder', { path: parts.join('/') });
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(candidate));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
