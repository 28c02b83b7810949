// Fields read by a key known only when the code runs, as users write tables of coefficients:
// `COEFFS[name]` with `name: string` on a module's `Record<string, number>` constant (a key it
// does not hold reads undefined, as in JavaScript), `GAIN[kind]` with `kind: 'lin' | 'quad'`,
// `o[key]` with `key: 'a' | 'b'` on an object the function makes. Each is a choice between
// the fields the key may name, checked in every mode (grad and valueAndGrad in reverse mode
// and, through compile's twin, forward mode; derivative, hessian) against finite differences.
// A key on another object (the caller's table) stays the diagnostic that says to switch.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, expectHessianOfGradient, partialDifference } from './support/compile.js';

const PROGRAMS = `
const COEFFS: Record<string, number> = { a: 1.5, b: -0.3, c: 2 };
type Kind = 'lin' | 'quad';
const GAIN: Record<Kind, number> = { lin: 0.5, quad: 1.5 };

export function coefficient(x: number, y: number, name: string): number {
  return COEFFS[name] * x * y + COEFFS[name] * x * x;
}

export function unknownKey(x: number, y: number, name: string): number {
  const c = COEFFS[name];
  return c === undefined ? x * y : c * x * x;
}

export function gain(x: number, y: number, kind: Kind): number {
  return GAIN[kind] * x * x + Math.sin(y) * GAIN[kind];
}

export function picked(x: number, y: number, key: 'a' | 'b'): number {
  const o = { a: x * y, b: x + y };
  return o[key] * x;
}

function weight(o: { a: number; b: number }, key: 'a' | 'b'): number {
  return o[key] * o[key];
}

export function pickedByHelper(x: number, y: number, key: 'a' | 'b'): number {
  return weight({ a: Math.exp(x), b: x * y }, key) + y;
}
`;

const CASES: Record<string, readonly string[]> = {
  coefficient: ['a', 'b', 'c'],
  unknownKey: ['b', 'zzz'],
  gain: ['lin', 'quad'],
  picked: ['a', 'b'],
  pickedByHelper: ['a', 'b'],
};

const SOURCE = `
import { derivative, grad, hessian, valueAndGrad } from 'tapeless';
${PROGRAMS}
${Object.keys(CASES)
  .map(
    (name) => `export const grad_${name} = grad(${name}, { wrt: ['x', 'y'] });
export const value_${name} = valueAndGrad(${name}, { wrt: ['x', 'y'] });
export const derivative_${name} = derivative(${name}, { wrt: 'y' });
export const hessian_${name} = hessian(${name}, { wrt: ['x', 'y'] });`,
  )
  .join('\n')}
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('a field read by a key known only at run time: a choice between the fields it may name, in every mode against finite differences', () => {
  for (const [name, keys] of Object.entries(CASES)) {
    for (const key of keys) {
      it(`${name}(…, '${key}')`, () => {
        const f = (x: number, y: number) => m[name](x, y, key) as number;
        const point = [0.7, -1.3];
        const differences = point.map((_, j) => partialDifference(f, point, j));
        const gradient = m[`grad_${name}`](...point, key);
        differences.forEach((d, j) => close(gradient[j], d, 1e-6));
        const [value, valued] = m[`value_${name}`](...point, key);
        close(value, f(point[0], point[1]));
        differences.forEach((d, j) => close(valued[j], d, 1e-6));
        close(m[`derivative_${name}`](...point, key), differences[1], 1e-6);
        expectHessianOfGradient(m[`hessian_${name}`](...point, key), (x, y) => m[`grad_${name}`](x, y, key), point);
      });
    }
  }
});

describe('a key on an object the function does not know: the diagnostic that says to switch', () => {
  it('a module constant its module gives more fields', () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';\nconst COEFFS: Record<string, number> = { a: 1.5 };\nCOEFFS['b'] = -0.5;\nexport function f(x: number, name: string): number {\n  return -COEFFS.a * COEFFS[name] * x;\n}\nexport const g = grad(f, { wrt: 'x' });\n`,
    });
    expect(compiled.messages).toEqual([
      "main.ts:5:22 tapeless: 'COEFFS[name]' reads a field by a key known only at run time, which differentiated code cannot follow: read the field by its name ('COEFFS.<field>'), choosing with a 'switch' on 'name' if it varies.",
    ]);
  });

  it("the caller's table", () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';\nexport function f(x: number, table: Record<string, number>, name: string): number {\n  return table[name] * x;\n}\nexport const g = grad(f, { wrt: 'x' });\n`,
    });
    expect(compiled.messages).toEqual([
      "main.ts:3:10 tapeless: 'table[name]' reads a field by a key known only at run time, which differentiated code cannot follow: read the field by its name ('table.<field>'), choosing with a 'switch' on 'name' if it varies.",
    ]);
  });
});
