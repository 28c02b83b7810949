import type { Func, LoopRecord } from '../ir/ir';

/**
 * Where a loop record keeps each value of a pass: `positions` (by carried or restored name)
 * within the `stride` numbers of a pass, for a value that may be undefined the slot of
 * whether it is (`undefinedFlags`, by either name too), and the slot of the load stream's position.
 * A value of data (a string or a boolean) has its slot in the record's plain array of data
 * instead (`dataPositions` within the `dataStride` values of a pass).
 */
export interface RecordLayout {
  readonly positions: ReadonlyMap<string, number>;
  readonly undefinedFlags: ReadonlyMap<string, number>;
  readonly stride: number;
  readonly cursorSlot: number;
  readonly dataPositions: ReadonlyMap<string, number>;
  readonly dataStride: number;
}

/**
 * Per loop record of the function: the slots of the carried values the reverse sweep reads
 * (only those are stored; `read`: the names read somewhere). A sweep whose loop was removed
 * (it needed nothing from it) has an empty layout.
 */
export function recordLayouts(func: Func, read: ReadonlySet<string>): (record: LoopRecord) => RecordLayout {
  const layouts = new Map<string, RecordLayout>();
  for (const record of func.records ?? []) {
    // A slot per carried variable whose restored value the sweep reads, found by either name.
    const positions = new Map<string, number>();
    const undefinedFlags = new Map<string, number>();
    const dataPositions = new Map<string, number>();
    let slots = 0;
    let dataSlots = 0;
    for (const { carried, restored, undefinable, data } of record.pairs) {
      if (!read.has(restored)) continue;
      if (data) {
        dataPositions.set(carried, dataSlots);
        dataPositions.set(restored, dataSlots++);
        continue;
      }
      positions.set(carried, slots);
      positions.set(restored, slots++);
      if (!undefinable) continue;
      undefinedFlags.set(carried, slots);
      undefinedFlags.set(restored, slots++);
    }
    // Then the values recorded at the end of a pass, found by their restored names.
    for (const { restored } of record.values ?? []) if (read.has(restored)) positions.set(restored, slots++);
    layouts.set(record.array, { positions, undefinedFlags, stride: slots + (record.cursor ? 1 : 0), cursorSlot: slots, dataPositions, dataStride: dataSlots });
  }
  return (record) =>
    layouts.get(record.array) ?? {
      positions: new Map<string, number>(),
      undefinedFlags: new Map<string, number>(),
      stride: 0,
      cursorSlot: 0,
      dataPositions: new Map<string, number>(),
      dataStride: 0,
    };
}
