// Optional object fields and parameters, absent (undefined) or given, in differentiated code:
// a class constructed in the function whose optional object field is left out (`new
// Schedule(rate)`) or given as an object literal (`new Schedule(rate, { start, end, scale })`),
// read through `this` and tested for truth (`if (w && t >= w.start)`, `!w ||`, `w ? … : …`,
// `w?.scale ?? 1`); and the same tests on an optional object parameter of a helper. Every
// gradient against finite differences, in every mode (compile() checks reverse against forward
// mode at every call).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, expectHessianOfGradient, finiteDifference, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad } from 'tapeless';

export interface Window { start: number; end: number; scale: number }

class Schedule {
  base = 1;
  constructor(readonly rate: number, readonly window?: Window) {
    if (rate <= 0) throw new Error('the rate must be positive');
  }
  at(t: number): number {
    const w = this.window;
    if (w && t >= w.start && t < w.end) return this.rate * w.scale;
    return this.rate * this.base;
  }
  outside(t: number): boolean {
    const w = this.window;
    return !w || t < w.start || t >= w.end;
  }
  boost(): number {
    return this.window?.scale ?? 1;
  }
}

export function dose(rate: number, scale: number): number {
  const plain = new Schedule(rate);
  const windowed = new Schedule(rate, { start: 2, end: 5, scale });
  let total = 0;
  for (let t = 0; t < 8; t++) {
    total += plain.at(t) * windowed.at(t);
    if (windowed.outside(t)) total += 0.1 * rate * rate;
    const w = windowed.window;
    total += w && w.scale > 0.5 ? scale * t * 0.01 : rate * 0.01;
  }
  return total + windowed.boost() * plain.boost() * rate;
}

function damped(x: number, damping?: { factor: number }): number {
  if (damping && damping.factor > 0) return x * Math.exp(-damping.factor * x);
  if (!damping || damping.factor === 0) return x * x;
  return x;
}

export function response(x: number, k: number, damping?: { factor: number }): number {
  return damped(x) + damped(x, { factor: k }) + damped(k, damping) * x;
}

export function path(t: number, scale: number): number[] {
  const s = new Schedule(2, { start: 0, end: t, scale });
  return [s.at(0.5) * t, s.at(10) + s.boost() * t * t];
}

export function given(rate: number, w?: Window, o: { inner?: { gain: number } } = {}): number {
  const s = new Schedule(rate, w);
  const gain = o.inner && o.inner.gain > 0 ? o.inner.gain : 1;
  return (s.at(1) + s.at(3) + s.boost()) * gain * rate;
}

class Gate {
  constructor(readonly rate: number, readonly open?: { width: number }) {}
  alone(): number { if (this.open) return this.rate * this.open.width; return this.rate; }
  negated(): number { return !this.open ? 2 * this.rate : this.rate * this.rate; }
  chosen(): number { const o = this.open; return o ? o.width * 3 : 1; }
  looped(): number { let n = 0; while (this.open && n < 3) n++; return n * this.rate; }
}

export function gates(x: number, y: number): number {
  const shut = new Gate(x);
  const open = new Gate(x, { width: y });
  return shut.alone() + open.alone() + shut.negated() + open.negated() + shut.chosen() * open.chosen() + shut.looped() + open.looped();
}

export const dDose = grad(dose);
export const dGates = grad(gates);
export const hGates = hessian(gates);
export const dGiven = grad(given, { wrt: 0 });
export const hGiven = hessian(given, { wrt: 0 });
export const vgDose = valueAndGrad(dose);
export const dDoseScale = grad(dose, { wrt: 'scale' });
export const dxDose = derivative(dose);
export const jvpDose = jvp(dose);
export const hDose = hessian(dose);
export const dResponse = grad(response, { wrt: [0, 1] });
export const hResponse = hessian(response, { wrt: [0, 1] });
export const jPath = jacobian(path);
export const dPath = derivative(path, { wrt: 'scale' });
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

const DOSES = [
  [0.7, 0.3],
  [1.2, 0.8],
  [0.4, 2.5],
];

describe('a class constructed with its optional object field left out or given', () => {
  it('grad, valueAndGrad, grad of one parameter against finite differences', () => {
    for (const point of DOSES) {
      const gradient = m.dDose(...point);
      point.forEach((_, i) => close(gradient[i], partialDifference(m.dose, point, i), 1e-6));
      const [value, again] = m.vgDose(...point);
      expect(value).toBe(m.dose(...point));
      expect(again).toEqual(gradient);
      close(m.dDoseScale(...point), gradient[1], 1e-12);
    }
  });

  it('derivative, jvp and hessian', () => {
    for (const point of DOSES) {
      const gradient = m.dDose(...point);
      close(m.dxDose(...point), gradient[0], 1e-12);
      const [value, tangent] = m.jvpDose(point, [1, -2]);
      expect(value).toBe(m.dose(...point));
      close(tangent, gradient[0] - 2 * gradient[1], 1e-12);
      expectHessianOfGradient(m.hDose(...point), m.dDose, point);
    }
  });

  it('jacobian and derivative of a function returning an array', () => {
    for (const [t, scale] of [
      [1.5, 0.3],
      [0.2, 1.7],
    ]) {
      const rows = m.jPath(t, scale);
      const tangent = m.dPath(t, scale);
      for (const i of [0, 1]) {
        close(
          rows[i][0],
          finiteDifference((u) => m.path(u, scale)[i], t),
          1e-6,
        );
        close(
          rows[i][1],
          finiteDifference((u) => m.path(t, u)[i], scale),
          1e-6,
        );
        close(tangent[i], rows[i][1], 1e-12);
      }
    }
  });

  it('the constructor throws where the class does', () => {
    expect(() => m.dDose(-1, 0.3)).toThrow('the rate must be positive');
  });
});

describe('every test of the truth of an optional object field: if, !, ?:, a loop condition', () => {
  it('grad and hessian', () => {
    for (const point of [
      [0.7, 1.3],
      [-0.4, 2],
    ]) {
      const gradient = m.dGates(...point);
      point.forEach((_, i) => close(gradient[i], partialDifference(m.gates, point, i), 1e-6));
      expectHessianOfGradient(m.hGates(...point), m.dGates, point);
    }
  });
});

describe("an optional object field given the caller's object, or left out", () => {
  it('grad and hessian', () => {
    for (const w of [undefined, { start: 2, end: 5, scale: 0.3 }, { start: 0, end: 2, scale: 2 }]) {
      for (const o of [{}, { inner: { gain: 3 } }, { inner: { gain: -1 } }]) {
        for (const rate of [0.7, 1.4]) {
          const f = (r: number) => m.given(r, w, o);
          close(m.dGiven(rate, w, o), finiteDifference(f, rate), 1e-6);
          close(
            m.hGiven(rate, w, o)[0][0],
            finiteDifference((r) => m.dGiven(r, w, o), rate),
            1e-5,
          );
        }
      }
    }
  });
});

describe('an optional object parameter of a helper, tested for truth', () => {
  it('left out, given as a literal, given by the caller or not: grad and hessian', () => {
    for (const point of [
      [0.7, 0.3],
      [1.3, -0.4],
    ]) {
      for (const damping of [undefined, { factor: 0.5 }, { factor: 0 }, { factor: -1 }]) {
        const f = (x: number, k: number) => m.response(x, k, damping);
        const gradient = m.dResponse(...point, damping);
        point.forEach((_, i) => close(gradient[i], partialDifference(f, point, i), 1e-6));
        expectHessianOfGradient(m.hResponse(...point, damping), (x, k) => m.dResponse(x, k, damping), point);
      }
    }
  });
});
