import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { precompiledMessages } from './precompiledMessages.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * src/boot.ts is an entry of its own, named first in the HTML as an async module: it runs as soon as
 * it arrives (it imports next to nothing), so the session's refresh and the opening page's data
 * request go out while the app's code is still loading. The app imports the same chunk (one module).
 */
function bootScript(): Plugin {
  return {
    name: 'aniworld-boot-script',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const boot = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isEntry && c.name === 'boot');
        if (!boot) throw new Error('the boot chunk is missing from the build');
        return [
          {
            tag: 'script',
            attrs: { type: 'module', async: true, crossorigin: true, src: `/${boot.fileName}`, 'data-boot': true },
            injectTo: 'head-prepend',
          },
        ];
      },
    },
  };
}

export default defineConfig({
  root,
  // Prettier formats templates assuming HTML's rule (a line break between two inline elements is a
  // space); Vue's default 'condense' drops such breaks, so words ran together: keep them as spaces
  plugins: [vue({ template: { compilerOptions: { whitespace: 'preserve' } } }), precompiledMessages(), bootScript()],
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
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), boot: fileURLToPath(new URL('src/boot.ts', import.meta.url)) },
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
