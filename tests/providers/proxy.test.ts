import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { AniworldProvider } from '../../backend/src/providers/aniworld/provider.js';
import { ProviderUnavailable } from '../../backend/src/providers/errors.js';

let fake: FakeAniworld;
let proxy: http.Server;
let proxyUrl: string;
let closedPort: number;
const tunnels: string[] = [];

beforeAll(async () => {
  fake = await startFakeAniworld({ series: [simpleSeries('one-piece', 'One Piece', { 1: 2 })] });
  const fakePort = Number(new URL(fake.url).port);
  // a CONNECT proxy that sends every tunnel to the fake: the site is only reachable through it
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const upstream = net.connect(fakePort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // the "blocked" site address: a port where nothing listens (no DNS lookups in tests)
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
  await fake?.close();
});

const make = (p: string | null) =>
  new AniworldProvider({
    id: 'aniworld',
    baseUrl: `http://127.0.0.1:${closedPort}`,
    extraDomains: [],
    userAgent: 'TestUA/1.0',
    proxy: p,
    timeoutMs: 2000,
    retries: 0,
    perHostConcurrency: 4,
  });

describe('provider HTTP proxy', () => {
  it('reaches a site that is unreachable directly through the configured proxy, and fails clearly without it', async () => {
    const direct = make(null);
    const err = await direct.search('one').catch((e) => e);
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(err.message).toMatch(/^ProviderUnavailable: aniworld is unreachable/);
    await direct.close();

    const viaProxy = make(proxyUrl);
    const hits = await viaProxy.search('one');
    expect(hits.map((h) => h.key)).toEqual(['one-piece']);
    expect(tunnels[0]).toBe(`127.0.0.1:${closedPort}`);
    await viaProxy.close();
  });
});
