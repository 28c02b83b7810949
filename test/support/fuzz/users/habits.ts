// More of what users write, each checked by hand first (README ✅): callbacks that read the
// array itself (`(acc, e, i, arr) => … arr[i - 1]`) in reduce, map, forEach, every, some,
// filter, findIndex and flatMap; searches that stop on the data (`while (j < n - 1 && v[j] <
// t) j++`); pairwise loops with early `continue`s (`if (j === i) continue`, `j = i + 1`);
// arrays relaxed pass after pass by a callback with a block body (`const next = p.map((e, i,
// arr) => { …; return …; }); p = next`); `switch` on a counter whose cases fall through into each other, carrying a value; module
// tables of numbers and of objects read by index in loops (forward kinematics); objects and
// `reduce` accumulators of several numbers (`{ sum, sq }`, `[s, q]`, a mutated `acc`); class
// instances with field initialisers, private `#fields` and static factories, updated by their
// methods in loops; `Math.max(...v.map(…))`, `Math.min(c, ...v)`; functions passed on (an
// integrator given an arrow, `v.map(helper)`, rest parameters, generic helpers), `function`
// declarations called before they are declared, enums, and the Math functions and compound
// assignments (`**=`, `w[i]++`, comma expressions) the other files do not write; immutable
// vector classes whose methods return new instances, reassigned in loops (`p = p.add(v.scale(dt))`);
// a Kalman filter's covariance reassigned by matrix helpers (`P = matAdd(matMul(…), Q)`).
import { type Scope, type Vec, child, letNumber } from './scope.js';
import { Idioms } from './idioms.js';

/**
 * Each statement reads the scope as it was before it (`s`, a copy) and declares its names into
 * `into`, so that no name is read in its own initialiser.
 */
export abstract class Habits extends Idioms {
  protected idioms(s: Scope, depth: number, ind: string): [number, () => string][] {
    const options = super.idioms(s, depth, ind);
    // Arrays read by name (not a helper's call, which the code would call again).
    const arrays = s.vecs.filter((v) => !v.expr.includes('('));
    if (arrays.length > 0) {
      options.push([2, () => this.withArray(s, this.pick(arrays), ind)], [1, () => this.extreme(s, this.pick(arrays), ind)]);
      options.push([1, () => this.accumulated(s, this.pick(arrays), ind)], [1, () => this.search(s, this.pick(arrays), ind)]);
      if (depth > 0 && s.loops === 0) options.push([1, () => this.pairwise(s, this.pick(arrays), ind)]);
      if (depth > 0 && s.loops === 0 && s.level < 2) options.push([1, () => this.relaxed(s, this.pick(arrays), ind)]);
    }
    if (depth > 0 && s.loops < 2) options.push([1, () => this.fallThrough(s, ind)], [1, () => this.flagged(s, ind)]);
    options.push([1, () => this.moreMath(s, ind)]);
    if (s.level < 2) {
      options.push([1, () => this.tallied(s, arrays, ind)], [1, () => this.passedOn(s, arrays, ind)]);
      if (s.loops === 0) options.push([1, () => this.moved(s, ind)], [1, () => this.filtered(s, ind)]);
      if (s.loops < 2) options.push([1, () => this.linkTable(s, ind)]);
    }
    return options;
  }

  /** A callback reading the array it is given (`arr`): its neighbour, first or last entry. */
  private withArray(into: Scope, v: Vec, ind: string): string {
    const s = child(into);
    const e = this.fresh('e'),
      i = this.fresh('i'),
      arr = this.fresh('arr'),
      n = this.fresh('n'),
      c = this.constant(-1, 1);
    const neighbour = this.pick([
      `(${i} > 0 ? ${arr}[${i} - 1] : ${c})`,
      `(${arr}[${i} - 1] ?? ${c})`,
      `${arr}[(${i} + 1) % ${arr}.length]`,
      `${arr}[0]`,
      `${arr}[${arr}.length - 1]`,
    ]);
    const inner = child(s, { nums: [...s.nums, e], counters: [...s.counters, { name: i, bound: v.length }], callback: true, returns: false });
    const kinds: [number, string][] = [
      [3, 'reduce'],
      [2, 'map'],
      [1, 'forEach'],
      [1, 'every'],
      [1, 'some'],
      [1, 'filter'],
      [1, 'findIndex'],
      [v.type === 'f64' ? 0 : 1, 'flatMap'],
    ];
    const made = (w: string, length: number, type: Vec['type']) => into.vecs.push({ expr: w, length, type, local: true });
    switch (this.weighted(kinds)) {
      case 'reduce': {
        const acc = this.fresh('acc');
        into.nums.push(n);
        return `${ind}const ${n} = ${v.expr}.reduce((${acc}, ${e}, ${i}, ${arr}) => ${acc} + ${e} * ${neighbour} + 0.1 * ${this.bounded(inner, 1)}, ${this.constant(-1, 1)});\n`;
      }
      case 'map': {
        const w = this.fresh('d');
        made(w, v.length, v.type === 'f64' ? 'f64' : 'array');
        return `${ind}const ${w} = ${v.expr}.map((${e}, ${i}, ${arr}) => ${e} - ${this.constant(0.2, 1)} * ${neighbour} + ${this.bounded(inner, 1)});\n`;
      }
      case 'forEach':
        into.nums.push(n);
        into.mutable.push(n);
        return `${ind}let ${n} = 0;\n${ind}${v.expr}.forEach((${e}, ${i}, ${arr}) => {\n${ind}  ${n} += ${e} * ${neighbour};\n${ind}});\n`;
      case 'every':
      case 'some': {
        const ok = this.fresh('ok');
        const test = this.pick([
          `${i} === 0 || ${arr}[${i} - 1] <= ${e}`,
          `${e} > ${arr}[0] + ${c}`,
          `Math.abs(${e} - ${neighbour}) < ${this.constant(0.2, 2)}`,
        ]);
        const method = test.startsWith(`${i} === 0`) ? 'every' : this.pick(['every', 'some']);
        into.nums.push(n);
        return `${ind}const ${ok} = ${v.expr}.${method}((${e}, ${i}, ${arr}) => ${test});\n${ind}const ${n} = ${ok} ? ${this.expr(s, 2)} : ${this.expr(s, 2)};\n`;
      }
      case 'filter': {
        // A length the data decides: read as a whole.
        const w = this.fresh('kept'),
          a = this.fresh('a'),
          x = this.fresh('x');
        into.nums.push(n);
        return (
          `${ind}const ${w} = ${v.expr}.filter((${e}, ${i}, ${arr}) => ${e} > ${arr}[0] * ${this.constant(0.2, 1)});\n` +
          `${ind}const ${n} = ${w}.reduce((${a}, ${x}) => ${a} + ${this.smooth(x)}, 0) + 0.1 * ${w}.length;\n`
        );
      }
      case 'findIndex': {
        const k = this.fresh('k');
        into.nums.push(n);
        return (
          `${ind}const ${k} = ${v.expr}.findIndex((${e}, ${i}, ${arr}) => ${e} < ${arr}[${arr}.length - 1] + ${c});\n` +
          `${ind}const ${n} = ${k} >= 0 ? ${v.expr}[${k}] * ${this.operand(s, 1)} : ${this.expr(s, 1)};\n`
        );
      }
      default: {
        const w = this.fresh('pairs');
        made(w, 2 * v.length, 'array');
        return `${ind}const ${w} = ${v.expr}.flatMap((${e}, ${i}, ${arr}) => [${e}, ${e} * ${neighbour}]);\n`;
      }
    }
  }

  /** The largest or smallest of an array mapped, or of an array and a number. */
  private extreme(into: Scope, v: Vec, ind: string): string {
    const s = child(into);
    const n = this.fresh('top'),
      e = this.fresh('e');
    const inner = child(s, { nums: [...s.nums, e], callback: true, returns: false });
    into.nums.push(n);
    return `${ind}const ${n} = ${this.pick([
      `Math.max(...${v.expr}.map((${e}) => ${e} * ${this.operand(inner, 1)}))`,
      `Math.min(...${v.expr}.map((${e}) => ${this.smooth(`${e} - ${this.operand(inner, 1)}`)}))`,
      `Math.min(${this.expr(s, 1)}, ...${v.expr})`,
      `Math.max(...${v.expr}, ${this.expr(s, 1)})`,
    ])};\n`;
  }

  /** Several numbers accumulated at once: a reduce into an object or a tuple, an `acc` mutated and returned, an object's fields in a loop. */
  private accumulated(into: Scope, v: Vec, ind: string): string {
    const s = child(into);
    const st = this.fresh('st'),
      e = this.fresh('e'),
      n = this.fresh('n');
    const inner = child(s, { nums: [...s.nums, e], callback: true, returns: false });
    const term = this.bounded(inner, 1);
    into.nums.push(n);
    switch (this.int(0, 3)) {
      case 0: {
        const acc = this.fresh('acc');
        return (
          `${ind}const ${st} = ${v.expr}.reduce((${acc}, ${e}) => ({ sum: ${acc}.sum + ${e}, sq: ${acc}.sq + ${e} * ${term} }), { sum: 0, sq: 0 });\n` +
          `${ind}const ${n} = ${st}.sum * ${this.constant(-1, 1)} + ${st}.sq;\n`
        );
      }
      case 1: {
        const [p, q, i] = [this.fresh('p'), this.fresh('q'), this.fresh('i')];
        into.nums.push(st);
        return `${ind}const [${st}, ${n}] = ${v.expr}.reduce<[number, number]>(([${p}, ${q}], ${e}, ${i}) => [${p} + ${e}, ${q} + (${i} + 1) * ${e} * ${term}], [0, ${this.constant(-1, 1)}]);\n`;
      }
      case 2: {
        const acc = this.fresh('acc');
        return (
          `${ind}const ${st} = ${v.expr}.reduce((${acc}, ${e}) => {\n${ind}  ${acc}.sum += ${e};\n${ind}  ${acc}.sq += ${e} * ${term};\n${ind}  return ${acc};\n${ind}}, { sum: 0, sq: 0 });\n` +
          `${ind}const ${n} = ${st}.sum * ${st}.sq;\n`
        );
      }
      default:
        return (
          `${ind}const ${st} = { sum: 0, sq: 0, count: 0 };\n${ind}for (const ${e} of ${v.expr}) {\n${ind}  ${st}.sum += ${e} * ${term};\n${ind}  ${st}.sq += ${e} * ${e};\n${ind}  ${st}.count++;\n${ind}}\n` +
          `${ind}const ${n} = ${st}.sq / ${st}.count - (${st}.sum / ${st}.count) ** 2;\n`
        );
    }
  }

  /** A search that stops on the data, then reads the entry found. */
  private search(into: Scope, v: Vec, ind: string): string {
    const s = child(into);
    const j = this.fresh('j'),
      n = this.fresh('n'),
      t = this.expr(s, 1);
    const loop = this.pick([
      // `${t} > xs[j]`, not `xs[j] < ${t}`: TypeScript may read `xs[j] < (a) > (b)` as type arguments.
      `${ind}let ${j} = 0;\n${ind}while (${j} < ${v.expr}.length - 1 && ${t} > ${v.expr}[${j}]) ${j}++;\n`,
      `${ind}let ${j} = ${v.expr}.length - 1;\n${ind}while (${j} > 0 && ${v.expr}[${j}] > ${t}) ${j}--;\n`,
      `${ind}let ${j} = 0;\n${ind}for (; ${j} < ${v.expr}.length - 1; ${j}++) if (${v.expr}[${j}] > ${t}) break;\n`,
    ]);
    into.nums.push(n);
    return `${loop}${ind}const ${n} = ${v.expr}[${j}] * ${this.operand(s, 1)} + ${this.smooth(`${v.expr}[${j}]`)};\n`;
  }

  /** Every pair of entries, skipping some: `if (j === i) continue`, a cut-off on their distance, or `j = i + 1`. */
  private pairwise(into: Scope, v: Vec, ind: string): string {
    const s = child(into);
    const [i, j, d, n] = [this.fresh('i'), this.fresh('j'), this.fresh('d'), this.fresh('pair')];
    const inner = child(this.loopScope(this.loopScope(s, { name: i, bound: v.length }), { name: j, bound: v.length }), { nums: [...s.nums, d] });
    const half = this.chance(0.4);
    let body = half ? '' : `${ind}    if (${j} === ${i}) continue;\n`;
    body += `${ind}    const ${d} = ${v.expr}[${i}] - ${v.expr}[${j}];\n`;
    if (this.chance(0.5)) body += `${ind}    if (Math.abs(${d}) > ${this.constant(0.5, 2)}) continue;\n`;
    body += `${ind}    ${n} += ${this.pick([`${this.operand(inner, 1)} / (1 + ${d} * ${d})`, `${d} * ${d} * ${this.bounded(inner, 1)}`, `Math.exp(-${d} * ${d}) * ${this.operand(inner, 1)}`])};\n`;
    into.nums.push(n);
    into.mutable.push(n);
    return `${ind}let ${n} = 0;\n${ind}for (let ${i} = 0; ${i} < ${v.expr}.length; ${i}++) {\n${ind}  for (let ${j} = ${half ? `${i} + 1` : '0'}; ${j} < ${v.expr}.length; ${j}++) {\n${body}${ind}  }\n${ind}}\n`;
  }

  /**
   * An array of a run-time length relaxed pass after pass by a callback with a block body
   * (its own `return`), each entry pushed by the others (`if (j === i) continue`), the new
   * array kept in a `const` first: `const next = p.map((e, i, arr) => { …; return …; }); p = next;`.
   */
  private relaxed(into: Scope, v: Vec, ind: string): string {
    const s = child(into);
    const [p, next, k, e, i, arr, j, d, force] = ['p', 'next', 'k', 'e', 'i', 'arr', 'j', 'd', 'force'].map((name) => this.fresh(name));
    const passes = this.int(1, 3);
    const inner = child(s, { nums: [...s.nums, e, force], callback: true, returns: false });
    const neighbour = this.chance(0.5) ? arr : p;
    const kept = this.chance(0.7);
    const pass =
      `${ind}  ${kept ? `const ${next} =` : `${p} =`} ${p}.map((${e}, ${i}, ${arr}) => {
${ind}    let ${force} = 0;
` +
      `${ind}    for (let ${j} = 0; ${j} < ${neighbour}.length; ${j}++) {
${ind}      if (${j} === ${i}) continue;
` +
      `${ind}      const ${d} = ${e} - ${neighbour}[${j}];
${ind}      ${force} += ${d} / (1 + ${d} * ${d});
${ind}    }
` +
      `${ind}    return ${e} + ${this.constant(0.05, 0.2)} * (${force} + ${this.bounded(inner, 1)});
${ind}  });
${
  kept
    ? `${ind}  ${p} = ${next};
`
    : ''
}`;
    into.vecs.push({ expr: p, length: v.length, type: 'array', local: true });
    return `${ind}let ${p} = [...${v.expr}];
${ind}for (let ${k} = 0; ${k} < ${passes}; ${k}++) {
${pass}${ind}}
`;
  }

  /** A value carried through a loop whose `switch` on the counter falls through from case to case. */
  private fallThrough(into: Scope, ind: string): string {
    const s = child(into);
    const [a, k] = [this.fresh('a'), this.fresh('k')],
      count = this.int(2, 5);
    const inner = child(this.loopScope(s, { name: k, bound: count }), { breakable: false, continuable: false });
    inner.nums.push(a);
    const step = () =>
      this.pick([
        `${a} += 0.3 * ${this.bounded(inner, 1)};`,
        `${a} *= ${this.constant(0.5, 0.95)};`,
        `${a} -= ${this.constant(0.1, 0.5)} * Math.sin(${a} * ${this.operand(inner, 1)});`,
      ]);
    // Each case breaks or falls through into the next one.
    const cases = [0, 1, 2].map((value) => `${ind}    case ${value}:\n${ind}      ${step()}\n${this.chance(0.5) ? `${ind}      break;\n` : ''}`);
    const fallback = this.chance(0.5) ? `${ind}    default:\n${ind}      ${step()}\n` : '';
    into.nums.push(a);
    into.mutable.push(a);
    return `${ind}let ${a} = ${this.expr(s, 2)};\n${ind}for (let ${k} = 0; ${k} < ${count}; ${k}++) {\n${ind}  switch (${k} % ${this.pick([3, 4])}) {\n${cases.join('')}${fallback}${ind}  }\n${ind}}\n`;
  }

  /**
   * Strings and booleans a loop reassigns, as a schedule is written: a phase, a flag toggled, a
   * label that may be undefined (`let mode = 'warm'; … if (k === 1) mode = 'cool';`), read by the
   * numbers the loop computes; an options literal with a flag and a kind, read the same way.
   */
  private flagged(into: Scope, ind: string): string {
    const s = child(into);
    const [a, k, mode, on, label, opts] = [this.fresh('a'), this.fresh('k'), this.fresh('mode'), this.fresh('on'), this.fresh('label'), this.fresh('opts')];
    const count = this.int(2, 5);
    const inner = child(this.loopScope(s, { name: k, bound: count }), { breakable: false, continuable: false });
    inner.nums.push(a);
    const declared =
      `${ind}${letNumber(a, this.expr(s, 1))}\n${ind}let ${mode} = '${this.pick(['warm', 'cool'])}';\n${ind}let ${on} = ${this.pick(['true', 'false'])};\n` +
      `${ind}let ${label}: string | undefined;\n${ind}const ${opts} = { clamp: ${this.pick(['true', 'false'])}, kind: '${this.pick(['l1', 'l2'])}' as 'l1' | 'l2', scale: ${this.expr(s, 1)} };\n`;
    const term = this.bounded(inner, 1);
    const body =
      `${ind}  ${a} += (${mode} === 'warm' ? ${term} : 0.5 * ${a}) * (${on} ? 1 : 0.5) + (${label} === 'a' ? 0.1 * ${a} : 0);\n` +
      `${ind}  ${a} = ${opts}.clamp ? Math.min(Math.max(${a}, -5), 5) : ${opts}.kind === 'l1' ? ${a} : ${a} * ${this.constant(0.5, 0.95)};\n` +
      `${ind}  if (${k} === ${this.int(0, count - 1)}) ${mode} = ${mode} === 'warm' ? 'cool' : 'warm';\n` +
      `${ind}  ${on} = !${on};\n${ind}  ${label} = ${k} % 2 === 0 ? 'a' : undefined;\n`;
    into.nums.push(a);
    into.mutable.push(a);
    return `${declared}${ind}for (let ${k} = 0; ${k} < ${count}; ${k}++) {\n${body}${ind}}\n${ind}${a} += ${opts}.scale * 0.1;\n`;
  }

  /** Math functions and compound assignments the other generators leave out. */
  private moreMath(into: Scope, ind: string): string {
    const s = child(into);
    const n = this.fresh('n'),
      a = this.expr(s, 1),
      b = this.operand(s, 1);
    const term = this.pick([
      `Math.cbrt(2 + Math.tanh(${a}))`,
      `Math.expm1(0.5 * Math.tanh(${a}))`,
      `Math.log1p((${a}) ** 2)`,
      `Math.sign(${a}) * ${b}`,
      `Math.trunc(${a}) * ${b}`,
      `Math.log2(1 + (${a}) ** 2)`,
      `Math.log10(2 + Math.sin(${a}))`,
      `Math.asinh(${a})`,
      `Math.cosh(0.5 * Math.tanh(${a}))`,
      `Math.hypot(${a}, ${b}, 0.5)`,
    ]);
    into.nums.push(n);
    switch (this.int(0, 2)) {
      case 0:
        return `${ind}const ${n} = ${term};\n`;
      case 1:
        into.mutable.push(n);
        return `${ind}let ${n} = ${term};\n${ind}${n} **= 2;\n`;
      default: {
        // An entry counted up, and a comma expression.
        const w = this.fresh('w');
        return `${ind}const ${w} = [${term}, ${this.expr(s, 1)}];\n${ind}${w}[${this.int(0, 1)}]${this.pick(['++', '--'])};\n${ind}const ${n} = (${w}[0] += ${b}, ${w}[0] * ${w}[1]);\n`;
      }
    }
  }

  /**
   * An instance of a top-level class made in f and updated by its methods in a loop: running
   * statistics (field initialisers, a getter), an exponential average (a private `#count`, a
   * static factory).
   */
  private tallied(into: Scope, arrays: readonly Vec[], ind: string): string {
    const s = child(into);
    const st = this.fresh('tally'),
      n = this.fresh('n'),
      k = this.fresh('k');
    const stats = this.chance(0.5);
    const name = stats
      ? this.helpers.topLevel(
          'classes',
          'class Stats',
          'Stats',
          (c) =>
            `export class ${c} {\n  n = 0;\n  mean = 0;\n  m2 = 0;\n  push(x: number): void {\n    this.n++;\n    const d = x - this.mean;\n    this.mean += d / this.n;\n    this.m2 += d * (x - this.mean);\n  }\n` +
            `  get variance(): number {\n    return this.n > 1 ? this.m2 / (this.n - 1) : 0;\n  }\n}\n`,
        )
      : this.helpers.topLevel(
          'classes',
          'class Ema',
          'Ema',
          (c) =>
            `export class ${c} {\n  #count = 0;\n  value = 0;\n  constructor(private readonly decay: number) {}\n  update(x: number): number {\n    this.#count++;\n` +
            `    this.value = this.decay * this.value + (1 - this.decay) * x;\n    return this.value;\n  }\n  get count(): number {\n    return this.#count;\n  }\n` +
            `  static of(decay: number, x: number): ${c} {\n    const e = new ${c}(decay);\n    e.update(x);\n    return e;\n  }\n}\n`,
        );
    const call = stats ? 'push' : 'update';
    const made = stats
      ? `new ${name}()`
      : this.chance(0.5)
        ? `new ${name}(${this.constant(0.5, 0.95)})`
        : `${name}.of(${this.constant(0.5, 0.95)}, ${this.expr(s, 1)})`;
    let code = `${ind}const ${st} = ${made};\n`;
    if (arrays.length > 0 && this.chance(0.6)) {
      const v = this.pick(arrays),
        e = this.fresh('e');
      const inner = child(this.loopScope(s), { nums: [...s.nums, e] });
      code += `${ind}for (const ${e} of ${v.expr}) ${st}.${call}(${e} * ${this.operand(inner, 1)});\n`;
    } else {
      const count = this.int(1, 4);
      code += `${ind}for (let ${k} = 0; ${k} < ${count}; ${k}++) ${st}.${call}(${this.expr(this.loopScope(s, { name: k, bound: count }), 2)});\n`;
    }
    into.nums.push(n);
    return `${code}${ind}const ${n} = ${stats ? `${st}.mean + ${st}.variance` : `${st}.value + 0.1 * ${st}.count`};\n`;
  }

  /**
   * Immutable vectors, as graphics and game code writes them: a class whose methods return new
   * instances (`p.add(v.scale(dt))`), a static factory and a getter, the instances reassigned
   * pass after pass; fields read by name and by a string key (`p['x']`).
   */
  private moved(into: Scope, ind: string): string {
    const s = child(into);
    const V = this.helpers.topLevel(
      'classes',
      'class Vec2',
      'V2',
      (c) =>
        `export class ${c} {\n  constructor(readonly x: number, readonly y: number) {}\n` +
        `  add(o: ${c}): ${c} {\n    return new ${c}(this.x + o.x, this.y + o.y);\n  }\n` +
        `  sub(o: ${c}): ${c} {\n    return new ${c}(this.x - o.x, this.y - o.y);\n  }\n` +
        `  scale(k: number): ${c} {\n    return new ${c}(this.x * k, this.y * k);\n  }\n` +
        `  dot(o: ${c}): number {\n    return this.x * o.x + this.y * o.y;\n  }\n` +
        `  get length(): number {\n    return Math.sqrt(1e-3 + this.x * this.x + this.y * this.y);\n  }\n` +
        `  static polar(r: number, t: number): ${c} {\n    return new ${c}(r * Math.cos(t), r * Math.sin(t));\n  }\n}\n`,
    );
    const [p, v, k, acc, n] = [this.fresh('p'), this.fresh('vel'), this.fresh('k'), this.fresh('acc'), this.fresh('n')];
    const count = this.int(2, 6);
    const dt = this.constant(0.01, 0.1);
    const inner = this.loopScope(s, { name: k, bound: count });
    const start = this.chance(0.5)
      ? `new ${V}(${this.expr(s, 1)}, ${this.expr(s, 1)})`
      : `${V}.polar(1 + 0.1 * Math.tanh(${this.expr(s, 1)}), ${this.expr(s, 1)})`;
    const force = this.pick([
      `${p}.scale(${this.constant(-2, -0.5)})`,
      `${p}.scale(-1 / (${p}.length * ${p}.length))`,
      `new ${V}(0, ${this.constant(-1, 0)}).sub(${v}.scale(${this.constant(0.05, 0.3)}))`,
      `${p}.sub(new ${V}(Math.tanh(${this.expr(inner, 1)}), ${this.constant(-1, 1)})).scale(-1)`,
    ]);
    const update = this.chance(0.5)
      ? `${ind}  ${v} = ${v}.add(${acc}.scale(${dt}));\n${ind}  ${p} = ${p}.add(${v}.scale(${dt}));\n`
      : `${ind}  [${p}, ${v}] = [${p}.add(${v}.scale(${dt})), ${v}.add(${acc}.scale(${dt}))];\n`;
    const read = this.pick([`${p}.sub(${v}).length`, `${p}['x'] * ${v}.dot(${p})`, `${p}.dot(${v}) + ${v}['y']`, `${p}.x + ${p}.length`]);
    into.nums.push(n);
    return (
      `${ind}let ${p} = ${start};\n${ind}let ${v} = new ${V}(${this.constant(-1, 1)}, ${this.expr(s, 1)});\n` +
      `${ind}for (let ${k} = 0; ${k} < ${count}; ${k}++) {\n${ind}  const ${acc} = ${force};\n${update}${ind}}\n` +
      `${ind}const ${n} = ${read};\n`
    );
  }

  /**
   * A covariance a filter reassigns pass after pass, as a Kalman filter is written: helpers of
   * the module multiplying, transposing and adding `number[][]` (`P = matAdd(matMul(matMul(F,
   * P), transpose(F)), Q)`), then an update by a literal of its rows or by a map of a map.
   */
  private filtered(into: Scope, ind: string): string {
    const s = child(into);
    const matMul = this.helpers.topLevel(
      'functions',
      'matMul',
      'matMul',
      (f) =>
        `function ${f}(A: number[][], B: number[][]): number[][] {\n  return A.map((row) => B[0].map((_, j) => row.reduce((acc, a, k) => acc + a * B[k][j], 0)));\n}\n`,
    );
    const transpose = this.helpers.topLevel(
      'functions',
      'transpose',
      'transpose',
      (f) => `function ${f}(A: number[][]): number[][] {\n  return A[0].map((_, j) => A.map((row) => row[j]));\n}\n`,
    );
    const matAdd = this.helpers.topLevel(
      'functions',
      'matAdd',
      'matAdd',
      (f) => `function ${f}(A: number[][], B: number[][]): number[][] {\n  return A.map((row, i) => row.map((v, j) => v + B[i][j]));\n}\n`,
    );
    const [P, F, Q, k, g, n] = [this.fresh('P'), this.fresh('F'), this.fresh('Q'), this.fresh('k'), this.fresh('g'), this.fresh('n')];
    const count = this.int(1, 4);
    const inner = this.loopScope(s, { name: k, bound: count });
    const q = `${this.constant(0.05, 0.2)} * (1 + 0.5 * Math.tanh(${this.expr(s, 1)}))`;
    const predict = this.pick([
      `${ind}  ${P} = ${matAdd}(${matMul}(${matMul}(${F}, ${P}), ${transpose}(${F})), ${Q});\n`,
      `${ind}  ${P} = ${matAdd}(${matMul}(${F}, ${matMul}(${P}, ${transpose}(${F}))), ${Q});\n`,
    ]);
    const update = this.pick([
      `${ind}  ${P} = [[${P}[0][0] * (1 - ${g} * ${P}[0][0]), ${P}[0][1] * (1 - ${g})], [${P}[1][0] * (1 - ${g}), ${P}[1][1] - ${g} * ${P}[0][1] * ${P}[1][0]]];\n`,
      `${ind}  ${P} = ${P}.map((row, i) => row.map((v, j) => v - ${g} * ${P}[i][0] * ${P}[0][j]));\n`,
    ]);
    into.nums.push(n);
    return (
      `${ind}const ${F} = [[1, ${this.constant(0.05, 0.2)}], [0, 1]];\n${ind}const ${Q} = [[${q}, 0], [0, ${q}]];\n` +
      `${ind}let ${P}: number[][] = [[1, 0], [0, 1]];\n` +
      `${ind}for (let ${k} = 0; ${k} < ${count}; ${k}++) {\n${predict}` +
      `${ind}  const ${g} = ${P}[0][0] / (${P}[0][0] ** 2 + ${this.constant(0.5, 1)} + 0.1 * Math.tanh(${this.expr(inner, 1)}) ** 2);\n${update}${ind}}\n` +
      `${ind}const ${n} = ${P}[0][0] + ${this.constant(-1, 1)} * ${P}[1][1] + ${P}[0][1];\n`
    );
  }

  /** A module table of links (objects) and offsets (numbers) read by index in a loop, by `for … of`, or at a constant index. */
  private linkTable(into: Scope, ind: string): string {
    const s = child(into);
    const links = this.helpers.topLevel('constants', 'links', 'LINKS', (c) => {
      const rows = Array.from({ length: 3 }, () => `{ len: ${this.constant(0.3, 1.5)}, w: ${this.constant(-1, 1)} }`);
      return `const ${c}${this.pick(['', ': readonly { len: number; w: number }[]'])} = [${rows.join(', ')}]${this.chance(0.2) ? ' as const' : ''};\n`;
    });
    const offsets = this.helpers.topLevel(
      'constants',
      'offsets',
      'OFFS',
      (c) => `const ${c} = [${Array.from({ length: 3 }, () => this.constant(-0.5, 0.5)).join(', ')}];\n`,
    );
    const [x, y, t, i] = [this.fresh('x'), this.fresh('y'), this.fresh('t'), this.fresh('i')];
    const n = this.fresh('reach');
    into.nums.push(n);
    switch (this.int(0, 2)) {
      case 0: {
        const inner = this.loopScope(s, { name: i, bound: 3 });
        return (
          `${ind}let ${x} = 0, ${y} = 0, ${t} = 0;\n${ind}for (let ${i} = 0; ${i} < ${links}.length; ${i}++) {\n${ind}  ${t} += ${this.bounded(inner, 1)} + ${offsets}[${i}];\n` +
          `${ind}  ${x} += ${links}[${i}].len * Math.cos(${t});\n${ind}  ${y} += ${links}[${i}].len * Math.sin(${t}) * ${links}[${i}].w;\n${ind}}\n` +
          `${ind}const ${n} = ${x} * ${x} + ${y};\n`
        );
      }
      case 1: {
        const l = this.fresh('l');
        const inner = child(this.loopScope(s), { nums: [...s.nums, `${l}.len`] });
        return `${ind}let ${n} = 0;\n${ind}for (const ${l} of ${links}) ${n} += ${l}.w * ${this.smooth(`${l}.len * ${this.operand(inner, 1)}`)};\n`;
      }
      default: {
        const k = this.int(0, 2);
        return `${ind}const ${n} = ${links}[${k}].w * ${this.operand(s, 1)} + ${offsets}[${this.int(0, 2)}] * ${links}[${k}].len;\n`;
      }
    }
  }

  /**
   * A generic helper summing a callback over the entries of an array, as libraries write it
   * (`sumBy<T>(items: readonly T[], fn: (t: T) => number)`, by `for … of`, by index, or by
   * `map` and `reduce`), given rows of a matrix, tuples, or objects: the callback's entries
   * are what the call gives T, differentiated like the caller's own.
   */
  private genericSum(s: Scope): string {
    const loop = this.pick(['of', 'index', 'map'] as const);
    const sumBy = this.helpers.topLevel('functions', `generic sumBy ${loop}`, 'sumBy', (c) => {
      const signature = `function ${c}<T>(items: ${this.pick(['readonly T[]', 'T[]', 'Array<T>'])}, fn: (t: T) => number): number {\n`;
      if (loop === 'map') return `${signature}  return items.map(fn).reduce((a, b) => a + b, 0);\n}\n`;
      const read = loop === 'of' ? '  for (const it of items) s += fn(it);\n' : '  for (let i = 0; i < items.length; i++) s += fn(items[i]);\n';
      return `${signature}  let s = 0;\n${read}  return s;\n}\n`;
    });
    const e = this.fresh('e');
    const mats = s.mats.filter((m) => m.cols >= 2);
    const objects = s.objs.filter((o) => o.expr !== 'this' && o.type.fields.some(([, f]) => f === 'number'));
    const inner = (reads: string[]) => this.smooth(`${this.pick(reads)} * ${this.pick(reads)}`);
    switch (
      this.weighted<string>([
        [mats.length > 0 ? 2 : 0, 'rows'],
        [objects.length > 0 ? 2 : 0, 'objects'],
        [1, 'tuples'],
      ])
    ) {
      case 'rows': {
        const m = this.pick(mats);
        return `${sumBy}(${m.expr}, (${e}) => ${inner([`${e}[0]`, `${e}[${m.cols - 1}]`])})`;
      }
      case 'objects': {
        const o = this.pick(objects);
        const fields = o.type.fields.filter(([, f]) => f === 'number').map(([name]) => `${e}.${name}`);
        return `${sumBy}([${Array.from({ length: this.int(1, 2) }, () => o.expr).join(', ')}], (${e}) => ${inner(fields)})`;
      }
      default: {
        const pairs = Array.from({ length: this.int(1, 3) }, () => `[${this.expr(s, 1)}, ${this.expr(s, 1)}]`);
        return `${sumBy}([${pairs.join(', ')}] as [number, number][], (${e}) => ${inner([`${e}[0]`, `${e}[1]`])})`;
      }
    }
  }

  /** Functions passed on: an integrator given an arrow, `v.map(helper)`, rest parameters, generic helpers, a `function` called before its declaration, an enum. */
  private passedOn(into: Scope, arrays: readonly Vec[], ind: string): string {
    const s = child(into);
    const n = this.fresh('n');
    into.nums.push(n);
    const v = arrays.length > 0 ? this.pick(arrays) : undefined;
    switch (
      this.weighted<string>([
        [2, 'integrate'],
        [v ? 1 : 0, 'map'],
        [1, 'rest'],
        [v && v.type !== 'f64' ? 1 : 0, 'generic'],
        [4, 'sumBy'],
        // Not in a method: a function declared there has a `this` of its own.
        [s.objs.some((o) => o.expr === 'this') ? 0 : 1, 'hoisted'],
        [1, 'enum'],
      ])
    ) {
      case 'integrate': {
        const integrate = this.helpers.topLevel(
          'functions',
          'integrate',
          'integrate',
          (c) =>
            `function ${c}(g: (t: number) => number, a: number, b: number, n: number): number {\n  const h = (b - a) / n;\n  let s = 0.5 * (g(a) + g(b));\n` +
            `  for (let i = 1; i < n; i++) s += g(a + i * h);\n  return s * h;\n}\n`,
        );
        const t = this.fresh('t');
        const body = this.expr(child(s, { nums: [...s.nums, t, t], callback: true, returns: false }), 2);
        const g = this.chance(0.2) ? 'Math.sin' : `(${t}) => ${t} * ${this.smooth(body)}`;
        return `${ind}const ${n} = ${integrate}(${g}, 0, 1 + 0.5 * Math.tanh(${this.expr(s, 1)}), ${this.int(2, 4)});\n`;
      }
      case 'map': {
        const soft = this.helpers.topLevel(
          'functions',
          'softplus',
          'soft',
          (c) => `function ${c}(x: number): number {\n  return Math.log(1 + Math.exp(x));\n}\n`,
        );
        const w = this.fresh('act'),
          a = this.fresh('a'),
          e = this.fresh('e');
        into.vecs.push({ expr: w, length: v!.length, type: v!.type === 'f64' ? 'f64' : 'array', local: true });
        return `${ind}const ${w} = ${v!.expr}.map(${soft});\n${ind}const ${n} = ${w}.reduce((${a}, ${e}) => ${a} + ${soft}(${e}), 0);\n`;
      }
      case 'rest': {
        const sum = this.helpers.topLevel(
          'functions',
          'rest sum',
          'sum',
          (c) =>
            `function ${c}(...vs: number[]): number {\n  let s = 0;\n  for (const v of vs) s += ${this.pick(['v', 'v * v', 'Math.tanh(v)'])};\n  return s;\n}\n`,
        );
        return `${ind}const ${n} = ${sum}(${v && this.chance(0.5) ? `...${v.expr}` : this.args(s, 2, this.int(1, 3))});\n`;
      }
      case 'generic': {
        const norm = this.helpers.topLevel(
          'functions',
          'generic norm',
          'norm2',
          (c) => `function ${c}<T extends readonly number[]>(v: T): number {\n  return v.reduce((a, e) => a + e * e, 0);\n}\n`,
        );
        return `${ind}const ${n} = Math.sqrt(1 + ${norm}(${v!.expr}));\n`;
      }
      case 'sumBy':
        return `${ind}const ${n} = ${this.genericSum(s)};\n`;
      case 'hoisted': {
        const h = this.fresh('scaled'),
          t = this.fresh('t');
        const body = this.expr(child(s, { nums: [...s.nums, t, t], callback: true, returns: false }), 2);
        return `${ind}const ${n} = ${h}(${this.expr(s, 1)});\n${ind}function ${h}(${t}: number): number {\n${ind}  return ${t} * ${this.smooth(body)};\n${ind}}\n`;
      }
      default: {
        const mode = this.helpers.topLevel('types', 'enum', 'Mode', (c) => `export enum ${c} {\n  Fast,\n  Slow,\n}\n`);
        const m = this.fresh('mode');
        return (
          `${ind}const ${m} = ${this.condition(s, 1)} ? ${mode}.Slow : ${mode}.Fast;\n` +
          `${ind}const ${n} = ${m} === ${mode}.Slow ? ${this.expr(s, 2)} : ${this.expr(s, 1)};\n`
        );
      }
    }
  }
}
