// End to end through Jest (ts-jest with the tapeless/ts-jest AST transformer) and ts-node
// (`node -r tapeless/ts-node`), on a copy of the fixture project set up as a CommonJS project
// (test/fixtures/jest: jest.config.cjs, a tsconfig, spec files): a Jest test file that calls
// grad, and one that imports gradients from the project, checked against hand derivations;
// the bad fixture failing its suite with each located message; ts-jest's isolatedModules
// refused with a clear error; ts-node running a script; and `jest --watchAll` re-running
// with fresh gradients while f's body and a helper two files away are edited. The runtime
// loads under Jest through package.json's "require" condition (dist/runtime/cjs).
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FreshProject,
  type Observed,
  POINTS,
  STAGES,
  WatchProcess,
  copyFresh,
  expectObserved,
  newValues,
  readResults,
  twoAtATime,
  watchStages,
} from './support/fresh.js';
import { BAD_DIAGNOSTICS, ROOT, type Run, copyFixture, ensureBuilt, formatted, runNode } from './support/hosts.js';

const JEST = path.join(ROOT, 'node_modules/jest/bin/jest.js');

let project: string;
const runs: Record<'jest' | 'isolated' | 'tsNode' | 'tsNodeBad', Run> = {} as never;
let fresh: FreshProject | undefined;
const observed: Observed = [];

/** `jest --watchAll` in a copy of the fresh fixture: each run writes results-jest.json. */
async function jestWatch(): Promise<void> {
  fresh = copyFresh('fresh-jest');
  const results = path.join(fresh.dir, 'results-jest.json');
  const watcher = new WatchProcess([JEST, '--watchAll', '--cacheDirectory', '.jest-cache'], fresh.dir, { FRESH_POINTS: JSON.stringify(POINTS) });
  // Jest takes in changes between runs.
  const betweenRuns = (i: number) => (i > 0 ? watcher.printedTimes(/Ran all test suites/, i) : Promise.resolve());
  await watchStages(
    fresh.dir,
    observed,
    watcher,
    newValues('jest to run the spec with new values', watcher, () => readResults(results)),
    betweenRuns,
  );
}

beforeAll(async () => {
  ensureBuilt();
  // The copy gets its own package.json (CommonJS), so tapeless is linked into its node_modules as npm would install it.
  project = copyFixture('hosts-jest');
  cpSync(path.join(ROOT, 'test/fixtures/jest'), project, { recursive: true });
  writeFileSync(path.join(project, 'package.json'), '{ "private": true, "type": "commonjs" }\n');
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(ROOT, path.join(project, 'node_modules/tapeless'), 'dir');
  writeFileSync(path.join(project, 'src/app.ts'), "import { dLoss } from './main.js';\n\nconsole.log(JSON.stringify(dLoss(0.3, -1.2)));\n");
  const jest =
    (config: string, ...args: string[]) =>
    () =>
      runNode([JEST, '--config', config, '--cacheDirectory', `.jest-cache-${config}`, ...args], project);
  const [watched, jestRun, isolated, tsNode, tsNodeBad] = await twoAtATime<Run | void>([
    jestWatch,
    jest('jest.config.cjs', '--verbose'),
    jest('jest.isolated.config.cjs', 'spec/gradient.spec.ts'),
    () => runNode(['-r', 'tapeless/ts-node', 'src/app.ts'], project),
    () => runNode(['-r', 'tapeless/ts-node', 'bad/bad.ts'], project),
  ]);
  void watched;
  Object.assign(runs, { jest: jestRun, isolated, tsNode, tsNodeBad });
}, 600_000);

afterAll(async () => {
  await WatchProcess.stopAll();
  fresh?.unlink();
});

describe('Jest with ts-jest and tapeless/ts-jest', () => {
  it('passes a test file that calls grad, and one of gradients imported from the project (both checked against hand derivations)', () => {
    const output = runs.jest.stderr;
    expect(output).toMatch(/PASS spec\/gradient\.spec\.ts/);
    expect(output).toMatch(/✓ grad\(loss\), imported from the project, against the hand derivation/);
    expect(output).toMatch(/✓ grad called in the test file itself/);
  });

  it('fails the suite that imports the bad fixture, with each tapeless message at its location', () => {
    expect(runs.jest.status).toBe(1);
    expect(runs.jest.stderr).toMatch(/FAIL spec\/bad\.spec\.ts\n {2}● Test suite failed to run/);
    for (const diagnostic of BAD_DIAGNOSTICS) expect(runs.jest.stderr).toContain(formatted(diagnostic));
    expect(runs.jest.stderr).toMatch(/Tests: {7}2 passed, 2 total/);
  });

  it("refuses ts-jest's isolatedModules with a message that says why and what to change", () => {
    expect(runs.isolated.status).toBe(1);
    expect(runs.isolated.stderr).toContain("tapeless needs the type checker, and ts-jest compiles each file alone with 'isolatedModules'");
  });
});

describe('node -r tapeless/ts-node', () => {
  it("runs a script that imports the project's gradients (checked against the hand derivation)", () => {
    expect(runs.tsNode.stderr).toBe('');
    const [dx, dy] = JSON.parse(runs.tsNode.stdout) as number[];
    const [x, y] = [0.3, -1.2];
    expect(Math.abs(dx - (6 * x + y * Math.cos(x * y)))).toBeLessThanOrEqual(1e-13);
    expect(Math.abs(dy - x * Math.cos(x * y))).toBeLessThanOrEqual(1e-13);
  });

  it('stops on the bad fixture with each tapeless message at its location', () => {
    expect(runs.tsNodeBad.status).toBe(1);
    expect(runs.tsNodeBad.stderr).toContain('Unable to compile TypeScript');
    for (const diagnostic of BAD_DIAGNOSTICS) expect(runs.tsNodeBad.stderr).toContain(formatted(diagnostic));
  });
});

describe('jest --watchAll', () => {
  STAGES.forEach((stage, i) => {
    it(`runs with the gradient of f ${stage.name}`, () => expectObserved(observed, i, `jest --watchAll, ${stage.name}`));
  });
});
