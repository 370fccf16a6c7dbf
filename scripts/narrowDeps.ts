/**
 * The narrow-context check (#19): a function in backend/src takes the fields of `Deps` it uses
 * (`Pick<Deps, 'db' | 'log'>`, or a domain's named alias of one), not the whole context, so its
 * signature says what it touches and a test can hand it just that. Only the entry points that hand
 * the whole context on to many parts (ALLOWED) take `Deps`. tests/core/narrowDeps.test.ts runs it
 * over the source and over snippets that must fail.
 *
 * What counts (TypeScript's compiler API; the checker resolves the written type, so an alias of
 * Deps, `Readonly<Deps>` or `Deps & {...}` count too): a parameter with a written type that has
 * every field of Deps, in a function, arrow function, method, constructor (parameter properties
 * included), function type or method signature. A parameter typed by its context (`(deps) => ...`
 * given to a `TaskFactory`) is not looked at: the type it gets is written, and checked, where the
 * context's type is declared.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { checkedProgram } from './checkedProgram.js';
import { sourceFiles } from './moduleState.js';

export const BACKEND_SRC = fileURLToPath(new URL('../backend/src', import.meta.url));
const DEPS_FILE = path.join(BACKEND_SRC, 'deps.ts');

/**
 * Parameters allowed to take the whole Deps, as `file:function` (relative to backend/src) → why:
 * each hands the whole context on to many parts.
 */
export const ALLOWED: Readonly<Record<string, string>> = {
  'app.ts:createApp': 'the app factory: one Koa app for one context, handed to the guard, the router and every domain',
  'app.ts:createRequestHandler': 'the app factory as a request listener (createApp)',
  'app.ts:domainRouters': "registers every domain's routes: each router takes its part of the whole context",
  'worker/taskList.ts:buildTaskList': "hands the whole context to every domain's task factory",
  'worker/types.ts:TaskFactory': "the worker gives each domain's task factory the whole context (buildTaskList); each task takes its part",
};

export interface Finding {
  /** Relative to the checked root, with `/`. */
  file: string;
  line: number;
  /** The function, method (`Class.method`), constructor (`Class.constructor`) or function type it belongs to. */
  name: string;
  param: string;
}

/**
 * The parameters typed as the whole Deps in `files` (absolute paths under `root`); `overrides`
 * replaces or adds file contents (the test's snippets). Allowed entries (ALLOWED, or `allowed`) are
 * left out.
 */
export function findWholeDeps(
  root: string,
  files: string[],
  overrides: Record<string, string> = {},
  allowed: Readonly<Record<string, string>> = ALLOWED,
): Finding[] {
  const program = checkedProgram([DEPS_FILE, ...files], overrides);
  const checker = program.getTypeChecker();

  const depsSf = program.getSourceFile(DEPS_FILE);
  const depsDecl = depsSf?.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Deps');
  if (!depsDecl) throw new Error(`no interface Deps in ${DEPS_FILE}`);
  const fields = checker
    .getTypeAtLocation(depsDecl.name)
    .getProperties()
    .map((p) => p.name);
  const isWhole = (t: ts.Type) => {
    const type = checker.getNonNullableType(t);
    return fields.every((f) => type.getProperty(f) !== undefined);
  };

  const findings: Finding[] = [];
  for (const sf of program.getSourceFiles()) {
    const rel = path.relative(root, sf.fileName);
    if (rel.startsWith('..') || path.isAbsolute(rel) || sf.isDeclarationFile) continue;
    const file = rel.split(path.sep).join('/');
    const visit = (node: ts.Node) => {
      if (ts.isParameter(node) && node.type && isWhole(checker.getTypeFromTypeNode(node.type))) {
        const name = ownerName(node.parent);
        if (!allowed[`${file}:${name}`]) {
          const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
          findings.push({ file, line, name, param: node.name.getText(sf) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return findings;
}

/** The name a declaration is written with (an identifier or a string), or null. */
function nameOf(n: ts.Node | undefined): string | null {
  const name = n && (n as { name?: ts.Node }).name;
  return name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : null;
}

/** A class, interface or type literal by its name (a type literal by its alias's). */
function ownerOf(n: ts.Node): string {
  return nameOf(n) ?? (ts.isTypeLiteralNode(n) ? nameOf(n.parent) : null) ?? '(anonymous)';
}

/** A readable name for the function-like node a parameter belongs to. */
function ownerName(fn: ts.Node): string {
  if (ts.isConstructorDeclaration(fn)) return `${ownerOf(fn.parent)}.constructor`;
  if (ts.isMethodDeclaration(fn) || ts.isMethodSignature(fn)) return `${ownerOf(fn.parent)}.${nameOf(fn) ?? '(computed)'}`;
  if (ts.isFunctionDeclaration(fn)) return nameOf(fn) ?? '(default)';
  // an arrow function, function expression or function type: by what holds it
  let up = fn.parent;
  while (ts.isParenthesizedExpression(up) || ts.isAsExpression(up) || ts.isSatisfiesExpression(up)) up = up.parent;
  if (ts.isPropertySignature(up) || ts.isPropertyDeclaration(up)) return `${ownerOf(up.parent)}.${nameOf(up) ?? '(computed)'}`;
  return nameOf(up) ?? nameOf(fn) ?? '(anonymous)';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const findings = findWholeDeps(BACKEND_SRC, sourceFiles());
  for (const f of findings)
    console.log(`backend/src/${f.file}:${f.line} ${f.name}(${f.param}: Deps): take Pick<Deps, ...> of the fields it uses`);
  process.exitCode = findings.length ? 1 : 0;
}
