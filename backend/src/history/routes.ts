import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { setTotal } from '../http/paging.js';
import { PageQuery } from '../http/schema.js';
import { HISTORY_TYPES } from '../rules/history.js';
import { listHistory, type AttemptSource, type HistoryQuery } from './service.js';

const Row = z.object({
  id: z.string().describe('e<n>: a history event; a<n>s / a<n>e: the start / end of download attempt n'),
  at: z.string(),
  event: z.enum(HISTORY_TYPES),
  series_key: z.string().nullable(),
  series_name: z.string().nullable(),
  season: z.number().nullable(),
  episode: z.number().nullable(),
  user: z.string().nullable().describe('who did it (null: the system: rescan, watchlist, schedule)'),
  data: z
    .record(z.unknown())
    .describe(
      'download_*: hoster, language, source_url, queued_by; completed: file, bytes, duration_seconds, ' +
        'bytes_per_second; failed: reason, error_class. queued: queued_by, priority, item_id',
    ),
});
const Page = z.object({
  items: z.array(Row),
  page: z.number(),
  per_page: z.number(),
  total: z.number().describe('rows matching the filters, on every page (also in X-Total-Count)'),
  has_more: z.boolean().describe('a later page holds more rows'),
});

const Filters = PageQuery.extend({
  event: z
    .string()
    .max(500)
    .optional()
    .describe(`comma-separated: ${HISTORY_TYPES.join(', ')}`)
    .refine((v) => !v || v.split(',').every((e) => (HISTORY_TYPES as readonly string[]).includes(e)), 'unknown event type'),
  user: z.string().min(1).max(100).optional().describe('user name'),
  since: z.string().datetime({ offset: true }).optional().describe('from this instant (ISO 8601)'),
  until: z.string().datetime({ offset: true }).optional().describe('before this instant'),
  sort: z.enum(['newest', 'oldest']).default('newest'),
});

function toQuery(q: z.infer<typeof Filters>, seriesKey?: string): HistoryQuery {
  return {
    page: q.page,
    perPage: q.per_page,
    seriesKey,
    user: q.user,
    sort: q.sort,
    events: q.event ? (q.event.split(',') as HistoryQuery['events']) : undefined,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
  };
}

/** What the history reads from parts above it, handed over by the composition root (app.ts). */
export interface HistoryParts {
  /** The downloads' attempts (downloads/attemptLog.ts). */
  attempts: AttemptSource;
  /** Throws NotFound unless the library holds the series (library/service.ts requireSeries). */
  requireSeries(key: string): Promise<unknown>;
}

export function historyRoutes(deps: Pick<Deps, 'db' | 'settings' | 'clock'>, parts: HistoryParts): ApiRouter {
  const r = new ApiRouter();
  const tags = ['history'];

  route(
    r,
    {
      method: 'get',
      path: '/api/history',
      tags,
      access: 'user',
      summary:
        'What happened: queued, each download attempt (started, completed, failed), series added/removed, files ' +
        'imported/deleted, NFOs written',
      query: Filters.extend({ series: z.string().min(1).max(200).optional().describe('series key') }),
      totalCount: true,
      responses: { 200: Page },
    },
    async ({ query, ctx }) => {
      const page = await listHistory(deps, parts.attempts, toQuery(query, query.series));
      setTotal(ctx, page.total);
      return { ...page, page: query.page, per_page: query.per_page };
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/anime/:key/history',
      tags,
      access: 'user',
      summary: 'The history of one series',
      params: z.object({ key: z.string().min(1).max(200) }),
      query: Filters,
      totalCount: true,
      responses: { 200: Page },
    },
    async ({ params, query, ctx }) => {
      await parts.requireSeries(params.key);
      const page = await listHistory(deps, parts.attempts, toQuery(query, params.key));
      setTotal(ctx, page.total);
      return { ...page, page: query.page, per_page: query.per_page };
    },
  );

  return r;
}
