// Object literals with fields of strings and booleans, as users write options and records
// inside the code they differentiate: a flag in an options object given to a helper, a `kind`
// of a string-literal union narrowed by ===, a flag read from a parameter, written
// (`st.on = !st.on`), copied by spreads, chosen by a branch, held in a record a loop
// reassigns, and returned. Such fields are data: read and compared, never differentiated
// (a derivative of a returned object leaves them out). Every mode against finite differences
// on both sides of each flag; reverse against forward through compile's twin.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, expectHessianOfGradient, finiteDifference, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad, vjp } from 'tapeless';

interface Opts { scale?: number; clamp?: boolean }
function model(x: number, opts: Opts): number {
  let y = (opts.scale ?? 1) * x;
  if (opts.clamp) y = Math.min(Math.max(y, -1), 1);
  return y * y;
}

/** A boolean flag in options objects given to a helper; a copy by a spread, the flag from a parameter. */
export function options(x: number, clamp: boolean): number {
  const base = { clamp, scale: x };
  return model(x, { clamp: true, scale: 0.3 }) + model(x, { scale: 2 }) + model(x, { ...base, scale: 2 * x }) + model(x, { ...base });
}

type Kind = 'call' | 'put';
interface Option { kind: Kind; strike: number }
function payoff(o: Option, s: number): number {
  return o.kind === 'call' ? Math.max(s - o.strike, 0) : Math.max(o.strike - s, 0);
}

/** A string-literal union field, narrowed by ===; an object chosen by a branch on a flag. */
export function options2(s: number, k: number, up: boolean): number {
  const c: Option = { kind: 'call', strike: k };
  const chosen = up ? { kind: 'call' as Kind, strike: 1.1 * k } : { kind: 'put' as Kind, strike: 0.9 * k };
  return payoff(c, s) + payoff({ kind: 'put', strike: k * 1.1 }, s) + payoff(chosen, s) * 2;
}

/** A local array of such objects, walked by reduce (unrolled: each test of a kind and a flag decided). */
export function book(s: number, k: number): number {
  const legs: (Option & { long: boolean })[] = [
    { kind: 'call', strike: k, long: true },
    { kind: 'put', strike: 0.9 * k, long: false },
  ];
  return legs.reduce((total, leg) => total + (leg.long ? 1 : -1) * payoff(leg, s), 0);
}

/** A flag read from a parameter, written in a loop, compared with === (restored as a boolean by the reverse sweep). */
export function toggled(x: number, on: boolean): number {
  const st = { on, v: x };
  let acc = 0;
  for (let i = 0; i < 4; i++) {
    acc += st.on === true ? st.v * st.v : Math.sin(st.v);
    st.on = !st.on;
    st.v = st.v * 0.5 + 1;
  }
  return acc;
}

/** A record with a string field reassigned in a loop, and a string variable the loop reassigns. */
export function phases(x: number, start: 'a' | 'b'): number {
  let st = { phase: start, v: x };
  let mode = start === 'a' ? 'grow' : 'shrink';
  for (let i = 0; i < 3; i++) {
    st = st.phase === 'a' ? { phase: 'b', v: st.v * st.v } : { phase: 'a', v: st.v + 1 };
    mode = mode === 'grow' ? 'shrink' : 'grow';
  }
  return mode === 'grow' ? st.v : 2 * st.v;
}

/** A string parameter, a boolean parameter and a 'string | undefined' variable a loop reassigns (they were recorded as numbers). */
export function reassignedData(x: number, mode: string, on: boolean): number {
  let label: string | undefined;
  let s = 0;
  for (let k = 0; k < 4; k++) {
    s += (mode === 'sq' ? x * x : Math.sin(x)) + (on ? x * k : x) + (label === 'a' ? x * x * x : x);
    if (k === 1) mode = 'sin';
    on = !on;
    label = k % 2 === 0 ? 'a' : undefined;
  }
  return s;
}

/** A returned object with data fields: its derivatives leave them out. */
export function point(x: number, on: boolean): { on: boolean; kind: Kind; v: number; w: number[] } {
  return { on, kind: on ? 'call' : 'put', v: x * x, w: [x, Math.sin(x)] };
}

/** A copy by a spread keeps the fields in their order, data among them, a replaced one in its place. */
export function copied(x: number, on: boolean): { on: boolean; kind: Kind; v: number } {
  const made = { on, kind: 'call' as Kind, v: x };
  return { ...made, v: 2 * x };
}

export const gOptions = grad(options, { wrt: 0 });
export const vOptions = valueAndGrad(options, { wrt: 0 });
export const dOptions = derivative(options, { wrt: 0 });
export const hOptions = hessian(options, { wrt: 0 });
export const gOptions2 = grad(options2, { wrt: [0, 1] });
export const dOptions2 = derivative(options2, { wrt: 'k' });
export const gBook = grad(book);
export const dBook = derivative(book, { wrt: 's' });
export const gToggled = grad(toggled, { wrt: 0 });
export const vToggled = valueAndGrad(toggled, { wrt: 0 });
export const dToggled = derivative(toggled, { wrt: 0 });
export const hToggled = hessian(toggled, { wrt: 0 });
export const gPhases = grad(phases, { wrt: 0 });
export const dPhases = derivative(phases, { wrt: 0 });
export const hPhases = hessian(phases, { wrt: 0 });
export const gReassignedData = grad(reassignedData, { wrt: 0 });
export const dReassignedData = derivative(reassignedData, { wrt: 0 });
export const hReassignedData = hessian(reassignedData, { wrt: 0 });
export const dPoint = derivative(point, { wrt: 0 });
export const jvPointOn = jvp((x: number) => point(x, true));
export const jvPointOff = jvp((x: number) => point(x, false));
export const jPoint = jacobian(point, { wrt: 0 });
export const jvCopied = jvp((x: number) => copied(x, false));
export const pPointOn = vjp((x: number) => point(x, true));
export const pPointOff = vjp((x: number) => point(x, false));
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/**
 * `name(x, ...data)` against finite differences in x, in every mode the program exports for it:
 * g<Name> (grad), d<Name> (derivative), h<Name> (hessian, against differences of the gradient),
 * and v<Name> (valueAndGrad: its value is f's) where there is one.
 */
function expectEveryMode(name: string, data: readonly unknown[], points: readonly number[]): void {
  const Name = name[0].toUpperCase() + name.slice(1);
  const f = (q: number) => m[name](q, ...data);
  for (const x of points) {
    const d = finiteDifference(f, x);
    close(m[`g${Name}`](x, ...data), d, 1e-6);
    close(m[`d${Name}`](x, ...data), d, 1e-6);
    expectHessianOfGradient(m[`h${Name}`](x, ...data), (q) => [m[`g${Name}`](q, ...data)], [x]);
    if (!m[`v${Name}`]) continue;
    const [value, gradient] = m[`v${Name}`](x, ...data);
    close(value, f(x));
    close(gradient, d, 1e-6);
  }
}

describe('object literals with string and boolean fields', () => {
  it('a flag in options objects given to a helper, copied by spreads, in every mode', () => {
    for (const clamp of [true, false]) expectEveryMode('options', [clamp], [0.7, -1.3, 2.1]);
  });

  it("a 'kind' of a string-literal union, narrowed by ===, and an object chosen by a branch", () => {
    for (const up of [true, false]) {
      for (const point of [
        [100, 95],
        [80, 95],
      ]) {
        const f = (s: number, k: number) => m.options2(s, k, up);
        const [gs, gk] = m.gOptions2(...point, up);
        close(gs, partialDifference(f, point, 0), 1e-6);
        close(gk, partialDifference(f, point, 1), 1e-6);
        close(m.dOptions2(...point, up), gk, 1e-9);
      }
    }
  });

  it('a local array of objects with kinds and flags', () => {
    for (const point of [
      [100, 95],
      [88, 95],
      [80, 95],
    ]) {
      const [gs, gk] = m.gBook(...point);
      close(gs, partialDifference(m.book, point, 0), 1e-6);
      close(gk, partialDifference(m.book, point, 1), 1e-6);
      close(m.dBook(...point), gs, 1e-9);
    }
  });

  it('a flag from a parameter, written in a loop and compared with ===, in every mode', () => {
    for (const on of [true, false]) expectEveryMode('toggled', [on], [0.7, -1.3]);
  });

  it('a record whose string field a loop reassigns, and a string variable a loop reassigns', () => {
    for (const start of ['a', 'b']) expectEveryMode('phases', [start], [0.7, 1.6]);
  });

  it("a string or boolean parameter and a 'string | undefined' variable a loop reassigns, in every mode", () => {
    for (const data of [
      ['sq', true],
      ['sin', false],
    ])
      expectEveryMode('reassignedData', data, [0.7, 1.6]);
  });

  it('a returned object: its value keeps the data fields, its derivatives (derivative, jvp, jacobian, vjp) leave them out', () => {
    for (const on of [true, false]) {
      const x = 0.7;
      const expected = { v: 2 * x, w: [1, Math.cos(x)] };
      expect(Object.keys(m.dPoint(x, on))).toEqual(['v', 'w']);
      close(m.dPoint(x, on).v, expected.v);
      close(m.dPoint(x, on).w[1], expected.w[1]);
      const [value, tangent] = (on ? m.jvPointOn : m.jvPointOff)([x], [1]);
      expect(value).toEqual(m.point(x, on));
      expect(value.kind).toBe(on ? 'call' : 'put');
      expect(Object.keys(tangent)).toEqual(['v', 'w']);
      close(tangent.v, expected.v);
      const rows = m.jPoint(x, on);
      expect(rows.length).toBe(3);
      close(rows[0][0], expected.v);
      close(rows[2][0], expected.w[1]);
      const [primal, pullback] = (on ? m.pPointOn : m.pPointOff)(x);
      expect(primal).toEqual(m.point(x, on));
      close(pullback({ v: 1, w: [0, 1] }), expected.v + expected.w[1]);
      const [copy, copyTangent] = m.jvCopied([x], [1]);
      expect(copy).toEqual({ on: false, kind: 'call', v: 2 * x });
      expect(Object.keys(copy)).toEqual(['on', 'kind', 'v']);
      expect(copyTangent).toEqual({ v: 2 });
    }
  });
});
