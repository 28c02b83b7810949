// The generated code of reference functions, kept as golden files so that a change of the
// emitted code shows in review. `UPDATE_GOLDEN=1 npm test` rewrites them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/compile.js';

const CLI = path.join(ROOT, 'dist/transformer/hosts/cli.js');
const CASES: Record<string, string> = {
  'seed.js': 'examples/seed.ts',
  'functions.js': 'test/golden/functions.ts',
  'springs.js': 'examples/springs.ts',
  'calls.js': 'test/golden/calls.ts',
  'forward.js': 'test/golden/forward.ts',
};

describe('golden generated code', () => {
  for (const [golden, source] of Object.entries(CASES)) {
    it(`${source} -> test/golden/${golden}`, () => {
      const printed = execFileSync(process.execPath, [CLI, 'print', path.join(ROOT, source)], { cwd: ROOT, encoding: 'utf8' });
      const file = path.join(ROOT, 'test/golden', golden);
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, printed);
      expect(printed).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('is byte-identical between builds', () => {
    const run = () => execFileSync(process.execPath, [CLI, 'print', path.join(ROOT, 'test/golden/functions.ts')], { cwd: ROOT, encoding: 'utf8' });
    expect(run()).toBe(run());
  });
});

describe('tapeless print (CLI)', () => {
  const print = (...args: string[]) => spawnSync(process.execPath, [CLI, 'print', ...args], { cwd: ROOT, encoding: 'utf8' });

  it('--fn prints only the gradients of that function', () => {
    const result = print('test/golden/functions.ts', '--fn', 'polar');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('function polar_grad_wrt_theta(r, theta)');
    expect(result.stdout).not.toContain('rosenbrock');
  });

  it('prints diagnostics and exits 1 on code it cannot differentiate', () => {
    const result = print('test/fixtures/cli/branch.ts');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/branch\.ts\(5,3\): error TS91001: tapeless: a 'try' statement cannot be differentiated yet/);
  });

  it('exits 2 with the usage on bad arguments', () => {
    const result = spawnSync(process.execPath, [CLI], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: tapeless print <file.ts>');
  });
});
