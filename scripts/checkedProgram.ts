import path from 'node:path';
import ts from 'typescript';

/**
 * A TypeScript program over `rootNames` as backend/src is compiled, for the source checks
 * (moduleState.ts, narrowDeps.ts); `overrides` replaces or adds file contents (their tests' snippets).
 */
export function checkedProgram(rootNames: string[], overrides: Record<string, string> = {}): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    types: ['node'],
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  };
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => overrides[f] ?? readFile(f);
  host.fileExists = (f) => f in overrides || fileExists(f);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => Object.keys(overrides).some((f) => f.startsWith(d + path.sep)) || (directoryExists?.(d) ?? true);
  host.getSourceFile = (f, lang, onError, create) =>
    f in overrides ? ts.createSourceFile(f, overrides[f]!, lang, true) : getSourceFile(f, lang, onError, create);
  return ts.createProgram({ rootNames: [...new Set([...rootNames, ...Object.keys(overrides)])], options, host });
}
