import fs from 'node:fs/promises';
import path from 'node:path';
import { BadRequest, NotFound } from '../http/errors.js';
import { atomicWrite } from '../util/atomicWrite.js';
import { insideRoot } from '../util/safePath.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}\.json$/;

/** A backup name is a plain file name in the backups folder: no separators, no `..`, no absolute paths. */
export function backupPath(dir: string, name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new BadRequest(`Invalid backup name '${name}'`, { backup_name: 'letters, digits, . _ - only, ending in .json' });
  }
  return insideRoot(dir, name);
}

export function customBackupName(name: string): string {
  const base = name.endsWith('.json') ? name : `${name}.json`;
  return base;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);

export async function createBackup(dir: string, configFile: string, now: Date, name?: string): Promise<string> {
  let file = name ? customBackupName(name) : `config_backup_${stamp(now)}.json`;
  let target = backupPath(dir, file);
  for (let i = 1; name === undefined && (await exists(target)); i++) {
    file = `config_backup_${stamp(now)}_${i}.json`;
    target = backupPath(dir, file);
  }
  await fs.mkdir(dir, { recursive: true });
  await atomicWrite(target, await fs.readFile(configFile), 0o600);
  return file;
}

export async function listBackups(dir: string) {
  await fs.mkdir(dir, { recursive: true });
  const out = [];
  for (const name of await fs.readdir(dir)) {
    if (!NAME.test(name)) continue;
    const st = await fs.stat(path.join(dir, name)).catch(() => null);
    if (st?.isFile()) out.push({ name, size: st.size, created: st.mtime.toISOString() });
  }
  return out.sort((a, b) => b.created.localeCompare(a.created) || b.name.localeCompare(a.name));
}

export async function readBackup(dir: string, name: string): Promise<unknown> {
  const file = backupPath(dir, name);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new NotFound(`Backup '${name}' not found`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest(`Backup '${name}' is not valid JSON`);
  }
}

export async function deleteBackup(dir: string, name: string): Promise<void> {
  const file = backupPath(dir, name);
  try {
    await fs.unlink(file);
  } catch {
    throw new NotFound(`Backup '${name}' not found`);
  }
}

/** Keeps the newest `keep` automatic backups. */
export async function pruneBackups(dir: string, keep: number): Promise<number> {
  const auto = (await listBackups(dir)).filter((b) => b.name.startsWith('config_backup_'));
  let removed = 0;
  for (const b of auto.slice(keep)) {
    await fs.unlink(path.join(dir, b.name)).catch(() => undefined);
    removed++;
  }
  return removed;
}

async function exists(p: string) {
  return fs.access(p).then(() => true, () => false);
}
