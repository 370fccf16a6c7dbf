import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import type { Placement } from './repo.js';
import { placeFile } from './place.js';

/**
 * Placing a verified download, in steps a kill can interrupt anywhere: the placement is recorded
 * before the rename (repo.setPlacement), so a resumed item finishes it from what is on disk instead
 * of downloading again. Run twice, `placeVerified` does the same as once.
 */

export type PlacementStep = NonNullable<Deps['env']['ANIWORLD_TEST_CRASH_AT']>;

const sizeOf = (file: string) =>
  fs.stat(file).then(
    (s) => (s.isFile() ? s.size : null),
    () => null,
  );

/**
 * Puts the verified file at its target (replacing `old` when the placement says so). Answers
 * false when neither the verified file nor a placed one of the recorded size is there any more:
 * the item starts over.
 */
export async function placeVerified(p: Placement): Promise<boolean> {
  const verified = (await sizeOf(p.file)) === p.bytes;
  const placed = (await sizeOf(p.target)) === p.bytes;
  if (p.old && path.resolve(p.old) === path.resolve(p.target)) {
    // the same name: one rename replaces the old file (after it, the verified file is gone)
    if (verified) await fs.rename(p.file, p.target);
    return verified || placed;
  }
  if (!placed) {
    if (!verified) return false;
    await placeFile(p.file, p.target);
  }
  if (p.old) await fs.rm(p.old, { force: true });
  return true;
}

/**
 * Test-only (ANIWORLD_TEST_CRASH_AT): at the named step the job logs it and waits forever, so a
 * test can SIGKILL the process exactly there. A no-op otherwise.
 */
export async function testCrashPoint(deps: Pick<Deps, 'env' | 'log'>, step: PlacementStep, item: string): Promise<void> {
  if (deps.env.ANIWORLD_TEST_CRASH_AT !== step) return;
  deps.log.warn({ item, step }, `test crash point: paused at placement step ${step}`);
  await new Promise<never>(() => undefined);
}
