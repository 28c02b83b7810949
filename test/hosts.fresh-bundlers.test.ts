// Fresh builds through the bundlers' watch modes and dev servers: cross.ts differentiates f
// from model.ts, which calls h from helper.ts (test/fixtures/fresh). Each host watches the
// project while the test edits f's body, then h's, and after each rebuild or reload the
// gradient it serves is checked against the hand derivation:
// - `rollup -c -w` (@rollup/plugin-typescript + tapelessTransformers()), TypeScript 5.9 and 6.0;
// - the Vite dev server: the browser's path (modules fetched over HTTP, imported by a
//   separate node process) and the SSR path (ssrLoadModule);
// - `vite build --watch`;
// - `vitest watch`, running a spec that imports cross.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALLS,
  type FreshProject,
  type Observed,
  POINTS,
  STAGES,
  WatchProcess,
  copyFresh,
  edit,
  expectObserved,
  expectStage,
  newValues,
  readResults,
  rebuiltOutput,
  runFromServer,
  twoAtATime,
  waitFor,
  watchStages,
} from './support/fresh.js';
import { ROOT, ensureBuilt, runModule, runNode } from './support/hosts.js';

const ROLLUP = path.join(ROOT, 'node_modules/rollup/dist/bin/rollup');
const VITE = path.join(ROOT, 'node_modules/vite/bin/vite.js');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');

const projects: FreshProject[] = [];
/** Closed by afterAll too, should a test end before its finally block. */
const servers: { close(): Promise<void> }[] = [];
const observed = new Map<string, Observed>();

/** Copies the fixture, records what `host` serves at each stage, and ends its watch process. */
async function sequence(host: string, run: (project: FreshProject, seen: Observed) => Promise<void>): Promise<void> {
  const project = copyFresh(`fresh-${host.replace(/\W+/g, '-')}`);
  projects.push(project);
  const seen: Observed = [];
  observed.set(host, seen);
  try {
    await run(project, seen);
  } catch (error) {
    seen.push(error as Error);
  }
}

/** A watch process that prints `done` after each build: build, check, edit, and again. */
function watchSequence(project: FreshProject, seen: Observed, watcher: WatchProcess, done: RegExp, output: string): Promise<void> {
  return watchStages(project.dir, seen, watcher, rebuiltOutput(watcher, done, path.join(project.dir, output)));
}

const WAITING = /waiting for changes/;
const rollupWatch = (env: Record<string, string>) => (project: FreshProject, seen: Observed) =>
  watchSequence(project, seen, new WatchProcess([ROLLUP, '-c', 'rollup.config.mjs', '-w'], project.dir, env), WAITING, 'out-rollup/cross.js');

/** After the stages, a tapeless error in a rebuild of `rollup -w`, then its fix. */
let rollupError: { printed: string; thrown: string; fixed: unknown[] } | undefined;
/** `rollup -w` without recreateTransformersOnRebuild, after f's body changed. */
let withoutRecreate: string | undefined;
/** A one-shot `rollup -c` with incremental. */
let incremental: { status: number | null; output: string } | undefined;

async function rollupSequenceWithError(project: FreshProject, seen: Observed): Promise<void> {
  const watcher = new WatchProcess([ROLLUP, '-c', 'rollup.config.mjs', '-w'], project.dir);
  const output = path.join(project.dir, 'out-rollup/cross.js');
  let built = '';
  try {
    for (const [i, stage] of STAGES.entries()) {
      edit(project.dir, stage);
      built = await watcher.rebuilt(WAITING, i + 1, output, built);
      seen.push(runModule(output, CALLS));
    }
    const cross = path.join(project.dir, 'src/cross.ts');
    const source = readFileSync(cross, 'utf8');
    writeFileSync(cross, source.replace('grad(f)', "grad(f, { wrt: 'nope' })"));
    built = await watcher.rebuilt(WAITING, STAGES.length + 1, output, built);
    let thrown = '';
    try {
      runModule(output, CALLS);
    } catch (error) {
      thrown = (error as Error).message;
    }
    const printed = watcher.printed;
    writeFileSync(cross, source);
    await watcher.rebuilt(WAITING, STAGES.length + 2, output, built);
    rollupError = { printed, thrown, fixed: runModule(output, CALLS) };
  } finally {
    await watcher.stop();
  }
}

/** `rollup -w` started with a mistake in helper.ts: what it printed, and the gradient it built once the mistake was fixed. */
let startedWithError: { printed: string; fixed: unknown[] } | undefined;

async function rollupStartedWithError(project: FreshProject): Promise<void> {
  const helper = path.join(project.dir, 'src/helper.ts');
  const source = readFileSync(helper, 'utf8');
  writeFileSync(helper, source.replace('return x * x;', 'return x * parseFloat(x.toFixed(2));'));
  const watcher = new WatchProcess([ROLLUP, '-c', 'rollup.config.mjs', '-w'], project.dir);
  try {
    await watcher.printedTimes(WAITING, 1);
    const printed = watcher.printed;
    writeFileSync(helper, source);
    const output = path.join(project.dir, 'out-rollup/cross.js');
    await watcher.rebuilt(WAITING, 2, output, '');
    startedWithError = { printed, fixed: runModule(output, CALLS) };
  } finally {
    await watcher.stop();
  }
}

/** After the stages, what ssrLoadModule of cross.ts threw once a mistake was put into helper.ts. */
let devServerMistake: string | undefined;

/** The Vite dev server, in this process: what the browser and SSR get after each edit. */
async function devServer(project: FreshProject, seen: Observed, ssrSeen: Observed): Promise<void> {
  const server = await createServer({
    root: project.dir,
    configFile: path.join(project.dir, 'vite.config.mjs'),
    logLevel: 'silent',
    server: { port: 0, host: '127.0.0.1' },
  });
  servers.push(server);
  try {
    await server.listen();
    const url = new URL('/src/cross.ts', server.resolvedUrls!.local[0]).href;
    const served = async () => (await fetch(url)).text();
    const ssr = async () => {
      const module = (await server.ssrLoadModule('/src/cross.ts')) as { df: (x: number, y: number) => number[] };
      return POINTS.map(([x, y]) => module.df(x, y));
    };
    let code = '';
    let values = '';
    for (const stage of STAGES) {
      edit(project.dir, stage);
      // Until the watcher has seen the edit, the server may serve the stage before.
      const previous = code;
      code = await waitFor(`the dev server to serve a new cross.ts ${stage.name}`, async () => {
        const text = await served();
        return text !== previous ? text : undefined;
      });
      seen.push(await runFromServer(url, CALLS));
      const before = values;
      const now = await waitFor(`ssrLoadModule to give a new gradient ${stage.name}`, async () => {
        const result = await ssr();
        return JSON.stringify(result) !== before ? result : undefined;
      });
      values = JSON.stringify(now);
      ssrSeen.push(now);
    }
    // A mistake in h, two files away from cross.ts, whose text stays the same.
    const helper = path.join(project.dir, 'src/helper.ts');
    writeFileSync(helper, readFileSync(helper, 'utf8').replace('return x * x * x;', 'return x * x * x + parseFloat(x.toFixed(2));'));
    devServerMistake = await waitFor('ssrLoadModule to fail on the mistake in helper.ts', () =>
      ssr().then(
        () => undefined,
        (error: Error) => error.message,
      ),
    );
  } finally {
    servers.splice(servers.indexOf(server), 1);
    await server.close();
  }
}

/** `vitest watch` in the copy: each run of its spec writes results.json. */
function vitestWatch(project: FreshProject, seen: Observed): Promise<void> {
  const watcher = new WatchProcess([VITEST, 'watch', '--config', 'vite.config.mjs'], project.dir, { FRESH_POINTS: JSON.stringify(POINTS) });
  const results = path.join(project.dir, 'results.json');
  return watchStages(
    project.dir,
    seen,
    watcher,
    newValues('vitest to run the spec with new values', watcher, () => readResults(results)),
  );
}

const HOSTS = [
  'rollup -w, TypeScript 5.9',
  'rollup -w, TypeScript 6.0',
  'Vite dev server, in the browser',
  'Vite dev server, SSR',
  'vite build --watch',
  'vitest watch',
] as const;

beforeAll(async () => {
  ensureBuilt();
  const ssr: Observed = [];
  observed.set('Vite dev server, SSR', ssr);
  await twoAtATime([
    () => sequence('rollup -w, TypeScript 5.9', rollupSequenceWithError),
    () => sequence('rollup -w, TypeScript 6.0', rollupWatch({ FRESH_TYPESCRIPT: 'typescript-6' })),
    () => sequence('Vite dev server, in the browser', (project, seen) => devServer(project, seen, ssr)),
    () =>
      sequence('vite build --watch', (project, seen) =>
        watchSequence(project, seen, new WatchProcess([VITE, 'build', '--watch'], project.dir), /built in \d+/, 'out-vite/cross.js'),
      ),
    () => sequence('vitest watch', vitestWatch),
    () =>
      sequence('rollup -w without recreateTransformersOnRebuild', async (project) => {
        const watcher = new WatchProcess([ROLLUP, '-c', 'rollup.config.mjs', '-w'], project.dir, { FRESH_RECREATE: '0' });
        try {
          await watcher.printedTimes(WAITING, 1);
          edit(project.dir, STAGES[1]);
          await watcher.printedTimes(/recreateTransformersOnRebuild/, 1);
          withoutRecreate = watcher.printed;
        } finally {
          await watcher.stop();
        }
      }),
    () => sequence('rollup -w started with a tapeless error', rollupStartedWithError),
    () =>
      sequence('rollup -c with incremental', async (project) => {
        const { status, stdout, stderr } = await runNode([ROLLUP, '-c', 'rollup.config.mjs'], project.dir, { FRESH_INCREMENTAL: '1' });
        incremental = { status, output: stdout + stderr };
      }),
  ]);
  // Generous: a host that serves a stale gradient makes each of its waits time out.
}, 900_000);

afterAll(async () => {
  await Promise.all([WatchProcess.stopAll(), ...servers.map((server) => server.close())]);
  projects.forEach((project) => project.unlink());
});

describe.each(HOSTS)('%s', (host) => {
  STAGES.forEach((stage, i) => {
    it(`serves the gradient of f ${stage.name}`, () => expectObserved(observed.get(host) ?? [], i, `${host}, ${stage.name}`));
  });
});

describe('rollup -w, a tapeless error in a rebuild', () => {
  it('is printed with its location, the watcher goes on, and the failed call throws it when it runs', () => {
    expect(rollupError, 'the sequence ran to the end').toBeDefined();
    expect(rollupError!.printed).toMatch(
      /src\/cross\.ts \(\d+:\d+\): @rollup\/plugin-typescript TS91002: tapeless: wrt names 'nope', which is not a parameter/,
    );
    expect(rollupError!.thrown).toMatch(/Error: src\/cross\.ts:\d+:\d+ - error TS91002: tapeless: wrt names 'nope'/);
  });

  it('is gone once fixed: the next rebuild serves the gradient again', () => {
    expect(rollupError, 'the sequence ran to the end').toBeDefined();
    expectStage(rollupError!.fixed, STAGES[STAGES.length - 1], 'after the fix');
  });
});

describe('rollup -w started while helper.ts has a tapeless error', () => {
  it('fails the first build with the located error, then rebuilds once the mistake is fixed', () => {
    expect(startedWithError, observed.get('rollup -w started with a tapeless error')?.[0]?.toString()).toBeDefined();
    expect(startedWithError!.printed).toMatch(/TapelessBuildError: src\/helper\.ts\(4,14\): error TS91003: tapeless: 'parseFloat'/);
    expectStage(startedWithError!.fixed, STAGES[0], 'after the fix');
  });
});

describe('Vite dev server, a mistake put into helper.ts after the stages', () => {
  it('fails the next ssrLoadModule of cross.ts with the located message (instead of the last good gradient)', () => {
    expect(devServerMistake, 'the sequence ran to the end').toBeDefined();
    expect(devServerMistake).toMatch(/src\/helper\.ts\(4,\d+\): error TS91003: tapeless: 'parseFloat' is a function without source/);
  });
});

describe('rollup -w without recreateTransformersOnRebuild', () => {
  it('stops when f changes, saying that the plugin needs recreateTransformersOnRebuild (instead of serving the old gradient)', () => {
    expect(withoutRecreate ?? (observed.get('rollup -w without recreateTransformersOnRebuild')?.[0] as Error | undefined)?.message).toContain(
      'src/cross.ts was compiled against an old copy of src/model.ts, which its generated code is derived from',
    );
  });
});

describe('rollup -c with incremental', () => {
  it("fails, since the plugin would serve gradients from the previous run's cache, saying what to change", () => {
    expect(incremental, 'the build ran').toBeDefined();
    expect(incremental!.status).not.toBe(0);
    expect(incremental!.output).toContain('tapeless: the gradients in src/cross.ts are generated from src/model.ts, src/helper.ts; with incremental');
    expect(incremental!.output).toContain('compilerOptions: { incremental: false, composite: false }');
  });
});
