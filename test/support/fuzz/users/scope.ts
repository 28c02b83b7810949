// What the code being generated can see at a point: readable numbers, vectors, matrices,
// objects and class instances (each as the expression that reads it), loop counters with
// their bounds, and what kind of function and statement it is inside.
import type { Shape } from './values.js';

export type VecType = 'array' | 'readonly' | 'tuple' | 'f64';

export interface Vec {
  readonly expr: string;
  readonly length: number;
  readonly type: VecType;
  /** An array the function created itself: it may write into it and pass it to helpers that do. */
  readonly local: boolean;
  /** An array of the caller or a module constant (in f or its fields): a length tapeless knows only at run time. */
  readonly caller?: boolean;
}

export interface Mat {
  readonly expr: string;
  readonly rows: number;
  readonly cols: number;
}

/** An object of number, vector and object fields (an interface, a type literal, an object literal, a class instance). */
export interface ObjectType {
  /** How TypeScript names it: an interface or a class; the literal type is written where absent. */
  readonly name?: string;
  readonly fields: readonly (readonly [string, Field])[];
  /** A class's methods: number-returning, `arity` numbers in. */
  readonly methods?: readonly { readonly name: string; readonly arity: number }[];
}
export interface VecField {
  readonly length: number;
  readonly type: VecType;
}
export type Field = 'number' | VecField | ObjectType;

export interface Obj {
  readonly expr: string;
  readonly type: ObjectType;
}

/** A loop counter: an integer in [0, bound). */
export interface Counter {
  readonly name: string;
  readonly bound: number;
}

export interface Scope {
  nums: string[];
  /** Number variables that may be assigned. */
  mutable: string[];
  vecs: Vec[];
  mats: Mat[];
  objs: Obj[];
  /** Module constants that are tables of functions: `[{ kind: 'sq', g: (x: number) => x * x }, …]`, entries of two fields. */
  tables: string[];
  counters: Counter[];
  /** Labels of the enclosing loops. */
  labels: string[];
  /** Counters TypeScript has narrowed to one value here (inside `if (i === 2)`): comparing them again would not type-check. */
  narrowed: string[];
  loops: number;
  /** Inside a loop or switch: `break` allowed. */
  breakable: boolean;
  /** Inside a loop: `continue` allowed. */
  continuable: boolean;
  /** Whether `return <number>` may end the function here (number-returning functions outside callbacks). */
  returns: boolean;
  /** Inside a map/reduce/forEach callback. */
  callback: boolean;
  /** 0 in the differentiated function, 1 in its helpers, 2 in theirs: deeper code creates no helpers. */
  level: number;
}

export function emptyScope(level: number, returns: boolean): Scope {
  return {
    nums: [],
    mutable: [],
    vecs: [],
    mats: [],
    objs: [],
    tables: [],
    counters: [],
    labels: [],
    narrowed: [],
    loops: 0,
    breakable: false,
    continuable: false,
    returns,
    callback: false,
    level,
  };
}

/** A nested block's scope: what it declares stays inside. */
export function child(s: Scope, changes: Partial<Scope> = {}): Scope {
  return {
    ...s,
    nums: [...s.nums],
    mutable: [...s.mutable],
    vecs: [...s.vecs],
    mats: [...s.mats],
    objs: [...s.objs],
    counters: [...s.counters],
    labels: [...s.labels],
    narrowed: [...s.narrowed],
    ...changes,
  };
}

export function vecShape(v: VecField): Shape {
  return v.type === 'f64' ? { kind: 'f64', length: v.length } : { kind: 'array', length: v.length, of: { kind: 'number' }, style: v.type };
}

export function vecTypeText(v: VecField): string {
  return v.type === 'f64'
    ? 'Float64Array'
    : v.type === 'readonly'
      ? 'readonly number[]'
      : v.type === 'tuple'
        ? `[${Array(v.length).fill('number').join(', ')}]`
        : 'number[]';
}

export function objectTypeText(t: ObjectType): string {
  return t.name ?? `{ ${t.fields.map(([k, f]) => `${k}: ${fieldTypeText(f)}`).join('; ')} }`;
}

export function fieldTypeText(f: Field): string {
  return f === 'number' ? 'number' : 'fields' in f ? objectTypeText(f) : vecTypeText(f);
}

export function fieldShape(f: Field): Shape {
  if (f === 'number') return { kind: 'number' };
  if ('fields' in f) return { kind: 'object', fields: f.fields.map(([k, g]) => [k, fieldShape(g)] as const), type: f.name, isClass: f.methods !== undefined };
  return vecShape(f);
}

/** What reading `expr` (a value of type `f`) adds to a scope: the value and, for an object, its fields. */
export function addValue(s: Scope, expr: string, f: Field, local = false, caller = false): void {
  if (f === 'number') s.nums.push(expr);
  else if ('fields' in f) {
    s.objs.push({ expr, type: f });
    for (const [name, field] of f.fields) addValue(s, `${expr}.${name}`, field, false, caller);
  } else s.vecs.push({ expr, length: f.length, type: f.type, local, ...(caller ? { caller } : {}) });
}

/** The scope on the side of `condition` where it holds: `if (i === 0)` narrows i there, and comparing it again would not type-check. */
export function narrowedBy(s: Scope, condition: string): Scope {
  const counter = /^(\w+) === \d+$/.exec(condition)?.[1];
  return counter ? { ...s, narrowed: [...s.narrowed, counter] } : s;
}

/**
 * `let name = value;` for a number: a tuple's `xs.length` has the literal type 3, which a `let`
 * keeps (only fresh literals widen), so assigning it another number would not type-check.
 */
export function letNumber(name: string, value: string): string {
  return /\.length$/.test(value) ? `let ${name}: number = ${value};` : `let ${name} = ${value};`;
}
