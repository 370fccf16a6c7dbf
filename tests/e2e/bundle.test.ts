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

  it('names the small boot module first, as an async module of its own, and the app imports that same module', () => {
    const m = manifest();
    const boot = m['src/boot.ts'];
    expect(boot?.isEntry).toBe(true);
    // it runs as soon as it arrives: nothing to wait for
    expect(boot.imports ?? []).toEqual([]);
    expect(fs.statSync(path.join(UI_DIST, boot.file)).size).toBeLessThan(10_000);
    const html = fs.readFileSync(path.join(UI_DIST, 'index.html'), 'utf8');
    const tag = html.indexOf(`<script type="module" async crossorigin src="/${boot.file}" data-boot>`);
    expect(tag).toBeGreaterThan(-1);
    expect(tag).toBeLessThan(html.indexOf('<script type="module" crossorigin src="/assets/index-'));
    expect(m['index.html'].imports).toContain('src/boot.ts');
  });
});
