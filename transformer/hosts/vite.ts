import * as path from 'path';
import { type CompiledFile, OwnProgram, type OwnProgramOptions } from './own-program';

/** The parts of Vite's and Rollup's plugin interfaces this plugin uses. */
interface PluginContext {
  error(error: BuildError): never;
  addWatchFile(id: string): void;
}
/** An error as Vite and Rollup print one: `File: id:line:column`, then the frame. */
interface BuildError {
  message: string;
  id: string;
  loc: { file: string; line: number; column: number };
  frame: string;
  /** Empty: Rolldown and Vite print a stack after the frame, which here would run through them and tapeless. */
  stack: '';
}
/** The parts of a Vite (5 to 8) module graph this plugin uses. */
interface ModuleGraph {
  getModulesByFile(file: string): Set<object> | undefined;
  invalidateModule(module: object): void;
}
/** The parts of a Vite dev server (which Vitest runs too) this plugin uses. */
interface DevServer {
  readonly moduleGraph: ModuleGraph;
  /** Vite 6 and later: the client's, SSR's and Vitest's graphs, each of its own. */
  readonly environments?: Record<string, { readonly moduleGraph: ModuleGraph }>;
}
interface TapelessPlugin {
  name: string;
  enforce: 'pre';
  configureServer(server: DevServer): void;
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
  let server: DevServer | undefined;
  /** Per compiled file (as Vite names it), the other files its generated code is derived from. */
  const derivedFrom = new Map<string, readonly string[]>();
  return {
    name: 'tapeless',
    enforce: 'pre',
    configureServer(devServer) {
      server = devServer;
    },
    transform(code, id) {
      const fileName = id.split('?')[0];
      if (!compiler.mayCall(fileName, code)) return null;
      const compiled = compiler.compile(fileName, code);
      if (!compiled) return null;
      derivedFrom.set(fileName, compiled.derivedFrom);
      // A change to any of them re-transforms this file: `vite build --watch` rebuilds the
      // modules that watch a file, and the dev server (and Vitest) count it as an import
      // of this file, whose importers a change reaches (see watchChange).
      for (const source of compiled.derivedFrom) this.addWatchFile(source);
      if (compiled.location) this.error(buildError(fileName, compiled));
      return { code: compiled.code, map: compiled.map };
    },
    watchChange(id) {
      const changed = path.resolve(id);
      // The program reads a file from what Vite handed over until the file changes.
      compiler.forget(changed);
      // The dev server keeps a file's transform when only a module it imports changed
      // (re-stamping the import: a "soft" invalidation), which would keep a gradient of the
      // old f, or hide a mistake in it. Vite calls this hook before it invalidates the
      // changed file's importers, and a module invalidated whole here stays so.
      if (!server) return;
      const graphs = server.environments ? Object.values(server.environments).map((environment) => environment.moduleGraph) : [server.moduleGraph];
      for (const [file, sources] of derivedFrom) {
        if (!sources.includes(changed)) continue;
        for (const graph of graphs) graph.getModulesByFile(file)?.forEach((module) => graph.invalidateModule(module));
      }
    },
  };
}

/**
 * The error of `fileName`, whose compile had tapeless errors. Rollup and Rolldown name the
 * module being transformed in its header, so it is located in that module: at the first
 * error, or where that is in another file (a helper of f), at the call that reached it. The
 * column is 1-based, as in the messages tsc formats; Vite would frame such a column one
 * character late, so the frame is made here.
 */
function buildError(fileName: string, compiled: CompiledFile): BuildError {
  const [first] = compiled.diagnostics;
  const inThisFile = [first, ...(first.relatedInformation ?? [])].find(
    (place) => place.file && place.start !== undefined && path.resolve(place.file.fileName) === path.resolve(fileName),
  );
  const place = inThisFile ?? first;
  const { line, character } = place.file!.getLineAndCharacterOfPosition(place.start!);
  const lines = place.file!.text.split(/\r?\n/);
  const shown = lines.slice(Math.max(0, line - 2), line + 3).map((text, i) => ({ number: Math.max(0, line - 2) + i + 1, text }));
  const width = String(shown[shown.length - 1].number).length;
  const frame = shown.flatMap(({ number, text }) => {
    const row = `${String(number).padEnd(width)}  |  ${text}`;
    return number === line + 1 ? [row, `${' '.repeat(width)}  |  ${' '.repeat(character)}^`] : [row];
  });
  const file = place.file!.fileName;
  return { message: compiled.errors.trimEnd(), id: file, loc: { file, line: line + 1, column: character + 1 }, frame: frame.join('\n'), stack: '' };
}

export = tapeless;
