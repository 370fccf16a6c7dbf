/**
 * The HTTP proxy every test browser goes through (loopback included): it forwards requests and
 * tunnels (CONNECT, WebSocket upgrades) to 127.0.0.1, localhost or ::1 and refuses anything else
 * with a 403, reporting the host to the outbound guard, which fails the test it happened in. So a
 * page of the product, or Chromium itself, that calls out of the machine fails the suite the same
 * way a connection from the test process does.
 */
import http from 'node:http';
import net from 'node:net';
import { reportBlocked } from '../helpers/outboundGuard.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
// hop-by-hop headers meant for the proxy, not for the server behind it
const PROXY_HEADERS = new Set(['proxy-connection', 'proxy-authorization', 'keep-alive']);

export interface LoopbackProxy {
  /** http://127.0.0.1:<port>, for Playwright's `proxy.server`. */
  url: string;
  close(): Promise<void>;
}

function refuse(what: string, how: string): void {
  reportBlocked(what, `from Chromium through the test proxy: ${how}`);
}

function forwardedHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !PROXY_HEADERS.has(name)));
}

/** An upgrade request (a WebSocket) as raw bytes in origin form, for the server behind the proxy. */
function rawRequest(req: http.IncomingMessage, path: string): string {
  const lines = [`${req.method} ${path} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!PROXY_HEADERS.has(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}

export async function startLoopbackProxy(): Promise<LoopbackProxy> {
  const tunnels = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    tunnels.add(s);
    s.on('close', () => tunnels.delete(s));
    s.on('error', () => s.destroy());
  };
  const tunnel = (client: net.Socket, host: string, port: number, first: string | null, head: Buffer) => {
    track(client);
    const upstream = net.connect(port, host.replace(/^\[|\]$/g, ''));
    track(upstream);
    upstream.on('connect', () => {
      if (first === null) client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      else upstream.write(first);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).on('finish', () => client.destroy());
      client.pipe(upstream);
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  };

  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('the test proxy takes absolute URLs only');
      return;
    }
    if (!LOOPBACK.has(target.hostname)) {
      refuse(target.host || target.hostname, `${req.method} ${target.href}`);
      res.writeHead(403, { 'content-type': 'text/plain' }).end('outbound request refused by the test proxy');
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || 80,
        method: req.method,
        path: target.pathname + target.search,
        headers: forwardedHeaders(req.headers),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!match || !LOOPBACK.has(match[1])) {
      refuse(req.url ?? '?', `CONNECT ${req.url}`);
      client.on('error', () => undefined);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnel(client, match[1], Number(match[2]), null, head);
  });

  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    let target: URL | null = null;
    try {
      target = new URL(req.url ?? '');
    } catch {
      /* not absolute: refused below */
    }
    if (!target || !LOOPBACK.has(target.hostname)) {
      refuse(target?.host ?? String(req.url), `${req.method} ${req.url} (upgrade)`);
      client.on('error', () => undefined);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnel(client, target.hostname, Number(target.port || 80), rawRequest(req, target.pathname + target.search), head);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of tunnels) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
