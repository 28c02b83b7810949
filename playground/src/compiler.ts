// The playground's TypeScript host: a program over files held in memory (the user's file,
// TypeScript's lib files, tapeless's declarations), compiled through the tapeless transformer
// exactly as the CLI host does it. Runs in the compile worker.
import type * as ts from 'typescript';
import { createTransformer } from '../../transformer/transform';
import type { RuntimeSources } from '../../transformer/driver/runtime-source';
import type { Compiled, Problem } from './protocol';

export const USER_FILE = '/playground.ts';
// Where TypeScript looks for lib files (next to the default lib) and for the `tapeless` module.
export const LIB_DIR = '/node_modules/typescript/lib';
export const TAPELESS_DIR = '/node_modules/tapeless';
const GLOBALS_FILE = '/playground-globals.d.ts';

// The code runs in a worker with no DOM: its console is the run panel's.
const GLOBALS = `/** What the code logs shows in the run panel. */
declare const console: { log(...values: unknown[]): void; info(...values: unknown[]): void; warn(...values: unknown[]): void; error(...values: unknown[]): void };
`;

export interface CompilerFiles {
  /** lib.*.d.ts by file name, each with its text. */
  readonly libs: Readonly<Record<string, string>>;
  /** tapeless's declarations (dist/runtime/*.d.ts) by file name. */
  readonly declarations: Readonly<Record<string, string>>;
  readonly runtimeSources: RuntimeSources;
}

/** A compiler of the user's file; each call reuses what the previous program parsed. */
export function createCompiler(tsApi: typeof ts, files: CompilerFiles): (source: string) => Compiled {
  const options: ts.CompilerOptions = {
    target: tsApi.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: tsApi.ModuleKind.CommonJS,
    moduleResolution: tsApi.ModuleResolutionKind.Node10,
    strict: true,
    types: [],
    skipLibCheck: true,
  };
  const texts = new Map<string, string>([
    [GLOBALS_FILE, GLOBALS],
    [`${TAPELESS_DIR}/package.json`, JSON.stringify({ name: 'tapeless', types: './index.d.ts' })],
    ...Object.entries(files.libs).map(([name, text]): [string, string] => [`${LIB_DIR}/${name}`, text]),
    ...Object.entries(files.declarations).map(([name, text]): [string, string] => [`${TAPELESS_DIR}/${name}`, text]),
  ]);
  // Parsed once: only the user's file changes between programs.
  const parsed = new Map<string, ts.SourceFile>();
  let program: ts.Program | undefined;

  return (source) => {
    const host: ts.CompilerHost = {
      getSourceFile: (fileName, languageVersion) => {
        if (fileName === USER_FILE) return tsApi.createSourceFile(fileName, source, languageVersion);
        const text = texts.get(fileName);
        if (text === undefined) return undefined;
        let file = parsed.get(fileName);
        if (!file) parsed.set(fileName, (file = tsApi.createSourceFile(fileName, text, languageVersion)));
        return file;
      },
      fileExists: (fileName) => fileName === USER_FILE || texts.has(fileName),
      readFile: (fileName) => (fileName === USER_FILE ? source : texts.get(fileName)),
      getDefaultLibFileName: (compilerOptions) => `${LIB_DIR}/${tsApi.getDefaultLibFileName(compilerOptions)}`,
      getDefaultLibLocation: () => LIB_DIR,
      writeFile: () => {},
      getCurrentDirectory: () => '/',
      getCanonicalFileName: (fileName) => fileName,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => '\n',
    };
    program = tsApi.createProgram({ rootNames: [GLOBALS_FILE, USER_FILE], options, host, oldProgram: program });
    const file = program.getSourceFile(USER_FILE)!;
    const found: ts.Diagnostic[] = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    const printer = tsApi.createPrinter({ newLine: tsApi.NewLineKind.LineFeed });
    const generated: string[] = [];
    const transformer = createTransformer(tsApi, program, {
      report: (diagnostic) => found.push(diagnostic),
      onGenerated: ({ target, api, node, file: into }) =>
        generated.push(`// ${api}(${target})\n${printer.printNode(tsApi.EmitHint.Unspecified, node, into)}\n`),
      runtimeSources: files.runtimeSources,
    });
    let js = '';
    program.emit(file, (_name, text) => (js = text), undefined, false, { before: [transformer] });
    const problems = found.map((diagnostic) => toProblem(tsApi, diagnostic));
    const failed = problems.some((problem) => problem.severity === 'error');
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(file);
    const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol).map((symbol) => symbol.name) : [];
    return { problems, generated: generated.join('\n'), js: failed ? undefined : js, exports };
  };
}

function toProblem(tsApi: typeof ts, diagnostic: ts.Diagnostic): Problem {
  const from = diagnostic.start ?? 0;
  const { line, character } = diagnostic.file ? diagnostic.file.getLineAndCharacterOfPosition(from) : { line: 0, character: 0 };
  return {
    from,
    to: from + (diagnostic.length ?? 0),
    line: line + 1,
    column: character + 1,
    code: diagnostic.code,
    message: tsApi.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
    severity: diagnostic.category === tsApi.DiagnosticCategory.Error ? 'error' : 'warning',
  };
}
