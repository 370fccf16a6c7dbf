import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Prettier formats templates assuming HTML's rule (a line break between two inline elements is a
  // space); Vue's default 'condense' drops such breaks, so words ran together: keep them as spaces
  plugins: [vue({ template: { compilerOptions: { whitespace: 'preserve' } } })],
  // vue-i18n's build flags: the Composition API only (the legacy API is tree-shaken), no devtools in production
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // the first page must stay small: routes are lazy chunks, the entry holds vue, router and the shell
    chunkSizeWarningLimit: 300,
    // dist/.vite/manifest.json: which chunks the first page loads (tests/e2e/bundle.test.ts reads it)
    manifest: true,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/health': 'http://127.0.0.1:8000',
      '/socket.io': { target: 'http://127.0.0.1:8000', ws: true },
    },
  },
});
