import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { Conflict } from '../errors.js';
import { isInside } from '../util/safePath.js';

/**
 * Every file the product writes into the library (series folders, partial downloads, videos, NFO,
 * artwork) is checked by its real path first: it must lie inside the real path of the library
 * folder or of one of `extra_library_roots` (NAS users link series folders onto other disks).
 * A link anywhere on the way that leads elsewhere is refused, never written through.
 */
export class OutsideLibrary extends Conflict {
  constructor(what: string, target: string, real: string) {
    super(
      `${what} ${target} leads to ${real}, outside the library folder and extra_library_roots; nothing was written there (list that ` +
        `folder in extra_library_roots to allow it)`,
      { path: target, real_path: real },
    );
  }
}

/**
 * The real path `p` would have: links followed as far as anything exists (a dangling link too),
 * the names that do not exist yet appended.
 */
export async function realPathOf(p: string): Promise<string> {
  let cur = path.resolve(p);
  const rest: string[] = [];
  for (let hops = 0; hops < 64; hops++) {
    try {
      return path.join(await fs.realpath(cur), ...rest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const link = await fs.readlink(cur).catch(() => null);
    if (link !== null) {
      cur = path.resolve(path.dirname(cur), link); // a dangling link: where it points decides
      continue;
    }
    const parent = path.dirname(cur);
    if (parent === cur) break;
    rest.unshift(path.basename(cur));
    cur = parent;
  }
  return path.join(cur, ...rest);
}

/** The folders writes may land in: the library folder and `extra_library_roots`. */
export function writeRoots(deps: Pick<Deps, 'settings'>): string[] {
  return [deps.settings.animeDirectory(), ...deps.settings.get().extra_library_roots];
}

/** Throws OutsideLibrary unless `target`'s real path lies inside a write root's real path. */
export async function checkWriteTarget(deps: Pick<Deps, 'settings'>, target: string, what: string): Promise<void> {
  const real = await realPathOf(target);
  for (const root of writeRoots(deps)) {
    if (isInside(await realPathOf(root), real)) return;
  }
  throw new OutsideLibrary(what, target, real);
}

/** Whether `target`'s real path lies inside a write root (removals check this too: a linked folder is never emptied). */
export async function insideWriteRoots(deps: Pick<Deps, 'settings'>, target: string): Promise<boolean> {
  return checkWriteTarget(deps, target, 'path').then(
    () => true,
    (err) => {
      if (err instanceof OutsideLibrary) return false;
      throw err;
    },
  );
}
