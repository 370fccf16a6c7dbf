import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import proxyAddr from 'proxy-addr';

const strip = (ip: string) => ip.replace(/^::ffff:/, '');

/**
 * TRUSTED_PROXIES (addresses and CIDR ranges, e.g. 172.16.0.0/12) as proxy-addr's matcher, compiled per
 * call (tens of µs, only when the list is set): no memo outlives the app that passed the list.
 */
const trustOf = (trusted: readonly string[]) => proxyAddr.compile([...trusted]);

/** A bad TRUSTED_PROXIES entry, for the start-up check (null when all parse). */
export function trustedProxiesProblem(trusted: readonly string[]): string | null {
  try {
    proxyAddr.compile([...trusted]);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The client's address: X-Forwarded-For hops count only while each sender is a trusted proxy (proxy-addr). */
export function clientAddress(req: IncomingMessage, trusted: readonly string[]): string {
  if (trusted.length === 0) return strip(req.socket.remoteAddress ?? 'unknown');
  return strip(proxyAddr(req, trustOf(trusted)));
}

/** Whether the request came through a trusted proxy (its direct peer is one). */
export function viaTrustedProxy(req: IncomingMessage, trusted: readonly string[]): boolean {
  return trusted.length > 0 && trustOf(trusted)(req.socket.remoteAddress ?? '', 0);
}

export function clientIp(ctx: Context, trusted: readonly string[]): string {
  return clientAddress(ctx.req, trusted);
}

/** 127.0.0.0/8 or ::1 (IPv4-mapped too): the client address itself, never a forwarded one. */
export function isLoopback(address: string | undefined): boolean {
  const a = strip(address ?? '');
  return a === '::1' || /^127\./.test(a);
}
