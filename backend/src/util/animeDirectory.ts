import fs from 'node:fs/promises';
import path from 'node:path';
import { BadRequest } from '../errors.js';
import { isInside } from './safePath.js';

/** System folders: never a library, nor anything inside them. */
const SYSTEM = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run', '/sbin', '/sys', '/usr'];
/** Folders that hold other things than a library: refused themselves (a folder inside is fine). */
const SHARED = ['/', '/home', '/var', '/opt', '/srv', '/mnt', '/media', '/tmp'];

/**
 * Why `dir` cannot be the anime directory, or null. It must be absolute, not `/`, a system folder
 * or a folder holding DATA_DIR (DATA_DIR itself included; the default DATA_DIR/anime is fine).
 */
export function animeDirectoryProblem(dir: string, dataDir: string): string | null {
  const problem = libraryFolderProblem(dir);
  if (problem) return problem;
  const d = path.resolve(dir);
  if (isInside(d, path.resolve(dataDir))) return `${d} holds the data folder (DATA_DIR)`;
  return null;
}

/** Why `dir` cannot hold library files (the anime directory, an extra library root), or null. */
export function libraryFolderProblem(dir: string): string | null {
  if (!path.isAbsolute(dir)) return 'must be an absolute path';
  const d = path.resolve(dir);
  if (SHARED.includes(d)) return `${d} is not a library folder`;
  if (SYSTEM.some((s) => isInside(s, d))) return `${d} is a system folder`;
  return null;
}

/**
 * The check on every way the anime directory is set (config, directory route, setup wizard):
 * the rules above on the path as given and on its real path (a link cannot lead around them),
 * and the folder must exist or be creatable. Answers the resolved path.
 */
export async function checkAnimeDirectory(dir: string, dataDir: string, field = 'anime_directory'): Promise<string> {
  const fail = (message: string): never => {
    throw new BadRequest(`${field}: ${message}`, { [field]: message });
  };
  const problem = animeDirectoryProblem(dir, dataDir);
  if (problem) fail(problem);
  const resolved = path.resolve(dir);
  await fs.mkdir(resolved, { recursive: true }).catch((err: NodeJS.ErrnoException) => fail(`cannot be created (${err.code ?? 'error'})`));
  const st = await fs.stat(resolved);
  if (!st.isDirectory()) fail('is not a folder');
  const real = await fs.realpath(resolved);
  const realData = await fs.realpath(dataDir).catch(() => path.resolve(dataDir));
  const realProblem = animeDirectoryProblem(real, realData);
  if (realProblem) fail(`leads to ${real}: ${realProblem}`);
  return resolved;
}
