#!/usr/bin/env node
import * as path from 'path';
import type * as ts from 'typescript';
import { checkFile, filesUsingTapeless } from '../driver/check';
import { formatDiagnostics } from '../driver/diagnostics';
import { printGenerated } from '../driver/print';
import { loadTypeScript } from './load-typescript';
import { declarationRoots, readProject } from './project';

const USAGE = ['usage: tapeless print <file.ts> [--fn <name>] [--project <tsconfig.json>]', '       tapeless check [-p <tsconfig.json or its directory>]'].join(
  '\n',
);

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  const flag = (...names: string[]) => {
    const index = rest.findIndex((arg) => names.includes(arg));
    return index >= 0 ? rest[index + 1] : undefined;
  };
  if (command === 'print' && rest[0] && !rest[0].startsWith('-')) return print(rest[0], flag('--fn'), flag('--project'));
  if (command === 'check') return check(flag('-p', '--project') ?? '.');
  console.error(USAGE);
  return 2;
}

/** `tapeless print file.ts [--fn name]`: the generated code of the differentiated functions. */
function print(file: string, only: string | undefined, tsconfig: string | undefined): number {
  const fileName = path.resolve(file);
  const tsApi = loadTypeScript(path.dirname(fileName));
  const project = readProject(tsApi, fileName, tsconfig);
  const program = tsApi.createProgram({ rootNames: [...declarationRoots(project), fileName], options: { ...project.options, noEmit: false } });
  const source = program.getSourceFile(fileName);
  if (!source) {
    console.error(`tapeless: ${file} is not a TypeScript file of this project`);
    return 2;
  }
  const { text, diagnostics } = printGenerated(tsApi, program, source, only);
  if (diagnostics.length > 0) {
    console.error(formatDiagnostics(tsApi, diagnostics, process.cwd()));
    return 1;
  }
  if (text === '') {
    console.error(only ? `tapeless: no grad or valueAndGrad call differentiates '${only}' in ${file}` : `tapeless: ${file} differentiates no function`);
    return 1;
  }
  process.stdout.write(text);
  return 0;
}

/**
 * `tapeless check [-p tsconfig.json]`: every tapeless diagnostic of a project and of the
 * projects it references, exit 1 on any — for CI that only type-checks (`tsc --noEmit`
 * never runs the transformer).
 */
function check(project: string): number {
  const first = path.resolve(project.endsWith('.json') ? project : path.join(project, 'tsconfig.json'));
  const tsApi = loadTypeScript(path.dirname(first));
  const configs = [first];
  const diagnostics: ts.Diagnostic[] = [];
  let checked = 0;
  for (let i = 0; i < configs.length; i++) {
    const configPath = configs[i];
    const { config, error } = tsApi.readConfigFile(configPath, tsApi.sys.readFile);
    if (error) {
      console.error(formatDiagnostics(tsApi, [error], process.cwd()));
      return 2;
    }
    const parsed = tsApi.parseJsonConfigFileContent(config, tsApi.sys, path.dirname(configPath), undefined, configPath);
    const program = tsApi.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences });
    for (const file of filesUsingTapeless(program)) {
      checked++;
      diagnostics.push(...checkFile(tsApi, program, file));
    }
    for (const reference of parsed.projectReferences ?? []) {
      const referenced = tsApi.resolveProjectReferencePath(reference);
      if (!configs.includes(referenced)) configs.push(referenced);
    }
  }
  const found = tsApi.sortAndDeduplicateDiagnostics(diagnostics);
  const where = path.relative(process.cwd(), first) || first;
  if (found.length > 0) {
    console.error(formatDiagnostics(tsApi, found, process.cwd()));
    console.error(`tapeless: ${found.length} error${found.length === 1 ? '' : 's'} in ${where}.`);
    return 1;
  }
  console.log(
    `tapeless: no errors (${checked} file${checked === 1 ? '' : 's'} using tapeless in ${where}${configs.length > 1 ? ` and the ${configs.length - 1} project${configs.length === 2 ? '' : 's'} it references` : ''}).`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
