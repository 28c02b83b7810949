import * as path from 'path';
import type * as ts from 'typescript';

/** Compiler options and root files of the tsconfig that governs `fileOrDir`, or defaults. */
export function readProject(tsApi: typeof ts, fileOrDir: string, tsconfig?: string): { options: ts.CompilerOptions; rootNames: string[] } {
  const configPath = tsconfig ?? tsApi.findConfigFile(fileOrDir, tsApi.sys.fileExists);
  if (!configPath) return { options: { strict: true, target: tsApi.ScriptTarget.ES2022 }, rootNames: [] };
  const config = tsApi.readConfigFile(configPath, tsApi.sys.readFile);
  const parsed = tsApi.parseJsonConfigFileContent(config.config ?? {}, tsApi.sys, path.dirname(configPath));
  return { options: parsed.options, rootNames: parsed.fileNames };
}
