import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Deps } from './deps.js';
import { accessLog, errorHandler, requestId, securityHeaders } from './http/middleware.js';
import { guard } from './http/guard.js';
import { NotFound } from './http/errors.js';
import { docsRoutes } from './http/docs.js';
import { staticUi } from './http/staticUi.js';
import { authRoutes } from './auth/routes.js';
import { userRoutes } from './users/routes.js';
import { settingsRoutes } from './settings/routes.js';
import { healthRoutes } from './health/routes.js';

/** Every domain's router. Domains add theirs here. */
function domainRouters(deps: Deps): Router[] {
  return [healthRoutes(deps), authRoutes(deps), userRoutes(deps), settingsRoutes(deps), docsRoutes(deps.version)];
}

export function createApp(deps: Deps, extraRouters: Router[] = []): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(requestId());
  app.use(errorHandler(deps.log));
  app.use(accessLog(deps.log.child({ module: 'http' })));
  app.use(securityHeaders());
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' }));
  app.use(guard(deps));
  for (const router of [...domainRouters(deps), ...extraRouters]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true }));
  }
  app.use(staticUi(deps.env.UI_DIST ?? defaultUiDist()));
  app.use(async (ctx) => {
    throw new NotFound(`No route for ${ctx.method} ${ctx.path}`);
  });
  return app;
}

import { DEFAULT_UI_DIST } from './http/staticUi.js';
const defaultUiDist = () => DEFAULT_UI_DIST;
