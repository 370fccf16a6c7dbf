import { createSchema } from 'zod-openapi';
import type { ZodTypeAny } from 'zod';
import type { AnyRouteSpec, RouteSpec } from './route.js';
import { accessText } from './access.js';
import { ErrorEnvelope } from './schema.js';

type Json = Record<string, unknown>;
type Spec = RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>;

/** OpenAPI 3.1 (JSON Schema 2020-12) of one zod schema; `input` for what the client sends. */
function jsonSchema(schema: ZodTypeAny, schemaType: 'input' | 'output'): Json {
  return createSchema(schema, { schemaType, openapi: '3.1.0' }).schema as Json;
}

function parametersOf(schema: ZodTypeAny | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input');
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
const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/**
 * `get /api/anime/:key/artwork/:kind` → `getAnimeByKeyArtworkByKind`, `get /health` → `getRootHealth`:
 * unique because method + path are.
 */
export function operationIdOf(method: string, path: string): string {
  const api = path.startsWith('/api/');
  const parts = (api ? path.slice(4) : path).split('/').filter(Boolean);
  return method + (api ? '' : 'Root') + parts.map((p) => (p.startsWith(':') ? `By${pascal(p.slice(1))}` : pascal(p))).join('');
}

const errorRef = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: errorRef } } });

/**
 * The errors every route of its kind can answer with, in the envelope of `http/errors.ts`:
 * 401 without a valid token, 403 for admin routes, 422 when a part of the request is validated,
 * 429 for calls without a token (the per-address limit), 500 for an unexpected fault.
 */
function commonErrors(r: Spec, p: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  const isPublic = r.access === 'public';
  if (!isPublic) out['401'] = errorResponse('Missing, invalid, expired or revoked token or API key (AUTHENTICATION_ERROR)');
  if (r.access === 'admin') out['403'] = errorResponse('Only an administrator can do this (FORBIDDEN)');
  if (r.params || r.query || r.body)
    out['422'] = errorResponse('A path, query or body field is invalid; `details` names each (VALIDATION_ERROR)');
  if (isPublic && (p.startsWith('/api/') || p.startsWith('/ws/')) && !p.startsWith('/api/health')) {
    out['429'] = errorResponse('Too many calls without a token from this address; `details.retry_after` in seconds (RATE_LIMIT_ERROR)');
  }
  out['500'] = errorResponse('Unexpected server fault (INTERNAL_ERROR); the request id is in the log');
  return out;
}

const totalCountHeader: Json = {
  description: 'How many items the list holds on all pages (the paging convention)',
  required: true,
  schema: { type: 'integer', minimum: 0 },
};

function responsesOf(r: Spec, p: string): Record<string, Json> {
  const responses: Record<string, Json> = {};
  for (const [status, schema] of Object.entries(r.responses)) {
    const isError = Number(status) >= 400;
    const description = isError ? `Error (HTTP ${status})` : `HTTP ${status}`;
    if (schema) responses[status] = { description, content: { 'application/json': { schema: jsonSchema(schema, 'output') } } };
    else responses[status] = isError ? errorResponse(description) : { description };
    if (r.totalCount && !isError) responses[status] = { ...responses[status], headers: { 'X-Total-Count': totalCountHeader } };
  }
  for (const [status, res] of Object.entries(commonErrors(r, p))) responses[status] ??= res;
  return responses;
}

/** OpenAPI 3.1, generated from the zod schemas the routes validate with (an app's `routeSpecs`). */
export function openApiDocument(version: string, routes: readonly AnyRouteSpec[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const p = toOpenApiPath(r.path);
    const isPublic = r.access === 'public';
    paths[p] ??= {};
    paths[p][r.method] = {
      operationId: operationIdOf(r.method, r.path),
      summary: r.summary,
      description: r.description ? `${r.description}\n\n${accessText(r.access)}` : accessText(r.access),
      'x-access': r.access,
      tags: r.tags,
      ...(isPublic ? { security: [] } : {}),
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      ...(r.fileBody
        ? { requestBody: { required: true, content: { [r.fileBody]: { schema: { type: 'string', format: 'binary' } } } } }
        : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses: responsesOf(r, p),
    };
  }
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Aniworld API', version, description: 'Self-hosted anime library manager and downloader' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A login token (POST /api/auth/login) or an API key' },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: "An API key (POST /api/auth/api-keys); acts with its owner's role",
        },
      },
      schemas: { Error: jsonSchema(ErrorEnvelope, 'output') },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
  };
  return doc;
}
