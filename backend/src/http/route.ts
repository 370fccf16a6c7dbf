import type Router from '@koa/router';
import type { Context } from 'koa';
import { z, type ZodTypeAny } from 'zod';
import { ValidationFailed, Forbidden } from './errors.js';
import type { AuthUser } from '../auth/tokens.js';

export type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

export interface RouteSpec<P extends ZodTypeAny, Q extends ZodTypeAny, B extends ZodTypeAny> {
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
  /** Documentation only: the /api guard decides from the public list. */
  public?: boolean;
  adminOnly?: boolean;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  user: AuthUser | null;
  ctx: Context;
}

/** Every route ever declared, for the OpenAPI document. */
export const routeRegistry: RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>[] = [];

function fieldErrors(where: string, error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [where, ...issue.path].join('.');
    out[key] = out[key] ? `${out[key]}; ${issue.message}` : issue.message;
  }
  return out;
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
export function route<P extends ZodTypeAny = z.ZodUnknown, Q extends ZodTypeAny = z.ZodUnknown, B extends ZodTypeAny = z.ZodUnknown>(
  router: Router,
  spec: RouteSpec<P, Q, B>,
  handler: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown> | unknown,
): void {
  // each app instance (tests start several per process) declares its routes again: keep one entry
  const known = routeRegistry.findIndex((r) => r.method === spec.method && r.path === spec.path);
  if (known >= 0) routeRegistry[known] = spec as unknown as RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>;
  else routeRegistry.push(spec as unknown as RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>);
  const okStatus = Number(Object.keys(spec.responses).find((s) => s.startsWith('2')) ?? 200);
  router[spec.method](spec.path, async (ctx: Context) => {
    const user = (ctx.state.user as AuthUser | undefined) ?? null;
    if (spec.adminOnly && user?.role !== 'admin') throw new Forbidden('Only an administrator can do this');
    const errors: Record<string, string> = {};
    const params = parsePart(spec.params, ctx.params ?? {}, 'path', errors);
    const query = parsePart(spec.query, ctx.query ?? {}, 'query', errors);
    const rawBody = (ctx.request as unknown as { body?: unknown }).body;
    const body = parsePart(spec.body, spec.body && rawBody === undefined ? {} : rawBody, 'body', errors);
    if (Object.keys(errors).length > 0) {
      const fields = Object.keys(errors).join(', ');
      throw new ValidationFailed(`Request validation failed: ${fields}`, errors);
    }
    const result = await handler({ params, query, body, user, ctx } as RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>);
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

/** Query strings arrive as text: a boolean query parameter that accepts the usual spellings. */
export const queryBool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');
