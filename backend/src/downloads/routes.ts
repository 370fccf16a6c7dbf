import Router from '@koa/router';
import type { Deps } from '../deps.js';
import { route } from '../http/route.js';
import { NotFound } from '../http/errors.js';
import * as s from './schema.js';
import * as service from './service.js';
import { changePriority } from './queue.js';
import { assertMayChange, retryScope } from './owner.js';

/** /api/queue: the download queue (spec section 4). */
export function downloadRoutes(deps: Deps): Router {
  const r = new Router();
  const tags = ['queue'];

  route(r, { method: 'get', path: '/api/queue/status', access: 'user', summary: 'Queue status and statistics', tags, responses: { 200: s.QueueStatus } },
    () => service.queueStatus(deps));

  route(r, { method: 'post', path: '/api/queue/add', access: 'user', summary: 'Add episodes to the download queue', tags, body: s.AddBody, responses: { 201: s.AddResponse } },
    async ({ body, user }) => {
      const res = await service.queueEpisodes(deps, { ...body, source: 'manual', added_by: user.id });
      const n = res.added_items.length;
      return { status: 'success' as const, message: `Added ${n} episode(s) to download queue`, added_items: res.added_items, item_ids: res.added_items, failed_items: res.failed_items };
    });

  route(r, { method: 'post', path: '/api/queue/start', access: 'admin', summary: 'Start queue processing', tags, responses: { 200: s.Message } }, async () => {
    await service.startQueue(deps);
    return { status: 'success' as const, message: 'Queue processing started' };
  });
  route(r, { method: 'post', path: '/api/queue/stop', access: 'admin', summary: 'Stop starting new downloads (running ones finish)', tags, responses: { 200: s.Message } }, async () => {
    await service.stopQueue(deps);
    return { status: 'success' as const, message: 'Queue processing stopped (current download will continue)' };
  });
  route(r, { method: 'post', path: '/api/queue/pause', access: 'admin', summary: 'Pause queue processing (alias for stop)', tags, responses: { 200: s.Message } }, async () => {
    await service.stopQueue(deps, true);
    return { status: 'success' as const, message: 'Queue processing paused' };
  });

  for (const status of ['completed', 'failed', 'pending'] as const) {
    const verb = status === 'pending' ? 'Removed' : 'Cleared';
    route(r, { method: 'delete', path: `/api/queue/${status}`, access: 'admin', summary: `Clear ${status} items`, tags, responses: { 200: s.CountResponse } }, async () => {
      const count = await service.clearItems(deps, status);
      return { status: 'success' as const, message: `${verb} ${count} ${status} item(s)`, count };
    });
  }

  route(r, { method: 'delete', path: '/api/queue/:item_id', access: 'user', summary: 'Remove one item (cancels it when active)', tags, params: s.ItemParams, responses: { 204: null } },
    async ({ params, user }) => {
      await assertMayChange(deps, user, [params.item_id]);
      if ((await service.removeItems(deps, [params.item_id])) === 0) throw new NotFound(`Download item ${params.item_id} not found`);
    });
  route(r, { method: 'patch', path: '/api/queue/:item_id', access: 'user', summary: 'Change the priority of a pending item (moves it in the queue order)', tags,
    params: s.ItemParams, body: s.PriorityBody, responses: { 200: s.PriorityResponse, 404: null, 409: null } },
  async ({ params, body, user }) => {
    await assertMayChange(deps, user, [params.item_id]);
    const item = await changePriority(deps, params.item_id, body.priority);
    return { status: 'success' as const, message: `Priority of ${item.serie_name} S${item.episode.season}E${item.episode.episode} set to ${item.priority}`, item };
  });
  route(r, { method: 'delete', path: '/api/queue', access: 'user', summary: 'Remove several items', tags, body: s.NonEmptyIdsBody, responses: { 204: null } },
    async ({ body, user }) => {
      await assertMayChange(deps, user, body.item_ids);
      await service.removeItems(deps, body.item_ids);
    });

  route(r, { method: 'post', path: '/api/queue/reorder', access: 'admin', summary: 'Reorder pending items', tags, body: s.NonEmptyIdsBody, responses: { 200: s.Message } },
    async ({ body }) => {
      const n = await service.reorderItems(deps, body.item_ids);
      return { status: 'success' as const, message: `Queue reordered with ${n} items` };
    });
  route(r, { method: 'post', path: '/api/queue/retry', access: 'user', summary: 'Retry failed items (all when item_ids is empty)', tags, body: s.IdsBody, responses: { 200: s.RetryResponse } },
    async ({ body, user }) => {
      const scope = await retryScope(deps, user, body.item_ids);
      const ids = scope ? await service.retryItems(deps, scope) : [];
      return { status: 'success' as const, message: `Retrying ${ids.length} failed item(s)`, retried_count: ids.length, retried_ids: ids };
    });
  return r;
}
