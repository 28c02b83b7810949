// End to end through webpack 5 + ts-loader with tapeless/webpack (its TapelessPlugin, given to
// ts-loader as getCustomTransformers and to webpack as a plugin), as a user's config sets it
// up: the fixture project bundled and run in node, its gradients checked against hand
// derivations and finite differences; the bad fixture failing the build once
// per error, located; ts-loader's transpileOnly and a missing plugin refused with a message;
// and `webpack --watch` serving fresh gradients while f's body and a helper two files away are
// edited (test/fixtures/fresh).
import { copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshProject, type Observed, STAGES, WatchProcess, copyFresh, expectObserved, rebuiltOutput, twoAtATime, watchStages } from './support/fresh.js';
import { BAD_DIAGNOSTICS, ROOT, type Run, checkFixtureBuild, copyFixture, ensureBuilt, formatted, runNode } from './support/hosts.js';

const WEBPACK = path.join(ROOT, 'node_modules/webpack/bin/webpack.js');

let project: string;
const runs: Record<'good' | 'bad' | 'transpileOnly' | 'noPlugin', Run> = {} as never;
let fresh: FreshProject | undefined;
const observed: Observed = [];

async function webpackWatch(): Promise<void> {
  fresh = copyFresh('fresh-webpack');
  const watcher = new WatchProcess([WEBPACK, '--watch'], fresh.dir);
  await watchStages(fresh.dir, observed, watcher, rebuiltOutput(watcher, /compiled successfully/, path.join(fresh.dir, 'out-webpack/cross.js')));
}

beforeAll(async () => {
  ensureBuilt();
  project = copyFixture('hosts-webpack');
  copyFileSync(path.join(ROOT, 'test/fixtures/webpack/webpack.config.mjs'), path.join(project, 'webpack.config.mjs'));
  const build =
    (entry: string, out: string, env: Record<string, string> = {}) =>
    () =>
      runNode([WEBPACK], project, { WEBPACK_ENTRY: entry, WEBPACK_OUT: out, ...env });
  const [, good, bad, transpileOnly, noPlugin] = await twoAtATime<Run | void>([
    webpackWatch,
    build('./src/main.ts', 'out'),
    build('./bad/bad.ts', 'out-bad', { WEBPACK_TSCONFIG: 'tsconfig.bad.json' }),
    build('./src/main.ts', 'out-transpile-only', { WEBPACK_TRANSPILE_ONLY: '1' }),
    build('./src/main.ts', 'out-no-plugin', { WEBPACK_NO_PLUGIN: '1' }),
  ]);
  Object.assign(runs, { good, bad, transpileOnly, noPlugin });
}, 600_000);

afterAll(async () => {
  await WatchProcess.stopAll();
  fresh?.unlink();
});

describe('webpack + ts-loader with tapeless/webpack', () => {
  it('bundles code whose gradients match hand derivations and finite differences (run with node)', async () => {
    expect(runs.good.stdout).toContain('compiled successfully');
    expect(runs.good.status).toBe(0);
    await checkFixtureBuild(path.join(project, 'out/main.js'));
  });

  it('fails the build on the bad fixture once, with each tapeless message at its location', () => {
    expect(runs.bad.status).toBe(1);
    const output = runs.bad.stdout + runs.bad.stderr;
    expect(output.match(/ERROR in \.\/bad\/bad\.ts/g)).toHaveLength(1);
    for (const diagnostic of BAD_DIAGNOSTICS) expect(output.split(formatted(diagnostic))).toHaveLength(2);
    expect(output).toContain('compiled with 1 error');
  });

  it("refuses ts-loader's transpileOnly for the files that use tapeless, saying why and what to change", () => {
    expect(runs.transpileOnly.status).toBe(1);
    expect(runs.transpileOnly.stdout).toContain("src/main.ts: tapeless needs the type checker, and ts-loader's 'transpileOnly' compiles each file alone");
    expect(runs.transpileOnly.stdout).toContain('compiled with 1 error');
  });

  it('refuses getCustomTransformers without the plugin, which keeps watch mode fresh', () => {
    expect(runs.noPlugin.status).toBe(1);
    expect(runs.noPlugin.stdout).toContain('tapeless: add the TapelessPlugin whose getCustomTransformers ts-loader is given to the plugins');
  });
});

describe('webpack --watch', () => {
  STAGES.forEach((stage, i) => {
    it(`serves the gradient of f ${stage.name}`, () => expectObserved(observed, i, `webpack --watch, ${stage.name}`));
  });
});
