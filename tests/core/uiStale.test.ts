import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uiOlderThanSources } from '../../scripts/build.mjs';

// `npm start` rebuilds the UI when its sources changed: those include the server's shared rules the UI imports
describe('the UI build is stale', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function tree() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-stale-'));
    dirs.push(root);
    const ui = path.join(root, 'frontend');
    const rules = path.join(root, 'backend/src/rules');
    fs.mkdirSync(path.join(ui, 'src'), { recursive: true });
    fs.mkdirSync(path.join(ui, 'dist'), { recursive: true });
    fs.mkdirSync(rules, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    for (const f of [path.join(ui, 'src/main.ts'), path.join(rules, 'naming.ts')]) {
      fs.writeFileSync(f, '');
      fs.utimesSync(f, old, old);
    }
    for (const d of [path.join(ui, 'src'), ui, rules, path.join(root, 'backend/src'), path.join(ui, 'dist')]) fs.utimesSync(d, old, old);
    const stamp = path.join(ui, 'dist/index.html');
    fs.writeFileSync(stamp, '');
    const built = new Date(old.getTime() + 1000); // after the sources, before any change the test makes
    fs.utimesSync(stamp, built, built);
    return { ui, rules, stamp };
  }

  it('is fresh after a build, and stale once a UI file or a shared rule changes', () => {
    const t = tree();
    expect(uiOlderThanSources(t.stamp, t.ui, t.rules)).toBe(false);
    fs.writeFileSync(path.join(t.rules, 'naming.ts'), 'export const x = 1;');
    expect(uiOlderThanSources(t.stamp, t.ui, t.rules)).toBe(true);

    const u = tree();
    fs.writeFileSync(path.join(u.ui, 'src/main.ts'), 'export {};');
    expect(uiOlderThanSources(u.stamp, u.ui, u.rules)).toBe(true);
  });

  it('is stale without a build', () => {
    const t = tree();
    fs.rmSync(t.stamp);
    expect(uiOlderThanSources(t.stamp, t.ui, t.rules)).toBe(true);
  });
});
