import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED, BACKEND_SRC, findWholeDeps } from '../../scripts/narrowDeps.js';
import { sourceFiles } from '../../scripts/moduleState.js';

// The narrow-context check (#19): each function takes the Deps fields it uses (Pick<Deps, ...>).
describe('parameters typed as the whole Deps in backend/src', () => {
  it('none but the commented allow-list of entry points that hand the whole context on', () => {
    const unfiltered = findWholeDeps(BACKEND_SRC, sourceFiles(), {}, {});
    const findings = unfiltered.filter((f) => !ALLOWED[`${f.file}:${f.name}`]);
    // a finding: type the parameter Pick<Deps, ...> with the fields the function (and what it hands `deps` to) uses
    expect(findings.map((f) => `backend/src/${f.file}:${f.line} ${f.name}(${f.param}: Deps)`)).toEqual([]);
    // every allowed entry still names a parameter typed Deps (a stale entry would let a new one through)
    expect(Object.keys(ALLOWED).filter((k) => !unfiltered.some((f) => `${f.file}:${f.name}` === k))).toEqual([]);
  }, 300_000);

  it('fails on every way of writing the whole Deps as a parameter type, and passes narrow ones', () => {
    const root = path.join(BACKEND_SRC, '__snippets__');
    const file = (name: string) => path.join(root, name);
    const snippets = {
      [file('wide.ts')]: `
        import type { Deps } from '../deps.js';
        type Ctx = Deps;
        export function plain(deps: Deps) { return deps.db; }
        export async function optional(n: number, deps?: Deps) { return n && deps?.log; }
        export const arrow = (ctx: Ctx) => ctx.clock;
        export const expr = function (d: Readonly<Deps>) { return d.env; };
        export function joined(deps: Deps & { extra: number }) { return deps.extra; }
        export class Service {
          constructor(private deps: Deps) {}
          run(other: Deps) { return [this.deps, other]; }
        }
        export class Holder { constructor(deps: Deps) { void deps; } }
        export interface Part { start(deps: Deps): void; stop: (deps: Deps) => void }
        export type Factory = (deps: Deps) => string[];
        export const parts = { make: (deps: Deps) => deps.version };
      `,
      [file('narrow.ts')]: `
        import type { Deps } from '../deps.js';
        import type { Factory } from './wide.js';
        type LogCtx = Pick<Deps, 'log' | 'clock'>;
        export function picked(deps: Pick<Deps, 'db' | 'log'>) { return deps.db; }
        export const aliased = (ctx: LogCtx) => ctx.clock;
        export function omitted(deps: Omit<Deps, 'logging'>) { return deps.env; }
        export function field(env: Deps['env']) { return env; }
        // typed by its context: the context's type (Factory) is where Deps is written, and found
        export const fromContext: Factory = (deps) => [deps.version];
        export function local(x: LogCtx) { const whole: Deps | null = null; return [x, whole]; }
      `,
    };
    const findings = findWholeDeps(root, [], snippets, {});
    expect(findings.map((f) => `${f.file}:${f.name}(${f.param})`).sort()).toEqual(
      [
        'wide.ts:plain(deps)',
        'wide.ts:optional(deps)',
        'wide.ts:arrow(ctx)',
        'wide.ts:expr(d)',
        'wide.ts:joined(deps)',
        'wide.ts:Service.constructor(deps)',
        'wide.ts:Service.run(other)',
        'wide.ts:Holder.constructor(deps)',
        'wide.ts:Part.start(deps)',
        'wide.ts:Part.stop(deps)',
        'wide.ts:Factory(deps)',
        'wide.ts:make(deps)',
      ].sort(),
    );
    // an allow-list entry lets one through, and only that one
    const allowed = findWholeDeps(root, [], snippets, { 'wide.ts:Factory': 'a test' });
    expect(allowed.map((f) => f.name)).not.toContain('Factory');
    expect(allowed).toHaveLength(findings.length - 1);
  }, 300_000);
});
