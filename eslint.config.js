// ESLint (flat config): typescript-eslint for the server, tests and tools, eslint-plugin-vue for the UI.
// `npm run lint` must stay clean: no error and no warning (`--max-warnings 0`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

export default tseslint.config(
  {
    ignores: [
      // what .gitignore lists (build output, data, scratch folders) and generated code
      'node_modules/**',
      '**/dist/**',
      'backend/dist.*/**',
      'bench/.work/**',
      '.tmp/**',
      '.build-lock/**',
      'tests/.exit-check-*/**',
      'frontend/src/api/schema.gen.ts',
      'frontend/src/realtime/events.gen.ts',
      '.ci/**',
      'tests/e2e/screenshots/**',
      'data/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        // Node and the browser: the server, tests and tools run on Node, the UI in a browser
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      // lines of at most 140 characters (Prettier's printWidth; it cannot wrap strings and comments):
      // long regular expressions and URLs are left whole
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // deliberate: names and inputs are checked for control characters (NUL, 0x00-0x1f)
      'no-control-regex': 'off',
      // layout is Prettier's (`npm run format:check`), not the linter's
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-indent': 'off',
      'vue/html-self-closing': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    // the type checkers (tsc, vue-tsc) know every global; typescript-eslint's advice
    files: ['**/*.ts', '**/*.vue'],
    rules: { 'no-undef': 'off' },
  },
);
