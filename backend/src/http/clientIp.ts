import type { Context } from 'koa';

const strip = (ip: string) => ip.replace(/^::ffff:/, '');

/** The client's address: X-Forwarded-For counts only when the direct peer is a trusted proxy. */
export function clientIp(ctx: Context, trusted: readonly string[]): string {
  const peer = strip(ctx.req.socket.remoteAddress ?? 'unknown');
  if (trusted.length === 0 || !trusted.includes(peer)) return peer;
  const chain = (ctx.get('X-Forwarded-For') || '').split(',').map((s) => strip(s.trim())).filter(Boolean);
  // walk from the nearest hop back, skipping our own trusted proxies
  for (let i = chain.length - 1; i >= 0; i--) if (!trusted.includes(chain[i])) return chain[i];
  return peer;
}
