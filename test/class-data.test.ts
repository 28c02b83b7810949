// Classes constructed in the differentiated function with fields of strings and booleans
// beside their numbers — a kind set by an initialiser, an optional label written later, a flag
// computed by the constructor, a mode given as a string union — and the code reading them in
// methods, getters, branches, loops, lists and helpers. They were a diagnostic (object literals
// took such fields, instances did not). Every mode against finite differences; the value jvp
// and vjp give is an instance with its data as the function's own.
import { beforeAll, describe, expect, it } from 'vitest';
import { bothBuilds } from './support/compile.js';
import { expectPointModes, pointModeExports } from './support/every-mode.js';

const FUNCTIONS = `
type Mode = 'walk' | 'run';
export class Body {
  kind = 'body';
  label?: string;
  active: boolean;
  steps = 0;
  constructor(public name: string, public x: number, public v: number, readonly mode: Mode = 'walk') {
    this.active = v > 0;
  }
  step(dt: number): void {
    if (!this.active) return;
    this.x += (this.mode === 'run' ? 2 : 1) * this.v * dt;
    this.v *= 0.9;
    this.steps++;
    if (this.steps > 3) this.label = 'tired';
  }
  get tired(): boolean {
    return this.label === 'tired';
  }
}
export function travel(x: number, v: number): number {
  const b = new Body('a', x, v, 'run');
  for (let i = 0; i < 6; i++) b.step(0.1);
  const c = new Body('b', x * 2, -v);
  c.step(0.5);
  return b.x * b.x + (b.tired ? b.v : 0) + c.x + (c.active ? 1 : 0) + (b.kind === 'body' ? b.steps : 0);
}
class Tagged {
  constructor(public x: number, public y: number, readonly tag: string) {}
  moved(dx: number): Tagged {
    return new Tagged(this.x + dx, this.y * 0.9, this.tag === 'p' ? 'q' : 'p');
  }
}
export function reassigned(x: number, y: number): number {
  let p = new Tagged(x, y, 'p');
  for (let i = 0; i < 5; i++) p = p.moved(0.1 * p.y);
  return p.x * p.y + (p.tag === 'q' ? p.x : 0);
}
export function listed(x: number, y: number): number {
  const ps = [new Tagged(x, y, 'a'), new Tagged(y, x, 'b')];
  let s = 0;
  for (const p of ps) s += p.tag === 'a' ? p.x * p.x : p.y * 3;
  return s;
}
export function chosen(x: number, y: number): number {
  const p = x > 0 ? new Tagged(x, y, 'pos') : new Tagged(y, x, 'neg');
  return (p.tag === 'pos' ? 2 : 3) * p.x * p.y;
}
export const made = (x: number, v: number) => {
  const b = new Body('m', x, v);
  b.step(1);
  return b;
};
`;
const MAIN = `import { derivative, grad, hessian, jvp, valueAndGrad, vjp } from 'tapeless';
${FUNCTIONS}
${pointModeExports(['travel', 'reassigned', 'listed', 'chosen'], 2)}
export const jvpMade = jvp(made);
export const vjpMade = vjp(made);
export const dMade = derivative(made);
`;

describe('classes with fields of strings and booleans, constructed in the function', () => {
  let builds: Record<string, any>[] = [];
  beforeAll(async () => {
    builds = (await bothBuilds(MAIN)).map((build) => build.m);
  });

  it('set by initialisers and constructors, written by methods, read by getters, branches, loops, lists and choices: every mode', () => {
    for (const m of builds)
      for (const point of [
        [0.5, 1.2],
        [-1, -0.3],
        [2, 0.7],
      ])
        for (const name of ['travel', 'reassigned', 'listed', 'chosen']) expectPointModes(m, name, point, []);
  });

  it("jvp's and vjp's value is the instance with its data; derivatives leave the data out", () => {
    for (const m of builds) {
      const [value, tangent] = m.jvpMade([1, 2], [1, 0]);
      const own = m.made(1, 2);
      expect(value).toBeInstanceOf(m.Body);
      expect({ ...value }).toEqual({ ...own });
      expect(value.tired).toBe(false);
      expect(tangent).toEqual({ steps: 0, x: 1, v: 0 });
      expect(m.dMade(1, 2)).toEqual({ steps: 0, x: 1, v: 0 });
      const [again, pullback] = m.vjpMade(1, 2);
      expect(again).toBeInstanceOf(m.Body);
      expect(again.name).toBe('m');
      expect(pullback({ x: 1, v: 0, steps: 0 })).toEqual([1, 1]);
    }
  });
});
