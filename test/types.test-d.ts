// The declared types of the API describe the generated functions (checked by tsc).
import { describe, expectTypeOf, it } from 'vitest';
import { type GradientOf, grad, stopGradient, valueAndGrad } from 'tapeless';

const product = (x: number, y: number) => x * y;

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
});
