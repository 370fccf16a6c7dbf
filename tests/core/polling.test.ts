import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// One polling helper: tests/helpers/poll.ts `until` (vitest's expect.poll is not used).
describe('polling in tests', () => {
  it('goes through until only', async () => {
    const root = path.resolve(import.meta.dirname, '..');
    const files = (await readdir(root, { recursive: true })).filter((f) => /\.(ts|mjs)$/.test(f) && !f.includes('node_modules'));
    const offenders: string[] = [];
    for (const f of files) {
      if (f === path.join('core', 'polling.test.ts')) continue;
      if (/expect\s*\.\s*poll\s*\(/.test(await readFile(path.join(root, f), 'utf8'))) offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });
});
