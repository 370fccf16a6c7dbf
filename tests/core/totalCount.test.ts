/**
 * A route whose handler sends X-Total-Count (http/paging.ts `setTotal`) declares `totalCount` in its
 * RouteSpec, so the OpenAPI document (and the UI's generated types) name the header.
 */
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { backendSources } from '../helpers/sourceChecks.js';

/** `route(r, spec, handler)` calls whose handler calls setTotal while the spec has no `totalCount`: "file: METHOD path". */
function undeclaredTotals(files: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    if (!text.includes('setTotal(')) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'route') {
        const [, spec, handler] = node.arguments;
        if (spec && handler && ts.isObjectLiteralExpression(spec) && /\bsetTotal\(/.test(handler.getText(source))) {
          const prop = (name: string) =>
            spec.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === name) as ts.PropertyAssignment | undefined;
          if (!prop('totalCount')) {
            const text = (name: string) => prop(name)?.initializer.getText(source).replace(/^'|'$/g, '') ?? '?';
            out.push(`${file}: ${text('method').toUpperCase()} ${text('path')}`);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

describe('X-Total-Count is declared where it is sent', () => {
  it('every route whose handler calls setTotal has totalCount in its RouteSpec', () => {
    const files = backendSources();
    expect(Object.values(files).filter((t) => /\bsetTotal\(/.test(t)).length).toBeGreaterThan(5);
    expect(undeclaredTotals(files)).toEqual([]);
  });

  it('finds a route that sends the total without declaring it', () => {
    const snippet = `route(r, { method: 'get', path: '/api/things', responses: {} }, async ({ ctx }) => { setTotal(ctx, 3); return []; });
route(r, { method: 'get', path: '/api/ok', totalCount: true, responses: {} }, async ({ ctx }) => { setTotal(ctx, 1); return []; });`;
    expect(undeclaredTotals({ 'x/routes.ts': snippet })).toEqual(['x/routes.ts: GET /api/things']);
  });
});
