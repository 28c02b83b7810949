import * as path from 'path';
import type * as ts from 'typescript';
import { findApiCalls } from '../frontend/requests';
import { diagnosticLocation, formatDiagnostics } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { TapelessImports } from './imports';
import { checkTypeScript, loadTypeScript } from './load-typescript';
import { type ParsedConfig, type Project, declarationRoots, readProject } from './project';

export interface OwnProgramOptions {
  /** The tsconfig whose settings the program uses. Default: the one that governs each file. */
  readonly tsconfig?: string;
  /**
   * The TypeScript to compile with. Default: the project's `typescript`, or tapeless's own
   * TypeScript 6 where the project's is 7 (or older than 5).
   */
  readonly typescript?: typeof ts;
}

/** The module format to emit: ES modules (bundlers, Node's ES modules) or CommonJS (Node's CommonJS). */
export type ModuleFormat = 'module' | 'commonjs';

/** A file compiled through tapeless, as JavaScript with its source map. */
export interface CompiledFile {
  readonly code: string;
  /** A version 3 source map whose `sources` are absolute paths. */
  readonly map: string | null;
  readonly diagnostics: readonly ts.Diagnostic[];
  /** tapeless's errors, as tsc prints them, relative to the working directory; '' if none. */
  readonly errors: string;
  /** Where the first error is: file, 1-based line, 0-based column (as bundlers locate errors). */
  readonly location: { readonly file: string; readonly line: number; readonly column: number } | undefined;
  /** The other files its generated code is derived from: a change to one of them must compile it again. */
  readonly derivedFrom: readonly string[];
}

/**
 * The compiler of hosts that hand tapeless a file's text and take back JavaScript (Vite,
 * esbuild, Bun, the Node hook): it keeps a `ts.Program` per project, updated with the text
 * each host hands over, and emits the files that call tapeless through the transformer.
 * Parsed files are kept across programs, so a program for the next file re-parses only
 * what changed (the libraries' declarations are most of the first file's cost).
 */
export class OwnProgram {
  private tsApi: typeof ts | undefined;
  /** Per tsconfig: the program, and its roots (the project's declaration files, and the files compiled so far). */
  private readonly programs = new Map<string, { program?: ts.Program; readonly roots: Set<string> }>();
  private readonly projects = new Map<string, Project>();
  private readonly configs = new Map<string, ParsedConfig>();
  /** Texts handed over by the host, which may differ from the files on disk. */
  private readonly contents = new Map<string, string>();
  private readonly parsed = new Map<string, { readonly text: string; readonly file: ts.SourceFile }>();
  private imports: TapelessImports | undefined;

  constructor(private readonly options: OwnProgramOptions = {}) {
    if (options.typescript)
      this.tsApi = checkTypeScript(
        options.typescript,
        'given to tapeless()',
        "leave out the 'typescript' option, and tapeless compiles with a TypeScript 6 of its own.",
      );
  }

  get typescript(): typeof ts {
    return (this.tsApi ??= loadTypeScript());
  }

  /** Whether `fileName` may call tapeless (see TapelessImports): only those are compiled. */
  mayCall(fileName: string, text: string): boolean {
    if (!/\.[cm]?tsx?$/.test(fileName) || /[\\/]node_modules[\\/]/.test(fileName)) return false;
    this.imports ??= new TapelessImports(this.typescript, (from) => this.project(from).options);
    return this.imports.mayCall(fileName, text);
  }

  /**
   * Compiles `fileName` with the text `text` (the host's, which may differ from the disk's)
   * to `format`, or returns undefined if it calls no tapeless API after all.
   */
  compile(fileName: string, text: string, format: ModuleFormat = 'module'): CompiledFile | undefined {
    const tsApi = this.typescript;
    const project = this.project(fileName);
    const key = `${project.configPath ?? ''}|${format}`;
    const options: ts.CompilerOptions = {
      ...project.options,
      module: format === 'module' ? tsApi.ModuleKind.ESNext : tsApi.ModuleKind.CommonJS,
      moduleResolution: format === 'module' ? tsApi.ModuleResolutionKind.Bundler : tsApi.ModuleResolutionKind.Node10,
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
    this.contents.set(path.resolve(fileName), text);
    const host = tsApi.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => this.contents.get(path.resolve(name)) ?? readFile(name);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
      const source = host.readFile(name);
      if (source === undefined) return getSourceFile(name, languageVersion, onError, shouldCreate);
      const cacheKey = `${path.resolve(name)}|${JSON.stringify(languageVersion)}`;
      const known = this.parsed.get(cacheKey);
      if (known?.text === source) return known.file;
      const file = tsApi.createSourceFile(name, source, languageVersion, true);
      this.parsed.set(cacheKey, { text: source, file });
      return file;
    };
    let state = this.programs.get(key);
    if (!state) this.programs.set(key, (state = { roots: new Set(declarationRoots(project)) }));
    state.roots.add(path.resolve(fileName));
    const program = tsApi.createProgram({ rootNames: [...state.roots], options, host, oldProgram: state.program });
    state.program = program;
    const file = program.getSourceFile(fileName);
    // A file that names an API function without calling it (`(grad as any)(f)`) is compiled too, for its diagnostic.
    let misused = false;
    if (!file || (findApiCalls(tsApi, program.getTypeChecker(), file, () => (misused = true)).length === 0 && !misused)) return undefined;
    const diagnostics: ts.Diagnostic[] = [];
    const derivedFrom = new Set<string>();
    const transformer = createTransformer(tsApi, program, {
      report: (diagnostic) => diagnostics.push(diagnostic),
      onDerivedFrom: (_file, sources) => sources.forEach((source) => derivedFrom.add(path.resolve(source.fileName))),
    });
    let code = '';
    let map: string | null = null;
    program.emit(
      file,
      (name, output) => {
        if (name.endsWith('.map')) map = absoluteSources(output, path.dirname(name));
        else code = output;
      },
      undefined,
      false,
      { before: [transformer] },
    );
    derivedFrom.delete(path.resolve(fileName));
    return {
      code: code.replace(/\/\/# sourceMappingURL=.*\s*$/, ''),
      map,
      diagnostics,
      errors: diagnostics.length > 0 ? formatDiagnostics(tsApi, diagnostics, process.cwd()) : '',
      location: diagnostics.length > 0 ? diagnosticLocation(diagnostics[0]) : undefined,
      derivedFrom: [...derivedFrom],
    };
  }

  /** A file changed on disk: the next program reads it from there. */
  forget(fileName: string): void {
    this.contents.delete(path.resolve(fileName));
    this.imports?.forget(fileName);
  }

  private project(fileName: string): Project {
    const key = path.resolve(fileName);
    let project = this.projects.get(key);
    if (!project) this.projects.set(key, (project = readProject(this.typescript, fileName, this.options.tsconfig, this.configs)));
    return project;
  }
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
