import * as path from 'path';
import type * as ts from 'typescript';
import { diagnosticLocation, formatDiagnostics } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { checkTypeScript, loadTypeScript } from './load-typescript';
import { readProject } from './project';

interface TapelessViteOptions {
  /** The tsconfig whose settings the program uses. Default: the nearest one to each file. */
  readonly tsconfig?: string;
  /**
   * The TypeScript to compile with. Default: the project's `typescript`, or tapeless's own
   * TypeScript 6 where the project's is 7 (or older than 5).
   */
  readonly typescript?: typeof ts;
}

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

// A cheap filter before building a program: files that can hold API calls mention one.
const MAY_USE_TAPELESS = /\b(tapeless|grad|valueAndGrad)\b/;
const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

/**
 * The Vite (and Rollup) plugin: `plugins: [tapeless()]`. It runs before Vite's own
 * TypeScript handling, keeps a `ts.Program` of the project (updated with the code Vite
 * hands over), and emits each file that uses tapeless through the transformer.
 */
function tapeless(options: TapelessViteOptions = {}): TapelessPlugin {
  let tsApi = options.typescript && checkTypeScript(options.typescript, 'given to tapeless()', "leave out the 'typescript' option, and tapeless compiles with a TypeScript 6 of its own.");
  let program: ts.Program | undefined;
  const contents = new Map<string, string>();

  return {
    name: 'tapeless',
    enforce: 'pre',
    transform(code, id) {
      const fileName = id.split('?')[0];
      if (!TYPESCRIPT_FILE.test(fileName) || fileName.includes('/node_modules/') || !MAY_USE_TAPELESS.test(code)) return null;
      tsApi ??= loadTypeScript();
      const project = readProject(tsApi, path.dirname(fileName), options.tsconfig);
      const compilerOptions: ts.CompilerOptions = {
        ...project.options,
        module: tsApi.ModuleKind.ESNext,
        moduleResolution: tsApi.ModuleResolutionKind.Bundler,
        noEmit: false,
        declaration: false,
        emitDeclarationOnly: false,
        sourceMap: true,
        inlineSourceMap: false,
        inlineSources: true,
        outDir: undefined,
        rootDir: undefined,
        importHelpers: false,
      };
      contents.set(path.resolve(fileName), code);
      const host = tsApi.createCompilerHost(compilerOptions);
      const readFile = host.readFile.bind(host);
      host.readFile = (name) => contents.get(path.resolve(name)) ?? readFile(name);
      const rootNames = [...new Set([...project.rootNames, fileName])];
      program = tsApi.createProgram({ rootNames, options: compilerOptions, host, oldProgram: program });
      const file = program.getSourceFile(fileName);
      if (!file) return null;
      const diagnostics: ts.Diagnostic[] = [];
      const derivedFrom: string[] = [];
      const transformer = createTransformer(tsApi, program, {
        report: (diagnostic) => diagnostics.push(diagnostic),
        onDerivedFrom: (_file, sources) => derivedFrom.push(...sources.map((source) => source.fileName)),
      });
      let output = '';
      let map: string | null = null;
      program.emit(file, (name, text) => {
        if (name.endsWith('.map')) map = absoluteSources(text, path.dirname(name));
        else output = text;
      }, undefined, false, { before: [transformer] });
      // A change to any of them re-transforms this file: Vite's dev server (client and SSR),
      // `vite build --watch` and Vitest's watch mode invalidate the modules that watch a file
      // (a body edit of `f` in model.ts does not change the imports of cross.ts, whose
      // gradient of `f` would otherwise be served from the cache).
      for (const source of derivedFrom) if (path.resolve(source) !== path.resolve(fileName)) this.addWatchFile(source);
      if (diagnostics.length > 0) {
        const location = diagnosticLocation(diagnostics[0]);
        this.error({ message: formatDiagnostics(tsApi, diagnostics, process.cwd()), id: location?.file ?? fileName, loc: location });
      }
      return { code: output.replace(/\/\/# sourceMappingURL=.*\s*$/, ''), map };
    },
    // The program reads a file from what Vite handed over until the file changes.
    watchChange(id) {
      contents.delete(path.resolve(id));
    },
  };
}

/**
 * TypeScript writes a map's `sources` relative to the .map file it would write, which is no
 * file of the build: `vite build` (Rolldown) resolved them against the working directory, so
 * the bundle's map sent generated code (which maps into the user's function, possibly in
 * another module) to files that do not exist. Absolute paths mean the same to every bundler.
 */
function absoluteSources(text: string, dir: string): string {
  const map = JSON.parse(text) as { sources: string[]; sourceRoot?: string };
  map.sources = map.sources.map((source) => path.resolve(dir, map.sourceRoot ?? '', source));
  delete map.sourceRoot;
  return JSON.stringify(map);
}

export = tapeless;
