/**
 * The document the server answers for the UI's paths: it names the code of the page at that path
 * (modulepreload links, so that code loads beside the app's), and its policy allows the inline boot
 * script by its hash and no other inline script.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { builtUi } from './builtUi.js';
import { startUiServer } from './browser.js';

let srv: TestServer;
let dist = '';
beforeAll(async () => {
  dist = await builtUi();
  srv = await startUiServer();
});
afterAll(async () => {
  await srv?.stop();
});

const manifest = () =>
  JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, { file: string; css?: string[] }>;
const preloaded = (html: string) => [...html.matchAll(/<link rel="modulepreload" crossorigin href="\/([^"]+)">/g)].map(([, f]) => f);

describe('the UI document', () => {
  it('loads the opening page in few files: a browser opens 6 connections to a host, and the session waits behind more', async () => {
    for (const route of ['/queue', '/']) {
      const html = await (await fetch(`${srv.url}${route}`)).text();
      const files = [...html.matchAll(/<(?:script[^>]* src|link rel="(?:modulepreload|stylesheet)"[^>]* href)="\/assets\//g)];
      // 16 files before small shared chunks were merged into others (experimentalMinChunkSize)
      expect(files.length, route).toBeLessThanOrEqual(10);
    }
  });

  it("names the opening page's code and styles for its path, parameters included", async () => {
    const m = manifest();
    const queue = await fetch(`${srv.url}/queue`);
    expect(queue.status).toBe(200);
    expect(queue.headers.get('content-type')).toMatch(/^text\/html/);
    expect(queue.headers.get('cache-control')).toBe('no-cache');
    const html = await queue.text();
    expect(preloaded(html)).toContain(m['src/pages/QueuePage.vue'].file);
    for (const css of m['src/pages/QueuePage.vue'].css ?? []) expect(html).toContain(`<link rel="stylesheet" crossorigin href="/${css}">`);
    expect(preloaded(await (await fetch(`${srv.url}/queue/`)).text())).toContain(m['src/pages/QueuePage.vue'].file);
    expect(preloaded(await (await fetch(`${srv.url}/series/some-show`)).text())).toContain(m['src/pages/SeriesPage.vue'].file);
    const library = preloaded(await (await fetch(`${srv.url}/`)).text());
    expect(library).toContain(m['src/pages/LibraryPage.vue'].file);
    expect(library).not.toContain(m['src/pages/QueuePage.vue'].file);
    // a path of no page gets the plain document (the router sends it on)
    const other = await (await fetch(`${srv.url}/no/such/page`)).text();
    expect(other).toBe(fs.readFileSync(path.join(dist, 'index.html'), 'utf8'));
    // a query string does not change the page
    expect(preloaded(await (await fetch(`${srv.url}/queue?x=1`)).text())).toContain(m['src/pages/QueuePage.vue'].file);
  });

  it('allows the inline boot script by its hash, and no other inline script', async () => {
    const res = await fetch(`${srv.url}/queue`);
    const html = await res.text();
    const [, code] = /<script data-boot>([\s\S]*?)<\/script>/.exec(html)!;
    const hash = crypto.createHash('sha256').update(code, 'utf8').digest('base64');
    const scriptSrc = res.headers
      .get('content-security-policy')!
      .split('; ')
      .find((d) => d.startsWith('script-src '));
    expect(scriptSrc).toBe(`script-src 'self' 'sha256-${hash}'`);
    // the API's answers keep their own, stricter policy
    const api = await fetch(`${srv.url}/api/auth/status`);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("serves the build's assets as they are on disk, cached for good, and nothing outside the assets folder", async () => {
    const m = manifest();
    const file = m['src/pages/QueuePage.vue'].file;
    for (let i = 0; i < 2; i++) {
      // the second answer comes from memory: the same bytes
      const res = await fetch(`${srv.url}/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(dist, file)))).toBe(true);
    }
    const css = m['src/pages/QueuePage.vue'].css![0];
    expect((await fetch(`${srv.url}/${css}`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${srv.url}/assets/no-such-file.js`)).status).toBe(404);
    expect((await fetch(`${srv.url}/favicon.svg`)).headers.get('content-type')).toMatch(/^image\/svg/);
    // a file beside the build is out of reach, by any spelling of the way up and by a link in the build
    const secret = `outside-${process.pid}.js`;
    fs.writeFileSync(path.join(dist, '..', secret), 'secret');
    const link = path.join(dist, 'assets', `link-${process.pid}.js`);
    fs.symlinkSync(path.join(dist, '..', secret), link);
    const topLink = path.join(dist, `link-${process.pid}.js`);
    fs.symlinkSync(path.join(dist, '..', secret), topLink);
    try {
      for (const p of [
        `/assets/..%2F..%2F${secret}`,
        `/assets/%2e%2e/%2e%2e/${secret}`,
        `/assets/../../${secret}`,
        `/assets/${path.basename(link)}`,
        `/${path.basename(topLink)}`,
      ]) {
        const res = await fetch(`${srv.url}${p}`);
        expect(await res.text(), p).not.toBe('secret');
      }
    } finally {
      fs.rmSync(link);
      fs.rmSync(topLink);
      fs.rmSync(path.join(dist, '..', secret));
    }
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await fetch(`${srv.url}/queue`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe('');
  });
});
