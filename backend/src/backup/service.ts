/**
 * Whole-product backups: one `.tar.gz` with config.json, every application table (one consistent
 * snapshot), the migration list and a manifest of checksums; the API key tables and the
 * TMDB key only when the admin asks for secrets. Restore: checked first (checksums, schema not
 * newer than this version, a valid config), a safety backup, then one transaction; afterwards
 * every token is void, downloading items wait again and the scheduled jobs are derived anew.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { Deps } from '../deps.js';
import { sql } from '../db/pool.js';
import { MIGRATIONS_DIR } from '../db/migrate.js';
import { BadRequest, Conflict } from '../errors.js';
import * as authRepo from '../auth/repo.js';
import * as downloadsRepo from '../downloads/repo.js';
import { dispatch } from '../downloads/queue.js';
import { applySchedule } from '../scheduler/service.js';
import { applyWatchSchedule } from '../watchlist/scheduler.js';
import { applyBackupSchedule } from './schedule.js';
import { FORMAT, FORMAT_VERSION, openArchive, packArchive, sha256File, type BackupKind, type Manifest } from './archive.js';
import { writeSnapshot, loadSnapshot, type RestoredTable } from './dump.js';
import {
  backupFile,
  listBackupFiles,
  newBackupName,
  pruneBackupFiles,
  removeBackupFile,
  resolveBackupDir,
  type BackupEntry,
} from './files.js';

/** An upload larger than this is refused while it arrives. */
export const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

type DirCtx = Pick<Deps, 'env' | 'settings'>;
/** What writing and pruning backups needs. */
export type BackupCtx = Pick<Deps, 'env' | 'settings' | 'clock' | 'db' | 'log' | 'version'>;
/** A restore also signs everyone out and derives the jobs again (`deriveJobs`). */
export type RestoreCtx = BackupCtx & Pick<Deps, 'sessions'> & DeriveCtx;
type DeriveCtx = Parameters<typeof dispatch>[0] &
  Parameters<typeof applySchedule>[0] &
  Parameters<typeof applyWatchSchedule>[0] &
  Parameters<typeof applyBackupSchedule>[0];

export const backupDir = (deps: DirCtx) => resolveBackupDir(deps.env.DATA_DIR, deps.settings.get().backup.path);

const tempName = (what: string) => `.${what}-${crypto.randomBytes(6).toString('hex')}`;

export interface CreateOptions {
  kind: BackupKind;
  includeSecrets: boolean;
  name?: string;
}

export async function createBackup(deps: BackupCtx, opts: CreateOptions): Promise<BackupEntry> {
  const dir = backupDir(deps);
  await fsp.mkdir(dir, { recursive: true });
  const name = await newBackupName(dir, opts.kind, deps.clock.now(), opts.name);
  const staging = path.join(dir, tempName('staging'));
  const tmp = path.join(dir, `${tempName('writing')}.tar.gz`);
  await fsp.mkdir(staging, { mode: 0o700 });
  try {
    const config = deps.settings.stored();
    if (!opts.includeSecrets) config.tmdb.api_key = null;
    await fsp.writeFile(path.join(staging, 'config.json'), JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    const files = ['config.json'];
    const snap = await writeSnapshot(deps.db, staging, opts.includeSecrets);
    files.push(...snap.files);
    const sums: Record<string, string> = {};
    for (const f of files) sums[f] = await sha256File(path.join(staging, f));
    const manifest: Manifest = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      product_version: deps.version,
      created_at: deps.clock.now().toISOString(),
      kind: opts.kind,
      include_secrets: opts.includeSecrets,
      migrations: snap.migrations,
      postgres_version: snap.postgresVersion,
      tables: snap.tables,
      sequences: snap.sequences,
      files: sums,
    };
    await fsp.writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await packArchive(staging, files, tmp);
    await fsp.chmod(tmp, 0o600);
    await fsp.rename(tmp, path.join(dir, name));
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
    await fsp.rm(tmp, { force: true });
  }
  const st = await fsp.stat(path.join(dir, name));
  deps.log.info({ module: 'backup', backup: name, kind: opts.kind, bytes: st.size, secrets: opts.includeSecrets }, 'backup written');
  return { name, size: st.size, created: st.mtime.toISOString(), kind: opts.kind };
}

export const listBackups = (deps: DirCtx) => listBackupFiles(backupDir(deps));

/** Applies backup.keep_days and backup.keep_count to the automatic backups. */
export async function pruneBackups(deps: Pick<Deps, 'env' | 'settings' | 'clock' | 'log'>): Promise<string[]> {
  const { keep_days, keep_count } = deps.settings.get().backup;
  const removed = await pruneBackupFiles(backupDir(deps), keep_days, keep_count, deps.clock.now());
  if (removed.length) deps.log.info({ module: 'backup', removed }, 'old backups removed');
  return removed;
}

/** Stores an uploaded backup after checking it completely; a refused file leaves nothing behind. */
export async function uploadBackup(deps: Pick<Deps, 'env' | 'settings' | 'clock' | 'log'>, body: Readable): Promise<BackupEntry> {
  const dir = backupDir(deps);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `${tempName('upload')}.tar.gz`);
  const check = path.join(dir, tempName('check'));
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(bytes > MAX_UPLOAD_BYTES ? new BadRequest('The upload is larger than 8 GiB') : null, chunk);
    },
  });
  try {
    await pipeline(body, cap, fs.createWriteStream(tmp, { mode: 0o600 }));
    if (bytes === 0) throw new BadRequest('The upload is empty: send the backup file as the request body');
    await openArchive(tmp, check);
    const name = await newBackupName(dir, 'uploaded', deps.clock.now());
    await fsp.rename(tmp, path.join(dir, name));
    const st = await fsp.stat(path.join(dir, name));
    deps.log.info({ module: 'backup', backup: name, bytes }, 'backup uploaded');
    return { name, size: st.size, created: st.mtime.toISOString(), kind: 'uploaded' };
  } finally {
    await fsp.rm(tmp, { force: true });
    await fsp.rm(check, { recursive: true, force: true });
  }
}

/** Migrations named by the backup that this version does not have: the backup is from a newer version. */
function unknownMigrations(manifest: Manifest): string[] {
  const here = new Set(fs.readdirSync(MIGRATIONS_DIR));
  return manifest.migrations.filter((m) => !here.has(m));
}

export interface RestoreResult {
  message: string;
  restored_from: string;
  safety_backup: string;
  tables: RestoredTable[];
  requeued_downloads: number;
  secrets_restored: boolean;
}

export async function restoreBackup(deps: RestoreCtx, name: string): Promise<RestoreResult> {
  const dir = backupDir(deps);
  const file = backupFile(dir, name);
  if (!fs.existsSync(file)) throw new BadRequest(`Backup '${name}' not found`);
  const work = path.join(dir, tempName('restore'));
  const log = deps.log.child({ module: 'backup' });
  try {
    const manifest = await openArchive(file, work);
    const newer = unknownMigrations(manifest);
    if (newer.length) {
      throw new Conflict(
        `This backup is from a newer Aniworld (${manifest.product_version}): its database has migrations this version lacks ` +
          `(${newer.join(', ')}). Update Aniworld, then restore.`,
        { unknown_migrations: newer },
      );
    }
    const config: unknown = JSON.parse(await fsp.readFile(path.join(work, 'config.json'), 'utf8'));
    const nextConfig = deps.settings.parse(config, "The backup's config.json is not a valid configuration");
    if (!manifest.include_secrets && !nextConfig.tmdb.api_key) nextConfig.tmdb.api_key = deps.settings.stored().tmdb.api_key;

    const safety = await createBackup(deps, { kind: 'pre-restore', includeSecrets: true });
    log.info({ backup: name, safety_backup: safety.name }, 'restoring a backup');
    const { tables, requeued, userIds } = await deps.db.transaction(async (tx) => {
      await tx.query(sql.unsafe`select pg_advisory_xact_lock(hashtext('aniworld:restore'))`);
      const before = await authRepo.userIds(tx);
      const tables = await loadSnapshot(tx, work, manifest);
      const requeued = await downloadsRepo.requeueInterrupted(tx);
      await authRepo.voidAllTokens(tx);
      const after = await authRepo.userIds(tx);
      return { tables, requeued, userIds: [...new Set([...before, ...after])] };
    });
    await deps.settings.replace(nextConfig);
    for (const id of userIds) await deps.sessions.userChanged(id);
    await deriveJobs(deps);
    await pruneBackups(deps);
    log.info({ backup: name, tables: tables.length, requeued }, 'backup restored');
    return {
      message: `Backup '${name}' restored; sign in again`,
      restored_from: name,
      safety_backup: safety.name,
      tables,
      requeued_downloads: requeued,
      secrets_restored: manifest.include_secrets,
    };
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

/** The job runner's tables are never restored: the jobs the restored state needs are added again. */
async function deriveJobs(deps: DeriveCtx & Pick<Deps, 'log'>): Promise<void> {
  const steps: [string, () => Promise<unknown>][] = [
    ['downloads', () => dispatch(deps)],
    ['rescan schedule', () => applySchedule(deps)],
    ['watchlist schedule', () => applyWatchSchedule(deps)],
    ['backup schedule', () => applyBackupSchedule(deps)],
  ];
  for (const [what, step] of steps) {
    await step().catch((err) =>
      deps.log.error({ module: 'backup', err: (err as Error).message }, `after the restore: could not derive the ${what}`),
    );
  }
}

export const removeBackup = (deps: DirCtx, name: string) => removeBackupFile(backupDir(deps), name);
