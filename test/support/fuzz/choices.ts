// The choice sequences both program generators read (programs.ts, users/generator.ts).
//
// A program is drawn from a *choice sequence*: a fast-check array of integers that the
// generator reads one by one (a read past its end gives 0). Every decision is made so that
// choice 0 is the simplest one, so fast-check shrinks a failing program by shortening the
// sequence and lowering its entries.
import fc from 'fast-check';

/** What fast-check draws: the generator's choices, and a seed for the points to check. */
export interface Draw {
  readonly choices: readonly number[];
  readonly seed: number;
}

export const CHOICE = 0x10000;

/** Draws of at most `choices` choices (the generator reads about 2 per node of the program). */
export function drawArbitrary(choices: number): fc.Arbitrary<Draw> {
  return fc.record({
    choices: fc.array(fc.integer({ min: 0, max: CHOICE - 1 }), { maxLength: choices, size: 'max' }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
  });
}

/** mulberry32: a small deterministic PRNG (for points, not for programs). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads a choice sequence: each method consumes one choice, 0 giving the simplest answer. */
export class Choices {
  protected position = 0;

  constructor(private readonly choices: readonly number[]) {}

  /** The next choice in [0, 1); 0 once the choices are used up. */
  rand(): number {
    return this.position < this.choices.length ? this.choices[this.position++] / CHOICE : 0;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  /** True with probability p; false for choice 0. */
  chance(p: number): boolean {
    return this.rand() >= 1 - p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  /** One of `options` by weight; choice 0 gives the first. */
  weighted<T>(options: readonly (readonly [number, T])[]): T {
    const total = options.reduce((t, [w]) => t + w, 0);
    let r = this.rand() * total;
    for (const [w, option] of options) {
      if ((r -= w) < 0) return option;
    }
    return options[0][1];
  }
}
