import fs from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { BadRequest, NotFound } from '../errors.js';
import { scrubUrl } from '../log.js';
import { insideRoot } from '../util/safePath.js';
import { logsDir } from './configSchema.js';

/** pino's numeric levels and the names the Logs page shows. */
export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;
const NAME_OF: ReadonlyMap<number, LevelName> = new Map<number, LevelName>(Object.entries(LEVELS).map(([k, v]) => [v, k as LevelName]));

export interface LogEntry {
  time: string | null;
  level: LevelName | 'unknown';
  module: string | null;
  msg: string;
  /** The whole JSON line (credentials in URLs scrubbed once more). */
  line: string;
}

/** One JSON log line as the Logs page shows it; null for a line that is not JSON. */
export function toEntry(raw: string): LogEntry | null {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  return {
    time: typeof obj.time === 'string' ? obj.time : null,
    level: NAME_OF.get(Number(obj.level)) ?? 'unknown',
    module: typeof obj.module === 'string' ? obj.module : null,
    msg: typeof obj.msg === 'string' ? scrubUrl(obj.msg) : '',
    line: scrubUrl(raw),
  };
}

const LOG_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.log$/;

/** Log files in the logs folder, newest first (every role's). */
export async function listLogFiles(deps: Pick<Deps, 'env'>): Promise<{ name: string; size: number; modified: string }[]> {
  const dir = logsDir(deps.env.DATA_DIR);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const out = [];
  for (const name of names) {
    if (!LOG_FILE.test(name)) continue;
    const st = await fs.stat(path.join(dir, name)).catch(() => null);
    if (st?.isFile()) out.push({ name, size: st.size, modified: st.mtime.toISOString() });
  }
  return out.sort((a, b) => b.modified.localeCompare(a.modified) || b.name.localeCompare(a.name));
}

/** The named log file (it must be one in the logs folder), or the one this process writes now. */
export async function logFilePath(deps: Pick<Deps, 'env' | 'logging'>, name?: string): Promise<string> {
  const dir = logsDir(deps.env.DATA_DIR);
  if (name) {
    if (!LOG_FILE.test(name)) throw new BadRequest(`Invalid log file name '${name}'`, { file: 'a .log file of the logs folder' });
    const file = insideRoot(dir, name);
    if (!(await fs.stat(file).catch(() => null))?.isFile()) throw new NotFound(`No log file '${name}'`);
    return file;
  }
  const current = deps.logging?.currentFile();
  if (current) return current;
  const newest = (await listLogFiles(deps))[0];
  if (!newest) throw new NotFound('No log file: this process writes none (LOG_FILE=false)');
  return path.join(dir, newest.name);
}

export interface ReadOptions {
  minLevel: LevelName;
  search?: string;
  limit: number;
}

const CHUNK = 256 * 1024;
/** How far back from the end a search reads at most. */
export const MAX_SCAN_BYTES = 16 * 1024 ** 2;

/** The newest entries of a log file (newest first), read backwards from its end in chunks. */
export async function readEntries(
  file: string,
  opts: ReadOptions,
): Promise<{ entries: LogEntry[]; scanned_bytes: number; complete: boolean }> {
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const min = LEVELS[opts.minLevel];
    const needle = opts.search?.toLowerCase();
    const entries: LogEntry[] = [];
    let pos = size;
    let rest = '';
    while (pos > 0 && size - pos < MAX_SCAN_BYTES && entries.length < opts.limit) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      const text = buf.toString('utf8') + rest;
      const lines = text.split('\n');
      rest = pos > 0 ? (lines.shift() ?? '') : '';
      for (let i = lines.length - 1; i >= 0 && entries.length < opts.limit; i--) {
        const e = lines[i] ? toEntry(lines[i]) : null;
        if (!e || (LEVELS[e.level as LevelName] ?? 0) < min) continue;
        if (needle && !e.line.toLowerCase().includes(needle)) continue;
        entries.push(e);
      }
    }
    return { entries, scanned_bytes: size - pos, complete: pos === 0 };
  } finally {
    await fh.close();
  }
}
