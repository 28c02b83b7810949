// The corpus (test/fixtures/corpus, issue 16): fourteen programs from different fields —
// robotics, physics, graphics, finance, statistics, machine learning, signal processing,
// optimisation, navigation, epidemiology — written the way TypeScript programmers write
// them, before looking at what tapeless supports; and beside them
// (test/fixtures/corpus-rewritten) the least each user must change today for tapeless to
// accept the program. One tspc build of both, as a user's project; node then runs every
// program's cases against the oracle of test/fixtures/users (finite differences of the
// program's own primal).
//
// CORPUS is the status of each program as written: 'passes', or the diagnostics that reject
// it (line:column, code, message). When coverage work makes a program compile, its entry
// becomes 'passes' — and then it must pass its oracle: a program that compiles and fails is
// a wrong gradient. Each program's first comment says what it computes and what its user
// asks for; each rewritten one's says what had to change.
// The root tsconfig excludes both folders: their type errors (tapeless's declared types
// rejecting a program) are part of what is measured, by the build here.
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, runNode, tempDir } from './support/hosts.js';

type Status = 'passes' | readonly string[];

const CORPUS: Readonly<Record<string, Status>> = {
  'arm-ik': 'passes',
  'bezier-fit': 'passes',
  'black-scholes': 'passes',
  'diff-drive': 'passes',
  epidemic: 'passes',
  gmm: 'passes',
  'iir-filter': 'passes',
  mlp: 'passes',
  penalty: [
    "25:21 TS91001 tapeless: 'c.h' calls a function of 'constraints', a parameter of 'penalised' whose functions its caller chooses when the code runs, and tapeless differentiates the calls it sees at compile time: differentiate a function that leaves it out, such as (x, mu) => penalised(x, mu), so that its default 'CONSTRAINTS' is known (or read 'CONSTRAINTS' in 'penalised' itself).",
  ],
  portfolio: 'passes',
  projectile: 'passes',
  'ray-sphere': 'passes',
  'robust-regression': 'passes',
  'spring-mass': 'passes',
  trilateration: 'passes',
};

const FIXTURES = path.join(ROOT, 'test/fixtures');
const PROGRAMS = readdirSync(path.join(FIXTURES, 'corpus-rewritten')).map((name) => name.replace(/\.ts$/, ''));

/** Every program checks at least this many numbers (so that a case list emptied by mistake fails). */
const MINIMUM_CHECKED = 6;

interface Report {
  readonly checked?: number;
  readonly failures?: readonly string[];
  readonly threw?: string;
}

/** The diagnostics of tspc's output, by file (relative to the fixtures), as `line:column code message`. */
function diagnosticsByFile(output: string): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const match of output.matchAll(/^fixtures\/(.+?)\.ts\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)) {
    const [, file, line, column, code, message] = match;
    byFile.set(file, [...(byFile.get(file) ?? []), `${line}:${column} ${code} ${message}`]);
  }
  return byFile;
}

/** A program's status: its diagnostics, or what running its cases found. */
function statusOf(diagnostics: readonly string[] | undefined, report: Report): Status | string {
  if (diagnostics) return diagnostics;
  if (report.threw !== undefined) return `throws: ${report.threw}`;
  if (report.failures!.length > 0) return `wrong: ${report.failures!.join('\n')}`;
  return 'passes';
}

let diagnostics: Map<string, string[]>;
let reports: Record<string, Report>;

beforeAll(async () => {
  ensureBuilt();
  // A user's project holding the two folders and the oracle they import, with tapeless installed.
  const project = path.join(tempDir('corpus'), 'project');
  for (const folder of ['corpus', 'corpus-rewritten']) cpSync(path.join(FIXTURES, folder), path.join(project, 'fixtures', folder), { recursive: true });
  cpSync(path.join(FIXTURES, 'users/src/oracle.ts'), path.join(project, 'fixtures/users/src/oracle.ts'));
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(ROOT, path.join(project, 'node_modules', 'tapeless'), 'dir');
  const tspc = await runNode([path.join(ROOT, 'node_modules/ts-patch/bin/tspc.js'), '-p', 'fixtures/corpus/tsconfig.json'], project);
  diagnostics = diagnosticsByFile(tspc.stdout);
  const programs = PROGRAMS.flatMap((name) => [`corpus/${name}`, `corpus-rewritten/${name}`]);
  const run = await runNode(['out/corpus/main.js', ...programs], path.join(project, 'fixtures/corpus'));
  expect(run.stderr).toBe('');
  reports = JSON.parse(run.stdout) as Record<string, Report>;
});

describe('the corpus as written', () => {
  it('has a status for every program, and no diagnostics outside the programs', () => {
    expect(Object.keys(CORPUS).sort()).toEqual(PROGRAMS);
    const elsewhere = [...diagnostics.keys()].filter((file) => !PROGRAMS.some((name) => file === `corpus/${name}` || file === `corpus-rewritten/${name}`));
    expect(elsewhere).toEqual([]);
  });

  it.each(PROGRAMS)('%s', (name) => {
    const report = reports[`corpus/${name}`];
    expect(statusOf(diagnostics.get(`corpus/${name}`), report)).toEqual(CORPUS[name]);
    if (CORPUS[name] === 'passes') expect(report.checked).toBeGreaterThanOrEqual(MINIMUM_CHECKED);
  });
});

describe('the corpus rewritten as tapeless needs it today', () => {
  it.each(PROGRAMS)('%s compiles and passes its oracle', (name) => {
    const report = reports[`corpus-rewritten/${name}`];
    expect(statusOf(diagnostics.get(`corpus-rewritten/${name}`), report)).toBe('passes');
    expect(report.checked).toBeGreaterThanOrEqual(MINIMUM_CHECKED);
  });
});
