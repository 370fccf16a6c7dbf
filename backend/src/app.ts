import type http from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Deps } from './deps.js';
import { requestFrame } from './http/middleware.js';
import { guard } from './http/guard.js';
import { MethodNotAllowed, NotFound } from './errors.js';
import { docsRoutes } from './http/docs.js';
import { routeSpecs } from './http/route.js';
import { DEFAULT_UI_DIST, staticUi, uiAssets } from './http/staticUi.js';
import { authRoutes } from './auth/routes.js';
import { userRoutes } from './auth/userRoutes.js';
import { settingsRoutes } from './settings/routes.js';
import { backupRoutes } from './backup/routes.js';
import { logsRoutes } from './logs/routes.js';
import { healthRoutes } from './health/routes.js';
import { libraryRoutes } from './library/routes.js';
import { coverRoutes } from './library/coverRoutes.js';
import { schedulerRoutes } from './scheduler/routes.js';
import { tasksRoutes } from './scheduler/taskRoutes.js';
import { housekeepingView, rescanView } from './scheduler/taskViews.js';
import { backupTaskView } from './backup/schedule.js';
import { watchTaskView } from './watchlist/scheduler.js';
import { watchlistRoutes } from './watchlist/routes.js';
import { realtimeRoutes } from './realtime/routes.js';
import { metadataRoutes } from './metadata/routes.js';
import { downloadRoutes } from './downloads/routes.js';
import { notificationRoutes } from './notifications/routes.js';
import { calendarRoutes } from './calendar/routes.js';
import { importListRoutes } from './importLists/routes.js';
import { historyRoutes } from './history/routes.js';
import { attemptSteps, attemptsOf } from './downloads/attemptLog.js';
import { requireSeries } from './library/service.js';
import { healthFastPath } from './health/fastPath.js';

/** Every domain's router, and last the API docs of their routes. Domains add theirs here. */
export function domainRouters(deps: Deps): Router[] {
  const routers: Router[] = [
    healthRoutes(deps),
    authRoutes(deps),
    userRoutes(deps),
    settingsRoutes(deps),
    backupRoutes(deps),
    logsRoutes(deps),
    libraryRoutes(deps),
    coverRoutes(deps),
    realtimeRoutes(deps),
    metadataRoutes(deps),
    schedulerRoutes(deps),
    tasksRoutes(deps, [rescanView, watchTaskView, housekeepingView, backupTaskView]),
    watchlistRoutes(deps),
    downloadRoutes(deps),
    notificationRoutes(deps),
    calendarRoutes(deps),
    importListRoutes(deps),
    historyRoutes(deps, {
      attempts: { steps: attemptSteps, byIds: (ids) => attemptsOf(deps, { ids, limit: ids.length }) },
      requireSeries: (key) => requireSeries(deps, key),
    }),
  ];
  return [...routers, docsRoutes(deps.version, routeSpecs(routers))];
}

export function createApp(deps: Deps, extraRouters: Router[] = []): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(requestFrame(deps.log, deps.log.child({ module: 'http' }), deps.dbAvailability));
  const uiDist = deps.env.UI_DIST ?? defaultUiDist();
  app.use(uiAssets(uiDist));
  // DELETE too: DELETE /api/queue names its items in the body (spec section 4)
  const parseBody = bodyParser({
    enableTypes: ['json'],
    jsonLimit: '1mb',
    encoding: 'utf-8',
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  });
  app.use((ctx, next) => (ctx.method === 'GET' || ctx.method === 'HEAD' ? next() : parseBody(ctx, next)));
  app.use(guard(deps));
  const routers = [...domainRouters(deps), ...extraRouters];
  app.use(firstMatchingRouter(routers));
  app.use(staticUi(uiDist));
  app.use(notFoundOrNotAllowed(routers));
  return app;
}

/**
 * The HTTP server's request listener: the health check's fast path, then the Koa app. The app (its
 * routers and their API docs: ~0.1 s of CPU) is built by `build()`, which the start-up calls once
 * the rest of it runs, or by the first request that needs it, whichever comes first: `/health`
 * answers without waiting for it.
 */
export function createRequestHandler(deps: Deps): http.RequestListener & { build(): void } {
  let koa: ReturnType<Koa['callback']> | null = null;
  const app = () => (koa ??= createApp(deps).callback());
  const health = healthFastPath(deps.version, deps.log.child({ module: 'http' }), deps.dbAvailability);
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!health(req, res)) void app()(req, res);
  };
  return Object.assign(listener, { build: () => void app() });
}

/**
 * Hands the request to the first router with a route for its path and method, as one
 * `app.use(router.routes())` per router would, without running every router in front of it
 * (each one reads the host, matches and composes again: ten of them before the library's).
 */
function firstMatchingRouter(routers: Router[]) {
  const entries = routers.map((router) => ({ router, dispatch: router.routes() as unknown as Koa.Middleware }));
  return (ctx: Koa.Context, next: Koa.Next) => {
    for (const { router, dispatch } of entries) if (router.match(ctx.path, ctx.method).route) return dispatch(ctx, next);
    return next();
  };
}

/** Nothing answered: 405 (with Allow) when some router knows the path under other methods, else 404. */
function notFoundOrNotAllowed(routers: Router[]) {
  return async (ctx: Koa.Context) => {
    const allowed = new Set<string>();
    for (const r of routers) for (const layer of r.match(ctx.path, ctx.method).path) for (const m of layer.methods) allowed.add(m);
    if (allowed.size === 0) throw new NotFound(`No route for ${ctx.method} ${ctx.path}`);
    ctx.set('Allow', [...allowed].join(', '));
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      return;
    }
    throw new MethodNotAllowed(`Method ${ctx.method} is not allowed on ${ctx.path}`, [...allowed]);
  };
}

const defaultUiDist = () => DEFAULT_UI_DIST;
