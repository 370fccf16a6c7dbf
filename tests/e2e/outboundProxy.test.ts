/**
 * The test browser reaches nothing but this machine: its traffic goes through tests/e2e/loopbackProxy.ts,
 * which refuses other hosts and reports them to the outbound guard (which fails the test).
 * 10.255.255.1 is private and unrouted here and .invalid never resolves, so a broken guard sends nothing.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { takeBlocked } from '../helpers/outboundGuard.js';
import { launchBrowser } from './browser.js';

let browser: Browser;
let site: http.Server;
let origin: string;

beforeAll(async () => {
  site = http.createServer((req, res) => {
    if (req.url === '/data')
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end('{"from":"loopback"}');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title><p>page</p>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(site.address() as net.AddressInfo).port}`;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  site?.close();
});

describe('outbound requests from the test browser', () => {
  it("a page's request to another host is refused and reported with its host; loopback works", async () => {
    const page = await browser.newPage();
    await page.goto(origin + '/');
    const outcome = (url: string) =>
      page.evaluate(
        (u) =>
          fetch(u).then(
            (r) => `status ${r.status}`,
            () => 'failed',
          ),
        url,
      );
    // plain HTTP is answered by the proxy with a 403 (no CORS header, so the page sees a failure)
    expect(await outcome('http://example.invalid/x')).toBe('failed');
    // HTTPS asks for a tunnel, which is refused
    expect(await outcome('https://10.255.255.1/y')).toBe('failed');
    expect(takeBlocked()).toEqual([
      'example.invalid\nfrom Chromium through the test proxy: GET http://example.invalid/x',
      '10.255.255.1:443\nfrom Chromium through the test proxy: CONNECT 10.255.255.1:443',
    ]);

    expect(await page.evaluate((u) => fetch(u).then((r) => r.json()), origin + '/data')).toEqual({ from: 'loopback' });
    const localhost = origin.replace('127.0.0.1', 'localhost');
    expect(await outcome(localhost + '/data')).toBe('status 200');
    expect(takeBlocked()).toEqual([]);
    await page.close();
  });

  it("a page's image from another host is refused too", async () => {
    const page = await browser.newPage();
    await page.goto(origin + '/');
    await page.setContent('<img src="http://10.255.255.1:8080/pic.png" alt="">', { waitUntil: 'load' });
    expect(takeBlocked()).toEqual(['10.255.255.1:8080\nfrom Chromium through the test proxy: GET http://10.255.255.1:8080/pic.png']);
    await page.close();
  });
});
