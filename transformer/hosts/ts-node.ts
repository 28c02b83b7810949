import type * as ts from 'typescript';
import { throwingTransformer } from './throwing';

/** The parts of ts-node (10) that this adapter uses. */
interface TsNode {
  register(options: { transformers: (program: ts.Program) => ts.CustomTransformers }): { readonly ts: typeof ts };
  readonly TSError: new (diagnosticText: string, diagnosticCodes: number[]) => Error;
}

/**
 * `node -r tapeless/ts-node src/index.ts`, in place of `node -r ts-node/register`: registers
 * the project's ts-node (with its tsconfig and `"ts-node"` options) with tapeless as a
 * transformer of its program. A file with tapeless errors stops the program where it is
 * required, with ts-node's "Unable to compile TypeScript" and the located errors. ts-node's
 * `transpileOnly` compiles without a program, and refuses the transformer.
 */
function register(): void {
  // The project's ts-node, as `node -r ts-node/register` would load it.
  const tsNode = require(require.resolve('ts-node', { paths: [process.cwd()] })) as TsNode;
  const service = tsNode.register({
    transformers: (program) => ({
      before: [
        throwingTransformer(service.ts, program, (message, diagnostics) =>
          withoutStack(
            new tsNode.TSError(
              message,
              diagnostics.map((diagnostic) => diagnostic.code),
            ),
          ),
        ),
      ],
    }),
  });
}

/** The located diagnostics say where: a stack trace into TypeScript's emit would not. */
function withoutStack(error: Error): Error {
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

register();
