import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { setTotal } from '../http/paging.js';
import { BigintId } from '../http/schema.js';
import { z } from 'zod';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import { blocklistPage, unblock } from './policy.js';
import { episodeSourceList } from './choices.js';
import * as s from './schema.js';
import * as service from './service.js';
import { changePriority } from './queue.js';
import { assertMayChange, retryScope } from './owner.js';

/** /api/queue: the download queue (spec section 4). */
export function downloadRoutes(deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'providers' | 'settings'>): ApiRouter {
  const r = new ApiRouter();
  const tags = ['queue'];

  route(
    r,
    {
      method: 'get',
      path: '/api/queue/status',
      access: 'user',
      summary: 'Queue status and statistics',
      tags,
      query: s.StatusQuery,
      description:
        'Each list holds one page (`page`, `per_page`: at most 500 items, also without paging parameters); `statistics` has the totals.',
      responses: { 200: s.QueueStatus },
    },
    ({ query }) => service.queueStatus(deps, query),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/queue/add',
      access: 'user',
      tags,
      body: s.AddBody,
      responses: { 201: s.AddResponse, 409: null },
      summary:
        'Add episodes to the download queue. An episode whose file is on disk is listed in failed_items (reason and file name) unless ' +
        'replace is true; ' +
        "when nothing was queued the answer is 409 with failed_items in details. source_url: a source chosen from the episode's sources.",
    },
    async ({ body, user }) => {
      const res = await service.queueEpisodes(deps, { ...body, source: 'manual', added_by: user.id });
      const n = res.added_items.length;
      if (n === 0)
        throw new Conflict(`Nothing was queued: ${res.failed_items.map((f) => f.reason).join('; ')}`.slice(0, 1000), {
          failed_items: res.failed_items,
        });
      return {
        status: 'success' as const,
        message: `Added ${n} episode(s) to download queue`,
        added_items: res.added_items,
        item_ids: res.added_items,
        failed_items: res.failed_items,
      };
    },
  );

  route(
    r,
    { method: 'post', path: '/api/queue/start', access: 'admin', summary: 'Start queue processing', tags, responses: { 200: s.Message } },
    async () => {
      await service.startQueue(deps);
      return { status: 'success' as const, message: 'Queue processing started' };
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/api/queue/stop',
      access: 'admin',
      summary: 'Stop starting new downloads (running ones finish)',
      tags,
      responses: { 200: s.Message },
    },
    async () => {
      await service.stopQueue(deps);
      return { status: 'success' as const, message: 'Queue processing stopped (current download will continue)' };
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/api/queue/pause',
      access: 'admin',
      summary: 'Pause queue processing (alias for stop)',
      tags,
      responses: { 200: s.Message },
    },
    async () => {
      await service.stopQueue(deps, true);
      return { status: 'success' as const, message: 'Queue processing paused' };
    },
  );

  for (const status of ['completed', 'failed', 'pending'] as const) {
    const verb = status === 'pending' ? 'Removed' : 'Cleared';
    route(
      r,
      {
        method: 'delete',
        path: `/api/queue/${status}`,
        access: 'admin',
        summary: `Clear ${status} items`,
        tags,
        responses: { 200: s.CountResponse },
      },
      async () => {
        const count = await service.clearItems(deps, status);
        return { status: 'success' as const, message: `${verb} ${count} ${status} item(s)`, count };
      },
    );
  }

  route(
    r,
    {
      method: 'delete',
      path: '/api/queue/:item_id',
      access: 'user',
      summary: 'Remove one item (cancels it when active)',
      tags,
      params: s.ItemParams,
      responses: { 204: null },
    },
    async ({ params, user }) => {
      await assertMayChange(deps, user, [params.item_id]);
      if ((await service.removeItems(deps, [params.item_id])) === 0) throw new NotFound(`Download item ${params.item_id} not found`);
    },
  );
  route(
    r,
    {
      method: 'patch',
      path: '/api/queue/:item_id',
      access: 'user',
      summary: 'Change the priority of a pending item (moves it in the queue order)',
      tags,
      params: s.ItemParams,
      body: s.PriorityBody,
      responses: { 200: s.PriorityResponse, 404: null, 409: null },
    },
    async ({ params, body, user }) => {
      await assertMayChange(deps, user, [params.item_id]);
      const item = await changePriority(deps, params.item_id, body.priority);
      return {
        status: 'success' as const,
        message: `Priority of ${item.serie_name} S${item.episode.season}E${item.episode.episode} set to ${item.priority}`,
        item,
      };
    },
  );
  route(
    r,
    {
      method: 'delete',
      path: '/api/queue',
      access: 'user',
      summary: 'Remove several items: {"item_ids": [...]} in the body, or ?ids=a&ids=b (or ?ids=a,b)',
      tags,
      body: s.OptionalIdsBody,
      query: s.DeleteIdsQuery,
      responses: { 204: null, 422: null },
    },
    async ({ body, query, user }) => {
      const ids = [...(body?.item_ids ?? []), ...(query.ids ?? [])];
      if (ids.length === 0)
        throw new ValidationFailed('No item ids: send {"item_ids": [...]} or ?ids=...', { 'body.item_ids': 'at least one id is required' });
      await assertMayChange(deps, user, ids);
      await service.removeItems(deps, ids);
    },
  );

  const iso = (d: Date) => d.toISOString();
  route(
    r,
    {
      method: 'get',
      path: '/api/blocklist',
      summary: 'Sources blocklisted for an episode after they failed through their own fault (newest first)',
      tags: ['blocklist'],
      access: 'user',
      query: s.BlocklistQuery,
      totalCount: true,
      responses: { 200: s.BlocklistResponse },
    },
    async ({ query, ctx }) => {
      const page = await blocklistPage(deps, { seriesKey: query.series_key, season: query.season, episode: query.episode }, query);
      const items = page.items.map((b) => ({ ...b, created_at: iso(b.created_at) }));
      setTotal(ctx, page.total);
      return { items, count: items.length, total: page.total };
    },
  );
  route(
    r,
    {
      method: 'delete',
      path: '/api/blocklist/:id',
      summary: 'Remove one blocklist entry (the source may be tried again)',
      tags: ['blocklist'],
      access: 'admin',
      params: z.object({ id: BigintId }),
      responses: { 204: null, 404: null },
    },
    async ({ params }) => {
      if ((await unblock(deps, [params.id])).length === 0) throw new NotFound(`Blocklist entry ${params.id} not found`);
    },
  );
  route(
    r,
    {
      method: 'delete',
      path: '/api/blocklist',
      summary: 'Clear the whole blocklist',
      tags: ['blocklist'],
      access: 'admin',
      responses: { 200: s.CountResponse },
    },
    async () => {
      const count = (await unblock(deps, null)).length;
      return { status: 'success' as const, message: `Removed ${count} blocklist entr${count === 1 ? 'y' : 'ies'}`, count };
    },
  );
  route(
    r,
    {
      method: 'get',
      path: '/api/anime/:key/episodes/:season/:episode/sources',
      access: 'user',
      tags: ['queue'],
      params: s.EpisodeParams,
      responses: { 200: s.SourcesResponse, 404: null },
      summary:
        'Every source the episode page lists (read now): hoster, language, wanted by the language profile, ' +
        "blocklisted, the last attempt; and the episode's backoff",
    },
    ({ params }) => episodeSourceList(deps, params.key, params.season, params.episode),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/queue/reorder',
      access: 'admin',
      summary: 'Reorder pending items',
      tags,
      body: s.NonEmptyIdsBody,
      responses: { 200: s.Message },
    },
    async ({ body }) => {
      const n = await service.reorderItems(deps, body.item_ids);
      return { status: 'success' as const, message: `Queue reordered with ${n} items` };
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/api/queue/move',
      access: 'admin',
      summary: 'Move a waiting item in front of another ("put X before Y")',
      tags,
      description:
        'For a paged, virtualised queue: one move instead of the full order `reorder` needs. The item takes the ' +
        'priority of the one it goes before; `before_id: null` puts it at the end of its priority. 404 when either is ' +
        'unknown, 409 when either is no longer waiting.',
      body: s.MoveBody,
      responses: { 200: s.MoveResponse, 404: null, 409: null },
    },
    async ({ body }) => ({
      status: 'success' as const,
      message: 'Item moved',
      item: await service.moveItem(deps, body.item_id, body.before_id),
    }),
  );
  route(
    r,
    {
      method: 'post',
      path: '/api/queue/retry',
      access: 'user',
      summary: 'Retry failed items (all when item_ids is empty)',
      tags,
      body: s.IdsBody,
      responses: { 200: s.RetryResponse },
    },
    async ({ body, user }) => {
      const scope = await retryScope(deps, user, body.item_ids);
      const ids = scope ? await service.retryItems(deps, scope) : [];
      return { status: 'success' as const, message: `Retrying ${ids.length} failed item(s)`, retried_count: ids.length, retried_ids: ids };
    },
  );
  return r;
}
