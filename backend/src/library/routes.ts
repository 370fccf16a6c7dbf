import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, queryBool } from '../http/route.js';
import { Conflict, NotFound, ValidationFailed } from '../http/errors.js';
import { getProvider, listProviders, providerForLink } from '../providers/registry.js';
import { trySanitizeFolderName } from './folderName.js';
import * as repo from './repo.js';
import * as s from './schema.js';
import { deleteSeries, ensureSeriesCreated, scanSeries } from './service.js';
import { importFolders, listUnmatched } from './importer.js';
import { startRescan } from '../scheduler/service.js';
import { queueSeriesNfo } from '../metadata/service.js';
import { LibraryListCache } from './listCache.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const byEpisode = (list: { season: number; episode: number }[]) => list.map((m) => `${m.season}-${m.episode}`);

/** Library API (spec section 3) + import of existing folders + provider health. */
export function libraryRoutes(deps: Deps): Router {
  const r = new Router();
  const tags = ['anime'];
  const listCache = new LibraryListCache(deps.notifier);
  listCache.start().catch((err) => deps.log.warn({ err: (err as Error).message }, 'library list cache disabled'));
  // this process's own changes show at once, before their notification arrives
  r.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') listCache.invalidate();
  });

  route(r, { method: 'get', path: '/api/anime/status', access: 'user', summary: 'Library status', tags,
    responses: { 200: z.object({ directory: z.string(), series_count: z.number() }) } },
  async () => ({ directory: deps.settings.animeDirectory(), series_count: await repo.countSeries(deps.db) }));

  route(r, { method: 'get', path: '/api/anime', access: 'user', summary: 'Library series with their missing episodes', tags, query: s.ListQuery,
    responses: { 200: z.array(s.AnimeItem) } },
  async ({ query, ctx }) => {
    const onlyMissing = query.filter === 'no_episodes';
    const { body, total } = await listCache.get(`${query.sort_by}|${onlyMissing}|${query.page}|${query.per_page}`, () =>
      repo.listSeriesPage(deps.db, { page: query.page, perPage: query.per_page, sortBy: query.sort_by, onlyMissing }));
    ctx.set('X-Total-Count', String(total));
    // PostgreSQL builds the AnimeItem array itself: no rows to parse and serialise again here
    ctx.type = 'json';
    ctx.body = body;
  });

  async function search(query: string, providerId?: string) {
    const provider = getProvider(deps, providerId);
    const hits = await provider.search(query);
    const inLibrary = new Set((await repo.allSeries(deps.db)).map((x) => x.key));
    return hits.map((h) => ({
      key: h.key, name: h.name, site: provider.site,
      folder: trySanitizeFolderName(h.year ? `${h.name} (${h.year})` : h.name) ?? h.key,
      missing_episodes: {}, link: h.link, year: h.year, provider: h.provider, cover: h.cover, description: h.description,
      in_library: inLibrary.has(h.key),
    }));
  }
  route(r, { method: 'get', path: '/api/anime/search', access: 'public', summary: 'Search the provider', tags, query: s.SearchQuery,
    responses: { 200: z.array(s.SearchItem) } }, ({ query }) => search(query.query, query.provider));
  route(r, { method: 'post', path: '/api/anime/search', access: 'public', summary: 'Search the provider (query in the body)', tags, body: s.SearchQuery,
    responses: { 200: z.array(s.SearchItem) } }, ({ body }) => search(body.query, body.provider));

  route(r, { method: 'post', path: '/api/anime/add', access: 'admin', summary: 'Add a series: row, folder, targeted scan', tags, body: s.AddBody,
    responses: { 200: s.AddResponse, 409: null, 422: null } },
  async ({ body }) => {
    const link = body.link.startsWith('/') && !body.link.startsWith('//') ? new URL(body.link, getProvider(deps).seriesLink('x')).toString() : body.link;
    const hit = providerForLink(deps, link);
    if (!hit) throw new ValidationFailed('link is not a series URL of a configured provider', { 'body.link': 'not a series URL of a configured provider' });
    if (trySanitizeFolderName(body.name) === null) throw new ValidationFailed('name cannot be used as a folder name', { 'body.name': 'not a usable folder name' });
    if (await repo.seriesByKey(deps.db, hit.key)) throw new Conflict(`${hit.key} is already in the library`, { key: hit.key });
    const { row } = await ensureSeriesCreated(deps, { key: hit.key, name: body.name, link: hit.provider.seriesLink(hit.key), provider: hit.provider.id });
    const scan = await scanSeries(deps, row.key);
    await queueSeriesNfo(deps, row.key); // only when nfo.create_on_add and a TMDB key are configured
    return { status: 'success' as const, message: `Successfully added series: ${row.name}`, key: row.key, folder: row.folder, db_id: row.id,
      missing_episodes: byEpisode(scan.missing), total_missing: scan.missing.length, scan_error: scan.error };
  });

  route(r, { method: 'post', path: '/api/anime/rescan', access: 'admin', summary: 'Start a library rescan (a job)', tags,
    description: 'While a rescan runs, answers 200 with a message naming it ("A rescan is already running ...") and starts no second one.',
    responses: { 200: z.object({ success: z.boolean(), message: z.string() }) } },
  async () => {
    const { message } = await startRescan(deps, 'api', deps.settings.get().scheduler.auto_download_after_rescan);
    return { success: true, message };
  });

  async function byKeyOrFolder(id: string) {
    const row = (await repo.seriesByKey(deps.db, id)) ?? (await repo.seriesByFolder(deps.db, id));
    if (!row) throw new NotFound(`Series ${id} not found`, { key: id });
    return row;
  }

  route(r, { method: 'get', path: '/api/anime/:key', access: 'public', summary: 'One series (key, or folder as a deprecated fallback)', tags,
    params: z.object({ key: z.string().min(1).max(1000) }), responses: { 200: s.AnimeDetail, 404: null } },
  async ({ params }) => {
    const row = await byKeyOrFolder(params.key);
    const eps = await repo.episodesOf(deps.db, row.id);
    return {
      key: row.key, title: row.name, folder: row.folder, episodes: byEpisode(eps.filter((e) => e.on_provider && !e.is_downloaded)),
      description: row.description, link: row.link, site: row.site, provider: row.provider, year: row.year, cover_url: row.cover_url,
      genres: row.genres, scan_error: row.scan_error, last_scanned_at: iso(row.last_scanned_at),
      episode_list: eps.map(({ season, episode, title, title_en, languages, on_provider, is_downloaded, file_path, file_size }) =>
        ({ season, episode, title, title_en, languages, on_provider, is_downloaded, file_path, file_size })),
    };
  });

  route(r, { method: 'delete', path: '/api/anime/:key', access: 'admin',
    summary: 'Remove a series (files stay unless delete_files=true: then only what the product placed; other files stay and are listed in kept_files)', tags,
    params: z.object({ key: z.string().min(1).max(1000) }), query: z.object({ delete_files: queryBool.default(false) }),
    responses: { 200: z.object({ status: z.string(), message: z.string(), key: z.string(), folder: z.string(), files_deleted: z.boolean(),
      removed_files: z.number(), kept_files: z.array(z.string()), folder_removed: z.boolean() }), 404: null } },
  async ({ params, query }) => {
    const row = await byKeyOrFolder(params.key);
    const res = await deleteSeries(deps, row.key, query.delete_files);
    const kept = res.removal?.kept ?? [];
    const note = res.filesDeleted ? ` and its files${kept.length ? ` (${kept.length} other file(s) kept)` : ''}` : '';
    return { status: 'success', message: `Removed ${row.name}${note}`, key: row.key, folder: res.folder, files_deleted: res.filesDeleted,
      removed_files: res.removal?.removed ?? 0, kept_files: kept, folder_removed: res.removal?.folderRemoved ?? false };
  });

  route(r, { method: 'get', path: '/api/library/unmatched', access: 'admin', summary: 'Folders of the anime directory that are not series yet', tags: ['library'],
    responses: { 200: s.UnmatchedResponse } },
  async () => {
    const folders = await listUnmatched(deps);
    return { folders, count: folders.length };
  });

  route(r, { method: 'post', path: '/api/library/import', access: 'admin', summary: 'Import existing folders (auto-match, or the user\'s choices)', tags: ['library'],
    body: s.ImportBody, responses: { 200: s.ImportResponse } }, ({ body }) => importFolders(deps, body));

  route(r, { method: 'get', path: '/api/providers', access: 'user', summary: 'Providers with a live health check', tags: ['providers'],
    responses: { 200: s.ProvidersResponse } },
  async () => {
    const def = deps.settings.get().providers.default_provider;
    const providers = await Promise.all(listProviders(deps).map(async (p) => ({ id: p.id, site: p.site, default: p.id === def, domains: p.hosts(), ...(await p.health()) })));
    return { providers: providers.map(({ provider: _p, ...rest }) => rest) };
  });

  return r;
}
