import * as path from 'path';
import type * as ts from 'typescript';

export interface Project {
  /** The tsconfig read, if any. */
  readonly configPath: string | undefined;
  readonly options: ts.CompilerOptions;
  readonly rootNames: readonly string[];
}

/**
 * The compiler options and root files of the tsconfig that governs `fileName`: `tsconfig`
 * if given, else the nearest one. A solution-style tsconfig (`"files": []` with
 * `references`, as `npm create vite` writes) governs nothing itself: the referenced project
 * that includes the file does, as in the editor. Defaults where there is none.
 */
export function readProject(tsApi: typeof ts, fileName: string, tsconfig?: string, parsed = new Map<string, ParsedConfig>()): Project {
  const parseConfig = (configPath: string) => {
    let config = parsed.get(path.resolve(configPath));
    if (!config) parsed.set(path.resolve(configPath), (config = parseConfigFile(tsApi, configPath)));
    return config;
  };
  const configPath = tsconfig ?? tsApi.findConfigFile(path.dirname(fileName), tsApi.sys.fileExists);
  if (!configPath) return { configPath: undefined, options: { strict: true, target: tsApi.ScriptTarget.ES2022 }, rootNames: [] };
  const first = parseConfig(configPath);
  if (tsconfig) return first;
  const governs = (project: Project) => project.rootNames.some((root) => path.resolve(root) === path.resolve(fileName));
  if (governs(first)) return first;
  // Breadth first through the references, as tsserver looks for the project of an open file.
  const seen = new Set([path.resolve(configPath)]);
  const queue = [...first.references];
  while (queue.length > 0) {
    const referenced = tsApi.resolveProjectReferencePath(queue.shift()!);
    if (seen.has(path.resolve(referenced)) || !tsApi.sys.fileExists(referenced)) continue;
    seen.add(path.resolve(referenced));
    const project = parseConfig(referenced);
    if (governs(project)) return project;
    queue.push(...project.references);
  }
  return first;
}

/**
 * The project's declaration files (globals, ambient modules): the roots a program made for
 * one file needs besides it. Its other files join where the file imports them; a program of
 * every file of a large project would make one file wait for all of them.
 */
export function declarationRoots(project: Project): string[] {
  return project.rootNames.filter((root) => /\.d\.[cm]?ts$/.test(root));
}

/** A tsconfig as parsed, with its references: kept by hosts that read it for many files. */
export type ParsedConfig = Project & { readonly references: readonly ts.ProjectReference[] };

function parseConfigFile(tsApi: typeof ts, configPath: string): ParsedConfig {
  const config = tsApi.readConfigFile(configPath, tsApi.sys.readFile);
  const parsed = tsApi.parseJsonConfigFileContent(config.config ?? {}, tsApi.sys, path.dirname(configPath), undefined, configPath);
  return { configPath, options: parsed.options, rootNames: parsed.fileNames, references: parsed.projectReferences ?? [] };
}
