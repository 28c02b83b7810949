// Shared by the fresh-build tests (test/hosts.fresh-*.test.ts): the fixture
// test/fixtures/fresh — cross.ts differentiates f from model.ts, which calls h from
// helper.ts — the edits made to f's body and to h's (two files away from cross.ts), the
// gradient derived by hand at each stage, and watch processes that end with the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { type Call, ROOT, runModule, runNode, tempDir } from './hosts.js';

export const FRESH = path.join(ROOT, 'test/fixtures/fresh');

export interface FreshProject {
  readonly dir: string;
  /** Removes the link back to this repository; the copy stays in .tmp for inspection. */
  readonly unlink: () => void;
}

/**
 * A copy of the fixture under .tmp, with node_modules/tapeless linked to this repository as
 * `npm install tapeless` would give it (ts-patch and the configs resolve `tapeless/…` from
 * the project).
 */
export function copyFresh(prefix: string): FreshProject {
  const dir = path.join(tempDir(prefix), 'project');
  cpSync(FRESH, dir, { recursive: true });
  mkdirSync(path.join(dir, 'node_modules'));
  const link = path.join(dir, 'node_modules', 'tapeless');
  symlinkSync(ROOT, link, 'dir');
  return { dir, unlink: () => unlinkSync(link) };
}

/** f(x, y) = c·h(x) + sin(x y) with h(x) = xⁿ, as the fixture is edited. */
export interface Stage {
  readonly name: string;
  readonly c: number;
  readonly n: number;
  /** The edit that leads to this stage: in `file`, `from` becomes `to`. */
  readonly edit?: { readonly file: string; readonly from: string; readonly to: string };
}

export const STAGES: readonly Stage[] = [
  { name: 'as written', c: 3, n: 2 },
  { name: "after f's body changes in model.ts", c: 5, n: 2, edit: { file: 'src/model.ts', from: 'return 3 * h(x)', to: 'return 5 * h(x)' } },
  { name: "after h's body changes in helper.ts, two files away", c: 5, n: 3, edit: { file: 'src/helper.ts', from: 'return x * x;', to: 'return x * x * x;' } },
];

/** Makes the edit that leads to `stage`, as an editor saves a file. */
export function edit(dir: string, stage: Stage): void {
  if (!stage.edit) return;
  const file = path.join(dir, stage.edit.file);
  const text = readFileSync(file, 'utf8');
  if (!text.includes(stage.edit.from)) throw new Error(`${stage.edit.file} does not contain ${stage.edit.from}`);
  writeFileSync(file, text.replace(stage.edit.from, stage.edit.to));
}

export const POINTS: readonly (readonly [number, number])[] = [
  [0.7, -1.3],
  [-1.9, 0.4],
];

/** The calls of the built cross.js that expectStage checks, for runModule. */
export const CALLS: readonly Call[] = POINTS.map(([x, y]) => ['df', [x, y]] as const);

/** ∇f by hand: [c·n·xⁿ⁻¹ + y cos(x y), x cos(x y)], to roundoff. */
export function expectStage(values: readonly unknown[], stage: Stage, what: string): void {
  expect(values, what).toHaveLength(POINTS.length);
  POINTS.forEach(([x, y], i) => {
    const expected = [stage.c * stage.n * x ** (stage.n - 1) + y * Math.cos(x * y), x * Math.cos(x * y)];
    const actual = values[i] as number[];
    expect(actual, `${what} at (${x}, ${y})`).toHaveLength(2);
    expected.forEach((value, k) => {
      expect(Math.abs(actual[k] - value), `${what}: ∂f/∂${'xy'[k]} at (${x}, ${y}) is ${actual[k]}, by hand ${value}`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(value)),
      );
    });
  });
}

/**
 * What a fresh-build test saw at each stage: the gradients the build served, or why it has
 * none (the build failed, or the sequence stopped at an earlier stage).
 */
export type Observed = (readonly unknown[] | Error)[];

/** Checks what was observed at stage `index` against the hand derivation. */
export function expectObserved(observed: Observed, index: number, what: string): void {
  const seen = observed[index];
  if (seen === undefined) throw new Error(`${what}: not reached (an earlier stage failed)`);
  if (seen instanceof Error) throw seen;
  expectStage(seen, STAGES[index], what);
}

/** Polls `probe` until it returns something, for up to `timeout` ms. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeout = 60_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A long-running node process (a watch mode), in a process group of its own so that
 * stop() ends it with everything it started.
 */
export class WatchProcess {
  /** Those not stopped yet: afterAll stops them, should a test end before its finally block. */
  private static readonly running = new Set<WatchProcess>();
  private readonly child: ChildProcess;
  private output = '';
  private exited: string | undefined;

  constructor(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
    // Not this test run's VITEST_* variables: an inner vitest would take itself for a worker.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
    // stdin stays open: `rollup -w` ends when its stdin does.
    this.child = spawn(process.execPath, args, {
      cwd,
      env: { ...inherited, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk) => (this.output += chunk));
    this.child.stderr!.on('data', (chunk) => (this.output += chunk));
    this.child.on('exit', (code, signal) => (this.exited = `exited (${code ?? signal})`));
    WatchProcess.running.add(this);
  }

  static async stopAll(): Promise<void> {
    await Promise.all([...WatchProcess.running].map((watcher) => watcher.stop()));
  }

  /** Everything it printed so far. */
  get printed(): string {
    return this.output;
  }

  /** Waits until it has printed `pattern` `count` times in all. */
  async printedTimes(pattern: RegExp, count: number, timeout = 60_000): Promise<void> {
    const global = new RegExp(pattern.source, 'g');
    await waitFor(
      `'${pattern.source}' printed ${count} times`,
      () => {
        if ((this.output.match(global)?.length ?? 0) >= count) return true;
        if (this.exited) throw new Error(`the watch process ${this.exited}:\n${this.output}`);
        return undefined;
      },
      timeout,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- output ---\n${this.output}`);
    });
  }

  /**
   * Waits for the build after an edit: `done` printed `count` times in all, and `output`
   * different from `previous` (a build started by an earlier change may finish in between,
   * with what that change made) and the same on two reads 100 ms apart (written whole).
   * Returns the new output.
   */
  async rebuilt(done: RegExp, count: number, output: string, previous: string): Promise<string> {
    let last: string | undefined;
    const read = () => {
      try {
        return readFileSync(output, 'utf8');
      } catch {
        return undefined;
      }
    };
    await this.printedTimes(done, count);
    return waitFor(`${path.basename(output)} to change`, () => {
      const text = read();
      const stable = text !== undefined && text !== previous && text === last;
      last = text;
      if (this.exited) throw new Error(`the watch process ${this.exited}:\n${this.output}`);
      return stable ? text : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- output ---\n${this.output}`);
    });
  }

  /** Ends the process and its group (SIGKILL if SIGTERM has not within 10 s). */
  async stop(): Promise<void> {
    WatchProcess.running.delete(this);
    const pid = this.child.pid;
    if (this.exited || pid === undefined) return;
    const exit = new Promise((resolve) => this.child.once('exit', resolve));
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-pid, name);
      } catch {
        // The group has ended already.
      }
    };
    signal('SIGTERM');
    const kill = setTimeout(() => signal('SIGKILL'), 10_000);
    await exit;
    clearTimeout(kill);
  }
}

/**
 * Makes the edits of STAGES in `dir` while `watcher` rebuilds, recording in `seen` what
 * `observe` finds after each (or the error that stopped the sequence), then ends the watcher.
 */
export async function watchStages(
  dir: string,
  seen: Observed,
  watcher: WatchProcess,
  observe: (index: number, stage: Stage) => Promise<readonly unknown[]>,
  beforeEdit?: (index: number) => Promise<void>,
): Promise<void> {
  try {
    for (const [i, stage] of STAGES.entries()) {
      await beforeEdit?.(i);
      edit(dir, stage);
      seen.push(await observe(i, stage));
    }
  } catch (error) {
    seen.push(error as Error);
  } finally {
    await watcher.stop();
  }
}

/** For watchStages: a watch build that prints `done` after each build of `output`, whose calls of CALLS are observed. */
export function rebuiltOutput(watcher: WatchProcess, done: RegExp, output: string): (index: number) => Promise<unknown[]> {
  let built = '';
  return async (index) => {
    built = await watcher.rebuilt(done, index + 1, output, built);
    return runModule(output, CALLS);
  };
}

/**
 * For watchStages: values that `read` finds (undefined while there are none), once they
 * differ from the last stage's (a run started by an earlier change may finish in between,
 * with what that change made).
 */
export function newValues(
  what: string,
  watcher: WatchProcess,
  read: () => readonly unknown[] | undefined,
): (index: number, stage: Stage) => Promise<unknown[]> {
  let previous = '';
  return async (_index, stage) => {
    const values = await waitFor(`${what} ${stage.name}`, () => {
      const found = read();
      const text = found && JSON.stringify(found);
      return text !== undefined && text !== previous ? text : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- printed ---\n${watcher.printed}`);
    });
    previous = values;
    return JSON.parse(values) as unknown[];
  };
}

/** The `values` of a JSON results file a spec writes, or undefined while it is not (wholly) written. */
export function readResults(file: string): readonly unknown[] | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { values: unknown[] }).values;
  } catch {
    return undefined;
  }
}

/** Runs `tasks` two at a time (two cores), in order of start; each must catch its own errors. */
export async function twoAtATime<T>(tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

// Runs modules as a browser does: fetched over HTTP from the dev server, with the URLs Vite
// rewrote their imports to.
const HTTP_MODULES = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (specifier.startsWith('http:') || (parent.startsWith('http:') && !specifier.startsWith('node:'))) return { url: new URL(specifier, parent || undefined).href, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('http:')) return next(url, context);
  const response = await fetch(url);
  if (!response.ok) throw new Error(url + ': HTTP ' + response.status + ' ' + (await response.text()));
  return { format: 'module', source: await response.text(), shortCircuit: true };
}`;

const BROWSER = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HTTP_MODULES)}));
const [url, calls] = process.argv.slice(1);
const m = await import(url);
process.stdout.write(JSON.stringify(JSON.parse(calls).map(([name, args]) => m[name](...args))));
`;

/** Imports `url` from a dev server in a separate node process, as a browser would, and makes `calls`. */
export async function runFromServer(url: string, calls: readonly Call[]): Promise<unknown[]> {
  const { status, stdout, stderr } = await runNode(['--input-type=module', '-e', BROWSER, url, JSON.stringify(calls)], ROOT);
  if (status !== 0) throw new Error(`importing ${url} failed (exit ${status}):\n${stderr}`);
  return JSON.parse(stdout) as unknown[];
}
