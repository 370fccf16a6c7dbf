import type http from 'node:http';
import type { Logger } from '../log.js';
import { BASE_HEADERS, requestIdFrom } from '../http/middleware.js';
import type { DbAvailability } from '../db/availability.js';

/**
 * `GET /health` answered before Koa: monitors and container health checks call it every few
 * seconds, and it needs nothing Koa adds (no auth, no body, no rate limit). The answer is the
 * one the Koa route gives (same body, request id and security headers); every other form of the
 * path (`/api/health`, `/health/`, other methods) still goes through Koa. While the database is
 * unreachable (its last known state: no query is made here) the answer is 503 `unhealthy`.
 */
export function healthFastPath(version: string, accessLog: Logger, db: DbAvailability) {
  return (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const url = req.url ?? '';
    if (url !== '/health' && !url.startsWith('/health?')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const start = performance.now();
    const id = requestIdFrom(req.headers['x-request-id']);
    const healthy = db.healthy;
    const status = healthy ? 200 : 503;
    const body =
      `{"status":"${healthy ? 'healthy' : 'unhealthy'}",` +
      `"timestamp":"${new Date().toISOString()}","version":${JSON.stringify(version)}}`;
    const headers: [string, string][] = [
      ['X-Request-Id', id],
      ...BASE_HEADERS,
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Content-Length', String(Buffer.byteLength(body))],
    ];
    res.writeHead(status, headers.flat());
    res.end(req.method === 'HEAD' ? undefined : body);
    if (accessLog.isLevelEnabled('debug')) {
      accessLog.debug(
        { method: req.method, url: '/health', status, ms: Math.round((performance.now() - start) * 10) / 10, request_id: id },
        'request',
      );
    }
    return true;
  };
}
