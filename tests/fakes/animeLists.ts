/**
 * Fake AniList (GraphQL, POST /) and MyAnimeList (public list JSON, GET
 * /animelist/<user>/load.json?status=&offset=) on 127.0.0.1. Point the product at them with env
 * ANILIST_URL / MYANIMELIST_URL.
 *
 *   lists.anilist.set('alice', { CURRENT: [media...], PLANNING: [...] })   // AniList media shape
 *   lists.mal.set('bob', { 1: [rows...], 6: [...] })                       // 1 watching, 6 plan to watch
 *   lists.hugeMal('huge')      // that MAL user's list answers 5 MiB of JSON
 *   lists.requests             // 'anilist alice CURRENT 1', 'mal bob 6 0', ...
 */
import http from 'node:http';

export interface AniListMedia {
  id: number;
  title: { english: string | null; romaji: string | null; native: string | null };
  synonyms?: string[];
  startDate?: { year: number | null };
}

export interface MalRow {
  anime_id: number;
  anime_title: string;
  anime_title_eng?: string;
  anime_start_date_string?: string;
}

export interface FakeAnimeLists {
  anilistUrl: string;
  malUrl: string;
  anilist: Map<string, Partial<Record<'CURRENT' | 'PLANNING', AniListMedia[]>>>;
  mal: Map<string, Partial<Record<1 | 6, MalRow[]>>>;
  hugeMal(user: string): void;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeAnimeLists(): Promise<FakeAnimeLists> {
  const anilist = new Map<string, Partial<Record<'CURRENT' | 'PLANNING', AniListMedia[]>>>();
  const mal = new Map<string, Partial<Record<1 | 6, MalRow[]>>>();
  const huge = new Set<string>();
  const requests: string[] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'POST' && url.pathname === '/anilist') {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const { query, variables } = JSON.parse(raw) as {
          query: string;
          variables: { user: string; status: 'CURRENT' | 'PLANNING'; page: number };
        };
        requests.push(`anilist ${variables.user} ${variables.status} ${variables.page}`);
        if (!/mediaList\(userName: \$user, type: ANIME, status: \$status\)/.test(query))
          return json(res, 400, { errors: [{ message: 'Unexpected query', status: 400 }], data: null });
        const lists = anilist.get(variables.user);
        if (!lists) return json(res, 404, { errors: [{ message: 'User not found', status: 404 }], data: { Page: null } });
        const perPage = Number(/perPage: (\d+)/.exec(query)?.[1] ?? 50);
        const all = lists[variables.status] ?? [];
        const slice = all.slice((variables.page - 1) * perPage, variables.page * perPage);
        json(res, 200, {
          data: {
            Page: { pageInfo: { hasNextPage: variables.page * perPage < all.length }, mediaList: slice.map((media) => ({ media })) },
          },
        });
      });
      return;
    }
    const m = /^\/mal\/animelist\/([^/]+)\/load\.json$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const user = decodeURIComponent(m[1]);
      const status = Number(url.searchParams.get('status')) as 1 | 6;
      const offset = Number(url.searchParams.get('offset') ?? 0);
      requests.push(`mal ${user} ${status} ${offset}`);
      if (huge.has(user)) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`[${Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ anime_id: i, anime_title: 'x'.repeat(80) })).join(',')}]`);
        return;
      }
      const lists = mal.get(user);
      if (!lists) return json(res, 400, { errors: [{ message: 'invalid request' }] });
      return json(res, 200, (lists[status] ?? []).slice(offset, offset + 300));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    anilistUrl: `http://127.0.0.1:${port}/anilist`,
    malUrl: `http://127.0.0.1:${port}/mal`,
    anilist,
    mal,
    requests,
    hugeMal: (user) => {
      huge.add(user);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
