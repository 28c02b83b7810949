import { expect, it } from 'vitest';
import { compile } from './support/compile.js';

it('compiles and loads', async () => {
  const out = compile({ 'main.ts': `import { grad } from 'tapeless';\nexport const g = grad((x: number) => x * x * x);\n` });
  expect(out.messages).toEqual([]);
  const m = await out.load();
  expect(m.g(2)).toBe(12);
});
