// Generated code is read by users (tapeless print, the editor's hover, a debugger): the values
// of their variables keep their names, and so do their adjoints, also where the statement that
// makes the value is not the last one lowered for the declaration (an array a loop fills, a
// reduce's result, the maximum of a spread).
import { describe, expect, it } from 'vitest';
import { close, compile, entryDifference } from './support/compile.js';

describe("generated code named after the user's variables", () => {
  it('names arrays made by map, the result of reduce and of Math.max(...xs), and their adjoints', async () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';
export function crossEntropy(logits: number[], label: number): number {
  const top = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - top));
  const total = exps.reduce((s, e) => s + e, 0);
  return -Math.log(exps[label] / total);
}
export const dCrossEntropy = grad(crossEntropy, { wrt: 0 });`,
    });
    expect(compiled.messages).toEqual([]);
    const code = compiled.js['main.ts'];
    for (const declared of ['const top = ', 'const exps = new Array(', 'const exps_bar = ', 'const total = ', 'let top_bar = '])
      expect(code).toContain(declared);
    const m = await compiled.load();
    const logits = [0.2, 1.5, -0.3];
    m.dCrossEntropy(logits, 1).forEach((g: number, i: number) =>
      close(
        g,
        entryDifference(() => m.crossEntropy(logits, 1), logits, i),
        1e-8,
      ),
    );
  });
});
