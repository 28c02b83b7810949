import type * as ts from 'typescript';
import { createTransformer } from '../transform';

/** What the transform of one file found: its diagnostics, and the code generated for each call. */
interface Analysis {
  readonly diagnostics: readonly ts.Diagnostic[];
  readonly calls: readonly { readonly callee: ts.Node; readonly code: string }[];
}

/**
 * The TypeScript language-service plugin, for editors: in tsconfig,
 * `"plugins": [{ "name": "tapeless/language-service" }]`. tsserver loads it by name from the
 * project's node_modules and hands it its own TypeScript, which tapeless can run on: tsserver
 * loads plugins named by a package's subpath from TypeScript 5.5 on, and TypeScript 7 has no
 * tsserver. tapeless's diagnostics join the semantic diagnostics of each file, and quick info
 * on an API call (`grad` in `grad(f)`) shows the code generated for it.
 */
function init({ typescript: tsApi }: { typescript: typeof ts }): ts.server.PluginModule {
  return { create: (info) => withTapeless(tsApi, info) };
}

function withTapeless(tsApi: typeof ts, info: ts.server.PluginCreateInfo): ts.LanguageService {
  const service = info.languageService;
  // A program is immutable: each edit makes a new one, and the analyses of the old one go with it.
  const analyses = new WeakMap<ts.Program, Map<string, Analysis>>();
  const analyse = (program: ts.Program, fileName: string): Analysis => {
    let files = analyses.get(program);
    if (!files) analyses.set(program, (files = new Map()));
    let analysis = files.get(fileName);
    if (!analysis) files.set(fileName, (analysis = analyseFile(tsApi, program, fileName)));
    return analysis;
  };
  const proxy: ts.LanguageService = { ...service };

  /**
   * A diagnostic may lie in another file than the call that raised it (the function being
   * differentiated is imported): each open file is analysed, as the editor asks for the
   * diagnostics of all of them anyway, and a file gets the diagnostics that lie in it.
   */
  proxy.getSemanticDiagnostics = (fileName) => {
    const own = service.getSemanticDiagnostics(fileName);
    const program = service.getProgram();
    const file = program?.getSourceFile(fileName);
    if (!program || !file) return own;
    const open = info.project.getScriptInfos().filter((script) => script.isScriptOpen() && program.getSourceFile(script.fileName));
    const analysed = new Set([fileName, ...open.map((script) => script.fileName)]);
    const found = [...analysed].flatMap((name) => analyse(program, name).diagnostics.filter((diagnostic) => diagnostic.file === file));
    return [...own, ...unique(found)];
  };

  proxy.getQuickInfoAtPosition = (fileName, position, ...rest) => {
    const quickInfo = service.getQuickInfoAtPosition(fileName, position, ...rest);
    const program = service.getProgram();
    if (!quickInfo || !program?.getSourceFile(fileName)) return quickInfo;
    const call = analyse(program, fileName).calls.find(({ callee }) => callee.getStart() <= position && position < callee.getEnd());
    if (!call) return quickInfo;
    const generated = `tapeless generates:\n\`\`\`js\n${call.code}\`\`\``;
    const before = quickInfo.documentation?.length ? [...quickInfo.documentation, { kind: 'lineBreak', text: '\n\n' }] : [];
    return { ...quickInfo, documentation: [...before, { kind: 'text', text: generated }] };
  };
  return proxy;
}

/** The transform of one file, run for what it reports: the emitted code is not used. */
function analyseFile(tsApi: typeof ts, program: ts.Program, fileName: string): Analysis {
  const file = program.getSourceFile(fileName);
  if (!file || file.isDeclarationFile) return { diagnostics: [], calls: [] };
  const diagnostics: ts.Diagnostic[] = [];
  const calls: { callee: ts.Node; code: string }[] = [];
  const printer = tsApi.createPrinter({ newLine: tsApi.NewLineKind.LineFeed });
  const transformer = createTransformer(tsApi, program, {
    report: (diagnostic) => diagnostics.push(diagnostic),
    onRewritten: ({ call, generated }) =>
      calls.push({ callee: call.expression, code: generated.map((node) => `${printer.printNode(tsApi.EmitHint.Unspecified, node, file)}\n`).join('') }),
  });
  tsApi.transform(file, [transformer], program.getCompilerOptions()).dispose();
  return { diagnostics, calls };
}

/** Diagnostics found twice (a function differentiated from two open files) are shown once. */
function unique(diagnostics: readonly ts.Diagnostic[]): ts.Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    // The first line: the same diagnostic, reached from calls in two files, names each call on its second.
    const key = `${diagnostic.start}|${diagnostic.code}|${typeof diagnostic.messageText === 'string' ? diagnostic.messageText : diagnostic.messageText.messageText}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export = init;
