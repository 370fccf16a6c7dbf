import { z } from 'zod';
import { route, ApiRouter } from '../http/route.js';
import { Conflict, NotFound } from '../errors.js';
import { setTotal } from '../http/paging.js';
import * as repo from './repo.js';
import * as S from './schema.js';
import { resolveEntry, syncList, type ImportCtx } from './service.js';

const toApi = (l: repo.ListRow): z.infer<typeof S.List> => ({
  id: l.id,
  service: l.service,
  username: l.username,
  statuses: l.statuses,
  enabled: l.enabled,
  auto_download: l.auto_download,
  last_synced_at: l.last_synced_at?.toISOString() ?? null,
  last_error: l.last_error,
  counts: l.counts,
});
const entryToApi = (e: repo.EntryRow) => ({ ...e, seen_at: e.seen_at.toISOString() });

/** A user's lists are few (each is one account's list): at most this many. */
export const MAX_LISTS_PER_USER = 20;

/** Each user's own import lists (another user's list answers 404). */
export function importListRoutes(deps: ImportCtx): ApiRouter {
  const r = new ApiRouter();
  const tags = ['import-lists'];
  const own = async (id: string, userId: number) => {
    const l = await repo.getList(deps.db, id, userId);
    if (!l) throw new NotFound(`Import list ${id} not found`);
    return l;
  };

  route(
    r,
    {
      method: 'get',
      path: '/api/import-lists',
      access: 'user',
      summary: 'Your AniList / MyAnimeList import lists',
      tags,
      responses: { 200: S.Lists },
    },
    async ({ user }) => ({ lists: (await repo.listsOf(deps.db, user.id)).map(toApi) }),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/import-lists',
      access: 'user',
      summary: 'Add an import list (a public AniList or MyAnimeList list)',
      tags,
      body: S.ListCreate,
      responses: { 200: S.List },
    },
    async ({ user, body }) => {
      if ((await repo.countLists(deps.db, user.id)) >= MAX_LISTS_PER_USER)
        throw new Conflict(`At most ${MAX_LISTS_PER_USER} import lists per user`);
      const id = await repo.insertList(deps.db, { user_id: user.id, ...body });
      if (!id) throw new Conflict(`You already import ${body.service} list '${body.username}'`);
      return toApi((await repo.getList(deps.db, id))!);
    },
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/import-lists/:id',
      access: 'user',
      summary: 'Change an import list',
      tags,
      params: S.ListParams,
      body: S.ListUpdate,
      responses: { 200: S.List },
    },
    async ({ user, params, body }) => {
      await own(params.id, user.id);
      await repo.updateList(deps.db, params.id, body);
      return toApi(await own(params.id, user.id));
    },
  );

  route(
    r,
    {
      method: 'delete',
      path: '/api/import-lists/:id',
      access: 'user',
      summary: 'Remove an import list (its watchlist items stay)',
      tags,
      params: S.ListParams,
      responses: { 200: z.object({ message: z.string() }) },
    },
    async ({ user, params }) => {
      const l = await own(params.id, user.id);
      await repo.deleteList(deps.db, l.id);
      return { message: `Import list ${l.service}/${l.username} removed` };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/import-lists/:id/sync',
      access: 'user',
      summary: 'Read the list now; new entries become watchlist items',
      tags,
      params: S.ListParams,
      responses: { 200: S.SyncResult },
    },
    async ({ user, params }) => {
      await own(params.id, user.id);
      const res = await syncList(deps, params.id);
      return { ...res, list: toApi(await own(params.id, user.id)) };
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/import-lists/:id/entries',
      access: 'user',
      summary: "The list's entries seen so far and what became of them",
      tags,
      params: S.ListParams,
      query: S.EntriesQuery,
      totalCount: true,
      responses: { 200: S.Entries },
    },
    async ({ user, params, query, ctx }) => {
      await own(params.id, user.id);
      const { items, total } = await repo.entries(deps.db, params.id, query.outcome, query);
      setTotal(ctx, total);
      return { entries: items.map(entryToApi), total };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/import-lists/:id/entries/:external_id/resolve',
      access: 'user',
      summary: 'Choose the provider series of an ambiguous entry (or ignore it)',
      tags,
      params: S.EntryParams,
      body: S.ResolveBody,
      responses: { 200: S.Entry },
    },
    async ({ user, params, body }) => entryToApi(await resolveEntry(deps, user, params.id, params.external_id, body)),
  );

  return r;
}
