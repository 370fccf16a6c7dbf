import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Context, Next } from 'koa';
import send from 'koa-send';

export const DEFAULT_UI_DIST = path.resolve(import.meta.dirname, '../../../frontend/dist');

/** What the build says a page's code needs beyond index.html's (frontend/vite.config.ts, pagePreloads). */
type PagePreloads = Record<string, { js: string[]; css: string[] }>;

interface UiDocument {
  mtimeMs: number;
  html: string;
  /** CSP sources of the inline scripts index.html holds (the boot script): 'sha256-…' */
  scriptSources: string[];
  /** Per page of the router: its paths, and the document naming its code (made on first use). */
  pages: { pattern: RegExp; links: string; html?: string }[];
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A route path of the UI's router ('/series/:key') as a pattern of request paths (a trailing slash allowed). */
function routePattern(route: string): RegExp {
  const parts = route.split('/').map((p) => (p.startsWith(':') ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}/?$`);
}

function readDocument(dist: string, mtimeMs: number): UiDocument {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const scriptSources = [...html.matchAll(/<script data-boot>([\s\S]*?)<\/script>/g)].map(
    ([, code]) => `'sha256-${crypto.createHash('sha256').update(code, 'utf8').digest('base64')}'`,
  );
  let preloads: PagePreloads = {};
  try {
    preloads = JSON.parse(fs.readFileSync(path.join(dist, 'page-preloads.json'), 'utf8')) as PagePreloads;
  } catch {
    /* a build without it: pages load their code when the router asks */
  }
  const pages = Object.entries(preloads).map(([route, { js, css }]) => ({
    pattern: routePattern(route),
    links:
      js.map((f) => `<link rel="modulepreload" crossorigin href="/${escapeAttr(f)}">`).join('') +
      css.map((f) => `<link rel="stylesheet" crossorigin href="/${escapeAttr(f)}">`).join(''),
  }));
  return { mtimeMs, html, scriptSources, pages };
}

/** Whether the file a request path names is inside the build, links resolved (koa-send follows them anywhere). */
async function insideBuild(dist: string, requestPath: string): Promise<boolean> {
  let rel: string;
  try {
    rel = decodeURIComponent(requestPath);
  } catch {
    return false;
  }
  try {
    const root = await fs.promises.realpath(dist);
    const real = await fs.promises.realpath(path.join(root, rel));
    return real.startsWith(root + path.sep);
  } catch {
    return false;
  }
}

/** Bytes of asset files kept in memory at most (the whole UI is well under it; a rebuild's new names start again). */
const ASSETS_KEPT_MAX = 32 * 2 ** 20;

/**
 * The build's content-hashed files under /assets/, from memory: they never change under their name,
 * so each is read once and then answered without a stat, a stream or the rest of the middleware (a
 * page load asks for ~15 at once, alongside its session and data requests). Mounted ahead of the
 * guard and the routers: they are public and none of those answers them. Paths stay inside the
 * build's assets folder, symlinks included.
 */
export function uiAssets(dist: string) {
  const root = path.join(dist, 'assets');
  const kept = new Map<string, Buffer>();
  let keptBytes = 0;
  return async (ctx: Context, next: Next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !ctx.path.startsWith('/assets/')) return next();
    const name = ctx.path.slice('/assets/'.length);
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) return next();
    let body = kept.get(name);
    if (!body) {
      try {
        const file = path.join(root, name);
        const real = await fs.promises.realpath(file);
        if (path.dirname(real) !== (await fs.promises.realpath(root))) return next();
        body = await fs.promises.readFile(real);
      } catch {
        return next();
      }
      if (keptBytes + body.length > ASSETS_KEPT_MAX) {
        kept.clear();
        keptBytes = 0;
      }
      kept.set(name, body);
      keptBytes += body.length;
    }
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.type = path.extname(name);
    ctx.body = body;
  };
}

/**
 * Serves the built Vue app; SPA routes fall back to index.html, which names the code of the page at
 * that path (modulepreload links, so it loads beside the app's instead of after the router asked for
 * it) and is allowed its inline boot script by hash. /api, /socket.io, /ws and /health are never shadowed.
 */
export function staticUi(dist: string) {
  const index = path.join(dist, 'index.html');
  let doc: UiDocument | null = null;
  /** The document as built now: read again when a build replaced index.html. */
  const current = (): UiDocument | null => {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(index).mtimeMs;
    } catch {
      return null;
    }
    if (!doc || doc.mtimeMs !== mtimeMs) doc = readDocument(dist, mtimeMs);
    return doc;
  };
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const p = ctx.path;
    if (/^\/+(api|socket\.io|ws|health)(\/|$)/i.test(p)) return next();
    // the build's assets are uiAssets' (one not there is not found); files at the build's top (the icon) are sent from disk
    if (p.startsWith('/assets/')) return next();
    if (/\.(js|css|svg|png|ico|webmanifest|woff2?)$/.test(p)) {
      try {
        if (!(await insideBuild(dist, p))) return next();
        await send(ctx, p, { root: dist, maxage: 3600_000 });
        return;
      } catch {
        return next();
      }
    }
    const d = current();
    if (!d) {
      ctx.type = 'text/plain';
      ctx.body = 'Aniworld is running. The web UI has not been built yet: run `npm run build:ui`.';
      return;
    }
    const page = d.pages.find((x) => x.pattern.test(p));
    if (page) page.html ??= d.html.replace('</head>', `${page.links}</head>`);
    const html = page?.html ?? d.html;
    ctx.state.scriptSources = d.scriptSources;
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'html';
    ctx.body = html;
  };
}
