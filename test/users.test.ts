// Programs written the way users write them (test/fixtures/users: robotics, statistics,
// control flow, geometry, losses, physics, robust statistics, grids and kernels, curves,
// stochastic objectives, signal processing, portfolio analytics), each case of which the
// fixture's own oracle checks against finite differences of the primal it builds (gradients,
// Hessians, forward-mode derivatives and Jacobians): helpers returning tuples, module
// constants read by index, matrices read twice per entry, loop bounds with effects, switches
// falling through, destructured parameters, sorted copies and argsorts, arrays built and
// read by the array methods, arrays of arrays built and written, object results in forward
// mode and jacobian, Math.random() in loops and helpers (seeded by the oracle). Built as a
// user's project by tspc, the rollup CLI and vite build, then run with node (reverse mode: the
// transform every host runs); in-process with grad computed by forward mode.
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileForward } from './support/compile.js';
import { ROOT, ensureBuilt, runNode, tempDir } from './support/hosts.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/users');
const SOURCES = Object.fromEntries(readdirSync(path.join(FIXTURE, 'src')).map((name) => [name, readFileSync(path.join(FIXTURE, 'src', name), 'utf8')]));

interface Report {
  readonly checked: number;
  readonly failures: readonly string[];
}

/** Every case checks at least this many numbers (so that a case list emptied by mistake fails). */
const MINIMUM_CHECKED = 1000;

function expectClean(report: Report): void {
  expect(report.failures).toEqual([]);
  expect(report.checked).toBeGreaterThanOrEqual(MINIMUM_CHECKED);
}

/** A copy of the fixture as a user's project, with `tapeless` installed (linked to this repository). */
function userProject(prefix: string): string {
  const project = path.join(tempDir(prefix), 'project');
  cpSync(FIXTURE, project, { recursive: true });
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(ROOT, path.join(project, 'node_modules', 'tapeless'), 'dir');
  return project;
}

/** Runs a built main.js as a program and reads its report. */
async function runReport(mainFile: string): Promise<Report> {
  const { status, stdout, stderr } = await runNode([mainFile], path.dirname(mainFile));
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return JSON.parse(stdout) as Report;
}

beforeAll(() => ensureBuilt());

describe('user programs, in process', () => {
  it('pass the oracle with grad by forward mode', async () => {
    const compiled = compileForward(SOURCES);
    expect(compiled.messages).toEqual([]);
    expectClean((await compiled.load('main.ts')).report);
  });
});

describe('user programs through the hosts', () => {
  it('tspc builds them and node runs them', async () => {
    const project = userProject('users-tspc');
    const tspc = await runNode([path.join(ROOT, 'node_modules/ts-patch/bin/tspc.js'), '-p', 'tsconfig.json'], project);
    expect(tspc.stdout + tspc.stderr).toBe('');
    expectClean(await runReport(path.join(project, 'out/main.js')));
  });

  it('the rollup CLI builds them with @rollup/plugin-typescript and node runs the bundle', async () => {
    const project = userProject('users-rollup');
    writeFileSync(
      path.join(project, 'rollup.config.mjs'),
      [
        "import typescript from '@rollup/plugin-typescript';",
        "import { tapelessTransformers } from 'tapeless/rollup';",
        "export default { input: 'src/main.ts', output: { dir: 'out', format: 'es' }, plugins: [typescript({ transformers: tapelessTransformers() })] };",
      ].join('\n'),
    );
    const rollup = await runNode([path.join(ROOT, 'node_modules/rollup/dist/bin/rollup'), '-c', '--silent'], project);
    expect(rollup.stderr).toBe('');
    expect(rollup.status).toBe(0);
    expectClean(await runReport(path.join(project, 'out/main.js')));
  });

  it('vite build bundles them with tapeless/vite and node runs the bundle', async () => {
    const project = userProject('users-vite');
    const { default: tapeless } = await import(pathToFileURL(path.join(ROOT, 'dist/transformer/hosts/vite.js')).href);
    const outDir = path.join(project, 'dist');
    await build({ configFile: false, root: project, logLevel: 'silent', plugins: [tapeless()], build: { ssr: 'src/main.ts', outDir, minify: false } });
    expectClean(await runReport(path.join(outDir, 'main.js')));
  });
});
