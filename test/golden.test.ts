// The generated code of reference functions, kept as golden files so that a change of the
// emitted code shows in review. `UPDATE_GOLDEN=1 npm test` rewrites them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/compile.js';

const CLI = path.join(ROOT, 'dist/transformer/hosts/cli.js');
const CASES: Record<string, string> = {
  'seed.js': 'examples/seed.ts',
  'functions.js': 'test/golden/functions.ts',
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
