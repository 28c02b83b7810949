// README's Vite recipe, run as written from `npm create vite` (whose template installs
// TypeScript 7) with the package as published (`npm run pack`): the build type-checks with
// TypeScript 7 and compiles with tapeless's own TypeScript 6. Then the CLI on TypeScript 7,
// the message of a TypeScript 7 given to the plugin, and README's editor advice for TypeScript
// 7: TypeScript 6's tsserver beside it, with the language-service plugin.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finiteDifference } from './support/compile.js';
import { type Run, ensureBuilt } from './support/hosts.js';
import {
  USER_ENV,
  UserProject,
  expectPrintsGeneratedGradient,
  failures,
  packTapeless,
  recipe,
  removeUserDirectories,
  runSteps,
  tapelessWarnings,
} from './support/recipes.js';
import { TsServer } from './support/tsserver.js';

let project: UserProject;
let runs: { command: string; run: Run }[];

// The recipe installs create-vite's template and tapeless from npm: at a load of 20 on the
// shared machine this took more than the 120 s hook limit.
beforeAll(() => {
  ensureBuilt();
  project = new UserProject(packTapeless(), 'vite');
  runs = runSteps(project, recipe('vite'));
}, 300_000);

afterAll(removeUserDirectories);

const version = (name: string) => JSON.parse(readFileSync(project.file(`node_modules/${name}/package.json`), 'utf8')).version as string;

describe('README recipe: Vite, from npm create vite (TypeScript 7)', () => {
  it('creates the project with TypeScript 7, and installs tapeless into it without warnings about tapeless', () => {
    expect(failures(runs)).toBe('');
    expect(version('typescript')).toMatch(/^7\./);
    expect(tapelessWarnings(runs.find(({ command }) => command === 'npm install --save-dev tapeless')!.run)).toEqual([]);
  });

  it('builds with npm run build: tsc (TypeScript 7) type-checks, vite build compiles the gradient', () => {
    const build = runs.at(-1)!;
    expect(build.command).toBe('npm run build');
    expect(build.run.stdout).toMatch(/tsc && vite build/);
    const assets = readdirSync(project.file('dist/assets')).filter((file) => file.endsWith('.js'));
    expect(assets).toHaveLength(1);
    const bundle = readFileSync(project.file(`dist/assets/${assets[0]}`), 'utf8');
    // The generated gradient, not the run-time function that throws.
    expect(bundle).toMatch(/Math\.cos/);
    expect(bundle).not.toMatch(/ran without the tapeless transformer/);
  });

  it("compiles model.ts, built for node with the recipe's config, into gradients equal to sin x + x cos x", async () => {
    const ssr = project.run('npx', ['vite', 'build', '--ssr', 'src/model.ts', '--outDir', 'dist-node']);
    expect(ssr.status, ssr.stderr).toBe(0);
    const model = (await import(pathToFileURL(project.file('dist-node/model.js')).href)) as { f: (x: number) => number; df: (x: number) => number };
    for (const x of [-3, -0.5, 0, 1, 2, 7.25]) {
      const expected = Math.sin(x) + x * Math.cos(x);
      expect(Math.abs(model.df(x) - expected), `df(${x})`).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(expected)));
      expect(Math.abs(model.df(x) - finiteDifference(model.f, x)), `df(${x}) against finite differences`).toBeLessThanOrEqual(1e-8);
    }
  });

  it('runs npx tapeless print on TypeScript 7, with its own TypeScript 6', () => {
    expectPrintsGeneratedGradient(project, 'src/model.ts');
  });

  it('stops with one message where the plugin is given TypeScript 7', () => {
    writeFileSync(
      project.file('vite.ts7.config.ts'),
      "import { defineConfig } from 'vite';\nimport ts from 'typescript';\nimport tapeless from 'tapeless/vite';\n\nexport default defineConfig({ plugins: [tapeless({ typescript: ts })] });\n",
    );
    const run = project.run('npx', ['vite', 'build', '--config', 'vite.ts7.config.ts']);
    expect(run.status).not.toBe(0);
    const output = run.stdout + run.stderr;
    expect(output.match(/cannot run tapeless/g)).toHaveLength(1);
    expect(output).toMatch(
      /tapeless: TypeScript 7\.\d+\.\d+ \(given to tapeless\(\)\) cannot run tapeless, which needs TypeScript >=5\.0 <7 \(tested with 5\.9 and 6\.0\)\. TypeScript 7, the native compiler, has no transformer API: leave out the 'typescript' option/,
    );
    expect(output).not.toMatch(/Cannot read properties|\n\s+at /);
  });
});

describe("README's editor advice for TypeScript 7: TypeScript 6's tsserver beside it, with the language-service plugin", () => {
  let editorRuns: { command: string; run: Run }[];
  let tsdk: string;
  let server: TsServer;
  const bad =
    "import { grad } from 'tapeless';\n\nexport function g(x: number): number {\n  let s = 0;\n  try {\n    s = x * x;\n  } finally {\n    s += 1;\n  }\n  return s;\n}\nexport const dg = grad(g);\n";

  beforeAll(() => {
    editorRuns = runSteps(project, recipe('editor'));
    tsdk = JSON.parse(readFileSync(project.file('.vscode/settings.json'), 'utf8'))['typescript.tsdk'];
    writeFileSync(project.file('src/bad.ts'), bad);
    server = new TsServer(path.join(project.file(tsdk), 'tsserver.js'), project.cwd, USER_ENV);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('TypeScript 7 has no tsserver; typescript.tsdk points at the one of TypeScript 6', () => {
    expect(failures(editorRuns)).toBe('');
    expect(readdirSync(project.file('node_modules/typescript/lib'))).not.toContain('tsserver.js');
    expect(tsdk).toBe('node_modules/typescript-6/lib');
    expect(existsSync(path.join(project.file(tsdk), 'tsserver.js'))).toBe(true);
    expect(version('typescript-6')).toMatch(/^6\./);
    expect(JSON.parse(readFileSync(project.file('tsconfig.json'), 'utf8')).compilerOptions.plugins).toEqual([{ name: 'tapeless/language-service' }]);
  });

  it('shows the tapeless diagnostic of an open file where it is', async () => {
    const file = project.file('src/bad.ts');
    server.notify('open', { file, projectRootPath: project.cwd });
    const diagnostics = await server.request('semanticDiagnosticsSync', { file });
    const line = bad.split('\n').findIndex((text) => text.includes('try {'));
    expect(diagnostics).toEqual([
      expect.objectContaining({
        start: { line: line + 1, offset: 3 },
        code: 91001,
        category: 'error',
        text: expect.stringMatching(/^tapeless: a 'try' statement cannot be differentiated: put the try … catch outside the differentiated function/),
      }),
    ]);
  });

  it('shows the generated code on hover, as tapeless print prints it', async () => {
    const file = project.file('src/model.ts');
    server.notify('open', { file, projectRootPath: project.cwd });
    const source = readFileSync(file, 'utf8').split('\n');
    const line = source.findIndex((text) => text.includes('grad(f)'));
    const info = await server.request('quickinfo', { file, line: line + 1, offset: source[line].indexOf('grad(f)') + 1 });
    const printed = project.run('npx', ['tapeless', 'print', 'src/model.ts']);
    expect(info.documentation).toContain(`tapeless generates:\n\`\`\`js\n${printed.stdout.replace(/^\/\/ .*\n/, '')}\`\`\``);
  });
});
