import type { Deps } from '../deps.js';
import type { AuthUser } from '../auth/tokens.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import { getProvider, providerForLink } from '../providers/registry.js';
import type { z } from 'zod';
import * as repo from './repo.js';
import type { Item, ItemCreate, ItemUpdate } from './schema.js';
import { checkItem, linkToLibrary, type CheckCtx, type LinkCtx } from './checker.js';
import { LANGUAGE_KEYS } from '../providers/aniworld/parse.js';
import { LANGUAGE_CODES } from '../providers/animesama/parse.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toApi(r: repo.ItemRow): z.infer<typeof Item> {
  return {
    id: r.id,
    owner: r.user_id,
    owner_name: r.owner_name,
    anime_title: r.anime_title,
    anime_url: r.anime_url,
    anime_key: r.anime_key,
    provider_id: r.provider_id,
    lang: r.lang,
    auto_download: r.auto_download,
    quality_preference: r.quality_preference,
    status: r.status,
    last_episode_downloaded: r.last_episode_downloaded,
    poster_image: r.poster_image,
    synopsis: r.synopsis,
    genres: r.genres,
    series_key: r.series_key,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    last_checked: r.last_checked_at?.toISOString() ?? null,
    last_check_result: r.last_check_status
      ? { status: r.last_check_status, new_episodes: r.last_check_new_episodes, error: r.last_check_error }
      : null,
  };
}

/** The caller's item, or 404 (another user's item looks exactly like a missing one). */
export async function ownItem(deps: Pick<Deps, 'db'>, user: AuthUser, id: string): Promise<repo.ItemRow> {
  const row = UUID.test(id) ? await repo.getItem(deps.db, id, user.id) : null;
  if (!row) throw new NotFound(`Watchlist item ${id} not found`);
  return row;
}

/** The provider and key an anime URL names. */
function resolveUrl(deps: Pick<Deps, 'settings' | 'providers'>, url: string, providerId: string | undefined) {
  if (providerId) {
    const provider = getProvider(deps, providerId);
    const key = provider.keyFromLink(url);
    if (!key)
      throw new ValidationFailed(`anime_url is not a series URL of ${provider.id}`, {
        'body.anime_url': `not a series URL of ${provider.id}`,
      });
    return { provider, key };
  }
  const found = providerForLink(deps, url);
  if (!found)
    throw new ValidationFailed('anime_url does not belong to any enabled provider', {
      'body.anime_url': 'no enabled provider serves this URL',
    });
  return found;
}

const LANGUAGES: Record<string, readonly string[]> = { aniworld: Object.values(LANGUAGE_KEYS), animesama: LANGUAGE_CODES };

/** A language the item's provider offers (or none: the download preference order applies). */
function assertLanguage(providerId: string, lang: string | null | undefined) {
  const known = LANGUAGES[providerId];
  if (lang && known && !known.includes(lang)) {
    throw new ValidationFailed(`lang must be one of ${known.join(', ')} for ${providerId}`, { 'body.lang': `one of ${known.join(', ')}` });
  }
}

export async function createItem(deps: LinkCtx, user: Pick<AuthUser, 'id'>, body: z.infer<typeof ItemCreate>) {
  const { provider, key } = resolveUrl(deps, body.anime_url, body.provider_id);
  assertLanguage(provider.id, body.lang);
  const id = await repo.insertItem(deps.db, {
    user_id: user.id,
    anime_title: body.anime_title,
    anime_url: provider.seriesLink(key),
    anime_key: key,
    provider_id: provider.id,
    lang: body.lang ?? null,
    auto_download: body.auto_download,
    quality_preference: body.quality_preference,
    poster_image: body.poster_image ?? null,
    synopsis: body.synopsis ?? null,
    genres: body.genres,
    series_id: null,
  });
  if (!id) throw new Conflict(`'${body.anime_title}' (${provider.id}/${key}) is already on your watchlist`);
  // The series row and folder; when that fails the item stays and its first check links it.
  await linkToLibrary(
    deps,
    {
      id,
      anime_key: key,
      anime_title: body.anime_title,
      anime_url: provider.seriesLink(key),
      provider_id: provider.id,
    },
    user.id,
  ).catch((err) =>
    deps.log.warn({ module: 'watchlist', err: (err as Error).message, key }, 'could not link the watchlist item to the library'),
  );
  return toApi((await repo.getItem(deps.db, id, user.id))!);
}

export async function updateItem(deps: Pick<Deps, 'db'>, user: AuthUser, id: string, patch: z.infer<typeof ItemUpdate>) {
  const item = await ownItem(deps, user, id);
  assertLanguage(item.provider_id, patch.lang);
  await repo.updateItem(deps.db, id, user.id, patch);
  return toApi(await ownItem(deps, user, id));
}

export async function checkOwnItem(deps: CheckCtx, user: AuthUser, id: string) {
  const item = await ownItem(deps, user, id);
  if (item.status === 'paused') throw new Conflict(`'${item.anime_title}' is paused; resume it to check it`);
  return (await checkItem(deps, id, { manual: true }))!;
}

export async function stats(deps: Pick<Deps, 'db'>, user: AuthUser) {
  const [byStatus, byProvider, auto] = await Promise.all([
    repo.countByStatus(deps.db, user.id),
    repo.countByProvider(deps.db, user.id),
    repo.countAutoDownload(deps.db, user.id),
  ]);
  const status = Object.fromEntries(byStatus.map((s) => [s.key, s.n]));
  return {
    total: byStatus.reduce((n, s) => n + s.n, 0),
    active: status.active ?? 0,
    paused: status.paused ?? 0,
    completed: status.completed ?? 0,
    archived: status.archived ?? 0,
    auto_download_enabled: auto,
    providers: Object.fromEntries(byProvider.map((p) => [p.key, p.n])),
  };
}
