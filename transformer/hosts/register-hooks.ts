import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import type * as ts from 'typescript';
import { type ModuleFormat, OwnProgram } from './own-program';
import { TapelessCompileError } from './throwing';

// Node's module hooks for tapeless/register (register.ts): a .ts, .mts or .cts file is
// compiled through tapeless if it calls it (see OwnProgram), and otherwise with its types
// removed (TypeScript's transpileModule), each with an inline source map.

const TYPESCRIPT = /\.[cm]?ts$/;
const compiler = new OwnProgram();

interface ResolveContext {
  readonly parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;
type NextLoad = (url: string, context: object) => Promise<{ format?: string; source?: unknown }>;

/**
 * Imports written for the emitted JavaScript (`./model.js`, as TypeScript's NodeNext
 * resolution has them written) find the TypeScript file that becomes it.
 */
export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<{ url: string }> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const parent = context.parentURL;
    const source =
      /^\.\.?\//.test(specifier) && parent?.startsWith('file:') && TYPESCRIPT.test(fileURLToPath(parent))
        ? specifier.replace(/\.([cm]?)js$/, '.$1ts')
        : undefined;
    if (!source || source === specifier) throw error;
    return next(source, context);
  }
}

export async function load(url: string, context: object, next: NextLoad): Promise<{ format?: string; source?: unknown; shortCircuit?: boolean }> {
  if (!url.startsWith('file:')) return next(url, context);
  const fileName = fileURLToPath(url);
  if (!TYPESCRIPT.test(fileName) || fileName.split(path.sep).includes('node_modules')) return next(url, context);
  const text = fs.readFileSync(fileName, 'utf8');
  const format = moduleFormat(fileName);
  const compiled = compiler.mayCall(fileName, text) ? compiler.compile(fileName, text, format) : undefined;
  // A file that tapeless cannot compile stops the program where it is imported.
  if (compiled?.location) throw new TapelessCompileError(compiled.errors);
  const { code, map } = compiled ?? stripTypes(compiler.typescript, fileName, text, format);
  const inlineMap = map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}\n` : '';
  return { format, source: code + inlineMap, shortCircuit: true };
}

/** As Node decides: .mts and .cts by their extension, .ts by the nearest package.json's `type`. */
function moduleFormat(fileName: string): ModuleFormat {
  if (fileName.endsWith('.mts')) return 'module';
  if (fileName.endsWith('.cts')) return 'commonjs';
  for (let dir = path.dirname(fileName); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module' ? 'module' : 'commonjs';
    if (path.dirname(dir) === dir) return 'commonjs';
  }
}

/** A file that does not call tapeless: its types removed, file by file, as Node's type stripping does. */
function stripTypes(tsApi: typeof ts, fileName: string, text: string, format: ModuleFormat): { code: string; map: string | undefined } {
  const { outputText, sourceMapText } = tsApi.transpileModule(text, {
    fileName,
    compilerOptions: {
      target: tsApi.ScriptTarget.ES2022,
      module: format === 'module' ? tsApi.ModuleKind.ESNext : tsApi.ModuleKind.CommonJS,
      sourceMap: true,
      inlineSources: true,
    },
  });
  return { code: outputText.replace(/\/\/# sourceMappingURL=.*\s*$/, ''), map: sourceMapText && absoluteSources(sourceMapText, fileName) };
}

function absoluteSources(text: string, fileName: string): string {
  const map = JSON.parse(text) as { sources: string[] };
  map.sources = [fileName];
  return JSON.stringify(map);
}
