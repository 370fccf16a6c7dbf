import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client } from '../helpers/http.js';
import type { DocOperation, Loose } from '../helpers/http.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

let srv: TestServer;
let doc: Loose;
let file: string;

beforeAll(async () => {
  srv = await startTestServer();
  const res = await client(srv.url).get('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = JSON.parse(res.text);
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-')), 'openapi.json');
  fs.writeFileSync(file, res.text);
});
afterAll(async () => {
  await srv?.stop();
});

const operations = () =>
  Object.entries<Record<string, DocOperation>>(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ where: `${method} ${p}`, p, op })),
  );

describe('the served OpenAPI document is a contract tools can use', () => {
  it('@redocly/cli lint (recommended rules, redocly.yaml) finds no errors', async () => {
    const cli = path.join(root, 'node_modules/@redocly/cli/bin/cli.js');
    const { stdout } = await run(process.execPath, [cli, 'lint', file, '--format=json', '--config', path.join(root, 'redocly.yaml')], {
      cwd: root,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    const report = JSON.parse(stdout);
    const problems = report.problems.map(
      (p: { severity: string; ruleId: string; location?: { pointer: string }[] }) =>
        `${p.severity} ${p.ruleId} ${p.location?.[0]?.pointer}`,
    );
    expect(report.totals.errors, problems.join('\n')).toBe(0);
    // the only warnings allowed: health checks have no 4xx answer at all (public, no input, never rate-limited)
    for (const p of report.problems) {
      expect(`${p.ruleId} ${p.location[0].pointer}`).toMatch(
        /^operation-4xx-response #\/paths\/(~1api)?~1health(~1detailed)?\/get\/responses$/,
      );
    }
  });

  it('every operation has a unique operationId and documents its error answers with the error envelope', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/anime/{key}'].get.operationId).toBe('getAnimeByKey');
    for (const { where, op } of operations()) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, where).toBeGreaterThan(0);
      for (const [status, res] of errors) {
        expect(res.content?.['application/json']?.schema, `${where} ${status}`).toBeTruthy();
      }
    }
    expect(doc.components.schemas.Error.required).toEqual(expect.arrayContaining(['success', 'error', 'message', 'details', 'request_id']));
    // a protected route names 401, an admin route 403, a validated one 422, a public /api one 429
    expect(Object.keys(doc.paths['/api/config'].get.responses)).toContain('401');
    expect(Object.keys(doc.paths['/api/users'].get.responses)).toContain('403');
    expect(Object.keys(doc.paths['/api/anime/add'].post.responses)).toContain('422');
    expect(Object.keys(doc.paths['/api/auth/login'].post.responses)).toContain('429');
  });

  it('numbers use JSON Schema 2020-12 bounds (exclusiveMinimum is a number, not the 3.0 boolean)', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/"exclusive(Minimum|Maximum)":(true|false)/);
    expect(doc.paths['/api/users/{id}'].delete.parameters[0].schema).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
  });
});
