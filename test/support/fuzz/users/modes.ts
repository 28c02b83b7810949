// Checks of every export of a compiled user program at its reference points, each mode
// against the finite differences of the twin: grad and valueAndGrad (each gradient entry,
// its shape, and the value), derivative and jvp (a column and a directional derivative),
// jacobian (every entry), vjp (its value, and cᵀJ for a random cotangent c, from two calls of
// the pullback), hessian (against differences of the generated gradient, and its symmetry;
// where stopGradient's values move, against second differences of f), hvp (against the same
// columns, combined along a random v). Every call gets frozen arguments, which must be
// unchanged after it.
import { mulberry32 } from '../choices.js';
import type { Export, ModeName, UserProgram } from './program.js';
import { type Oracle, type Reference, agree, difference, flat, stepAt } from './reference.js';
import { type Classes, type Data, type Path, type Shape, at, coordinates, dataOf, gradientShapeProblem, materialise, randomData, show } from './values.js';

/** Entries must match the reference to this relative tolerance (floor 1 in the scale). */
export const TOLERANCE = 1e-6;
/**
 * Values must match f's to rounding; where the twin takes derivatives by differences (`grad(h)(x)`
 * inside f), to their accuracy; where it differences a helper that takes one itself, to that of
 * differences of differences, ~1e-8 (Twin['nesting']): as an entry.
 */
const valueTolerance = (p: UserProgram, ref: Reference) => (ref.nesting > 1 ? TOLERANCE : p.inner ? 1e-9 : 1e-12);

/** The name the rejected-call stand-in gives its errors (see rejected-api.js). */
export const REJECTED = 'TapelessRejectedCall';

export type ProblemKind = 'wrong' | 'throws' | 'mutates' | 'rejected';

export interface Problem {
  readonly kind: ProblemKind;
  /** The export, or f itself (as emitted: tapeless must leave it as written). */
  readonly mode: ModeName | 'f';
  readonly text: string;
}

export interface ModeCounts {
  /** Points at which the mode was checked. */
  points: number;
  /** Numbers compared. */
  entries: number;
}

/** One function of the compiled module: f or an export. */
export type Lookup = (mode: ModeName | 'f') => (...args: any[]) => any;

export function lookup(program: UserProgram, module: Record<string, any>): Lookup {
  return (mode) => (program.factory ? module[`${program.name}_api`][mode] : module[mode === 'f' ? program.name : `${program.name}_${mode}`]);
}

const close = (actual: number, expected: number, scale = Math.abs(expected)) => Math.abs(actual - expected) <= TOLERANCE * Math.max(1, scale);
const label = (c: Path, program: UserProgram) =>
  `∂/∂${program.params[c[0] as number].name}${c
    .slice(1)
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
    .join('')}`;

export class Checker {
  private readonly shapes;
  private readonly all: Path[];
  private readonly columns = new Map<Reference, Map<string, number[] | undefined>>();

  constructor(
    private readonly program: UserProgram,
    private readonly fn: Lookup,
    private readonly classes: Classes,
    private readonly oracle: Oracle,
  ) {
    this.shapes = program.params.map((p) => p.shape);
    this.all = coordinates(this.shapes);
  }

  private args(point: readonly Data[]): unknown[] {
    return point.map((d, i) => materialise(d, this.shapes[i], this.classes));
  }

  /** f as emitted gives the twin's value exactly. */
  value(refs: readonly Reference[]): Problem[] {
    const out: Problem[] = [];
    for (const ref of refs) {
      const r = this.call('f', ref.point, out);
      const got = r.ok ? flat(r.result) : [];
      const same =
        got.length === ref.value.length &&
        got.every((x, k) =>
          this.program.inner ? Math.abs(x - ref.value[k]) <= valueTolerance(this.program, ref) * Math.max(1, Math.abs(ref.value[k])) : x === ref.value[k],
        );
      if (r.ok && !same) {
        out.push({
          kind: 'wrong',
          mode: 'f',
          text: `at ${show(ref.point, this.shapes)}: f gives ${JSON.stringify(flat(r.result))}, its plain JavaScript ${JSON.stringify(ref.value)}`,
        });
      }
    }
    return out;
  }

  /** Calls export `mode` with fresh frozen arguments; a throw or a change of the arguments is a problem. */
  private call(
    mode: ModeName | 'f',
    point: readonly Data[],
    problems: Problem[],
    extra: (args: unknown[]) => unknown[] = (a) => a,
  ): { ok: true; result: any } | { ok: false } {
    const args = this.args(point);
    const before = JSON.stringify(dataOf(args));
    let result: any;
    try {
      result = this.fn(mode)(...extra(args));
    } catch (error) {
      const e = error as Error;
      if (e?.name === REJECTED || /error TS9\d{4}: tapeless: /.test(e?.message)) problems.push({ kind: 'rejected', mode, text: e.message });
      else problems.push({ kind: 'throws', mode, text: `${e?.name ?? 'throw'}: ${e?.message ?? String(error)}` });
      return { ok: false };
    }
    if (JSON.stringify(dataOf(args)) !== before)
      problems.push({ kind: 'mutates', mode, text: `the arguments changed: ${before} became ${JSON.stringify(dataOf(args))}` });
    return { ok: true, result };
  }

  private partial(ref: Reference, c: Path): number[] {
    return ref.partials[this.all.findIndex((p) => p.join() === c.join())];
  }

  /**
   * Gradient-shaped entries (one parameter: bare; several: a tuple) against `expected` at each
   * coordinate (by default the differences of f): a gradient, a pullback's cᵀJ, a product H·v.
   */
  private gradient(
    mode: ModeName,
    g: unknown,
    selected: readonly number[],
    ref: Reference,
    out: Problem[],
    counts: ModeCounts,
    at_: string,
    expected: (c: Path) => { value: number; scale: number } = (c) => ({ value: this.partial(ref, c)[0], scale: Math.abs(this.partial(ref, c)[0]) }),
  ): void {
    const entries = selected.length === 1 ? [g] : (g as unknown[]);
    if (!Array.isArray(entries) || entries.length !== selected.length) {
      out.push({ kind: 'wrong', mode, text: `${at_}the gradient is ${JSON.stringify(dataOf(g))}, expected ${selected.length} entries` });
      return;
    }
    selected.forEach((param, k) => {
      const shape = gradientShapeProblem(entries[k], this.shapes[param]);
      if (shape) out.push({ kind: 'wrong', mode, text: `${at_}the gradient for ${this.program.params[param].name} has ${shape}` });
      const data = dataOf(entries[k]) as Data;
      for (const c of coordinates(this.shapes, [param])) {
        const actual = at(data, c.slice(1)),
          reference = expected(c);
        counts.entries++;
        if (!close(actual, reference.value, reference.scale))
          out.push({ kind: 'wrong', mode, text: `${at_}${label(c, this.program)}: tapeless ${actual}, reference ${reference.value}` });
      }
    });
  }

  /** vjp: the value, and the pullback (called twice: it may be called any number of times) of a random cotangent against cᵀ times the differences. */
  private vjp(result: unknown, selected: readonly number[], ref: Reference, out: Problem[], counts: ModeCounts, at_: string, seed: number): void {
    const [, pullback] = result as [unknown, (c: unknown) => unknown];
    const random = mulberry32(seed ^ 0xc07a);
    const c = ref.value.map(() => Math.round((random() * 4 - 2) * 100) / 100);
    const output = this.program.output;
    const cotangent = output.kind === 'number' ? c[0] : output.kind === 'f64' ? Float64Array.from(c) : c;
    const expected = (p: Path) => {
      const partials = this.partial(ref, p);
      return { value: partials.reduce((sum, d, k) => sum + c[k] * d, 0), scale: partials.reduce((sum, d, k) => sum + Math.abs(c[k] * d), 0) };
    };
    for (let call = 0; call < 2; call++) {
      let g: unknown;
      try {
        g = pullback(cotangent);
      } catch (error) {
        out.push({ kind: 'throws', mode: 'vjp', text: `the pullback: ${(error as Error)?.name}: ${(error as Error)?.message}` });
        return;
      }
      this.gradient('vjp', g, selected, ref, out, counts, `${at_}pullback(${JSON.stringify(c)}), call ${call + 1}: `, expected);
    }
  }

  /** hvp along a random v shaped like the gradient: Σ v_j times the Hessian's columns by differences of the gradient. */
  private hvp(selected: readonly number[], ref: Reference, out: Problem[], counts: ModeCounts, at_: string, seed: number): void {
    const cs = coordinates(this.shapes, selected);
    const random = mulberry32(seed ^ 0x4e55);
    const v = selected.map((param) => randomData(this.shapes[param], random));
    const along = (c: Path) => at(v, [selected.indexOf(c[0] as number), ...c.slice(1)]);
    const columns = cs.map((c) => (along(c) === 0 ? cs.map(() => 0) : this.gradientColumn(ref, cs, c)));
    if (columns.some((column) => column === undefined)) return;
    // Shaped like the gradient: objects (instances too) as plain objects.
    const shaped = (d: Data, shape: Shape): unknown =>
      shape.kind === 'object'
        ? Object.fromEntries(shape.fields.map(([k, f]) => [k, shaped((d as Record<string, Data>)[k], f)]))
        : materialise(d, shape, this.classes);
    const tangent = selected.length === 1 ? shaped(v[0], this.shapes[selected[0]]) : selected.map((param, k) => shaped(v[k], this.shapes[param]));
    const r = this.call('hvp', ref.point, out, (args) => [...args, tangent]);
    if (!r.ok) return;
    counts.points++;
    const expected = (p: Path) => {
      const i = cs.findIndex((c) => c.join() === p.join());
      return {
        value: cs.reduce((sum, c, j) => sum + along(c) * columns[j]![i], 0),
        scale: cs.reduce((sum, c, j) => sum + Math.abs(along(c) * columns[j]![i]), 0),
      };
    };
    this.gradient('hvp', r.result, selected, ref, out, counts, `${at_}along ${JSON.stringify(v)}: `, expected);
  }

  /** Checks export `e` at the reference points; returns its problems. */
  check(e: Export, refs: readonly Reference[], counts: ModeCounts, seed: number): Problem[] {
    const out: Problem[] = [];
    const everything = this.program.params.map((_, i) => i);
    for (const ref of refs) {
      const at_ = `at ${show(ref.point, this.shapes)}: `;
      const valueIs = (v: unknown, what: string) => {
        const got = flat(v);
        if (
          got.length !== ref.value.length ||
          got.some((x, k) => Math.abs(x - ref.value[k]) > valueTolerance(this.program, ref) * Math.max(1, Math.abs(ref.value[k])))
        ) {
          out.push({ kind: 'wrong', mode: e.mode, text: `${at_}${what} ${JSON.stringify(got)}, f gives ${JSON.stringify(ref.value)}` });
        }
      };
      if (e.mode === 'hvp') {
        this.hvp(e.wrt ?? everything, ref, out, counts, at_, seed);
        continue;
      }
      // jvp gets a random tangent per parameter, shaped like it.
      const directions = this.program.params.map((p) => randomData(p.shape, mulberry32(seed ^ 0x5eed)));
      const r = this.call(e.mode, ref.point, out, e.mode === 'jvp' ? (args) => [args, this.args(directions)] : undefined);
      if (!r.ok) return out;
      counts.points++;
      switch (e.mode) {
        case 'grad':
        case 'gradWrt':
          this.gradient(e.mode, r.result, e.wrt ?? everything, ref, out, counts, at_);
          break;
        case 'valueAndGrad':
          valueIs(r.result[0], "valueAndGrad's value");
          this.gradient(e.mode, r.result[1], everything, ref, out, counts, at_);
          break;
        case 'derivative': {
          const expected = this.partial(ref, [e.wrt![0]]);
          const got = flat(r.result);
          counts.entries += expected.length;
          if (got.length !== expected.length || got.some((d, k) => !close(d, expected[k]))) {
            out.push({
              kind: 'wrong',
              mode: e.mode,
              text: `${at_}∂f/∂${this.program.params[e.wrt![0]].name}: tapeless ${JSON.stringify(got)}, reference ${JSON.stringify(expected)}`,
            });
          }
          break;
        }
        case 'jvp': {
          const [value, tangent] = r.result as [unknown, unknown];
          valueIs(value, "jvp's value");
          const expected = ref.value.map((_, k) => this.all.reduce((sum, c, j) => sum + at(directions, c) * ref.partials[j][k], 0));
          const scale = ref.value.map((_, k) => this.all.reduce((sum, c, j) => sum + Math.abs(at(directions, c) * ref.partials[j][k]), 0));
          const got = flat(tangent);
          counts.entries += expected.length;
          if (got.length !== expected.length || got.some((d, k) => !close(d, expected[k], scale[k]))) {
            out.push({
              kind: 'wrong',
              mode: e.mode,
              text: `${at_}tangent along ${JSON.stringify(directions)}: tapeless ${JSON.stringify(got)}, reference ${JSON.stringify(expected)}`,
            });
          }
          break;
        }
        case 'jacobian':
          this.jacobian(r.result, e.wrt ?? everything, ref, out, counts, at_);
          break;
        case 'gradOfGrad':
        case 'derivativeOfGrad':
          this.second(e.mode, r.result, e.wrt!, ref, out, counts, at_);
          break;
        case 'hessian':
          this.hessian(r.result, e.wrt ?? everything, ref, out, counts, at_);
          break;
        case 'vjp':
          valueIs((r.result as unknown[])[0], "vjp's value");
          this.vjp(r.result, e.wrt ?? everything, ref, out, counts, at_, seed);
          break;
      }
    }
    return out;
  }

  private jacobian(J: unknown, selected: readonly number[], ref: Reference, out: Problem[], counts: ModeCounts, at_: string): void {
    const cs = coordinates(this.shapes, selected);
    const rows = J as number[][];
    if (!Array.isArray(rows) || rows.length !== ref.value.length || rows.some((row) => !Array.isArray(row) || row.length !== cs.length)) {
      out.push({ kind: 'wrong', mode: 'jacobian', text: `${at_}the Jacobian is ${JSON.stringify(J)}, expected ${ref.value.length} rows of ${cs.length}` });
      return;
    }
    rows.forEach((row, k) =>
      row.forEach((entry, j) => {
        counts.entries++;
        const expected = this.partial(ref, cs[j])[k];
        if (!close(entry, expected))
          out.push({ kind: 'wrong', mode: 'jacobian', text: `${at_}J[${k}][${j}] (${label(cs[j], this.program)}): tapeless ${entry}, reference ${expected}` });
      }),
    );
  }

  /**
   * The Hessian over the selected numbers, column by column against central differences of
   * the generated gradient (itself checked against differences of f); its symmetry always.
   */
  private hessian(H: unknown, selected: readonly number[], ref: Reference, out: Problem[], counts: ModeCounts, at_: string): void {
    const cs = coordinates(this.shapes, selected);
    const rows = H as number[][];
    if (!Array.isArray(rows) || rows.length !== cs.length || rows.some((row) => !Array.isArray(row) || row.length !== cs.length)) {
      out.push({ kind: 'wrong', mode: 'hessian', text: `${at_}the Hessian is ${JSON.stringify(H)}, expected ${cs.length} × ${cs.length}` });
      return;
    }
    for (let i = 0; i < cs.length; i++) {
      for (let j = 0; j < i; j++) {
        if (!close(rows[i][j], rows[j][i], Math.max(Math.abs(rows[i][j]), Math.abs(rows[j][i])))) {
          out.push({ kind: 'wrong', mode: 'hessian', text: `${at_}not symmetric: H[${i}][${j}] = ${rows[i][j]}, H[${j}][${i}] = ${rows[j][i]}` });
        }
      }
    }
    cs.forEach((c, j) => {
      const column = this.gradientColumn(ref, cs, c);
      for (let i = 0; column && i < cs.length; i++) {
        counts.entries++;
        if (!close(rows[i][j], column[i])) {
          out.push({
            kind: 'wrong',
            mode: 'hessian',
            text: `${at_}H[${i}][${j}] (${label(cs[i], this.program)}, ${label(c, this.program)}): tapeless ${rows[i][j]}, differences of the gradient ${column[i]}`,
          });
        }
      }
    });
  }

  /**
   * Central differences along `along` of the generated gradient's entries at `entries`, or
   * undefined where the gradient fails (the grad check reports it) or two steps disagree.
   * Along a coordinate that moves stopGradient's values, which the gradient takes as they are
   * at each point it is called at, second differences of f with those values held instead.
   */
  private gradientColumn(ref: Reference, entries: readonly Path[], along: Path): number[] | undefined {
    // hessian and hvp of the same selection share their columns.
    const key = `${entries.map((c) => c.join()).join(';')} along ${along.join()}`;
    const known = this.columns.get(ref) ?? new Map<string, number[] | undefined>();
    this.columns.set(ref, known);
    if (!known.has(key)) known.set(key, this.columnByDifferences(ref, entries, along));
    return known.get(key);
  }

  private columnByDifferences(ref: Reference, entries: readonly Path[], along: Path): number[] | undefined {
    if (ref.stopsMove[this.all.findIndex((p) => p.join() === along.join())]) {
      const column = entries.map((c) => this.oracle.secondPartial(ref.point, c, along));
      return column.every((d) => d !== undefined) ? (column as number[]) : undefined;
    }
    const probe: Problem[] = [];
    const gradient = (args: Data[]): number[] => {
      const r = this.call('grad', args, probe);
      if (!r.ok) throw new Error('the gradient failed');
      const g = this.program.params.length === 1 ? [r.result] : (r.result as unknown[]);
      return entries.map((c) => at(dataOf(g) as Data, c));
    };
    try {
      const d1 = difference(gradient, ref.point, along, stepAt(ref.point, along));
      const d2 = difference(gradient, ref.point, along, 2 * stepAt(ref.point, along));
      return agree(d1, d2, 1e-7) ? d1 : undefined;
    } catch {
      return undefined;
    }
  }

  /** grad(grad(f, { wrt: k }), { wrt: j }) and derivative(grad(f, { wrt: k }), { wrt: j }): ∂²f/∂x_j∂x_k. */
  private second(mode: ModeName, value: unknown, [k, j]: readonly number[], ref: Reference, out: Problem[], counts: ModeCounts, at_: string): void {
    const expected = this.gradientColumn(ref, [[k]], [j])?.[0];
    if (expected === undefined) return;
    counts.entries++;
    if (typeof value !== 'number' || !close(value, expected)) {
      out.push({
        kind: 'wrong',
        mode,
        text: `${at_}∂²f/∂${this.program.params[j].name}∂${this.program.params[k].name}: tapeless ${JSON.stringify(value)}, differences of the gradient ${expected}`,
      });
    }
  }
}
