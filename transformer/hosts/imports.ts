import * as fs from 'fs';
import * as path from 'path';
import type * as ts from 'typescript';

/** tapeless's runtime, whose declarations the API calls resolve to (dist/runtime, or runtime/ in this repository). */
const RUNTIME = [path.resolve(__dirname, '..', '..', 'runtime'), path.resolve(__dirname, '..', '..', '..', 'runtime')];

/** What a module imports and exports, as far as the decision needs it. */
interface ModuleShape {
  /** Specifiers of `import … from` (and `import x = require(…)`). */
  readonly imports: readonly string[];
  /** Specifiers of `export … from`. */
  readonly reexports: readonly string[];
  /** Whether it exports local names (`export { a }`, `export default`), which may be imported ones. */
  readonly exportsNames: boolean;
}

/**
 * Which files a host that is handed source text (Vite, esbuild, the Node hook) compiles
 * through tapeless, decided by what they import before any program is built: a file may call
 * tapeless if it imports `tapeless`, or a module of the project that re-exports it (`export {
 * derivative as d } from 'tapeless'`, or imports and exports it), followed through such
 * modules. The program then finds the calls themselves; files that reach no tapeless
 * module cost a parse of their imports, and no program.
 */
export class TapelessImports {
  private readonly shapes = new Map<string, { readonly text: string; readonly shape: ModuleShape }>();
  private readonly resolutionCache: ts.ModuleResolutionCache;

  constructor(
    private readonly tsApi: typeof ts,
    private readonly options: (fileName: string) => ts.CompilerOptions,
  ) {
    this.resolutionCache = tsApi.createModuleResolutionCache(process.cwd(), (name) => name);
  }

  /** Whether `fileName`, whose text is `text`, imports tapeless directly or through re-exports. */
  mayCall(fileName: string, text: string): boolean {
    // Most files that do say so; a file that does not import at all cannot.
    if (/\bfrom\s*['"]tapeless['"]|\brequire\(\s*['"]tapeless['"]\s*\)/.test(text)) return true;
    if (!/\b(import|require)\b/.test(text)) return false;
    const shape = this.shape(fileName, text);
    return [...shape.imports, ...shape.reexports].some((specifier) => this.provides(specifier, fileName, new Set()));
  }

  /** The text of a file changed: its shape is read again. */
  forget(fileName: string): void {
    this.shapes.delete(path.resolve(fileName));
  }

  /** Whether the module `specifier` (imported by `from`) exports tapeless's API functions. */
  private provides(specifier: string, from: string, visiting: Set<string>): boolean {
    if (specifier === 'tapeless') return true;
    const resolved = this.tsApi.resolveModuleName(specifier, from, this.options(from), this.tsApi.sys, this.resolutionCache).resolvedModule;
    if (!resolved) return false;
    const fileName = path.resolve(resolved.resolvedFileName);
    if (RUNTIME.some((dir) => fileName.startsWith(dir + path.sep))) return true;
    if (resolved.isExternalLibraryImport || visiting.has(fileName)) return false;
    visiting.add(fileName);
    let text: string;
    try {
      text = fs.readFileSync(fileName, 'utf8');
    } catch {
      return false;
    }
    const shape = this.shape(fileName, text);
    if (shape.reexports.some((next) => this.provides(next, fileName, visiting))) return true;
    return shape.exportsNames && shape.imports.some((next) => this.provides(next, fileName, visiting));
  }

  private shape(fileName: string, text: string): ModuleShape {
    const key = path.resolve(fileName);
    const known = this.shapes.get(key);
    if (known?.text === text) return known.shape;
    const { tsApi } = this;
    const file = tsApi.createSourceFile(fileName, text, tsApi.ScriptTarget.Latest, false);
    const imports: string[] = [];
    const reexports: string[] = [];
    let exportsNames = false;
    for (const statement of file.statements) {
      if (tsApi.isImportDeclaration(statement) && tsApi.isStringLiteral(statement.moduleSpecifier)) imports.push(statement.moduleSpecifier.text);
      else if (
        tsApi.isImportEqualsDeclaration(statement) &&
        tsApi.isExternalModuleReference(statement.moduleReference) &&
        tsApi.isStringLiteral(statement.moduleReference.expression)
      )
        imports.push(statement.moduleReference.expression.text);
      else if (tsApi.isExportDeclaration(statement) && statement.moduleSpecifier && tsApi.isStringLiteral(statement.moduleSpecifier))
        reexports.push(statement.moduleSpecifier.text);
      else if (tsApi.isExportDeclaration(statement) || tsApi.isExportAssignment(statement)) exportsNames = true;
    }
    const shape = { imports, reexports, exportsNames };
    this.shapes.set(key, { text, shape });
    return shape;
  }
}
