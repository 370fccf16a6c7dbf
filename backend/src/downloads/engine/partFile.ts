import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DiskFullError, DownloadError, isDiskFull } from './errors.js';

const { O_WRONLY, O_CREAT, O_APPEND, O_EXCL, O_NOFOLLOW } = fs.constants;

const refused = (file: string) => new DownloadError(`${file} is a symbolic link; partial downloads are never written through a link`, true);

/**
 * Opens a partial download for writing, never through a symbolic link (a linked `.part` file is
 * refused and fails the item): `append` continues the file (created when missing), `new` starts
 * it over, created exclusively.
 */
export async function openPartFile(file: string, how: 'append' | 'new'): Promise<FileHandle> {
  try {
    if (how === 'new') {
      if ((await fs.lstat(file).catch(() => null))?.isSymbolicLink()) throw refused(file);
      await fs.rm(file, { force: true });
      return await fs.open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
    }
    return await fs.open(file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw refused(file);
    if (isDiskFull(err)) throw new DiskFullError(file);
    throw err;
  }
}
