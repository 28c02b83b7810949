// Forward mode as the oracle of reverse mode, for every test that compiles code: the same
// sources are compiled a second time with grad and valueAndGrad computed by forward mode
// (one pushforward per input number), and every call of an exported function runs both
// builds on copies of the arguments and checks that they agree.

/** How far forward and reverse mode may differ: rounding only. */
const TOLERANCE = 1e-8;

/** A module whose functions check each call against the same function of `twin`. */
export function agreeing<T extends Record<string, any>>(module: T, twin: Record<string, any>): T {
  // One wrapper per function, so that exports of the same function stay the same function.
  const wrappers = new Map<Function, Function>();
  return new Proxy(module, {
    get(target, key) {
      const value = target[key as string];
      const other = twin[key as string];
      if (typeof value !== 'function' || typeof other !== 'function' || /^class\b/.test(Function.prototype.toString.call(value))) return value;
      // Random draws differ between the two builds: nothing to compare.
      if (Function.prototype.toString.call(value).includes('Math.random')) return value;
      let wrapper = wrappers.get(value);
      if (!wrapper) {
        wrapper = (...args: unknown[]) => {
          const copies = args.map(copy);
          const result = value(...args);
          compare(result, other(...copies), String(key), hasNonFinite(result));
          return result;
        };
        wrappers.set(value, wrapper);
      }
      return wrapper;
    },
  });
}

/** A deep copy that keeps prototypes (class instances keep their methods) and typed array types. */
function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): unknown }).slice();
  if (Array.isArray(value)) return value.map(copy);
  const copied = Object.create(Object.getPrototypeOf(value));
  for (const key of Object.keys(value)) copied[key] = copy((value as Record<string, unknown>)[key]);
  return copied;
}

/**
 * Compares recursively. Where a partial derivative is infinite (`infinite`: the reverse
 * result holds an infinity or NaN), forward mode multiplies it by the zero tangents of the
 * other inputs (∞ · 0 = NaN) where reverse mode keeps each partial apart: a NaN of forward
 * mode agrees there (README, "At points where f is not differentiable").
 */
function compare(reverse: unknown, forward: unknown, where: string, infinite: boolean): void {
  if (typeof reverse === 'number' && typeof forward === 'number') {
    const agree =
      Object.is(reverse, forward) ||
      (infinite && Number.isNaN(forward)) ||
      Math.abs(reverse - forward) <= TOLERANCE * Math.max(1, Math.abs(reverse), Math.abs(forward));
    if (!agree) throw new Error(`forward mode disagrees with reverse mode in ${where}: reverse ${reverse}, forward ${forward}`);
    return;
  }
  if (reverse === null || typeof reverse !== 'object' || typeof reverse === 'function') return;
  if (forward === null || typeof forward !== 'object')
    throw new Error(`forward mode disagrees with reverse mode in ${where}: reverse ${String(reverse)}, forward ${String(forward)}`);
  const keys = Object.keys(reverse);
  // By name: each build has its own classes (a jvp's value is an instance of the class of its build).
  const kind = (value: object) => (Object.getPrototypeOf(value) as { constructor?: { name: string } } | null)?.constructor?.name;
  if (kind(reverse) !== kind(forward) && !(Array.isArray(reverse) && Array.isArray(forward))) {
    throw new Error(`forward mode disagrees with reverse mode in ${where}: a ${reverse.constructor.name} against a ${forward.constructor.name}`);
  }
  if (keys.length !== Object.keys(forward).length)
    throw new Error(`forward mode disagrees with reverse mode in ${where}: ${keys.length} entries against ${Object.keys(forward).length}`);
  for (const key of keys) compare((reverse as Record<string, unknown>)[key], (forward as Record<string, unknown>)[key], `${where}.${key}`, infinite);
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasNonFinite);
}
