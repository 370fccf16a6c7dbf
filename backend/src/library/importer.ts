import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { BadRequest, NotFound } from '../errors.js';
import { getProvider, providerForLink, providerIds } from '../providers/registry.js';
import { insideRoot } from '../util/safePath.js';
import * as repo from './repo.js';
import type { UnmatchedRow } from './repo.js';
import { splitFolderYear } from './folderName.js';
import { findSeriesForFolder } from './folderMatch.js';
import { ensureSeriesCreated, episodeStates, KEY_FILE, scanSeries } from './service.js';
import { recordHistory } from '../history/service.js';

/**
 * Import of an existing library: folders under the anime directory that are not series yet.
 * A folder is matched by its `.aniworld-key` file (`key`, `provider:key` or a series link), else
 * by folderMatch.ts (slug, searches, alternative titles, ranked by similarity): one clear winner
 * is imported; close calls are listed as candidates with their scores, never guessed.
 * Importing scans the folder first, so episodes already on disk are never downloaded again.
 */
type ImportDeps = Pick<Deps, 'db' | 'settings' | 'log' | 'jobs' | 'providers' | 'scanMemo'>;

export interface ImportResult {
  imported: { folder: string; key: string; provider: string; missing: number }[];
  ambiguous: { folder: string; candidates: UnmatchedRow['candidates'] }[];
  not_found: string[];
  failed: { folder: string; error: string }[];
}

/** Folders without a series row, refreshed from the disk, with what the last import found. */
export async function listUnmatched(deps: ImportDeps): Promise<(UnmatchedRow & { year: number | null })[]> {
  const root = deps.settings.animeDirectory();
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const known = new Set((await repo.allSeries(deps.db)).map((s) => s.folder));
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !known.has(e.name)).map((e) => e.name);
  await repo.setUnmatchedFolders(deps.db, folders);
  return (await repo.unmatchedRows(deps.db)).map((r) => ({ ...r, year: splitFolderYear(r.folder).year }));
}

async function readKeyFile(dir: string): Promise<string | null> {
  const text = await fs.readFile(path.join(dir, KEY_FILE), 'utf8').catch(() => null);
  const line = text
    ?.split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  return line ?? null;
}

function parseKeyRef(deps: ImportDeps, ref: string): { provider: string; key: string } {
  if (/^https?:\/\//i.test(ref)) {
    const hit = providerForLink(deps, ref);
    if (!hit) throw new BadRequest(`${KEY_FILE} names a link no configured provider serves: ${ref}`);
    return { provider: hit.provider.id, key: hit.key };
  }
  const m = /^(?:([a-z]+)[:/])?([a-z0-9][a-z0-9-]*)$/i.exec(ref);
  if (!m || (m[1] && !(providerIds as readonly string[]).includes(m[1]))) throw new BadRequest(`${KEY_FILE} is not a key: ${ref}`);
  return { provider: m[1] ?? deps.settings.get().providers.default_provider, key: m[2].toLowerCase() };
}

async function importOne(
  deps: ImportDeps,
  folder: string,
  provider: string,
  key: string,
  result: ImportResult,
  userId: number | null,
): Promise<void> {
  const p = getProvider(deps, provider);
  const cat = await p.catalogue(key);
  const { row } = await ensureSeriesCreated(deps, { key, name: cat.name, link: cat.link, provider: p.id, year: cat.year, folder, userId });
  if (row.folder !== folder) throw new BadRequest(`${key} is already in the library as ${row.folder}`);
  await repo.removeUnmatched(deps.db, folder);
  const scan = await scanSeries(deps, key);
  result.imported.push({ folder, key, provider: p.id, missing: scan.missing.length });
  const files = (await episodeStates(deps, [key])).filter((e) => e.is_downloaded);
  if (files.length) {
    await recordHistory(deps, {
      event: 'file_imported',
      series_key: key,
      series_name: row.name,
      user_id: userId,
      data: {
        folder,
        files: files.length,
        episodes: files.slice(0, 100).map((e) => ({ season: e.season, episode: e.episode })),
      },
    });
  }
}

async function autoMatch(deps: ImportDeps, folder: string, result: ImportResult, userId: number | null): Promise<void> {
  const dir = insideRoot(deps.settings.animeDirectory(), folder);
  const ref = await readKeyFile(dir);
  if (ref) {
    const { provider, key } = parseKeyRef(deps, ref);
    return importOne(deps, folder, provider, key, result, userId);
  }
  const found = await findSeriesForFolder(deps, folder);
  if (found.kind === 'winner') {
    deps.log.info({ folder, key: found.candidate.key, score: found.candidate.score, exact: found.exact }, 'import matched a folder');
    return importOne(deps, folder, found.candidate.provider, found.candidate.key, result, userId);
  }
  if (found.kind === 'none') {
    await repo.setUnmatchedResult(deps.db, { folder, status: 'not_found', candidates: [], error: null });
    result.not_found.push(folder);
    return;
  }
  await repo.setUnmatchedResult(deps.db, { folder, status: 'ambiguous', candidates: found.candidates, error: null });
  result.ambiguous.push({ folder, candidates: found.candidates });
}

export interface ImportRequest {
  /** Folders to match automatically (default: every unmatched folder). */
  folders?: string[];
  /** The user's choices for folders: import `folder` as `key`. */
  matches?: { folder: string; key: string; provider?: string }[];
}

/** `userId`: who asked for the import (the history's `user` of what it adds and finds). */
export async function importFolders(deps: ImportDeps, req: ImportRequest, userId: number | null = null): Promise<ImportResult> {
  const unmatched = new Set((await listUnmatched(deps)).map((r) => r.folder));
  const result: ImportResult = { imported: [], ambiguous: [], not_found: [], failed: [] };
  const fail = async (folder: string, err: unknown) => {
    const error = (err as Error).message;
    result.failed.push({ folder, error });
    if (unmatched.has(folder))
      await repo.setUnmatchedResult(deps.db, { folder, status: 'failed', candidates: [], error }).catch(() => undefined);
  };
  for (const m of req.matches ?? []) {
    if (!unmatched.has(m.folder)) {
      await fail(m.folder, new NotFound(`${m.folder} is not an unmatched folder of the anime directory`));
      continue;
    }
    await importOne(deps, m.folder, m.provider ?? deps.settings.get().providers.default_provider, m.key, result, userId).catch((err) =>
      fail(m.folder, err),
    );
  }
  const chosen = new Set((req.matches ?? []).map((m) => m.folder));
  const auto = (req.folders ?? (req.matches ? [] : [...unmatched])).filter((f) => !chosen.has(f));
  let next = 0;
  const worker = async () => {
    while (next < auto.length) {
      const folder = auto[next++];
      if (!unmatched.has(folder)) {
        await fail(folder, new NotFound(`${folder} is not an unmatched folder of the anime directory`));
        continue;
      }
      await autoMatch(deps, folder, result, userId).catch((err) => fail(folder, err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, auto.length) }, worker));
  return result;
}
