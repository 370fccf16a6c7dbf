import fs from 'node:fs';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { pageOf, setTotal } from '../http/paging.js';
import { PageQuery } from '../http/schema.js';
import { NotFound } from '../errors.js';
import { insideRoot, isInside } from '../util/safePath.js';
import { exists, mediaStatus } from './files.js';
import { seriesByName } from '../library/repo.js';
import { batchStatus, startBatch } from './batch.js';
import { ALL_MEDIA, checkSeries, downloadMissingMedia, nfoContent, seriesDir, writeSeriesMetadata, type MetadataCtx } from './service.js';
import * as S from './schema.js';
import { mappingView, saveSeriesMapping } from './mappingService.js';

/** Section 6 of the spec (/api/nfo/...) and the artwork the UI shows (/api/anime/:key/artwork/:kind). */
export function metadataRoutes(deps: MetadataCtx & Pick<Deps, 'bus' | 'jobs'>): ApiRouter {
  const r = new ApiRouter();
  const tags = ['nfo'];
  const requireKey = () => deps.tmdb.requireKey();

  route(
    r,
    {
      method: 'get',
      path: '/api/nfo/missing',
      access: 'user',
      tags,
      query: PageQuery,
      totalCount: true,
      responses: { 200: S.MissingResponse },
      summary: 'Series without a tvshow.nfo: one page in `series`, all of them counted in `missing_nfo_count` (and X-Total-Count)',
    },
    async ({ query, ctx }) => {
      requireKey();
      const rows = await seriesByName(deps.db);
      const missing: { row: (typeof rows)[number]; dir: string | null }[] = [];
      for (const row of rows) {
        let dir: string | null = null;
        try {
          dir = insideRoot(deps.settings.animeDirectory(), row.folder);
        } catch {
          deps.log.warn({ key: row.key }, 'series folder leaves the anime directory; not looked at');
        }
        if (dir && (await exists(path.join(dir, 'tvshow.nfo')))) continue;
        missing.push({ row, dir });
      }
      const series = [];
      for (const { row, dir } of pageOf(missing, query)) {
        const media = dir
          ? await mediaStatus(dir)
          : { has_poster: false, has_logo: false, has_fanart: false, poster_path: null, logo_path: null, fanart_path: null };
        series.push({
          serie_id: row.key,
          serie_folder: row.folder,
          serie_name: row.name,
          has_media: media.has_poster || media.has_logo || media.has_fanart,
          media_files: media,
        });
      }
      setTotal(ctx, missing.length);
      return { total_series: rows.length, missing_nfo_count: missing.length, series };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/nfo/batch/create',
      access: 'admin',
      summary: 'Create NFOs for many series (background jobs, progress in room nfo)',
      tags,
      description:
        'Answers at once, before the work: `finished` is false while series are queued, `successful` counts only those done so far, ' +
        'and `message` says so. The final totals are in `GET /api/nfo/batch/status/{batch_id}` (`status_url`) once `finished` is true.',
      body: S.BatchBody,
      responses: { 200: S.BatchResponse },
    },
    ({ body, user }) => startBatch(deps, body, user.id),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/nfo/batch/status/:batch_id',
      access: 'user',
      summary: 'State of a batch creation',
      tags,
      params: S.BatchParams,
      responses: { 200: S.BatchResponse },
    },
    ({ params }) => batchStatus(deps, params.batch_id),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/nfo/:serie_id/check',
      access: 'user',
      summary: 'Whether tvshow.nfo and artwork exist',
      tags,
      params: S.SerieParams,
      responses: { 200: S.CheckResponse },
    },
    ({ params }) => {
      requireKey();
      return checkSeries(deps, params.serie_id);
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/nfo/:serie_id/create',
      access: 'admin',
      summary: 'Create tvshow.nfo, episode NFOs and artwork from TMDB',
      tags,
      params: S.SerieParams,
      body: S.CreateBody,
      responses: { 200: S.WriteResponse },
    },
    async ({ params, body, user }) => {
      const res = await writeSeriesMetadata(deps, params.serie_id, {
        userId: user.id,
        overwrite: body.overwrite_existing,
        media: { poster: body.download_poster, logo: body.download_logo, fanart: body.download_fanart },
        refreshMedia: body.overwrite_existing,
        episodes: true,
        hint: { tmdbId: body.tmdb_id, name: body.serie_name, year: body.year },
      });
      const withMedia = body.download_poster || body.download_logo || body.download_fanart;
      return shape(res, withMedia ? 'NFO and media files created successfully' : 'NFO created successfully');
    },
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/nfo/:serie_id/update',
      access: 'admin',
      summary: 'Rewrite tvshow.nfo with current TMDB data',
      tags,
      params: S.SerieParams,
      query: S.UpdateQuery,
      responses: { 200: S.WriteResponse },
    },
    async ({ params, query, user }) => {
      requireKey();
      const sd = await seriesDir(deps, params.serie_id);
      if (!(await exists(sd.nfoPath))) throw new NotFound(`No tvshow.nfo for '${params.serie_id}' (use the create endpoint)`);
      const res = await writeSeriesMetadata(deps, params.serie_id, {
        userId: user.id,
        overwrite: true,
        media: query.download_media ? ALL_MEDIA : { poster: false, logo: false, fanart: false },
        refreshMedia: query.download_media,
        episodes: true,
        fresh: true,
      });
      return shape(res, 'NFO updated successfully');
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/nfo/:serie_id/content',
      access: 'user',
      summary: 'The tvshow.nfo XML',
      tags,
      params: S.SerieParams,
      responses: { 200: S.ContentResponse },
    },
    ({ params }) => nfoContent(deps, params.serie_id),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/nfo/:serie_id/media/status',
      access: 'user',
      summary: 'Which artwork files exist',
      tags,
      params: S.SerieParams,
      responses: { 200: S.MediaFiles },
    },
    async ({ params }) => mediaStatus((await seriesDir(deps, params.serie_id)).dir),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/nfo/:serie_id/media/download',
      access: 'admin',
      summary: 'Download missing artwork (needs the TMDB id from tvshow.nfo)',
      tags,
      params: S.SerieParams,
      body: S.MediaDownloadBody,
      responses: { 200: S.MediaFiles },
    },
    ({ params, body, user }) =>
      downloadMissingMedia(
        deps,
        params.serie_id,
        { poster: body.download_poster, logo: body.download_logo, fanart: body.download_fanart },
        user.id,
      ),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/anime/:key/episode-mapping',
      access: 'user',
      summary: "How the provider's episodes name TMDB's in the NFOs (mode, TMDB episode groups, each episode)",
      tags: ['nfo'],
      params: S.MappingParams,
      responses: { 200: S.MappingResponse },
    },
    async ({ params }) => {
      const sd = await seriesDir(deps, params.key);
      return mappingView(deps, deps.tmdb, sd.row, sd.dir);
    },
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/anime/:key/episode-mapping',
      access: 'admin',
      summary: 'Set the mapping mode and per-episode corrections; the episode NFOs are rewritten',
      tags: ['nfo'],
      params: S.MappingParams,
      body: S.MappingBody,
      responses: { 200: S.MappingResponse },
    },
    async ({ params, body, user }) => {
      const tmdb = deps.tmdb;
      tmdb.requireKey();
      const sd = await seriesDir(deps, params.key);
      const before = await mappingView(deps, tmdb, sd.row, sd.dir); // needs tvshow.nfo with a TMDB id
      await saveSeriesMapping(deps, tmdb, sd.row.id, body);
      const res = await writeSeriesMetadata(deps, params.key, {
        overwrite: true,
        media: { poster: false, logo: false, fanart: false },
        refreshMedia: false,
        episodes: true,
        writeNfo: false,
        hint: { tmdbId: before.tmdb_id },
        userId: user.id,
      });
      const nfos = res.written.filter((f) => f.endsWith('.nfo'));
      return { ...(await mappingView(deps, tmdb, sd.row, sd.dir)), nfo_written: nfos.length };
    },
  );

  const ARTWORK: Record<string, string[]> = { poster: ['poster.jpg'], fanart: ['fanart.jpg'], logo: ['logo.png', 'clearlogo.png'] };
  route(
    r,
    {
      method: 'get',
      path: '/api/anime/:key/artwork/:kind',
      access: 'user',
      summary: 'Artwork from the series folder (never hotlinked)',
      tags: ['anime'],
      params: S.ArtworkParams,
      responses: { 200: null },
    },
    async ({ params, ctx }) => {
      const sd = await seriesDir(deps, params.key);
      const root = await fs.promises.realpath(deps.settings.animeDirectory()).catch(() => deps.settings.animeDirectory());
      for (const name of ARTWORK[params.kind]) {
        const file = insideRoot(sd.dir, name);
        const real = await fs.promises.realpath(file).catch(() => null);
        // A symlink may not lead out of the anime directory.
        if (!real || !isInside(root, real)) continue;
        const stat = await fs.promises.stat(real);
        if (!stat.isFile()) continue;
        ctx.type = path.extname(name) === '.png' ? 'image/png' : 'image/jpeg';
        ctx.length = stat.size;
        ctx.set('Cache-Control', 'private, max-age=300');
        ctx.set('Last-Modified', stat.mtime.toUTCString());
        ctx.body = fs.createReadStream(real);
        return undefined;
      }
      throw new NotFound(`No ${params.kind} artwork for '${params.key}'`);
    },
  );

  return r;
}

function shape(res: Awaited<ReturnType<typeof writeSeriesMetadata>>, message: string) {
  return {
    serie_id: res.row.key,
    serie_folder: res.row.folder,
    nfo_path: res.nfoPath,
    media_files: res.media,
    message,
    tmdb_id: res.tmdbId,
    warnings: res.warnings,
  };
}
