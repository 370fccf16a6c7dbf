import { z } from 'zod';
import type { CheckCtx } from './checker.js';
import { route, ApiRouter } from '../http/route.js';
import { NotFound } from '../errors.js';
import { setTotal } from '../http/paging.js';
import { PageQuery } from '../http/schema.js';
import * as repo from './repo.js';
import { CheckResult, IdParams, Item, ItemCreate, ItemUpdate, SchedulerStatus, SettingsUpdate, Stats } from './schema.js';
import { checkOwnItem, createItem, ownItem, stats, toApi, updateItem } from './service.js';
import { getSettings, updateSettings, WatchlistSettings } from './settings.js';
import { applyWatchSchedule, queueDueChecks, setRunning, watchSchedulerStatus } from './scheduler.js';

const Message = z.object({ message: z.string() });

export function watchlistRoutes(deps: CheckCtx): ApiRouter {
  const r = new ApiRouter();
  const tags = ['watchlist'];

  // Fixed paths first, so `/api/watchlist/:id` never swallows them.
  route(
    r,
    {
      method: 'get',
      path: '/api/watchlist/settings',
      access: 'user',
      summary: 'Watchlist settings',
      tags,
      responses: { 200: WatchlistSettings },
    },
    () => getSettings(deps),
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/watchlist/settings',
      access: 'admin',
      summary: 'Update watchlist settings (admin)',
      tags,
      body: SettingsUpdate,
      responses: { 200: WatchlistSettings },
    },
    async ({ body }) => {
      const before = await getSettings(deps);
      const next = await updateSettings(deps, body);
      if (next.check_interval_hours !== before.check_interval_hours) await applyWatchSchedule(deps);
      return next;
    },
  );

  route(
    r,
    { method: 'get', path: '/api/watchlist/stats', access: 'user', summary: 'Your watchlist statistics', tags, responses: { 200: Stats } },
    ({ user }) => stats(deps, user),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/watchlist/check-all',
      access: 'user',
      summary: 'Check all your due items (in the background)',
      tags,
      responses: { 200: z.object({ message: z.string(), queued: z.number() }) },
    },
    async ({ user }) => {
      const queued = await queueDueChecks(deps, user.id);
      return { message: `${queued} watchlist item${queued === 1 ? '' : 's'} queued for checking`, queued };
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/watchlist/scheduler/status',
      access: 'user',
      summary: 'Watchlist scheduler status',
      tags,
      responses: { 200: SchedulerStatus },
    },
    () => watchSchedulerStatus(deps),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/watchlist/scheduler/start',
      access: 'admin',
      summary: 'Start the watchlist scheduler (admin)',
      tags,
      responses: { 200: SchedulerStatus.extend({ message: z.string() }) },
    },
    async () => {
      await setRunning(deps, true);
      return { message: 'Watchlist scheduler started', ...(await watchSchedulerStatus(deps)) };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/watchlist/scheduler/stop',
      access: 'admin',
      summary: 'Stop the watchlist scheduler (admin)',
      tags,
      responses: { 200: SchedulerStatus.extend({ message: z.string() }) },
    },
    async () => {
      await setRunning(deps, false);
      return { message: 'Watchlist scheduler stopped', ...(await watchSchedulerStatus(deps)) };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/watchlist',
      access: 'user',
      summary: 'Add an anime to your watchlist',
      tags,
      body: ItemCreate,
      responses: { 201: Item, 409: null, 422: null },
    },
    ({ body, user }) => createItem(deps, user, body),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/watchlist',
      access: 'user',
      summary: 'Your watchlist; the total in X-Total-Count',
      tags,
      query: PageQuery.extend({ status: z.enum(repo.STATUSES).optional() }),
      totalCount: true,
      responses: { 200: z.array(Item) },
    },
    async ({ query, user, ctx }) => {
      const { items, total } = await repo.listItems(deps.db, user.id, query.status ?? null, query);
      setTotal(ctx, total);
      return items.map(toApi);
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/watchlist/:id',
      access: 'user',
      summary: 'One of your watchlist items',
      tags,
      params: IdParams,
      responses: { 200: Item, 404: null },
    },
    async ({ params, user }) => toApi(await ownItem(deps, user, params.id)),
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/watchlist/:id',
      access: 'user',
      summary: 'Update one of your watchlist items',
      tags,
      params: IdParams,
      body: ItemUpdate,
      responses: { 200: Item, 404: null },
    },
    ({ params, body, user }) => updateItem(deps, user, params.id, body),
  );

  route(
    r,
    {
      method: 'delete',
      path: '/api/watchlist/:id',
      access: 'user',
      summary: 'Remove an item from your watchlist',
      tags,
      params: IdParams,
      responses: { 200: Message, 404: null },
    },
    async ({ params, user }) => {
      const item = await ownItem(deps, user, params.id);
      if (!(await repo.deleteItem(deps.db, item.id, user.id))) throw new NotFound(`Watchlist item ${params.id} not found`);
      return { message: `'${item.anime_title}' removed from your watchlist` };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/watchlist/:id/check',
      access: 'user',
      summary: 'Check one of your items for new episodes now',
      tags,
      params: IdParams,
      responses: { 200: CheckResult, 404: null, 409: null },
    },
    ({ params, user }) => checkOwnItem(deps, user, params.id),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/watchlist/:id/pause',
      access: 'user',
      summary: 'Pause tracking',
      tags,
      params: IdParams,
      responses: { 200: Item, 404: null },
    },
    ({ params, user }) => updateItem(deps, user, params.id, { status: 'paused' }),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/watchlist/:id/resume',
      access: 'user',
      summary: 'Resume tracking',
      tags,
      params: IdParams,
      responses: { 200: Item, 404: null },
    },
    ({ params, user }) => updateItem(deps, user, params.id, { status: 'active' }),
  );

  return r;
}
