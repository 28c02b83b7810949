// What a new user does: install the packed package into a fresh project outside this
// repository, configure tspc as the README says, build, run. Nothing from the network: the
// package has no dependencies, and TypeScript and ts-patch (the user's own dev
// dependencies) are linked from this repository's node_modules.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from './support/hosts.js';

let work: string;
let project: string;
let packed: { name: string; files: string[] };
let install: Run;
let build: Run;
let program: Run;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// npm run from `npm test` exports npm_config_* (prefix, local-prefix, ...) that would point
// a nested npm back at this repository: the user's npm gets a clean environment.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

function exec(command: string, args: readonly string[], cwd: string): Run {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const ROSENBROCK = `import { grad, valueAndGrad } from 'tapeless';

export function rosenbrock(x: number, y: number): number {
  const a = 1 - x;
  const b = y - x * x;
  return a * a + 100 * b * b;
}

const points: [number, number][] = [[-1.2, 1], [0.5, 0.25], [2, -1], [1, 1]];
const dRosenbrock = grad(rosenbrock);
const dRosenbrockDy = grad(rosenbrock, { wrt: 'y' });
console.log(JSON.stringify(points.map(([x, y]) => ({ x, y, grad: dRosenbrock(x, y), dy: dRosenbrockDy(x, y), valueAndGrad: valueAndGrad(rosenbrock)(x, y) }))));
`;

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(path.join(os.tmpdir(), 'tapeless-user-'));
  // npm pack, without the prepare script: dist/ is built already.
  const pack = exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = { name: path.join(work, info.filename), files: info.files.map((file) => file.path) };

  project = path.join(work, 'app');
  mkdirSync(path.join(project, 'src'), { recursive: true });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2));
  install = exec('npm', ['install', packed.name, '--no-audit', '--no-fund', '--legacy-peer-deps', '--offline'], project);
  // The user's dev dependencies, from this repository instead of the registry.
  for (const dependency of ['typescript', 'ts-patch']) symlinkSync(path.join(ROOT, 'node_modules', dependency), path.join(project, 'node_modules', dependency), 'dir');

  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: [],
          rootDir: 'src',
          outDir: 'build',
          plugins: [{ transform: 'tapeless/transformer' }],
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  writeFileSync(path.join(project, 'src/index.ts'), ROSENBROCK);
  build = exec(process.execPath, ['node_modules/ts-patch/bin/tspc.js', '-p', '.'], project);
  program = exec(process.execPath, ['build/index.js'], project);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack -> npm install -> tspc -> node, in a new project', () => {
  it('packs the built runtime, transformer and hosts, and no sources or tests', () => {
    for (const file of ['package.json', 'README.md', 'dist/runtime/index.js', 'dist/runtime/index.d.ts', 'dist/transformer/package.json', 'dist/transformer/hosts/tspc.js', 'dist/transformer/hosts/rollup.js', 'dist/transformer/hosts/vite.js', 'dist/transformer/hosts/cli.js']) {
      expect(packed.files, file).toContain(file);
    }
    expect(packed.files.filter((file) => /^(test|transformer|runtime|examples|bench)\//.test(file) || /(^|\/)\.tmp\//.test(file))).toEqual([]);
  });

  it('installs offline, with no dependencies of its own', () => {
    expect(install.status, install.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules/tapeless/package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('builds with tspc and "plugins": [{ "transform": "tapeless/transformer" }], without diagnostics', () => {
    expect(build.stdout + build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(readFileSync(path.join(project, 'build/index.js'), 'utf8')).not.toMatch(/\bgrad\(rosenbrock/);
  });

  it('runs with node and prints the hand-derived gradient of the Rosenbrock function', () => {
    expect(program.stderr).toBe('');
    expect(program.status).toBe(0);
    const results = JSON.parse(program.stdout) as { x: number; y: number; grad: number[]; dy: number; valueAndGrad: [number, number[]] }[];
    expect(results).toHaveLength(4);
    for (const { x, y, grad, dy, valueAndGrad } of results) {
      const expected = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];
      const value = (1 - x) ** 2 + 100 * (y - x * x) ** 2;
      expect(grad).toHaveLength(2);
      grad.forEach((g, i) => expect(Math.abs(g - expected[i]), `grad at (${x}, ${y})[${i}]`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[i]))));
      expect(dy).toBe(grad[1]);
      expect(Math.abs(valueAndGrad[0] - value)).toBeLessThanOrEqual(1e-12 * Math.max(1, value));
      expect(valueAndGrad[1]).toEqual(grad);
    }
    // The minimum (1, 1): gradient exactly zero.
    expect(results[3].grad).toEqual([0, 0]);
  });

  it('installs the tapeless CLI, which prints the generated gradient', () => {
    const result = exec(path.join(project, 'node_modules/.bin/tapeless'), ['print', 'src/index.ts', '--fn', 'rosenbrock'], project);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/function rosenbrock_grad\(x, y\) \{/);
  });
});
