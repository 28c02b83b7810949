import type * as ts from 'typescript';

/**
 * Which TypeScript each host runs on, in one place. tapeless needs the transformer API of
 * TypeScript 5 and 6; TypeScript 7 (the native compiler, `npm install typescript`'s default
 * now) has none: `require('typescript')` gives only its version.
 */
const SUPPORTED = '>=5.0 <7';

/**
 * tapeless's own TypeScript 6, a dependency under this alias (so that it never takes the
 * place of the project's `typescript`), for hosts that build their own program.
 */
const OWN_TYPESCRIPT = 'typescript-6';

function supports(tsApi: { readonly version?: unknown } | undefined): boolean {
  const major = typeof tsApi?.version === 'string' ? Number.parseInt(tsApi.version, 10) : NaN;
  return major >= 5 && major < 7;
}

/**
 * An unsupported TypeScript: thrown where a host starts, one message and no stack trace to
 * read (Rollup prints the stack after the message, less the line that repeats it).
 */
export class UnsupportedTypeScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTypeScriptError';
    this.stack = `${this.name}: ${message}\n`;
  }
}

/**
 * `tsApi` (from `origin`), if tapeless can run on it; else an error that says which versions
 * work and what to do, `on7` saying how this host gets a TypeScript 6 instead of 7.
 */
export function checkTypeScript(tsApi: typeof ts, origin: string, on7: string): typeof ts {
  if (supports(tsApi)) return tsApi;
  const version = typeof tsApi?.version === 'string' ? tsApi.version : '(of unknown version)';
  const head = `tapeless: TypeScript ${version} (${origin}) cannot run tapeless, which needs TypeScript ${SUPPORTED} (tested with 5.9 and 6.0).`;
  throw new UnsupportedTypeScriptError(
    Number.parseInt(version, 10) >= 7
      ? `${head} TypeScript 7, the native compiler, has no transformer API: ${on7} See README, "TypeScript 7".`
      : `${head} Install TypeScript 6: npm install --save-dev typescript@6.`,
  );
}

/**
 * The project's `typescript`, resolved from its root, for a host whose program another tool
 * builds with it (@rollup/plugin-typescript): one tapeless cannot run on is an error.
 */
export function loadProjectTypeScript(root: string, on7: string): typeof ts {
  return checkTypeScript(require(require.resolve('typescript', { paths: [root] })), `the 'typescript' of ${root}`, on7);
}

/**
 * The TypeScript of a host that builds its own program (Vite, the CLI): the project's, so
 * that tapeless compiles as the project's type checker and editor do, unless tapeless cannot
 * run on it (TypeScript 7, or older than 5) or there is none: then tapeless's own TypeScript 6.
 */
export function loadTypeScript(root: string = process.cwd()): typeof ts {
  let project: typeof ts | undefined;
  try {
    project = require(require.resolve('typescript', { paths: [root] }));
  } catch {
    project = undefined;
  }
  return project && supports(project) ? project : require(require.resolve(OWN_TYPESCRIPT, { paths: [__dirname] }));
}

/**
 * A host that is given the program (Rollup) must transform it with the TypeScript that built
 * it: nodes of one TypeScript are misread by another (node kinds are numbered differently from
 * one version to the next). Source files share the prototype of the TypeScript that made them,
 * so a file made here tells the two apart.
 */
export function checkSameTypeScript(tsApi: typeof ts, program: ts.Program, fix: string): void {
  const theirs = program.getSourceFiles()[0];
  if (!theirs) return;
  const ours = tsApi.createSourceFile('tapeless-probe.ts', '', tsApi.ScriptTarget.Latest);
  if (Object.getPrototypeOf(ours) === Object.getPrototypeOf(theirs)) return;
  const from = Object.values(require.cache).find((module) => module?.exports === tsApi)?.filename;
  throw new UnsupportedTypeScriptError(
    `tapeless: the program was built by another TypeScript than the one tapeless was given (${tsApi.version}${from ? `, from ${from}` : ''}); tapeless must transform a program with the TypeScript that built it. ${fix}`,
  );
}
