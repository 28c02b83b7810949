// Work generated code no longer does, counted in the emitted JavaScript, with the results
// still checked against an oracle (hand derivations, finite differences).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compileAlone, entryDifference, partialDifference } from './support/compile.js';

const SOURCE = `
import { grad, hessian, jacobian, vjp } from 'tapeless';

export function polar(r: number, theta: number, z: number): number[] {
  return [r * Math.cos(theta) * z, r * Math.sin(theta) + z * z];
}
export const polarV = vjp(polar);

interface Net { W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: number }
/** A 1-n-1 network's mean squared error: err * err's adjoint reads total_bar twice. */
export function netLoss(m: Net, xs: Float64Array, ys: Float64Array): number {
  let total = 0;
  for (let s = 0; s < xs.length; s++) {
    const h = new Float64Array(m.b1.length);
    for (let j = 0; j < m.b1.length; j++) h[j] = Math.tanh(m.W1[2 * j] * xs[s] + m.W1[2 * j + 1] + m.b1[j]);
    let out = m.b2;
    for (let j = 0; j < m.b1.length; j++) out += m.W2[j] * h[j];
    const err = out - ys[s];
    total += err * err;
  }
  return total / xs.length;
}
export const netG = grad(netLoss, { wrt: 0 });
export const polarJ = jacobian(polar);

export function curve(t: number): Float64Array {
  const out = new Float64Array(4);
  for (let k = 0; k < 4; k++) out[k] = Math.sin((k + 1) * t) * t;
  return out;
}
/** Fills a trace nobody reads: its writes and its allocation are dead in the gradient. */
export function traced(x: number, y: number): number {
  const trace = new Float64Array(3);
  let s = 0;
  for (let i = 0; i < 3; i++) {
    s = s * y + Math.sin(x * (i + 1));
    trace[i] = s;
  }
  return s;
}
export const curveJ = jacobian(curve);
export const tracedG = grad(traced);

function normCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989422804014327 * Math.exp((-x * x) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - p : p;
}
/** Black–Scholes: each normCdf's value is read by the sweep (S_bar = normCdf(d1) + …) and its pullback is called too. */
export function price(S: number, K: number, r: number, sigma: number, T: number): number {
  const sq = Math.sqrt(T);
  const d1 = (Math.log(S / K) + (r + (sigma * sigma) / 2) * T) / (sigma * sq);
  const d2 = d1 - sigma * sq;
  return S * normCdf(d1) - K * Math.exp(-r * T) * normCdf(d2);
}
export const priceG = grad(price);
export const priceH = hessian(price);
/** The adjoint of normCdf(x) is 2 normCdf(x): it cannot be known before the value. */
export function squaredCdf(x: number): number {
  return normCdf(x) * normCdf(x) + x;
}
export const squaredCdfG = grad(squaredCdf);
`;

let js: string;
let m: Record<string, any>;
beforeAll(async () => {
  const compiled = compileAlone({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  js = compiled.js['main.ts'];
  m = await compiled.load();
});

/** The text of a generated function declaration. */
function functionText(name: string): string {
  const start = js.indexOf(`function ${name}(`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  const end = js.indexOf('\n}\n', start);
  return js.slice(start, end + 2);
}

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe('arrays only written', () => {
  it("a Jacobian's pushforward fills the output's tangent, not the primal output it does not return", () => {
    const tangent = functionText('curve_jacobian_tangent');
    expect(count(tangent, /new Float64Array/g)).toBe(1);
    expect(tangent).toContain('out_dot[k] =');
    expect(tangent).not.toMatch(/\bout\[/);
    const t = 0.8;
    const J = m.curveJ(t);
    for (let k = 0; k < 4; k++) close(J[k][0], (k + 1) * Math.cos((k + 1) * t) * t + Math.sin((k + 1) * t), 1e-14);
  });

  it('a gradient does not allocate nor fill a local array that nothing reads', () => {
    const gradient = functionText('traced_grad');
    expect(gradient).not.toMatch(/\btrace\b/);
    expect(count(gradient, /new Float64Array\(3\)/g)).toBe(0);
    const point = [0.7, -0.4];
    const [dx, dy] = m.tracedG(...point);
    close(dx, partialDifference(m.traced, point, 0));
    close(dy, partialDifference(m.traced, point, 1));
  });
});

describe('arrays a reverse sweep only sizes', () => {
  it('the sweep of a sample does not make again the hidden layer it replays from the load stream, only its gradient (new Float64Array(m.b1.length) per sample)', () => {
    const gradient = functionText('netLoss_grad_wrt_m');
    const sweep = gradient.slice(gradient.indexOf('for (let s_'));
    // The hidden layer h is read back from the load stream; its gradient is sized from the same length.
    expect(sweep).not.toMatch(/\bh_\d+ = new Float64Array/);
    expect(count(sweep, /\bh_\d+_bar = new Float64Array\(t_\d+\)/g), sweep).toBe(1);
    expect(sweep).not.toMatch(/new Float64Array\(\w+\.length\)/);
  });
});

describe('a helper run on its own and inside its pullback', () => {
  it("Black–Scholes calls normCdf's value and pullback as one function, once per argument", () => {
    const gradient = functionText('price_grad');
    expect(count(gradient, /normCdf_valueAndPullback\(/g), gradient).toBe(2);
    expect(gradient).not.toMatch(/normCdf\(|normCdf_pullback\(/);
    // The pullback alone is not emitted where nothing calls it.
    const priceAlone = SOURCE.slice(SOURCE.indexOf('function normCdf(')).replace(/\/\*\* The adjoint of normCdf[^]*$/, '');
    const alone = compileAlone({ 'main.ts': `import { grad, hessian } from 'tapeless';\n${priceAlone}` });
    expect(alone.messages).toEqual([]);
    expect(alone.js['main.ts']).toMatch(/function normCdf_valueAndPullback\(/);
    expect(alone.js['main.ts']).not.toMatch(/function normCdf_pullback\(/);
    const point = [100, 95, 0.03, 0.2, 1.5];
    m.priceG(...point).forEach((g: number, i: number) => close(g, partialDifference(m.price, point, i), 1e-8));
  });

  it("a Hessian pushes the fused call forward: the price's Hessian against differences of its gradient", () => {
    expect(js).toMatch(/function normCdf_valueAndPullback_pushforward_lanes5\(/);
    const point = [100, 95, 0.03, 0.2, 1.5];
    const H = m.priceH(...point);
    for (let j = 0; j < point.length; j++)
      for (let i = 0; i < point.length; i++)
        close(
          H[i][j],
          partialDifference((...at: number[]) => m.priceG(...at)[i], point, j),
          1e-6,
        );
  });

  it('where the seed of the pullback needs the value, both calls stay', () => {
    const gradient = functionText('squaredCdf_grad');
    expect(gradient).toMatch(/normCdf\(x\)/);
    expect(gradient).toMatch(/normCdf_pullback\(x, /);
    for (const x of [-0.7, 0.4]) close(m.squaredCdfG(x), partialDifference(m.squaredCdf, [x], 0));
  });
});

describe('the seed of a vector-Jacobian product', () => {
  it('of an array literal only returned is the cotangent itself: no output array, no gradient array, no loop', () => {
    const code = functionText('polar_vjp_pullback');
    expect(code).not.toMatch(/new Array|while|for \(/);
    expect(count(code, /dy\[[01]\]/g)).toBe(2);
    expect(count(code, /\[/g), code).toBe(3); // dy[0], dy[1] and the returned tuple
    // The Jacobian of three numbers is one vector forward pass: it makes no vector-Jacobian product.
    expect(js).not.toMatch(/polar_jacobian_vjp/);
    const point = [1.5, 0.4, -2];
    const [r, theta, z] = point;
    const J = [
      [Math.cos(theta) * z, -r * Math.sin(theta) * z, r * Math.cos(theta)],
      [Math.sin(theta), r * Math.cos(theta), 2 * z],
    ];
    const [, pullback] = m.polarV(...point);
    const c = [0.7, -1.5];
    pullback(c).forEach((g: number, j: number) => close(g, c[0] * J[0][j] + c[1] * J[1][j], 1e-14));
    m.polarJ(...point).forEach((row: number[], i: number) => row.forEach((v, j) => close(v, J[i][j], 1e-14)));
    expect(c).toEqual([0.7, -1.5]);
  });
});

describe('common subexpressions of adjoints', () => {
  it("a product of a mutable adjoint is computed once where nothing changes it in between (err * err's total_bar * err)", () => {
    const gradient = functionText('netLoss_grad_wrt_m');
    expect(count(gradient, /total_bar \* err/g), gradient).toBe(1);
    const m2 = { W1: Float64Array.of(0.3, -0.1, 0.8, 0.2, -0.5, 0.4), b1: Float64Array.of(0.1, -0.2, 0.05), W2: Float64Array.of(0.7, -0.3, 0.5), b2: 0.1 };
    const xs = Float64Array.of(-1, 0.5, 2);
    const ys = Float64Array.of(0.3, -0.2, 0.6);
    const g = m.netG(m2, xs, ys);
    for (const field of ['W1', 'b1', 'W2'] as const) {
      for (let i = 0; i < m2[field].length; i++)
        close(
          g[field][i],
          entryDifference(() => m.netLoss(m2, xs, ys), m2[field], i),
        );
    }
    close(
      g.b2,
      entryDifference(() => m.netLoss(m2, xs, ys), m2, 'b2'),
    );
  });
});
