/**
 * The order the two (or more) workers take test files in. The browser files hold one browser at a
 * time (tests/e2e/browserTurn.ts), so they run one after another on one worker while the other
 * workers take the rest; vitest's own order (project by project) would leave them for the end, one
 * at a time. This simulates the workers with each file's last duration (or an average guess) and
 * puts a browser file next whenever the browser is free, else the longest file left.
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const BROWSER_PROJECT = 'e2e';
// guesses for a file never run here (a fresh checkout), in seconds: a browser file's is about twice a backend file's
const GUESS = { browser: 12, other: 6 };

export default class BrowserSpreadSequencer extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const estimate = (f: TestSpecification) => {
      const key = `${f.project.name}:${path.relative(this.ctx.config.root, f.moduleId)}`;
      const ms = this.ctx.cache.getFileTestResults(key)?.duration;
      return ms ? ms / 1000 : f.project.name === BROWSER_PROJECT ? GUESS.browser : GUESS.other;
    };
    const browser = sorted.filter((f) => f.project.name === BROWSER_PROJECT);
    const others = sorted.filter((f) => f.project.name !== BROWSER_PROJECT).sort((a, b) => estimate(b) - estimate(a));
    if (!browser.length || !others.length) return sorted;
    browser.sort((a, b) => estimate(b) - estimate(a));
    const workers = new Array<number>(Math.max(1, Number(this.ctx.config.maxWorkers) || 1)).fill(0);
    let browserFreeAt = 0;
    const order: TestSpecification[] = [];
    while (browser.length || others.length) {
      // the worker that is free first takes the next file
      const w = workers.indexOf(Math.min(...workers));
      const now = workers[w];
      const next = browser.length && (browserFreeAt <= now || !others.length) ? browser.shift()! : others.shift()!;
      const start = next.project.name === BROWSER_PROJECT ? Math.max(now, browserFreeAt) : now;
      workers[w] = start + estimate(next);
      if (next.project.name === BROWSER_PROJECT) browserFreeAt = workers[w];
      order.push(next);
    }
    return order;
  }
}
