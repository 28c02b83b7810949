// End to end through tspc (ts-patch): the fixture project's tsconfig names the transformer
// as a user's does, `"plugins": [{ "transform": "tapeless/transformer" }]`; tspc builds it,
// node runs the output, and the gradients are checked against hand derivations and finite
// differences. The bad fixture must make tspc fail with located tapeless diagnostics.
import { existsSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_DIAGNOSTICS, ROOT, checkFixtureBuild, copyFixture, ensureBuilt, expectMappedInto, formatted, runNode } from './support/hosts.js';

const TSPC = path.join(ROOT, 'node_modules/ts-patch/bin/tspc.js');

let project: string;
let good: { status: number | null; output: string };
let bad: { status: number | null; output: string };

async function tspc(tsconfig: string): Promise<{ status: number | null; output: string }> {
  const { status, stdout, stderr } = await runNode([TSPC, '-p', tsconfig], project);
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
});
