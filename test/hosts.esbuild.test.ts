// End to end through esbuild and Bun with the tapeless/esbuild plugin: the fixture project
// bundled for node (esbuild's build API, and Bun.build in a bun process), its gradients
// checked against hand derivations and finite differences, source maps back into the user's
// functions, the bad fixture failing with each tapeless message at its location; and
// esbuild's watch mode (context.watch()) serving fresh gradients while f's body and a helper
// two files away are edited (test/fixtures/fresh).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshProject, type Observed, STAGES, WatchProcess, copyFresh, expectObserved, rebuiltOutput, watchStages } from './support/fresh.js';
import { BAD_DIAGNOSTICS, FIXTURE, ROOT, type Run, checkFixtureBuild, ensureBuilt, expectMappedInto, formatted, runProgram, tempDir } from './support/hosts.js';

const require = createRequire(import.meta.url);
const BUN = path.join(ROOT, 'node_modules/.bin/bun');

interface Outcome {
  readonly outDir: string;
  readonly errors?: esbuild.Message[];
}

async function esbuildBuild(entry: string, name: string): Promise<Outcome> {
  // Loaded per build, as a build script would import it: `import tapeless from 'tapeless/esbuild'`.
  const tapeless = require('../dist/transformer/hosts/esbuild.js') as typeof import('../dist/transformer/hosts/esbuild.js');
  const outDir = path.join(tempDir(`hosts-esbuild-${name}`), 'dist');
  try {
    await esbuild.build({
      entryPoints: [path.resolve(FIXTURE, entry)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outdir: outDir,
      sourcemap: true,
      logLevel: 'silent',
      plugins: [tapeless()],
    });
    return { outDir };
  } catch (error) {
    return { outDir, errors: (error as esbuild.BuildFailure).errors };
  }
}

// Bun.build in a bun process, as a build script run with `bun build.mjs` would call it.
const BUN_BUILD = `
const [entry, outdir, plugin] = process.argv.slice(2);
const tapeless = require(plugin);
try {
  const result = await Bun.build({ entrypoints: [entry], outdir, target: 'node', format: 'esm', sourcemap: 'external', plugins: [tapeless()] });
  console.log(JSON.stringify({ success: result.success, logs: result.logs.map(String) }));
} catch (error) {
  // An AggregateError ('Bundle failed') of the plugin's errors.
  console.log(JSON.stringify({ success: false, message: [error.message, ...(error.errors ?? []).map(String)].join('\\n') }));
}
`;

async function bunBuild(entry: string, name: string): Promise<{ outDir: string; run: Run; result?: { success: boolean; message?: string } }> {
  const dir = tempDir(`hosts-bun-${name}`);
  const outDir = path.join(dir, 'dist');
  const script = path.join(dir, 'build.mjs');
  writeFileSync(script, BUN_BUILD);
  const run = await runProgram(BUN, [script, path.join(FIXTURE, entry), outDir, path.join(ROOT, 'dist/transformer/hosts/esbuild.js')], ROOT);
  const line = run.stdout.trim().split('\n').pop();
  return { outDir, run, result: line?.startsWith('{') ? JSON.parse(line) : undefined };
}

let good: Outcome;
let bad: Outcome;
let misused: Outcome;
let bunGood: Awaited<ReturnType<typeof bunBuild>>;
let bunBad: Awaited<ReturnType<typeof bunBuild>>;
let fresh: FreshProject | undefined;
const observed: Observed = [];

/** `node esbuild.mjs` in a copy of the fresh fixture: a context in watch mode. */
async function esbuildWatch(): Promise<void> {
  fresh = copyFresh('fresh-esbuild');
  const watcher = new WatchProcess(['esbuild.mjs'], fresh.dir);
  await watchStages(fresh.dir, observed, watcher, rebuiltOutput(watcher, /build finished/, path.join(fresh.dir, 'out-esbuild/cross.js')));
}

beforeAll(async () => {
  ensureBuilt();
  const watching = esbuildWatch();
  good = await esbuildBuild('src/main.ts', 'good');
  bad = await esbuildBuild('bad/bad.ts', 'bad');
  // A file that calls no API function directly is compiled all the same, for its diagnostic.
  const dir = tempDir('hosts-esbuild-misused');
  writeFileSync(path.join(dir, 'misused.ts'), "import { grad } from 'tapeless';\n\nexport const differentiate = grad;\n");
  misused = await esbuildBuild(path.join(dir, 'misused.ts'), 'misused');
  bunGood = await bunBuild('src/main.ts', 'good');
  bunBad = await bunBuild('bad/bad.ts', 'bad');
  await watching;
}, 300_000);

afterAll(async () => {
  await WatchProcess.stopAll();
  fresh?.unlink();
});

describe('esbuild with tapeless/esbuild', () => {
  it('bundles code whose gradients match hand derivations and finite differences (run with node)', async () => {
    expect(good.errors).toBeUndefined();
    await checkFixtureBuild(path.join(good.outDir, 'main.js'));
  });

  it("maps the generated gradient of the imported loss back to loss's lines in model.ts", () => {
    expectMappedInto(path.join(good.outDir, 'main.js'), 'loss_grad', path.join(FIXTURE, 'src/model.ts'), 'export function loss(');
  });

  it('fails the build on the bad fixture with each tapeless message at its location', () => {
    expect(bad.errors, 'the build of bad/bad.ts fails').toBeDefined();
    const file = path.relative(process.cwd(), path.join(FIXTURE, 'bad/bad.ts'));
    expect(
      bad.errors!.map((error) => ({
        plugin: error.pluginName,
        file: error.location?.file,
        line: error.location?.line,
        column: error.location?.column,
        text: error.text.slice(0, 60),
      })),
    ).toEqual(
      BAD_DIAGNOSTICS.map((diagnostic) => ({
        plugin: 'tapeless',
        file,
        line: diagnostic.line,
        column: diagnostic.column - 1,
        text: `TS${diagnostic.code}: tapeless: ${diagnostic.text}`.slice(0, 60),
      })),
    );
  });

  it('fails the build where an API function is used other than by a direct call', () => {
    expect(misused.errors?.map((error) => error.text)).toEqual([expect.stringMatching(/^TS91001: tapeless: grad must be called directly/)]);
  });
});

describe('Bun.build with tapeless/esbuild', () => {
  it('bundles code whose gradients match hand derivations and finite differences (run with node)', async () => {
    expect(bunGood.result, bunGood.run.stderr).toEqual({ success: true, logs: [] });
    await checkFixtureBuild(path.join(bunGood.outDir, 'main.js'));
  });

  it('fails the build on the bad fixture with the tapeless messages and their locations', () => {
    expect(bunBad.result?.success, bunBad.run.stdout + bunBad.run.stderr).toBe(false);
    const file = path.relative(ROOT, path.join(FIXTURE, 'bad/bad.ts'));
    for (const diagnostic of BAD_DIAGNOSTICS) expect(bunBad.result!.message).toContain(formatted(diagnostic, file));
  });
});

describe('esbuild watch mode (context.watch())', () => {
  STAGES.forEach((stage, i) => {
    it(`serves the gradient of f ${stage.name}`, () => expectObserved(observed, i, `esbuild watch, ${stage.name}`));
  });
});
