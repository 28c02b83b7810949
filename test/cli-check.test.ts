// `tapeless check [-p tsconfig.json]`, for CI that only type-checks: every tapeless
// diagnostic of a project and of the projects it references, exit 1 on any.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BAD_DIAGNOSTICS, FIXTURE, ROOT, formatted, tempDir } from './support/hosts.js';

const CLI = path.join(ROOT, 'dist/transformer/hosts/cli.js');
const check = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, encoding: 'utf8' });

describe('tapeless check (CLI)', () => {
  it('exits 0 on a project without tapeless errors, saying what it checked', () => {
    const result = check(FIXTURE);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('tapeless: no errors (1 file using tapeless in tsconfig.json).\n');
  });

  it('prints every tapeless error with its location, as tsc does, and exits 1', () => {
    const result = check(FIXTURE, '-p', 'tsconfig.bad.json');
    expect(result.status).toBe(1);
    for (const diagnostic of BAD_DIAGNOSTICS) expect(result.stderr).toContain(formatted(diagnostic));
    expect(result.stderr.split('\n').filter((line) => /error TS\d+/.test(line))).toHaveLength(BAD_DIAGNOSTICS.length);
    expect(result.stderr).toContain(`tapeless: ${BAD_DIAGNOSTICS.length} errors in tsconfig.bad.json.`);
  });

  it('checks the projects a solution-style tsconfig references (files: [] and references)', () => {
    const dir = tempDir('cli-check');
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ files: [], references: [{ path: path.join(FIXTURE, 'tsconfig.json') }, { path: path.join(FIXTURE, 'tsconfig.bad.json') }] }),
    );
    const result = check(ROOT, '-p', dir);
    expect(result.status).toBe(1);
    for (const diagnostic of BAD_DIAGNOSTICS) expect(result.stderr).toContain(formatted(diagnostic, path.relative(ROOT, path.join(FIXTURE, diagnostic.file))));
  });

  it('exits 2 when there is no tsconfig', () => {
    const result = check(tempDir('cli-check-none'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error TS5083: Cannot read file '");
  });
});
