import * as path from 'path';
import type * as ts from 'typescript';
import { API_NAMES } from '../frontend/requests';
import { checkSameTypeScript, checkTypeScript, loadProjectTypeScript } from './load-typescript';
import { TapelessCompileError, throwingTransformer } from './throwing';

/** The parts of webpack 5's compiler this plugin uses. */
interface Tappable<T> {
  tap(name: string, hook: (argument: T) => void): void;
}
interface Compilation {
  readonly hooks: { readonly seal: Tappable<void> };
}
interface Compiler {
  readonly webpack: { readonly NormalModule: { getCompilationHooks(compilation: Compilation): { beforeSnapshot: Tappable<Module> } } };
  readonly hooks: { readonly thisCompilation: Tappable<Compilation> };
}
interface Module {
  readonly resource?: string;
  readonly buildInfo?: { fileDependencies?: { add(file: string): unknown } };
}

const NAME = 'tapeless';

/** A file that may call tapeless names it or one of its functions. */
const MENTIONS_API = new RegExp(`\\b(tapeless|${API_NAMES.join('|')})\\b`);

/** What to do where tapeless is given TypeScript 7: ts-loader cannot run on it either. */
const ON_TYPESCRIPT_7 =
  "make the project's 'typescript', which ts-loader compiles with, TypeScript 6, and keep TypeScript 7 beside it for type checking: npm install --save-dev typescript@6 typescript-7@npm:typescript@7.";

export interface TapelessPluginOptions {
  /** The TypeScript ts-loader compiles with, where its `compiler` option names another than the project's `typescript`. */
  readonly typescript?: typeof ts;
}

/**
 * tapeless for webpack 5 and ts-loader: one object, given to ts-loader as its
 * `getCustomTransformers` and to webpack as a plugin.
 *
 *     const tapeless = new TapelessPlugin();
 *     rules: [{ test: /\.ts$/, loader: 'ts-loader', options: { getCustomTransformers: tapeless.getCustomTransformers } }],
 *     plugins: [tapeless],
 *
 * The transformer compiles each file with ts-loader's current program; a file with tapeless
 * errors fails its module once, with the located errors. The plugin makes each module depend
 * on the files its gradients are derived from (`f`, and what `f` calls, however far away), so
 * that `webpack --watch` and the dev server build it again when one of them changes.
 */
export class TapelessPlugin {
  /** The files each compiled file's gradients are derived from, by its path. */
  private readonly derivedFrom = new Map<string, readonly string[]>();
  private applied = false;
  private tsApi: typeof ts | undefined;

  constructor(private readonly options: TapelessPluginOptions = {}) {}

  /**
   * Whether the compilation is past its modules: ts-loader then emits every file again for its
   * declaration files (and keeps nothing else), which tapeless need not transform, nor report
   * its errors a second time.
   */
  private sealed = false;

  apply(compiler: Compiler): void {
    this.applied = true;
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      this.sealed = false;
      compilation.hooks.seal.tap(NAME, () => (this.sealed = true));
      // After the loaders (ts-loader sets a module's dependencies after its emit), before webpack records their state.
      compiler.webpack.NormalModule.getCompilationHooks(compilation).beforeSnapshot.tap(NAME, (module) => {
        const sources = module.resource ? this.derivedFrom.get(path.resolve(module.resource.split('?')[0])) : undefined;
        for (const source of sources ?? []) module.buildInfo?.fileDependencies?.add(source);
      });
    });
  }

  /** ts-loader's `getCustomTransformers` option: called once, with a getter of its current program. */
  readonly getCustomTransformers = (first: ts.Program | undefined, getProgram?: () => ts.Program | undefined): ts.CustomTransformers => {
    if (!this.applied)
      throw new TapelessCompileError(
        'tapeless: add the TapelessPlugin whose getCustomTransformers ts-loader is given to the plugins of the webpack configuration too: `plugins: [tapeless]`. It rebuilds a module when a file its gradients are derived from changes.',
      );
    const transformers = new WeakMap<ts.Program, ts.TransformerFactory<ts.SourceFile>>();
    const transformerOf = (program: ts.Program) => {
      let transformer = transformers.get(program);
      if (!transformer) {
        const tsApi = this.typescript();
        checkSameTypeScript(
          tsApi,
          program,
          "Give TapelessPlugin the TypeScript of ts-loader's 'compiler' option: new TapelessPlugin({ typescript: require('…') }).",
        );
        const onDerivedFrom = (file: ts.SourceFile, sources: readonly ts.SourceFile[]) =>
          this.derivedFrom.set(
            path.resolve(file.fileName),
            sources.filter((source) => source !== file).map((source) => path.resolve(source.fileName)),
          );
        transformers.set(program, (transformer = throwingTransformer(tsApi, program, (message) => new TapelessCompileError(message), { onDerivedFrom })));
      }
      return transformer;
    };
    const before: ts.CustomTransformerFactory = (context) => {
      const program = getProgram?.() ?? first;
      return {
        transformSourceFile: (file) => {
          if (this.sealed) return file;
          // ts-loader's transpileOnly emits each file alone (transpileModule), not from the program it gives.
          if (!program || program.getSourceFile(file.fileName) !== file) {
            if (!MENTIONS_API.test(file.text)) return file;
            throw new TapelessCompileError(
              `${path.relative(process.cwd(), file.fileName)}: tapeless needs the type checker, and ts-loader's 'transpileOnly' compiles each file alone: tapeless could not see the functions it differentiates. Remove 'transpileOnly' from ts-loader's options for the files that use tapeless.`,
            );
          }
          return transformerOf(program)(context)(file);
        },
        transformBundle: (bundle) => bundle,
      };
    };
    return { before: [before] };
  };

  private typescript(): typeof ts {
    return (this.tsApi ??= this.options.typescript
      ? checkTypeScript(this.options.typescript, 'given to TapelessPlugin', ON_TYPESCRIPT_7)
      : loadProjectTypeScript(process.cwd(), ON_TYPESCRIPT_7));
  }
}
