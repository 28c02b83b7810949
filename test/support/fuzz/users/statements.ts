// Statements as users write them: locals and updates, results of helpers destructured or
// kept, local arrays (literals, typed arrays, fill, push, spreads, map with index) created
// anywhere (branches and cases too) and written, object literals and destructuring, `if`,
// counted loops (bounds that are constants, lengths or calls, starting at 0 or 1), `for…of`,
// `forEach` with the index, `while` loops and iterations that stop on the data, `switch`
// with fall-through and early returns, labelled loops, `break`/`continue`, and state
// reassigned in loops (`s = step(s, dt)`, `p = p.map(…)`).
import { Expressions } from './expressions.js';
import { type Scope, type Vec, type VecField, addValue, child } from './scope.js';

export abstract class Statements extends Expressions {
  /** Names declared so far in the function being generated (destructuring reuses field names where free). */
  protected declared = new Set<string>();

  /** `count` statements; what they compute flows out into a variable declared before them (`loss += …`), where there is one. */
  block(s: Scope, depth: number, ind: string, count: number): string {
    const before = s.nums.length, outer = [...s.mutable];
    let code = '';
    for (let k = 0; k < count; k++) code += this.statement(s, depth, ind);
    const computed = s.nums.slice(before);
    if (computed.length > 0 && outer.length > 0 && !this.chance(0.3)) {
      const into = this.pick(outer), value = this.pick(computed);
      code += s.loops > 0 || s.callback ? `${ind}${into} += 0.3 * Math.tanh(${value});\n` : `${ind}${into} += ${this.constant(-1, 1)} * ${value};\n`;
    }
    return code;
  }

  statement(s: Scope, depth: number, ind: string): string {
    const options: [number, () => string][] = [[3, () => this.declare(s, ind)]];
    if (!s.callback) options.push([1, () => this.assignedLater(s, ind)]);
    if (s.mutable.length > 0) options.push([4, () => this.update(s, ind)]);
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
          if (s.level < 2) options.push([1, () => this.stateLoop(s, depth, ind)]);
        }
        if (s.returns) options.push([1, () => `${ind}if (${this.condition(s, 2)}) return ${this.expr(s, 2)};\n`]);
      }
      if (s.breakable) options.push([1, () => this.jump(s, ind)]);
    }
    return this.weighted(options)();
  }

  /** A `let` declared without a value and assigned on every path: `let y: number; if (c) y = a; else y = b;`. */
  assignedLater(s: Scope, ind: string): string {
    const v = this.fresh('y'), c = this.condition(s, 2), a = this.expr(s, 2), b = this.expr(s, 2);
    s.nums.push(v);
    s.mutable.push(v);
    return `${ind}let ${v}: number;\n${ind}if (${c}) {\n${ind}  ${v} = ${a};\n${ind}} else {\n${ind}  ${v} = ${b};\n${ind}}\n`;
  }

  declare(s: Scope, ind: string): string {
    const v = this.fresh('v'), constant = this.chance(0.4), e = this.expr(s, 3);
    s.nums.push(v);
    if (!constant) s.mutable.push(v);
    return `${ind}${constant ? 'const' : 'let'} ${v} = ${e};\n`;
  }

  /** An assignment; inside loops one that keeps values bounded (v = c * v + sin(…), v += 0.2 * tanh(…)). */
  update(s: Scope, ind: string): string {
    const v = this.pick(s.mutable);
    if (s.loops > 0 || s.callback) {
      switch (this.int(0, 3)) {
        case 0: return `${ind}${v} = ${this.constant(-0.8, 0.8)} * ${v} + ${this.bounded(s, 2)};\n`;
        case 1: return `${ind}${v} += 0.2 * ${this.bounded(s, 2)};\n`;
        case 2: return `${ind}${v} *= 0.5 + 0.4 * ${this.bounded(s, 2)};\n`;
        default: return `${ind}${v} -= ${this.constant(0, 0.5)} * ${this.bounded(s, 2)};\n`;
      }
    }
    switch (this.int(0, 4)) {
      case 0: return `${ind}${v} = ${this.expr(s, 3)};\n`;
      case 1: return `${ind}${v} += ${this.expr(s, 2)};\n`;
      case 2: return `${ind}${v} *= ${this.expr(s, 2)};\n`;
      case 3: return `${ind}${v} /= 1.5 + Math.sin(${this.expr(s, 2)});\n`;
      default: return `${ind}${v}${this.pick(['++', '--'])};\n`;
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
    const name = this.fresh(field);
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
    switch (this.weighted<number>([[3, 0], [2, 1], [1, 2], [2, 3], [source ? 2 : 0, 4], [source ? 2 : 0, 5], [source ? 0.3 : 0, 6]])) {
      case 0: {
        const n = this.int(2, 4);
        const code = `${ind}const ${w} = [${Array.from({ length: n }, () => this.expr(s, 2)).join(', ')}];\n`;
        push(n);
        return code;
      }
      case 1: {
        const n = this.int(2, 4), k = this.int(0, n - 1);
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
        const n = this.int(1, 3), k = this.fresh('k');
        const inner = child(s, { counters: [...s.counters, { name: k, bound: n }], loops: s.loops + 1 });
        const code = `${ind}const ${w}: number[] = [];\n${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) ${w}.push(${this.expr(inner, 2)});\n${ind}${w}.push(${this.expr(s, 1)});\n`;
        push(n + 1);
        return code;
      }
      case 4: {
        const v = source!, e = this.expr(s, 2);
        const code = this.chance(0.5) ? `${ind}const ${w} = [...${v.expr}, ${e}];\n` : `${ind}const ${w} = [${e}, ...${v.expr}];\n`;
        push(v.length + 1);
        return code;
      }
      case 5: {
        const v = source!, e = this.fresh('e'), i = this.fresh('i');
        const inner = child(s, { nums: [...s.nums, e], counters: [...s.counters, { name: i, bound: v.length }], callback: true, returns: false });
        const code = `${ind}const ${w} = ${v.expr}.map((${e}, ${i}) => ${this.expr(inner, 2)});\n`;
        push(v.length, v.type === 'f64' ? 'f64' : 'array');
        return code;
      }
      default: {
        // Copies users write; README lists slice and static methods as not supported (rejections counted).
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
    const w = this.fresh(this.pick(['pick', 'sel', 'pair'])), n = this.int(2, 3);
    const literal = () => `[${Array.from({ length: n }, () => this.expr(s, 1)).join(', ')}]`;
    const params = s.vecs.filter((v) => !v.local && /^\w+$/.test(v.expr));
    const twins = params.filter((v) => params.some((u) => u !== v && u.type === v.type && u.length === v.length));
    let code: string;
    if (twins.length > 0 && this.chance(0.1)) {
      const a = this.pick(twins), b = this.pick(twins.filter((u) => u !== a && u.type === a.type && u.length === a.length));
      code = `${ind}const ${w} = ${this.condition(s, 1)} ? ${a.expr} : ${b.expr};\n`;
      s.vecs.push({ expr: w, length: a.length, type: a.type, local: false });
      return code;
    }
    if (this.chance(0.5)) code = `${ind}const ${w} = ${this.condition(s, 1)} ? ${literal()} : ${literal()};\n`;
    else code = `${ind}let ${w}: number[] = ${literal()};\n${ind}if (${this.condition(s, 1)}) {\n${ind}  ${w} = ${literal()};\n${ind}}\n`;
    s.vecs.push({ expr: w, length: n, type: 'array', local: true });
    return code;
  }

  /** A new vector from a helper that maps one: `const y = scale(xs, k)`, of the parameter's or a constant's length. */
  mappedByHelper(s: Scope, ind: string): string {
    const v = this.pick(s.vecs), y = this.fresh('y');
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
    const narrowed = /^(\w+) === \d+$/.exec(condition)?.[1];
    const then = this.block(child(s, narrowed ? { narrowed: [...s.narrowed, narrowed] } : {}), depth - 1, inner, this.int(1, 3));
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
      [3, () => { const n = this.int(1, 4); return { test: `${n}`, bound: n }; }],
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
    switch (this.weighted([[7, 'up'], [1, 'hoisted'], [1, 'down'], [1, 'by two']] as const)) {
      case 'up': {
        const from = bound > 1 && this.chance(0.2) ? 1 : 0;
        return `${ind}for (let ${i} = ${from}; ${i} < ${test}; ${i}++) {\n${body()}${ind}}\n`;
      }
      case 'hoisted': {
        const n = this.fresh('n');
        return `${ind}const ${n} = ${test};\n${ind}for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n${body()}${ind}}\n`;
      }
      case 'down': return `${ind}for (let ${i} = ${test} - 1; ${i} >= 0; ${i}--) {\n${body()}${ind}}\n`;
      case 'by two': return `${ind}for (let ${i} = 0; ${i} < ${test}; ${i} += 2) {\n${body()}${ind}}\n`;
    }
  }

  forOf(s: Scope, depth: number, ind: string): string {
    const v = this.pick(s.vecs), e = this.fresh('e');
    const inner = this.loopScope(s);
    inner.nums.push(e);
    return `${ind}for (const ${e} of ${v.expr}) {\n${this.block(inner, depth - 1, ind + '  ', this.int(1, 2))}${ind}}\n`;
  }

  forEach(s: Scope, ind: string): string {
    const v = this.pick(s.vecs), e = this.fresh('e'), i = this.fresh('i');
    const inner = child(s, { nums: [...s.nums, e], counters: [...s.counters, { name: i, bound: v.length }], callback: true, returns: false, breakable: false, continuable: false });
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
    const r = this.fresh('r'), it = this.fresh('it'), cap = this.int(2, 8);
    const start = this.expr(s, 2);
    s.nums.push(r);
    s.mutable.push(r);
    const inner = this.loopScope(s, { name: it, bound: cap });
    const shrink = `${ind}  ${r} *= 0.3 + 0.4 * Math.tanh(${this.expr(inner, 1)}) ** 2;\n`;
    const body = this.block(inner, depth - 1, ind + '  ', this.int(0, 2));
    const test = this.chance(0.5) ? `Math.abs(${r}) > ${this.constant(0.01, 0.5)}` : `${r} * ${r} > ${this.constant(0.001, 0.2)}`;
    if (this.chance(0.25)) return `${ind}let ${r} = ${start};\n${ind}let ${it} = 0;\n${ind}do {\n${shrink}${body}${ind}  ${it}++;\n${ind}} while (${test} && ${cap} > ${it});\n`;
    return `${ind}let ${r} = ${start};\n${ind}let ${it} = 0;\n${ind}while (${test} && ${cap} > ${it}) {\n${shrink}${body}${ind}  ${it}++;\n${ind}}\n`;
  }

  /** An iteration to a tolerance: Newton's method for a square root, or a contracting fixed point. */
  iterate(s: Scope, ind: string): string {
    const z = this.fresh('z'), d = this.fresh('dz'), it = this.fresh('it'), c = this.expr(s, 2);
    const a = this.expr(s, 1);
    s.nums.push(z);
    if (this.chance(0.5)) {
      const target = this.fresh('c');
      return `${ind}const ${target} = 1 + (${c}) ** 2;\n${ind}let ${z} = ${target};\n${ind}for (let ${it} = 0; ${it} < 30; ${it}++) {\n` +
        `${ind}  const ${d} = (${z} * ${z} - ${target}) / (2 * ${z});\n${ind}  ${z} -= ${d};\n${ind}  if (Math.abs(${d}) < 1e-9) break;\n${ind}}\n`;
    }
    return `${ind}let ${z} = 0;\n${ind}for (let ${it} = 0; ${it} < 50; ${it}++) {\n${ind}  const ${d} = Math.cos(0.5 * Math.tanh(${a}) * ${z}) + ${c} - ${z};\n` +
      `${ind}  ${z} += ${d};\n${ind}  if (Math.abs(${d}) < 1e-10) break;\n${ind}}\n`;
  }

  labelled(s: Scope, depth: number, ind: string): string {
    const label = this.fresh('outer'), i = this.fresh('i'), j = this.fresh('j'), n = this.int(1, 3), m = this.int(1, 3);
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

  /** State reassigned from a helper, in a loop or in a row: s = step(s, dt); or p = p.map(…). */
  stateLoop(s: Scope, depth: number, ind: string): string {
    if (this.chance(0.15)) return this.objectState(s, ind);
    const st = this.fresh(this.pick(['s', 'state', 'q']));
    const type = this.pick(['tuple', 'tuple', 'f64', 'array'] as const);
    const length = this.int(2, 3);
    const entries = Array.from({ length }, () => this.expr(s, 1));
    let code: string;
    if (type === 'tuple') code = `${ind}let ${st}: [${Array(length).fill('number').join(', ')}] = [${entries.join(', ')}];\n`;
    else if (type === 'array') code = `${ind}let ${st} = [${entries.join(', ')}];\n`;
    else code = `${ind}let ${st}: Float64Array = new Float64Array(${length});\n${entries.map((e, k) => `${ind}${st}[${k}] = ${e};\n`).join('')}`;
    const dt = this.chance(0.6) ? this.pick(['0.1', '0.05', '0.2']) : `0.1 * Math.tanh(${this.expr(s, 1)})`;
    const next = () => {
      if (type === 'array' && this.chance(0.4)) {
        const e = this.fresh('e'), i = this.fresh('i');
        const inner = child(s, { nums: [...s.nums, e], counters: [...s.counters, { name: i, bound: length }], callback: true, returns: false });
        return `${st} = ${st}.map((${e}, ${i}) => ${e} + ${dt} * ${this.bounded(inner, 1)});`;
      }
      // Elementwise with a second vector of the same length, where there is one: s = add(s, v).
      const other = s.vecs.find((v) => v.length === length && (type === 'tuple' ? v.type === 'tuple' : (v.type === 'f64') === (type === 'f64')));
      if (other && this.chance(0.3)) return `${st} = ${this.helpers.combine({ length, type })}(${st}, ${other.expr});`;
      return `${st} = ${this.helpers.step({ length, type })}(${st}, ${dt});`;
    };
    if (this.chance(0.3)) {
      code += `${ind}${next()}\n`;
      if (this.chance(0.5)) code += `${ind}${next()}\n`;
    } else {
      const k = this.fresh('k'), n = this.int(1, 4);
      const body = this.loopScope(s, { name: k, bound: n });
      body.vecs.push({ expr: st, length, type, local: false });
      code += `${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n${ind}  ${next()}\n${this.block(body, Math.max(0, depth - 1), ind + '  ', this.int(0, 1))}${ind}}\n`;
    }
    s.vecs.push({ expr: st, length, type, local: false });
    return code;
  }

  /** An object state rebuilt each pass: `st = { x: st.x + dt * st.v, v: st.v - dt * st.x }` (README ❌ in a loop). */
  objectState(s: Scope, ind: string): string {
    const st = this.fresh('st'), k = this.fresh('k'), n = this.int(1, 3);
    const inner = { ...s, nums: [...s.nums, `${st}.x`, `${st}.v`] };
    const code = `${ind}let ${st} = { x: ${this.expr(s, 1)}, v: ${this.expr(s, 1)} };\n${ind}for (let ${k} = 0; ${k} < ${n}; ${k}++) {\n` +
      `${ind}  ${st} = { x: ${st}.x + 0.1 * ${st}.v, v: ${st}.v - 0.1 * ${this.bounded(inner, 1)} };\n${ind}}\n`;
    addValue(s, st, { fields: [['x', 'number'], ['v', 'number']] });
    return code;
  }
}
