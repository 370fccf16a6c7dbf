import Router from '@koa/router';
import type { Context } from 'koa';
import { z, type ZodTypeAny } from 'zod';
import { BadRequest, ValidationFailed } from '../errors.js';
import { findInputProblem, MAX_JSON_DEPTH } from '../util/text.js';
import type { AuthUser } from './credentials.js';
import { requireAccess, type Access } from './access.js';

export type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

export interface RouteSpec<P extends ZodTypeAny, Q extends ZodTypeAny, B extends ZodTypeAny, A extends Access = Access> {
  method: Method;
  /** Koa-style path: `/api/anime/:key`. */
  path: string;
  summary: string;
  /** Longer OpenAPI description. */
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** A body that is a file, not JSON (read by the handler from ctx.req): its media type, for OpenAPI. */
  fileBody?: string;
  /** status → response schema (or null for no body). The first 2xx is the default status. */
  responses: Record<number, ZodTypeAny | null>;
  /** The success answer carries the list's total in `X-Total-Count` (http/paging.ts `setTotal`): declared in OpenAPI. */
  totalCount?: true;
  /** Who may call it (README "Users and permissions"); enforced on the matched route by requireAccess. */
  access: A;
}

export interface RouteInput<P, Q, B, A extends Access = Access> {
  params: P;
  query: Q;
  body: B;
  /** Always set on routes that need a login (the access check ran first). */
  user: A extends 'public' ? AuthUser | null : AuthUser;
  ctx: Context;
}

export type AnyRouteSpec = RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>;

/**
 * A router that keeps the specs of the routes declared on it (by `route`), for the OpenAPI
 * document: each app instance builds its own routers, so the route registry is the app's
 * (`routeSpecs` of its routers), never a module's.
 */
export class ApiRouter extends Router {
  readonly specs: AnyRouteSpec[] = [];
}

/** The specs of every route declared on these routers, in order (the app's route registry). */
export function routeSpecs(routers: readonly Router[]): readonly AnyRouteSpec[] {
  return routers.flatMap((r) => (r instanceof ApiRouter ? r.specs : []));
}

function fieldErrors(where: string, error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [where, ...issue.path].join('.');
    out[key] = out[key] ? `${out[key]}; ${issue.message}` : issue.message;
  }
  return out;
}

/**
 * Before any schema: JSON nested deeper than MAX_JSON_DEPTH is a 400, a string or key with NUL or a
 * lone surrogate (PostgreSQL cannot store either) a 422 naming the field, on every route alike.
 */
function refuseHostileInput(parts: [unknown, string][]): void {
  for (const [value, where] of parts) {
    const problem = findInputProblem(value, where);
    if (problem?.problem === 'depth') throw new BadRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, { field: problem.path });
    if (problem)
      throw new ValidationFailed(`Request validation failed: ${problem.path}`, {
        [problem.path]: 'must not contain NUL characters or lone surrogates',
      });
  }
}

function parsePart<T extends ZodTypeAny>(schema: T | undefined, value: unknown, where: string, errors: Record<string, string>) {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  Object.assign(errors, fieldErrors(where, result.error));
  return undefined;
}

/**
 * Declares a route: validates path, query and body with the same zod schemas that the OpenAPI
 * document is generated from, and answers 422 naming each bad field.
 */
export function route<
  P extends ZodTypeAny = z.ZodUnknown,
  Q extends ZodTypeAny = z.ZodUnknown,
  B extends ZodTypeAny = z.ZodUnknown,
  A extends Access = Access,
>(
  router: ApiRouter,
  spec: RouteSpec<P, Q, B, A>,
  handler: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>, A>) => Promise<unknown> | unknown,
): void {
  const check = requireAccess(spec.access); // throws when the route declares no role
  router.specs.push(spec as unknown as AnyRouteSpec);
  const okStatus = Number(Object.keys(spec.responses).find((s) => s.startsWith('2')) ?? 200);
  router[spec.method](spec.path, check, async (ctx: Context) => {
    const user = (ctx.state.user as AuthUser | undefined) ?? null;
    const rawBody = (ctx.request as unknown as { body?: unknown }).body;
    refuseHostileInput([
      [ctx.params, 'path'],
      [ctx.query, 'query'],
      [rawBody, 'body'],
    ]);
    const errors: Record<string, string> = {};
    const params = parsePart(spec.params, ctx.params ?? {}, 'path', errors);
    const query = parsePart(spec.query, ctx.query ?? {}, 'query', errors);
    const body = parsePart(spec.body, spec.body && rawBody === undefined ? {} : rawBody, 'body', errors);
    if (Object.keys(errors).length > 0) {
      const fields = Object.keys(errors).join(', ');
      throw new ValidationFailed(`Request validation failed: ${fields}`, errors);
    }
    const result = await handler({ params, query, body, user, ctx } as RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>, A>);
    if (ctx.body !== undefined && ctx.body !== null && result === undefined) return;
    ctx.status = ctx.status !== 404 && ctx.status !== 200 ? ctx.status : okStatus;
    if (okStatus === 204) {
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    ctx.body = result ?? { status: 'ok' };
  });
}

/** A route outside the OpenAPI document (the docs pages and their assets): the same access check first. */
export function plainRoute(router: Router, method: Method, path: string, access: Access, handler: (ctx: Context) => unknown): void {
  router[method](path, requireAccess(access), async (ctx: Context) => {
    await handler(ctx);
  });
}

/** Query strings arrive as text: a boolean query parameter that accepts the usual spellings. */
export const queryBool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');
