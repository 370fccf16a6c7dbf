import fs from 'node:fs';
import { transformSync } from 'esbuild';
import { baseCompile } from '@intlify/message-compiler';
import type { Plugin } from 'vite';

/** A language's texts: src/i18n/en.ts, de.ts… (index.ts is the code around them). */
const MESSAGE_FILE = /[\\/]src[\\/]i18n[\\/][a-z]{2}\.ts$/;

/** One text as vue-i18n's message AST; a syntax error (a stray `|`, `{`, `@`) fails the build. */
function compileMessage(key: string, text: string): unknown {
  const { ast } = baseCompile(text, {
    jit: true,
    minify: true,
    location: false,
    onError: (err) => {
      throw new Error(`i18n message ${key} (${JSON.stringify(text)}): ${err.message}`);
    },
  });
  return withoutStaticItems(ast);
}

/** A part whose text is static (`s`) is shown as that text: its items are dead weight in the bundle. */
function withoutStaticItems(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutStaticItems);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([k]) => !(k === 'i' && typeof (node as { s?: unknown }).s === 'string'));
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutStaticItems(v)]));
}

/**
 * The texts are compiled at build time into the message ASTs vue-i18n's runtime evaluates, so the page
 * ships without vue-i18n's message compiler (__INTLIFY_DROP_MESSAGE_COMPILER__) and parses no message.
 * The sources stay plain strings (tests and types read them as such).
 */
export function precompiledMessages(): Plugin {
  return {
    name: 'aniworld-precompiled-messages',
    enforce: 'pre',
    load(id) {
      if (!MESSAGE_FILE.test(id)) return null;
      this.addWatchFile(id);
      const js = transformSync(fs.readFileSync(id, 'utf8'), { loader: 'ts', format: 'cjs' }).code;
      const module: { exports: { default?: Record<string, string> } } = { exports: {} };
      // a message file is one object literal of strings: run it to read it
      new Function('module', 'exports', js)(module, module.exports);
      const messages = module.exports.default;
      if (!messages) throw new Error(`${id} has no default export`);
      const compiled = Object.fromEntries(Object.entries(messages).map(([key, text]) => [key, compileMessage(key, text)]));
      return `export default ${JSON.stringify(compiled)};`;
    },
  };
}
