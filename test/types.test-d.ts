// The declared types of the API describe the generated functions (checked by tsc).
import { describe, expectTypeOf, it } from 'vitest';
import {
  type GradientOf,
  derivative,
  grad,
  hessian,
  hessianInto,
  hvp,
  jacobian,
  jacobianInto,
  jvp,
  stopGradient,
  valueAndGrad,
  vjp,
  withDerivative,
} from 'tapeless';

const product = (x: number, y: number) => x * y;

// Differentiated code calls methods of classes declared at the top level of a module.
class Net {
  W: number[];
  b: number;
  readonly layers: { w: Float64Array }[] = [];
  activation = (v: number) => Math.tanh(v);
  constructor(W: number[], b: number) {
    this.W = W;
    this.b = b;
  }
  out(x: number[]): number {
    return Math.tanh(x.reduce((a, xi, i) => a + xi * this.W[i], this.b));
  }
}

describe('declared types', () => {
  it('grad of several parameters returns a tuple', () => {
    expectTypeOf(grad((x: number, y: number) => x * y)).toEqualTypeOf<(x: number, y: number) => [number, number]>();
  });

  it('grad of one parameter returns the bare gradient', () => {
    expectTypeOf(grad((x: number) => x)).toEqualTypeOf<(x: number) => number>();
  });

  it('wrt by index, by name and as a list', () => {
    expectTypeOf(grad(product, { wrt: 1 })).toEqualTypeOf<(x: number, y: number) => number>();
    expectTypeOf(grad(product, { wrt: 'y' })).toEqualTypeOf<(x: number, y: number) => number>();
    expectTypeOf(grad(product, { wrt: ['y', 0] })).toEqualTypeOf<(x: number, y: number) => [number, number]>();
    expectTypeOf(grad(product, { wrt: [1] })).toEqualTypeOf<(x: number, y: number) => [number]>();
  });

  it('a name selects a gradient usable as the parameter named, an object among the parameters or not', () => {
    const price = (option: { kind: 'call' | 'put'; strike: number }, spot: number, volatility: number) => spot * volatility - option.strike;
    const vega = grad(price, { wrt: 'volatility' })({ kind: 'call', strike: 1 }, 2, 0.3);
    expectTypeOf(vega / 2).toEqualTypeOf<number>();
    expectTypeOf(vega).toMatchTypeOf<number>();
    const [, second] = grad(price, { wrt: ['spot', 'volatility'] })({ kind: 'put', strike: 1 }, 2, 0.3);
    expectTypeOf(second * 2).toEqualTypeOf<number>();
  });

  it('valueAndGrad returns [value, gradient]', () => {
    expectTypeOf(valueAndGrad(product)).toEqualTypeOf<(x: number, y: number) => [number, [number, number]]>();
    expectTypeOf(valueAndGrad(product, { wrt: 'x' })).toEqualTypeOf<(x: number, y: number) => [number, number]>();
  });

  it('a data parameter keeps its type in the signature', () => {
    const scaled = (x: number, label: string) => 2 * x;
    expectTypeOf(grad(scaled, { wrt: 'x' })).parameters.toEqualTypeOf<[x: number, label: string]>();
  });

  it('gradient shapes mirror parameter shapes', () => {
    expectTypeOf<GradientOf<number>>().toEqualTypeOf<number>();
    expectTypeOf<GradientOf<readonly number[]>>().toEqualTypeOf<number[]>();
    expectTypeOf<GradientOf<[number, number]>>().toEqualTypeOf<number[]>();
    expectTypeOf<GradientOf<Float64Array>>().toEqualTypeOf<Float64Array>();
    expectTypeOf<GradientOf<Float32Array>>().toEqualTypeOf<Float32Array>();
    expectTypeOf<GradientOf<number[][]>>().toEqualTypeOf<number[][]>();
    expectTypeOf<GradientOf<{ w: Float64Array; b: number }>>().toEqualTypeOf<{ w: Float64Array; b: number }>();
  });

  it('stopGradient is the identity on types', () => {
    expectTypeOf(stopGradient(3 as number)).toEqualTypeOf<number>();
  });

  it('forward mode: derivative has the shape of the result, jvp takes primals and tangents', () => {
    expectTypeOf(derivative(product)).toEqualTypeOf<(x: number, y: number) => number>();
    const curve = (t: number): Float64Array => {
      const out = new Float64Array(2);
      out[0] = t;
      out[1] = t * t;
      return out;
    };
    expectTypeOf(derivative(curve)).toEqualTypeOf<(t: number) => Float64Array>();
    expectTypeOf(derivative((t: number) => [t, t * t])).toEqualTypeOf<(t: number) => number[]>();
    const model = (w: Float64Array, b: number) => w[0] * b;
    expectTypeOf(jvp(model)).toEqualTypeOf<(primals: [w: Float64Array, b: number], tangents: [Float64Array, number]) => [number, number]>();
  });

  it('forward mode and jacobian of a function returning an object (an interface too)', () => {
    interface Point {
      x: number;
      y: number;
    }
    const circle = (t: number, r: number): Point => ({ x: r * Math.cos(t), y: r * Math.sin(t) });
    expectTypeOf(derivative(circle)).toEqualTypeOf<(t: number, r: number) => { x: number; y: number }>();
    expectTypeOf(jvp(circle)).toEqualTypeOf<(primals: [t: number, r: number], tangents: [number, number]) => [Point, { x: number; y: number }]>();
    expectTypeOf(jacobian(circle)).toEqualTypeOf<(t: number, r: number) => number[][]>();
    const state = (k: number) => ({ position: { x: k, y: 2 * k }, path: [k, k * k] });
    expectTypeOf(derivative(state)).toEqualTypeOf<(k: number) => { position: { x: number; y: number }; path: number[] }>();
  });

  it('jacobian and hessian return matrices; higher orders compose', () => {
    expectTypeOf(jacobian((r: number, t: number) => [r * Math.cos(t), r * Math.sin(t)])).toEqualTypeOf<(r: number, t: number) => number[][]>();
    expectTypeOf(hessian(product, { wrt: 'x' })).toEqualTypeOf<(x: number, y: number) => number[][]>();
    expectTypeOf(derivative(grad((x: number) => x ** 3))).toEqualTypeOf<(x: number) => number>();
    expectTypeOf(grad(grad((x: number) => x ** 3))).toEqualTypeOf<(x: number) => number>();
  });

  it('a parameter with a default value stays optional and has a gradient; a rest parameter has one array', () => {
    const step = (x: number, dt = 0.1, ...extra: number[]) => x * dt;
    expectTypeOf(grad(step)).toEqualTypeOf<(x: number, dt?: number, ...extra: number[]) => [number, number, number[]]>();
    expectTypeOf(grad(step, { wrt: 2 })).toEqualTypeOf<(x: number, dt?: number, ...extra: number[]) => number[]>();
    expectTypeOf(valueAndGrad(step, { wrt: [1, 0] })).toEqualTypeOf<(x: number, dt?: number, ...extra: number[]) => [number, [number, number]]>();
    const total = (...xs: number[]) => xs.length;
    expectTypeOf(grad(total)).toEqualTypeOf<(...xs: number[]) => number[]>();
  });

  it('vjp returns the value and a pullback from cotangents to gradients shaped like grad', () => {
    const polar = (r: number, t: number) => [r * Math.cos(t), r * Math.sin(t)];
    expectTypeOf(vjp(polar)).toEqualTypeOf<(r: number, t: number) => [number[], (cotangent: number[]) => [number, number]]>();
    expectTypeOf(vjp(product, { wrt: 'y' })).toEqualTypeOf<(x: number, y: number) => [number, (cotangent: number) => number]>();
    const model = (w: Float64Array, b: number): Float64Array => w.map((v) => v * b);
    expectTypeOf(vjp(model, { wrt: 0 })).toEqualTypeOf<(w: Float64Array, b: number) => [Float64Array, (cotangent: Float64Array) => Float64Array]>();
  });

  it("hvp takes f's arguments then v, shaped like the gradient, and returns H·v of that shape", () => {
    expectTypeOf(hvp(product)).toEqualTypeOf<(x: number, y: number, v: [number, number]) => [number, number]>();
    const loss = (w: Float64Array, data: readonly number[]) => w[0] * data[0];
    expectTypeOf(hvp(loss, { wrt: 0 })).toEqualTypeOf<(w: Float64Array, data: readonly number[], v: Float64Array) => Float64Array>();
    // @ts-expect-error: v is missing
    hvp(product)(1, 2);
    // A parameter selected by name: v is shaped like any parameter's gradient (the name is invisible to types), not all at once.
    const ridge = (w: number[], lambda: number) => lambda * w.reduce((s, v) => s + v * v, 0);
    expectTypeOf(hvp(ridge, { wrt: 'w' }))
      .parameter(2)
      .toEqualTypeOf<number[] | number>();
    hvp(ridge, { wrt: 'w' })([1, 2], 0.1, [1, 0]);
    // @ts-expect-error: a string is no direction
    hvp(ridge, { wrt: 'w' })([1, 2], 0.1, 'w');
  });

  it('the gradient of a class instance holds its data fields: no methods, no functions', () => {
    const netLoss = (net: Net) => net.out([0.5, -1]) ** 2;
    type Data = { W: number[]; b: number; layers: { w: Float64Array }[] };
    expectTypeOf<GradientOf<Net>>().toEqualTypeOf<Data>();
    expectTypeOf(grad(netLoss)).toEqualTypeOf<(net: Net) => Data>();
    expectTypeOf(valueAndGrad(netLoss)).toEqualTypeOf<(net: Net) => [number, Data]>();
    expectTypeOf(vjp(netLoss)).toEqualTypeOf<(net: Net) => [number, (cotangent: number) => Data]>();
    const net = new Net([1, 2], 0.5);
    expectTypeOf(hvp(netLoss)(net, { W: [1, 0], b: 0.5, layers: [] })).toEqualTypeOf<Data>();
    // @ts-expect-error: a method is no part of the direction v
    hvp(netLoss)(net, { W: [1, 0], b: 0.5, layers: [], out: () => 0 });
    // @ts-expect-error: nor is a field holding a function
    hvp(netLoss)(net, { W: [1, 0], b: 0.5, layers: [], activation: (v: number) => v });
    // @ts-expect-error: every data field is
    hvp(netLoss)(net, { W: [1, 0], layers: [] });
  });

  it("jacobianInto and hessianInto take the matrix to write into first, then f's arguments", () => {
    const polar = (r: number, t: number) => [r * Math.cos(t), r * Math.sin(t)];
    expectTypeOf(jacobianInto(polar)).toEqualTypeOf<(out: number[][], r: number, t: number) => number[][]>();
    expectTypeOf(hessianInto(product)).toEqualTypeOf<(out: number[][], x: number, y: number) => number[][]>();
    // @ts-expect-error: out comes first
    jacobianInto(polar)(1, 2);
  });

  it('withDerivative keeps the function type and types the rule', () => {
    const softplus = withDerivative(
      (x: number) => Math.log1p(Math.exp(x)),
      (x, y) => [1 / (1 + Math.exp(-x))],
    );
    expectTypeOf(softplus).toEqualTypeOf<(x: number) => number>();
    type RuleOfProduct = Parameters<typeof withDerivative<(a: number, b: number) => number>>[1];
    expectTypeOf<(a: number, b: number, y: number) => [number, number]>().toMatchTypeOf<RuleOfProduct>();
    // one partial per argument: a rule returning one partial for two arguments does not fit
    expectTypeOf<(a: number, b: number, y: number) => [number]>().not.toMatchTypeOf<RuleOfProduct>();
  });
});
