import fs from 'node:fs';
import path from 'node:path';
import type { Context, Next } from 'koa';
import send from 'koa-send';

export const DEFAULT_UI_DIST = path.resolve(import.meta.dirname, '../../../frontend/dist');

/**
 * Serves the built Vue app; SPA routes fall back to index.html. /api, /socket.io, /ws and
 * /health are never shadowed.
 */
export function staticUi(dist: string) {
  const index = path.join(dist, 'index.html');
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const p = ctx.path;
    if (/^\/+(api|socket\.io|ws|health)(\/|$)/i.test(p)) return next();
    if (p.startsWith('/assets/') || /\.(js|css|svg|png|ico|webmanifest|woff2?)$/.test(p)) {
      try {
        await send(ctx, p, { root: dist, immutable: p.startsWith('/assets/'), maxage: p.startsWith('/assets/') ? 31536000_000 : 3600_000 });
        return;
      } catch {
        return next();
      }
    }
    if (!fs.existsSync(index)) {
      ctx.type = 'text/plain';
      ctx.body = 'Aniworld is running. The web UI has not been built yet: run `npm run build:ui`.';
      return;
    }
    ctx.set('Cache-Control', 'no-cache');
    await send(ctx, 'index.html', { root: dist });
  };
}
