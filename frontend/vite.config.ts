import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { precompiledMessages } from './precompiledMessages.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * src/boot.ts, bundled on its own, is inlined as the first script of the built index.html: it runs
 * while the HTML is read, so the session's refresh and the opening page's data request go out before
 * any of the app's code has arrived (a file of its own cost a round trip first). The server allows it
 * by its hash (backend/src/http/staticUi.ts).
 */
const BOOT_MARK = '<!-- boot script -->';

function bootScript(): Plugin {
  return {
    name: 'aniworld-boot-script',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      async handler(html) {
        const out = await esbuild({
          entryPoints: [fileURLToPath(new URL('src/boot.ts', import.meta.url))],
          bundle: true,
          write: false,
          format: 'iife',
          minify: true,
          target: 'es2022',
          platform: 'browser',
        });
        const code = out.outputFiles[0].text.trim();
        if (/<\/script/i.test(code)) throw new Error('the boot script may not contain a closing script tag');
        // after the meta tags, before the app's stylesheet (a script after a stylesheet waits for it)
        if (!html.includes(BOOT_MARK)) throw new Error(`index.html has no ${BOOT_MARK} where the boot script goes`);
        return html.replace(BOOT_MARK, `<script data-boot>${code}</script>`);
      },
    },
  };
}

/**
 * dist/page-preloads.json: for each page's path (src/pages/routes.ts), the chunks and styles its
 * code needs beyond what index.html loads. The server names them in the HTML it serves for that path,
 * so a load of /queue fetches the queue page's code with the app's instead of after the router asked.
 */
function pagePreloads(): Plugin {
  return {
    name: 'aniworld-page-preloads',
    apply: 'build',
    generateBundle(_options, bundle) {
      const source = fs.readFileSync(fileURLToPath(new URL('src/pages/routes.ts', import.meta.url)), 'utf8');
      const routes = [...source.matchAll(/path: '([^']+)', name: '[^']+', load: \(\) => import\('\.\/(\w+\.vue)'\)/g)];
      if (routes.length === 0 || routes.length !== source.split('{ path:').length - 1)
        throw new Error("src/pages/routes.ts: every page must read { path: '…', name: '…', load: () => import('./X.vue') }");
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
      const byFile = new Map(chunks.map((c) => [c.fileName, c]));
      const closure = (file: string, seen = new Set<string>()) => {
        if (seen.has(file)) return seen;
        seen.add(file);
        for (const i of byFile.get(file)?.imports ?? []) closure(i, seen);
        return seen;
      };
      const entry = chunks.find((c) => c.isEntry);
      if (!entry) throw new Error('the entry chunk is missing from the build');
      const loaded = closure(entry.fileName);
      const pages: Record<string, { js: string[]; css: string[] }> = {};
      for (const [, route, file] of routes) {
        const page = chunks.find((c) => Object.keys(c.modules).some((id) => id.endsWith(`/src/pages/${file}`)));
        if (!page) throw new Error(`no chunk for ${file}`);
        const files = [...closure(page.fileName)].filter((f) => !loaded.has(f));
        pages[route] = {
          js: files,
          css: [...new Set(files.flatMap((f) => [...(byFile.get(f)?.viteMetadata?.importedCss ?? [])]))],
        };
      }
      this.emitFile({ type: 'asset', fileName: 'page-preloads.json', source: JSON.stringify(pages, null, 1) });
    },
  };
}

export default defineConfig({
  root,
  // Prettier formats templates assuming HTML's rule (a line break between two inline elements is a
  // space); Vue's default 'condense' drops such breaks, so words ran together: keep them as spaces
  plugins: [vue({ template: { compilerOptions: { whitespace: 'preserve' } } }), precompiledMessages(), bootScript(), pagePreloads()],
  // the texts arrive compiled (precompiledMessages.ts): vue-i18n's runtime build, without its message compiler
  resolve: { alias: { 'vue-i18n': 'vue-i18n/dist/vue-i18n.runtime.mjs' } },
  // Vue's build flags: every component is <script setup>, so the Options API (data(), methods…) is
  // left out of the bundle and of each component's creation; vue-i18n's: the Composition API only (the
  // legacy API is tree-shaken); no devtools or hydration details in production
  define: {
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __INTLIFY_DROP_MESSAGE_COMPILER__: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // the first page must stay small: routes are lazy chunks, the entry holds vue, router and the shell
    chunkSizeWarningLimit: 300,
    // dist/.vite/manifest.json: which chunks the first page loads (tests/e2e/bundle.test.ts reads it)
    manifest: true,
    rollupOptions: {
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)) },
      // small shared chunks merge into others: a page load fetched 16 files over a browser's 6
      // connections to the host, and the session's refresh, asked meanwhile, waited behind them
      output: { experimentalMinChunkSize: 20_000 },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/health': 'http://127.0.0.1:8000',
      '/socket.io': { target: 'http://127.0.0.1:8000', ws: true },
    },
  },
});
