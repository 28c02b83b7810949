/**
 * Hands out the names of generated code: readable (named after the user's variables),
 * unique within one generated function, and never equal to a name the function reads
 * from outside, so no generated name shadows a captured variable.
 */
export class NameAllocator {
  private readonly taken: Set<string>;
  /** Per base name, the version to try next (`t` -> 15 once `t_14` is given out). */
  private readonly versions = new Map<string, number>();
  /** The name each numbered version was made from (`s_2` -> `s`). */
  private readonly bases = new Map<string, string>();

  /**
   * @param used every identifier the user's code mentions: fresh names avoid them all.
   * @param outer the names it reads from outside: no generated name may take them.
   */
  constructor(
    private readonly used: ReadonlySet<string>,
    outer: Iterable<string>,
  ) {
    this.taken = new Set(outer);
  }

  /** The user's own name while it is free, then numbered versions of it (`s_1`, `s_2`). */
  own(name: string): string {
    return this.claim(name, !this.taken.has(name));
  }

  /** Another version of a name this allocator gave out: `s_1` -> `s_2`, not `s_1_1`. */
  version(name: string): string {
    return this.own(this.bases.get(name) ?? name);
  }

  /**
   * The names given out so far, to go back to: lowering a function again (see lowerFunction)
   * gives out the names the first attempt gave, not numbered versions of them.
   */
  checkpoint(): () => void {
    const [taken, versions, bases] = [new Set(this.taken), new Map(this.versions), new Map(this.bases)];
    return () => {
      this.taken.clear();
      taken.forEach((name) => this.taken.add(name));
      this.versions.clear();
      versions.forEach((version, base) => this.versions.set(base, version));
      this.bases.clear();
      bases.forEach((base, name) => this.bases.set(name, base));
    };
  }

  /** An allocator that goes on from the names given out so far, independently of this one. */
  copy(): NameAllocator {
    const copy = new NameAllocator(this.used, this.taken);
    this.versions.forEach((version, base) => copy.versions.set(base, version));
    this.bases.forEach((base, name) => copy.bases.set(name, base));
    return copy;
  }

  /** A new name built from `base` that the user's code does not mention. */
  fresh(base: string): string {
    return this.claim(base, this.isFresh(base));
  }

  private isFresh(name: string): boolean {
    return !this.taken.has(name) && !this.used.has(name);
  }

  private claim(base: string, baseIsFree: boolean): string {
    let name = base;
    // Names are never given back, so the versions below the last one given out stay taken.
    let version = this.versions.get(base) ?? 1;
    for (; !(name === base ? baseIsFree : this.isFresh(name)); version++) name = `${base}_${version}`;
    if (name !== base) this.versions.set(base, version);
    this.taken.add(name);
    this.bases.set(name, this.bases.get(base) ?? base);
    return name;
  }
}
