// End to end through the Node module hook: `node --import tapeless/register file.ts` runs the
// fixture project's TypeScript directly (files that call tapeless through the transformer,
// the others with their types removed), and its gradients are checked against hand
// derivations and finite differences; the bad fixture stops with each tapeless message at
// its location; a stack trace names the TypeScript line; and `node --watch` re-runs with
// fresh gradients while f's body and a helper two files away are edited.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshProject, type Observed, POINTS, STAGES, WatchProcess, copyFresh, expectObserved, newValues, watchStages } from './support/fresh.js';
import { BAD_DIAGNOSTICS, FIXTURE_CALLS, type Run, copyFixture, ensureBuilt, expectFixtureGradients, formatted, runNode, tempDir } from './support/hosts.js';

const REGISTER = ['--import', 'tapeless/register'];

// Imports a module and makes calls, as support/hosts.ts's runModule does, in a node that runs TypeScript through the hook.
const DRIVER = `
const [url, calls] = process.argv.slice(1);
const m = await import(url);
process.stdout.write(JSON.stringify(JSON.parse(calls).map(([name, args]) => (typeof m[name] === 'function' ? m[name](...args) : m[name]))));
`;

let project: string;
let good: Run;
let bad: Run;
let trace: { run: Run; file: string };
let fresh: FreshProject | undefined;
const observed: Observed = [];

/** `node --watch --import tapeless/register run/print.ts`, which prints the gradients at each (re)start. */
async function watchSequence(): Promise<void> {
  fresh = copyFresh('fresh-register');
  const watcher = new WatchProcess(['--watch', ...REGISTER, 'run/print.ts'], fresh.dir, { FRESH_POINTS: JSON.stringify(POINTS) });
  const printed = () => {
    const last = [...watcher.printed.matchAll(/^gradients (.*)$/gm)].pop()?.[1];
    return last === undefined ? undefined : (JSON.parse(last) as unknown[]);
  };
  // Node watches the files a run imported once the run has ended.
  const afterRun = (i: number) => (i > 0 ? watcher.printedTimes(/Completed running/, i) : Promise.resolve());
  await watchStages(fresh.dir, observed, watcher, newValues('node --watch to print new gradients', watcher, printed), afterRun);
}

beforeAll(async () => {
  ensureBuilt();
  const watching = watchSequence();
  // A copy, as a user's project: this repository's package.json ("type": "module") makes its .ts files ES modules.
  project = copyFixture('hosts-register');
  const url = pathToFileURL(path.join(project, 'src/main.ts')).href;
  good = await runNode([...REGISTER, '--input-type=module', '-e', DRIVER, url, JSON.stringify(FIXTURE_CALLS)], project);
  bad = await runNode([...REGISTER, 'bad/bad.ts'], project);
  const file = path.join(tempDir('hosts-register-trace'), 'trace.ts');
  writeFileSync(
    file,
    [
      "import { grad } from 'tapeless';",
      'const df = grad((x: number): number => x * x);',
      'export function fail(label: string): never {',
      '  const value: number = df(3);',
      '  throw new Error(`${label} ${value}`);',
      '}',
      "fail('thrown with');",
      '',
    ].join('\n'),
  );
  trace = { run: await runNode([...REGISTER, file], path.dirname(file)), file };
  await watching;
}, 300_000);

afterAll(async () => {
  await WatchProcess.stopAll();
  fresh?.unlink();
});

describe('node --import tapeless/register', () => {
  it("runs the fixture project's TypeScript, with gradients that match hand derivations and finite differences", async () => {
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    // Finite differences of the same primal functions, compiled by the test's own pipeline.
    const primal = await import('./fixtures/project/src/main.js');
    expectFixtureGradients(JSON.parse(good.stdout), primal);
  });

  it('stops on the bad fixture with each tapeless message at its location', () => {
    expect(bad.status).toBe(1);
    for (const diagnostic of BAD_DIAGNOSTICS) expect(bad.stderr).toContain(formatted(diagnostic));
  });

  it('maps stack traces to the lines of the TypeScript file', () => {
    expect(trace.run.status).toBe(1);
    // df(3) = 6, computed by the generated gradient; the throw is on line 5, column 9.
    expect(trace.run.stderr).toContain('Error: thrown with 6');
    expect(trace.run.stderr).toContain(`${trace.file}:5:9`);
  });
});

describe('node --watch --import tapeless/register', () => {
  STAGES.forEach((stage, i) => {
    it(`runs with the gradient of f ${stage.name}`, () => expectObserved(observed, i, `node --watch, ${stage.name}`));
  });
});
