// The generated code of reference functions, kept as golden files so that a change of the
// emitted code shows in review. `UPDATE_GOLDEN=1 npm test` rewrites them. Printed in process
// as `tapeless print` prints them (the CLI itself runs below, and on golden/functions.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/compile.js';

const require = createRequire(import.meta.url);
const { printGenerated } = require('../dist/transformer/driver/print.js') as typeof import('../dist/transformer/driver/print.js');
const { declarationRoots, readProject } = require('../dist/transformer/hosts/project.js') as typeof import('../dist/transformer/hosts/project.js');

const CLI = path.join(ROOT, 'dist/transformer/hosts/cli.js');
const CASES: Record<string, string> = {
  'seed.js': 'examples/seed.ts',
  'functions.js': 'test/golden/functions.ts',
  'springs.js': 'examples/springs.ts',
  'calls.js': 'test/golden/calls.ts',
  'forward.js': 'test/golden/forward.ts',
};

/** The sources of CASES in one program, with the options `tapeless print` reads from this repository's tsconfig. */
function goldenProgram(): ts.Program {
  const sources = Object.values(CASES).map((source) => path.join(ROOT, source));
  const project = readProject(ts, sources[0]);
  return ts.createProgram({ rootNames: [...declarationRoots(project), ...sources], options: { ...project.options, noEmit: false } });
}

describe('golden generated code', () => {
  const program = goldenProgram();
  const print = (source: string) => {
    const { text, diagnostics } = printGenerated(ts, program, program.getSourceFile(path.join(ROOT, source))!);
    expect(diagnostics).toEqual([]);
    return text;
  };

  for (const [golden, source] of Object.entries(CASES)) {
    it(`${source} -> test/golden/${golden}`, () => {
      const printed = print(source);
      const file = path.join(ROOT, 'test/golden', golden);
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, printed);
      expect(printed).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('is the same from the CLI, and byte-identical between builds', () => {
    const printed = execFileSync(process.execPath, [CLI, 'print', path.join(ROOT, 'test/golden/functions.ts')], { cwd: ROOT, encoding: 'utf8' });
    expect(printed).toBe(print('test/golden/functions.ts'));
    expect(printed).toBe(readFileSync(path.join(ROOT, 'test/golden/functions.js'), 'utf8'));
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
    expect(result.stderr).toMatch(/branch\.ts\(5,3\): error TS91001: tapeless: a 'try' statement cannot be differentiated: put the try … catch outside/);
  });

  it("reads the project's declaration files (a global declared in globals.d.ts)", () => {
    const result = print('test/fixtures/cli-ambient/scaled.ts');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/function scaled_grad\(x\)[^]*SCALE/);
  });

  it('exits 2 with the usage on bad arguments', () => {
    const result = spawnSync(process.execPath, [CLI], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: tapeless print <file.ts>');
  });
});
