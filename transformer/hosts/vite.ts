import * as path from 'path';
import type * as ts from 'typescript';
import { diagnosticLocation, formatDiagnostics } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { loadTypeScript } from './load-typescript';
import { readProject } from './project';

interface TapelessViteOptions {
  /** The tsconfig whose settings the program uses. Default: the nearest one to each file. */
  readonly tsconfig?: string;
  /** The TypeScript to compile with. Default: the project's `typescript`. */
  readonly typescript?: typeof ts;
}

/** The parts of Vite's and Rollup's plugin interfaces this plugin uses. */
interface PluginContext {
  error(error: { message: string; id?: string; loc?: { file: string; line: number; column: number } }): never;
}
interface TapelessPlugin {
  name: string;
  enforce: 'pre';
  transform(this: PluginContext, code: string, id: string): { code: string; map: string | null } | null;
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
  let tsApi: typeof ts | undefined;
  let program: ts.Program | undefined;
  const contents = new Map<string, string>();

  return {
    name: 'tapeless',
    enforce: 'pre',
    transform(code, id) {
      const fileName = id.split('?')[0];
      if (!TYPESCRIPT_FILE.test(fileName) || fileName.includes('/node_modules/') || !MAY_USE_TAPELESS.test(code)) return null;
      tsApi ??= options.typescript ?? loadTypeScript();
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
      const transformer = createTransformer(tsApi, program, { report: (diagnostic) => diagnostics.push(diagnostic) });
      let output = '';
      let map: string | null = null;
      program.emit(file, (name, text) => {
        if (name.endsWith('.map')) map = absoluteSources(text, path.dirname(name));
        else output = text;
      }, undefined, false, { before: [transformer] });
      if (diagnostics.length > 0) {
        const location = diagnosticLocation(diagnostics[0]);
        this.error({ message: formatDiagnostics(tsApi, diagnostics, process.cwd()), id: location?.file ?? fileName, loc: location });
      }
      return { code: output.replace(/\/\/# sourceMappingURL=.*\s*$/, ''), map };
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
