import type * as ts from 'typescript';

/** The TypeScript of the project being built: the peer dependency, resolved from its root. */
export function loadTypeScript(root: string = process.cwd()): typeof ts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('typescript', { paths: [root, __dirname] }));
}
