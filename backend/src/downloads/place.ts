import fs from 'node:fs/promises';
import path from 'node:path';
import { DownloadError, DiskFullError, isDiskFull } from './engine/errors.js';

/** Free bytes for an unprivileged writer on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const st = await fs.statfs(dir);
  return Number(st.bavail) * Number(st.bsize);
}

export async function ensureFreeSpace(dir: string, neededBytes: number, minFreeMb: number): Promise<void> {
  const free = await freeBytes(dir);
  const want = neededBytes + minFreeMb * 1024 * 1024;
  if (free < want) {
    throw new DownloadError(
      `not enough free disk space in ${dir}: ${(free / 1048576).toFixed(0)} MB free, ${(want / 1048576).toFixed(0)} MB needed`,
      true,
    );
  }
}

/**
 * Moves a verified file to its final name without ever overwriting: a hard link fails when the
 * target exists (atomically); file systems without links fall back to an exclusive copy.
 */
export async function placeFile(src: string, target: string): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    await fs.link(src, target);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EEXIST') throw new DownloadError(`${path.basename(target)} already exists; it was not overwritten`, true);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw err;
    try {
      await fs.copyFile(src, target, fs.constants.COPYFILE_EXCL);
    } catch (copyErr) {
      const c = (copyErr as { code?: string }).code;
      if (c === 'EEXIST') throw new DownloadError(`${path.basename(target)} already exists; it was not overwritten`, true);
      await fs.rm(target, { force: true });
      if (isDiskFull(copyErr)) throw new DiskFullError(target);
      throw copyErr;
    }
  }
  await fs.rm(src, { force: true });
}
