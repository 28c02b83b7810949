// Statements users write with what README lists beyond plain arithmetic and loops: arrays of
// a run-time length reassigned in loops (`p = p.map(…)`, `p = relax(p)`, two buffers swapped),
// copies and the array methods that make new arrays (`slice`, `concat`, `filter`,
// `Array.from({ length: n }, …)`, `Float64Array.from`, `new Float64Array([a, b])`, arrays filled
// by index: `const w: number[] = []; for (…) w[i] = …`), sorted
// copies (medians), object literals written after they are made (`st.x += dt * st.v`),
// arrays of objects or instances built by Array.from or map and stepped in place (`p.x += …`),
// instances of top-level classes (`new Vec2(x, y)`, methods and getters reading and writing
// `this`), local arrow helpers capturing f's locals, helpers with default parameters and
// options objects with optional fields, `switch` over a string union, throw guards, `entries()`,
// defaults in destructuring and optional chaining, and the ends of functions returning arrays
// and objects: an early exit (a guard, a literal returned early), then the result returned
// directly or kept in a local `out` (filled by a loop) first.
import { type ObjectType, type Scope, type Vec, type VecField, addValue, child } from './scope.js';
import { Statements } from './statements.js';

export abstract class Idioms extends Statements {
  /** The statements of this file that fit scope `s` (outside callbacks), with their weights. */
  protected idioms(s: Scope, depth: number, ind: string): [number, () => string][] {
    const options: [number, () => string][] = [
      [2, () => this.madeArray(s, ind)],
      [1, () => this.writtenObject(s, depth, ind)],
      [1, () => this.localHelper(s, ind)],
      [1, () => this.stringCase(s, ind)],
      [0.5, () => this.guard(s, ind)],
      [1, () => this.unpacked(s, ind)],
    ];
    if (s.level < 2) options.push([1, () => this.instance(s, ind)], [1, () => this.configured(s, ind)], [1, () => this.steppedPoints(s, ind)]);
    if (s.vecs.length > 0) options.push([1, () => this.sorted(s, ind)]);
    if (depth > 0 && s.loops < 2 && s.level < 2) options.push([2, () => this.runTimeState(s, depth, ind)]);
    return options;
  }

  /** A new array from the methods and constructors users make them with; its length is known to the generator. */
  private madeArray(s: Scope, ind: string): string {
    const w = this.fresh(this.pick(['w', 'buf', 'part', 'u']));
    const add = (length: number, type: VecField['type']) => s.vecs.push({ expr: w, length, type, local: true });
    const long = s.vecs.filter((v) => v.length >= 2);
    const source = long.length > 0 ? this.pick(long) : undefined;
    const callback = (v: Vec | undefined, length: number) => {
      const e = this.fresh('e'),
        i = this.fresh('i');
      const inner = child(s, { nums: v ? [...s.nums, e] : s.nums, counters: [...s.counters, { name: i, bound: length }], callback: true, returns: false });
      return `(${v ? e : '_'}, ${i}) => ${this.expr(inner, 2)}`;
    };
    const kinds: [number, string][] = [
      [2, 'typed literal'],
      [2, 'from length'],
      [source ? 3 : 0, 'slice'],
      [source ? 1 : 0, 'copy'],
      [source ? 2 : 0, 'filter'],
      [source && source.type !== 'f64' ? 2 : 0, 'concat'],
      [source ? 1 : 0, 'typed from'],
      [2, 'filled by index'],
    ];
    switch (this.weighted(kinds)) {
      case 'typed literal': {
        const n = this.int(2, 3);
        const code = `${ind}const ${w} = new Float64Array([${Array.from({ length: n }, () => this.expr(s, 2)).join(', ')}]);\n`;
        add(n, 'f64');
        return code;
      }
      case 'from length': {
        const n = this.int(2, 4);
        const code = `${ind}const ${w} = Array.from({ length: ${n} }, ${callback(undefined, n)});\n`;
        add(n, 'array');
        return code;
      }
      case 'slice': {
        const v = source!,
          type = v.type === 'f64' ? 'f64' : 'array';
        const [text, length] = this.pick([
          [`${v.expr}.slice(1)`, v.length - 1],
          [`${v.expr}.slice(0, ${v.length - 1})`, v.length - 1],
          [`${v.expr}.slice(-2)`, Math.min(2, v.length)],
          [`${v.expr}.slice()`, v.length],
        ] as const);
        add(length, type);
        return `${ind}const ${w} = ${text};\n`;
      }
      case 'copy': {
        const v = source!;
        const [text, type] = this.pick([
          [`[...${v.expr}]`, 'array'],
          [`Array.from(${v.expr})`, 'array'],
          [`Float64Array.from(${v.expr})`, 'f64'],
        ] as const);
        add(v.length, type);
        return `${ind}const ${w} = ${text};\n`;
      }
      case 'filter': {
        const v = source!;
        if (this.chance(0.5)) {
          // By index: a length the generator knows.
          const k = this.int(0, v.length - 1),
            e = this.fresh('e'),
            i = this.fresh('i');
          add(v.length - 1, v.type === 'f64' ? 'f64' : 'array');
          return `${ind}const ${w} = ${v.expr}.filter((${e}, ${i}) => ${i} !== ${k});\n`;
        }
        // By value: a length the data decides, read as a whole.
        const e = this.fresh('e'),
          acc = this.fresh('acc'),
          n = this.fresh('n');
        s.nums.push(n);
        return (
          `${ind}const ${w} = ${v.expr}.filter((${e}) => ${e} > ${this.constant(-1, 1)});\n` +
          `${ind}const ${n} = ${w}.reduce((${acc}, ${e}) => ${acc} + ${this.smooth(e)}, 0) + ${w}.length * 0.1;\n`
        );
      }
      case 'concat': {
        const v = source!,
          others = s.vecs.filter((u) => u.type !== 'f64');
        if (this.chance(0.5)) {
          const u = this.pick(others);
          add(v.length + u.length, 'array');
          return `${ind}const ${w} = ${v.expr}.concat(${u.expr});\n`;
        }
        const n = this.int(1, 2);
        const code = `${ind}const ${w} = ${v.expr}.concat([${Array.from({ length: n }, () => this.expr(s, 1)).join(', ')}]);\n`;
        add(v.length + n, 'array');
        return code;
      }
      case 'filled by index': {
        // Filled by index rather than push: created empty, or shorter than the loop writes (JavaScript lengthens both), or with its length.
        const n = source ? source.length : this.int(2, 4);
        const i = this.fresh('i');
        const made = this.pick(['[]', `new Array<number>(${this.int(1, 2)}).fill(0)`, `new Array<number>(${n}).fill(0)`]);
        const entry = source ? `${source.expr}[${i}]` : `${i} * 0.5`;
        const inner = child(s, { nums: [...s.nums, entry], counters: [...s.counters, { name: i, bound: n }], loops: s.loops + 1 });
        const code = `${ind}const ${w}: number[] = ${made};\n${ind}for (let ${i} = 0; ${i} < ${source ? `${source.expr}.length` : n}; ${i}++) ${w}[${i}] = ${this.expr(inner, 2)};\n`;
        add(n, 'array');
        return code;
      }
      default: {
        const v = source!;
        const code = `${ind}const ${w} = Float64Array.from(${v.expr}, ${callback(v, v.length)});\n`;
        add(v.length, 'f64');
        return code;
      }
    }
  }

  /**
   * What users unpack without thinking: `for (const [i, e] of v.entries())`, a default in
   * destructuring (`const [a, b = …] = v`), the rest of an array (`const [first, ...others] = v`),
   * and optional chaining on a config they make.
   */
  private unpacked(s: Scope, ind: string): string {
    const n = this.fresh('n');
    const kind = this.pick([
      s.vecs.length > 0 && s.loops < 2 ? 'entries' : 'chaining',
      s.vecs.length > 0 ? 'default' : 'chaining',
      'chaining',
      s.vecs.some((v) => v.length >= 2) ? 'rest' : 'chaining',
    ]);
    if (kind === 'rest') {
      const v = this.pick(s.vecs.filter((u) => u.length >= 2)),
        rest = this.fresh('others');
      s.nums.push(n);
      s.vecs.push({ expr: rest, length: v.length - 1, type: 'array', local: true });
      return `${ind}const [${n}, ...${rest}] = ${v.expr};
`;
    }
    if (kind === 'entries') {
      const v = this.pick(s.vecs),
        i = this.fresh('i'),
        e = this.fresh('e');
      s.nums.push(n);
      return `${ind}let ${n} = 0;\n${ind}for (const [${i}, ${e}] of ${v.expr}.entries()) ${n} += (${i} + 1) * ${this.smooth(e)};\n`;
    }
    if (kind === 'default') {
      const v = this.pick(s.vecs),
        a = this.fresh('a');
      // Past the end of an array whose length TypeScript does not know, the default is taken: `const [x, y, z = 0] = p` of a point in the plane.
      const skipped = v.type !== 'tuple' && this.chance(0.4) ? ', '.repeat(v.length - 1) : '';
      const code = `${ind}const [${a}, ${skipped}${n} = ${this.expr(s, 1)}] = ${v.expr};\n`;
      s.nums.push(a, n);
      return code;
    }
    const cfg = this.fresh('cfg');
    const code = `${ind}const ${cfg}: { k?: number; inner?: { g: number } } = ${this.chance(0.5) ? `{ inner: { g: ${this.expr(s, 1)} } }` : `{ k: ${this.expr(s, 1)} }`};\n`;
    const read = `${ind}const ${n} = (${cfg}.inner?.g ?? ${this.constant()}) * ${this.expr(s, 1)} + (${cfg}?.k ?? ${this.constant()});\n`;
    s.nums.push(n);
    return code + read;
  }

  /** A sorted copy and what users read from it: a median, a spread, a trimmed sum. */
  private sorted(s: Scope, ind: string): string {
    const v = this.pick(s.vecs),
      sorted = this.fresh('sorted'),
      m = this.fresh('med');
    const comparator = this.pick(['(a, b) => a - b', '(a, b) => b - a', '(a, b) => Math.abs(a) - Math.abs(b)']);
    const copy = v.type === 'f64' && this.chance(0.3) ? `Float64Array.from(${v.expr}).sort()` : `[...${v.expr}].sort(${comparator})`;
    const read = this.pick([
      `${sorted}[Math.floor(${sorted}.length / 2)]`,
      `${sorted}.length % 2 === 1 ? ${sorted}[(${sorted}.length - 1) / 2] : 0.5 * (${sorted}[${sorted}.length / 2 - 1] + ${sorted}[${sorted}.length / 2])`,
      `${sorted}[${sorted}.length - 1] - ${sorted}[0]`,
    ]);
    s.nums.push(m);
    s.vecs.push({ expr: sorted, length: v.length, type: copy.startsWith('Float64Array') ? 'f64' : 'array', local: true });
    return `${ind}const ${sorted} = ${copy};\n${ind}const ${m} = ${read};\n`;
  }

  /** An object literal written field by field afterwards, in a loop or not: `st.v -= dt * st.x; st.x += dt * st.v`. */
  private writtenObject(s: Scope, depth: number, ind: string): string {
    const o = this.fresh(this.pick(['st', 'body', 'acc'])),
      dt = this.pick(['0.1', '0.05']);
    const holds = this.chance(0.3) ? this.int(2, 3) : 0;
    let code = `${ind}const ${o} = { x: ${this.expr(s, 2)}, v: ${this.expr(s, 1)}${holds ? `, pos: [${Array.from({ length: holds }, () => this.expr(s, 1)).join(', ')}]` : ''} };\n`;
    const fields = (at: Scope) => ({ ...at, nums: [...at.nums, `${o}.x`, `${o}.v`] });
    const pass = (at: Scope, ind: string) => {
      let text = `${ind}${o}.v -= ${dt} * (${this.constant(0.5, 2)} * ${o}.x + ${this.bounded(fields(at), 1)});\n${ind}${o}.x += ${dt} * ${o}.v;\n`;
      if (holds) text += `${ind}${o}.pos[${this.index(at, holds)}] += ${dt} * ${o}.x;\n`;
      return text;
    };
    if (depth > 0 && s.loops < 2 && this.chance(0.6)) {
      const k = this.fresh('k'),
        n = this.int(1, 4);
      code += `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n${pass(this.loopScope(s, { name: k, bound: n }), ind + '  ')}${ind}}\n`;
    } else code += pass(s, ind);
    if (this.chance(0.3)) {
      // Written through another variable holding it.
      const alias = this.fresh('ref');
      code += `${ind}const ${alias} = ${o};\n${ind}${alias}.x *= ${this.constant(0.5, 0.99)};\n`;
    }
    addValue(s, o, {
      fields: holds
        ? [
            ['x', 'number'],
            ['v', 'number'],
            ['pos', { length: holds, type: 'array' }],
          ]
        : [
            ['x', 'number'],
            ['v', 'number'],
          ],
    });
    return code;
  }

  /**
   * Particles: an array of objects (or of instances of a top-level class) that Array.from or
   * map builds, stepped in place by for-of, by index or by a method, then summed.
   */
  private steppedPoints(s: Scope, ind: string): string {
    const ps = this.fresh('ps'),
      p = this.fresh('p'),
      e = this.fresh('e'),
      i = this.fresh('i'),
      acc = this.fresh('acc'),
      total = this.fresh('total');
    const long = s.vecs.filter((v) => v.length >= 2);
    const source = long.length > 0 && this.chance(0.5) ? this.pick(long) : undefined;
    const n = source ? source.length : this.int(1, 3);
    const inner = child(s, { nums: source ? [...s.nums, e] : s.nums, counters: [...s.counters, { name: i, bound: n }], callback: true, returns: false });
    const instances = this.chance(0.3) ? this.helpers.pointClass() : undefined;
    const [a, b] = instances ? ['x', 'y'] : ['x', 'v'];
    const made = instances
      ? `new ${instances}(${this.expr(inner, 1)}, ${this.expr(inner, 1)})`
      : `({ ${a}: ${this.expr(inner, 1)}, ${b}: ${this.expr(inner, 1)} })`;
    const from = source
      ? source.type !== 'f64' && this.chance(0.5)
        ? `${source.expr}.map((${e}, ${i}) => ${made})`
        : `Array.from(${source.expr}, (${e}, ${i}) => ${made})`
      : `Array.from({ length: ${n} }, (_, ${i}) => ${made})`;
    let code = `${ind}const ${ps} = ${from};\n`;
    const dt = this.pick(['0.1', '0.05']);
    const pass = (at: Scope, ind: string): string => {
      const style = this.pick(['for of', 'by index', instances ? 'method' : 'forEach'] as const);
      const fields = (entry: string) => child(at, { nums: [...at.nums, `${entry}.${a}`, `${entry}.${b}`], loops: at.loops + 1 });
      const step = (entry: string, ind: string) =>
        instances
          ? `${ind}${entry}.translate(${dt} * ${entry}.y, -${dt} * ${this.bounded(fields(entry), 1)});\n`
          : `${ind}${entry}.${b} -= ${dt} * (${this.constant(0.5, 2)} * ${entry}.${a} + ${this.bounded(fields(entry), 1)});\n${ind}${entry}.${a} += ${dt} * ${entry}.${b};\n`;
      switch (style) {
        case 'for of':
          return `${ind}for (const ${p} of ${ps}) {\n${step(p, ind + '  ')}${ind}}\n`;
        case 'by index': {
          const j = this.fresh('j');
          return `${ind}for (let ${j} = 0; ${j} < ${ps}.length; ${j}++) {\n${step(`${ps}[${j}]`, ind + '  ')}${ind}}\n`;
        }
        case 'method':
          return `${ind}${ps}.forEach((${p}) => ${p}.scale(${this.constant(0.8, 0.99)}));\n`;
        default:
          return `${ind}${ps}.forEach((${p}) => {\n${ind}  ${p}.${a} *= ${this.constant(0.8, 0.99)};\n${ind}});\n`;
      }
    };
    if (s.loops < 2 && this.chance(0.6)) {
      const k = this.fresh('k'),
        m = this.int(1, 3);
      code += `${ind}for (let ${k} = 0; ${k} < ${m}; ${k}++) {\n${pass(this.loopScope(s, { name: k, bound: m }), ind + '  ')}${ind}}\n`;
    } else code += pass(s, ind);
    code += `${ind}const ${total} = ${ps}.reduce((${acc}, ${p}) => ${acc} + ${p}.${a} * ${this.smooth(`${p}.${b}`)}, 0);\n`;
    s.nums.push(total);
    return code;
  }

  /** An instance of a top-level class made in f: moved by its methods (in a loop or not), read by field, getter and method. */
  private instance(s: Scope, ind: string): string {
    const c = this.helpers.pointClass(),
      p = this.fresh('pt');
    let code = `${ind}const ${p} = new ${c}(${this.expr(s, 2)}, ${this.expr(s, 2)});\n`;
    const moves = [
      `${p}.translate(${this.bounded(s, 1)}, ${this.bounded(s, 1)});`,
      `${p}.scale(${this.constant(0.5, 0.99)});`,
      `${p}.translate(0.1 * ${p}.y, -0.1 * ${p}.x).scale(${this.constant(0.8, 0.99)});`,
      `${p}.x += 0.1 * ${p}.norm;`,
    ];
    if (s.loops < 2 && this.chance(0.5)) {
      const k = this.fresh('k'),
        n = this.int(1, 3);
      code += `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) ${this.pick(moves)}\n`;
    } else code += `${ind}${this.pick(moves)}\n`;
    const v = this.fresh('v');
    code += `${ind}const ${v} = ${this.pick([`${p}.norm`, `${p}.dot(${this.expr(s, 1)}, ${this.expr(s, 1)})`, `${p}.x * ${p}.y`])};\n`;
    s.nums.push(v, `${p}.x`, `${p}.y`);
    return code;
  }

  /** An arrow declared in f capturing its locals, called where it is declared and after a local it reads changes. */
  private localHelper(s: Scope, ind: string): string {
    const h = this.fresh(this.pick(['sq', 'act', 'lerp'])),
      t = this.fresh('t'),
      v = this.fresh('v');
    const body = this.expr(child(s, { nums: [...s.nums, t, t], callback: true, returns: false }), 2);
    let code = `${ind}const ${h} = (${t}: number${this.chance(0.3) ? ` = ${this.constant(0, 1)}` : ''}) => ${t} * ${this.smooth(body)};\n`;
    code += `${ind}const ${v} = ${h}(${this.expr(s, 2)}) + ${h}(${this.expr(s, 1)});\n`;
    s.nums.push(v);
    const captured = s.mutable.filter((m) => body.includes(m) && !m.includes('.'));
    if (captured.length > 0 && this.chance(0.6)) {
      const m = this.pick(captured),
        w = this.fresh('v');
      code += `${ind}${m} = ${this.constant(0.5, 0.9)} * ${m} + 0.1;\n${ind}const ${w} = ${h}(${this.expr(s, 1)});\n`;
      s.nums.push(w);
    }
    return code;
  }

  /** Helpers with a default parameter (left out or given) and an options object with optional fields. */
  private configured(s: Scope, ind: string): string {
    const v = this.fresh('v');
    let code: string;
    // A scale given, positive as users give one (the helper divides by it: 0 would make f's intermediates infinite).
    if (this.chance(0.5))
      code = `${ind}const ${v} = ${this.helpers.defaulted()}(${this.expr(s, 2)}${this.chance(0.5) ? `, 1 + 0.5 * Math.tanh(${this.expr(s, 1)})` : ''});\n`;
    else {
      const h = this.helpers.optioned();
      const fields = [
        ['lr', this.constant(0.05, 0.5)],
        ['decay', this.constant(0, 0.3)],
      ]
        .filter(() => this.chance(0.5))
        .map(([k, c]) => `${k}: ${c}`);
      code = `${ind}const ${v} = ${h}(${this.expr(s, 2)}, ${this.expr(s, 1)}, { ${fields.join(', ')} });\n`;
    }
    s.nums.push(v);
    return code;
  }

  /** A string union chosen by the data, in a `switch` and passed to a helper that switches on it. */
  private stringCase(s: Scope, ind: string): string {
    const kind = this.fresh('kind'),
      v = this.fresh('v'),
      e = this.expr(s, 2);
    const union = this.helpers.lossKind();
    // `as`: a declared type would be narrowed to the two values chosen, and the other cases would not type-check.
    let code = `${ind}const ${kind} = (${this.condition(s, 1)} ? '${this.pick(union.values)}' : '${this.pick(union.values)}') as ${union.type};\n`;
    if (s.level < 2 && this.chance(0.5)) code += `${ind}const ${v} = ${union.helper}(${kind}, ${e});\n`;
    else {
      code += `${ind}let ${v} = 0;\n${ind}switch (${kind}) {\n`;
      for (const value of union.values) {
        if (this.chance(0.8)) code += `${ind}  case '${value}':\n${ind}    ${v} = ${this.smooth(e)};\n${ind}    break;\n`;
      }
      code += `${ind}  default:\n${ind}    ${v} = ${e};\n${ind}}\n`;
    }
    s.nums.push(v);
    return code;
  }

  /**
   * The end of a function returning a vector (`v`) or an object (`t`): sometimes an early exit
   * first (a guard, or `if (c) return <literal>`), then the result returned as a literal, or
   * kept in a local `out` — a literal, entries written one by one, or a loop filling it — and
   * returned (README ✅: a guard or an early return before a returned local).
   */
  protected returned(s: Scope, ind: string, result: VecField | ObjectType): string {
    const literal = () => this.resultLiteral(s, result);
    let code = '';
    if (this.chance(0.2)) code += this.guard(s, ind);
    if (this.chance(0.3)) code += `${ind}if (${this.condition(s, 1)}) return ${literal()};\n`;
    if ('fields' in result) {
      if (this.chance(0.5)) return `${code}${ind}return ${literal()};\n`;
      const p = this.fresh('p');
      return `${code}${ind}const ${p} = ${literal()};\n${ind}return ${p};\n`;
    }
    const { length, type } = result;
    const out = this.fresh('out');
    const annotation = type === 'tuple' ? `: [${Array(length).fill('number').join(', ')}]` : '';
    switch (this.pick(type === 'f64' ? ['entries', 'loop'] : ['direct', 'local', 'loop'])) {
      case 'direct':
        return `${code}${ind}return ${literal()};\n`;
      case 'local':
        return `${code}${ind}const ${out}${annotation} = ${literal()};\n${ind}return ${out};\n`;
      case 'entries':
        code += `${ind}const ${out} = new Float64Array(${length});\n`;
        return `${code}${Array.from({ length }, (_, k) => `${ind}${out}[${k}] = ${this.expr(s, 2)};\n`).join('')}${ind}return ${out};\n`;
      default: {
        const i = this.fresh('i');
        const inner = child(s, { nums: [...s.nums, `(${i} + 1) * 0.5`], counters: [...s.counters, { name: i, bound: length }], loops: s.loops + 1 });
        const made =
          type === 'f64'
            ? `new Float64Array(${length})`
            : type === 'tuple'
              ? `[${Array(length).fill('0').join(', ')}]`
              : `new Array<number>(${length}).fill(0)`;
        code += `${ind}const ${out}${annotation} = ${made};\n`;
        return `${code}${ind}for (let ${i} = 0; ${i} < ${length}; ${i}++) ${out}[${i}] = ${this.expr(inner, 2)};\n${ind}return ${out};\n`;
      }
    }
  }

  /** A literal of a vector (`new Float64Array([a, b])` for a typed array) or of an object of numbers, vectors and such objects. */
  private resultLiteral(s: Scope, result: VecField | ObjectType): string {
    if ('fields' in result) return `{ ${result.fields.map(([k, f]) => `${k}: ${f === 'number' ? this.expr(s, 2) : this.resultLiteral(s, f)}`).join(', ')} }`;
    const entries = Array.from({ length: result.length }, () => this.expr(s, 2)).join(', ');
    return result.type === 'f64' ? `new Float64Array([${entries}])` : `[${entries}]`;
  }

  /** A guard that never fires at the points checked: `if (!Number.isFinite(v)) throw new Error(…)`. */
  private guard(s: Scope, ind: string): string {
    const e = this.near(s.nums.length > 0 ? s.nums : ['0']);
    return this.pick([
      `${ind}if (!Number.isFinite(${e})) throw new Error(\`not finite: \${${e}}\`);\n`,
      `${ind}if (Number.isNaN(${e})) throw new Error('NaN');\n`,
      `${ind}if (!(${e} < Infinity)) throw new RangeError('too large');\n`,
    ]);
  }

  /**
   * An array of a length known only at run time (a copy of a parameter, or a literal)
   * reassigned in a loop: `p = p.map(…)`, `p = relax(p, dt)`, or two buffers swapped after
   * each pass writes one from the other (by `[p, next] = [next, p]` or through a `tmp`; also
   * two literals, or a copy of a tuple: a length known at compile time); left by a `break` on
   * the data sometimes (README ✅).
   */
  private runTimeState(s: Scope, depth: number, ind: string): string {
    if (this.chance(0.2)) return this.shortenedState(s, ind);
    const k = this.fresh('k'),
      n = this.int(1, 4),
      dt = this.pick(['0.1', '0.05', '0.2']);
    // Parameters and constants (a run-time length to tapeless), or local arrays (a known one).
    const sources = s.vecs.filter((v) => !v.expr.includes('('));
    const from = sources.length > 0 && this.chance(0.6) ? this.pick(sources) : undefined;
    const length = from?.length ?? this.int(2, 3);
    const type = this.pick(['array', 'array', 'f64'] as const);
    const literal = () => `[${Array.from({ length }, () => this.expr(s, 1)).join(', ')}]`;
    const p = this.fresh(this.pick(['p', 'cur', 'u']));
    const start = type === 'f64' ? (from ? `Float64Array.from(${from.expr})` : `new Float64Array(${literal()})`) : from ? `[...${from.expr}]` : literal();
    const body = this.loopScope(s, { name: k, bound: n });
    body.vecs.push({ expr: p, length, type, local: false });
    const rest = () => this.block(body, Math.max(0, depth - 1), ind + '  ', this.int(0, 1));
    const exit = this.chance(0.25) ? `${ind}  if (Math.abs(${p}[0]) > ${this.constant(0.5, 2)}) break;\n` : '';
    let code = `${ind}let ${p}${type === 'f64' ? ': Float64Array' : ''} = ${start};\n`;
    switch (this.int(0, 2)) {
      case 0: {
        const e = this.fresh('e'),
          i = this.fresh('i');
        const inner = child(body, { nums: [...body.nums, e], counters: [...body.counters, { name: i, bound: length }], callback: true, returns: false });
        code += `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n${ind}  ${p} = ${p}.map((${e}, ${i}) => ${e} + ${dt} * ${this.bounded(inner, 1)});\n${rest()}${exit}${ind}}\n`;
        break;
      }
      case 1:
        code += `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n${ind}  ${p} = ${this.helpers.step({ length, type })}(${p}, ${dt});\n${rest()}${exit}${ind}}\n`;
        break;
      default: {
        const next = this.fresh('next'),
          i = this.fresh('i');
        // Buffers swapped (double buffering), from a copy of an array or tuple or from a literal:
        // the second made with the first's length, or (of a length known here) a literal of zeros.
        const zeros = type === 'f64' ? `new Float64Array(${length})` : `[${Array<string>(length).fill('0').join(', ')}]`;
        const measured = type === 'f64' ? `new Float64Array(${p}.length)` : `new Array<number>(${p}.length).fill(0)`;
        const make = !from && this.chance(0.5) ? zeros : measured;
        const inner = child(body, { counters: [...body.counters, { name: i, bound: length }], vecs: [...body.vecs, { expr: p, length, type, local: false }] });
        const tmp = this.fresh('tmp');
        const swap = this.chance(0.5) ? `[${p}, ${next}] = [${next}, ${p}];` : `const ${tmp} = ${p};\n${ind}  ${p} = ${next};\n${ind}  ${next} = ${tmp};`;
        code +=
          `${ind}let ${next}${type === 'f64' ? ': Float64Array' : ''} = ${make};\n${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n` +
          `${ind}  for (let ${i} = 0; ${i} < ${p}.length; ${i}++) ${next}[${i}] = ${this.constant(0.5, 0.95)} * ${p}[(${i} + 1) % ${p}.length] + ${dt} * ${this.bounded(inner, 1)};\n` +
          `${ind}  ${swap}\n${rest()}${exit}${ind}}\n`;
      }
    }
    s.vecs.push({ expr: p, length, type, local: true });
    return code;
  }

  /**
   * An array a pass shortens, reassigned in a loop (README ✅): de Casteljau's `while (p.length
   * > 1) { const previous = p; p = previous.slice(1).map((e, i) => …previous[i]…); }`, or every
   * other entry kept by `p = p.filter((e, i) => i % 2 === 0).map(…)` in a counted loop; from a
   * literal, a copy of an array or the caller's array itself.
   */
  private shortenedState(s: Scope, ind: string): string {
    const sources = s.vecs.filter((v) => !v.expr.includes('('));
    const from = sources.length > 0 && this.chance(0.6) ? this.pick(sources) : undefined;
    const length = from?.length ?? this.int(2, 4);
    const p = this.fresh('p'),
      e = this.fresh('e'),
      i = this.fresh('i'),
      dt = this.pick(['0.1', '0.3', '0.5']);
    const literal = () => `[${Array.from({ length }, () => this.expr(s, 1)).join(', ')}]`;
    const start = from ? (from.caller && from.type === 'array' && this.chance(0.5) ? from.expr : `[...${from.expr}]`) : literal();
    const inner = child(s, { nums: [...s.nums, e], callback: true, returns: false });
    let code = `${ind}let ${p} = ${start};\n`;
    if (this.chance(0.5)) {
      const previous = this.fresh('previous');
      code +=
        `${ind}while (${p}.length > 1) {\n${ind}  const ${previous} = ${p};\n` +
        `${ind}  ${p} = ${previous}.slice(1).map((${e}, ${i}) => ${previous}[${i}] + (${e} - ${previous}[${i}]) * ${dt} + ${dt} * ${this.bounded(inner, 1)});\n${ind}}\n`;
      s.vecs.push({ expr: p, length: 1, type: 'array', local: true });
      return code;
    }
    const k = this.fresh('k'),
      n = this.int(1, 3);
    let left = length;
    for (let pass = 0; pass < n; pass++) left = Math.ceil(left / 2);
    code += `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) ${p} = ${p}.filter((${e}, ${i}) => ${i} % 2 === 0).map((${e}) => ${e} + ${dt} * ${this.bounded(inner, 1)});\n`;
    s.vecs.push({ expr: p, length: left, type: 'array', local: true });
    return code;
  }
}
