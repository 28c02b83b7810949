// The compile worker: TypeScript and the tapeless transformer, off the page's thread.
import ts from 'typescript';
import drivers from '../../dist/runtime/drivers.js?raw';
import rules from '../../dist/runtime/rules.js?raw';
import { createCompiler } from './compiler';
import type { CompileReply, CompileRequest, Compiled } from './protocol';

// ES2022's lib files (the ones lib.es2022.d.ts references), as text in the bundle: no fetch, works offline.
const libs = import.meta.glob<string>(
  [
    '../../node_modules/typescript/lib/lib.es5.d.ts',
    '../../node_modules/typescript/lib/lib.es20{15,16,17,18,19,20,21,22}*.d.ts',
    '../../node_modules/typescript/lib/lib.decorators*.d.ts',
    '!**/*.full.d.ts',
  ],
  { query: '?raw', import: 'default', eager: true },
);
const declarations = import.meta.glob<string>('../../dist/runtime/*.d.ts', { query: '?raw', import: 'default', eager: true });
const byBaseName = (files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1), text]));

const compile = createCompiler(ts, { libs: byBaseName(libs), declarations: byBaseName(declarations), runtimeSources: { rules, drivers } });

self.onmessage = ({ data }: MessageEvent<CompileRequest>) => {
  const start = performance.now();
  let compiled: Compiled;
  try {
    compiled = compile(data.source);
  } catch (error) {
    // TypeScript itself failed (the transformer reports its own failures as diagnostics): say so, and stay usable.
    const message = `the playground could not compile this: ${error instanceof Error ? error.message : String(error)}`;
    compiled = { problems: [{ from: 0, to: 0, line: 1, column: 1, code: 0, message, severity: 'error' }], generated: '', js: undefined, exports: [] };
  }
  const reply: CompileReply = { version: data.version, milliseconds: performance.now() - start, ...compiled };
  self.postMessage(reply);
};
