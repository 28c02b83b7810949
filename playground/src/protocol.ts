// The messages between the page and its two workers.

/** A diagnostic of TypeScript or tapeless, located in the user's file (offsets and 1-based line:column). */
export interface Problem {
  readonly from: number;
  readonly to: number;
  readonly line: number;
  readonly column: number;
  readonly code: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** page → compile worker */
export interface CompileRequest {
  readonly version: number;
  readonly source: string;
}

/** What the compile worker found: diagnostics, the generated code, and JavaScript to run where there is no error. */
export interface Compiled {
  readonly problems: readonly Problem[];
  readonly generated: string;
  readonly js: string | undefined;
  /** The names the file exports, in source order (the order of the plots' legends). */
  readonly exports: readonly string[];
}

/** compile worker → page */
export type CompileReply = { readonly version: number; readonly milliseconds: number } & Compiled;

/** page → run worker: the emitted CommonJS module. */
export interface RunRequest {
  readonly version: number;
  readonly js: string;
  readonly exports: readonly string[];
}

/** A named line of points: x and y, with null where the value is not a finite number. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number | null])[];
}

/** What the module exported, sorted into plots, and what it logged. */
export interface RunResult {
  readonly version: number;
  /** Exported functions of one number, sampled over `domain`. */
  readonly curves: readonly Series[];
  readonly domain: readonly [number, number];
  /** Exported arrays of numbers, by index (a loss curve). */
  readonly steps: readonly Series[];
  /** Exported arrays of [x, y] pairs (an optimisation path). */
  readonly paths: readonly Series[];
  /** Every other export, and the console, as text. */
  readonly output: readonly string[];
  readonly error?: string;
  readonly milliseconds: number;
}
