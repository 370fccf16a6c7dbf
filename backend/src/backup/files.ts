import fs from 'node:fs/promises';
import path from 'node:path';
import { BadRequest, NotFound } from '../errors.js';
import { insideRoot } from '../util/safePath.js';
import { KINDS, type BackupKind } from './archive.js';

/**
 * Backup files in the backup folder: `aniworld_<YYYYMMDD_HHMMSS>[_n]_<kind>.tar.gz`, or a name the
 * admin gave (`<name>.tar.gz`, kind manual). Names are plain file names: no separators, no `..`.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}\.tar\.gz$/;
const KIND_SUFFIX = new RegExp(`_(${KINDS.join('|')})\\.tar\\.gz$`);

/** `backup.path`: absolute, or relative to DATA_DIR (the old default `data/backups` is DATA_DIR/backups). */
export function resolveBackupDir(dataDir: string, configured: string): string {
  if (path.isAbsolute(configured)) return path.resolve(configured);
  const rel = configured.replace(/\\/g, '/').replace(/\/+$/, '');
  return path.resolve(dataDir, rel === 'data/backups' ? 'backups' : rel);
}

export function backupFile(dir: string, name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new BadRequest(`Invalid backup name '${name}'`, { backup_name: 'letters, digits, . _ - only, ending in .tar.gz' });
  }
  return insideRoot(dir, name);
}

export const kindOf = (name: string): BackupKind => (KIND_SUFFIX.exec(name)?.[1] as BackupKind | undefined) ?? 'manual';

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);

/** A free name for a new backup. */
export async function newBackupName(dir: string, kind: BackupKind, now: Date, custom?: string): Promise<string> {
  if (custom) {
    const name = custom.endsWith('.tar.gz') ? custom : `${custom}.tar.gz`;
    backupFile(dir, name);
    if (KIND_SUFFIX.test(name) && kindOf(name) !== kind) throw new BadRequest(`A backup name cannot end in _${kindOf(name)}.tar.gz`);
    if (await exists(path.join(dir, name))) throw new BadRequest(`A backup named '${name}' exists already`);
    return name;
  }
  for (let i = 0; ; i++) {
    const name = `aniworld_${stamp(now)}${i ? `_${i}` : ''}_${kind}.tar.gz`;
    if (!(await exists(path.join(dir, name)))) return name;
  }
}

export interface BackupEntry {
  name: string;
  size: number;
  created: string;
  kind: BackupKind;
}

export async function listBackupFiles(dir: string): Promise<BackupEntry[]> {
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const out: BackupEntry[] = [];
  for (const name of names) {
    if (!NAME.test(name)) continue;
    const st = await fs.stat(path.join(dir, name)).catch(() => null);
    if (st?.isFile()) out.push({ name, size: st.size, created: st.mtime.toISOString(), kind: kindOf(name) });
  }
  return out.sort((a, b) => b.created.localeCompare(a.created) || b.name.localeCompare(a.name));
}

export async function removeBackupFile(dir: string, name: string): Promise<void> {
  try {
    await fs.unlink(backupFile(dir, name));
  } catch (err) {
    if (err instanceof BadRequest) throw err;
    throw new NotFound(`Backup '${name}' not found`);
  }
}

/**
 * Retention of the automatic backups (scheduled and pre-restore): older than `keepDays` days go,
 * and beyond the newest `keepCount` too. Manual and uploaded backups stay until deleted.
 */
export async function pruneBackupFiles(dir: string, keepDays: number, keepCount: number, now: Date): Promise<string[]> {
  const auto = (await listBackupFiles(dir)).filter((b) => b.kind === 'scheduled' || b.kind === 'pre-restore');
  const cutoff = now.getTime() - keepDays * 86_400_000;
  const removed: string[] = [];
  for (const [i, b] of auto.entries()) {
    if (i < keepCount && new Date(b.created).getTime() >= cutoff) continue;
    await fs.unlink(path.join(dir, b.name)).catch(() => undefined);
    removed.push(b.name);
  }
  return removed;
}

/** Creates the folder and writes a probe file: a backup path that cannot be written is refused at save time. */
export async function checkWritable(dir: string): Promise<string | null> {
  try {
    await fs.mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    await fs.writeFile(probe, 'ok');
    await fs.rm(probe);
    return null;
  } catch (err) {
    return `${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

async function exists(p: string) {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
