import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { sql } from '../../backend/src/db/pool.js';
import type { DocOperation, Loose } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

/**
 * Hostile input on every write route, driven from the OpenAPI document: strings with NUL or a
 * lone surrogate and JSON nested 5,000 deep are 4xx, never a 500; text scraped from a provider
 * with NUL is stored clean; a configuration over 256 KB (request or backup) is refused; 100 rescan
 * requests at once all get 200.
 */
let fake: FakeAniworld;
let srv: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      {
        slug: 'nul-show',
        name: 'Nul\u0000 Show',
        seasons: { 1: [{ episode: 1, title: 'Fol\u0000ge 1', titleEn: 'Epi\u0000sode 1', sources: [] }] },
      },
      simpleSeries('mushishi', 'Mushishi', { 1: 2 }),
    ],
  });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api } = await adminClient(srv.url));
  expect((await api.put('/api/config', { providers: { request_timeout_seconds: 3, retries: 0 } })).status).toBe(200);
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
  const?: unknown;
  minItems?: number;
};

/** A body shaped like the schema with `text` in every string (enums keep their first value). */
function sample(schema: Schema | undefined, doc: { components?: { schemas?: Record<string, Schema> } }, text: string, depth = 0): unknown {
  if (!schema || depth > 8) return text;
  if (schema.$ref) return sample(doc.components?.schemas?.[schema.$ref.split('/').pop()!], doc, text, depth + 1);
  const alt = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alt) return sample(alt.find((s) => s.type !== 'null') ?? alt[0], doc, text, depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = sample(v, doc, text, depth + 1);
    if (Object.keys(out).length === 0) out.name = text;
    return out;
  }
  if (type === 'array') return [sample(schema.items, doc, text, depth + 1)];
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  return text;
}

const deepJson = (levels: number) => '['.repeat(levels) + '1' + ']'.repeat(levels);

describe('every write route, from the OpenAPI document', () => {
  it('NUL, lone surrogates and 5,000-deep JSON are 4xx on every route; the server stays well', async () => {
    const doc = (await api.get('/api/openapi.json')).body;
    const writes: { method: string; path: string; op: DocOperation }[] = [];
    for (const [p, ops] of Object.entries<Record<string, DocOperation>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (['post', 'put', 'patch', 'delete'].includes(method)) writes.push({ method: method.toUpperCase(), path: p, op });
      }
    }
    expect(writes.length).toBeGreaterThan(40);
    let checked = 0;
    for (const w of writes) {
      const bodySchema = w.op.requestBody?.content?.['application/json']?.schema;
      const hasParams = /\{[^}]+\}/.test(w.path);
      // NUL in the path parameters (else the body); a lone surrogate (it has no URL encoding) in the body
      for (const [text, inPath] of [
        ['x\u0000y', hasParams],
        ['x\ud800y', false],
      ] as const) {
        const url = w.path.replace(/\{[^}]+\}/g, inPath ? encodeURIComponent(text) : 'x');
        const body = bodySchema ? sample(bodySchema, doc, text) : { note: text };
        if (!inPath && !bodySchema && w.method === 'DELETE') continue; // a DELETE body is never read
        if (!inPath && !JSON.stringify(body).includes(JSON.stringify(text).slice(1, -1))) continue; // a body of numbers and enums only
        const res = await api.call(w.method, url, body);
        if (inPath && res.status === 400) {
          // the access check refuses a path parameter with a control character first
          expect(res.body.message).toMatch(/path parameter/);
          continue;
        }
        expect(res.status, `${w.method} ${w.path} with ${JSON.stringify(text)}: ${res.text}`).toBe(422);
        expect(res.body.error).toBe('VALIDATION_ERROR');
        expect(JSON.stringify(res.body.details), `${w.method} ${w.path} ${JSON.stringify(body)}`).toMatch(inPath ? /"path\./ : /"body/);
        checked++;
      }
      const deep = await api.call(w.method, w.path.replace(/\{[^}]+\}/g, 'x'), deepJson(5000));
      if (w.method === 'DELETE') {
        // its body is never read: whatever the route says, not a 500
        expect(deep.status, `${w.method} ${w.path}`).toBeLessThan(500);
        continue;
      }
      expect(deep.status, `${w.method} ${w.path} with deep JSON: ${deep.text}`).toBe(400);
      expect(deep.body.message).toMatch(/nested deeper than 64 levels/);
    }
    expect(checked).toBeGreaterThan(writes.length / 2);
    expect((await api.get('/health')).status).toBe(200);
    expect(srv.logs()).not.toMatch(/"msg":"request failed"/);
  });

  it('the routes the issue names refuse NUL with a field name', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/anime/add', { link: `${fake.url}/anime/stream/mushishi`, name: 'Mushi\u0000shi' }, 'body.name'],
      ['/api/watchlist', { anime_title: 'Mushi\u0000shi', anime_url: `${fake.url}/anime/stream/mushishi` }, 'body.anime_title'],
      ['/api/queue/add', { serie_id: 'mushishi', episodes: [{ season: 1, episode: 1, title: 'Fol\u0000ge' }] }, 'body.episodes.0.title'],
    ];
    for (const [p, body, field] of cases) {
      const res = await api.post(p, body);
      expect(res.status, p).toBe(422);
      expect(res.body.details[field], p).toMatch(/NUL/);
    }
  });

  it('JSON 64 deep is still read (the limit is above anything real)', async () => {
    const res = await api.call('POST', '/api/config/validate', `{"other":${deepJson(60)}}`);
    expect(res.status).toBe(200);
  });
});

describe('text scraped from a provider', () => {
  it('a series title with NUL from the provider is stored without it', async () => {
    const res = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/nul-show`, name: 'Nul Show' });
    expect(res.status, res.text).toBe(200);
    const series = (await api.get('/api/anime/nul-show')).body;
    const text = JSON.stringify(series);
    expect(text).toMatch(/Folge 1/);
    expect(text).not.toMatch(/\\u0000/);
  });

  it('whatever still carries NUL is stripped on its way into PostgreSQL', async () => {
    await srv.deps.db.query(
      sql.unsafe`insert into app_state (key, value) values (${'nul\u0000key'}, ${sql.jsonb({ a: 'x\u0000y\ud800' })})`,
    );
    const value = await srv.deps.db.oneFirst(sql.unsafe`select value from app_state where key = 'nulkey'`);
    expect(value).toEqual({ a: 'xy' });
  });
});

describe('configuration size', () => {
  const big = 'x'.repeat(300 * 1024);

  it('a request whose config would pass 256 KB is a 413 and changes nothing', async () => {
    const before = (await api.get('/api/config')).body;
    const res = await api.put('/api/config', { providers: { hoster_domains: { blob: [big] } } });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('PAYLOAD_TOO_LARGE');
    expect((await api.post('/api/config/validate', { providers: { hoster_domains: { blob: [big] } } })).status).toBe(413);
    expect((await api.get('/api/config')).body).toEqual(before);
  });

  it('a backup whose config.json is over 256 KB is refused at restore', async () => {
    const made = await api.post('/api/config/backups');
    expect(made.status).toBe(200);
    const file = path.join(srv.dataDir, 'backups', made.body.name);
    const dir = fs.mkdtempSync(path.join(srv.dataDir, 'unpacked-'));
    await tar.x({ file, cwd: dir });
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const body = JSON.stringify({ ...config, providers: { ...config.providers, hoster_domains: { blob: [big] } } });
    fs.writeFileSync(path.join(dir, 'config.json'), body);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    manifest.files['config.json'] = crypto.createHash('sha256').update(body).digest('hex');
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const entries = [
      'manifest.json',
      ...fs.readdirSync(dir).filter((f) => f !== 'manifest.json' && f !== 'db'),
      ...fs.readdirSync(path.join(dir, 'db')).map((f) => `db/${f}`),
    ];
    await tar.c({ gzip: true, file, cwd: dir }, entries);
    const res = await api.post(`/api/config/backups/${made.body.name}/restore`);
    expect(res.status, res.text).toBe(413);
    expect(res.body.message).toMatch(/more than the 256 KB allowed/);
  });

  it('the config is held frozen and shared, not copied per call', async () => {
    const a = srv.deps.settings.get();
    expect(srv.deps.settings.get()).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.downloads)).toBe(true);
    await api.put('/api/config', { downloads: { max_parallel_downloads: 3 } });
    const b = srv.deps.settings.get();
    expect(b).not.toBe(a);
    expect(b.downloads.max_parallel_downloads).toBe(3);
  });
});

describe('numeric ids in paths', () => {
  it('every integer path parameter documents its bound; past it (or far past) is a 422 naming the field, never a 500', async () => {
    const doc = (await api.get('/api/openapi.json')).body;
    let checked = 0;
    for (const [p, ops] of Object.entries<Record<string, DocOperation & { parameters?: Loose[] }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ints = (op.parameters ?? []).filter((x) => x.in === 'path' && x.schema?.type === 'integer');
        for (const param of ints) {
          expect(param.schema.maximum, `${method} ${p} documents the largest ${param.name}`).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
          for (const value of [String(param.schema.maximum + 1), '99999999999999999999']) {
            const url = p.replace(/\{([^}]+)\}/g, (_, name: string) => (name === param.name ? value : name === 'key' ? 'mushishi' : '1'));
            const res = await api.call(method.toUpperCase(), url, method === 'get' ? undefined : {});
            expect(res.status, `${method} ${url}: ${res.text}`).toBe(422);
            expect(res.body.error).toBe('VALIDATION_ERROR');
            expect(res.body.details[`path.${param.name}`], `${method} ${url}`).toMatch(/at most|less than or equal/);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
    expect(srv.logs()).not.toMatch(/"msg":"request failed"/);
  });

  it('the id routes the tester named: a 422 "id must be at most …" past the column type, a 404 at its largest value', async () => {
    const cases: [string, string, unknown, string][] = [
      ['DELETE', '/api/users/2147483648', undefined, 'id must be at most 2147483647'],
      ['PUT', '/api/users/2147483648/password', { password: 'Xx!123456789' }, 'id must be at most 2147483647'],
      ['DELETE', '/api/auth/api-keys/2147483648', undefined, 'id must be at most 2147483647'],
      ['DELETE', '/api/blocklist/99999999999999999999', undefined, 'id must be at most 9007199254740991'],
      ['DELETE', '/api/blocklist/9007199254740992', undefined, 'id must be at most 9007199254740991'],
    ];
    for (const [method, url, body, message] of cases) {
      const res = await api.call(method, url, body);
      expect(res.status, `${method} ${url}: ${res.text}`).toBe(422);
      expect(res.body).toMatchObject({ error: 'VALIDATION_ERROR', details: { 'path.id': message } });
    }
    for (const [method, url, body] of [
      ['DELETE', '/api/users/2147483647', undefined],
      ['PUT', '/api/users/2147483647/password', { password: 'Xx!123456789' }],
      ['DELETE', '/api/auth/api-keys/2147483647', undefined],
      ['DELETE', '/api/blocklist/9007199254740991', undefined],
    ] as const) {
      const res = await api.call(method, url, body);
      expect(res.status, `${method} ${url}: ${res.text}`).toBe(404);
    }
    expect(srv.logs()).not.toMatch(/"msg":"request failed"/);
  });
});

describe('rescans requested many times at once', () => {
  it('100 concurrent requests on both routes all answer 200; while one runs, "already running" names it', async () => {
    fake.setMode('timeout'); // the provider hangs: a started rescan stays busy
    try {
      const all = await Promise.all(
        Array.from({ length: 100 }, (_, i) => api.post(i % 2 ? '/api/anime/rescan' : '/api/scheduler/trigger-rescan')),
      );
      expect(all.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
      await until(async () => (await api.get('/api/scheduler/config')).body.status.scan_in_progress === true, 'the rescan running', 30_000);
      const more = await Promise.all(
        Array.from({ length: 100 }, (_, i) => api.post(i % 2 ? '/api/anime/rescan' : '/api/scheduler/trigger-rescan')),
      );
      expect(more.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
      for (const r of more)
        expect(r.body.message).toMatch(/^A rescan is already running \(started \d\d:\d\d:\d\d UTC, trigger '(api|manual)'\)$/);
      expect(srv.logs()).not.toMatch(/"msg":"request failed"/);
    } finally {
      fake.setMode('ok');
    }
  });
});
