/**
 * The built UI's first page: the entry and the chunks it imports statically (Vite's manifest). Texts of
 * languages other than English are chunks of their own, fetched only when shown (i18n/index.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtUi } from './builtUi.js';
import de from '../../frontend/src/i18n/de.ts';
import en from '../../frontend/src/i18n/en.ts';

interface Chunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

const ROOT = path.resolve(import.meta.dirname, '../..');
let UI_DIST = '';
beforeAll(async () => {
  UI_DIST = await builtUi();
});

const manifest = () => JSON.parse(fs.readFileSync(path.join(UI_DIST, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>;

/** The manifest keys of the chunks a first page load runs: the entry and everything it imports statically. */
function firstLoad(m: Record<string, Chunk>): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const k of m[key].imports ?? []) visit(k);
  };
  for (const [key, chunk] of Object.entries(m)) if (chunk.isEntry) visit(key);
  return seen;
}

describe('the first bundle', () => {
  it('holds the English texts but not the German ones: those are a chunk loaded when German is shown', () => {
    const m = manifest();
    const first = firstLoad(m);
    expect(first.size).toBeGreaterThan(0);
    expect(m['src/i18n/de.ts'], 'German is a chunk of its own').toBeDefined();
    expect(first).not.toContain('src/i18n/de.ts');
    expect(Object.values(m).some((c) => c.dynamicImports?.includes('src/i18n/de.ts'))).toBe(true);
    const code = [...first].map((k) => fs.readFileSync(path.join(UI_DIST, m[k].file), 'utf8')).join('\n');
    // a text each language has its own words for
    expect(en['nav.settings']).not.toBe(de['nav.settings']);
    expect(code).toContain(JSON.stringify(en['nav.settings']).slice(1, -1));
    expect(code).not.toContain(JSON.stringify(de['nav.settings']).slice(1, -1));
    expect(fs.readFileSync(path.join(UI_DIST, m['src/i18n/de.ts'].file), 'utf8')).toContain(de['nav.settings']);
  });

  it('holds the texts compiled, without the message compiler of vue-i18n', () => {
    const m = manifest();
    const code = [...firstLoad(m)].map((k) => fs.readFileSync(path.join(UI_DIST, m[k].file), 'utf8')).join('\n');
    // a plural with placeholders: its words are there, its source syntax is not (it was compiled at build time)
    const plural = en['library.missingBadge'];
    expect(plural).toMatch(/^\{n\} .+ \| \{n\} .+$/);
    expect(code).toContain(JSON.stringify(plural.split(' | ')[1].slice('{n}'.length)));
    expect(code).not.toContain(plural);
    // the message compiler's tokenizer names its errors' domain so; the runtime never does
    const compiler = fs.readFileSync(path.join(ROOT, 'node_modules/@intlify/message-compiler/dist/message-compiler.mjs'), 'utf8');
    expect(compiler).toContain("= 'tokenizer'");
    expect(code).not.toContain('"tokenizer"');
  });

  it("inlines the small boot script first, before the app's stylesheet and code, and the app does not carry it again", () => {
    const m = manifest();
    expect(m['src/boot.ts'], 'the boot script is no chunk of the app').toBeUndefined();
    const html = fs.readFileSync(path.join(UI_DIST, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script data-boot>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    const [boot] = scripts;
    const code = boot[1];
    // it runs as the HTML is read: nothing to import, small
    expect(code).not.toMatch(/\bimport\s*[({'"]/);
    expect(code.length).toBeLessThan(10_000);
    expect(code).toContain('/api/auth/refresh');
    expect(boot.index!).toBeLessThan(html.indexOf('<link rel="stylesheet"'));
    expect(boot.index!).toBeLessThan(html.indexOf('<script type="module"'));
    // the app reads its answers (bootAnswers.ts), it does not send the load's refresh a second time
    const app = [...firstLoad(m)].map((k) => fs.readFileSync(path.join(UI_DIST, m[k].file), 'utf8')).join('\n');
    expect(app).toContain('__aniworldBoot');
    expect(app).not.toContain('setTimeout(()=>{try{new Intl.NumberFormat');
  });

  it('lists, for every page of the router, the code it needs beyond index.html, and those files exist', () => {
    const m = manifest();
    const preloads = JSON.parse(fs.readFileSync(path.join(UI_DIST, 'page-preloads.json'), 'utf8')) as Record<
      string,
      { js: string[]; css: string[] }
    >;
    const routes = fs.readFileSync(path.join(ROOT, 'frontend/src/pages/routes.ts'), 'utf8');
    const paths = [...routes.matchAll(/\{ path: '([^']+)'/g)].map(([, p]) => p);
    expect(Object.keys(preloads).sort()).toEqual([...paths].sort());
    expect(preloads['/queue'].js).toContain(m['src/pages/QueuePage.vue'].file);
    expect(preloads['/'].js).toContain(m['src/pages/LibraryPage.vue'].file);
    expect(preloads['/series/:key'].js).toContain(m['src/pages/SeriesPage.vue'].file);
    const first = new Set([...firstLoad(m)].map((k) => m[k].file));
    for (const { js, css } of Object.values(preloads)) {
      for (const f of [...js, ...css]) expect(fs.existsSync(path.join(UI_DIST, f)), f).toBe(true);
      // what index.html loads already is not named again
      for (const f of js) expect(first.has(f), f).toBe(false);
    }
  });
});
