import { checkAnimeDirectory } from '../util/animeDirectory.js';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/pool.js';
import { sql } from '../db/pool.js';
import type { Notifier } from '../db/notify.js';
import type { Env } from '../config.js';
import type { Logger } from '../log.js';
import { atomicWrite } from '../util/atomicWrite.js';
import { AppError, ValidationFailed } from '../errors.js';
import { AppConfig, REMOVED_KEYS } from './schema.js';
import { isDbUnreachable } from '../db/availability.js';
import { restoreConfigFromBackup } from './configFallback.js';

const CHANNEL = 'aniworld_config';

/** Largest config.json (a request's config, a backup's or the file at start-up): far above any real one. */
export const CONFIG_MAX_BYTES = 256 * 1024;

export class ConfigTooLarge extends AppError {
  constructor(bytes: number) {
    super(
      'too_large',
      'PAYLOAD_TOO_LARGE',
      `The configuration is ${Math.ceil(bytes / 1024)} KB, more than the ${CONFIG_MAX_BYTES / 1024} KB allowed`,
      { max_bytes: CONFIG_MAX_BYTES },
    );
  }
}

/** Throws ConfigTooLarge when `value` as JSON is over the limit. */
export function assertConfigSize(value: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > CONFIG_MAX_BYTES) throw new ConfigTooLarge(bytes);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function configErrors(value: unknown): string[] {
  assertConfigSize(value);
  const r = AppConfig.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of a partial update into the current config (arrays are replaced, not merged). */
export function mergeConfig(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = mergeConfig(base[k], v);
  return out;
}

/**
 * config.json in DATA_DIR: read once, written atomically, validated before every write so a bad
 * config never replaces a good one. Other processes reload when told through NOTIFY.
 */
export class SettingsStore {
  readonly file: string;
  readonly backupsDir: string;
  private current!: AppConfig;
  /** The effective config, built and frozen once per change: every caller shares it, nobody copies it. */
  private effective!: Readonly<AppConfig>;
  private listeners = new Set<(cfg: AppConfig) => void>();
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private env: Env,
    private log: Logger,
    private db?: Db,
    private notifier?: Notifier,
  ) {
    this.file = path.join(env.DATA_DIR, 'config.json');
    this.backupsDir = path.join(env.DATA_DIR, 'backups');
  }

  async load(): Promise<void> {
    fs.mkdirSync(this.backupsDir, { recursive: true });
    this.removeLeftovers();
    if (!fs.existsSync(this.file)) {
      const initial = AppConfig.parse({ anime_directory: this.env.ANIME_DIR ?? null });
      await atomicWrite(this.file, JSON.stringify(initial, null, 2) + '\n', 0o600);
      this.log.info({ file: this.file }, 'created default configuration');
    }
    this.setCurrent(await this.readFileOrBackup());
    await this.dropRemovedKeys();
    if (this.notifier) {
      await this.notifier.listen(CHANNEL, () => this.reloadFromDisk());
      this.notifier.onReconnect(() => this.reloadFromDisk());
    }
  }

  /** A config.json from an older version loses the keys that did nothing (see REMOVED_KEYS), once. */
  private async dropRemovedKeys(): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return;
    }
    const found = REMOVED_KEYS.filter((k) => typeof raw === 'object' && raw !== null && k in raw);
    if (!found.length) return;
    await atomicWrite(this.file, JSON.stringify(this.current, null, 2) + '\n', 0o600);
    this.log.info({ file: this.file, removed: found }, 'removed configuration keys that no longer exist');
  }

  /**
   * Temp files of writes that were killed halfway (the real file was never touched). Only stale
   * ones: another process sharing the folder may be writing one right now.
   */
  private removeLeftovers(): void {
    const staleBefore = Date.now() - 60_000;
    for (const dir of [path.dirname(this.file), this.backupsDir]) {
      for (const f of fs.readdirSync(dir)) {
        if (/^\..+\.[0-9a-f]{12}\.tmp$/.test(f)) {
          const mtime = fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.mtimeMs;
          if (mtime === undefined || mtime > staleBefore) continue;
          fs.rmSync(path.join(dir, f), { force: true });
          this.log.warn({ file: f }, 'removed the temp file of an interrupted write');
        }
      }
    }
  }

  /** At start-up: a config.json that cannot be read falls back to the newest valid backup. */
  private async readFileOrBackup(): Promise<AppConfig> {
    try {
      return this.readFile();
    } catch (err) {
      const restored = await restoreConfigFromBackup(this.file, this.backupsDir, (err as Error).message, this.log);
      if (restored) return restored;
      throw err;
    }
  }

  private readFile(): AppConfig {
    let raw: unknown;
    try {
      const size = fs.statSync(this.file).size;
      if (size > CONFIG_MAX_BYTES) throw new ConfigTooLarge(size);
      raw = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new Error(`${this.file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    const parsed = AppConfig.safeParse(raw);
    if (!parsed.success) throw new Error(`${this.file} is invalid:\n  ${configErrors(raw).join('\n  ')}`);
    return parsed.data;
  }

  private setCurrent(cfg: AppConfig): void {
    this.current = deepFreeze(cfg);
    const c = structuredClone(cfg);
    if (this.env.ANIME_DIR && !c.anime_directory) c.anime_directory = this.env.ANIME_DIR;
    if (this.env.TMDB_API_KEY) c.tmdb.api_key = this.env.TMDB_API_KEY;
    if (this.env.ANIWORLD_URL) c.providers.aniworld.base_url = this.env.ANIWORLD_URL;
    if (this.env.ANIMESAMA_URL) c.providers.animesama.base_url = this.env.ANIMESAMA_URL;
    this.effective = deepFreeze(c);
  }

  private reloadFromDisk(): void {
    try {
      this.setCurrent(this.readFile());
      for (const l of this.listeners) l(this.get());
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'config changed on disk but could not be read; keeping the old one');
    }
  }

  /** The effective configuration: config.json with the environment's overrides applied (frozen, shared). */
  get(): AppConfig {
    return this.effective;
  }

  /** What is stored in the file, without environment overrides (a copy, for writers to change). */
  stored(): AppConfig {
    return structuredClone(this.current);
  }

  animeDirectory(): string {
    return path.resolve(this.get().anime_directory ?? path.join(this.env.DATA_DIR, 'anime'));
  }

  onChange(listener: (cfg: AppConfig) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A config from elsewhere (a backup's config.json) as this version reads it, without storing it:
   * throws ValidationFailed with `message` and every problem (ConfigTooLarge when it is over the limit).
   */
  parse(value: unknown, message: string): AppConfig {
    const errors = configErrors(value);
    if (errors.length) throw new ValidationFailed(message, { errors });
    return AppConfig.parse(value);
  }

  /** Replaces the whole config after validating it; nothing is written when it does not validate. */
  async replace(nextOrFn: unknown | ((current: AppConfig) => unknown)): Promise<AppConfig> {
    const run = this.writing.then(async () => {
      const next = typeof nextOrFn === 'function' ? (nextOrFn as (c: AppConfig) => unknown)(this.stored()) : nextOrFn;
      assertConfigSize(next);
      const parsed = AppConfig.safeParse(next);
      if (!parsed.success) {
        throw new ValidationFailed('Configuration is invalid', { errors: configErrors(next) });
      }
      // every way the anime directory is set passes here: config PUT, directory route, setup, restore
      const dir = parsed.data.anime_directory;
      if (dir && dir !== this.current.anime_directory) parsed.data.anime_directory = await checkAnimeDirectory(dir, this.env.DATA_DIR);
      await atomicWrite(this.file, JSON.stringify(parsed.data, null, 2) + '\n', 0o600);
      this.setCurrent(parsed.data);
      for (const l of this.listeners) l(this.get());
      this.announce();
      return this.get();
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /**
   * Tells the other processes (NOTIFY) that config.json changed. During a database blip the
   * notification is retried until it goes out (and every process re-reads the file when its
   * LISTEN link reconnects), so no process keeps running with old settings.
   */
  private announce(attempt = 0): void {
    if (!this.db) return;
    this.db.query(sql.unsafe`select pg_notify(${CHANNEL}, '{}')`).catch((err: Error) => {
      if (!isDbUnreachable(err)) return this.log.error({ err: err.message }, 'could not announce the config change');
      if (attempt === 0) this.log.warn({ err: err.message }, 'could not announce the config change; retrying until the database answers');
      const timer = setTimeout(() => this.announce(attempt + 1), Math.min(10_000, 500 * 2 ** attempt));
      timer.unref();
    });
  }

  async update(patch: unknown): Promise<AppConfig> {
    return this.replace((current: AppConfig) => mergeConfig(current, patch));
  }
}
