import * as fs from 'fs';
import * as path from 'path';
import type * as ts from 'typescript';
import { OwnProgram, type OwnProgramOptions } from './own-program';
import { TapelessCompileError } from './throwing';

/** The parts of esbuild's (and Bun's) plugin interface this plugin uses. */
interface PluginBuild {
  onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Promise<OnLoadResult | undefined> | OnLoadResult | undefined): void;
}
interface Message {
  text: string;
  location?: { file: string; line: number; column: number; length: number; lineText: string };
}
interface OnLoadResult {
  contents?: string;
  loader?: 'js';
  errors?: Message[];
  watchFiles?: string[];
}
interface TapelessPlugin {
  name: string;
  setup(build: PluginBuild): void;
}

/**
 * The esbuild plugin: `plugins: [tapeless()]` in esbuild's `build` or `context` options (and
 * Bun's `Bun.build`, whose plugin interface is esbuild's). Each file that calls tapeless is
 * compiled through the transformer (see OwnProgram) and handed to esbuild as JavaScript with
 * its source map; esbuild loads the others itself. A file's gradients are derived from other
 * files (`f`, what `f` calls): they are its `watchFiles`, so that `context.watch()` rebuilds it
 * when one of them changes.
 */
function tapeless(options: OwnProgramOptions = {}): TapelessPlugin {
  const compiler = new OwnProgram(options);
  return {
    name: 'tapeless',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args) => {
        const text = await fs.promises.readFile(args.path, 'utf8');
        if (!compiler.mayCall(args.path, text)) return undefined;
        // esbuild reads every file from disk at each rebuild: so does the program.
        const compiled = compiler.compile(args.path, text);
        compiler.forget(args.path);
        if (!compiled) return undefined;
        const watchFiles = [...compiled.derivedFrom];
        // Bun takes no errors from a plugin's result: it prints what the plugin throws.
        if (compiled.location && process.versions.bun) throw new TapelessCompileError(compiled.errors);
        if (compiled.location) return { errors: compiled.diagnostics.map((diagnostic) => message(compiler.typescript, diagnostic)), watchFiles };
        const map = compiled.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(compiled.map).toString('base64')}\n` : '';
        return { contents: compiled.code + map, loader: 'js', watchFiles };
      });
    },
  };
}

/** A tapeless diagnostic as esbuild prints errors: the message, then the file, line and column with the line's text. */
function message(tsApi: typeof ts, diagnostic: ts.Diagnostic): Message {
  const text = `TS${diagnostic.code}: ${tsApi.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  const file = diagnostic.file;
  if (!file || diagnostic.start === undefined) return { text };
  const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start);
  const lineText = file.text.split(/\r?\n/)[line] ?? '';
  return {
    text,
    location: {
      file: path.relative(process.cwd(), file.fileName),
      line: line + 1,
      column: character,
      length: Math.min(diagnostic.length ?? 0, lineText.length - character),
      lineText,
    },
  };
}

export = tapeless;
