// Checks over the backend source that CI runs as tests (tests/core/tableOwnership.test.ts,
// tests/core/folderCycles.test.ts): which file's SQL touches which table, and the folder import graph.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const backendSrc = join(repoRoot, 'backend/src');

export function sourceFiles(dir: string = backendSrc): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** Every table the migrations create. */
export function migrationTables(dir: string = join(repoRoot, 'migrations')): string[] {
  const tables = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.sql'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    for (const m of text.matchAll(/create\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)/gi)) {
      tables.add(m[1]!.toLowerCase());
    }
  }
  return [...tables].sort();
}

function isSqlTag(tag: ts.Expression): boolean {
  // sql`…`, sql.type(X)`…`, sql.unsafe`…`, sql.fragment`…`, sql.typeAlias('x')`…`
  let node: ts.Expression = tag;
  if (ts.isCallExpression(node)) node = node.expression;
  if (ts.isPropertyAccessExpression(node)) node = node.expression;
  return ts.isIdentifier(node) && node.text === 'sql';
}

/** The static text of every slonik `sql` template in a TypeScript source (interpolations as `$`). */
export function sqlTemplates(source: string, fileName = 'x.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && isSqlTag(node.tag)) {
      const t = node.template;
      out.push(ts.isNoSubstitutionTemplateLiteral(t) ? t.text : [t.head.text, ...t.templateSpans.map((s) => s.literal.text)].join(' $ '));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** Table names a piece of SQL reads or writes: the word after FROM, JOIN, INTO, UPDATE, TABLE, DELETE FROM. */
export function tablesInSql(text: string, known: readonly string[]): string[] {
  const words = new Set<string>();
  const plain = text.replace(/--[^\n]*/g, ' ');
  for (const m of plain.matchAll(/\b(?:from|join|into|update|table|truncate)\s+(?:only\s+)?(?:public\.)?"?([a-z_][a-z0-9_]*)"?/gi)) {
    words.add(m[1]!.toLowerCase());
  }
  // truncate a, b, c
  for (const m of plain.matchAll(/\btruncate\s+(?:table\s+)?([a-z0-9_,\s"]+)/gi)) {
    for (const w of m[1]!.split(',')) words.add(w.trim().replace(/"/g, '').split(/\s+/)[0]!.toLowerCase());
  }
  return known.filter((t) => words.has(t));
}

export type Ownership = Readonly<Record<string, string>>;

/** A repo file: `repo.ts` or `<something>Repo.ts`. */
export function isRepoFile(path: string): boolean {
  const base = path.split('/').pop()!;
  return base === 'repo.ts' || /^[a-z][A-Za-z0-9]*Repo\.ts$/.test(base);
}

export interface TableViolation {
  file: string;
  table: string;
  owner: string | undefined;
}

/**
 * The SQL in `files` (path relative to backend/src → source) that touches a table outside its
 * owner's repo files: a table may be named only in `<owner>/repo.ts` or `<owner>/*Repo.ts`.
 */
export function tableViolations(files: Readonly<Record<string, string>>, owners: Ownership, known: readonly string[]): TableViolation[] {
  const out: TableViolation[] = [];
  for (const [file, source] of Object.entries(files)) {
    const folder = file.includes('/') ? file.slice(0, file.indexOf('/')) : '';
    const tables = new Set(sqlTemplates(source, file).flatMap((text) => tablesInSql(text, known)));
    for (const table of [...tables].sort()) {
      const owner = owners[table];
      if (owner === undefined || owner !== folder || !isRepoFile(file)) out.push({ file, table, owner });
    }
  }
  return out;
}

export function backendSources(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of sourceFiles()) files[relative(backendSrc, path).split(sep).join('/')] = readFileSync(path, 'utf8');
  return files;
}

// ---------------------------------------------------------------------------------------------
// Folder import graph

/**
 * Composition roots: they assemble every domain (main.ts, server.ts, app.ts, worker/taskList.ts) or
 * name every domain's parts as types (deps.ts). Their imports are not arrows of the graph; no part
 * may import main.ts, server.ts, app.ts or worker/taskList.ts back, and deps.ts imports types only.
 */
export const COMPOSITION_ROOTS = ['main.ts', 'server.ts', 'app.ts', 'worker/taskList.ts', 'deps.ts'] as const;

/** The part of backend/src a file belongs to: its top-level folder, or the file itself at the top. */
export function partOf(relPath: string): string {
  return relPath.includes('/') ? relPath.slice(0, relPath.indexOf('/')) : relPath.replace(/\.ts$/, '');
}

export interface ImportRef {
  spec: string;
  typeOnly: boolean;
}

/** Relative module specifiers a source imports or re-exports (static and dynamic `import()`). */
export function importRefs(source: string, fileName = 'x.ts'): ImportRef[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push({ spec: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out.filter((r) => r.spec.startsWith('.'));
}

/** The file (relative to backend/src, `.ts`) a relative specifier of `from` names; undefined outside backend/src. */
export function resolveImport(from: string, spec: string): string | undefined {
  const target = join(dirname(from), spec).split(sep).join('/');
  if (target.startsWith('..')) return undefined;
  return target.replace(/\.(js|ts)$/, '') + '.ts';
}

export interface ImportEdge {
  file: string;
  target: string;
  from: string;
  to: string;
  typeOnly: boolean;
}

export function importEdges(files: Readonly<Record<string, string>>): ImportEdge[] {
  const out: ImportEdge[] = [];
  for (const [file, source] of Object.entries(files)) {
    for (const ref of importRefs(source, file)) {
      const target = resolveImport(file, ref.spec);
      if (target !== undefined) out.push({ file, target, from: partOf(file), to: partOf(target), typeOnly: ref.typeOnly });
    }
  }
  return out;
}

export type Graph = ReadonlyMap<string, ReadonlySet<string>>;

/** Part → parts it imports from (composition roots' own imports left out; self edges dropped). */
export function folderGraph(files: Readonly<Record<string, string>>): Map<string, Set<string>> {
  const roots = new Set<string>(COMPOSITION_ROOTS);
  const graph = new Map<string, Set<string>>();
  for (const file of Object.keys(files)) if (!roots.has(file) && !graph.has(partOf(file))) graph.set(partOf(file), new Set());
  for (const e of importEdges(files)) {
    if (roots.has(e.file) || roots.has(e.target) || e.from === e.to) continue;
    graph.get(e.from)!.add(e.to);
  }
  return graph;
}

/**
 * Imports that break the composition roots' rules: a part importing main.ts, server.ts, app.ts or worker/taskList.ts; deps.ts importing
 * values.
 */
export function rootViolations(files: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const assemblers = new Set(['main.ts', 'server.ts', 'app.ts', 'worker/taskList.ts']);
  // main.ts loads server.ts, which assembles the rest
  const entries = new Set(['main.ts', 'server.ts']);
  for (const e of importEdges(files)) {
    if (assemblers.has(e.target) && !entries.has(e.file)) out.push(`${e.file} imports the composition root ${e.target}`);
    if (e.file === 'deps.ts' && !e.typeOnly) out.push(`deps.ts imports values from ${e.target} (types only)`);
  }
  return out;
}

/** Every strongly connected component with more than one node (or a self loop): the cycles. */
export function cycles(graph: Graph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const nodes = new Set<string>([...graph.keys(), ...[...graph.values()].flatMap((s) => [...s])]);
  const strong = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) out.push(component.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!indices.has(v)) strong(v);
  return out;
}

/** One path a → … → a inside a component, to name the cycle in a failure message. */
export function cyclePath(graph: Graph, component: readonly string[]): string[] {
  const inside = new Set(component);
  const start = component[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x: string | undefined = v; x !== undefined && x !== start; x = prev.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component];
}

/** Every file-level import edge from one part into another, for failure messages. */
export function edgesBetween(files: Readonly<Record<string, string>>, from: string, to: string): string[] {
  return importEdges(files)
    .filter((e) => e.from === from && e.to === to)
    .map((e) => `${e.file} → ${e.target}`);
}

/**
 * The layers of an acyclic graph: a part with no arrows is layer 0, any other one layer above the
 * highest part it imports. Highest layer first, parts by name.
 */
export function layers(graph: Graph): { layer: number; part: string; imports: string[] }[] {
  const at = new Map<string, number>();
  const layerOf = (v: string, path: readonly string[] = []): number => {
    const known = at.get(v);
    if (known !== undefined) return known;
    if (path.includes(v)) throw new Error(`cycle: ${[...path, v].join(' → ')}`);
    const l = Math.max(-1, ...[...(graph.get(v) ?? [])].map((w) => layerOf(w, [...path, v]))) + 1;
    at.set(v, l);
    return l;
  };
  for (const v of graph.keys()) layerOf(v);
  return [...at]
    .map(([part, layer]) => ({ layer, part, imports: [...(graph.get(part) ?? [])].sort() }))
    .sort((a, b) => b.layer - a.layer || a.part.localeCompare(b.part));
}

/** The layers as docs/DESIGN.md ("Parts and arrows") lists them: `12  part → what it imports`. */
export function layerListing(graph: Graph): string {
  return layers(graph)
    .map((l, i, all) => {
      const label = i > 0 && all[i - 1]!.layer === l.layer ? '' : String(l.layer);
      return `${label.padStart(2)}  ${l.part}${l.imports.length ? ` → ${l.imports.join(' ')}` : ''}`;
    })
    .join('\n');
}
