// `fs` in the browser: the transformer reads no file when it is given runtime/*.js as text.
export function readFileSync(fileName: string): never {
  throw new Error(`the playground has no file system (read of ${fileName})`);
}
