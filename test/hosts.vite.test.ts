// End to end through `vite build` (Vite's JS API, an SSR build for node, not minified) with
// the tapeless/vite plugin: the built bundle runs in node and its gradients are checked
// against hand derivations and finite differences. The whole suite already runs through the
// plugin in vitest's dev-server pipeline; this is the production build path.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { build } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFresh } from './support/fresh.js';
import { BAD_DIAGNOSTICS, FIXTURE, checkFixtureBuild, ensureBuilt, expectMappedInto, formatted, runModule, tempDir } from './support/hosts.js';

const require = createRequire(import.meta.url);

/** A build error as Rollup and Rolldown describe one. */
type BuildError = Error & { id?: string; plugin?: string; loc?: { file?: string; line: number; column: number }; frame?: string };

interface Outcome {
  readonly outDir: string;
  /** Rolldown throws one error that collects the plugin errors in `errors`. */
  readonly error?: BuildError & { errors?: BuildError[] };
}

let good: Outcome;
let bad: Outcome;
let solution: Outcome;
const SOLUTION = path.join(FIXTURE, '../solution');

async function viteBuild(entry: string, name: string, root = FIXTURE, alias: Record<string, string> = {}): Promise<Outcome> {
  // Loaded per build, as vite.config.ts would import it: `import tapeless from 'tapeless/vite'`.
  const tapeless = require('../dist/transformer/hosts/vite.js') as typeof import('../dist/transformer/hosts/vite.js');
  const outDir = path.join(tempDir(`hosts-vite-${name}`), 'dist');
  try {
    await build({
      configFile: false,
      root,
      logLevel: 'silent',
      resolve: { alias },
      plugins: [tapeless()],
      build: { ssr: entry, outDir, emptyOutDir: true, minify: false, sourcemap: true },
    });
    return { outDir };
  } catch (error) {
    return { outDir, error: error as Outcome['error'] };
  }
}

beforeAll(async () => {
  ensureBuilt();
  good = await viteBuild('src/main.ts', 'good');
  bad = await viteBuild('bad/bad.ts', 'bad');
  solution = await viteBuild('src/main.ts', 'solution', SOLUTION, { '#model': path.join(SOLUTION, 'src/model') });
});

describe('vite build with tapeless/vite', () => {
  it('builds the fixture project', () => {
    expect(good.error).toBeUndefined();
  });

  it('bundles code whose gradients match hand derivations and finite differences (run with node)', async () => {
    await checkFixtureBuild(path.join(good.outDir, 'main.js'));
  });

  it("maps the generated gradient of the imported loss back to loss's lines in model.ts", () => {
    expectMappedInto(path.join(good.outDir, 'main.js'), 'loss_grad', path.join(FIXTURE, 'src/model.ts'), 'export function loss(');
  });

  it('fails the build on the bad fixture with the tapeless message and its location', () => {
    expect(bad.error, 'the build of bad/bad.ts fails').toBeDefined();
    const error = bad.error!;
    // The plugin prints paths relative to the working directory, as tsc does.
    const file = path.relative(process.cwd(), path.join(FIXTURE, 'bad/bad.ts'));
    for (const diagnostic of BAD_DIAGNOSTICS) expect(error.message).toContain(formatted(diagnostic, file));
    // Rolldown collects plugin errors; the first carries the plugin, file and location, which
    // it prints beside the message (`bad.ts:3:21`), with the column 1-based as in the message.
    const first = error.errors?.[0] ?? error;
    expect(first.plugin).toBe('tapeless');
    expect(first.loc).toEqual({ file: path.join(FIXTURE, 'bad/bad.ts'), line: BAD_DIAGNOSTICS[0].line, column: BAD_DIAGNOSTICS[0].column });
    expect(first.frame).toMatch(new RegExp(`^${BAD_DIAGNOSTICS[0].line} +\\|`, 'm'));
  });

  it('locates a mistake in a helper in another file at the call in the module it names, the message at the mistake', async () => {
    // A copy of the fresh fixture (tsconfig, node_modules/tapeless) with f's helper h in helper.ts made wrong.
    const project = copyFresh('hosts-vite-helper-mistake');
    const helper = path.join(project.dir, 'src/helper.ts');
    writeFileSync(helper, readFileSync(helper, 'utf8').replace('return x * x;', 'return x * parseFloat(x.toFixed(2));'));
    const { error } = await viteBuild('src/cross.ts', 'helper-mistake', project.dir);
    project.unlink();
    expect(error, 'the build fails').toBeDefined();
    const first = error!.errors?.[0] ?? error!;
    expect(first.message).toMatch(/src\/helper\.ts\(4,14\): error TS91003: tapeless: 'parseFloat'/);
    expect(first.message).toMatch(/while differentiating 'f' for grad\(f\), at .*src\/cross\.ts:6:19/);
    // Rolldown names the module being transformed whatever `id` the plugin gives: the location is in it.
    expect(first.loc).toEqual({ file: path.join(project.dir, 'src/cross.ts'), line: 6, column: 19 });
    expect(first.frame).toContain('6  |  export const df = grad(f);');
    // Nor a stack trace through Rolldown and tapeless, which Rolldown prints after the frame.
    expect(first.stack ?? '').not.toMatch(/^\s+at /m);
  });
});

describe('vite build with tapeless/vite, a project as npm create vite makes it', () => {
  it('compiles a file that calls tapeless through a barrel, with the options of the referenced tsconfig that includes it (a solution-style tsconfig.json)', () => {
    expect(solution.error).toBeUndefined();
    // d = derivative, through src/ad.ts; f(x) = x e^-x, so f'(x) = (1 - x) e^-x by hand.
    const xs = [-1.5, 0, 0.4, 2.5];
    const results = runModule(
      path.join(solution.outDir, 'main.js'),
      xs.map((x) => ['df', [x]] as const),
    ) as number[];
    xs.forEach((x, i) =>
      expect(Math.abs(results[i] - (1 - x) * Math.exp(-x)), `f'(${x}) = ${results[i]}`).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(results[i]))),
    );
  });
});
