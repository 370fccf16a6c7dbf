import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { Conflict, NotFound } from '../errors.js';
import { insideRoot } from '../util/safePath.js';
import { downloadImage } from './artwork.js';
import { checkWriteTarget } from '../library/writeRoots.js';
import { episodeSidecars, episodeVideos, exists, mediaStatus, writeInLibrary, type MediaFiles } from './files.js';
import { resolveTmdbId, tmdbIdFromNfo, type MatchHint } from './match.js';
import { episodeNfo, imageUrl, seasonFanart, showArtwork, showNfo, usableSize, type ArtworkItem } from './nfoMapping.js';
import { buildMultiEpisodeNfo, buildTvShowNfo } from './nfoXml.js';
import { downloadedEpisodeFiles } from '../library/repo.js';
import { findSeries, seriesFolderPath, type SeriesRow } from '../library/service.js';
import { TmdbClient } from './tmdbClient.js';
import type { TmdbConfig } from './configSchema.js';
import type { TmdbEpisode, TmdbSeason, TmdbTv } from './tmdbTypes.js';
import { recordHistory } from '../history/service.js';
import { seriesMapper, type MappingCtx } from './mappingService.js';

/** The metadata domain's logic: tvshow.nfo, episode NFOs and artwork for one series. */

/** What writing a series' metadata needs: the library's rows and folders, TMDB, the episode mapping, history. */
export type MetadataCtx = Pick<Deps, 'db' | 'settings' | 'tmdb' | 'log'> & MappingCtx;

export interface SeriesDir {
  row: SeriesRow;
  dir: string;
  nfoPath: string;
}

export async function seriesDir(deps: Pick<Deps, 'db' | 'settings'>, key: string): Promise<SeriesDir> {
  const row = await findSeries(deps, key);
  if (!row) throw new NotFound(`Series '${key}' not found`);
  const dir = seriesFolderPath(deps, row);
  return { row, dir, nfoPath: path.join(dir, 'tvshow.nfo') };
}

export interface MediaChoice {
  poster: boolean;
  logo: boolean;
  fanart: boolean;
}

export interface WriteOptions {
  overwrite: boolean;
  /** Which artwork groups to fetch (none: NFO only). */
  media: MediaChoice;
  /** Re-fetch artwork that already exists (files change only when the bytes differ). */
  refreshMedia: boolean;
  /** Also write NFOs (and thumbs, with media) for the episode videos already in the folder. */
  episodes: boolean;
  hint?: MatchHint;
  /** false: artwork only, the tvshow.nfo stays as it is. */
  writeNfo?: boolean;
  /** Ask TMDB again instead of using cached answers (an explicit update). */
  fresh?: boolean;
  /** Who asked for the write (the history's `user`; absent: the system, e.g. a job). */
  userId?: number | null;
}

export interface WriteResult extends SeriesDir {
  tmdbId: number;
  media: MediaFiles;
  /** Files written or replaced (unchanged files are not listed). */
  written: string[];
  warnings: string[];
}

const NO_MEDIA: MediaChoice = { poster: false, logo: false, fanart: false };
export const ALL_MEDIA: MediaChoice = { poster: true, logo: true, fanart: true };

/** The overview in the configured language, else English (anime often lacks German text). */
async function withEnglishFallback(tmdb: TmdbClient, tv: TmdbTv): Promise<TmdbTv> {
  if (tv.overview || tmdb.language.startsWith('en')) return tv;
  const en = await tmdb.get<TmdbTv>(`/tv/${tv.id}`, { language: 'en-US' });
  return { ...tv, overview: en.overview ?? '' };
}

async function seasonWithFallback(
  tmdb: TmdbClient,
  id: number,
  n: number,
  fresh = false,
): Promise<{ season: TmdbSeason; english: Map<number, TmdbEpisode> }> {
  const season = await tmdb.season(id, n, fresh);
  const english = new Map<number, TmdbEpisode>();
  if (!tmdb.language.startsWith('en') && season.episodes.some((e) => !e.overview)) {
    const en = await tmdb.get<TmdbSeason>(`/tv/${id}/season/${n}`, { language: 'en-US' });
    for (const e of en.episodes) english.set(e.episode_number, e);
  }
  return { season, english };
}

export async function writeSeriesMetadata(deps: MetadataCtx, key: string, opts: WriteOptions): Promise<WriteResult> {
  const tmdb = deps.tmdb;
  tmdb.requireKey();
  const sd = await seriesDir(deps, key);
  if (!opts.overwrite && (await exists(sd.nfoPath))) {
    throw new Conflict(`tvshow.nfo already exists for '${key}' (use overwrite_existing: true)`, { nfo_path: sd.nfoPath });
  }
  const log = deps.log.child({ module: 'nfo', key });
  const tmdbId = await resolveTmdbId(tmdb, sd.dir, sd.row, opts.hint ?? {}, log);
  const tv = await withEnglishFallback(tmdb, await tmdb.tv(tmdbId, opts.fresh));
  const cfg = deps.settings.get().tmdb;
  await checkWriteTarget(deps, sd.dir, 'the series folder');
  await fs.mkdir(sd.dir, { recursive: true });

  const written: string[] = [];
  const warnings: string[] = [];
  const xml = buildTvShowNfo(showNfo(tv, cfg.language, tmdb.imageUrl, sd.row.created_at));
  if (opts.writeNfo !== false && (await writeInLibrary(deps, sd.nfoPath, xml))) written.push(sd.nfoPath);

  const wantMedia = opts.media.poster || opts.media.logo || opts.media.fanart;
  if (wantMedia) {
    const conf = await tmdb.configuration();
    // one download per image, however many files it becomes (poster.jpg, season-all-poster.jpg); a failure too
    const fetched = new Map<string, Promise<Buffer>>();
    const items = showArtwork(tv, cfg, conf, tmdb.imageUrl);
    if (opts.media.fanart) items.push(...(await seasonFanarts(tmdb, tv, cfg, opts.fresh)));
    for (const item of items) {
      if (!opts.media[item.group]) continue;
      const file = insideRoot(sd.dir, item.file);
      if (!opts.refreshMedia && (await exists(file))) continue;
      try {
        if (!fetched.has(item.url)) fetched.set(item.url, downloadImage(tmdb, item.url, cfg.max_image_mb * 1024 * 1024));
        if (await writeInLibrary(deps, file, await fetched.get(item.url)!)) written.push(file);
      } catch (err) {
        warnings.push(`${item.file}: ${(err as Error).message}`);
        log.warn({ file: item.file, err: (err as Error).message }, 'artwork not saved');
      }
    }
  }

  if (opts.episodes) {
    const videos = await episodeVideos(sd.dir, await downloadedEpisodeFiles(deps.db, sd.row.id));
    const refs = videos.flatMap((v) => v.episodes.map((episode) => ({ season: v.season, episode })));
    const mapper = await seriesMapper(deps, tmdb, sd.row, tv, refs, opts.fresh);
    const seasons = tmdbSeasons(tmdb, tmdbId, opts.fresh);
    for (const v of videos) {
      // each of the file's episodes (S01E01-E02 is two) as the TMDB episode the mapping names
      const eps: TmdbEpisode[] = [];
      const english = new Map<string, TmdbEpisode>();
      for (const n of v.episodes) {
        const target = mapper.map({ season: v.season, episode: n }).tmdb;
        const s = target ? await seasons.get(target.season) : null;
        if (target && !s) warnings.push(`season ${target.season}: not on TMDB`);
        const ep = target && s?.season.episodes.find((e) => e.episode_number === target.episode);
        if (!ep) {
          warnings.push(`S${v.season}E${n}: not on TMDB`);
          continue;
        }
        eps.push(ep);
        const en = s!.english.get(ep.episode_number);
        if (en) english.set(`${ep.season_number}:${ep.episode_number}`, en);
      }
      if (!eps.length) continue;
      const files = await writeEpisodeFiles(deps, tmdb, tv, eps, english, v.path, wantMedia, opts.refreshMedia);
      written.push(...files.written);
      warnings.push(...files.warnings);
    }
  }
  if (written.length) log.info({ tmdb_id: tmdbId, written: written.length }, 'metadata written');
  if (written.length) await recordNfoWritten(deps, sd, written, null, opts.userId ?? null);
  return { ...sd, tmdbId, media: await mediaStatus(sd.dir), written, warnings: [...new Set(warnings)] };
}

/** Each season's fanart where TMDB has one (a season TMDB answers 404 for has none). */
async function seasonFanarts(tmdb: TmdbClient, tv: TmdbTv, cfg: TmdbConfig, fresh = false): Promise<ArtworkItem[]> {
  const conf = await tmdb.configuration();
  const out: ArtworkItem[] = [];
  for (const s of tv.seasons ?? []) {
    try {
      const item = seasonFanart(s.season_number, await tmdb.seasonImages(tv.id, s.season_number, fresh), cfg, conf, tmdb.imageUrl);
      if (item) out.push(item);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    }
  }
  return out;
}

/** TMDB seasons by number, each asked once (null: TMDB has no such season). */
function tmdbSeasons(tmdb: TmdbClient, tmdbId: number, fresh?: boolean) {
  const cache = new Map<number, Promise<Awaited<ReturnType<typeof seasonWithFallback>> | null>>();
  return {
    get(n: number) {
      let p = cache.get(n);
      if (!p) {
        p = seasonWithFallback(tmdb, tmdbId, n, fresh).catch((err) => {
          if (err instanceof NotFound) return null;
          throw err;
        });
        cache.set(n, p);
      }
      return p;
    },
  };
}

/** `english`: fallback texts by `season:episode`. */
async function writeEpisodeFiles(
  deps: Pick<Deps, 'settings'>,
  tmdb: TmdbClient,
  tv: TmdbTv,
  eps: TmdbEpisode[],
  english: Map<string, TmdbEpisode>,
  video: string,
  thumb: boolean,
  refresh: boolean,
): Promise<{ written: string[]; warnings: string[] }> {
  const written: string[] = [];
  const warnings: string[] = [];
  const side = episodeSidecars(video);
  const mtime = (await fs.stat(video)).mtime;
  const xml = buildMultiEpisodeNfo(
    eps.map((e) => episodeNfo(e, english.get(`${e.season_number}:${e.episode_number}`), tv.name, tmdb.imageUrl, mtime, tv.seasons)),
  );
  const ep = eps[0]!;
  if (await writeInLibrary(deps, side.nfo, xml)) written.push(side.nfo);
  if (thumb && ep.still_path && (refresh || !(await exists(side.thumb)))) {
    const cfg = deps.settings.get().tmdb;
    const conf = await tmdb.configuration();
    const url = imageUrl(tmdb.imageUrl, usableSize(cfg.still_size, conf.images.still_sizes), ep.still_path);
    try {
      if (await writeInLibrary(deps, side.thumb, await downloadImage(tmdb, url, cfg.max_image_mb * 1024 * 1024))) written.push(side.thumb);
    } catch (err) {
      warnings.push(`${path.basename(side.thumb)}: ${(err as Error).message}`);
    }
  }
  return { written, warnings };
}

export type EpisodeOutcome = 'written' | 'unchanged' | 'no_tvshow_match' | 'not_on_tmdb';

/**
 * NFO (and thumb) beside one placed video. Without a tvshow.nfo the series' NFO and artwork are
 * created first, so the episode's ids agree with the show's.
 */
export async function writeEpisodeMetadata(
  deps: MetadataCtx,
  key: string,
  season: number,
  episode: number,
  video: string,
): Promise<EpisodeOutcome> {
  const tmdb = deps.tmdb;
  tmdb.requireKey();
  const sd = await seriesDir(deps, key);
  const videoPath = insideRoot(sd.dir, path.relative(sd.dir, path.resolve(video)));
  if (!(await exists(videoPath))) throw new NotFound(`Video ${videoPath} does not exist`);
  const log = deps.log.child({ module: 'nfo', key });
  let tmdbId = await tmdbIdFromNfo(sd.dir, log);
  if (!tmdbId) {
    const media = deps.settings.get().nfo.download_artwork ? ALL_MEDIA : NO_MEDIA;
    tmdbId = (await writeSeriesMetadata(deps, key, { overwrite: false, media, refreshMedia: false, episodes: false })).tmdbId;
  }
  const tv = await tmdb.tv(tmdbId);
  const target = (await seriesMapper(deps, tmdb, sd.row, tv, [{ season, episode }])).map({ season, episode }).tmdb;
  if (!target) return 'not_on_tmdb';
  const s = await tmdbSeasons(tmdb, tmdbId).get(target.season);
  const ep = s?.season.episodes.find((e) => e.episode_number === target.episode);
  if (!s || !ep) return 'not_on_tmdb';
  const english = new Map<string, TmdbEpisode>();
  const en = s.english.get(ep.episode_number);
  if (en) english.set(`${ep.season_number}:${ep.episode_number}`, en);
  const res = await writeEpisodeFiles(deps, tmdb, tv, [ep], english, videoPath, deps.settings.get().nfo.download_artwork, false);
  if (res.written.length) await recordNfoWritten(deps, sd, res.written, { season, episode });
  return res.written.length ? 'written' : 'unchanged';
}

/** History: which metadata files a write created or changed (paths relative to the series folder). */
function recordNfoWritten(
  deps: Pick<Deps, 'db' | 'log'>,
  sd: SeriesDir,
  written: string[],
  ep: { season: number; episode: number } | null,
  userId: number | null = null,
): Promise<void> {
  return recordHistory(deps, {
    event: 'nfo_written',
    series_key: sd.row.key,
    series_name: sd.row.name,
    season: ep?.season ?? null,
    episode: ep?.episode ?? null,
    user_id: userId,
    data: { files: written.slice(0, 100).map((f) => path.relative(sd.dir, f)) },
  });
}

export async function checkSeries(deps: Pick<Deps, 'db' | 'settings'>, key: string) {
  const sd = await seriesDir(deps, key);
  const has = await exists(sd.nfoPath);
  return {
    serie_id: sd.row.key,
    serie_folder: sd.row.folder,
    has_nfo: has,
    nfo_path: has ? sd.nfoPath : null,
    media_files: await mediaStatus(sd.dir),
  };
}

/** Missing artwork only, for a series whose tvshow.nfo names its TMDB id. */
export async function downloadMissingMedia(
  deps: MetadataCtx,
  key: string,
  media: MediaChoice,
  userId: number | null = null,
): Promise<MediaFiles> {
  deps.tmdb.requireKey();
  const sd = await seriesDir(deps, key);
  const id = await tmdbIdFromNfo(sd.dir, deps.log);
  if (!id) throw new NotFound(`No tvshow.nfo with a TMDB id for '${key}' (create the NFO first)`);
  const res = await writeSeriesMetadata(deps, key, {
    overwrite: true,
    media,
    refreshMedia: false,
    episodes: false,
    hint: { tmdbId: id },
    writeNfo: false,
    userId,
  });
  return res.media;
}

export async function nfoContent(deps: Pick<Deps, 'db' | 'settings'>, key: string) {
  const sd = await seriesDir(deps, key);
  const [content, stat] = await Promise.all([fs.readFile(sd.nfoPath, 'utf8').catch(() => null), fs.stat(sd.nfoPath).catch(() => null)]);
  if (content === null || !stat) throw new NotFound(`No tvshow.nfo for '${key}'`);
  return { serie_id: sd.row.key, serie_folder: sd.row.folder, content, file_size: stat.size, last_modified: stat.mtime.toISOString() };
}

/**
 * For the library, when a series is added: queues `nfo_create` if config `nfo.create_on_add` is on
 * and a TMDB key is set (pass the transaction that inserts the series row). Returns whether queued.
 */
export async function queueSeriesNfo(
  deps: Pick<Deps, 'settings' | 'jobs'>,
  key: string,
  conn?: Parameters<Deps['jobs']['add']>[3],
  /** Who added the series (the history's `user` of the NFO write). */
  userId: number | null = null,
): Promise<boolean> {
  const cfg = deps.settings.get();
  if (!cfg.nfo.create_on_add || !cfg.tmdb.api_key) return false;
  await deps.jobs.add('nfo_create', { key, user_id: userId }, { jobKey: `nfo_create:${key}`, maxAttempts: 3 }, conn);
  return true;
}
