// End to end through `vite build` (Vite's JS API, an SSR build for node, not minified) with
// the tapeless/vite plugin: the built bundle runs in node and its gradients are checked
// against hand derivations and finite differences. The whole suite already runs through the
// plugin in vitest's dev-server pipeline; this is the production build path.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { build } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { BAD_DIAGNOSTICS, FIXTURE, checkFixtureBuild, ensureBuilt, expectMappedInto, formatted, runModule, tempDir } from './support/hosts.js';

const require = createRequire(import.meta.url);

/** A build error as Rollup and Rolldown describe one. */
type BuildError = Error & { id?: string; plugin?: string; loc?: { file?: string; line: number; column: number } };

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
    // Rolldown collects plugin errors; the first carries the plugin, file and location (column 0-based).
    const first = error.errors?.[0] ?? error;
    expect(first.plugin).toBe('tapeless');
    expect(first.loc).toEqual({ file: path.join(FIXTURE, 'bad/bad.ts'), line: BAD_DIAGNOSTICS[0].line, column: BAD_DIAGNOSTICS[0].column - 1 });
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
