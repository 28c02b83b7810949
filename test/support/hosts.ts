// Shared by the end-to-end host tests (test/hosts.*.test.ts): the fixture project, running
// emitted JavaScript in a separate node process, the oracles the fixture's gradients are
// checked against, the expected diagnostics of the bad fixture, and a source map decoder.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { ROOT, TMP, finiteDifference } from './compile.js';

export { ROOT, TMP };

/** The fixture project: test/fixtures/project (src/ builds, bad/ must fail). */
export const FIXTURE = path.join(ROOT, 'test/fixtures/project');

/** A fresh directory under .tmp (inside the repository, so `tapeless` resolves to it). */
export function tempDir(prefix: string): string {
  mkdirSync(TMP, { recursive: true });
  return mkdtempSync(path.join(TMP, `${prefix}-`));
}

/**
 * The package must be built (`npm test` builds it first). A test file never rebuilds a
 * dist/ that exists: other test files may be reading it at the same time.
 */
export function ensureBuilt(): void {
  const outputs = ['dist/runtime/index.js', 'dist/transformer/hosts/tspc.js', 'dist/transformer/hosts/rollup.js', 'dist/transformer/hosts/vite.js'];
  if (outputs.every((file) => existsSync(path.join(ROOT, file)))) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * A copy of the fixture project under .tmp, laid out as a user's project (sources in src/,
 * output in out/ next to it), for hosts that write next to the project.
 */
export function copyFixture(prefix: string): string {
  const project = path.join(tempDir(prefix), 'project');
  cpSync(FIXTURE, project, { recursive: true, filter: (source) => !/[\\/](out|out-bad|node_modules)$/.test(source) });
  return project;
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node args` in `cwd` (with `env` added) without blocking, so that builds can run side by side. */
export function runNode(args: readonly string[], cwd: string, env?: Record<string, string>): Promise<Run> {
  return runProgram(process.execPath, args, cwd, env ? { ...process.env, ...env } : undefined);
}

/** Runs `command args` in `cwd` (in `env`, if given) without blocking. */
export function runProgram(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, ...(env ? { env } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export type Call = readonly [exportName: string, args: readonly number[]];

const DRIVER = `
const [url, calls] = process.argv.slice(1);
const m = await import(url);
const results = JSON.parse(calls).map(([name, args]) => {
  if (!(name in m)) throw new Error('the module does not export ' + name);
  return typeof m[name] === 'function' ? m[name](...args) : m[name];
});
process.stdout.write(JSON.stringify(results));
`;

/**
 * Runs emitted JavaScript as a user would: a separate `node` imports `moduleFile` and calls
 * its exports (or reads them, for a non-function). Returns the results in order; they travel
 * as JSON, so they must be finite.
 */
export function runModule(moduleFile: string, calls: readonly Call[]): unknown[] {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', DRIVER, pathToFileURL(moduleFile).href, JSON.stringify(calls)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`node ${moduleFile} failed (exit ${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as unknown[];
}

// ---- the fixture's functions, derived by hand (the oracle) ----

const K = 3; // model.ts: export const k = 3
const SCALE = 0.5; // model.ts: export const scale = 0.5

const oracle = {
  loss: (x: number, y: number) => K * x * x + Math.sin(x * y),
  lossGrad: (x: number, y: number) => [2 * K * x + y * Math.cos(x * y), x * Math.cos(x * y)],
  energy: (x: number, y: number) => {
    const r2 = x * x + y * y;
    return Math.exp(-SCALE * r2) * Math.cos(K * x) + Math.log(1 + r2);
  },
  energyGrad: (x: number, y: number) => {
    const r2 = x * x + y * y;
    const e = Math.exp(-SCALE * r2);
    const dx = e * (-2 * SCALE * x * Math.cos(K * x) - K * Math.sin(K * x)) + (2 * x) / (1 + r2);
    const dy = e * -2 * SCALE * y * Math.cos(K * x) + (2 * y) / (1 + r2);
    return [dx, dy];
  },
  cubicGrad: (x: number) => 3 * x * x + 2 * Math.exp(-x),
  g: (a: number, b: number) => Math.log(1 + a * b * (a * b)) + a / b,
  gGrad: (a: number, b: number) => {
    const t = a * b;
    return [(2 * t * b) / (1 + t * t) + 1 / b, (2 * t * a) / (1 + t * t) - a / (b * b)];
  },
};

/** Points away from the functions' singularities (b = 0 for g). */
const POINTS: readonly (readonly [number, number])[] = [
  [0.3, -1.2],
  [1.7, 0.4],
  [-2.1, 2.5],
  [0, 1],
  [-0.75, -0.6],
];

/** Every call the fixture checks, for one `runModule` of the built main module. */
export const FIXTURE_CALLS: readonly Call[] = [
  ['k', []],
  ...POINTS.flatMap(([x, y]): Call[] => [
    ['loss', [x, y]],
    ['dLoss', [x, y]],
    ['dLossDy', [x, y]],
    ['dLossDx', [x, y]],
    ['lossAndGrad', [x, y]],
    ['energy', [x, y]],
    ['energyAndGrad', [x, y]],
    ['dCubic', [x]],
    ['g', [x, y]],
    ['dG', [x, y]],
    ['gAndDb', [x, y]],
    ['dLossForward', [x, y]],
    ['lossHessian', [x, y]],
    ['dSoftplusScaled', [x * 10]],
  ]),
];

/** |actual - expected| <= tolerance * max(1, |expected|). */
function expectClose(actual: unknown, expected: number, tolerance: number, what: string): void {
  expect(typeof actual, what).toBe('number');
  const error = Math.abs((actual as number) - expected);
  expect(error, `${what}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

/** Hand-derived gradients agree to roundoff; finite differences of the built primal to ~1e-8. */
const HAND = 1e-13;
const FD = 1e-8;

/**
 * Checks the results of FIXTURE_CALLS against the oracles: hand-derived formulas, and
 * central finite differences of the built module's own primal functions (so the gradient is
 * the gradient of the code that was built, not just of the formula).
 */
export function expectFixtureGradients(
  results: readonly unknown[],
  primal: { loss: (x: number, y: number) => number; energy: (x: number, y: number) => number; g: (a: number, b: number) => number },
): void {
  expect(results.length).toBe(FIXTURE_CALLS.length);
  expect(results[0], 'the exported module constant k').toBe(K);
  let i = 1;
  for (const [x, y] of POINTS) {
    const at = `at (${x}, ${y})`;
    const [loss, dLoss, dLossDy, dLossDx, lossAndGrad, energy, energyAndGrad, dCubic, g, dG, gAndDb, dLossForward, lossHessian, dSoftplusScaled] =
      results.slice(i, (i += 14)) as any[];
    const [lx, ly] = oracle.lossGrad(x, y);
    expectClose(loss, oracle.loss(x, y), HAND, `loss ${at}`);
    // grad(loss): a tuple [d/dx, d/dy], against the hand derivation and finite differences.
    expect(dLoss, `grad(loss) ${at}`).toHaveLength(2);
    expectClose(dLoss[0], lx, HAND, `grad(loss)[0] ${at}`);
    expectClose(dLoss[1], ly, HAND, `grad(loss)[1] ${at}`);
    expectClose(
      dLoss[0],
      finiteDifference((t) => primal.loss(t, y), x),
      FD,
      `grad(loss)[0] vs finite differences ${at}`,
    );
    expectClose(
      dLoss[1],
      finiteDifference((t) => primal.loss(x, t), y),
      FD,
      `grad(loss)[1] vs finite differences ${at}`,
    );
    // One selected parameter: the bare number, equal to the matching tuple entry.
    expectClose(dLossDy, ly, HAND, `grad(loss, { wrt: 'y' }) ${at}`);
    expectClose(dLossDx, lx, HAND, `grad(loss, { wrt: 0 }) ${at}`);
    // valueAndGrad: the value is f's own value, the gradient the same as grad's.
    expect(lossAndGrad[0], `valueAndGrad(loss) value ${at}`).toBe(loss);
    expect(lossAndGrad[1], `valueAndGrad(loss) gradient ${at}`).toEqual(dLoss);
    // valueAndGrad with wrt in a given order: [value, [d/dy, d/dx]].
    const [ex, ey] = oracle.energyGrad(x, y);
    expectClose(energy, oracle.energy(x, y), HAND, `energy ${at}`);
    expect(energyAndGrad[0], `valueAndGrad(energy) value ${at}`).toBe(energy);
    expect(energyAndGrad[1], `valueAndGrad(energy, { wrt: ['y', 'x'] }) ${at}`).toHaveLength(2);
    expectClose(energyAndGrad[1][0], ey, HAND, `d energy/dy ${at}`);
    expectClose(energyAndGrad[1][1], ex, HAND, `d energy/dx ${at}`);
    expectClose(
      energyAndGrad[1][0],
      finiteDifference((t) => primal.energy(x, t), y),
      FD,
      `d energy/dy vs finite differences ${at}`,
    );
    expectClose(
      energyAndGrad[1][1],
      finiteDifference((t) => primal.energy(t, y), x),
      FD,
      `d energy/dx vs finite differences ${at}`,
    );
    // The inline arrow (one parameter: a bare number); it is not exported, so finite
    // differences use its source text.
    expectClose(dCubic, oracle.cubicGrad(x), HAND, `grad(inline arrow) ${at}`);
    expectClose(
      dCubic,
      finiteDifference((t) => t * t * t - 2 * Math.exp(-t), x),
      FD,
      `grad(inline arrow) vs finite differences ${at}`,
    );
    // The const arrow with a reassigned `let`.
    const [ga, gb] = oracle.gGrad(x, y);
    expectClose(g, oracle.g(x, y), HAND, `g ${at}`);
    expect(dG, `grad(g) ${at}`).toHaveLength(2);
    expectClose(dG[0], ga, HAND, `grad(g)[0] ${at}`);
    expectClose(dG[1], gb, HAND, `grad(g)[1] ${at}`);
    expectClose(
      dG[0],
      finiteDifference((t) => primal.g(t, y), x),
      FD,
      `grad(g)[0] vs finite differences ${at}`,
    );
    expectClose(
      dG[1],
      finiteDifference((t) => primal.g(x, t), y),
      FD,
      `grad(g)[1] vs finite differences ${at}`,
    );
    expect(gAndDb[0], `valueAndGrad(g, { wrt: 'b' }) value ${at}`).toBe(g);
    expectClose(gAndDb[1], gb, HAND, `valueAndGrad(g, { wrt: 'b' }) gradient ${at}`);
    // Forward mode, the Hessian of loss = k x² + sin(x y) by hand, and softplus' own rule
    // (finite where its source overflows: exp(100 · 10 x) is Infinity).
    expectClose(dLossForward, lx, HAND, `derivative(loss) ${at}`);
    const [s, c] = [Math.sin(x * y), Math.cos(x * y)];
    const hand = [
      [2 * K - y * y * s, c - x * y * s],
      [c - x * y * s, -x * x * s],
    ];
    for (const r of [0, 1]) for (const col of [0, 1]) expectClose(lossHessian[r][col], hand[r][col], 1e-12, `hessian(loss)[${r}][${col}] ${at}`);
    expectClose(dSoftplusScaled, 100 / (1 + Math.exp(-1000 * x)), HAND, `grad(softplus(100 x)) at ${10 * x}`);
  }
}

/**
 * Runs the built main module of the fixture in a separate node process and checks every
 * gradient. Finite differences evaluate the built module's own primal functions, imported
 * into the test process from the same build.
 */
export async function checkFixtureBuild(mainFile: string): Promise<void> {
  const results = runModule(mainFile, FIXTURE_CALLS);
  const built = (await import(pathToFileURL(mainFile).href)) as Parameters<typeof expectFixtureGradients>[1];
  expectFixtureGradients(results, built);
}

// ---- the bad fixture ----

export interface ExpectedDiagnostic {
  /** Relative to the fixture directory. */
  readonly file: string;
  /** 1-based, as tsc prints it. */
  readonly line: number;
  /** 1-based, as tsc prints it (Rollup and Vite report it 0-based in `loc`). */
  readonly column: number;
  readonly code: number;
  /** The start of the message, after `tapeless: `. */
  readonly text: string;
  /** Where the error lies outside the API call that reached it: the message's second line, naming the call. */
  readonly reachedFrom?: { readonly text: string; readonly line: number; readonly column: number };
}

/**
 * Where `token` starts on the first line of a fixture file that contains `context`, 1-based:
 * found in the source, not hard-coded.
 */
function locate(file: string, context: string, token: string = context): { line: number; column: number } {
  const lines = readFileSync(path.join(FIXTURE, file), 'utf8').split('\n');
  const line = lines.findIndex((text) => text.includes(context));
  if (line < 0 || !context.includes(token)) throw new Error(`${context} is not in ${file}`);
  return { line: line + 1, column: lines[line].indexOf(context) + context.indexOf(token) + 1 };
}

/** The diagnostics every host must report for bad/bad.ts, in order. */
export const BAD_DIAGNOSTICS: readonly ExpectedDiagnostic[] = [
  {
    file: 'bad/bad.ts',
    ...locate('bad/bad.ts', 'calls = calls + 1', 'calls'),
    code: 91005,
    text: "'calls' is declared outside the differentiated function",
    reachedFrom: { text: "while differentiating 'counted' for grad(counted)", ...locate('bad/bad.ts', 'grad(counted)') },
  },
  { file: 'bad/bad.ts', ...locate('bad/bad.ts', "grad(scaled, { wrt: 'nope' })", "'nope'"), code: 91002, text: "wrt names 'nope', which is not a parameter" },
];

/** The second line of a diagnostic that names the API call reaching it, `  while differentiating 'f' for grad(f), at bad/bad.ts:13:26`, as every host prints it. */
export function reachedLine(diagnostic: ExpectedDiagnostic): string {
  const from = diagnostic.reachedFrom!;
  return `  ${from.text}, at ${diagnostic.file}:${from.line}:${from.column}`;
}

/** `path/bad/bad.ts(5,3): error TS91001: tapeless: an 'if' …`, as tsc prints it. */
export function formatted(diagnostic: ExpectedDiagnostic, fileAs: string = diagnostic.file): string {
  return `${fileAs}(${diagnostic.line},${diagnostic.column}): error TS${diagnostic.code}: tapeless: ${diagnostic.text}`;
}

// ---- source maps ----

export interface RawSourceMap {
  readonly version: number;
  readonly sources: readonly string[];
  readonly sourceRoot?: string;
  readonly sourcesContent?: readonly (string | null)[];
  readonly mappings: string;
}

/** One decoded segment: generated position -> original position (all 0-based). */
export interface Mapping {
  readonly generatedLine: number;
  readonly generatedColumn: number;
  readonly source: string;
  readonly originalLine: number;
  readonly originalColumn: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes a version 3 source map's `mappings` (Base64 VLQ, fields relative to the previous segment). */
export function decodeMappings(map: RawSourceMap): Mapping[] {
  expect(map.version).toBe(3);
  const mappings: Mapping[] = [];
  let source = 0;
  let originalLine = 0;
  let originalColumn = 0;
  map.mappings.split(';').forEach((lineText, generatedLine) => {
    let generatedColumn = 0;
    for (const segment of lineText.split(',')) {
      if (segment === '') continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        if (digit < 0) throw new Error(`bad base64 digit '${char}' in source map`);
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      generatedColumn += fields[0];
      if (fields.length < 4) continue; // a generated position with no original
      source += fields[1];
      originalLine += fields[2];
      originalColumn += fields[3];
      mappings.push({ generatedLine, generatedColumn, source: map.sources[source], originalLine, originalColumn });
    }
  });
  return mappings;
}

/**
 * Checks that the statements of a generated function in a built file map back into the
 * user's function it differentiates: every mapping inside `generated` (a function
 * declaration such as `loss_grad`) points into `sourceFile`, within the lines of the
 * function that starts with `userFunction`, and there is at least one.
 */
export function expectMappedInto(jsFile: string, generated: string, sourceFile: string, userFunction: string): void {
  const js = readFileSync(jsFile, 'utf8').split('\n');
  const map = JSON.parse(readFileSync(`${jsFile}.map`, 'utf8')) as RawSourceMap;
  const source = readFileSync(sourceFile, 'utf8').split('\n');
  const first = source.findIndex((line) => line.startsWith(userFunction));
  const last = source.findIndex((line, i) => i > first && line.startsWith('}'));
  expect(first, `${userFunction} in ${sourceFile}`).toBeGreaterThanOrEqual(0);
  const start = js.findIndex((line) => line.startsWith(`function ${generated}(`));
  const end = js.indexOf('}', start);
  expect(start, `function ${generated} in ${jsFile}`).toBeGreaterThanOrEqual(0);
  const inside = decodeMappings(map).filter((m) => m.generatedLine > start && m.generatedLine < end);
  const resolve = (m: Mapping) => path.resolve(path.dirname(jsFile), map.sourceRoot ?? '', m.source);
  expect(inside.length, `mappings of the statements of ${generated}`).toBeGreaterThan(0);
  for (const m of inside) {
    const where = `line ${m.generatedLine + 1} of ${path.basename(jsFile)} (${js[m.generatedLine].trim()})`;
    expect(resolve(m), `${where} maps into ${sourceFile}`).toBe(sourceFile);
    expect(m.originalLine + 1, `${where} maps into lines ${first + 1}-${last + 1}`).toBeGreaterThanOrEqual(first + 1);
    expect(m.originalLine + 1, `${where} maps into lines ${first + 1}-${last + 1}`).toBeLessThanOrEqual(last + 1);
  }
}
