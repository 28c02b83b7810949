// A user program: module constants, maybe a class, helpers created as the code needs them,
// and the function `f` to differentiate, with its exports in every mode (grad, valueAndGrad,
// derivative, jvp, hessian, jacobian). `f` is a function declaration or a const arrow at the
// top level, or an arrow inside a factory that captures constants of its own.
import { type Draw } from '../choices.js';
import type { HelperFactory } from './expressions.js';
import {
  type Field,
  type ObjectType,
  type Scope,
  type VecField,
  type VecType,
  addValue,
  emptyScope,
  fieldShape,
  fieldTypeText,
  objectTypeText,
  vecShape,
  vecTypeText,
} from './scope.js';
import { Habits } from './habits.js';
import { NUMBER, type Shape, coordinates } from './values.js';

export type ModeName = 'grad' | 'gradWrt' | 'valueAndGrad' | 'derivative' | 'jvp' | 'vjp' | 'hessian' | 'hvp' | 'jacobian' | 'gradOfGrad' | 'derivativeOfGrad';
/** An export: the API call, and its `wrt` (for gradOfGrad and derivativeOfGrad: [k, j], the inner and the outer selection). */
export interface Export {
  readonly mode: ModeName;
  readonly wrt?: readonly number[];
}
export interface Param {
  readonly name: string;
  readonly shape: Shape;
}

export interface UserProgram {
  readonly name: string;
  readonly params: readonly Param[];
  /** A number, or a vector for jacobian / derivative / jvp. */
  readonly output: Shape;
  /** f lives in a factory: its exports are fields of `<name>_api`. */
  readonly factory: boolean;
  readonly exports: readonly Export[];
  /** The program's code; with `api`, its API exports too (without, the twin's source). */
  readonly source: (api: boolean) => string;
  /** Its code takes derivatives itself (`grad(h)(x)`): the twin's values are then approximate (differences). */
  readonly inner: boolean;
  /** Variables written as a state README marks ❌: a rejection naming one is expected (readme.ts). */
  readonly unsupported: readonly string[];
}

/** The most numbers f's parameters hold: finite differences move each. */
const MAX_COORDINATES = 10;

interface StructHelper {
  name: string;
  arity: number;
  returns: ObjectType | VecField;
}

class UserGenerator extends Habits implements HelperFactory {
  private readonly types: string[] = [];
  private readonly classes: string[] = [];
  private readonly constants: string[] = [];
  private readonly functions: string[] = [];
  private readonly registry = new Map<string, unknown[]>();
  private readonly structs: StructHelper[] = [];
  /** Module constants (and instances), added to every scope. */
  private readonly moduleValues: ((s: Scope) => void)[] = [];
  private level = 0;

  constructor(
    choices: readonly number[],
    private readonly name: string,
  ) {
    super(choices);
  }

  protected get helpers(): HelperFactory {
    return this;
  }

  private scope(returns: boolean): Scope {
    const s = emptyScope(this.level, returns);
    for (const add of this.moduleValues) add(s);
    return s;
  }

  /** An existing helper of this kind (often), or a new one. */
  private reuse<T>(key: string, make: () => T): T {
    const known = (this.registry.get(key) ?? []) as T[];
    if (known.length > 0 && this.chance(0.6)) return this.pick(known);
    const made = make();
    this.registry.set(key, [...((this.registry.get(key) ?? []) as T[]), made]);
    return made;
  }

  /** Declares a helper: `params` are added to its scope, `body` writes its statements (ending in a return). */
  private helper(prefix: string, params: readonly (readonly [string, Field])[], returns: string, body: (s: Scope, ind: string) => string): string {
    const name = `${this.name}_${this.fresh(prefix)}`;
    const declared = this.declared;
    this.declared = new Set(params.map(([p]) => p));
    this.level++;
    const s = this.scope(returns === 'number');
    for (const [p, f] of params) {
      addValue(s, p, f);
      if (f === 'number' && this.chance(0.3)) s.mutable.push(p);
    }
    const text = `function ${name}(${params.map(([p, f]) => `${p}: ${fieldTypeText(f)}`).join(', ')}): ${returns} {\n${body(s, '  ')}}\n`;
    this.level--;
    this.declared = declared;
    this.functions.push(text);
    return name;
  }

  private numbers(arity: number): [string, Field][] {
    return ['a', 'b', 'c'].slice(0, arity).map((p) => [p, 'number']);
  }

  /** The value returned: every number declared since `from`, a read of each of `inputs`, and a mix of the rest, so that all contribute. */
  result(s: Scope, from = { nums: 0, vecs: 0 }, inputs: readonly (() => string)[] = []): string {
    const terms: string[] = [];
    for (const read of inputs) if (!this.chance(0.2)) terms.push(`${this.constant(-1, 1)} * ${read()}`);
    s.nums.forEach((v, k) => {
      if (k >= from.nums || this.chance(0.3)) terms.push(`${this.constant(-1, 1)} * ${v}`);
    });
    s.vecs.forEach((v, k) => {
      if (k >= from.vecs || this.chance(0.2)) terms.push(this.vecRead(s, v));
    });
    // A model's method, as in `return loss + model.energy(x)`.
    for (const o of s.objs.filter((candidate) => candidate.expr !== 'this' && (candidate.type.methods ?? []).length > 0)) {
      if (this.chance(0.5)) {
        const m = this.pick(o.type.methods!);
        terms.push(`${o.expr}.${m.name}(${this.args(s, 2, m.arity)})`);
      }
    }
    terms.push(this.expr(s, 2));
    return terms.join(' + ');
  }

  numberHelper(arity: number): string {
    return this.reuse(`number${arity}`, () =>
      this.helper(
        this.pick(['h', 'phi', 'cost', 'gain']),
        this.numbers(arity),
        'number',
        (s, ind) => `${this.block(s, 1, ind, this.int(0, 2))}${ind}return ${this.result(s)};\n`,
      ),
    );
  }

  structHelper(): StructHelper {
    if (this.structs.length > 0 && this.chance(0.5)) return this.pick(this.structs);
    const arity = this.int(1, 3),
      length = this.int(2, 3);
    const kind = this.pick(['tuple', 'array', 'f64', 'point', 'body'] as const);
    let returns: ObjectType | VecField;
    if (kind === 'point' || kind === 'body') {
      const fields: [string, Field][] =
        kind === 'point'
          ? [
              ['x', 'number'],
              ['y', 'number'],
            ]
          : [
              ['pos', { length, type: 'array' }],
              ['w', 'number'],
            ];
      const type = this.chance(0.5) ? this.typeName(kind === 'point' ? 'Point' : 'Body', fields) : undefined;
      returns = { name: type, fields };
    } else returns = { length, type: kind };
    const name = this.helper(
      this.pick(['polar', 'pair', 'make', 'kin']),
      this.numbers(arity),
      fieldTypeText(returns),
      (s, ind) => `${this.block(s, 1, ind, this.int(0, 2))}${this.returned(s, ind, returns)}`,
    );
    const made = { name, arity, returns };
    this.structs.push(made);
    return made;
  }

  /** A helper's parameter for a vector of any length: a tuple is passed as a number[]. */
  private anyLength(type: VecType): VecField {
    return { length: 2, type: type === 'tuple' ? 'array' : type };
  }

  vecReader(type: VecType): string {
    const v = this.anyLength(type);
    return this.reuse(`read ${v.type}`, () =>
      this.helper(this.pick(['norm', 'energy', 'score']), [['v', v]], 'number', (s, ind) => {
        const term = (e: string, i: string) => this.smooth(this.expr({ ...s, nums: [...s.nums, e, `${i} * 0.5`] }, 1));
        switch (this.int(0, 5)) {
          case 0:
            return `${ind}let acc = 0;\n${ind}for (let i = 0; i < v.length; i++) acc += v[i] * ${term('v[i]', 'i')};\n${ind}return acc;\n`;
          // Statistics: a mean and a variance; machine learning: log-sum-exp.
          case 4:
            return (
              `${ind}let mean = 0;\n${ind}for (const e of v) mean += e;\n${ind}mean /= v.length;\n${ind}let variance = 0;\n` +
              `${ind}for (let i = 0; i < v.length; i++) variance += (v[i] - mean) ** 2;\n${ind}return mean + variance / v.length;\n`
            );
          case 5:
            return `${ind}const top = Math.max(...v);\n${ind}let sum = 0;\n${ind}for (let i = 0; i < v.length; i++) sum += Math.exp(v[i] - top);\n${ind}return top + Math.log(sum);\n`;
          case 1:
            return `${ind}return v.reduce((acc, e, i) => acc + e * ${term('e', 'i')}, 0);\n`;
          case 2:
            return `${ind}let acc = 0;\n${ind}for (const e of v) acc += e * e;\n${ind}return Math.sqrt(1 + acc) + ${this.expr(s, 1)};\n`;
          default:
            return `${ind}return ${this.result(s)};\n`;
        }
      }),
    );
  }

  objectReader(t: ObjectType): string {
    return this.reuse(`object ${objectTypeText(t)}`, () =>
      this.helper(
        this.pick(['energy', 'loss', 'cost']),
        [['o', t]],
        'number',
        (s, ind) => `${this.block(s, 1, ind, this.int(0, 2))}${ind}return ${this.result(s)};\n`,
      ),
    );
  }

  recursive(): string {
    return this.reuse('recursive', () => {
      const name = `${this.name}_${this.fresh('powi')}`;
      this.functions.push(
        `function ${name}(x: number, n: number): number {\n  if (n === 0) return 1;\n  return ${this.pick(['x', 'Math.tanh(x)'])} * ${name}(x, n - 1);\n}\n`,
      );
      return name;
    });
  }

  rule(): { name: string; arity: number } {
    return this.reuse('rule', () => {
      const [base, arity, text] = this.pick([
        ['softplus', 1, 'withDerivative((x: number) => Math.log(1 + Math.exp(x)), (x) => [1 / (1 + Math.exp(-x))])'],
        ['logistic', 1, 'withDerivative((x: number) => 1 / (1 + Math.exp(-x)), (x, y) => [y * (1 - y)])'],
        [
          'logAddExp',
          2,
          'withDerivative((a: number, b: number) => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))), (a, b, y) => [Math.exp(a - y), Math.exp(b - y)])',
        ],
        ['smoothAbs', 1, 'withDerivative((x: number) => Math.sqrt(x * x + 0.01), (x, y) => [x / y])'],
      ] as const);
      const name = `${this.name}_${this.fresh(base)}`;
      this.constants.push(`const ${name} = ${text};\n`);
      return { name, arity };
    });
  }

  matReader(): string {
    return this.reuse('matrix', () => {
      const name = `${this.name}_${this.fresh('frob')}`;
      const from = this.int(0, 1);
      const term = this.pick(['m[k][i] * m[k][i]', 'Math.sin(m[k][i]) * m[k][i]', 'm[k][i] * m[k][0]']);
      this.functions.push(
        `function ${name}(m: number[][]): number {\n  let acc = 0;\n  for (let k = 0; k < m.length; k++) {\n` +
          `    for (let i = ${from}; i < m[k].length; i++) acc += ${term};\n  }\n  return acc;\n}\n`,
      );
      return name;
    });
  }

  step(v: VecField, exact = false): string {
    const returns = vecTypeText(v);
    return this.reuse(`step ${returns}${exact ? ` of ${v.length}` : ''}`, () =>
      this.helper(
        'step',
        [
          ['s', v],
          ['dt', 'number'],
        ],
        returns,
        (s, ind) => {
          const slope = (extra: string[]) => this.bounded({ ...s, nums: [...s.nums, ...extra] }, 2);
          if (v.type === 'tuple' || (exact && v.type !== 'f64')) {
            if (v.type === 'tuple' && this.chance(0.4)) {
              // The state destructured first, as in `const [x, v] = s`.
              const names = Array.from({ length: v.length }, (_, k) => `s${k}`);
              const entries = names.map((n) => `${n} + dt * ${slope(names)}`);
              return `${ind}const [${names.join(', ')}] = s;
${ind}return [${entries.join(', ')}];
`;
            }
            const entries = Array.from({ length: v.length }, (_, k) => `s[${k}] + dt * ${slope([])}`);
            return `${ind}return [${entries.join(', ')}];
`;
          }
          if (v.type === 'f64') {
            // Exact: a new array of the state's length, known where it is made.
            const length = exact ? `${v.length}` : 's.length';
            return `${ind}const out = new Float64Array(${length});
${ind}for (let i = 0; i < ${length}; i++) out[i] = s[i] + dt * ${slope(['s[i]', `s[(i + 1) % ${length}]`])};
${ind}return out;
`;
          }
          return `${ind}return s.map((e, i) => e + dt * ${slope(['e', 'i * 0.5'])});
`;
        },
      ),
    );
  }

  typeName(base: string, fields: readonly (readonly [string, Field])[]): string {
    const name = `${this.name}_${this.fresh(base)}`;
    this.types.push(`export interface ${name} { ${fields.map(([k, f]) => `${k}: ${fieldTypeText(f)}`).join('; ')} }\n`);
    return name;
  }

  objectStep(t: ObjectType): string {
    // Keyed by the lengths too: `{ pos: number[] }` says nothing of them.
    return this.reuse(`advance ${objectTypeText(t)} ${JSON.stringify(t.fields)}`, () =>
      this.helper(
        this.pick(['advance', 'update', 'step']),
        [
          ['o', t],
          ['dt', 'number'],
        ],
        objectTypeText(t),
        (s, ind) => {
          const fields = t.fields.map(([k, f]) => {
            if (f === 'number') return `${k}: o.${k} + dt * ${this.bounded(s, 2)}`;
            if ('fields' in f) throw new Error('object states hold numbers and arrays');
            return `${k}: [${Array.from({ length: f.length }, (_, i) => `o.${k}[${i}] + dt * ${this.bounded(s, 1)}`).join(', ')}]`;
          });
          return `${this.block(s, 1, ind, this.int(0, 1))}${ind}return { ${fields.join(', ')} };
`;
        },
      ),
    );
  }

  combine(v: VecField): string {
    const t = v.type === 'tuple' ? v : this.anyLength(v.type);
    // The second vector may be any array of numbers, readonly ones included.
    const other: VecField = t.type === 'array' ? { length: 2, type: 'readonly' } : t;
    return this.reuse(`combine ${vecTypeText(t)}`, () =>
      this.helper(
        'add',
        [
          ['a', t],
          ['b', other],
        ],
        vecTypeText(t),
        (s, ind) => {
          const k = this.constant(0.1, 0.5);
          if (t.type === 'tuple') return `${ind}return [${Array.from({ length: t.length }, (_, i) => `a[${i}] + ${k} * Math.tanh(b[${i}])`).join(', ')}];\n`;
          if (t.type === 'f64')
            return `${ind}const out = new Float64Array(a.length);\n${ind}for (let i = 0; i < a.length; i++) out[i] = a[i] + ${k} * Math.tanh(b[i]);\n${ind}return out;\n`;
          return `${ind}return a.map((e, i) => e + ${k} * Math.tanh(b[i]));\n`;
        },
      ),
    );
  }

  grid(): string {
    return this.reuse('grid', () => {
      const name = `${this.name}_${this.fresh('grid')}`;
      this.functions.push(
        `function ${name}(a: number, n: number): Float64Array {\n  const out = new Float64Array(n);\n  for (let i = 0; i < n; i++) out[i] = a * (i + 1) / n;\n  return out;\n}\n`,
      );
      return name;
    });
  }

  writer(type: VecType, kind: 'fill' | 'bump'): string {
    const t = this.anyLength(type);
    return this.reuse(`${kind} ${t.type}`, () =>
      kind === 'fill'
        ? this.helper(
            'fill',
            [
              ['out', t],
              ['t', 'number'],
            ],
            'void',
            (s, ind) => `${ind}for (let i = 0; i < out.length; i++) out[i] = 0.5 * out[i] + ${this.bounded({ ...s, nums: [...s.nums, 'i * 0.5'] }, 2)};\n`,
          )
        : this.helper('bump', [['a', t]], 'number', (s, ind) => `${ind}a[0] = 0.5 * a[0] + ${this.bounded(s, 1)};\n${ind}return a.length;\n`),
    );
  }

  counter(type: VecType): string {
    const v = this.anyLength(type);
    return this.reuse(`count ${v.type}`, () => this.helper('count', [['v', v]], 'number', (_s, ind) => `${ind}return v.length;\n`));
  }

  pointClass(): string {
    return this.reuse('point class', () => {
      const name = `${this.name}_${this.fresh('Vec')}`;
      const fields = this.chance(0.5)
        ? '  constructor(public x: number, public y: number) {}\n'
        : '  x: number;\n  y: number;\n  constructor(x: number, y: number) {\n    this.x = x;\n    this.y = y;\n  }\n';
      this.classes.push(
        `export class ${name} {\n${fields}` +
          '  translate(dx: number, dy: number): this {\n    this.x += dx;\n    this.y += dy;\n    return this;\n  }\n' +
          `  scale(k: number): this {\n    this.x *= k;\n    this.y *= ${this.pick(['k', 'k * k', '1 / (1 + k)'])};\n    return this;\n  }\n` +
          `  get norm(): number {\n    return ${this.pick(['Math.hypot(this.x, this.y)', 'Math.sqrt(1 + this.x * this.x + this.y * this.y)'])};\n  }\n` +
          `  dot(a: number, b: number): number {\n    return this.x * a + this.y * b${this.chance(0.5) ? ` + ${this.constant(0, 1)} * this.norm` : ''};\n  }\n}\n`,
      );
      return name;
    });
  }

  defaulted(): string {
    return this.reuse('defaulted', () => {
      const name = `${this.name}_${this.fresh(this.pick(['damp', 'soft', 'shrink']))}`;
      const k = this.constant(0.2, 1.5);
      this.functions.push(
        `function ${name}(x: number, k = ${k}): number {\n  return ${this.pick(['x / (1 + k * x * x)', 'k * Math.tanh(x / k)', 'x * Math.exp(-k * x * x)'])};\n}\n`,
      );
      return name;
    });
  }

  optioned(): string {
    return this.reuse('optioned', () => {
      const options = `${this.name}_${this.fresh('Options')}`;
      const name = `${this.name}_${this.fresh('update')}`;
      this.types.push(`export interface ${options} { lr?: number; decay?: number }\n`);
      this.functions.push(
        `function ${name}(x: number, g: number, opts: ${options}): number {\n  const lr = opts.lr ?? ${this.constant(0.05, 0.3)};\n  let y = x - lr * Math.tanh(g);\n` +
          `  if (opts.decay !== undefined) y *= 1 - opts.decay;\n  return y;\n}\n`,
      );
      return name;
    });
  }

  lossKind(): { type: string; values: readonly string[]; helper: string } {
    return this.reuse('loss kind', () => {
      const type = `${this.name}_${this.fresh('Loss')}`,
        helper = `${this.name}_${this.fresh('penalty')}`;
      const values = ['l1', 'l2', 'huber'];
      this.types.push(`export type ${type} = ${values.map((v) => `'${v}'`).join(' | ')};\n`);
      this.functions.push(
        `function ${helper}(kind: ${type}, r: number): number {\n  switch (kind) {\n    case 'l1':\n      return Math.abs(r);\n` +
          `    case 'huber':\n      return Math.abs(r) <= 1 ? 0.5 * r * r : Math.abs(r) - 0.5;\n    default:\n      return r * r;\n  }\n}\n`,
      );
      return { type, values, helper };
    });
  }

  topLevel(kind: 'types' | 'classes' | 'constants' | 'functions', key: string, base: string, text: (name: string) => string): string {
    return this.reuse(key, () => {
      const name = `${this.name}_${this.fresh(base)}`;
      this[kind].push(text(name));
      return name;
    });
  }

  /** A class with number and array fields and methods reading `this`. */
  private declareClass(): ObjectType {
    const name = `${this.name}_${this.pick(['Spring', 'Layer', 'Model', 'Body'])}`;
    const fields: [string, Field][] = [['k', 'number']];
    if (this.chance(0.7)) fields.push(['w', { length: this.int(2, 3), type: this.chance(0.5) ? 'array' : 'f64' }]);
    if (this.chance(0.4)) fields.push(['c', 'number']);
    const methods: { name: string; arity: number }[] = [];
    const texts: string[] = [];
    for (const method of ['force', 'energy'].slice(0, this.int(1, 2))) {
      const arity = this.int(1, 2);
      const self: ObjectType = { name, fields: [], methods: [...methods] };
      const params = ['x', 'v'].slice(0, arity);
      this.declared = new Set(params);
      this.level = 1;
      const s = this.scope(true);
      for (const [k, f] of fields) addValue(s, `this.${k}`, f);
      s.objs.push({ expr: 'this', type: self });
      s.nums.push(...params);
      const body = `${this.block(s, 1, '    ', this.int(0, 2))}    return ${this.result(s)};\n`;
      this.level = 0;
      texts.push(`  ${method}(${params.map((p) => `${p}: number`).join(', ')}): number {\n${body}  }\n`);
      methods.push({ name: method, arity });
    }
    const constructor = this.chance(0.5)
      ? `  constructor(${fields.map(([k, f]) => `public ${k}: ${fieldTypeText(f)}`).join(', ')}) {}\n`
      : `${fields.map(([k, f]) => `  ${k}: ${fieldTypeText(f)};\n`).join('')}  constructor(${fields.map(([k, f]) => `${k}: ${fieldTypeText(f)}`).join(', ')}) {\n${fields.map(([k]) => `    this.${k} = ${k};\n`).join('')}  }\n`;
    this.classes.push(`export class ${name} {\n${constructor}${texts.join('')}}\n`);
    return { name, fields, methods };
  }

  private literal(f: Field): string {
    if (f === 'number') return this.constant(-1.5, 1.5);
    if ('fields' in f) return `new ${f.name}(${f.fields.map(([, g]) => this.literal(g)).join(', ')})`;
    const entries = Array.from({ length: f.length }, () => this.constant(-1.5, 1.5)).join(', ');
    return f.type === 'f64' ? `new Float64Array([${entries}])` : `[${entries}]`;
  }

  /** Constants f (and, at module level, its helpers) read: numbers, arrays, objects, a matrix, an instance. */
  private declareConstants(into: string[], prefix: string, cls?: ObjectType): ((s: Scope) => void)[] {
    const adds: ((s: Scope) => void)[] = [];
    const add = (name: string, text: string, use: (s: Scope) => void) => {
      into.push(`const ${name} = ${text};\n`);
      adds.push(use);
    };
    if (this.chance(0.3)) {
      const n = `${prefix}G`;
      add(n, this.constant(0.5, 2), (s) => s.nums.push(n));
    }
    if (this.chance(0.35)) {
      const n = `${prefix}L`,
        v: VecField = { length: this.int(2, 3), type: this.chance(0.7) ? 'array' : 'f64' };
      add(n, this.literal(v), (s) => addValue(s, n, v, false, true));
    }
    if (this.chance(0.3)) {
      const n = `${prefix}K`,
        t: ObjectType = {
          fields: [
            ['a', 'number'],
            ['b', { length: 2, type: 'array' }],
          ],
        };
      add(n, `{ a: ${this.literal('number')}, b: ${this.literal(t.fields[1][1])} }`, (s) => addValue(s, n, t, false, true));
    }
    if (this.chance(0.2)) {
      const n = `${prefix}M`,
        rows = this.int(2, 3),
        cols = this.int(2, 3);
      add(n, `[${Array.from({ length: rows }, () => this.literal({ length: cols, type: 'array' })).join(', ')}]`, (s) => s.mats.push({ expr: n, rows, cols }));
    }
    // A table of functions (penalties, activations, constraints) that f loops over or indexes.
    if (this.chance(0.2)) {
      const n = `${prefix}T`;
      const entries = this.pick([
        ["{ kind: 'sq', g: (x: number) => x * x }", "{ kind: 'sin', g: (x: number) => Math.sin(x) }"],
        ["{ kind: 'soft', g: (x: number) => Math.log(1 + Math.exp(x)) }", "{ kind: 'tanh', g: Math.tanh }", "{ kind: 'sq', g: (x: number) => 0.5 * x * x }"],
        ["{ kind: 'huber', g: (x: number) => (Math.abs(x) < 1 ? 0.5 * x * x : Math.abs(x) - 0.5) }", "{ kind: 'sq', g: (x: number) => x * x }"],
      ]);
      add(n, `[${entries.join(', ')}]`, (s) => s.tables.push(n));
    }
    if (cls && this.chance(0.8)) {
      const n = `${prefix}model`;
      add(n, this.literal(cls), (s) => addValue(s, n, cls));
    }
    return adds;
  }

  /** A parameter of f: its name, type text (or destructuring pattern) and what it adds to f's scope. */
  private param(
    k: number,
    cls: ObjectType | undefined,
    room: number,
  ): { name: string; text: string; shape: Shape; add: (s: Scope) => void; read: () => string } {
    const kinds: [number, string][] = [
      [5, 'number'],
      [3, 'vec'],
      [1, 'matrix'],
      [1, 'object'],
      [1, 'nested'],
      [cls ? 1 : 0, 'instance'],
    ];
    const kind = this.weighted(kinds);
    const plain = (name: string, field: Field) => ({
      name,
      text: `${name}: ${fieldTypeText(field)}`,
      shape: fieldShape(field),
      add: (s: Scope) => addValue(s, name, field, false, true),
      read: () => this.fieldRead(name, field),
    });
    if (kind === 'vec' && room >= 2) {
      const type = this.pick(['array', 'readonly', 'tuple', 'f64'] as const);
      const v: VecField = { length: Math.min(room, this.int(2, type === 'tuple' ? 3 : 4)), type };
      if (type === 'tuple' && v.length === 2 && this.chance(0.2)) {
        const [a, b] = [`p${k}x`, `p${k}y`];
        return { name: `p${k}`, text: `[${a}, ${b}]: ${vecTypeText(v)}`, shape: vecShape(v), add: (s) => s.nums.push(a, b), read: () => this.pick([a, b]) };
      }
      return plain(['xs', 'ws', 'q'][k], v);
    }
    if (kind === 'matrix' && room >= 4) {
      const rows = 2,
        cols = Math.min(3, Math.floor(room / 2)),
        name = ['m', 'mm', 'm2'][k];
      const shape: Shape = { kind: 'array', length: rows, style: 'array', of: { kind: 'array', length: cols, style: 'array', of: NUMBER } };
      return {
        name,
        text: `${name}: number[][]`,
        shape,
        add: (s) => s.mats.push({ expr: name, rows, cols }),
        read: () => `${name}[${this.int(0, rows - 1)}][${this.int(0, cols - 1)}]`,
      };
    }
    if ((kind === 'object' || kind === 'nested') && room >= 3) {
      const fields: [string, Field][] =
        kind === 'object'
          ? [
              ['a', 'number'],
              ['v', { length: 2, type: this.chance(0.7) ? 'array' : 'f64' }],
            ]
          : [
              [
                'i',
                {
                  fields: [
                    ['j', 'number'],
                    ['k', 'number'],
                  ],
                },
              ],
              ['s', 'number'],
            ];
      const typeName = this.chance(0.5) ? this.typeName(kind === 'object' ? 'Params' : 'Nested', fields) : undefined;
      const t: ObjectType = { name: typeName, fields };
      if (kind === 'object' && this.chance(0.2)) {
        // Destructured in the signature: ({ a, v }: Params), renamed after the first to names no fresh name (`v1`) takes.
        const [a, v] = k === 0 ? ['a', 'v'] : [`a_${k}`, `v_${k}`];
        const pattern = k === 0 ? '{ a, v }' : `{ a: ${a}, v: ${v} }`;
        return {
          name: `p${k}`,
          text: `${pattern}: ${objectTypeText(t)}`,
          shape: fieldShape(t),
          add: (s) => {
            addValue(s, a, 'number');
            addValue(s, v, fields[1][1], false, true);
          },
          read: () => this.pick([a, `${v}[0]`]),
        };
      }
      return plain(['o', 'p', 'o2'][k], t);
    }
    if (kind === 'instance' && cls && room >= 4) return plain(['body', 'b', 'b2'][k], cls);
    return plain(['x', 'y', 'z'][k], 'number');
  }

  program(): UserProgram {
    const f = this.name;
    const cls = this.chance(0.25) ? this.declareClass() : undefined;
    this.moduleValues.push(...this.declareConstants(this.constants, `${f}_`, cls));
    const factory = this.chance(0.15);
    const captured: string[] = [];
    const capturedValues = factory ? this.declareConstants(captured, '', cls) : [];

    const params: Param[] = [];
    const texts: string[] = [];
    const adds: ((s: Scope) => void)[] = [];
    const reads: (() => string)[] = [];
    const count = this.int(1, 3);
    for (let k = 0; k < count; k++) {
      const room = MAX_COORDINATES - coordinates(params.map((p) => p.shape)).length;
      if (room <= 0) break;
      const p = this.param(k, cls, room);
      params.push({ name: p.name, shape: p.shape });
      texts.push(p.text);
      adds.push(p.add);
      reads.push(p.read);
    }
    const vector = this.chance(0.15) ? { length: this.int(2, 3), type: this.pick(['tuple', 'array', 'f64'] as const) } : undefined;

    this.declared = new Set(['x', 'y', 'z', 'xs', 'ws', 'q', 'm', 'mm', 'm2', 'o', 'p', 'o2', 'body', 'b', 'b2', 'a', 'v']);
    this.level = 0;
    const s = this.scope(!vector);
    for (const add of [...capturedValues, ...adds]) add(s);
    for (const p of params) if (p.shape.kind === 'number' && this.chance(0.3)) s.mutable.push(p.name);
    const from = { nums: s.nums.length, vecs: s.vecs.length };
    const ind = factory ? '    ' : '  ';
    // An accumulator the statements add into, as in `let loss = 0;`.
    const total = this.chance(0.3) ? undefined : this.pick(['loss', 'total', 'energy']);
    if (total) {
      s.nums.push(total);
      s.mutable.push(total);
    }
    let body = (total ? `${ind}let ${total} = 0;\n` : '') + this.block(s, 2, ind, this.int(1, 5));
    if (vector) body += this.returned(s, ind, vector);
    else body += `${ind}return ${this.result(s, from, reads)};\n`;
    const returns = vector ? vecTypeText(vector) : 'number';
    const output = vector ? vecShape(vector) : NUMBER;
    const exports = this.exportsOf(params, !vector);

    const signature = `(${texts.join(', ')}): ${returns}`;
    const arrow = this.chance(0.3);
    const declarations = () => [...this.types, ...this.classes, ...this.constants, ...this.functions].join('');
    const source = (api: boolean): string => {
      const calls = exports.map((e) => [e.mode, apiCall(f, params, e)] as const);
      if (factory) {
        const fields = api ? calls.map(([mode, call]) => `, ${mode}: ${call}`).join('') : '';
        return `${declarations()}export function ${f}_make() {\n${captured.map((c) => `  ${c}`).join('')}  const ${f} = ${signature} => {\n${body}  };\n  return { f: ${f}${fields} };\n}\nexport const ${f}_api = ${f}_make();\n`;
      }
      const fn = arrow ? `export const ${f} = ${signature} => {\n${body}};\n` : `export function ${f}${signature} {\n${body}}\n`;
      return `${declarations()}${fn}${api ? calls.map(([mode, call]) => `export const ${f}_${mode} = ${call};\n`).join('') : ''}`;
    };
    const fixed = { api: source(true), twin: source(false) };
    return {
      name: f,
      params,
      output,
      factory,
      exports,
      source: (api) => (api ? fixed.api : fixed.twin),
      inner: /\b(grad|derivative)\(/.test(fixed.twin),
      unsupported: [...this.unsupportedStates],
    };
  }

  /** Every mode that applies: gradients and the Hessian of a number, Jacobians and tangents of anything. */
  private exportsOf(params: readonly Param[], scalar: boolean): Export[] {
    const all = params.map((_, i) => i);
    const subset = () => {
      const order = [...all];
      for (let i = order.length - 1; i > 0; i--) {
        const j = this.int(0, i);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return order.slice(0, this.int(1, order.length - 1));
    };
    const exports: Export[] = [];
    if (scalar) {
      exports.push({ mode: 'grad' }, { mode: 'valueAndGrad' });
      if (params.length > 1 && this.chance(0.3)) exports.push({ mode: 'gradWrt', wrt: subset() });
      const hessian: Export = params.length > 1 && this.chance(0.3) ? { mode: 'hessian', wrt: subset() } : { mode: 'hessian' };
      // hvp over the Hessian's selection: it is checked against the same columns.
      exports.push(hessian, { ...hessian, mode: 'hvp' });
    }
    exports.push(params.length > 1 && this.chance(0.3) ? { mode: 'vjp', wrt: subset() } : { mode: 'vjp' });
    const numbers = all.filter((i) => params[i].shape.kind === 'number');
    if (numbers.length > 0) exports.push({ mode: 'derivative', wrt: [this.pick(numbers)] });
    exports.push({ mode: 'jvp' }, params.length > 1 && this.chance(0.2) ? { mode: 'jacobian', wrt: subset() } : { mode: 'jacobian' });
    // Higher orders composed: the gradient of a gradient, the derivative of a gradient.
    if (scalar && numbers.length > 0 && this.chance(0.3))
      exports.push({ mode: this.pick(['gradOfGrad', 'derivativeOfGrad'] as const), wrt: [this.pick(numbers), this.pick(numbers)] });
    return exports;
  }
}

/** The API call of one export, `wrt` written by name or index (names where the parameter has one). */
function apiCall(f: string, params: readonly Param[], e: Export): string {
  if (e.mode === 'gradOfGrad' || e.mode === 'derivativeOfGrad') {
    const [k, j] = e.wrt!;
    return `${e.mode === 'gradOfGrad' ? 'grad' : 'derivative'}(grad(${f}, { wrt: ${k} }), { wrt: '${params[j].name}' })`;
  }
  const api = e.mode === 'gradWrt' ? 'grad' : e.mode;
  if (!e.wrt) return `${api}(${f})`;
  const sel = e.wrt.map((i, k) => (k % 2 === 0 && !params[i].name.startsWith('p') ? `'${params[i].name}'` : `${i}`));
  return `${api}(${f}, { wrt: ${sel.length === 1 ? sel[0] : `[${sel.join(', ')}]`} })`;
}

/** The program a draw describes, its names prefixed by `name`. */
export function userProgramOf(draw: Draw, name: string): UserProgram {
  return new UserGenerator(draw.choices, name).program();
}

export const API_IMPORT = `import { grad, valueAndGrad, derivative, jvp, vjp, jacobian, hessian, hvp, stopGradient, withDerivative } from 'tapeless';\n`;
