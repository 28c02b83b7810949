// README's recipes for esbuild, webpack, Jest, ts-node and the Node hook, run as written in a
// new directory, with the tools this repository pins (its node_modules, found from .tmp) and
// tapeless linked as npm installs it: each prints (or checks, for Jest) f'(2) for
// f(x) = x sin x, derived by hand. Their `npm install` lines are checked against the pinned
// development dependencies instead of run (the tspc, Rollup and Vite recipes are run with
// the registry and the packed package in hosts.pack*.test.ts and hosts.create-vite.test.ts).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { twoAtATime } from './support/fresh.js';
import { ROOT, type Run, ensureBuilt, runProgram, tempDir } from './support/hosts.js';
import { expectPrintsGradient, recipe } from './support/recipes.js';

const HOSTS = ['esbuild', 'webpack', 'jest', 'ts-node', 'register'] as const;
type Host = (typeof HOSTS)[number];

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

/** Runs `program args` in `cwd`, `npx` standing for this repository's node_modules/.bin. */
function run(program: string, args: readonly string[], cwd: string): Promise<Run> {
  const [command, commandArgs] =
    program === 'npx'
      ? [process.execPath, [path.join(ROOT, 'node_modules/.bin', args[0]), ...args.slice(1)]]
      : program === 'node'
        ? [process.execPath, args]
        : [program, args];
  // Not this test run's npm_* and VITEST* variables, which would point npm back at this repository.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|VITEST)/i.test(name)));
  return runProgram(command, commandArgs, cwd, { ...env, NO_COLOR: '1', FORCE_COLOR: '0' });
}

interface Outcome {
  /** Packages the recipe installs. */
  readonly installs: string[];
  /** The runs of its commands after the installs, the last one last. */
  readonly runs: { command: string; run: Run }[];
}

async function runRecipe(host: Host): Promise<Outcome> {
  const dir = tempDir(`recipe-${host}`);
  const installs: string[] = [];
  const runs: { command: string; run: Run }[] = [];
  for (const step of recipe(host)) {
    if (step.kind === 'file') {
      mkdirSync(path.dirname(path.join(dir, step.path)), { recursive: true });
      writeFileSync(path.join(dir, step.path), step.content);
      continue;
    }
    for (const command of step.commands) {
      const [program, ...args] = command.split(/\s+/);
      if (program === 'npm' && args[0] === 'install') {
        installs.push(...args.filter((arg) => !arg.startsWith('-')).slice(1));
        mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
        symlinkSync(ROOT, path.join(dir, 'node_modules/tapeless'), 'dir');
        continue;
      }
      const outcome = await run(program, args, dir);
      runs.push({ command, run: outcome });
      if (outcome.status !== 0) return { installs, runs };
    }
  }
  return { installs, runs };
}

const outcomes = new Map<Host, Outcome>();

beforeAll(async () => {
  ensureBuilt();
  const results = await twoAtATime(HOSTS.map((host) => () => runRecipe(host)));
  HOSTS.forEach((host, i) => outcomes.set(host, results[i]));
}, 300_000);

describe.each(HOSTS)('README recipe: %s', (host) => {
  it('installs tapeless and tools this repository pins and tests', () => {
    const { installs } = outcomes.get(host)!;
    expect(installs[0]).toBe('tapeless');
    for (const name of installs.slice(1)) {
      const pkg = name.split(/(?<=.)@/)[0];
      expect(manifest.devDependencies[pkg], `${name} is a development dependency`).toBeDefined();
    }
  });

  it("builds and runs, with f'(2) = sin 2 + 2 cos 2", () => {
    const { runs } = outcomes.get(host)!;
    const last = runs[runs.length - 1];
    if (host === 'jest') {
      expect(last.run.status, last.run.stderr).toBe(0);
      expect(last.run.stderr).toMatch(/Tests: {7}1 passed, 1 total/);
    } else {
      expect(runs.filter(({ run: outcome }) => outcome.status !== 0).map(({ command, run: outcome }) => `${command}\n${outcome.stderr}`)).toEqual([]);
      expectPrintsGradient(last.run);
    }
  });
});
