import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route } from '../http/route.js';
import { BadRequest, ValidationFailed } from '../http/errors.js';
import { AppConfig, SECRET_MASK } from './schema.js';
import { configErrors } from './store.js';
import { createBackup, deleteBackup, listBackups, readBackup } from './backups.js';

/** Webhook and proxy URLs carry tokens or passwords: only the scheme and host are shown. */
export function maskUrl(url: string): string {
  // a short fingerprint tells two masked URLs on the same host apart when they come back
  const tag = crypto.createHash('sha256').update(url).digest('hex').slice(0, 6);
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${SECRET_MASK}${tag}`;
  } catch {
    return `${SECRET_MASK}${tag}`;
  }
}

/** The config as the API shows it: secrets masked. */
export function publicConfig(cfg: AppConfig): AppConfig {
  const c = structuredClone(cfg);
  if (c.tmdb.api_key) c.tmdb.api_key = SECRET_MASK;
  for (const w of c.notifications.webhooks) w.url = maskUrl(w.url);
  for (const site of [c.providers.aniworld, c.providers.animesama]) if (site.proxy) site.proxy = maskUrl(site.proxy);
  return c;
}

type Patch = {
  tmdb?: { api_key?: unknown };
  notifications?: { webhooks?: { url?: unknown }[] };
  providers?: Record<string, { proxy?: unknown } | unknown>;
};

/** A client that sends a mask back means "keep what is stored". */
function unmask(patch: unknown, stored: AppConfig): unknown {
  const p = structuredClone(patch) as Patch;
  if (!p || typeof p !== 'object') return p;
  if (p.tmdb?.api_key === SECRET_MASK) p.tmdb.api_key = stored.tmdb.api_key;
  const hooks = p.notifications?.webhooks;
  if (Array.isArray(hooks)) {
    for (const w of hooks) {
      if (typeof w?.url !== 'string' || !w.url.includes(SECRET_MASK)) continue;
      const original = stored.notifications.webhooks.find((s) => maskUrl(s.url) === w.url);
      if (original) w.url = original.url;
    }
  }
  for (const id of ['aniworld', 'animesama'] as const) {
    const site = p.providers?.[id] as { proxy?: unknown } | undefined;
    const storedProxy = stored.providers[id].proxy;
    if (site && typeof site === 'object' && storedProxy && site.proxy === maskUrl(storedProxy)) site.proxy = storedProxy;
  }
  return p;
}

const ConfigPatch = z.record(z.unknown()).describe('Any part of the AppConfig; nested objects are merged');
const BackupName = z.object({ backup_name: z.string().min(1).max(200) });

export function settingsRoutes(deps: Deps): Router {
  const r = new Router();
  const tags = ['config'];
  const { settings } = deps;

  route(r, { method: 'get', path: '/api/config', summary: 'Current configuration', tags, responses: { 200: AppConfig } },
    () => publicConfig(settings.get()));

  route(r, { method: 'put', path: '/api/config', summary: 'Apply a (partial) configuration update', tags, body: ConfigPatch,
    responses: { 200: AppConfig } },
  async ({ body }) => publicConfig(await settings.update(unmask(body, settings.stored()))));

  route(r, { method: 'post', path: '/api/config/validate', summary: 'Validate a configuration without applying it', tags,
    body: ConfigPatch, responses: { 200: z.object({ valid: z.boolean(), errors: z.array(z.string()) }) } },
  ({ body }) => {
    const errors = configErrors(unmask(body, settings.stored()));
    return { valid: errors.length === 0, errors };
  });

  route(r, { method: 'get', path: '/api/config/backups', summary: 'List configuration backups', tags,
    responses: { 200: z.array(z.object({ name: z.string(), size: z.number(), created: z.string() })) } },
  () => listBackups(settings.backupsDir));

  route(r, { method: 'post', path: '/api/config/backups', summary: 'Back up the current configuration', tags,
    query: z.object({ name: z.string().min(1).max(115).optional() }),
    responses: { 200: z.object({ name: z.string(), message: z.string() }) } },
  async ({ query }) => {
    const name = await createBackup(settings.backupsDir, settings.file, deps.clock.now(), query.name);
    return { name, message: 'Backup created successfully' };
  });

  route(r, { method: 'post', path: '/api/config/backups/:backup_name/restore', summary: 'Restore a configuration backup', tags,
    params: BackupName, responses: { 200: AppConfig } },
  async ({ params }) => {
    const content = await readBackup(settings.backupsDir, params.backup_name);
    const errors = configErrors(content);
    if (errors.length) throw new ValidationFailed(`Backup '${params.backup_name}' is not a valid configuration`, { errors });
    return publicConfig(await settings.replace(content));
  });

  route(r, { method: 'delete', path: '/api/config/backups/:backup_name', summary: 'Delete a configuration backup', tags,
    params: BackupName, responses: { 200: z.object({ message: z.string() }) } },
  async ({ params }) => {
    await deleteBackup(settings.backupsDir, params.backup_name);
    return { message: `Backup '${params.backup_name}' deleted successfully` };
  });

  route(r, { method: 'post', path: '/api/config/directory', summary: 'Change the anime directory', tags,
    body: z.object({ directory: z.string().min(1).max(4096) }),
    responses: { 200: z.object({ message: z.string(), synced_series: z.number() }) } },
  async ({ body }) => {
    if (!path.isAbsolute(body.directory)) throw new BadRequest('directory must be an absolute path', { directory: 'must be an absolute path' });
    const dir = path.resolve(body.directory);
    await fs.mkdir(dir, { recursive: true }).catch((err) => {
      throw new BadRequest(`Cannot use ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    });
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new BadRequest(`${dir} is not a directory`);
    await settings.update({ anime_directory: dir });
    const synced = await deps.hooks.animeDirectoryChanged(dir);
    return { message: 'Anime directory updated successfully', synced_series: synced };
  });

  return r;
}
