// Fresh builds through tspc: cross.ts differentiates f from model.ts, which calls h from
// helper.ts (test/fixtures/fresh). In each mode that reuses a previous build — watch mode,
// --incremental and -b, with and without declaration — the test edits f's body, then h's,
// and checks after each rebuild that the emitted cross.js computes the new gradient (run
// with node, against the hand derivation). TypeScript's builder would re-emit only the
// edited file; tapeless's program transformer makes it re-emit cross.ts too.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshProject, CALLS, type Observed, STAGES, WatchProcess, copyFresh, edit, expectObserved, twoAtATime } from './support/fresh.js';
import { ROOT, ensureBuilt, runModule, runNode } from './support/hosts.js';

const TSPC = path.join(ROOT, 'node_modules/ts-patch/bin/tspc.js');

interface Mode {
  readonly name: string;
  readonly args: readonly string[];
  readonly watch: boolean;
  /** Compiler options of the project. */
  readonly options: { declaration?: true; incremental?: true; composite?: true };
}

// -b rebuilds a project that is neither incremental nor composite from scratch: these are
// the projects it builds incrementally (composite implies declaration).
const MODES: readonly Mode[] = [
  { name: 'tspc -w', args: ['-w', '-p', 'tsconfig.json'], watch: true, options: {} },
  { name: 'tspc --incremental', args: ['--incremental', '-p', 'tsconfig.json'], watch: false, options: {} },
  { name: 'tspc -b, incremental: true', args: ['-b', 'tsconfig.json'], watch: false, options: { incremental: true } },
  { name: 'tspc -w, declaration: true', args: ['-w', '-p', 'tsconfig.json'], watch: true, options: { declaration: true } },
  { name: 'tspc --incremental, declaration: true', args: ['--incremental', '-p', 'tsconfig.json'], watch: false, options: { declaration: true } },
  { name: 'tspc -b, composite: true', args: ['-b', 'tsconfig.json'], watch: false, options: { composite: true } },
];

const projects: FreshProject[] = [];
const observed = new Map<string, Observed>();
const declarations = new Map<string, boolean>();
/** What a further --incremental build emits when nothing changed. */
let unchanged: { status: number | null; output: string };
/** An --incremental build, and what watch mode prints, with the entry that lacks "transformProgram": true. */
let withoutProgramTransformer: { status: number | null; output: string };
let watchWithoutProgramTransformer: string;

function setTsconfig(project: FreshProject, change: (options: Record<string, unknown>) => void): void {
  const file = path.join(project.dir, 'tsconfig.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  change(config.compilerOptions);
  writeFileSync(file, JSON.stringify(config, null, 2));
}

async function tspc(project: FreshProject, args: readonly string[]): Promise<{ status: number | null; output: string }> {
  const { status, stdout, stderr } = await runNode([TSPC, ...args], project.dir);
  return { status, output: stdout + stderr };
}

/** Builds in `mode`, then edits and rebuilds stage by stage, running cross.js after each build. */
async function sequence(mode: Mode): Promise<void> {
  const project = copyFresh(
    `fresh-tspc${mode.args[0]}${Object.keys(mode.options)
      .map((option) => `-${option}`)
      .join('')}`,
  );
  projects.push(project);
  setTsconfig(project, (options) => Object.assign(options, mode.options));
  const seen: Observed = [];
  observed.set(mode.name, seen);
  const run = () => runModule(path.join(project.dir, 'out/cross.js'), CALLS);
  const watcher = mode.watch ? new WatchProcess([TSPC, ...mode.args], project.dir) : undefined;
  let built = '';
  try {
    for (const [i, stage] of STAGES.entries()) {
      edit(project.dir, stage);
      if (watcher) {
        built = await watcher.rebuilt(/Watching for file changes/, i + 1, path.join(project.dir, 'out/cross.js'), built);
      } else {
        const build = await tspc(project, mode.args);
        if (build.status !== 0) throw new Error(`${mode.name} failed (exit ${build.status}):\n${build.output}`);
      }
      seen.push(run());
    }
    declarations.set(mode.name, existsSync(path.join(project.dir, 'out/cross.d.ts')));
    if (mode.name === 'tspc --incremental') unchanged = await tspc(project, [...mode.args, '--listEmittedFiles']);
  } catch (error) {
    seen.push(error as Error);
  } finally {
    await watcher?.stop();
  }
}

beforeAll(async () => {
  ensureBuilt();
  const legacy = async () => {
    const project = copyFresh('fresh-tspc-legacy');
    projects.push(project);
    setTsconfig(project, (options) => (options.plugins = [{ transform: 'tapeless/transformer' }]));
    withoutProgramTransformer = await tspc(project, ['--incremental', '-p', 'tsconfig.json']);
    const watcher = new WatchProcess([TSPC, '-w', '-p', 'tsconfig.json'], project.dir);
    try {
      await watcher.printedTimes(/Watching for file changes/, 1);
      watchWithoutProgramTransformer = watcher.printed;
    } finally {
      await watcher.stop();
    }
  };
  await twoAtATime([...MODES.map((mode) => () => sequence(mode)), legacy]);
}, 900_000);

afterAll(async () => {
  await WatchProcess.stopAll();
  projects.forEach((project) => project.unlink());
});

describe.each(MODES)('$name', (mode) => {
  STAGES.forEach((stage, i) => {
    it(`serves the gradient of f ${stage.name}`, () => expectObserved(observed.get(mode.name) ?? [], i, `${mode.name}, ${stage.name}`));
  });

  const declaration = Boolean(mode.options.declaration || mode.options.composite);
  it(declaration ? 'emits declarations' : 'emits no declarations', () => {
    expect(declarations.get(mode.name)).toBe(declaration);
  });
});

describe('tspc --incremental', () => {
  it('re-emits nothing when nothing changed (the versions tapeless gives tsc are stable)', () => {
    expect(unchanged.status).toBe(0);
    expect(unchanged.output).not.toMatch(/TSFILE/);
  });
});

describe('the tspc entry without "transformProgram": true', () => {
  it('fails an incremental build of a cross-file gradient, and says so in watch mode, naming the files and the fix', () => {
    expect(withoutProgramTransformer.status).not.toBe(0);
    for (const output of [withoutProgramTransformer.output, watchWithoutProgramTransformer]) {
      expect(output).toContain('error TS91007: tapeless: the gradients in src/cross.ts are generated from src/model.ts, src/helper.ts');
      expect(output).toContain('"plugins": [{ "transform": "tapeless/transformer", "transformProgram": true }]');
    }
  });
});
