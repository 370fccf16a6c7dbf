/**
 * The module-state check (#19): no mutable state at a module's top level in backend/src outside
 * main.ts. Whatever outlives a call (caches, registries, clients, pools, memos) is built once per
 * app instance in main.ts and handed over in `Deps` (or held by an object the app builds), so
 * several app instances in one process (the tests start many) share nothing and nothing hides
 * state behind the explicit dependencies. tests/core/moduleState.test.ts runs it over the source
 * and over snippets that must fail.
 *
 * What counts, at a module's top level (TypeScript's compiler API; the checker resolves names):
 *   - a `let` or `var`;
 *   - a `const` declared as, or (undeclared) built as a Map, Set, WeakMap or WeakSet (a
 *     ReadonlyMap/ReadonlySet annotation is how a constant table says it is one: tsc then refuses
 *     any write);
 *   - a `const` holding an instance built with `new` (a client, a pool, a limiter), but for the
 *     immutable built-ins below;
 *   - a `const` array or object that some code in backend/src writes to (assigns a property or an
 *     element, `delete`s one, calls push/splice/sort/set/add/clear… on it, or Object.assign to it);
 *   - a class's static property that is not readonly, or holds a mutable container.
 * It cannot see state a top-level call's closure keeps (`const next = counter()`): review that.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { checkedProgram } from './checkedProgram.js';

export const BACKEND_SRC = fileURLToPath(new URL('../backend/src', import.meta.url));

/** The one module allowed to hold state: it builds each app instance. */
const EXEMPT_FILES = new Set(['main.ts']);

/**
 * Top-level state allowed on purpose, as `file:name` (relative to backend/src) → why. Only true
 * constants and process-wide facts belong here, never a cache of something an app instance owns.
 */
export const ALLOWED: Readonly<Record<string, string>> = {
  // An argon2 hash of a fixed string, computed on first use: a constant that is slow to make.
  'auth/password.ts:dummy': 'a lazily computed constant (the dummy hash that hides which user names exist)',
  // RecurringJob (worker/recurring.ts) holds only readonly fields: a constant descriptor of a job.
  'backup/schedule.ts:BACKUP': 'an immutable RecurringJob descriptor (readonly fields only)',
  'scheduler/service.ts:SCHEDULE': 'an immutable RecurringJob descriptor (readonly fields only)',
  'watchlist/scheduler.ts:WATCH': 'an immutable RecurringJob descriptor (readonly fields only)',
};

/** Built-in classes whose instances cannot change (a top-level `const x = new RegExp(...)` is a constant). */
const IMMUTABLE_CLASSES = new Set([
  'RegExp',
  'URL',
  'TextEncoder',
  'TextDecoder',
  'Intl.DateTimeFormat',
  'Intl.Collator',
  'Intl.NumberFormat',
]);
const MUTABLE_CONTAINERS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);
const MUTATING_METHODS = new Set([
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'reverse',
  'fill',
  'copyWithin',
  'set',
  'add',
  'delete',
  'clear',
]);

export interface Finding {
  /** Relative to the checked root, with `/`. */
  file: string;
  line: number;
  name: string;
  reason: string;
}

/** Every .ts file under `root`. */
export function sourceFiles(root: string = BACKEND_SRC): string[] {
  return fs
    .readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(root, f))
    .sort();
}

/**
 * The findings over `files` (absolute paths under `root`); `overrides` replaces or adds file
 * contents (the test's snippets). Allowed entries (ALLOWED, or `allowed`) are left out.
 */
export function findModuleState(
  root: string,
  files: string[],
  overrides: Record<string, string> = {},
  allowed: Readonly<Record<string, string>> = ALLOWED,
): Finding[] {
  const program = checkedProgram(files, overrides);
  const checker = program.getTypeChecker();
  const checked = program.getSourceFiles().filter((sf) => isChecked(root, sf.fileName));

  const findings: Finding[] = [];
  const report = (sf: ts.SourceFile, node: ts.Node, name: string, reason: string) => {
    const file = path.relative(root, sf.fileName).split(path.sep).join('/');
    if (EXEMPT_FILES.has(file) || allowed[`${file}:${name}`]) return;
    findings.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, name, reason });
  };

  // the top-level consts whose writes are looked for (arrays and objects), by symbol
  const watched = new Map<ts.Symbol, { sf: ts.SourceFile; decl: ts.VariableDeclaration; name: string }>();

  for (const sf of checked) {
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st)) {
        const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
        for (const decl of st.declarationList.declarations) {
          for (const id of boundNames(decl.name)) {
            if (!isConst) {
              report(sf, id, id.text, 'a top-level let/var: module state (build it in main.ts and pass it in Deps)');
              continue;
            }
            const init = decl.initializer && unwrap(decl.initializer);
            const made = init && ts.isNewExpression(init) ? init.expression.getText(sf) : null;
            const container = containerOf(decl.type, made);
            if (container) {
              report(
                sf,
                id,
                id.text,
                `a top-level ${container}: module state (build it per app${
                  container.startsWith('Weak') ? '' : `; a constant table is ` + `typed Readonly${container}`
                })`,
              );
              continue;
            }
            if (made && !IMMUTABLE_CLASSES.has(made) && !MUTABLE_CONTAINERS.has(made)) {
              report(sf, id, id.text, `a top-level instance (new ${made}): module state (build it per app)`);
              continue;
            }
            const inner = init && !made ? instanceInside(init, sf) : null;
            if (inner) {
              report(sf, id, id.text, `a top-level value holding an instance (new ${inner}): module state (build it per app)`);
              continue;
            }
            const symbol = checker.getSymbolAtLocation(id);
            if (symbol) watched.set(symbol, { sf, decl, name: id.text });
          }
        }
      } else if (ts.isClassDeclaration(st)) {
        for (const m of st.members) {
          if (!ts.isPropertyDeclaration(m) || !hasModifier(m, ts.SyntaxKind.StaticKeyword)) continue;
          const name = `${st.name?.text ?? 'class'}.${m.name.getText(sf)}`;
          const made =
            m.initializer && ts.isNewExpression(unwrap(m.initializer))
              ? (unwrap(m.initializer) as ts.NewExpression).expression.getText(sf)
              : null;
          const container = containerOf(m.type, made);
          if (!hasModifier(m, ts.SyntaxKind.ReadonlyKeyword)) report(sf, m, name, 'a static property that is not readonly: module state');
          else if (container) report(sf, m, name, `a static ${container}: module state`);
        }
      }
    }
  }

  // writes to watched consts, anywhere in the checked files (their names first: symbols cost time)
  const names = new Set([...watched.values()].map((w) => w.name));
  const written = new Set<ts.Symbol>();
  for (const sf of checked) {
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && names.has(node.text)) {
        let symbol = checker.getSymbolAtLocation(node);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        if (symbol && watched.has(symbol) && !written.has(symbol) && writesThrough(node)) {
          written.add(symbol);
          const w = watched.get(symbol)!;
          report(w.sf, w.decl, w.name, `a top-level const that is written to (${path.basename(sf.fileName)}): module state`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** The class of a `new` inside an array or object literal (not inside a function: that runs later), if any. */
function instanceInside(e: ts.Expression, sf: ts.SourceFile): string | null {
  let found: string | null = null;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isNewExpression(node)) {
      const made = node.expression.getText(sf);
      if (!IMMUTABLE_CLASSES.has(made)) found = made;
      return;
    }
    ts.forEachChild(node, visit);
  };
  if (ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e)) ts.forEachChild(e, visit);
  return found;
}

function isChecked(root: string, fileName: string): boolean {
  const rel = path.relative(root, fileName);
  return !rel.startsWith('..') && !path.isAbsolute(rel) && fileName.endsWith('.ts') && !fileName.endsWith('.d.ts');
}

function boundNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : boundNames(e.name)));
}

function hasModifier(node: ts.HasModifiers, kind: ts.SyntaxKind): boolean {
  return ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false;
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e))
    e = e.expression;
  return e;
}

/**
 * 'Map', 'Set', 'WeakMap' or 'WeakSet' when the declared type is one, or, with no type declared,
 * the value is `new` one (read from the source: the type checker's answer costs a minute here).
 */
function containerOf(type: ts.TypeNode | undefined, made: string | null): string | null {
  if (type) {
    const named = ts.isTypeReferenceNode(type) ? type.typeName.getText() : null;
    return named && MUTABLE_CONTAINERS.has(named) ? named : null;
  }
  return made && MUTABLE_CONTAINERS.has(made) ? made : null;
}

/** Whether this reference is the root of a write: `x.a = 1`, `x[i]++`, `delete x.a`, `x.push(1)`, `Object.assign(x, …)`. */
function writesThrough(id: ts.Identifier): boolean {
  let node: ts.Node = id;
  let accessed = false;
  // climb the access chain rooted here: x, x.a, x[i].b, (x as T).c …
  for (;;) {
    const parent: ts.Node = node.parent;
    if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node) {
      // x.push(…): a mutating method called on the chain
      if (ts.isPropertyAccessExpression(parent) && MUTATING_METHODS.has(parent.name.text)) {
        const call = parent.parent;
        if (ts.isCallExpression(call) && call.expression === parent) return true;
      }
      accessed = true;
      node = parent;
    } else if (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent)) node = parent;
    else break;
  }
  const parent = node.parent;
  if (accessed) {
    if (ts.isBinaryExpression(parent) && parent.left === node && isAssignment(parent.operatorToken.kind)) return true;
    if ((ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) && isIncrement(parent.operator)) return true;
    if (ts.isDeleteExpression(parent)) return true;
  }
  // Object.assign(x, …) / Object.defineProperty(x, …) / Reflect.set(x, …)
  if (ts.isCallExpression(parent) && parent.arguments[0] === node) {
    const callee = parent.expression.getText();
    if (['Object.assign', 'Object.defineProperty', 'Object.defineProperties', 'Reflect.set', 'Reflect.deleteProperty'].includes(callee))
      return true;
  }
  return false;
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

function isIncrement(op: ts.SyntaxKind): boolean {
  return op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const findings = findModuleState(BACKEND_SRC, sourceFiles());
  for (const f of findings) console.log(`backend/src/${f.file}:${f.line} ${f.name}: ${f.reason}`);
  process.exitCode = findings.length ? 1 : 0;
}
