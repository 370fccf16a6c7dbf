import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';

/** Search results' covers, fetched through the server from the provider hosts (the CSP allows no remote image). */
export function coverRoutes(deps: Pick<Deps, 'covers'>): ApiRouter {
  const r = new ApiRouter();
  route(
    r,
    {
      method: 'get',
      path: '/api/anime/search/cover',
      access: 'user',
      summary: "A search result's cover through the server (provider hosts only)",
      tags: ['anime'],
      query: z.object({ url: z.string().min(1).max(2000) }),
      responses: { 200: null, 400: null, 404: null, 502: null },
    },
    async ({ query, ctx }) => {
      const cover = await deps.covers.get(query.url);
      ctx.set('Cache-Control', 'private, max-age=86400');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.type = cover.type;
      ctx.body = cover.body;
    },
  );
  return r;
}
