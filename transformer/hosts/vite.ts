import * as path from 'path';
import { OwnProgram, type OwnProgramOptions } from './own-program';

/** The parts of Vite's and Rollup's plugin interfaces this plugin uses. */
interface PluginContext {
  error(error: { message: string; id?: string; loc?: { file: string; line: number; column: number } }): never;
  addWatchFile(id: string): void;
}
interface TapelessPlugin {
  name: string;
  enforce: 'pre';
  transform(this: PluginContext, code: string, id: string): { code: string; map: string | null } | null;
  watchChange(id: string): void;
}

/**
 * The Vite (and Rollup) plugin: `plugins: [tapeless()]`. It runs before Vite's own
 * TypeScript handling and compiles each file that calls tapeless (see OwnProgram) through
 * the transformer; Vite handles the others as usual.
 */
function tapeless(options: OwnProgramOptions = {}): TapelessPlugin {
  const compiler = new OwnProgram(options);
  return {
    name: 'tapeless',
    enforce: 'pre',
    transform(code, id) {
      const fileName = id.split('?')[0];
      if (!compiler.mayCall(fileName, code)) return null;
      const compiled = compiler.compile(fileName, code);
      if (!compiled) return null;
      // A change to any of them re-transforms this file: Vite's dev server (client and SSR),
      // `vite build --watch` and Vitest's watch mode invalidate the modules that watch a file
      // (a body edit of `f` in model.ts does not change the imports of cross.ts, whose
      // gradient of `f` would otherwise be served from the cache).
      for (const source of compiled.derivedFrom) this.addWatchFile(source);
      if (compiled.location) this.error({ message: compiled.errors, id: compiled.location.file ?? fileName, loc: compiled.location });
      return { code: compiled.code, map: compiled.map };
    },
    // The program reads a file from what Vite handed over until the file changes.
    watchChange(id) {
      compiler.forget(path.resolve(id));
    },
  };
}

export = tapeless;
