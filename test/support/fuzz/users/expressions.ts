// Number-valued expressions as users write them: arithmetic and Math on whatever is in
// scope (parameters, fields, entries of arrays and matrices, module constants), repeated
// reads, calls of helpers (numbers in; numbers, tuples, arrays, typed arrays or objects out,
// indexed, read by field or passed on), methods of class instances, reduce with an index,
// Math.max(...xs), ternaries and conditions that call helpers.
import { Choices } from '../choices.js';
import { type Counter, type Field, type ObjectType, type Scope, type Vec, type VecField, narrowedBy } from './scope.js';

/** The helpers an expression can call, created on demand by the program generator. */
export interface HelperFactory {
  /** A helper taking `arity` numbers and returning a number. */
  numberHelper(arity: number): string;
  /** A helper taking numbers and returning a vector or an object: its name, arity and result. */
  structHelper(): { name: string; arity: number; returns: ObjectType | VecField };
  /** A helper reading a vector of this type (any length) and returning a number. */
  vecReader(type: VecField['type']): string;
  /** A helper reading an object of this type and returning a number. */
  objectReader(t: ObjectType): string;
  /** A recursive helper `(x, n)` for an integer n ≥ 0. */
  recursive(): string;
  /** A function given its derivative with withDerivative (a numerically stable form): its name and arity. */
  rule(): { name: string; arity: number };
  /** A helper reading a number[][] and returning a number. */
  matReader(): string;
  /**
   * A helper taking a state vector of this type and a number, returning the next state (a new
   * vector); `exact`: of the state's length as a literal (`[…]`, `new Float64Array(2)`), not
   * `s.map(…)` or `new Float64Array(s.length)`.
   */
  step(v: VecField, exact?: boolean): string;
  /** Declares an interface of these fields, named after `base`: its name. */
  typeName(base: string, fields: readonly (readonly [string, Field])[]): string;
  /** A helper taking an object state (number and array fields) and a number, returning the next state (an object literal). */
  objectStep(t: ObjectType): string;
  /** A helper combining two vectors of this type entry by entry into a new one. */
  combine(v: VecField): string;
  /** A helper returning a new Float64Array of n entries (n an integer argument): `grid(a, n)`. */
  grid(): string;
  /** A helper writing into the local array it is given: `fill(out, t)` returns nothing, `bump(a)` returns a count. */
  writer(type: VecField['type'], kind: 'fill' | 'bump'): string;
  /** A helper returning the length of the vector it is given (for loop bounds). */
  counter(type: VecField['type']): string;
  /** A top-level class of two numbers `x`, `y`: `translate(dx, dy)` and `scale(k)` write `this` and return it, getter `norm`, method `dot(a, b)`. */
  pointClass(): string;
  /** A helper `(x, k = c)` with a default value for its second parameter. */
  defaulted(): string;
  /** A helper `(x, g, opts)` reading the optional fields `lr` and `decay` of an options object (`opts.lr ?? 0.1`). */
  optioned(): string;
  /** A string union, its values, and a helper `(kind, r)` that switches on it. */
  lossKind(): { type: string; values: readonly string[]; helper: string };
  /** A declaration at the top of the module (an existing one of this `key`, often): its name, `base` prefixed with the program's. */
  topLevel(kind: 'types' | 'classes' | 'constants' | 'functions', key: string, base: string, text: (name: string) => string): string;
}

export abstract class Expressions extends Choices {
  protected freshCount = 0;

  protected abstract get helpers(): HelperFactory;

  fresh(prefix: string): string {
    // `norm2` + 1 would be `norm` + 21: a prefix ending in a digit is kept apart from its count.
    return `${prefix}${/\d$/.test(prefix) ? '_' : ''}${this.freshCount++}`;
  }

  constant(lo = -2, hi = 2): string {
    const v = Math.round((lo + this.rand() * (hi - lo)) * 100) / 100;
    return v < 0 ? `(${v})` : `${v}`;
  }

  /** An index into an array of `length` entries: a constant, or a counter known to stay below it. */
  index(s: Scope, length: number): string {
    const fitting = s.counters.filter((c) => c.bound <= length);
    if (fitting.length > 0 && this.chance(0.6)) {
      const counter = this.pick(fitting).name;
      // Integer arithmetic on indices, as a midpoint or a pair is found: each is at most i, so below the bound.
      if (this.chance(0.1)) return this.pick([`${counter} >> 1`, `(${counter} & ~1)`, `(${counter} | 0)`, `${counter} >>> 1`]);
      return counter;
    }
    if (s.counters.length > 0 && this.chance(0.3)) return `(${this.pick(s.counters).name} + ${this.int(0, length - 1)}) % ${length}`;
    return `${this.int(0, length - 1)}`;
  }

  /** An entry; or, as a stencil reads its neighbours, one that may lie past either end, with a default: `(u[i - 1] ?? 0)`. */
  vecRead(s: Scope, v: Vec): string {
    if (s.counters.length > 0 && this.chance(0.08)) return `(${v.expr}[${this.pick(s.counters).name} ${this.pick(['-', '+'])} 1] ?? ${this.constant(-1, 1)})`;
    return `${v.expr}[${this.index(s, v.length)}]`;
  }

  /** One of `xs`, most often (and for choice 0) one of the later half: the function's own values come after module constants. */
  near<T>(xs: readonly T[]): T {
    return this.chance(0.4) ? this.pick(xs) : this.pick(xs.slice(Math.floor(xs.length / 2)));
  }

  /** A read of a number where it is stored: a variable, a field, an array entry, a matrix entry. */
  read(s: Scope): string {
    // Choice 0 reads a variable, not a constant: a program drawn from too few choices still depends on its inputs.
    const options: [number, () => string][] = [];
    if (s.nums.length > 0) options.push([4, () => this.near(s.nums)]);
    if (s.vecs.length > 0) options.push([3, () => this.vecRead(s, this.near(s.vecs))]);
    options.push([1, () => this.constant()]);
    if (s.mats.length > 0) {
      options.push([
        2,
        () => {
          const m = this.pick(s.mats);
          return `${m.expr}[${this.index(s, m.rows)}][${this.index(s, m.cols)}]`;
        },
      ]);
    }
    if (s.counters.length > 0) options.push([1, () => `${this.pick(s.counters).name} * ${this.pick(['0.25', '0.5', '0.1'])}`]);
    return this.weighted(options)();
  }

  expr(s: Scope, depth: number): string {
    if (depth <= 0 || !this.chance(0.7)) return this.read(s);
    const sub = () => this.expr(s, depth - 1);
    const calls = s.level < 2;
    const options: [number, () => string][] = [
      [3, () => `${sub()} + ${sub()}`],
      [2, () => `${sub()} - ${this.operand(s, depth - 1)}`],
      [3, () => `${this.operand(s, depth - 1)} * ${this.operand(s, depth - 1)}`],
      // The same entry read twice: m[k][i] * m[k][i], p.i.j * p.i.j.
      [
        2,
        () => {
          const r = this.read(s);
          return `${r} * ${r}`;
        },
      ],
      [1, () => `${this.operand(s, depth - 1)} / (1 + ${this.operand(s, depth - 1)} ** 2)`],
      [3, () => this.smooth(sub())],
      [1, () => this.kinked(s, depth - 1)],
      [
        1,
        () => {
          const c = this.condition(s, depth - 1);
          const then = this.expr(narrowedBy(s, c), depth - 1);
          return `(${c} ? ${then} : ${sub()})`;
        },
      ],
      // A target held constant (its values only, as in a target network), in f itself.
      // Of a value (a constant's type would stay its literal type: `{ w: stopGradient(0.62) }` is `{ w: 0.62 }`).
      [
        s.level === 0 ? 0.3 : 0,
        () => {
          const e = sub();
          return /^\(?-?[\d.]+\)?$/.test(e) ? e : `stopGradient(${e})`;
        },
      ],
      // A default where a value is zero: `k || 1`.
      [s.nums.length > 0 ? 0.2 : 0, () => `(${this.near(s.nums)} || ${this.constant(0.5, 2)})`],
    ];
    if (calls) {
      options.push([
        2,
        () => {
          const arity = this.int(1, 3);
          return `${this.helpers.numberHelper(arity)}(${this.args(s, depth, arity)})`;
        },
      ]);
      // A recursive helper (x to an integer power), and the derivative of a helper inside differentiated code.
      options.push([0.3, () => `${this.helpers.recursive()}(${this.expr(s, depth - 1)}, ${this.int(0, 3)})`]);
      options.push([0.3, () => `${this.pick(['grad', 'derivative'])}(${this.helpers.numberHelper(1)})(${this.expr(s, depth - 1)})`]);
      options.push([
        0.5,
        () => {
          const r = this.helpers.rule();
          return `${r.name}(${this.args(s, depth, r.arity)})`;
        },
      ]);
      options.push([2, () => this.structRead(s, depth)]);
      // One gradient of a tuple of gradients (a Newton step reading vega of greeks(…)).
      options.push([0.2, () => `grad(${this.helpers.numberHelper(2)})(${this.args(s, depth, 2)})[${this.int(0, 1)}]`]);
      // A local array of objects, reduced over.
      options.push([
        0.3,
        () => {
          const acc = this.fresh('acc'),
            p = this.fresh('p');
          const points = Array.from({ length: this.int(2, 3) }, () => `{ x: ${this.expr(s, depth - 1)}, y: ${this.expr(s, depth - 1)} }`);
          return `[${points.join(', ')}].reduce((${acc}, ${p}) => ${acc} + ${p}.x * ${this.smooth(`${p}.y`)}, 0)`;
        },
      ]);
    }
    if (s.tables.length > 0) {
      // A table of functions: an entry at a constant index, or every entry (with its tag).
      options.push([
        1,
        () => {
          const t = this.pick(s.tables),
            e = this.expr(s, depth - 1);
          if (this.chance(0.4)) return `${t}[${this.int(0, 1)}].g(${e})`;
          const acc = this.fresh('acc'),
            c = this.fresh('c');
          return `${t}.reduce((${acc}, ${c}) => ${acc} + (${c}.kind === 'sq' ? 2 : 1) * ${c}.g(${e}), 0)`;
        },
      ]);
    }
    if (s.vecs.length > 0) {
      options.push([1, () => this.aggregate(s, depth)]);
      if (calls)
        options.push([
          1,
          () => {
            const v = this.pick(s.vecs);
            return `${this.helpers.vecReader(v.type)}(${v.expr})`;
          },
        ]);
    }
    if (calls && s.mats.length > 0) options.push([1, () => `${this.helpers.matReader()}(${this.pick(s.mats).expr})`]);
    const instances = s.objs.filter((o) => (o.type.methods ?? []).length > 0);
    if (instances.length > 0) {
      options.push([
        3,
        () => {
          const o = this.pick(instances),
            m = this.pick(o.type.methods!);
          return `${o.expr}.${m.name}(${this.args(s, depth, m.arity)})`;
        },
      ]);
    }
    // Objects passed to a helper (`this` is not: methods read their own fields).
    const passable = s.objs.filter((o) => o.expr !== 'this');
    if (calls && passable.length > 0)
      options.push([
        2,
        () => {
          const o = this.pick(passable);
          return `${this.helpers.objectReader(o.type)}(${o.expr})`;
        },
      ]);
    return this.weighted(options)();
  }

  /** An operand of `*`, `-` or `/`: parenthesised unless a leaf. */
  operand(s: Scope, depth: number): string {
    const e = this.expr(s, depth);
    return /^[\w.[\]]+$/.test(e) ? e : `(${e})`;
  }

  /** `count` number arguments. */
  args(s: Scope, depth: number, count: number): string {
    return Array.from({ length: count }, () => this.expr(s, depth - 1)).join(', ');
  }

  smooth(a: string): string {
    switch (this.int(0, 11)) {
      case 0:
        return `Math.sin(${a})`;
      case 1:
        return `Math.cos(${a})`;
      case 2:
        return `Math.tanh(${a})`;
      case 3:
        return `Math.exp(-0.5 * (${a}) ** 2)`;
      case 4:
        return `Math.log(1 + (${a}) ** 2)`;
      case 5:
        return `Math.sqrt(1 + (${a}) ** 2)`;
      case 6:
        return `Math.atan(${a})`;
      case 7:
        return `(${a}) ** 2`;
      // A logistic, a discount factor, a compound rate.
      case 8:
        return `1 / (1 + Math.exp(-(${a})))`;
      case 9:
        return `Math.exp(-0.5 * Math.tanh(${a}))`;
      case 10:
        return `Math.pow(1 + 0.1 * Math.tanh(${a}), 3)`;
      default:
        return `Math.hypot(${a}, 0.5)`;
    }
  }

  /** Functions with kinks and jumps: the twin records their margins. */
  kinked(s: Scope, depth: number): string {
    const a = this.expr(s, depth),
      b = this.expr(s, depth);
    switch (this.int(0, 4)) {
      case 0:
        return `Math.abs(${a})`;
      case 1:
        return `Math.max(${a}, ${b})`;
      case 2:
        return `Math.min(${a}, ${b})`;
      // A heading: the twin records the branch cut.
      case 3:
        return `Math.atan2(${a}, ${b})`;
      default:
        return `Math.floor(${a}) * ${this.operand(s, depth)}`;
    }
  }

  /** The result of a helper returning a vector or an object: indexed, read by field, or passed on. */
  structRead(s: Scope, depth: number): string {
    const h = this.helpers.structHelper();
    const call = `${h.name}(${this.args(s, depth, h.arity)})`;
    if (this.chance(0.3)) {
      return 'fields' in h.returns ? `${this.helpers.objectReader(h.returns)}(${call})` : `${this.helpers.vecReader(h.returns.type)}(${call})`;
    }
    return this.fieldRead(call, h.returns);
  }

  /** One number of a value of type `f`: itself, an entry, a field (down to a number). */
  fieldRead(expr: string, f: Field): string {
    if (f === 'number') return expr;
    if ('fields' in f) {
      const [name, field] = this.pick(f.fields);
      return this.fieldRead(`${expr}.${name}`, field);
    }
    return `${expr}[${this.int(0, f.length - 1)}]`;
  }

  /** reduce (with the index), Math.max / Math.min of a spread, length; of a helper's result too. */
  aggregate(s: Scope, depth: number): string {
    if (s.level < 2 && !s.callback && this.chance(0.15)) {
      // A vector made by a helper, spread or reduced in place: Math.max(...polar(a, b)), grid(a, 4).reduce(…).
      const h = this.chance(0.5) ? this.helpers.structHelper() : undefined;
      if (h && !('fields' in h.returns)) return `Math.${this.pick(['max', 'min'])}(...${h.name}(${this.args(s, depth, h.arity)}))`;
      const n = this.int(2, 4);
      return `${this.helpers.grid()}(${this.expr(s, depth - 1)}, ${n}).reduce((acc, e) => acc + ${this.pick(['e', 'e * e', 'Math.sin(e)'])}, 0)`;
    }
    const v = this.pick(s.vecs);
    switch (this.int(0, 4)) {
      case 0:
      case 1: {
        const acc = this.fresh('acc'),
          e = this.fresh('e'),
          i = this.fresh('i');
        const inner: Scope = { ...s, nums: [...s.nums, e], counters: [...s.counters, { name: i, bound: v.length }], callback: true, returns: false };
        const body = this.expr(inner, Math.min(depth - 1, 2));
        // Without an initial value too: the first entry is it (the last, for reduceRight).
        const initial = this.chance(0.2) ? '' : `, ${this.constant(-1, 1)}`;
        // From the end too, as Horner's rule is written: `cs.reduceRight((p, c) => p * x + c)`.
        if (this.chance(0.25)) return `${v.expr}.reduceRight((${acc}, ${e}, ${i}) => ${acc} * ${this.constant(-1, 1)} + ${this.smooth(body)}${initial})`;
        return `${v.expr}.reduce((${acc}, ${e}, ${i}) => ${acc} + ${this.smooth(body)}${initial})`;
      }
      case 2:
        return this.chance(0.7) ? `Math.max(...${v.expr})` : `Math.max(0, ...${v.expr})`;
      case 3:
        return this.chance(0.9) ? `Math.min(...${v.expr})` : `Math.hypot(...${v.expr})`;
      default:
        return `${v.expr}.length`;
    }
  }

  comparison(s: Scope, depth: number): string {
    const a = this.expr(s, Math.min(depth, 2));
    const b = this.chance(0.4) ? this.expr(s, Math.min(depth, 1)) : this.constant(-1, 1);
    // `a < b` is written `b > a`: TypeScript may read `x < (y) > (z)` as type arguments.
    switch (this.int(0, 3)) {
      case 0:
        return `${b} > ${a}`;
      case 1:
        return `${a} > ${b}`;
      case 2:
        return `${b} >= ${a}`;
      default:
        return `${a} >= ${b}`;
    }
  }

  condition(s: Scope, depth: number): string {
    if (this.chance(0.15)) return `${this.comparison(s, depth)} ${this.pick(['&&', '||'])} ${this.comparison(s, depth)}`;
    const comparable = s.counters.filter((c) => !s.narrowed.includes(c.name));
    if (comparable.length > 0 && this.chance(0.15)) {
      const c: Counter = this.pick(comparable);
      return `${c.name} === ${this.int(0, Math.max(0, c.bound - 1))}`;
    }
    return this.comparison(s, depth);
  }

  /** A number bounded whatever its argument: for updates inside loops. */
  bounded(s: Scope, depth: number): string {
    const e = this.expr(s, depth);
    return this.chance(0.5) ? `Math.tanh(${e})` : `Math.sin(${e})`;
  }
}
