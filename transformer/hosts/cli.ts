#!/usr/bin/env node
import * as path from 'path';
import type * as ts from 'typescript';
import { formatDiagnostics } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { loadTypeScript } from './load-typescript';
import { readProject } from './project';

const USAGE = 'usage: tapeless print <file.ts> [--fn <name>] [--project <tsconfig.json>]';

/** `tapeless print file.ts [--fn name]`: the generated code of the differentiated functions. */
function main(argv: readonly string[]): number {
  const [command, file, ...rest] = argv;
  if (command !== 'print' || !file) {
    console.error(USAGE);
    return 2;
  }
  const flag = (name: string) => {
    const index = rest.indexOf(name);
    return index >= 0 ? rest[index + 1] : undefined;
  };
  const only = flag('--fn');
  const fileName = path.resolve(file);
  const tsApi = loadTypeScript(path.dirname(fileName));
  const project = readProject(tsApi, path.dirname(fileName), flag('--project'));
  const program = tsApi.createProgram({ rootNames: [...new Set([...project.rootNames, fileName])], options: { ...project.options, noEmit: false } });
  const source = program.getSourceFile(fileName);
  if (!source) {
    console.error(`tapeless: ${file} is not a TypeScript file of this project`);
    return 2;
  }
  const diagnostics: ts.Diagnostic[] = [];
  const printer = tsApi.createPrinter({ newLine: tsApi.NewLineKind.LineFeed });
  const printed: string[] = [];
  const transformer = createTransformer(tsApi, program, {
    report: (diagnostic) => diagnostics.push(diagnostic),
    onGenerated: ({ target, api, node, file: into }) => {
      if (!only || only === target) printed.push(`// ${api}(${target})\n${printer.printNode(tsApi.EmitHint.Unspecified, node, into)}\n`);
    },
  });
  tsApi.transform(source, [transformer], program.getCompilerOptions()).dispose();
  if (diagnostics.length > 0) {
    console.error(formatDiagnostics(tsApi, diagnostics, process.cwd()));
    return 1;
  }
  if (printed.length === 0) {
    console.error(only ? `tapeless: no grad or valueAndGrad call differentiates '${only}' in ${file}` : `tapeless: ${file} differentiates no function`);
    return 1;
  }
  process.stdout.write(printed.join('\n'));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
