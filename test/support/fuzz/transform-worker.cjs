// A worker thread that runs the tapeless transform (dist/) on in-memory TypeScript files,
// one emit per file, and reports per file: the diagnostics, the emitted JavaScript, the time
// taken, or the exception that escaped. The parent kills it when a file takes too long.
// Plain CommonJS so that it runs without a TypeScript loader.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');
const ts = require('typescript');
const { createTransformer } = require(path.join(workerData.root, 'dist/transformer/transform.js'));

const { dir, files } = workerData;
const sources = new Map(files.map((text, i) => [path.join(dir, `input${workerData.first + i}.ts`), text]));
const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  types: [],
  noEmitOnError: false,
  outDir: path.join(dir, 'out'),
  rootDir: dir,
};
const host = ts.createCompilerHost(options);
const { getSourceFile, fileExists, readFile } = host;
host.getSourceFile = (name, languageVersion, ...rest) =>
  sources.has(name) ? ts.createSourceFile(name, sources.get(name), languageVersion, true) : getSourceFile.call(host, name, languageVersion, ...rest);
host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
host.readFile = (name) => (sources.has(name) ? sources.get(name) : readFile.call(host, name));
host.writeFile = () => {};

const program = ts.createProgram({ rootNames: [...sources.keys()], options, host });
const format = (d) => ({ code: d.code, start: d.start, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
[...sources.keys()].forEach((name, i) => {
  const index = workerData.first + i;
  parentPort.postMessage({ kind: 'start', index });
  const file = program.getSourceFile(name);
  const diagnostics = [];
  let js;
  let threw;
  const started = performance.now();
  try {
    program.emit(
      file,
      (fileName, text) => {
        if (fileName.endsWith('.js')) js = text;
      },
      undefined,
      false,
      { before: [createTransformer(ts, program, { report: (d) => diagnostics.push(format(d)) })] },
    );
  } catch (error) {
    threw = String((error && error.stack) || error);
  }
  // Some broken inputs make TypeScript's own emit fail (a 'Debug Failure'): not tapeless's doing.
  let typescriptThrows = false;
  if (threw) {
    try {
      program.emit(file, () => {}, undefined, false, {});
    } catch {
      typescriptThrows = true;
    }
  }
  const ms = performance.now() - started;
  // TypeScript's own errors count as "ended in diagnostics": asked for only where they matter.
  const leftApi = js !== undefined && /from ['"]tapeless['"]/.test(js) && /\b(grad|valueAndGrad)\s*\(/.test(js) && diagnostics.length === 0;
  const typeErrors = leftApi
    ? [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].filter((d) => d.category === ts.DiagnosticCategory.Error).length
    : 0;
  parentPort.postMessage({ kind: 'done', index, diagnostics, js, ms, threw, typescriptThrows, leftApi, typeErrors });
});
