import * as fs from 'fs';
import * as path from 'path';

/** The compiled runtime files the transform reads as source (see TransformOptions.runtimeSources). */
export type RuntimeSources = { readonly [name in 'rules' | 'drivers']: string };

/**
 * runtime/<name>.js, the compiled JavaScript of runtime/<name>.ts: the text a host gives
 * (the browser playground has no file system), else the file in dist beside the transformer.
 */
export function readRuntimeSource(name: keyof RuntimeSources, given: RuntimeSources | undefined): { fileName: string; text: string } {
  if (given) return { fileName: `runtime/${name}.js`, text: given[name] };
  const fileName = path.join(__dirname, '..', '..', 'runtime', `${name}.js`);
  return { fileName, text: fs.readFileSync(fileName, 'utf8') };
}
