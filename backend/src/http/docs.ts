import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Router from '@koa/router';
import send from 'koa-send';
import { NotFound } from '../errors.js';
import { openApiDocument } from './openapi.js';
import { plainRoute, type AnyRouteSpec } from './route.js';

const require = createRequire(import.meta.url);
const swaggerDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** ReDoc's bundle: copied beside the compiled server by the build (backend/dist/vendor), else the dev dependency's. */
function redocBundleDir(): string {
  const vendored = path.resolve(import.meta.dirname, '../vendor');
  if (fs.existsSync(path.join(vendored, 'redoc.standalone.js'))) return vendored;
  return path.join(path.dirname(require.resolve('redoc/package.json')), 'bundles');
}
const redocDir = redocBundleDir();

const swaggerHtml = `<!doctype html><html><head><meta charset="utf-8"><title>Aniworld API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;
const swaggerInit = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true });`;
const redocHtml = `<!doctype html><html><head><meta charset="utf-8"><title>Aniworld API</title></head>
<body><redoc spec-url="/api/openapi.json"></redoc><script src="/api/redoc/assets/redoc.standalone.js"></script></body></html>`;

/**
 * The OpenAPI document of these routes (built on the first request, then kept by this router),
 * Swagger UI and ReDoc, with their assets served from npm packages (works offline).
 */
export function docsRoutes(version: string, routes: readonly AnyRouteSpec[]): Router {
  const r = new Router();
  let doc: ReturnType<typeof openApiDocument> | null = null;
  plainRoute(r, 'get', '/api/openapi.json', 'public', (ctx) => {
    ctx.body = doc ??= openApiDocument(version, routes);
  });
  plainRoute(r, 'get', '/api/docs', 'public', (ctx) => {
    ctx.type = 'html';
    ctx.body = swaggerHtml;
  });
  plainRoute(r, 'get', '/api/docs/init.js', 'public', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = swaggerInit;
  });
  plainRoute(r, 'get', '/api/docs/assets/:file', 'public', async (ctx) => {
    const file = ctx.params.file;
    if (!/^[\w.-]+\.(js|css|png)$/.test(file)) throw new NotFound();
    await send(ctx, file, { root: swaggerDir, maxage: 86400_000 }).catch(() => {
      throw new NotFound();
    });
  });
  plainRoute(r, 'get', '/api/redoc', 'public', (ctx) => {
    ctx.type = 'html';
    ctx.body = redocHtml;
  });
  plainRoute(r, 'get', '/api/redoc/assets/redoc.standalone.js', 'public', async (ctx) => {
    await send(ctx, 'redoc.standalone.js', { root: redocDir, maxage: 86400_000 });
  });
  return r;
}
