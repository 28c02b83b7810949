// README's Rollup recipe, run as written in a fresh directory outside this repository with the
// package as published (`npm run pack`), then TypeScript 7 beside it, and the messages of
// TypeScripts tapeless cannot run on: two TypeScripts in one build, TypeScript 7 and 4.
import { writeFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Run, ensureBuilt } from './support/hosts.js';
import {
  type Step,
  UserProject,
  expectPrintsGradient,
  failures,
  packTapeless,
  recipe,
  removeUserDirectories,
  runSteps,
  tapelessWarnings,
} from './support/recipes.js';

let tarball: string;

beforeAll(() => {
  ensureBuilt();
  tarball = packTapeless();
});

afterAll(removeUserDirectories);

describe('README recipe: Rollup, in a directory made by npm init -y', () => {
  let project: UserProject;
  let steps: Step[];
  let runs: { command: string; run: Run }[];

  beforeAll(() => {
    project = new UserProject(tarball, 'rollup');
    steps = recipe('rollup');
    // The last block is the TypeScript 7 section's (below).
    runs = runSteps(project, steps.slice(0, -1));
  });

  it('installs tapeless, typescript@6, rollup, @rollup/plugin-typescript and tslib without warnings about tapeless', () => {
    expect(failures(runs)).toBe('');
    expect(tapelessWarnings(runs.find(({ command }) => command.startsWith('npm install'))!.run)).toEqual([]);
  });

  it('bundles with npx rollup -c and prints the hand-derived gradient with node', () => {
    const [rollup, node] = runs.slice(-2);
    expect(rollup.command).toBe('npx rollup -c');
    expect(rollup.run.status).toBe(0);
    expect(rollup.run.stderr).not.toMatch(/\(!\)|warning/i);
    expect(readFileSync(project.file('dist/index.js'), 'utf8')).not.toMatch(/\bgrad\(f\)|from 'tapeless'/);
    expectPrintsGradient(node.run);
  });

  it('stops with one message where @rollup/plugin-typescript and tapeless are given two TypeScripts', () => {
    // typescript-6 (tapeless's own dependency) is TypeScript 6.0.3 like `typescript`, in another copy.
    writeFileSync(
      project.file('rollup.two.mjs'),
      "import typescript from '@rollup/plugin-typescript';\nimport ts6 from 'typescript-6';\nimport { tapelessTransformers } from 'tapeless/rollup';\n\nexport default { input: 'src/index.ts', output: { dir: 'dist-two', format: 'es' }, plugins: [typescript({ typescript: ts6, transformers: tapelessTransformers() })] };\n",
    );
    const run = project.run('npx', ['rollup', '-c', 'rollup.two.mjs']);
    expect(run.status).not.toBe(0);
    const output = run.stdout + run.stderr;
    expect(output.match(/the program was built by another TypeScript than the one tapeless was given/g)).toHaveLength(1);
    expect(output).toContain(`from ${project.file('node_modules/typescript/lib/typescript.js')}`);
    expect(output).toContain('typescript({ typescript: ts, transformers: tapelessTransformers({ typescript: ts }) })');
  });

  it("runs the TypeScript 7 section's recipe: TypeScript 6 for Rollup, TypeScript 7 as typescript-7 for type checking", () => {
    const runs7 = [...project.step(steps.at(-1)!), ...project.step(steps[4])];
    expect(failures(runs7)).toBe('');
    expect(runs7.map(({ command }) => command)).toEqual([
      'npm install --save-dev typescript@6 typescript-7@npm:typescript@7',
      'node node_modules/typescript-7/bin/tsc --noEmit',
      'npx rollup -c',
      'node dist/index.js',
    ]);
    expect(runs7[1].run.stdout + runs7[1].run.stderr).toBe('');
    expectPrintsGradient(runs7[3].run);
  });

  /** A rollup config whose tapelessTransformers is given the TypeScript of package `name`. */
  function buildGiving(name: string): string {
    const config = `rollup.${name}.mjs`;
    writeFileSync(
      project.file(config),
      `import typescript from '@rollup/plugin-typescript';\nimport given from '${name}';\nimport { tapelessTransformers } from 'tapeless/rollup';\n\nexport default { input: 'src/index.ts', output: { dir: 'dist-${name}', format: 'es' }, plugins: [typescript({ transformers: tapelessTransformers({ typescript: given }) })] };\n`,
    );
    const run = project.run('npx', ['rollup', '-c', config]);
    expect(run.status).not.toBe(0);
    return run.stdout + run.stderr;
  }

  it('stops with one message where tapeless is given TypeScript 7: which versions work and what to install', () => {
    const output = buildGiving('typescript-7');
    expect(output.match(/cannot run tapeless/g)).toHaveLength(1);
    expect(output).toMatch(
      /tapeless: TypeScript 7\.\d+\.\d+ \(given to tapelessTransformers\) cannot run tapeless, which needs TypeScript >=5\.0 <7 \(tested with 5\.9 and 6\.0\)\. TypeScript 7, the native compiler, has no transformer API/,
    );
    expect(output).toContain('npm install --save-dev typescript@6 typescript-7@npm:typescript@7');
    expect(output).not.toMatch(/Cannot read properties|\n\s+at /);
  });

  it('stops with one message where tapeless is given TypeScript 4', () => {
    const install = project.run('npm', ['install', '--save-dev', 'typescript-4@npm:typescript@4.9.5']);
    expect(install.status, install.stderr).toBe(0);
    const output = buildGiving('typescript-4');
    expect(output.match(/cannot run tapeless/g)).toHaveLength(1);
    expect(output).toContain(
      'tapeless: TypeScript 4.9.5 (given to tapelessTransformers) cannot run tapeless, which needs TypeScript >=5.0 <7 (tested with 5.9 and 6.0). Install TypeScript 6: npm install --save-dev typescript@6.',
    );
    expect(output).not.toMatch(/Cannot read properties|\n\s+at /);
  });
});
