import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED, BACKEND_SRC, findModuleState, sourceFiles } from '../../scripts/moduleState.js';

// The module-state check (#19): state is built once per app in main.ts and passed in Deps.
describe('module-level state in backend/src', () => {
  it('no module outside main.ts keeps mutable state at its top level (but the commented allow-list)', () => {
    // one program for both checks: every finding without the allow-list, then the allow-list applied
    const unfiltered = findModuleState(BACKEND_SRC, sourceFiles(), {}, {});
    const findings = unfiltered.filter((f) => !ALLOWED[`${f.file}:${f.name}`]);
    // a finding: build the thing in main.ts and pass it in Deps, or type a constant table Readonly*
    expect(findings.map((f) => `backend/src/${f.file}:${f.line} ${f.name}: ${f.reason}`)).toEqual([]);
    // every allowed entry still names something that exists (a stale entry would hide a new one)
    expect(Object.keys(ALLOWED).filter((k) => !unfiltered.some((f) => `${f.file}:${f.name}` === k))).toEqual([]);
  }, 300_000);

  it('fails on each kind of module state it looks for, and passes constants', () => {
    const root = path.join(BACKEND_SRC, '__snippets__');
    const file = (name: string) => path.join(root, name);
    const snippets = {
      [file('state.ts')]: `
        let counter = 0;
        var legacy = 1;
        const cache = new Map<string, number>();
        const seen: Set<string> = new Set();
        const byObject = new WeakMap<object, number>();
        class Limiter { n = 0 }
        const limiter = new Limiter();
        const pools = { a: new Limiter() };
        export const registry: string[] = [];
        export const counts = { hits: 0 };
        export class Holder { static last: string | null = null; static readonly all = new Map<string, string>() }
        export function bump() { counter++; legacy++; cache.set('a', 1); seen.add('x'); limiter.n++; return byObject && pools; }
      `,
      [file('writer.ts')]: `
        import { registry, counts } from './state.js';
        export function add(x: string) { registry.push(x); counts.hits += 1; }
      `,
      [file('constants.ts')]:
        `
        export const CODES: ReadonlySet<string> = new Set(['A', 'B']);
        export const NAMES: ReadonlyMap<number, string> = new Map([[1, 'one']]);
        export const LIST = ['a', 'b'] as const;
        export const PLAIN = ['x', 'y'];
        export const TABLE = { a: 1, b: { c: 2 } };
        export const PATTERN = new RegExp('^a+$');
        export const make = () => new Map<string, number>();
        export class Fixed { static readonly LIMIT = 3 }
        export function read() { const local = new Map<string, number>(); local.set('a', TABLE.a); return [...PLAIN].sort() && ` +
        `CODES.has('A') && NAMES.get(1) && LIST[0] && PATTERN.test('a') && local; }
      `,
      [file('main.ts')]: `export let handle: object | null = null; export const all = new Map<string, object>();`,
    };
    const findings = findModuleState(root, [], snippets, {});
    const named = findings.map((f) => `${f.file}:${f.name}`).sort();
    expect(named).toEqual(
      [
        'state.ts:byObject',
        'state.ts:cache',
        'state.ts:counter',
        'state.ts:counts',
        'state.ts:Holder.all',
        'state.ts:Holder.last',
        'state.ts:legacy',
        'state.ts:limiter',
        'state.ts:pools',
        'state.ts:registry',
        'state.ts:seen',
      ].sort(),
    );
    // the writes of exported consts are found in the module that makes them
    expect(findings.find((f) => f.name === 'registry')?.reason).toMatch(/written to \(writer\.ts\)/);
    // an allow-list entry lets one through, and only that one
    const allowed = findModuleState(root, [], snippets, { 'state.ts:counter': 'a test' });
    expect(allowed.map((f) => f.name)).not.toContain('counter');
    expect(allowed).toHaveLength(findings.length - 1);
  }, 120_000);
});
