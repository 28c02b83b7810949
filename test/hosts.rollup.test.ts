// End to end through rollup + @rollup/plugin-typescript with `transformers:
// tapelessTransformers()`, as a user's rollup.config.mjs sets it up, with TypeScript 5.9 and
// with TypeScript 6.0 (handed to both the plugin and tapeless). The bundle runs in node and
// its gradients are checked against hand derivations and finite differences; the bad
// fixture must fail the build with the tapeless message and location. Also builds the
// repository's own rollup.config.mjs (examples/) with the rollup CLI.
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_DIAGNOSTICS,
  ROOT,
  type Run,
  checkFixtureBuild,
  copyFixture,
  ensureBuilt,
  expectMappedInto,
  formatted,
  runModule,
  runNode,
} from './support/hosts.js';

/**
 * One rollup build through the JS API, in its own node process: a build that fails in
 * @rollup/plugin-typescript's buildStart leaves the plugin's TypeScript watch program open
 * (it keeps the process alive and rebuilds on file changes), so each build gets a process
 * that exits when the build is done, as the rollup CLI does.
 */
const BUILD = `
import { createRequire } from 'node:module';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { tapelessTransformers } from 'tapeless/rollup';
const require = createRequire(import.meta.url);
const { input, tsconfig, outDir, ts } = JSON.parse(process.argv[1]);
// The default TypeScript is the project's; another one goes to the plugin and to tapeless.
const tsApi = require(ts ?? 'typescript');
const options = ts ? { typescript: tsApi } : {};
const warnings = [];
let result;
try {
  const bundle = await rollup({
    input,
    external: ['tapeless'],
    onwarn: (warning) => warnings.push({ code: warning.code, plugin: warning.plugin, message: warning.message }),
    plugins: [typescript({ tsconfig, outDir, ...options, transformers: tapelessTransformers(options) })],
  });
  await bundle.write({ dir: outDir, format: 'es', sourcemap: true });
  await bundle.close();
  result = { ok: true, version: tsApi.version, warnings };
} catch (error) {
  result = { ok: false, version: tsApi.version, warnings, error: { message: error.message, plugin: error.plugin, id: error.id, loc: error.loc, stack: error.stack } };
}
process.stdout.write(JSON.stringify(result));
process.exit(0);
`;

interface BuildResult {
  readonly project: string;
  readonly outDir: string;
  readonly ok: boolean;
  readonly version: string;
  readonly warnings: readonly { code: string; plugin?: string; message: string }[];
  readonly error?: { message: string; plugin?: string; id?: string; loc?: { file: string; line: number; column: number }; stack?: string };
}

/** `ts`: the package name of a TypeScript to give the plugin and tapeless, or the default. */
async function rollupBuild(name: string, ts: 'typescript-6' | null, fixture: 'good' | 'bad'): Promise<BuildResult> {
  // A copy of the fixture, so the output can go to out/ next to src/ as in a user's project
  // (@rollup/plugin-typescript 12.3 writes wrong source map paths for an outDir elsewhere:
  // rollup/plugins#1966).
  const project = copyFixture(`hosts-rollup-${name}`);
  const outDir = path.join(project, fixture === 'good' ? 'out' : 'out-bad');
  const options = {
    input: path.join(project, fixture === 'good' ? 'src/main.ts' : 'bad/bad.ts'),
    tsconfig: path.join(project, fixture === 'good' ? 'tsconfig.json' : 'tsconfig.bad.json'),
    outDir,
    ts,
  };
  const { status, stdout, stderr } = await runNode(['--input-type=module', '-e', BUILD, JSON.stringify(options)], ROOT);
  if (status !== 0) throw new Error(`rollup build ${name} crashed (exit ${status}):\n${stderr}`);
  return { project, outDir, ...JSON.parse(stdout) };
}

const builds: Record<string, BuildResult> = {};
let examples: Run;

beforeAll(async () => {
  ensureBuilt();
  // Two cores: two builds at a time.
  const [ts5, ts6] = await Promise.all([rollupBuild('ts5', null, 'good'), rollupBuild('ts6', 'typescript-6', 'good')]);
  const [ts5bad, ts6bad] = await Promise.all([rollupBuild('ts5-bad', null, 'bad'), rollupBuild('ts6-bad', 'typescript-6', 'bad')]);
  Object.assign(builds, { ts5, ts6, ts5bad, ts6bad });
  examples = await runNode([path.join(ROOT, 'node_modules/rollup/dist/bin/rollup'), '-c', 'rollup.config.mjs'], ROOT);
});

const VERSIONS = [
  ['5.9', 'ts5'],
  ['6.0', 'ts6'],
] as const;

describe.each(VERSIONS)('rollup + @rollup/plugin-typescript + tapelessTransformers(), TypeScript %s', (version, key) => {
  it('builds the fixture project without TypeScript or tapeless diagnostics', () => {
    const build = builds[key];
    expect(build.version.startsWith(`${version}.`), `the build ran TypeScript ${build.version}`).toBe(true);
    expect(build.error?.message).toBeUndefined();
    expect(build.ok).toBe(true);
    expect(build.warnings.filter((warning) => warning.plugin === 'typescript')).toEqual([]);
  });

  it('bundles code whose gradients match hand derivations and finite differences (run with node)', async () => {
    expect(builds[key].ok, `the build failed:\n${builds[key].error?.message}`).toBe(true);
    await checkFixtureBuild(path.join(builds[key].outDir, 'main.js'));
  });

  it("maps the generated gradient of the imported loss back to loss's lines in model.ts", () => {
    expect(builds[key].ok, 'the build failed').toBe(true);
    expectMappedInto(path.join(builds[key].outDir, 'main.js'), 'loss_grad', path.join(builds[key].project, 'src/model.ts'), 'export function loss(');
  });

  it('fails the build on the bad fixture with the tapeless message and its location', () => {
    const build = builds[`${key}bad`];
    expect(build.ok, 'the build of bad/bad.ts fails').toBe(false);
    const file = path.join(build.project, 'bad/bad.ts');
    // As tsc prints it, relative to the working directory of the build.
    for (const diagnostic of BAD_DIAGNOSTICS) expect(build.error!.message).toContain(formatted(diagnostic, path.relative(ROOT, file)));
    // Rollup's location, which it prints beside the message: the file, the line and column of the first diagnostic, 1-based as in the message.
    expect(build.error!.id).toBe(file);
    expect(build.error!.loc).toEqual({ file, line: BAD_DIAGNOSTICS[0].line, column: BAD_DIAGNOSTICS[0].column });
  });

  it('fails it without a stack trace (which Rollup prints after the message) through TypeScript and tapeless', () => {
    const build = builds[`${key}bad`];
    expect(build.ok, 'the build of bad/bad.ts fails').toBe(false);
    expect(build.error!.stack).not.toMatch(/^\s+at /m);
  });
});

describe('rollup -c (the repository rollup.config.mjs: examples/)', () => {
  // The seed's gradient, derived by hand as in DESIGN.md.
  const hand = (x: number) => {
    const a = x * x;
    const b = Math.exp(a);
    const c = a + b;
    const fc = 1 / (2 * Math.sqrt(c)) - Math.sin(c);
    return (fc * b + fc) * 2 * x;
  };

  it('bundles every example', () => {
    expect(examples.stderr).not.toMatch(/\(!\)|\[!\]/); // rollup's warning and error markers
    expect(examples.status).toBe(0);
  });

  it("bundles the seed's gradient, equal to the hand derivation", () => {
    const xs = [-1.5, -0.4, 0, 0.3, 0.7, 1.2];
    const results = runModule(
      path.join(ROOT, 'dist-examples/seed.js'),
      xs.flatMap(
        (x) =>
          [
            ['f', [x]],
            ['df', [x]],
            ['fAndDf', [x]],
          ] as const,
      ),
    );
    xs.forEach((x, i) => {
      const [value, gradient, valueAndGradient] = results.slice(3 * i, 3 * i + 3) as [number, number, [number, number]];
      expect(Math.abs(gradient - hand(x)), `df(${x})`).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(1, Math.abs(hand(x))));
      expect(valueAndGradient, `fAndDf(${x})`).toEqual([value, gradient]);
    });
  });

  it("maps the seed's generated gradient back to f's lines in examples/seed.ts", () => {
    expectMappedInto(path.join(ROOT, 'dist-examples/seed.js'), 'f_grad', path.join(ROOT, 'examples/seed.ts'), 'export function f(');
  });

  it('bundles the Rosenbrock example, whose descent reaches the minimum at (1, 1)', () => {
    const [trace] = runModule(path.join(ROOT, 'dist-examples/rosenbrock.js'), [['minimize', [-1.2, 1, 5000]]]) as { x: number; y: number; value: number }[][];
    const last = trace[trace.length - 1];
    expect(trace[0].value).toBeCloseTo(24.2, 10); // f(-1.2, 1), by hand: 2.2^2 + 100 * 0.44^2
    expect(Math.abs(last.x - 1)).toBeLessThan(1e-2);
    expect(Math.abs(last.y - 1)).toBeLessThan(2e-2);
  });
});
