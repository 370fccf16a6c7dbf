import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import { readBackupConfig } from '../backup/archive.js';
import { AppConfig } from './schema.js';

/**
 * config.json cannot be read at start-up (truncated by a crash or a full disk, damaged): the
 * configuration of the newest backup in `backupsDir` whose config.json is intact and valid takes
 * its place, with a loud warning; the bad file is kept beside it as `config.json.bad-<time>`.
 * Returns null when no backup has a usable configuration (start-up then fails as before).
 */
export async function restoreConfigFromBackup(file: string, backupsDir: string, why: string, log: Logger): Promise<AppConfig | null> {
  const archives = fs.existsSync(backupsDir)
    ? fs
        .readdirSync(backupsDir)
        .filter((f) => f.endsWith('.tar.gz') && !f.startsWith('.'))
        .map((f) => ({ f, at: fs.statSync(path.join(backupsDir, f)).mtimeMs }))
        .sort((a, b) => b.at - a.at)
    : [];
  for (const { f } of archives) {
    const parsed = AppConfig.safeParse(await readBackupConfig(path.join(backupsDir, f)).catch(() => null));
    if (!parsed.success) continue;
    const kept = `${file}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, kept);
    fs.writeFileSync(file, JSON.stringify(parsed.data, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    log.error(
      { why, backup: f, kept },
      `CONFIG.JSON WAS UNREADABLE: started with the configuration of backup ${f}; the damaged file is kept as ${path.basename(kept)}. ` +
        `Check your settings.`,
    );
    return parsed.data;
  }
  return null;
}
