// Random differentiable programs over the supported subset, for the fuzz tests.
//
// A program is drawn from a choice sequence (./choices.ts): choice 0 is the simplest one (a
// leaf, the fewest statements, no else branch), so fast-check shrinks a failing program by
// shortening the sequence and lowering its entries.
//
// Code is rendered twice: `ts` for tapeless, and `js`, the same function in plain JavaScript
// with every comparison and every non-smooth Math call on differentiable values routed through
// recorders (`__c`, `__abs`, `__max`, ...) that note the branch taken and its margin, so that
// points near a branch boundary or a kink can be avoided.
import { Choices, type Draw } from './choices.js';

export type Mode = 'ts' | 'js';
export type Code = (mode: Mode) => string;
export type ArrayType = 'Float64Array' | 'number[]';

export interface Param {
  readonly name: string;
  /** `number`, or an array of length 3. */
  readonly type: 'number' | ArrayType;
}

export interface Program {
  readonly name: string;
  readonly params: readonly Param[];
  /** The gradient export: `grad(name)`, `grad(name, { wrt })` or `valueAndGrad(name)`. */
  readonly kind: 'grad' | 'wrt' | 'valueAndGrad';
  /** Parameter indices of the gradient's entries, in order. */
  readonly wrt: readonly number[];
  /** The helpers and the exported function. */
  readonly source: Code;
}

interface Scope {
  /** Readable number variables. */
  nums: string[];
  /** Assignable number variables (lets and number parameters). */
  mutable: string[];
  /** Loop counters in scope: exact small integers. */
  counters: string[];
  /** Readable arrays of length 3 (array parameters, local arrays). */
  arrays: string[];
  /** Local arrays (writable). */
  locals: string[];
  /** Array parameters (may be passed to the array helper). */
  arrayParams: string[];
  helper?: string;
  arrayHelper?: string;
  loopDepth: number;
  inLoop: boolean;
  /** Inside a callback of map/reduce: expressions only. */
  inCallback: boolean;
}

const wrap =
  (text: string): Code =>
  () =>
    text;

class Generator extends Choices {
  private counter = 0;
  /** Helpers referenced so far: the others are left out of the program. */
  private readonly used = new Set<string>();

  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }
  constant(lo = -2, hi = 2): Code {
    const v = Math.round((lo + this.rand() * (hi - lo)) * 100) / 100;
    return wrap(v < 0 ? `(${v})` : `${v}`);
  }

  index(s: Scope): string {
    return s.counters.length > 0 && this.chance(0.5) ? `(${this.pick(s.counters)} + ${this.int(0, 2)}) % 3` : `${this.int(0, 2)}`;
  }

  leaf(s: Scope): Code {
    const options: (() => Code)[] = [() => this.constant()];
    for (let k = 0; k < 4; k++) if (s.nums.length > 0) options.push(() => wrap(this.pick(s.nums)));
    if (s.counters.length > 0) options.push(() => wrap(`(${this.pick(s.counters)} * ${this.pick(['0.25', '0.5', '0.3'])})`));
    if (s.arrays.length > 0) {
      const read = (): Code => wrap(`${this.pick(s.arrays)}[${this.index(s)}]`);
      options.push(read, read);
    }
    return this.pick(options)();
  }

  expr(s: Scope, depth: number): Code {
    if (depth <= 0 || !this.chance(0.75)) return this.leaf(s);
    const sub = () => this.expr(s, depth - 1);
    switch (this.int(0, 25)) {
      case 0:
      case 1: {
        const a = sub(),
          b = sub();
        return (m) => `(${a(m)} + ${b(m)})`;
      }
      case 2:
      case 3: {
        const a = sub(),
          b = sub();
        return (m) => `(${a(m)} - ${b(m)})`;
      }
      case 4:
      case 5: {
        const a = sub(),
          b = sub();
        return (m) => `(${a(m)} * ${b(m)})`;
      }
      case 6: {
        const a = sub(),
          b = sub();
        return this.chance(0.5) ? (m) => `(${a(m)} / (1.5 + Math.cos(${b(m)})))` : (m) => `(${a(m)} / (1 + ${b(m)} ** 2))`;
      }
      case 7: {
        const a = sub();
        return (m) => `(-${a(m)})`;
      }
      case 8:
      case 9: {
        const a = sub(),
          f = this.pick(['sin', 'cos', 'tanh', 'atan', 'asinh', 'sinh', 'expm1']);
        return f === 'sinh' || f === 'expm1' ? (m) => `Math.${f}(Math.tanh(${a(m)}))` : (m) => `Math.${f}(${a(m)})`;
      }
      case 10: {
        const a = sub(),
          form = this.int(0, 2);
        return form === 0
          ? (m) => `Math.exp(Math.sin(${a(m)}))`
          : form === 1
            ? (m) => `Math.exp(0.5 * Math.tanh(${a(m)}))`
            : (m) => `Math.exp(-0.5 * ${a(m)} ** 2)`;
      }
      case 11: {
        const a = sub(),
          f = this.pick(['sqrt', 'log', 'cbrt', 'log2', 'log10']);
        return (m) => `Math.${f}(1 + ${a(m)} ** 2)`;
      }
      case 12: {
        const a = sub(),
          b = sub();
        return this.chance(0.5) ? (m) => `Math.hypot(${a(m)}, ${b(m)}, 1)` : (m) => `Math.hypot(${a(m)}, 0.5)`;
      }
      case 13:
      case 14: {
        const c = this.cond(s, depth - 1),
          a = sub(),
          b = sub();
        return (m) => `(${c(m)} ? ${a(m)} : ${b(m)})`;
      }
      case 15:
      case 16: {
        if (!s.helper) return this.expr(s, depth - 1);
        const h = s.helper,
          a = sub(),
          b = sub();
        this.used.add(h);
        return (m) => `${h}(${a(m)}, ${b(m)})`;
      }
      case 17: {
        // Powers: a negated base keeps its parentheses; a positive base with any exponent.
        const a = sub(),
          b = sub(),
          form = this.int(0, 3);
        return form === 0
          ? (m) => `(${a(m)} ** 3)`
          : form === 1
            ? (m) => `((-${a(m)}) ** 2)`
            : form === 2
              ? (m) => `((1.5 + Math.sin(${a(m)})) ** ${b(m)})`
              : (m) => `Math.pow(1 + ${a(m)} ** 2, 0.5 * Math.sin(${b(m)}))`;
      }
      case 18: {
        // Non-smooth functions: the JavaScript twin records the kink's margin.
        const a = sub(),
          b = sub(),
          f = this.pick(['abs', 'max', 'min', 'floor', 'sign', 'round']);
        if (f === 'max' || f === 'min') return (m) => (m === 'js' ? `__${f}(${a(m)}, ${b(m)})` : `Math.${f}(${a(m)}, ${b(m)})`);
        if (f === 'abs') return (m) => (m === 'js' ? `__abs(${a(m)})` : `Math.abs(${a(m)})`);
        return (m) => (m === 'js' ? `(__step(${a(m)}, ${JSON.stringify(f)}) * ${b(m)})` : `(Math.${f}(${a(m)}) * ${b(m)})`);
      }
      case 19: {
        const a = sub(),
          b = sub(),
          f = this.pick(['asin', 'acos']);
        return this.chance(0.5) ? (m) => `Math.atan2(${a(m)}, 1.5 + Math.cos(${b(m)}))` : (m) => `Math.${f}(0.9 * Math.tanh(${a(m)}))`;
      }
      case 20: {
        if (s.arrays.length === 0 || s.inCallback) return this.expr(s, depth - 1);
        // reduce over an array, with the callback written in place.
        const arr = this.pick(s.arrays),
          acc = this.fresh('s'),
          v = this.fresh('e');
        const inner = this.child(s);
        inner.nums.push(v);
        inner.inCallback = true;
        const e = this.expr(inner, 2);
        const init = this.constant();
        return (m) => `${arr}.reduce((${acc}${m === 'ts' ? ': number' : ''}, ${v}${m === 'ts' ? ': number' : ''}) => ${acc} + Math.tanh(${e(m)}), ${init(m)})`;
      }
      case 21: {
        if (!s.arrayHelper || s.arrayParams.length === 0) return this.expr(s, depth - 1);
        const h = s.arrayHelper,
          arr = this.pick(s.arrayParams),
          t = sub();
        this.used.add(h);
        return (m) => `${h}(${arr}, ${t(m)})`;
      }
      case 22: {
        if (s.arrays.length === 0 || s.inCallback) return this.expr(s, depth - 1);
        return wrap(`${this.pick(s.arrays)}.length`);
      }
      default: {
        // A factor, sometimes drawn: Math.random() anywhere (loops, branches, callbacks, helpers).
        const c = this.chance(0.25) ? wrap('Math.random()') : this.constant(-1, 1),
          a = sub();
        return (m) => `(${c(m)} * ${a(m)})`;
      }
    }
  }

  comparison(s: Scope, depth: number): Code {
    const op = this.pick(['<', '>', '<=', '>=']);
    const a = this.expr(s, Math.min(depth, 2));
    const b = this.chance(0.4) ? this.expr(s, Math.min(depth, 1)) : this.constant(-1, 1);
    // TypeScript may read `a < (b) > (c)` as a call with type arguments: `<` is written as `>`
    // swapped, in the twin too (it evaluates b first: the numbers Math.random() draws come in that order).
    const swapped = op === '<' ? '>' : op === '<=' ? '>=' : undefined;
    if (swapped) return (m) => (m === 'js' ? `__c(${b(m)}, '${swapped}', ${a(m)})` : `(${b(m)}) ${swapped} (${a(m)})`);
    return (m) => (m === 'js' ? `__c(${a(m)}, '${op}', ${b(m)})` : `(${a(m)}) ${op} (${b(m)})`);
  }

  cond(s: Scope, depth: number): Code {
    if (this.chance(0.15)) {
      const a = this.comparison(s, depth),
        b = this.comparison(s, depth),
        op = this.pick(['&&', '||']);
      return (m) => `(${a(m)} ${op} ${b(m)})`;
    }
    if (this.chance(0.05)) {
      const a = this.comparison(s, depth);
      return (m) => `(!(${a(m)}))`;
    }
    const c = this.comparison(s, depth);
    return (m) => `(${c(m)})`;
  }

  /** A bounded factor for `*=`, so that loops do not blow values up. */
  factor(s: Scope): Code {
    const a = this.expr(s, 2);
    return this.chance(0.5) ? (m) => `(0.5 + 0.4 * Math.sin(${a(m)}))` : (m) => `Math.tanh(${a(m)})`;
  }

  statement(s: Scope, depth: number, indent: string): Code {
    const inner = indent + '  ';
    const options: [number, () => Code][] = [
      [
        3,
        () => {
          const v = this.fresh('v'),
            e = this.expr(s, 3),
            constant = this.chance(0.3);
          s.nums.push(v);
          if (!constant) s.mutable.push(v);
          return (m) => `${indent}${constant ? 'const' : 'let'} ${v} = ${e(m)};\n`;
        },
      ],
    ];
    if (s.mutable.length > 0) {
      options.push([
        4,
        () => {
          const v = this.pick(s.mutable);
          // Inside loops, keep assignments contracting: v = a * v + bounded.
          if (s.inLoop && this.chance(0.6)) {
            const e = this.expr(s, 2),
              c = this.constant(-0.8, 0.8),
              f = this.pick(['sin', 'tanh', 'atan']);
            return (m) => `${indent}${v} = ${c(m)} * ${v} + Math.${f}(${e(m)});\n`;
          }
          const e = this.expr(s, 3);
          return s.inLoop ? (m) => `${indent}${v} = Math.tanh(${e(m)});\n` : (m) => `${indent}${v} = ${e(m)};\n`;
        },
      ]);
      options.push([
        3,
        () => {
          const v = this.pick(s.mutable);
          switch (this.int(0, 4)) {
            case 0: {
              const e = s.inLoop ? this.factor(s) : this.expr(s, 3);
              return (m) => `${indent}${v} += ${e(m)};\n`;
            }
            case 1: {
              const e = s.inLoop ? this.factor(s) : this.expr(s, 3);
              return (m) => `${indent}${v} -= ${e(m)};\n`;
            }
            case 2: {
              const e = this.factor(s);
              return (m) => `${indent}${v} *= ${e(m)};\n`;
            }
            case 3: {
              const e = this.expr(s, 2);
              return (m) => `${indent}${v} /= 1.5 + Math.sin(${e(m)});\n`;
            }
            default: {
              const op = this.pick(['++', '--']);
              return () => (s.inLoop ? `${indent}${v} = 0.5 * ${v}${op};\n` : `${indent}${v}${op};\n`);
            }
          }
        },
      ]);
    }
    if (s.locals.length > 0) {
      options.push([
        3,
        () => {
          const arr = this.pick(s.locals),
            index = this.index(s),
            e = this.expr(s, 2);
          if (s.inLoop) {
            return this.chance(0.5)
              ? (m) => `${indent}${arr}[${index}] = Math.tanh(${e(m)});\n`
              : (m) => `${indent}${arr}[${index}] += 0.5 * Math.sin(${e(m)});\n`;
          }
          const op = this.pick(['=', '+=', '-=', '*=']);
          return (m) => `${indent}${arr}[${index}] ${op} ${e(m)};\n`;
        },
      ]);
    }
    if (depth > 0) {
      options.push([
        2,
        () => {
          const c = this.cond(s, 2);
          const then = this.block(this.child(s), depth - 1, inner, this.int(1, 3));
          const otherwise = this.chance(0.6) ? this.block(this.child(s), depth - 1, inner, this.int(1, 3)) : undefined;
          return (m) => `${indent}if ${c(m)} {\n${then(m)}${indent}}${otherwise ? ` else {\n${otherwise(m)}${indent}}` : ''}\n`;
        },
      ]);
    }
    if (depth > 0 && s.loopDepth < 2) {
      options.push([
        2,
        () => {
          const i = this.fresh('i'),
            n = this.int(1, 4);
          const body = this.child(s, true);
          body.counters.push(i);
          const b = this.block(body, depth - 1, inner, this.int(1, 4));
          return (m) => `${indent}for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n${b(m)}${indent}}\n`;
        },
      ]);
      options.push([
        1,
        () => {
          const w = this.fresh('w'),
            n = this.int(1, 4);
          const body = this.child(s, true);
          body.counters.push(w);
          // The counter is incremented first, so that `continue` cannot loop forever.
          const b = this.block(body, depth - 1, inner, this.int(1, 3));
          return (m) => `${indent}let ${w} = 0;\n${indent}while (${w} < ${n}) {\n${inner}${w}++;\n${b(m)}${indent}}\n`;
        },
      ]);
      // An array each pass writes, maybe adds into, then reads: from other starts and below
      // other bounds, so that some reads find entries of earlier passes (transformer/rereads.ts).
      options.push([
        1,
        () => {
          const arr = this.fresh('S'),
            acc = this.fresh('acc'),
            i = this.fresh('i'),
            j = this.fresh('j'),
            n = this.int(1, 3);
          const pass = this.child(s, true);
          pass.counters.push(i, j);
          const [from, below] = [this.int(0, 1), this.int(2, 3)];
          const written = this.expr(pass, 2);
          const added = this.chance(0.5) ? ([this.int(1, 3), this.expr(pass, 1)] as const) : undefined;
          const [readFrom, readBelow] = [this.int(0, 1), this.int(2, 3)];
          const factor = this.factor(pass);
          s.nums.push(acc);
          const typed = (m: Mode) => (m === 'ts' ? ': number' : '');
          return (m) =>
            `${indent}const ${arr} = new Float64Array(3);\n${indent}let ${acc}${typed(m)} = 0;\n${indent}for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n` +
            `${indent}  for (let ${j} = ${from}; ${j} < ${below}; ${j}++) ${arr}[${j}] = Math.tanh(${written(m)});\n` +
            (added ? `${indent}  for (let ${j} = 0; ${j} < ${added[0]}; ${j}++) ${arr}[${j}] += 0.5 * Math.sin(${added[1](m)});\n` : '') +
            `${indent}  for (let ${j} = ${readFrom}; ${j} < ${readBelow}; ${j}++) ${acc} += ${arr}[${j}] * ${factor(m)};\n${indent}}\n`;
        },
      ]);
      if (s.arrays.length > 0) {
        options.push([
          1,
          () => {
            const v = this.fresh('e'),
              arr = this.pick(s.arrays);
            const body = this.child(s, true);
            body.nums.push(v);
            const b = this.block(body, depth - 1, inner, this.int(1, 3));
            return (m) => `${indent}for (const ${v} of ${arr}) {\n${b(m)}${indent}}\n`;
          },
        ]);
      }
    }
    if (s.inLoop) {
      options.push([
        1,
        () => {
          const word = this.pick(['break', 'continue']);
          if (s.counters.length > 0 && this.chance(0.4)) {
            const c = this.pick(s.counters),
              k = this.int(1, 3);
            return () => `${indent}if (${c} === ${k}) ${word};\n`;
          }
          const c = this.cond(s, 2);
          return (m) => `${indent}if ${c(m)} ${word};\n`;
        },
      ]);
    }
    return this.weighted(options)();
  }

  child(s: Scope, loop = false): Scope {
    return {
      ...s,
      nums: [...s.nums],
      mutable: [...s.mutable],
      counters: [...s.counters],
      arrays: [...s.arrays],
      locals: [...s.locals],
      loopDepth: s.loopDepth + (loop ? 1 : 0),
      inLoop: s.inLoop || loop,
    };
  }

  block(s: Scope, depth: number, indent: string, count: number): Code {
    const statements: Code[] = [];
    for (let k = 0; k < count; k++) statements.push(this.statement(s, depth, indent));
    return (m) => statements.map((st) => st(m)).join('');
  }

  /** The value returned: a mix of every variable in scope, so that all contribute. */
  result(s: Scope): Code {
    const terms: Code[] = s.nums.map((v) => {
      const c = this.constant(-1, 1);
      return (m: Mode) => `${c(m)} * ${v}`;
    });
    for (const arr of s.locals) terms.push(wrap(`${arr}[${this.int(0, 2)}]`));
    terms.push(this.expr(s, 2));
    return (m) => terms.map((t) => t(m)).join(' + ');
  }

  /** A local array of length 3, created in one of the supported ways. */
  localArray(s: Scope, indent: string): Code {
    const arr = this.fresh('L');
    const e = () => this.expr(s, 2);
    let code: Code;
    const sources = s.arrays;
    switch (this.int(0, 9)) {
      case 0: {
        const init = e(),
          k = this.int(0, 2);
        code = (m) => `${indent}const ${arr} = new Float64Array(3);\n${indent}${arr}[${k}] = ${init(m)};\n`;
        break;
      }
      case 1: {
        const a = e(),
          b = e(),
          c = e();
        code = (m) => `${indent}const ${arr} = [${a(m)}, ${b(m)}, ${c(m)}];\n`;
        break;
      }
      case 2: {
        const a = e();
        code = (m) => `${indent}const ${arr} = new Array${m === 'ts' ? '<number>' : ''}(3).fill(${a(m)});\n`;
        break;
      }
      case 3: {
        const a = e(),
          b = e(),
          c = e();
        code = (m) => `${indent}const ${arr}${m === 'ts' ? ': number[]' : ''} = [];\n${indent}${arr}.push(${a(m)});\n${indent}${arr}.push(${b(m)}, ${c(m)});\n`;
        break;
      }
      case 5: {
        // A sorted copy: its derivative follows the permutation (the twin records which entries are neighbours, and their gaps).
        if (sources.length === 0) return this.localArray(s, indent);
        const source = this.pick(sources),
          descending = this.chance(0.4);
        code = (m) =>
          `${indent}const ${arr} = ${m === 'js' ? `__sorted(${source}, ${descending})` : `[...${source}].sort((p, q) => ${descending ? 'q - p' : 'p - q'})`};\n`;
        break;
      }
      case 6: {
        // slice and concat back to three entries, or a typed copy.
        if (sources.length === 0) return this.localArray(s, indent);
        const source = this.pick(sources),
          a = e();
        code = this.chance(0.5)
          ? (m) => `${indent}const ${arr} = [...${source}.slice(1)].concat([${a(m)}]);\n`
          : (m) => `${indent}const ${arr} = Float64Array.from(${source});\n${indent}${arr}[0] *= ${a(m)};\n`;
        break;
      }
      case 7: {
        const k = this.fresh('k');
        const inner = this.child(s);
        inner.nums.push(k);
        inner.inCallback = true;
        const f = this.expr(inner, 2);
        code = (m) =>
          `${indent}const ${arr} = Array.from({ length: 3 }, (_${m === 'ts' ? ': unknown' : ''}, ${k}${m === 'ts' ? ': number' : ''}) => ${f(m)});\n`;
        break;
      }
      case 8: {
        // A filtered copy, padded back to three entries.
        if (sources.length === 0) return this.localArray(s, indent);
        const source = this.pick(sources),
          bound = this.constant(-1, 1);
        code = (m) =>
          `${indent}const ${arr} = ${m === 'js' ? `__filtered(${source}, ${bound(m)})` : `Array.from(${source}).filter((v) => v > ${bound(m)})`}.concat([0, 0, 0]).slice(0, 3);\n`;
        break;
      }
      case 9: {
        // An array of arrays: rows of two built from an array, one entry written, folded back into three entries.
        if (sources.length === 0) return this.localArray(s, indent);
        const source = this.pick(sources),
          rows = this.fresh('M'),
          v = this.fresh('e'),
          [k, j] = [this.int(0, 2), this.int(0, 1)],
          a = e();
        const inner = this.child(s);
        inner.nums.push(v);
        inner.inCallback = true;
        const f = this.expr(inner, 2);
        code = (m) =>
          `${indent}const ${rows} = Array.from(${source}, (${v}${m === 'ts' ? ': number' : ''}) => [${v}, ${f(m)}]);\n` +
          `${indent}${rows}[${k}][${j}] += ${a(m)};\n${indent}const ${arr} = ${rows}.map((row) => row[0] * row[1]);\n`;
        break;
      }
      default: {
        if (s.arrayParams.length === 0) return this.localArray(s, indent);
        const source = this.pick(s.arrayParams),
          v = this.fresh('e');
        const inner = this.child(s);
        inner.nums.push(v);
        inner.inCallback = true;
        const f = this.expr(inner, 2);
        code = (m) => `${indent}const ${arr} = ${source}.map((${v}${m === 'ts' ? ': number' : ''}) => ${f(m)});\n`;
      }
    }
    s.arrays.push(arr);
    s.locals.push(arr);
    return code;
  }

  program(name: string): Program {
    this.counter = 0;
    this.position = 0;
    this.used.clear();
    const helper = `${name}_h`;
    const arrayHelper = `${name}_sum`;
    const numbers = ['x', 'y', 'z'].slice(0, this.int(1, 3));
    const params: Param[] = numbers.map((p) => ({ name: p, type: 'number' }));
    const arrayType: ArrayType = this.chance(0.5) ? 'number[]' : 'Float64Array';
    if (this.chance(0.5)) params.push({ name: 'a', type: arrayType });
    const arrayParams = params.filter((p) => p.type !== 'number').map((p) => p.name);

    // The helpers: two numbers and a short body; an array and a number, with a loop.
    const hs: Scope = {
      nums: ['u', 'w'],
      mutable: ['u', 'w'],
      counters: [],
      arrays: [],
      locals: [],
      arrayParams: [],
      loopDepth: 1,
      inLoop: false,
      inCallback: false,
    };
    const hbody = this.block(hs, 1, '  ', this.int(1, 3));
    const hresult = this.result(hs);
    const typed = (m: Mode, text: string) => (m === 'ts' ? text : '');
    const helperCode: Code = (m) =>
      `function ${helper}(u${typed(m, ': number')}, w${typed(m, ': number')})${typed(m, ': number')} {\n${hbody(m)}  return ${hresult(m)};\n}\n`;
    const as: Scope = { nums: ['t'], mutable: [], counters: ['j'], arrays: ['q'], locals: [], arrayParams: [], loopDepth: 1, inLoop: true, inCallback: false };
    const aterm = this.expr({ ...as, nums: ['t', 'q[j]'] }, 2);
    const arrayHelperCode: Code = (m) =>
      `function ${arrayHelper}(q${typed(m, `: ${arrayType}`)}, t${typed(m, ': number')})${typed(m, ': number')} {\n  let acc = 0;\n  for (let j = 0; j < q.length; j++) acc += Math.sin(${aterm(m)});\n  return acc;\n}\n`;

    const s: Scope = {
      nums: [...numbers],
      mutable: this.chance(0.3) ? [...numbers] : [],
      counters: [],
      arrays: [...arrayParams],
      locals: [],
      arrayParams,
      helper,
      arrayHelper,
      loopDepth: 0,
      inLoop: false,
      inCallback: false,
    };
    const prelude: Code[] = [];
    for (let k = this.int(0, 2); k > 0; k--) prelude.push(this.localArray(s, '  '));
    const body = this.block(s, 2, '  ', this.int(1, 6));
    const result = this.result(s);
    const signature = (m: Mode) => params.map((p) => (m === 'ts' ? `${p.name}: ${p.type}` : p.name)).join(', ');
    const source: Code = (m) =>
      `${this.used.has(helper) ? helperCode(m) : ''}${this.used.has(arrayHelper) ? arrayHelperCode(m) : ''}${m === 'ts' ? 'export ' : ''}function ${name}(${signature(m)})${typed(m, ': number')} {\n` +
      `${prelude.map((p) => p(m)).join('')}${body(m)}  return ${result(m)};\n}\n`;

    let kind: Program['kind'] = 'grad';
    let wrt = params.map((_, i) => i);
    const r = this.rand();
    if (r >= 0.8) kind = 'valueAndGrad';
    else if (r >= 0.6) {
      kind = 'wrt';
      const order = [...wrt];
      for (let i = order.length - 1; i > 0; i--) {
        const j = this.int(0, i);
        [order[i], order[j]] = [order[j], order[i]];
      }
      wrt = order.slice(0, this.int(1, order.length));
    }
    return { name, params, kind, wrt, source };
  }
}

/** The program a draw describes, its functions named after `name`. */
export function programOf(draw: Draw, name: string): Program {
  return new Generator(draw.choices).program(name);
}

/** The line that exports the gradient: `grad(f)`, `grad(f, { wrt })` or `valueAndGrad(f)`. */
export function gradientExport(p: Program): string {
  if (p.kind === 'valueAndGrad') return `export const d_${p.name} = valueAndGrad(${p.name});`;
  if (p.kind === 'grad') return `export const d_${p.name} = grad(${p.name});`;
  // A single selection as a name or index alone; several as a list mixing names and indices.
  const sel = p.wrt.map((i, k) => (k % 2 === 0 ? `'${p.params[i].name}'` : `${i}`));
  return `export const d_${p.name} = grad(${p.name}, { wrt: ${sel.length === 1 ? sel[0] : `[${sel.join(', ')}]`} });`;
}

/** A whole module: the import, then each program and its gradient export. */
export function moduleSource(programs: readonly Program[]): string {
  return `import { grad, valueAndGrad } from 'tapeless';\n\n${programs.map((p) => `${p.source('ts')}${gradientExport(p)}\n`).join('\n')}`;
}
