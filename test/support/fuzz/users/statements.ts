// Statements as users write them: locals and updates, results of helpers destructured or
// kept, local arrays (literals, typed arrays, fill, push, spreads, map with index) created
// anywhere (branches and cases too) and written, object literals and destructuring, `if`,
// counted loops (bounds that are constants, lengths or calls, starting at 0 or 1), `for…of`,
// `forEach` with the index, `while` loops and iterations that stop on the data, `switch`
// with fall-through and early returns, labelled loops, `break`/`continue`, state
// reassigned in loops (tuples, arrays and objects: `s = step(s, dt)`, `previous = state`),
// and numbers assigned together (`[a, b] = [b, a]`, `({ x, v } = st)`).
import { Expressions } from './expressions.js';
import { type Field, type ObjectType, type Scope, type Vec, type VecField, addValue, child, letNumber, narrowedBy } from './scope.js';

export abstract class Statements extends Expressions {
  /** Names declared so far in the function being generated (destructuring reuses field names where free). */
  protected declared = new Set<string>();
  /** Variables written as a state README marks ❌ (`unsupportedState`): a rejection naming one is expected. */
  protected readonly unsupportedStates: string[] = [];

  /** `count` statements; what they compute flows out into a variable declared before them (`loss += …`), where there is one. */
  block(s: Scope, depth: number, ind: string, count: number): string {
    const before = s.nums.length,
      outer = [...s.mutable];
    let code = '';
    for (let k = 0; k < count; k++) code += this.statement(s, depth, ind);
    const computed = s.nums.slice(before);
    if (computed.length > 0 && outer.length > 0 && !this.chance(0.3)) {
      const into = this.pick(outer),
        value = this.pick(computed);
      code += s.loops > 0 || s.callback ? `${ind}${into} += 0.3 * Math.tanh(${value});\n` : `${ind}${into} += ${this.constant(-1, 1)} * ${value};\n`;
    }
    return code;
  }

  statement(s: Scope, depth: number, ind: string): string {
    const options: [number, () => string][] = [[3, () => this.declare(s, ind)]];
    if (!s.callback) options.push([1, () => this.assignedLater(s, ind)]);
    if (s.mutable.length > 0) options.push([4, () => this.update(s, ind)]);
    if (s.mutable.length > 1 && !s.callback) options.push([1, () => this.assignTogether(s, ind)]);
    const locals = s.vecs.filter((v) => v.local);
    if (locals.length > 0) options.push([2, () => this.writeEntry(s, this.pick(locals), ind)]);
    if (!s.callback) {
      options.push([2, () => this.localArray(s, ind)]);
      if (s.level < 2 && s.vecs.length > 0) options.push([1, () => this.mappedByHelper(s, ind)]);
      options.push([1, () => this.objectLiteral(s, ind)]);
      options.push([1, () => this.chosenArray(s, ind)]);
      if (s.objs.some((o) => o.type.fields.length > 0)) options.push([2, () => this.destructureObject(s, ind)]);
      if (s.level < 2) {
        options.push([3, () => this.helperResult(s, ind)]);
        if (locals.length > 0) options.push([1, () => this.writerCall(s, this.pick(locals), ind)]);
      }
      if (depth > 0) {
        options.push([2, () => this.ifElse(s, depth, ind)]);
        options.push([1, () => this.switchStatement(s, depth, ind)]);
        if (s.loops < 2) {
          options.push([3, () => this.forLoop(s, depth, ind)]);
          options.push([1, () => this.whileLoop(s, depth, ind)]);
          options.push([1, () => this.iterate(s, ind)]);
          options.push([1, () => this.labelled(s, depth, ind)]);
          if (s.vecs.length > 0) options.push([1, () => this.forOf(s, depth, ind)], [1, () => this.forEach(s, ind)]);
          if (s.level < 2) options.push([2, () => this.stateLoop(s, depth, ind)]);
        }
        if (s.returns) options.push([1, () => `${ind}if (${this.condition(s, 2)}) return ${this.expr(s, 2)};\n`]);
      }
      if (s.breakable) options.push([1, () => this.jump(s, ind)]);
      options.push(...this.idioms(s, depth, ind));
    }
    return this.weighted(options)();
  }

  /** More statements users write (idioms.ts), outside callbacks, with their weights. */
  protected abstract idioms(s: Scope, depth: number, ind: string): [number, () => string][];

  /** A `let` declared without a value and assigned on every path: `let y: number; if (c) y = a; else y = b;`. */
  assignedLater(s: Scope, ind: string): string {
    const v = this.fresh('y'),
      c = this.condition(s, 2),
      a = this.expr(narrowedBy(s, c), 2),
      b = this.expr(s, 2);
    s.nums.push(v);
    s.mutable.push(v);
    return `${ind}let ${v}: number;\n${ind}if (${c}) {\n${ind}  ${v} = ${a};\n${ind}} else {\n${ind}  ${v} = ${b};\n${ind}}\n`;
  }

  declare(s: Scope, ind: string): string {
    const v = this.fresh('v'),
      constant = this.chance(0.4),
      e = this.expr(s, 3);
    s.nums.push(v);
    if (!constant) s.mutable.push(v);
    return `${ind}${constant ? `const ${v} = ${e};` : letNumber(v, e)}\n`;
  }

  /** An assignment; inside loops one that keeps values bounded (v = c * v + sin(…), v += 0.2 * tanh(…)). */
  update(s: Scope, ind: string): string {
    const v = this.pick(s.mutable);
    if (s.loops > 0 || s.callback) {
      switch (this.int(0, 3)) {
        case 0:
          return `${ind}${v} = ${this.constant(-0.8, 0.8)} * ${v} + ${this.bounded(s, 2)};\n`;
        case 1:
          return `${ind}${v} += 0.2 * ${this.bounded(s, 2)};\n`;
        case 2:
          return `${ind}${v} *= 0.5 + 0.4 * ${this.bounded(s, 2)};\n`;
        default:
          return `${ind}${v} -= ${this.constant(0, 0.5)} * ${this.bounded(s, 2)};\n`;
      }
    }
    switch (this.int(0, 4)) {
      case 0:
        return `${ind}${v} = ${this.expr(s, 3)};\n`;
      case 1:
        return `${ind}${v} += ${this.expr(s, 2)};\n`;
      case 2:
        return `${ind}${v} *= ${this.expr(s, 2)};\n`;
      case 3:
        return `${ind}${v} /= 1.5 + Math.sin(${this.expr(s, 2)});\n`;
      default:
        return `${ind}${v}${this.pick(['++', '--'])};\n`;
    }
  }

  writeEntry(s: Scope, w: Vec, ind: string): string {
    const at = this.index(s, w.length);
    if (s.loops > 0 || s.callback) {
      return this.chance(0.5) ? `${ind}${w.expr}[${at}] = ${this.bounded(s, 2)};\n` : `${ind}${w.expr}[${at}] += 0.5 * ${this.bounded(s, 2)};\n`;
    }
    return `${ind}${w.expr}[${at}] ${this.pick(['=', '+=', '-=', '*='])} ${this.expr(s, 2)};\n`;
  }

  /** A name for a destructured field: the field's own where free, else renamed. */
  binding(field: string): { pattern: string; name: string } {
    if (!this.declared.has(field) && this.chance(0.7)) {
      this.declared.add(field);
      return { pattern: field, name: field };
    }
    // Not a parameter's name either (`b2`, a parameter of an instance, renaming a field `b`).
    let name = this.fresh(field);
    while (this.declared.has(name)) name = this.fresh(field);
    return { pattern: `${field}: ${name}`, name };
  }

  /** A helper's tuple, array, typed array or object result: destructured, or kept in a local. */
  helperResult(s: Scope, ind: string): string {
    const h = this.helpers.structHelper();
    const call = `${h.name}(${this.args(s, 2, h.arity)})`;
    if (this.chance(0.35)) {
      const kept = this.fresh(this.pick(['r', 'res', 'out']));
      addValue(s, kept, h.returns);
      return `${ind}const ${kept} = ${call};\n`;
    }
    if ('fields' in h.returns) {
      const names: string[] = [];
      const fields = h.returns.fields.filter(() => this.chance(0.7));
      for (const [field, type] of fields.length > 0 ? fields : h.returns.fields.slice(0, 1)) {
        const b = this.binding(field);
        names.push(b.pattern);
        addValue(s, b.name, type);
      }
      return `${ind}const { ${names.join(', ')} } = ${call};\n`;
    }
    const names = Array.from({ length: this.int(1, h.returns.length) }, () => this.fresh('c'));
    s.nums.push(...names);
    return `${ind}const [${names.join(', ')}] = ${call};\n`;
  }

  /** A local array of numbers, created in one of the ways users create them. */
  localArray(s: Scope, ind: string): string {
    const w = this.fresh(this.pick(['w', 'buf', 'tmp', 'h']));
    const push = (length: number, type: VecField['type'] = 'array') => s.vecs.push({ expr: w, length, type, local: true });
    const source = s.vecs.length > 0 ? this.pick(s.vecs) : undefined;
    switch (
      this.weighted<number>([
        [3, 0],
        [2, 1],
        [1, 2],
        [2, 3],
        [source ? 2 : 0, 4],
        [source ? 2 : 0, 5],
        [source ? 0.3 : 0, 6],
      ])
    ) {
      case 0: {
        const n = this.int(2, 4);
        const code = `${ind}const ${w} = [${Array.from({ length: n }, () => this.expr(s, 2)).join(', ')}];\n`;
        push(n);
        return code;
      }
      case 1: {
        const n = this.int(2, 4),
          k = this.int(0, n - 1);
        const code = `${ind}const ${w} = new Float64Array(${n});\n${ind}${w}[${k}] = ${this.expr(s, 2)};\n`;
        push(n, 'f64');
        return code;
      }
      case 2: {
        const n = this.int(2, 4);
        const code = `${ind}const ${w} = new Array<number>(${n}).fill(${this.expr(s, 2)});\n`;
        push(n);
        return code;
      }
      case 3: {
        // Grown by push, a fixed number of times: its length is known.
        const n = this.int(1, 3),
          k = this.fresh('k');
        const inner = child(s, { counters: [...s.counters, { name: k, bound: n }], loops: s.loops + 1 });
        const code = `${ind}const ${w}: number[] = [];\n${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) ${w}.push(${this.expr(inner, 2)});\n${ind}${w}.push(${this.expr(s, 1)});\n`;
        push(n + 1);
        return code;
      }
      case 4: {
        const v = source!,
          e = this.expr(s, 2);
        const code = this.chance(0.5) ? `${ind}const ${w} = [...${v.expr}, ${e}];\n` : `${ind}const ${w} = [${e}, ...${v.expr}];\n`;
        push(v.length + 1);
        return code;
      }
      case 5: {
        const v = source!,
          e = this.fresh('e'),
          i = this.fresh('i');
        const inner = child(s, { nums: [...s.nums, e], counters: [...s.counters, { name: i, bound: v.length }], callback: true, returns: false });
        const code = `${ind}const ${w} = ${v.expr}.map((${e}, ${i}) => ${this.expr(inner, 2)});\n`;
        push(v.length, v.type === 'f64' ? 'f64' : 'array');
        return code;
      }
      default: {
        // Copies users write (more of them in idioms.ts).
        const v = source!;
        if (this.chance(0.5)) {
          push(v.length, v.type === 'f64' ? 'f64' : 'array');
          return `${ind}const ${w} = ${v.expr}.slice();\n`;
        }
        push(v.length);
        return `${ind}const ${w} = Array.from(${v.expr});\n`;
      }
    }
  }

  /** An array chosen by a branch: `c ? [a, b] : [b, a]`, or reassigned in an `if`; rarely one of two parameters (README ❌). */
  chosenArray(s: Scope, ind: string): string {
    const w = this.fresh(this.pick(['pick', 'sel', 'pair'])),
      n = this.int(2, 3);
    const literal = (where = s) => `[${Array.from({ length: n }, () => this.expr(where, 1)).join(', ')}]`;
    const params = s.vecs.filter((v) => !v.local && /^\w+$/.test(v.expr));
    const twins = params.filter((v) => params.some((u) => u !== v && u.type === v.type && u.length === v.length));
    let code: string;
    if (twins.length > 0 && this.chance(0.1)) {
      const a = this.pick(twins),
        b = this.pick(twins.filter((u) => u !== a && u.type === a.type && u.length === a.length));
      code = `${ind}const ${w} = ${this.condition(s, 1)} ? ${a.expr} : ${b.expr};\n`;
      s.vecs.push({ expr: w, length: a.length, type: a.type, local: false });
      return code;
    }
    // The side a condition such as `i === 0` holds on is narrowed (drawn in the order the code reads).
    if (this.chance(0.5)) {
      const condition = this.condition(s, 1);
      code = `${ind}const ${w} = ${condition} ? ${literal(narrowedBy(s, condition))} : ${literal()};\n`;
    } else {
      const first = literal();
      const condition = this.condition(s, 1);
      code = `${ind}let ${w}: number[] = ${first};\n${ind}if (${condition}) {\n${ind}  ${w} = ${literal(narrowedBy(s, condition))};\n${ind}}\n`;
    }
    s.vecs.push({ expr: w, length: n, type: 'array', local: true });
    return code;
  }

  /** A new vector from a helper that maps one: `const y = scale(xs, k)`, of the parameter's or a constant's length. */
  mappedByHelper(s: Scope, ind: string): string {
    const v = this.pick(s.vecs),
      y = this.fresh('y');
    const code = `${ind}const ${y} = ${this.helpers.step(v)}(${v.expr}, ${this.expr(s, 1)});\n`;
    s.vecs.push({ expr: y, length: v.length, type: v.type, local: false });
    return code;
  }

  writerCall(s: Scope, w: Vec, ind: string): string {
    if (this.chance(0.5)) return `${ind}${this.helpers.writer(w.type, 'fill')}(${w.expr}, ${this.expr(s, 2)});\n`;
    const v = this.fresh('n');
    s.nums.push(v);
    return `${ind}const ${v} = ${this.helpers.writer(w.type, 'bump')}(${w.expr});\n`;
  }

  objectLiteral(s: Scope, ind: string): string {
    const o = this.fresh(this.pick(['cfg', 'st', 'p']));
    const fields: [string, 'number' | VecField][] = [];
    const texts: string[] = [];
    for (const name of ['gain', 'pos', 'rate'].filter(() => this.chance(0.6))) {
      if (name === 'pos') {
        const n = this.int(2, 3);
        fields.push([name, { length: n, type: 'array' }]);
        texts.push(`${name}: [${Array.from({ length: n }, () => this.expr(s, 1)).join(', ')}]`);
      } else {
        fields.push([name, 'number']);
        texts.push(`${name}: ${this.expr(s, 2)}`);
      }
    }
    if (fields.length === 0) {
      fields.push(['gain', 'number']);
      texts.push(`gain: ${this.expr(s, 2)}`);
    }
    addValue(s, o, { fields });
    return `${ind}const ${o} = { ${texts.join(', ')} };\n`;
  }

  destructureObject(s: Scope, ind: string): string {
    const o = this.pick(s.objs.filter((candidate) => candidate.type.fields.length > 0));
    const chosen = o.type.fields.filter(() => this.chance(0.6));
    const patterns: string[] = [];
    for (const [field, type] of chosen.length > 0 ? chosen : o.type.fields.slice(0, 1)) {
      if (type !== 'number' && 'fields' in type && this.chance(0.5)) {
        // Nested: const { i: { j } } = p.
        const [inner, innerType] = this.pick(type.fields);
        const b = this.binding(inner);
        patterns.push(`${field}: { ${b.pattern} }`);
        addValue(s, b.name, innerType);
        continue;
      }
      const b = this.binding(field);
      patterns.push(b.pattern);
      addValue(s, b.name, type);
    }
    return `${ind}const { ${patterns.join(', ')} } = ${o.expr};\n`;
  }

  ifElse(s: Scope, depth: number, ind: string): string {
    const inner = ind + '  ';
    const condition = this.condition(s, 2);
    const then = this.block(child(narrowedBy(s, condition)), depth - 1, inner, this.int(1, 3));
    let code = `${ind}if (${condition}) {\n${then}${ind}}`;
    if (this.chance(0.2)) code += ` else if (${this.condition(s, 2)}) {\n${this.block(child(s), depth - 1, inner, this.int(1, 2))}${ind}}`;
    if (this.chance(0.5)) code += ` else {\n${this.block(child(s), depth - 1, inner, this.int(1, 3))}${ind}}`;
    return `${code}\n`;
  }

  /** A loop body's scope: the counter, and break / continue allowed. */
  loopScope(s: Scope, counter?: { name: string; bound: number }): Scope {
    return child(s, { counters: counter ? [...s.counters, counter] : s.counters, loops: s.loops + 1, breakable: true, continuable: true });
  }

  forLoop(s: Scope, depth: number, ind: string): string {
    const i = this.fresh('i');
    const vec = s.vecs.length > 0 ? this.pick(s.vecs) : undefined;
    const local = s.vecs.filter((v) => v.local);
    const rows = s.mats.length > 0 ? this.pick(s.mats) : undefined;
    const bounds: [number, () => { test: string; bound: number }][] = [
      [
        3,
        () => {
          const n = this.int(1, 4);
          return { test: `${n}`, bound: n };
        },
      ],
    ];
    if (vec) bounds.push([3, () => ({ test: `${vec.expr}.length`, bound: vec.length })]);
    if (vec && s.level < 2) bounds.push([2, () => ({ test: `${this.helpers.counter(vec.type)}(${vec.expr})`, bound: vec.length })]);
    if (local.length > 0 && s.level < 2) {
      const w = this.pick(local);
      bounds.push([2, () => ({ test: `${this.helpers.writer(w.type, 'bump')}(${w.expr})`, bound: w.length })]);
    }
    if (rows) {
      bounds.push([2, () => ({ test: `${rows.expr}.length`, bound: rows.rows })]);
      const row = s.counters.find((c) => c.bound <= rows.rows);
      bounds.push([2, () => ({ test: `${rows.expr}[${row ? row.name : 0}].length`, bound: rows.cols })]);
    }
    const { test, bound } = this.weighted(bounds)();
    const body = () => this.block(this.loopScope(s, { name: i, bound }), depth - 1, ind + '  ', this.int(1, 3));
    switch (
      this.weighted([
        [7, 'up'],
        [1, 'hoisted'],
        [1, 'down'],
        [1, 'by two'],
      ] as const)
    ) {
      case 'up': {
        const from = bound > 1 && this.chance(0.2) ? 1 : 0;
        return `${ind}for (let ${i} = ${from}; ${i} < ${test}; ${i}++) {\n${body()}${ind}}\n`;
      }
      case 'hoisted': {
        const n = this.fresh('n');
        return `${ind}const ${n} = ${test};\n${ind}for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n${body()}${ind}}\n`;
      }
      case 'down':
        return `${ind}for (let ${i} = ${test} - 1; ${i} >= 0; ${i}--) {\n${body()}${ind}}\n`;
      case 'by two':
        return `${ind}for (let ${i} = 0; ${i} < ${test}; ${i} += 2) {\n${body()}${ind}}\n`;
    }
  }

  forOf(s: Scope, depth: number, ind: string): string {
    const v = this.pick(s.vecs),
      e = this.fresh('e');
    const inner = this.loopScope(s);
    inner.nums.push(e);
    return `${ind}for (const ${e} of ${v.expr}) {\n${this.block(inner, depth - 1, ind + '  ', this.int(1, 2))}${ind}}\n`;
  }

  forEach(s: Scope, ind: string): string {
    const v = this.pick(s.vecs),
      e = this.fresh('e'),
      i = this.fresh('i');
    const inner = child(s, {
      nums: [...s.nums, e],
      counters: [...s.counters, { name: i, bound: v.length }],
      callback: true,
      returns: false,
      breakable: false,
      continuable: false,
    });
    if (inner.mutable.length === 0) {
      const acc = this.fresh('acc');
      s.nums.push(acc);
      s.mutable.push(acc);
      inner.mutable.push(acc);
      return `${ind}let ${acc} = 0;\n${ind}${v.expr}.forEach((${e}, ${i}) => {\n${ind}  ${acc} += ${e} * ${this.bounded(inner, 1)};\n${ind}});\n`;
    }
    return `${ind}${v.expr}.forEach((${e}, ${i}) => {\n${this.block(inner, 0, ind + '  ', this.int(1, 2))}${ind}});\n`;
  }

  /** A while loop that stops on the data (a shrinking value), with an iteration cap. */
  whileLoop(s: Scope, depth: number, ind: string): string {
    const r = this.fresh('r'),
      it = this.fresh('it'),
      cap = this.int(2, 8);
    const start = this.expr(s, 2);
    s.nums.push(r);
    s.mutable.push(r);
    const inner = this.loopScope(s, { name: it, bound: cap });
    const shrink = `${ind}  ${r} *= 0.3 + 0.4 * Math.tanh(${this.expr(inner, 1)}) ** 2;\n`;
    const body = this.block(inner, depth - 1, ind + '  ', this.int(0, 2));
    const test = this.chance(0.5) ? `Math.abs(${r}) > ${this.constant(0.01, 0.5)}` : `${r} * ${r} > ${this.constant(0.001, 0.2)}`;
    if (this.chance(0.25))
      return `${ind}${letNumber(r, start)}\n${ind}let ${it} = 0;\n${ind}do {\n${shrink}${body}${ind}  ${it}++;\n${ind}} while (${test} && ${cap} > ${it});\n`;
    return `${ind}${letNumber(r, start)}\n${ind}let ${it} = 0;\n${ind}while (${test} && ${cap} > ${it}) {\n${shrink}${body}${ind}  ${it}++;\n${ind}}\n`;
  }

  /** An iteration to a tolerance: Newton's method for a square root, or a contracting fixed point. */
  iterate(s: Scope, ind: string): string {
    const z = this.fresh('z'),
      d = this.fresh('dz'),
      it = this.fresh('it'),
      c = this.expr(s, 2);
    const a = this.expr(s, 1);
    s.nums.push(z);
    if (this.chance(0.5)) {
      const target = this.fresh('c');
      return (
        `${ind}const ${target} = 1 + (${c}) ** 2;\n${ind}let ${z} = ${target};\n${ind}for (let ${it} = 0; ${it} < 30; ${it}++) {\n` +
        `${ind}  const ${d} = (${z} * ${z} - ${target}) / (2 * ${z});\n${ind}  ${z} -= ${d};\n${ind}  if (Math.abs(${d}) < 1e-9) break;\n${ind}}\n`
      );
    }
    return (
      `${ind}let ${z} = 0;\n${ind}for (let ${it} = 0; ${it} < 50; ${it}++) {\n${ind}  const ${d} = Math.cos(0.5 * Math.tanh(${a}) * ${z}) + ${c} - ${z};\n` +
      `${ind}  ${z} += ${d};\n${ind}  if (Math.abs(${d}) < 1e-10) break;\n${ind}}\n`
    );
  }

  labelled(s: Scope, depth: number, ind: string): string {
    const label = this.fresh('outer'),
      i = this.fresh('i'),
      j = this.fresh('j'),
      n = this.int(1, 3),
      m = this.int(1, 3);
    const outer = this.loopScope(s, { name: i, bound: n });
    outer.labels.push(label);
    const inner = this.loopScope(outer, { name: j, bound: m });
    const exit = `${ind}    if (${this.condition(inner, 1)}) ${this.pick(['break', 'continue'])} ${label};\n`;
    const body = this.block(inner, Math.max(0, depth - 1), ind + '    ', this.int(1, 3));
    return `${ind}${label}: for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n${ind}  for (let ${j} = 0; ${j} < ${m}; ${j}++) {\n${exit}${body}${ind}  }\n${ind}}\n`;
  }

  jump(s: Scope, ind: string): string {
    const word = s.continuable && this.chance(0.5) ? 'continue' : 'break';
    const label = s.labels.length > 0 && this.chance(0.3) ? ` ${this.pick(s.labels)}` : '';
    const comparable = s.counters.filter((c) => !s.narrowed.includes(c.name));
    if (comparable.length > 0 && this.chance(0.4)) {
      const c = this.pick(comparable);
      return `${ind}if (${c.name} === ${this.int(0, Math.max(0, c.bound - 1))}) ${word}${label};\n`;
    }
    return `${ind}if (${this.condition(s, 2)}) ${word}${label};\n`;
  }

  switchStatement(s: Scope, depth: number, ind: string): string {
    const counter = s.counters.length > 0 && this.chance(0.4) ? this.pick(s.counters) : undefined;
    const discriminant = counter ? `${counter.name} % 3` : this.pick([`Math.floor(2 * Math.tanh(${this.expr(s, 2)}))`, `Math.round(${this.expr(s, 2)})`]);
    const values = counter ? [0, 1, 2] : [-1, 0, 1];
    let code = `${ind}switch (${discriminant}) {\n`;
    const cases = values.filter(() => this.chance(0.7));
    for (const value of cases.length > 0 ? cases : [0]) {
      const inner = child(s, { breakable: true });
      code += `${ind}  case ${value}:\n${this.block(inner, Math.max(0, depth - 1), ind + '    ', this.int(0, 2))}`;
      // break, fall through, or return.
      const end = this.int(0, 2);
      if (end === 0) code += `${ind}    break;\n`;
      else if (end === 2 && s.returns) code += `${ind}    return ${this.expr(inner, 2)};\n`;
    }
    if (this.chance(0.5)) code += `${ind}  default:\n${this.block(child(s, { breakable: true }), Math.max(0, depth - 1), ind + '    ', this.int(1, 2))}`;
    return `${code}${ind}}\n`;
  }

  /**
   * State carried through a loop, as simulations and optimisers write it (README ✅): a tuple,
   * an array of a known length, a Float64Array or an object literal, rebuilt each pass by a
   * helper (`s = step(s, dt)`), by a literal or entry by entry, read by the pass, left by a
   * break or a data-dependent exit; or reassigned in a row. Sometimes in a form README marks
   * ❌ (`unsupportedState`).
   */
  stateLoop(s: Scope, depth: number, ind: string): string {
    switch (
      this.weighted([
        [5, 'vector'],
        [3, 'object'],
        [0.5, 'unsupported'],
      ] as const)
    ) {
      case 'vector':
        return this.vectorState(s, depth, ind);
      case 'object':
        return this.objectState(s, depth, ind);
      case 'unsupported':
        return this.unsupportedState(s, depth, ind);
    }
  }

  /** A step of time: a constant, or one that depends on the inputs. */
  private timeStep(s: Scope): string {
    return this.chance(0.6) ? this.pick(['0.1', '0.05', '0.2']) : `0.1 * Math.tanh(${this.expr(s, 1)})`;
  }

  /**
   * `next` (an assignment of the state) run in a loop — counted, with a break on the state, or
   * a `while` that stops on the state — followed by statements that read it; or in a row.
   * `test` is a condition on the state (for exits).
   */
  private carry(
    s: Scope,
    depth: number,
    ind: string,
    state: (body: Scope) => void,
    next: (body: Scope, ind: string) => string,
    test: (body: Scope) => string,
  ): string {
    if (this.chance(0.2)) {
      const body = child(s);
      state(body);
      return `${ind}${next(body, ind)}\n${this.chance(0.5) ? `${ind}${next(body, ind)}\n` : ''}`;
    }
    const k = this.fresh('k'),
      n = this.int(1, 4);
    const form = this.weighted([
      [3, 'for'],
      [1, 'break'],
      [1, 'while'],
    ] as const);
    // A `continue` would skip the count of a while loop.
    const body = child(this.loopScope(s, { name: k, bound: n }), form === 'while' ? { continuable: false } : {});
    state(body);
    const rest = () => this.block(body, Math.max(0, depth - 1), ind + '  ', this.int(0, 1));
    switch (form) {
      case 'for':
        return `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n${ind}  ${next(body, ind + '  ')}\n${rest()}${ind}}\n`;
      case 'break':
        return `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n${ind}  ${next(body, ind + '  ')}\n${rest()}${ind}  if (${test(body)}) break;\n${ind}}\n`;
      case 'while':
        return `${ind}let ${k} = 0;\n${ind}while (${test(body)} && ${k} < ${n}) {\n${ind}  ${next(body, ind + '  ')}\n${rest()}${ind}  ${k}++;\n${ind}}\n`;
    }
  }

  /** A tuple, array or Float64Array state of a length known where it is made, carried through a loop. */
  private vectorState(s: Scope, depth: number, ind: string): string {
    const st = this.fresh(this.pick(['s', 'state', 'q'])),
      dt = this.timeStep(s);
    const type = this.pick(['tuple', 'tuple', 'f64', 'array'] as const),
      length = this.int(2, 3);
    const v: VecField = { length, type };
    const entries = Array.from({ length }, () => this.expr(s, 1));
    let code: string;
    if (type === 'tuple') code = `${ind}let ${st}: [${Array(length).fill('number').join(', ')}] = [${entries.join(', ')}];\n`;
    else if (type === 'array') code = `${ind}let ${st} = [${entries.join(', ')}];\n`;
    else code = `${ind}let ${st}: Float64Array = new Float64Array(${length});\n${entries.map((e, k) => `${ind}${st}[${k}] = ${e};\n`).join('')}`;
    const slope = (body: Scope) => this.bounded(body, 1);
    const next = (body: Scope, ind: string): string => {
      const other = body.vecs.find((u) => u.expr !== st && u.type === 'tuple' && u.length === length);
      switch (
        this.weighted([
          [4, 'step'],
          [type === 'tuple' && other ? 1 : 0, 'combine'],
          [2, 'literal'],
          [type === 'f64' ? 0 : 1, 'destructured'],
          [1, 'written'],
        ] as const)
      ) {
        case 'step':
          return `${st} = ${this.helpers.step(v, true)}(${st}, ${dt});`;
        case 'combine':
          return `${st} = ${this.helpers.combine(v)}(${st}, ${other!.expr});`;
        case 'literal': {
          // Entries rebuilt, moved (a rotation or a swap: `[s[1], s[0]]`) or kept.
          const shift = this.int(0, length - 1);
          const values = Array.from({ length }, (_, k) => {
            const from = `${st}[${(k + shift) % length}]`;
            return this.chance(0.5) ? from : `${this.constant(0.5, 0.95)} * ${from} + ${dt} * ${slope(body)}`;
          });
          if (type !== 'f64') return `${st} = [${values.join(', ')}];`;
          const nx = this.fresh('nx');
          return `const ${nx} = new Float64Array(${length});\n${values.map((e, k) => `${ind}${nx}[${k}] = ${e};\n`).join('')}${ind}${st} = ${nx};`;
        }
        case 'destructured': {
          const names = Array.from({ length }, () => this.fresh('c'));
          const inner = { ...body, nums: [...body.nums, ...names] };
          const values = names.map((_, k) => (this.chance(0.4) ? names[(k + 1) % length] : `${names[(k + 1) % length]} + ${dt} * ${slope(inner)}`));
          return `const [${names.join(', ')}] = ${st};\n${ind}${st} = [${values.join(', ')}];`;
        }
        case 'written':
          return `${st}[${this.int(0, length - 1)}] += ${dt} * ${slope(body)};\n${ind}${st} = ${this.helpers.step(v, true)}(${st}, ${dt});`;
      }
    };
    const test = (body: Scope) => `${this.pick(['Math.abs(', '('])}${st}[${this.int(0, length - 1)}]) > ${this.constant(0.2, 1.5)}`;
    code += this.carry(s, depth, ind, (body) => body.vecs.push({ expr: st, length, type, local: true }), next, test);
    s.vecs.push({ expr: st, length, type, local: true });
    return code;
  }

  /**
   * An object state rebuilt each pass, by a literal or a helper: `st = { x: st.x + dt * st.v,
   * v: … }`, `st = advance(st, dt)`; of numbers, or holding an array; sometimes with the
   * previous state kept (`previous = st`: both may hold an object of numbers, which is
   * read-only; one holding an array is one README marks ❌ where the program writes entries of
   * arrays, ✅ elsewhere).
   */
  private objectState(s: Scope, depth: number, ind: string): string {
    const st = this.fresh('st'),
      dt = this.timeStep(s);
    const fields: [string, Field][] = this.chance(0.6)
      ? [
          ['x', 'number'],
          ['v', 'number'],
        ]
      : [
          ['pos', { length: this.int(2, 3), type: 'array' }],
          ['w', 'number'],
        ];
    let typeName: string | undefined;
    if (this.chance(0.4)) typeName = this.helpers.typeName('State', fields);
    const t: ObjectType = { name: typeName, fields };
    const literal = (read: Scope | undefined) =>
      `{ ${fields
        .map(([k, f]) => {
          const value = (at: string) => (read ? `${at} + ${dt} * ${this.bounded(read, 1)}` : this.expr(s, 1));
          return f === 'number'
            ? `${k}: ${value(`${st}.${k}`)}`
            : `${k}: [${Array.from({ length: (f as VecField).length }, (_, i) => value(`${st}.${k}[${(i + 1) % (f as VecField).length}]`)).join(', ')}]`;
        })
        .join(', ')} }`;
    let code = `${ind}let ${st}${typeName ? `: ${typeName}` : ''} = ${literal(undefined)};\n`;
    const previous = this.chance(0.3) ? this.fresh('previous') : undefined;
    if (previous) code += `${ind}let ${previous} = ${st};\n`;
    // Held twice: README's "that no other variable holds where the function writes entries of arrays" (a rejection is expected only then; elsewhere it compiles, and is checked).
    if (previous) this.unsupportedStates.push(st, previous);
    const next = (body: Scope, ind: string): string => {
      const keep = previous ? `${previous} = ${st};\n${ind}` : '';
      return this.chance(0.5) ? `${keep}${st} = ${this.helpers.objectStep(t)}(${st}, ${dt});` : `${keep}${st} = ${literal(body)};`;
    };
    const test = () => `${this.pick(['Math.abs(', '('])}${st}.${fields[1][0]}) > ${this.constant(0.2, 1.5)}`;
    code += this.carry(s, depth, ind, (body) => addValue(body, st, t), next, test);
    addValue(s, st, t);
    if (previous) addValue(s, previous, t);
    return code;
  }

  /**
   * A state README marks ❌ where the program writes entries of arrays (✅ elsewhere), as users
   * write it too: a tuple state another variable also holds
   * (`previous = s`). Its names are noted: a rejection naming them is expected (readme.ts).
   */
  private unsupportedState(s: Scope, depth: number, ind: string): string {
    const k = this.fresh('k'),
      n = this.int(1, 4),
      length = this.int(2, 3),
      dt = this.timeStep(s);
    const literal = () => `[${Array.from({ length }, () => this.expr(s, 1)).join(', ')}]`;
    const body = this.loopScope(s, { name: k, bound: n });
    const loop = (pass: string) =>
      `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n${pass}${this.block(body, Math.max(0, depth - 1), ind + '  ', this.int(0, 1))}${ind}}\n`;
    const st = this.fresh('s'),
      previous = this.fresh('previous');
    this.unsupportedStates.push(st, previous);
    const v: VecField = { length, type: 'tuple' };
    const tuple = `[${Array(length).fill('number').join(', ')}]`;
    const code = `${ind}let ${st}: ${tuple} = ${literal()};\n${ind}let ${previous} = ${st};\n${loop(`${ind}  ${previous} = ${st};\n${ind}  ${st} = ${this.helpers.step(v, true)}(${st}, ${dt});\n`)}`;
    s.vecs.push({ expr: st, length, type: 'tuple', local: false }, { expr: previous, length, type: 'tuple', local: false });
    return code;
  }

  /**
   * Numbers assigned together: a swap (`[a, b] = [b, a]`, or through a temporary), a shift,
   * the entries of a helper's tuple (`[a, b] = polar(r, t)`), the fields of an object
   * (`({ x: a, v: b } = st)`).
   */
  assignTogether(s: Scope, ind: string): string {
    const a = this.pick(s.mutable),
      b = this.pick(s.mutable.filter((name) => name !== a));
    const looped = s.loops > 0;
    const numbers = (t: ObjectType) => t.fields.filter(([, f]) => f === 'number').map(([name]) => name);
    const objects = s.objs.filter((o) => numbers(o.type).length >= 2);
    switch (
      this.weighted([
        [3, 'swap'],
        [2, 'temporary'],
        [1, 'shift'],
        [looped || s.level >= 2 ? 0 : 1, 'helper'],
        [objects.length > 0 ? 1 : 0, 'object'],
      ] as const)
    ) {
      case 'swap':
        return `${ind}[${a}, ${b}] = [${b}, ${looped || this.chance(0.5) ? a : this.expr(s, 2)}];\n`;
      case 'temporary': {
        const t = this.fresh('t');
        return `${ind}const ${t} = ${a};\n${ind}${a} = ${b};\n${ind}${b} = ${t};\n`;
      }
      case 'shift':
        return `${ind}[${a}, ${b}] = [${b}, ${looped ? `${this.constant(0.5, 0.95)} * ${a} + 0.1 * ${this.bounded(s, 1)}` : this.expr(s, 2)}];\n`;
      case 'helper': {
        const h = this.helpers.structHelper();
        if ('fields' in h.returns) {
          const [f, g] = numbers(h.returns);
          return `${ind}({ ${f}: ${a}${g ? `, ${g}: ${b}` : ''} } = ${h.name}(${this.args(s, 2, h.arity)}));\n`;
        }
        return `${ind}[${a}, ${b}] = ${h.name}(${this.args(s, 2, h.arity)});\n`;
      }
      case 'object': {
        const o = this.pick(objects);
        const [f, g] = numbers(o.type);
        return `${ind}({ ${f}: ${a}, ${g}: ${b} } = ${o.expr});\n`;
      }
    }
  }
}
