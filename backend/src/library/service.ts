/**
 * The library domain's API for other domains (downloads, metadata, watchlist, scheduler):
 *
 *   findSeries(deps, key)                → SeriesRow | null
 *   ensureSeries(deps, {key, name, link, provider, year?})
 *                                        → SeriesRow; creates the row AND its folder (sanitised
 *                                          display name) when absent; never renames an existing one
 *   seriesFolderPath(deps, row)          → absolute folder path, checked inside the anime directory
 *   scanSeries(deps, key)                → re-reads that series' provider catalogue and its folder;
 *                                          returns { missing, error } (error: provider failure text);
 *                                          queues `episode_languages` for its missing episodes
 *   markEpisodeDownloaded(deps, {seriesId, season, episode, filePath, fileSize})
 *                                        → records a placed file (filePath relative to the series
 *                                          folder, or absolute inside it)
 *   missingEpisodes(deps, key)           → [{season, episode, title}] listed by the provider, no file
 *   recordEpisodeLanguages(deps, {seriesId, season, episode, languages})
 *                                        → stores the languages an episode page offers (call it after
 *                                          provider.episodeSources; the catalogue does not know them)
 *
 * Rows: see repo.ts (SeriesRow). Movies and specials are season 0.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { BadRequest, NotFound, ServiceUnavailable } from '../errors.js';
import { insideRoot } from '../util/safePath.js';
import { atomicWrite } from '../util/atomicWrite.js';
import { checkWriteTarget } from './writeRoots.js';
import { getProvider } from '../providers/registry.js';
import * as repo from './repo.js';
import type { SeriesRow } from './repo.js';
import { folderNameFor, sanitizeFolderName } from './folderName.js';
import { removeProductFiles, type FolderRemoval } from './removeFolder.js';
import type { Catalogue } from '../providers/types.js';
import { scanDisk } from './scanner.js';
import { syncWithProvider } from './sync.js';
import { queueUnknownLanguages } from './languagesJob.js';
import { recordHistory } from '../history/service.js';

export type { SeriesRow } from './repo.js';

export interface MissingEpisode {
  season: number;
  episode: number;
  title: string | null;
}

type LibDeps = Pick<Deps, 'db' | 'settings' | 'log' | 'providers' | 'scanMemo'>;

/** Every series in the library, by name. */
export function listSeries(deps: Pick<Deps, 'db'>): Promise<readonly SeriesRow[]> {
  return repo.allSeries(deps.db);
}

/** Per episode of these series: title, whether its file is there, and the series' name and folder. */
export function episodeStates(deps: Pick<Deps, 'db'>, keys: readonly string[]) {
  return repo.episodeStates(deps.db, keys);
}

export function findSeries(deps: Pick<Deps, 'db'>, key: string): Promise<SeriesRow | null> {
  return repo.seriesByKey(deps.db, key);
}

export async function requireSeries(deps: Pick<Deps, 'db'>, key: string): Promise<SeriesRow> {
  const row = await repo.seriesByKey(deps.db, key);
  if (!row) throw new NotFound(`Series ${key} not found`, { key });
  return row;
}

export function seriesFolderPath(deps: Pick<Deps, 'settings'>, row: Pick<SeriesRow, 'folder'>): string {
  return insideRoot(deps.settings.animeDirectory(), row.folder);
}

/** A free folder name for a new series: the one search results show (`Name (Year)`), else with the key. */
async function freeFolder(deps: LibDeps, name: string, year: number | null, key: string): Promise<string> {
  const candidates = [folderNameFor(name, year), sanitizeFolderName(`${name} [${key}]`)];
  for (const folder of candidates) {
    if (await repo.folderTaken(deps.db, folder)) continue;
    // a folder on disk that says it belongs to another series is not ours to fill
    const owner = await fs.readFile(path.join(insideRoot(deps.settings.animeDirectory(), folder), KEY_FILE), 'utf8').catch(() => null);
    const ownerKey = owner
      ?.split(/\r?\n/)[0]
      .trim()
      .replace(/^[a-z]+:/i, '')
      .toLowerCase();
    if (ownerKey && ownerKey !== key) continue;
    return folder;
  }
  throw new BadRequest(`No free folder name for ${name}`);
}

export interface EnsureSeriesInput {
  key: string;
  name: string;
  link: string;
  provider: string;
  year?: number | null;
  /** Use this existing folder (import) instead of one made from the name. */
  folder?: string;
  /** Monitored at all (default: the config's monitor_new_series). */
  monitored?: boolean;
  /** Who added it (the history's `user`; null or absent: the system, e.g. the watchlist). */
  userId?: number | null;
}

export async function ensureSeries(deps: LibDeps, input: EnsureSeriesInput): Promise<SeriesRow> {
  return (await ensureSeriesCreated(deps, input)).row;
}

/** ensureSeries, also telling whether the row was created now. */
export async function ensureSeriesCreated(deps: LibDeps, input: EnsureSeriesInput): Promise<{ row: SeriesRow; created: boolean }> {
  const existing = await repo.seriesByKey(deps.db, input.key);
  if (existing) {
    await fs.mkdir(seriesFolderPath(deps, existing), { recursive: true });
    return { row: existing, created: false };
  }
  const provider = getProvider(deps, input.provider);
  const folder = input.folder ?? (await freeFolder(deps, input.name, input.year ?? null, input.key));
  if (
    input.folder &&
    (folder.includes('/') || folder.includes('\\') || folder.startsWith('.') || (await repo.folderTaken(deps.db, folder)))
  ) {
    throw new BadRequest(`Folder ${folder} cannot be used for ${input.key}`);
  }
  const dir = insideRoot(deps.settings.animeDirectory(), folder);
  const cfg = deps.settings.get().downloads;
  const result = await repo.insertSeries(deps.db, {
    key: input.key,
    name: input.name,
    site: provider.site,
    provider: provider.id,
    folder,
    link: input.link,
    year: input.year ?? null,
    monitored: input.monitored ?? cfg.monitor_new_series,
    monitor_specials: cfg.monitor_specials,
    upgrades_enabled: cfg.upgrades_enabled,
  });
  await fs.mkdir(seriesFolderPath(deps, result.row), { recursive: true });
  if (result.created)
    await writeKeyFile(deps, dir, provider.id, input.key).catch((err) =>
      deps.log.warn({ err: err.message, dir }, 'cannot write .aniworld-key'),
    );
  if (result.created) deps.log.info({ key: input.key, folder, dir }, 'series added to the library');
  if (result.created)
    await recordHistory(deps, {
      event: 'series_added',
      series_key: input.key,
      series_name: input.name,
      user_id: input.userId ?? null,
      data: { folder, provider: provider.id },
    });
  return result;
}

export const KEY_FILE = '.aniworld-key';

/**
 * `.aniworld-key` in a series folder: `provider:key`, so a later import finds it without searching.
 * Its real path must stay inside a library root (a linked series folder never leads the write out).
 */
async function writeKeyFile(deps: Pick<Deps, 'settings'>, dir: string, provider: string, key: string): Promise<void> {
  const file = path.join(dir, KEY_FILE);
  await checkWriteTarget(deps, file, 'the .aniworld-key file');
  if (
    await fs.stat(file).then(
      () => true,
      () => false,
    )
  )
    return;
  await atomicWrite(file, `${provider}:${key}\n`);
}

/** Every episode row of a series (numbers, flags, file). */
export function episodeList(deps: Pick<Deps, 'db'>, seriesId: number) {
  return repo.episodesOf(deps.db, seriesId);
}

export async function missingEpisodes(deps: Pick<Deps, 'db'>, key: string): Promise<MissingEpisode[]> {
  const row = await requireSeries(deps, key);
  return (await repo.missingOf(deps.db, [row.id])).map(({ season, episode, title }) => ({ season, episode, title }));
}

/**
 * Disk and provider scan of one series. A provider failure is recorded on the row and returned.
 * With `deps.jobs`, the languages of its missing episodes are then read in the background.
 */
export async function scanSeries(
  deps: LibDeps & Partial<Pick<Deps, 'jobs'>>,
  key: string,
  catalogue?: Catalogue,
): Promise<{ missing: MissingEpisode[]; error: string | null }> {
  const row = await requireSeries(deps, key);
  await fs.mkdir(seriesFolderPath(deps, row), { recursive: true });
  // the provider first: its season lengths map files numbered absolutely (`Show - 137.mkv`)
  const error = await syncWithProvider(deps, row, catalogue);
  await scanDisk(deps, { seriesIds: [row.id], force: true });
  if (!error && deps.jobs) await queueUnknownLanguages({ db: deps.db, jobs: deps.jobs }, [row.key]);
  return { missing: await missingEpisodes(deps, key), error };
}

export async function markEpisodeDownloaded(
  deps: Pick<Deps, 'db' | 'settings'>,
  e: { seriesId: number; season: number; episode: number; filePath: string; fileSize: number | null; language?: string | null },
): Promise<void> {
  const row = await repo.seriesById(deps.db, e.seriesId);
  if (!row) throw new NotFound(`Series ${e.seriesId} not found`);
  const dir = seriesFolderPath(deps, row);
  const full = path.isAbsolute(e.filePath) ? insideRoot(dir, path.relative(dir, e.filePath)) : insideRoot(dir, e.filePath);
  const rel = path.relative(dir, full).split(path.sep).join('/');
  if (!rel) throw new BadRequest('filePath must name a file inside the series folder');
  await repo.markDownloaded(deps.db, { ...e, filePath: rel });
}

export async function recordEpisodeLanguages(
  deps: Pick<Deps, 'db'>,
  e: { seriesId: number; season: number; episode: number; languages: string[] },
): Promise<void> {
  await repo.setLanguages(deps.db, e.seriesId, e.season, e.episode, [...new Set(e.languages)].sort());
}

/**
 * Removes the row (episodes go with it); with deleteFiles also the product's files in its folder
 * (removeProductFiles: anything else stays and is listed), only inside the anime directory.
 */
export async function deleteSeries(
  deps: LibDeps,
  key: string,
  deleteFiles: boolean,
  /** Who removed it (the history's `user`). */
  userId: number | null = null,
): Promise<{ folder: string; filesDeleted: boolean; removal: FolderRemoval | null }> {
  const row = await requireSeries(deps, key);
  const dir = seriesFolderPath(deps, row);
  if (dir === deps.settings.animeDirectory()) throw new BadRequest('Refusing to delete the anime directory itself');
  const files = deleteFiles ? (await repo.episodesOf(deps.db, row.id)).map((e) => e.file_path).filter((f): f is string => !!f) : [];
  await repo.deleteSeries(deps.db, row.id);
  const removal = deleteFiles ? await removeProductFiles(deps.settings.animeDirectory(), dir, files) : null;
  deps.log.info(
    { key, folder: row.folder, delete_files: deleteFiles, removed: removal?.removed, kept: removal?.kept.length },
    'series removed from the library',
  );
  await recordHistory(
    deps,
    {
      event: 'series_removed',
      series_key: key,
      series_name: row.name,
      user_id: userId,
      data: { folder: row.folder, delete_files: deleteFiles },
    },
    ...(removal?.removed
      ? [
          {
            event: 'file_deleted' as const,
            series_key: key,
            series_name: row.name,
            user_id: userId,
            data: { folder: row.folder, removed: removal.removed, kept: removal.kept.length },
          },
        ]
      : []),
  );
  return { folder: row.folder, filesDeleted: deleteFiles, removal };
}

/**
 * hooks.animeDirectoryChanged: re-reads every folder of the (new) anime directory and returns how
 * many series folders it holds (library series found there + folders waiting for an import).
 */
export async function syncAnimeDirectory(deps: LibDeps): Promise<number> {
  try {
    const disk = await scanDisk(deps, { force: true });
    return disk.series - disk.missingFolders.length + disk.unmatched.length;
  } catch (err) {
    if (!(err instanceof ServiceUnavailable)) throw err;
    // a directory holding none of the library's folders: leave the episodes alone, count what is there
    deps.log.warn({ err: err.message }, 'anime directory changed; library left as it was');
    const entries = await fs.readdir(deps.settings.animeDirectory(), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).length;
  }
}

/** The file the library holds for an episode: absolute path (inside the series folder) and its language. */
export async function episodeFile(
  deps: Pick<Deps, 'db' | 'settings'>,
  series: SeriesRow,
  season: number,
  episode: number,
): Promise<{ path: string; language: string | null } | null> {
  const e = await repo.episodeOf(deps.db, series.id, season, episode);
  if (!e?.is_downloaded || !e.file_path) return null;
  return { path: insideRoot(seriesFolderPath(deps, series), e.file_path), language: e.file_language };
}
