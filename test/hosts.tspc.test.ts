// End to end through tspc (ts-patch): the fixture project's tsconfig names the transformer
// as a user's does, `"plugins": [{ "transform": "tapeless/transformer", "transformProgram":
// true }]`; tspc builds it, node runs the output, and the gradients are checked against hand
// derivations and finite differences. The bad fixture must make tspc fail with located
// tapeless diagnostics, with --noEmit too, and the file tspc still writes must throw the
// error where the failed call runs. (Watch and incremental modes: hosts.fresh-tspc.test.ts.)
import { existsSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_DIAGNOSTICS, ROOT, checkFixtureBuild, copyFixture, ensureBuilt, expectMappedInto, formatted, reachedLine, runNode } from './support/hosts.js';

const TSPC = path.join(ROOT, 'node_modules/ts-patch/bin/tspc.js');

let project: string;
let good: { status: number | null; output: string };
let bad: { status: number | null; output: string };
let badNoEmit: { status: number | null; output: string };
let badNoEmitIncremental: { status: number | null; output: string };
let badPretty: { status: number | null; output: string };

async function tspc(tsconfig: string, ...flags: string[]): Promise<{ status: number | null; output: string }> {
  const { status, stdout, stderr } = await runNode([TSPC, '-p', tsconfig, ...flags], project);
  return { status, output: stdout + stderr };
}

beforeAll(async () => {
  ensureBuilt();
  // The fixture, as a user's project: ts-patch resolves "tapeless/transformer" with
  // require.resolve from the tsconfig's directory, which needs a node_modules/tapeless (a
  // package's self-reference does not apply there), so the copy gets one, linked to this
  // repository, as `npm install tapeless` would give it. It lives under .tmp, in the repo.
  project = copyFixture('hosts-tspc');
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(ROOT, path.join(project, 'node_modules', 'tapeless'), 'dir');
  [good, bad] = await Promise.all([tspc('tsconfig.json'), tspc('tsconfig.bad.json')]);
  // tsc's builder asks for diagnostics file by file (getBindAndCheckDiagnostics) under --incremental.
  [badNoEmit, badNoEmitIncremental, badPretty] = await Promise.all([
    tspc('tsconfig.bad.json', '--noEmit', '--outDir', 'out-bad-no-emit'),
    tspc('tsconfig.bad.json', '--noEmit', '--incremental', '--tsBuildInfoFile', 'no-emit.tsbuildinfo'),
    // What a terminal gets (tsc is --pretty there by default): related information too.
    tspc('tsconfig.bad.json', '--noEmit', '--pretty', '--outDir', 'out-bad-pretty'),
  ]);
});

// The build stays in .tmp for inspection, without its link back to the repository.
afterAll(() => {
  if (project) unlinkSync(path.join(project, 'node_modules', 'tapeless'));
});

describe('tspc (ts-patch) host', () => {
  it('builds the fixture project without diagnostics', () => {
    expect(good.output).toBe('');
    expect(good.status).toBe(0);
    expect(existsSync(path.join(project, 'out/main.js'))).toBe(true);
  });

  it('replaces every grad/valueAndGrad call with generated code', () => {
    const main = readFileSync(path.join(project, 'out/main.js'), 'utf8');
    expect(main).not.toMatch(/\b(grad|valueAndGrad)\(/);
    // The gradient of the imported `loss` reads the module constant `k` through the module.
    expect(main).toMatch(/function loss_grad\(x, y\)/);
    expect(main).toMatch(/import \* as \w+ from ['"]\.\/model\.js['"]/);
  });

  it('emits code whose gradients match hand derivations and finite differences (run with node)', async () => {
    await checkFixtureBuild(path.join(project, 'out/main.js'));
  });

  it("maps the generated gradient of the imported loss back to loss's lines in model.ts", () => {
    expectMappedInto(path.join(project, 'out/main.js'), 'loss_grad', path.join(project, 'src/model.ts'), 'export function loss(');
  });

  it('fails on the bad fixture with located TS91xxx errors, as tsc prints type errors', () => {
    expect(bad.status).not.toBe(0);
    // Printed relative to the working directory, like tsc's own errors.
    for (const diagnostic of BAD_DIAGNOSTICS) expect(bad.output).toContain(formatted(diagnostic));
    const lines = bad.output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(lines, 'only the expected errors, each once').toHaveLength(BAD_DIAGNOSTICS.length);
    expect(lines.every((line) => / error TS910\d\d: tapeless: /.test(line))).toBe(true);
  });

  it('names the API call that reached an error lying outside it, on the line after the error, and as related information with --pretty', () => {
    const reached = BAD_DIAGNOSTICS.filter((diagnostic) => diagnostic.reachedFrom);
    expect(reached.length).toBeGreaterThan(0);
    for (const diagnostic of reached) {
      for (const run of [bad, badNoEmit]) {
        const lines = run.output.split('\n');
        // tsc prints the message's second line, indented, right after the first.
        expect(lines[lines.findIndex((line) => line.startsWith(formatted(diagnostic))) + 1]).toBe(reachedLine(diagnostic));
      }
      // tsc --pretty: `file:line:col - error …`, then the code, then each related location with its code and message.
      const plain = stripVTControlCharacters(badPretty.output);
      expect(plain).toContain(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column} - error TS${diagnostic.code}: tapeless: ${diagnostic.text}`);
      const { line, column } = diagnostic.reachedFrom!;
      expect(plain).toMatch(new RegExp(`${diagnostic.file}:${line}:${column}\\n.*grad\\(counted\\)[^]*the call that differentiates it`));
    }
    // An error inside the call itself needs no second line.
    const inside = BAD_DIAGNOSTICS.find((diagnostic) => !diagnostic.reachedFrom)!;
    const lines = bad.output.split('\n');
    expect(lines[lines.findIndex((line) => line.startsWith(formatted(inside))) + 1]).not.toMatch(/while differentiating/);
  });

  it('fails on the bad fixture with --noEmit (a CI that only type-checks), with the same located errors, also with --incremental', () => {
    for (const run of [badNoEmit, badNoEmitIncremental]) {
      expect(run.status).not.toBe(0);
      for (const diagnostic of BAD_DIAGNOSTICS) expect(run.output).toContain(formatted(diagnostic));
      expect(run.output.split('\n').filter((line) => /error TS\d+/.test(line))).toHaveLength(BAD_DIAGNOSTICS.length);
    }
    expect(existsSync(path.join(project, 'out-bad-no-emit'))).toBe(false);
  });

  it('writes bad.js anyway (no noEmitOnError), where the failed call throws its error with the location when it runs', async () => {
    // The first failed call runs as the module loads; the second is never reached.
    const run = await runNode(
      ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(path.join(project, 'out-bad/bad.js')).href)})`],
      project,
    );
    expect(run.status).not.toBe(0);
    const [first] = BAD_DIAGNOSTICS;
    expect(run.stderr).toContain(`Error: ${first.file}:${first.line}:${first.column} - error TS${first.code}: tapeless: ${first.text}`);
    expect(run.stderr).not.toContain('ran without the tapeless transformer');
  });
});
