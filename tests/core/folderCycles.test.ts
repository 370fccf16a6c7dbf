import { describe, expect, it } from 'vitest';
import {
  backendSources,
  cyclePath,
  cycles,
  edgesBetween,
  folderGraph,
  layerListing,
  layers,
  rootViolations,
} from '../helpers/sourceChecks.js';

/**
 * The parts of backend/src (its folders and top-level files) import each other without cycles.
 * The composition roots (main.ts, server.ts, app.ts, worker/taskList.ts, deps.ts) assemble every part and
 * are left out of the graph; nothing imports them back (deps.ts is imported for its types).
 */

/** Arrows that still close a cycle ("from>to"), to be removed. An entry that no longer exists fails. */
const PENDING_ARROWS: readonly string[] = [];

/** Imports of a composition root from a part, still to be removed ("file imports …"). */
const PENDING_ROOTS: readonly string[] = [];

describe('folder import graph of backend/src (tests/helpers/sourceChecks.ts)', () => {
  const files = backendSources();
  const graph = folderGraph(files);

  it('has no cycle', () => {
    const pruned = new Map(
      [...graph].map(([from, to]) => [from, new Set([...to].filter((t) => !PENDING_ARROWS.includes(`${from}>${t}`)))]),
    );
    const found = cycles(pruned).map((c) => {
      const path = cyclePath(pruned, c);
      const arrows = path.slice(1).map((to, i) => `${path[i]}>${to}: ${edgesBetween(files, path[i]!, to).join(', ')}`);
      return `${path.join(' → ')}\n  ${arrows.join('\n  ')}`;
    });
    expect(found).toEqual([]);
    expect(
      PENDING_ARROWS.filter((a) => !graph.get(a.split('>')[0]!)?.has(a.split('>')[1]!)),
      'gone: remove from PENDING_ARROWS',
    ).toEqual([]);
  });

  it('no part imports a composition root; deps.ts imports types only', () => {
    const found = rootViolations(files);
    expect(found.filter((v) => !PENDING_ROOTS.includes(v))).toEqual([]);
    expect(
      PENDING_ROOTS.filter((v) => !found.includes(v)),
      'fixed: remove from PENDING_ROOTS',
    ).toEqual([]);
  });

  it('the checker finds a cycle in a small graph and names its path', () => {
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a', 'd'])],
      ['d', new Set<string>()],
      ['e', new Set(['e'])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(cyclePath(g, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c', 'a']);
    g.get('c')!.delete('a');
    expect(cycles(g)).toEqual([['e']]);
  });

  it('lists the layers of an acyclic graph (scripts/partLayers.ts prints the one in docs/DESIGN.md)', () => {
    const g = new Map([
      ['a', new Set(['b', 'c'])],
      ['b', new Set(['c'])],
      ['c', new Set<string>()],
      ['d', new Set(['c'])],
    ]);
    expect(layers(g).map((l) => `${l.layer}:${l.part}`)).toEqual(['2:a', '1:b', '1:d', '0:c']);
    expect(layerListing(g)).toBe([' 2  a → b c', ' 1  b → c', '    d → c', ' 0  c'].join('\n'));
    g.get('c')!.add('a');
    expect(() => layers(g)).toThrow(/cycle/);
  });

  it('builds the graph from the sources: relative imports, type imports, re-exports, dynamic imports; roots left out', () => {
    const fake = {
      'main.ts': "import { a } from './alpha/a.js';",
      'app.ts': "import { b } from './beta/b.js';",
      'alpha/a.ts': "import type { B } from '../beta/b.js'; import { x } from './x.js'; import z from 'zod';",
      'alpha/x.ts': "export { y } from '../gamma/y.js';",
      'beta/b.ts': "export async function f() { return import('../alpha/a.js'); }",
      'gamma/y.ts': "import { app } from '../app.js';",
    };
    const g = folderGraph(fake);
    expect(Object.fromEntries([...g].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      alpha: ['beta', 'gamma'],
      beta: ['alpha'],
      gamma: [],
    });
    expect(cycles(g)).toEqual([['alpha', 'beta']]);
    expect(rootViolations(fake)).toEqual(['gamma/y.ts imports the composition root app.ts']);
    expect(rootViolations({ 'deps.ts': "import { Db } from './db/pool.js';" })).toEqual([
      'deps.ts imports values from db/pool.ts (types only)',
    ]);
  });
});
