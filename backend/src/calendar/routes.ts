import { z } from 'zod';
import type { Deps } from '../deps.js';
import { queryBool, route, ApiRouter } from '../http/route.js';
import { icsCalendar } from './ical.js';
import { addDays, calendar, today } from './service.js';

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a real date');

const Entry = z.object({
  series_key: z.string(),
  series_name: z.string(),
  season: z.number().int(),
  episode: z.number().int(),
  title: z.string().nullable(),
  air_date: z.string().describe('YYYY-MM-DD'),
  status: z.enum(['downloaded', 'missing', 'airing_today', 'upcoming']),
  source: z.enum(['tmdb', 'provider']).describe('where the date comes from: TMDB, or the day a provider first listed the episode'),
});

export function calendarRoutes(deps: Pick<Deps, 'env' | 'db' | 'settings' | 'clock'>): ApiRouter {
  const r = new ApiRouter();
  const tags = ['calendar'];

  route(
    r,
    {
      method: 'get',
      path: '/api/calendar',
      tags,
      access: 'user',
      summary: 'Dated episodes of library series from start to end (default: a week back, four weeks ahead) with their status',
      query: z.object({
        start: Day.optional().describe('first day (YYYY-MM-DD, server time zone)'),
        end: Day.optional().describe('last day, inclusive (at most 400 days after start)'),
        unmonitored: queryBool.optional().describe('also unmonitored series and episodes'),
      }),
      responses: { 200: z.object({ today: z.string(), start: z.string(), end: z.string(), episodes: z.array(Entry) }) },
    },
    async ({ query }) => {
      const now = today(deps);
      const start = query.start ?? addDays(now, -7);
      const end = query.end ?? addDays(start, 35);
      return { today: now, start, end, episodes: await calendar(deps, start, end, query.unmonitored ?? false) };
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/feed/calendar.ics',
      tags,
      access: 'user',
      summary:
        'The calendar as an iCal (RFC 5545) feed for calendar apps; authorised by the key in the query (the only place ' +
        'a key may be in a URL)',
      query: z.object({
        apikey: z
          .string()
          .min(1)
          .max(4096)
          .optional()
          .describe('an API key (Settings → API keys); the only place a key is accepted in a URL'),
        pastDays: z.coerce.number().int().min(0).max(365).default(7),
        futureDays: z.coerce.number().int().min(0).max(365).default(28),
        unmonitored: queryBool.optional(),
      }),
      responses: { 200: z.string().describe('text/calendar') },
    },
    async ({ query, ctx }) => {
      const now = today(deps);
      const entries = await calendar(deps, addDays(now, -query.pastDays), addDays(now, query.futureDays), query.unmonitored ?? false);
      ctx.type = 'text/calendar; charset=utf-8';
      ctx.set('Cache-Control', 'private, max-age=300');
      ctx.body = icsCalendar(entries, deps.clock.now(), 'aniworld', deps.settings.get().name);
    },
  );

  return r;
}
