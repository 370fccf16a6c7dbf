import http from 'node:http';

/** One request a fake received. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeReceiver {
  url: string;
  received: Received[];
  /** Requests whose path starts with the prefix. */
  at(prefix: string): Received[];
  /** The next `n` requests to paths starting with `prefix` answer 500. */
  failNext(prefix: string, n?: number): void;
  close(): Promise<void>;
}

export type Responder = (r: Received) => { status?: number; body?: unknown } | undefined;

/**
 * A loopback HTTP server that records every request and answers 200 (or what `respond` says):
 * the webhook, Discord, ntfy, Gotify and Apprise fakes, and the base of the media-server fakes.
 */
export async function startReceiver(respond: Responder = () => undefined): Promise<FakeReceiver> {
  const received: Received[] = [];
  const failing = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const r: Received = {
        method: req.method ?? '',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      for (const [prefix, n] of failing) {
        if (n > 0 && r.path.startsWith(prefix)) {
          failing.set(prefix, n - 1);
          res.writeHead(500).end('try again');
          return;
        }
      }
      const answer = respond(r) ?? {};
      const body = answer.body === undefined ? '{}' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    received,
    at: (prefix) => received.filter((r) => r.path.startsWith(prefix)),
    failNext: (prefix, n = 1) => {
      failing.set(prefix, n);
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Kodi's JSON-RPC endpoint (`POST /jsonrpc`). */
export const startFakeKodi = () =>
  startReceiver((r) => {
    if (r.path !== '/jsonrpc') return { status: 404 };
    const call = JSON.parse(r.body) as { id: number; method: string };
    return { body: { jsonrpc: '2.0', id: call.id, result: 'OK' } };
  });

/** Jellyfin / Emby: `POST /Library/Media/Updated` answers 204 with the right token only. */
export const startFakeJellyfin = (token: string) =>
  startReceiver((r) => {
    if (r.headers['x-emby-token'] !== token) return { status: 401 };
    return r.path === '/Library/Media/Updated' ? { status: 204, body: '' } : { status: 404 };
  });

/** Plex: `GET /library/sections` lists the sections with their folders; refresh by path. */
export const startFakePlex = (token: string, sections: { key: string; path: string }[]) =>
  startReceiver((r) => {
    if (r.headers['x-plex-token'] !== token) return { status: 401 };
    if (r.path === '/library/sections') {
      return {
        body: { MediaContainer: { Directory: sections.map((s) => ({ key: s.key, type: 'show', Location: [{ id: 1, path: s.path }] })) } },
      };
    }
    return /^\/library\/sections\/[^/]+\/refresh$/.test(r.path) ? { body: '' } : { status: 404 };
  });
