import crypto from 'node:crypto';
import { z } from 'zod';
import { checkAnimeDirectory } from '../util/animeDirectory.js';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { ValidationFailed } from '../errors.js';
import { AppConfig, SECRET_MASK } from './schema.js';
import { configErrors } from './store.js';
import { checkWritable, resolveBackupDir } from '../backup/files.js';

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
  for (const w of c.notifications.webhooks) {
    if (w.url) w.url = maskUrl(w.url);
    if (w.token) w.token = SECRET_MASK;
    if (w.email?.password) w.email.password = SECRET_MASK;
  }
  for (const m of c.media_servers.servers) {
    if (m.token) m.token = SECRET_MASK;
    if (m.password) m.password = SECRET_MASK;
  }
  for (const site of [c.providers.aniworld, c.providers.animesama]) if (site.proxy) site.proxy = maskUrl(site.proxy);
  return c;
}

type Patch = {
  tmdb?: { api_key?: unknown };
  notifications?: { webhooks?: { id?: unknown; url?: unknown; token?: unknown; email?: { password?: unknown } }[] };
  media_servers?: { servers?: { id?: unknown; token?: unknown; password?: unknown }[] };
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
      if (!w || typeof w !== 'object') continue;
      const same = stored.notifications.webhooks.find((s) => s.id === w.id);
      if (typeof w.url === 'string' && w.url.includes(SECRET_MASK)) {
        const original = stored.notifications.webhooks.find((s) => s.url && maskUrl(s.url) === w.url);
        if (original) w.url = original.url;
      }
      if (w.token === SECRET_MASK) w.token = same?.token;
      if (w.email && typeof w.email === 'object' && w.email.password === SECRET_MASK) w.email.password = same?.email?.password ?? '';
    }
  }
  const servers = p.media_servers?.servers;
  if (Array.isArray(servers)) {
    for (const m of servers) {
      if (!m || typeof m !== 'object') continue;
      const same = stored.media_servers.servers.find((s) => s.id === m.id);
      if (m.token === SECRET_MASK) m.token = same?.token;
      if (m.password === SECRET_MASK) m.password = same?.password;
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

/** A new `backup.path` must be a folder this process can write, checked before it is saved. */
async function checkBackupPath(deps: Pick<Deps, 'env' | 'settings'>, patch: Record<string, unknown>): Promise<void> {
  const wanted = (patch.backup as { path?: unknown } | undefined)?.path;
  if (typeof wanted !== 'string' || !wanted || wanted === deps.settings.stored().backup.path) return;
  const problem = await checkWritable(resolveBackupDir(deps.env.DATA_DIR, wanted));
  if (problem) throw new ValidationFailed(`backup.path: ${problem}`, { errors: [`backup.path: ${problem}`] });
}

export function settingsRoutes(deps: Pick<Deps, 'env' | 'settings' | 'hooks'>): ApiRouter {
  const r = new ApiRouter();
  const tags = ['config'];
  const { settings } = deps;

  route(
    r,
    { method: 'get', path: '/api/config', access: 'admin', summary: 'Current configuration', tags, responses: { 200: AppConfig } },
    () => publicConfig(settings.get()),
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/config',
      access: 'admin',
      summary: 'Apply a (partial) configuration update',
      tags,
      body: ConfigPatch,
      responses: { 200: AppConfig },
    },
    async ({ body }) => {
      await checkBackupPath(deps, body);
      return publicConfig(await settings.update(unmask(body, settings.stored())));
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/config/validate',
      access: 'admin',
      summary: 'Validate a configuration without applying it',
      tags,
      body: ConfigPatch,
      responses: { 200: z.object({ valid: z.boolean(), errors: z.array(z.string()) }) },
    },
    ({ body }) => {
      const errors = configErrors(unmask(body, settings.stored()));
      return { valid: errors.length === 0, errors };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/config/directory',
      access: 'admin',
      summary: 'Change the anime directory',
      tags,
      body: z.object({ directory: z.string().min(1).max(4096) }),
      responses: { 200: z.object({ message: z.string(), synced_series: z.number() }) },
    },
    async ({ body }) => {
      const dir = await checkAnimeDirectory(body.directory, deps.env.DATA_DIR, 'directory');
      await settings.update({ anime_directory: dir });
      const synced = await deps.hooks.animeDirectoryChanged(dir);
      return { message: 'Anime directory updated successfully', synced_series: synced };
    },
  );

  return r;
}
