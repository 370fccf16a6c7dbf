import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, queryBool, ApiRouter } from '../http/route.js';
import { pageOf, setTotal } from '../http/paging.js';
import { PageQuery } from '../http/schema.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import { getProvider, listProviders, providerForLink } from '../providers/registry.js';
import { trySanitizeFolderName } from './folderName.js';
import * as repo from './repo.js';
import * as s from './schema.js';
import { deleteSeries, ensureSeriesCreated, requireSeries, scanSeries, type SeriesRow } from './service.js';
import { missingSplit, monitorOnlyFuture, setEpisodeMonitored, setManyMonitored, setSeasonMonitored, updateSeries } from './monitoring.js';
import { belowCutoff, profileOf } from './languageProfile.js';
import { folderNameFor } from './folderName.js';
import type { Catalogue, Provider } from '../providers/types.js';
import { ProviderBlocked, ProviderChanged, ProviderNotFound, ProviderUnavailable } from '../providers/errors.js';
import { importFolders, listUnmatched } from './importer.js';
import { startRescan } from '../scheduler/service.js';
import { LibraryListCache } from './listCache.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const byEpisode = (list: { season: number; episode: number }[]) => list.map((m) => `${m.season}-${m.episode}`);

/** Library API (spec section 3) + import of existing folders + provider health. */
export function libraryRoutes(
  deps: Pick<Deps, 'log' | 'db' | 'notifier' | 'settings' | 'jobs' | 'providers' | 'scanMemo' | 'hooks'>,
): ApiRouter {
  const r = new ApiRouter();
  const tags = ['anime'];
  const listCache = new LibraryListCache(deps.notifier);
  listCache.start().catch((err) => deps.log.warn({ err: (err as Error).message }, 'library list cache disabled'));
  // this process's own changes show at once, before their notification arrives
  r.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') listCache.invalidate();
  });

  route(
    r,
    {
      method: 'get',
      path: '/api/anime/status',
      access: 'user',
      summary: 'Library status',
      tags,
      responses: { 200: z.object({ directory: z.string(), series_count: z.number() }) },
    },
    async () => ({ directory: deps.settings.animeDirectory(), series_count: await repo.countSeries(deps.db) }),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/anime',
      access: 'user',
      summary: 'Library series with their missing episodes',
      tags,
      query: s.ListQuery,
      totalCount: true,
      responses: { 200: z.array(s.AnimeItem) },
    },
    async ({ query, ctx }) => {
      const onlyMissing = query.filter === 'no_episodes';
      const { body, total } = await listCache.get(JSON.stringify([query.sort_by, onlyMissing, query.page, query.per_page, query.q]), () =>
        repo.listSeriesPage(deps.db, { page: query.page, perPage: query.per_page, sortBy: query.sort_by, onlyMissing, q: query.q }),
      );
      ctx.set('X-Total-Count', String(total));
      // PostgreSQL builds the AnimeItem array itself: no rows to parse and serialise again here
      ctx.type = 'json';
      ctx.body = body;
    },
  );

  async function search(query: string, providerId?: string) {
    const provider = getProvider(deps, providerId);
    const hits = await provider.search(query);
    const inLibrary = new Map((await repo.allSeries(deps.db)).map((x) => [x.key, x.folder]));
    return hits.map((h) => ({
      key: h.key,
      name: h.name,
      site: provider.site,
      // the folder an add creates (folderNameFor), or the one the library already uses
      folder: inLibrary.get(h.key) ?? (trySanitizeFolderName(h.name) ? folderNameFor(h.name, h.year) : h.key),
      missing_episodes: {},
      link: h.link,
      year: h.year,
      provider: h.provider,
      cover: h.cover,
      description: h.description,
      in_library: inLibrary.has(h.key),
    }));
  }
  route(
    r,
    {
      method: 'get',
      path: '/api/anime/search',
      access: 'public',
      summary: 'Search the provider',
      tags,
      query: s.SearchQuery,
      responses: { 200: z.array(s.SearchItem) },
    },
    ({ query }) => search(query.query, query.provider),
  );
  route(
    r,
    {
      method: 'post',
      path: '/api/anime/search',
      access: 'public',
      summary: 'Search the provider (query in the body)',
      tags,
      body: s.SearchQuery,
      responses: { 200: z.array(s.SearchItem) },
    },
    ({ body }) => search(body.query, body.provider),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/anime/add',
      access: 'admin',
      tags,
      body: s.AddBody,
      responses: { 200: s.AddResponse, 404: null, 409: null, 422: null },
      summary:
        "Add a series: the provider page is read first (404/422 with the provider's reason when it has no such series: nothing is " +
        'created), ' +
        'then row, folder (Name (Year), as search shows it) and a targeted scan. monitor: all (default), future (only ' +
        'episodes not listed yet), none',
    },
    async ({ body, user }) => {
      const link =
        body.link.startsWith('/') && !body.link.startsWith('//')
          ? new URL(body.link, getProvider(deps).seriesLink('x')).toString()
          : body.link;
      const hit = providerForLink(deps, link);
      if (!hit)
        throw new ValidationFailed('link is not a series URL of a configured provider', {
          'body.link': 'not a series URL of a configured provider',
        });
      if (trySanitizeFolderName(body.name) === null)
        throw new ValidationFailed('name cannot be used as a folder name', { 'body.name': 'not a usable folder name' });
      if (await repo.seriesByKey(deps.db, hit.key)) throw new Conflict(`${hit.key} is already in the library`, { key: hit.key });
      const cat = await catalogueForAdd(hit.provider, hit.key);
      const { row } = await ensureSeriesCreated(deps, {
        key: hit.key,
        name: body.name,
        link: hit.provider.seriesLink(hit.key),
        provider: hit.provider.id,
        year: cat?.year ?? null,
        ...(body.monitor === 'none' ? { monitored: false } : {}),
        userId: user.id,
      });
      const scan = await scanSeries(deps, row.key, cat ?? undefined);
      if (body.monitor === 'future') await monitorOnlyFuture(deps, row.key);
      await deps.hooks.seriesAdded(row.key, user.id); // the NFO, when nfo.create_on_add and a TMDB key are configured
      const wanted = (await missingSplit(deps, row.key)).monitored; // what automatic downloads will fetch
      return {
        status: 'success' as const,
        message: `Successfully added series: ${row.name}`,
        key: row.key,
        folder: row.folder,
        db_id: row.id,
        missing_episodes: byEpisode(wanted),
        total_missing: wanted.length,
        scan_error: scan.error,
      };
    },
  );

  /**
   * The provider's page of a series about to be added. No such series (404) or a page without
   * one: refused, nothing created. The provider blocked or down: added anyway, the scan records why.
   */
  async function catalogueForAdd(provider: Provider, key: string): Promise<Catalogue | null> {
    try {
      return await provider.catalogue(key);
    } catch (err) {
      if (err instanceof ProviderNotFound)
        throw new NotFound(`${provider.site} has no series ${key}: ${err.message}`, { key, provider: provider.id });
      if (err instanceof ProviderChanged)
        throw new ValidationFailed(`${provider.site} shows no series at that link: ${err.message}`, { 'body.link': err.message });
      if (err instanceof ProviderBlocked || err instanceof ProviderUnavailable) return null;
      throw err;
    }
  }

  route(
    r,
    {
      method: 'post',
      path: '/api/anime/rescan',
      access: 'admin',
      summary: 'Start a library rescan (a job)',
      tags,
      description:
        'While a rescan runs, answers 200 with a message naming it ("A rescan is already running ...") and starts no second one.',
      responses: { 200: z.object({ success: z.boolean(), message: z.string() }) },
    },
    async () => {
      const { message } = await startRescan(deps, 'api', deps.settings.get().scheduler.auto_download_after_rescan);
      return { success: true, message };
    },
  );

  async function byKeyOrFolder(id: string) {
    const row = (await repo.seriesByKey(deps.db, id)) ?? (await repo.seriesByFolder(deps.db, id));
    if (!row) throw new NotFound(`Series ${id} not found`, { key: id });
    return row;
  }

  route(
    r,
    {
      method: 'get',
      path: '/api/anime/:key',
      access: 'public',
      summary: 'One series (key, or folder as a deprecated fallback): episodes = monitored missing ones, unmonitored_missing apart',
      tags,
      params: z.object({ key: z.string().min(1).max(1000) }),
      responses: { 200: s.AnimeDetail, 404: null },
    },
    async ({ params }) => seriesDetail(await byKeyOrFolder(params.key)),
  );

  async function seriesDetail(row: SeriesRow) {
    const eps = await repo.episodesOf(deps.db, row.id);
    const profile = profileOf(deps.settings.get().downloads, row);
    const missing = eps.filter((e) => e.on_provider && !e.is_downloaded);
    return {
      key: row.key,
      title: row.name,
      folder: row.folder,
      episodes: byEpisode(missing.filter((e) => e.monitored && row.monitored)),
      unmonitored_missing: byEpisode(missing.filter((e) => !(e.monitored && row.monitored))),
      description: row.description,
      link: row.link,
      site: row.site,
      provider: row.provider,
      year: row.year,
      cover_url: row.cover_url,
      genres: row.genres,
      scan_error: row.scan_error,
      last_scanned_at: iso(row.last_scanned_at),
      monitored: row.monitored,
      monitor_specials: row.monitor_specials,
      language_profile: {
        languages: profile.languages,
        cutoff: profile.cutoff,
        upgrades_enabled: profile.upgrades,
        custom: !!row.languages?.length || !!row.language_cutoff,
      },
      seasons: await repo.seasonsOf(deps.db, row.id),
      episode_list: eps.map(
        ({ season, episode, title, title_en, languages, on_provider, is_downloaded, file_path, file_size, monitored, file_language }) => ({
          season,
          episode,
          title,
          title_en,
          languages,
          on_provider,
          is_downloaded,
          file_path,
          file_size,
          monitored,
          file_language,
          below_cutoff: is_downloaded && belowCutoff(profile, file_language),
        }),
      ),
    };
  }

  const keyParam = z.object({ key: z.string().min(1).max(300) });
  route(
    r,
    {
      method: 'patch',
      path: '/api/anime/:key',
      tags,
      access: 'admin',
      params: keyParam,
      body: s.SeriesPatch,
      responses: { 200: s.AnimeDetail, 404: null, 422: null },
      summary:
        'Monitoring and language profile of a series: monitored, monitor_specials (season 0), languages (ordered; ' +
        "null: the config's), language_cutoff, upgrades_enabled",
    },
    async ({ params, body }) => seriesDetail(await updateSeries(deps, params.key, body)),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/api/anime/:key/seasons/:season',
      summary: 'Monitor a season (all its episodes, and the ones to come)',
      tags,
      access: 'admin',
      params: keyParam.extend({ season: z.coerce.number().int().min(0).max(1000) }),
      body: s.MonitoredBody,
      responses: { 200: s.AnimeDetail, 404: null },
    },
    async ({ params, body }) => {
      await setSeasonMonitored(deps, params.key, params.season, body.monitored);
      return seriesDetail(await requireSeries(deps, params.key));
    },
  );
  route(
    r,
    {
      method: 'patch',
      path: '/api/anime/:key/episodes/:season/:episode',
      summary: 'Monitor one episode',
      tags,
      access: 'admin',
      params: keyParam.extend({ season: z.coerce.number().int().min(0).max(1000), episode: z.coerce.number().int().min(0).max(100_000) }),
      body: s.MonitoredBody,
      responses: { 200: s.AnimeDetail, 404: null },
    },
    async ({ params, body }) => {
      await setEpisodeMonitored(deps, params.key, params.season, params.episode, body.monitored);
      return seriesDetail(await requireSeries(deps, params.key));
    },
  );
  route(
    r,
    {
      method: 'patch',
      path: '/api/anime',
      summary: 'Monitor or unmonitor several series at once (the library page)',
      tags,
      access: 'admin',
      body: s.BulkMonitorBody,
      responses: { 200: s.BulkMonitorResponse },
    },
    async ({ body }) => {
      const res = await setManyMonitored(deps, body.keys, body.monitored);
      return {
        status: 'success' as const,
        message: `${res.updated.length} series ${body.monitored ? 'monitored' : 'unmonitored'}`,
        ...res,
      };
    },
  );

  route(
    r,
    {
      method: 'delete',
      path: '/api/anime/:key',
      access: 'admin',
      summary:
        'Remove a series (files stay unless delete_files=true: then only what the product placed; other files stay and ' +
        'are listed in kept_files)',
      tags,
      params: z.object({ key: z.string().min(1).max(1000) }),
      query: z.object({ delete_files: queryBool.default(false) }),
      responses: {
        200: z.object({
          status: z.string(),
          message: z.string(),
          key: z.string(),
          folder: z.string(),
          files_deleted: z.boolean(),
          removed_files: z.number(),
          kept_files: z.array(z.string()),
          folder_removed: z.boolean(),
        }),
        404: null,
      },
    },
    async ({ params, query, user }) => {
      const row = await byKeyOrFolder(params.key);
      const res = await deleteSeries(deps, row.key, query.delete_files, user.id);
      const kept = res.removal?.kept ?? [];
      const note = res.filesDeleted ? ` and its files${kept.length ? ` (${kept.length} other file(s) kept)` : ''}` : '';
      return {
        status: 'success',
        message: `Removed ${row.name}${note}`,
        key: row.key,
        folder: res.folder,
        files_deleted: res.filesDeleted,
        removed_files: res.removal?.removed ?? 0,
        kept_files: kept,
        folder_removed: res.removal?.folderRemoved ?? false,
      };
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/library/unmatched',
      access: 'admin',
      summary: 'Folders of the anime directory that are not series yet',
      tags: ['library'],
      query: PageQuery,
      totalCount: true,
      responses: { 200: s.UnmatchedResponse },
    },
    async ({ query, ctx }) => {
      const all = await listUnmatched(deps);
      const folders = pageOf(all, query);
      setTotal(ctx, all.length);
      return { folders, count: folders.length, total: all.length };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/library/import',
      access: 'admin',
      summary: "Import existing folders (auto-match, or the user's choices)",
      tags: ['library'],
      body: s.ImportBody,
      responses: { 200: s.ImportResponse },
    },
    ({ body, user }) => importFolders(deps, body, user.id),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/providers',
      access: 'user',
      summary: "Providers with a live health check, and each hoster's recent outcomes",
      tags: ['providers'],
      responses: { 200: s.ProvidersResponse },
    },
    async () => {
      const def = deps.settings.get().providers.default_provider;
      const [providers, hosters] = await Promise.all([
        Promise.all(
          listProviders(deps).map(async (p) => {
            const [health, hosters] = await Promise.all([p.health(), deps.hooks.hosterHealth(p.id)]);
            const { base_url, reachable, search_works, last_error, checked_at } = health; // not its `provider`: that is `id`
            return {
              id: p.id,
              site: p.site,
              default: p.id === def,
              domains: p.hosts(),
              base_url,
              reachable,
              search_works,
              last_error,
              checked_at,
              hosters,
            };
          }),
        ),
        deps.hooks.hosterHealth(),
      ]);
      return {
        providers,
        hosters,
        healthy_hosters_first: deps.settings.get().providers.healthy_hosters_first,
      };
    },
  );

  return r;
}
