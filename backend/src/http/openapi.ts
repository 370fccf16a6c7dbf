import { zodToJsonSchema } from 'zod-to-json-schema';
import type { ZodTypeAny } from 'zod';
import { routeRegistry } from './route.js';
import { ErrorEnvelope } from './schema.js';

type Json = Record<string, unknown>;

function jsonSchema(schema: ZodTypeAny): Json {
  const { $schema: _drop, ...rest } = zodToJsonSchema(schema, { target: 'jsonSchema2019-09', $refStrategy: 'none' }) as Json;
  return rest;
}

function parametersOf(schema: ZodTypeAny | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const js = jsonSchema(schema);
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' ? true : required.has(name),
    schema: s,
    ...(s.description ? { description: s.description } : {}),
  }));
}

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

let cached: { routes: number; doc: Json } | null = null;

/** OpenAPI 3.1, generated from the zod schemas the routes validate with. */
export function openApiDocument(version: string): Json {
  if (cached && cached.routes === routeRegistry.length) return cached.doc;
  const paths: Record<string, Record<string, Json>> = {};
  const errorSchema = jsonSchema(ErrorEnvelope);
  for (const r of routeRegistry) {
    const p = toOpenApiPath(r.path);
    const responses: Record<string, Json> = {};
    for (const [status, schema] of Object.entries(r.responses)) {
      responses[status] = schema
        ? { description: `HTTP ${status}`, content: { 'application/json': { schema: jsonSchema(schema) } } }
        : { description: `HTTP ${status}` };
    }
    if (!r.public) responses['401'] = { description: 'Missing or invalid token', content: { 'application/json': { schema: errorSchema } } };
    if (r.params || r.query || r.body) responses['422'] = { description: 'Validation error', content: { 'application/json': { schema: errorSchema } } };
    paths[p] ??= {};
    paths[p][r.method] = {
      summary: r.summary,
      tags: r.tags,
      ...(r.public ? { security: [] } : {}),
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } } : {}),
      responses,
    };
  }
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Aniworld API', version, description: 'Self-hosted anime library manager and downloader' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths,
  };
  cached = { routes: routeRegistry.length, doc };
  return doc;
}
