// The load stream (README.md in this folder, "Arrays"): reads of local arrays recorded as the forward
// code runs, and replayed when the reverse sweep recomputes code that read them, with the
// exit values of nested loops and the draws of Math.random() in loops and branches, so that a
// recomputation sees the values the first run read (and drew).
import type * as ts from 'typescript';
import { type Block, type LoadStream, type Loop, type Operand, type Stmt, UNDEFINED, isOperation, nameOf, variable } from '../../ir/ir';
import type { NameAllocator } from '../../ir/names';
import { opInfo } from '../../ops/registry';
import { someWithin } from '../../ir/traverse';
import { testedForUndefined } from './undefined-records';

/** The `field` of a recordLoad of whether the value recorded before it was undefined. */
const UNDEFINED_FLAG = 'undefined';

/** Whether a block reads a local array or otherwise uses the load stream (anywhere inside it). */
export function readsLocalArrays(block: Block): boolean {
  return someWithin(block, 'enter', (stmt) => isOperation(stmt) && opInfo(stmt.expr.op).stream);
}

/**
 * The primal body with each read of a local array (and each draw of Math.random() inside a
 * loop or branch) followed by its recording in the load stream, and each loop that the reverse sweep would run again (inside a loop or a branch)
 * followed by the recording of its active exit values: a recomputation replays them instead
 * of running the loop (where its sweep needs nothing else from it). The body as it is
 * where there is nothing to record.
 */
export function recordLoads(body: Block, active: ReadonlySet<string>, names: NameAllocator): { body: Block; stream?: LoadStream } {
  const tested = testedForUndefined(body);
  // A value the code tests against undefined is followed by whether it was (undefined-records.ts).
  const recorded = (value: string, origin: ts.Node | undefined): Stmt[] => {
    const record: Stmt = { kind: 'effect', expr: { op: 'recordLoad', args: [variable(value)] }, origin };
    if (!tested.has(value)) return [record];
    const flag = names.fresh(`${value}_undefined`);
    return [
      record,
      { kind: 'let', name: flag, expr: { op: '===', args: [variable(value), UNDEFINED] }, role: 'temp', origin },
      { kind: 'effect', expr: { op: 'recordLoad', args: [variable(flag)], field: UNDEFINED_FLAG }, origin },
    ];
  };
  const captures = (stmt: Loop): Stmt[] =>
    readsLocalArrays(stmt.body) || writesLocal(stmt.body) ? [] : stmt.carried.filter((c) => active.has(c.exit)).flatMap((c) => recorded(c.exit, stmt.origin));
  const instrument = (block: Block, recomputed: boolean): Stmt[] =>
    block.flatMap((stmt): Stmt[] => {
      // A draw of Math.random() where the sweep recomputes is recorded too (a recomputation must
      // not draw again), and whether a local array had an entry (a push may add it later).
      if (stmt.kind === 'let')
        return stmt.expr.op === 'localElement' || (recomputed && (stmt.expr.op === 'random' || stmt.expr.op === 'localMissing'))
          ? [stmt, ...recorded(stmt.name, stmt.origin)]
          : [stmt];
      if (stmt.kind === 'if') return [{ ...stmt, then: instrument(stmt.then, true), else: instrument(stmt.else, true) }];
      if (stmt.kind === 'loop') return [{ ...stmt, body: instrument(stmt.body, true) }, ...(recomputed ? captures(stmt) : [])];
      return [stmt];
    });
  const instrumented = instrument(body, false);
  if (!someWithin(instrumented, 'enter', (stmt) => stmt.kind === 'effect' && stmt.expr.op === 'recordLoad')) return { body };
  return { body: instrumented, stream: { array: names.fresh('loads'), count: names.fresh('loaded'), cursor: names.fresh('replayed') } };
}

/** Whether a block writes into a local array (anywhere inside it but its sweeps). */
export function writesLocal(block: Block): boolean {
  return someWithin(block, 'skip', (stmt) => stmt.kind === 'effect' && stmt.expr.op === 'store');
}

/**
 * A recomputed copy reads local arrays from the load stream instead, and the exit values of
 * loops recorded after them: the loop's exit is renamed, and its old name replayed (its
 * adjoint goes to the renamed exit), so that nothing else needs the loop to run.
 */
export function replayLoads(block: Block, active: Set<string>, names: NameAllocator): Stmt[] {
  const exits = new Map<string, string>();
  for (const stmt of block) {
    if (stmt.kind === 'effect' && stmt.expr.op === 'recordLoad' && stmt.expr.args[0].kind === 'var') exits.set(stmt.expr.args[0].name, '');
  }
  // A value recorded with whether it was undefined is replayed as a number (`raw`), then the
  // flag (its test, replayed), then the value chosen: `flag ? undefined : raw`.
  const flagged = new Set(block.flatMap((stmt) => (stmt.kind === 'effect' && stmt.expr.field === UNDEFINED_FLAG ? [nameOf(stmt.expr.args[0])] : [])));
  const raws = new Map<string, string>();
  const raw = (value: string) => {
    const name = names.version(value);
    raws.set(value, name);
    if (active.has(value)) active.add(name);
    return name;
  };
  const undefinable = new Set(
    block.flatMap((stmt) => (stmt.kind === 'let' && flagged.has(stmt.name) ? stmt.expr.args.filter((arg) => arg.kind === 'var').map(nameOf) : [])),
  );
  return block.flatMap((stmt): Stmt[] => {
    if (stmt.kind === 'if') return [{ ...stmt, then: replayLoads(stmt.then, active, names), else: replayLoads(stmt.else, active, names) }];
    if (stmt.kind === 'loop') {
      const carried = stmt.carried.map((c) => {
        if (!exits.has(c.exit)) return c;
        const exit = names.version(c.exit);
        exits.set(c.exit, exit);
        if (active.has(c.exit)) active.add(exit);
        return { ...c, exit };
      });
      return [{ ...stmt, body: replayLoads(stmt.body, active, names), carried }];
    }
    if (stmt.kind === 'effect' && stmt.expr.op === 'recordLoad') {
      const value = stmt.expr.args[0];
      const exit = value.kind === 'var' ? exits.get(value.name) : undefined;
      if (!exit || value.kind !== 'var') return [];
      const name = undefinable.has(value.name) ? raw(value.name) : value.name;
      return [{ kind: 'let', name, expr: { op: 'replayExit', args: [variable(exit)] }, role: 'temp', origin: stmt.origin }];
    }
    if (stmt.kind !== 'let') return [stmt];
    if (flagged.has(stmt.name)) {
      const value = nameOf(stmt.expr.args.find((arg) => arg.kind === 'var')!);
      const chosen: Stmt = {
        kind: 'let',
        name: value,
        expr: { op: 'select', args: [variable(stmt.name), UNDEFINED, variable(raws.get(value)!)] },
        role: 'temp',
        origin: stmt.origin,
      };
      return [{ ...stmt, expr: { op: 'replayValue', args: [] } }, chosen];
    }
    if (stmt.expr.op === 'localElement')
      return [{ ...stmt, ...(undefinable.has(stmt.name) ? { name: raw(stmt.name) } : {}), expr: { ...stmt.expr, op: 'replay' } }];
    if (stmt.expr.op === 'random' || stmt.expr.op === 'localMissing') return [{ ...stmt, expr: { op: 'replayValue', args: [] } }];
    return [stmt];
  });
}

/** Before each branch that reads local arrays, where the load stream stands (its reverse replays from there). */
export function withPositions(block: Block, replaying: boolean, names: NameAllocator, positions: Map<Stmt, string>): Block {
  return block.flatMap((stmt): Stmt[] => {
    if (stmt.kind !== 'if' || !readsLocalArrays([stmt])) return [stmt];
    const name = names.fresh('position');
    positions.set(stmt, name);
    return [{ kind: 'let', name, expr: { op: 'position', args: [], field: replaying ? 'replay' : 'record' }, role: 'temp', origin: stmt.origin }, stmt];
  });
}

export function setCursor(position: Operand, origin: ts.Node | undefined): Stmt {
  return { kind: 'effect', expr: { op: 'setCursor', args: [position] }, origin };
}
