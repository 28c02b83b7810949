// What a new user gets, with the package as published (`npm run pack`): the package itself,
// README's tspc recipe run as written in a fresh directory outside this repository (installing
// TypeScript and ts-patch from the registry and tapeless from the packed tarball), TypeScript 7
// beside it, and the language-service plugin in a real tsserver. The Rollup and Vite recipes
// are in hosts.pack-rollup.test.ts and hosts.create-vite.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type Run, ensureBuilt } from './support/hosts.js';
import {
  type Step,
  USER_ENV,
  UserProject,
  expectPrintsGeneratedGradient,
  expectPrintsGradient,
  failures,
  packTapeless,
  recipe,
  removeUserDirectories,
  runSteps,
  tapelessWarnings,
} from './support/recipes.js';
import { type Diagnostic, TsServer } from './support/tsserver.js';

let tarball: string;
let unpacked: string;

beforeAll(() => {
  ensureBuilt();
  tarball = packTapeless();
  unpacked = path.join(path.dirname(tarball), 'unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['xzf', tarball, '-C', unpacked]);
});

afterAll(removeUserDirectories);

function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(path.join(dir, entry.name), base) : [path.relative(base, path.join(dir, entry.name))],
  );
}

describe('the packed package (npm run pack)', () => {
  it('holds the built runtime, transformer and hosts, the TypeScript they are built from, and no tests', () => {
    const packed = files(path.join(unpacked, 'package'));
    for (const file of [
      'package.json',
      'README.md',
      'dist/runtime/index.js',
      'dist/runtime/index.d.ts',
      'dist/transformer/package.json',
      'dist/transformer/hosts/tspc.js',
      'dist/transformer/hosts/rollup.js',
      'dist/transformer/hosts/vite.js',
      'dist/transformer/hosts/cli.js',
      'dist/transformer/hosts/language-service.js',
      'dist/transformer/hosts/esbuild.js',
      'dist/transformer/hosts/webpack.js',
      'dist/transformer/hosts/ts-jest.js',
      'dist/transformer/hosts/ts-node.js',
      'dist/transformer/hosts/register.js',
      'dist/transformer/hosts/register-hooks.js',
      'dist/runtime/cjs/index.js',
      'dist/runtime/cjs/package.json',
      'language-service/package.json',
      'runtime/index.ts',
      'transformer/transform.ts',
      'docs/api.md',
      'docs/hosts.md',
      'docs/diagnostics.md',
    ]) {
      expect(packed, file).toContain(file);
    }
    expect(
      packed.filter(
        (file) =>
          /^(test|examples|bench|scripts)\//.test(file) ||
          /(^|\/)\.tmp\//.test(file) ||
          (file.endsWith('.md') && !/(^|\/)README\.md$|^docs\/[\w-]+\.md$/.test(file)),
      ),
    ).toEqual([]);
  });

  it("resolves the README's links to the documentation inside the package (npm shows the README)", () => {
    const readme = readFileSync(path.join(unpacked, 'package/README.md'), 'utf8');
    const documents = [...readme.matchAll(/\]\((docs\/[\w-]+\.md)(#[\w-]+)?\)/g)].map((link) => link[1]);
    expect(documents.length).toBeGreaterThan(5);
    for (const document of new Set(documents)) expect(existsSync(path.join(unpacked, 'package', document)), document).toBe(true);
  });

  it('has a package.json without lifecycle scripts or development dependencies, depending on TypeScript 6 only', () => {
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package/package.json'), 'utf8'));
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.dependencies).toEqual({ 'typescript-6': 'npm:typescript@6.0.3' });
    expect(manifest.exports['./language-service']).toEqual({
      types: './dist/transformer/hosts/language-service.d.ts',
      default: './dist/transformer/hosts/language-service.js',
    });
  });

  it("keeps a folder holding the package installable where a plain npm pack or npm publish keeps the repository's lifecycle scripts: they build only beside scripts/", () => {
    // npm runs prepare on `npm install ./folder` (a link): the repository's must do nothing in a copy of the package, which has dist/ built and no scripts/.
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const folder = path.join(unpacked, 'package');
    const before = files(path.join(folder, 'dist')).length;
    for (const script of ['prepare', 'prepack']) {
      expect(scripts[script]).toContain('scripts/build.mjs');
      execFileSync('sh', ['-c', scripts[script]], { cwd: folder, stdio: 'pipe' });
    }
    expect(files(path.join(folder, 'dist'))).toHaveLength(before);
  });

  it('has source maps whose sources are files of the package', () => {
    const root = path.join(unpacked, 'package');
    const maps = files(root).filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    for (const map of maps) {
      const { sources, sourceRoot } = JSON.parse(readFileSync(path.join(root, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const source of sources) {
        const resolved = path.resolve(root, path.dirname(map), sourceRoot ?? '', source);
        expect(resolved.startsWith(root + path.sep), `${map} -> ${source}`).toBe(true);
        expect(existsSync(resolved), `${map} -> ${source}`).toBe(true);
      }
    }
  });
});

describe('README recipe: tspc, in a directory made by npm init -y', () => {
  let project: UserProject;
  let steps: Step[];
  let runs: { command: string; run: Run }[];

  beforeAll(() => {
    project = new UserProject(tarball, 'tspc');
    steps = recipe('tspc');
    // The last block is the TypeScript 7 section's (below).
    runs = runSteps(project, steps.slice(0, -1));
  });

  it('installs tapeless, typescript@6 and ts-patch@3 without warnings about tapeless', () => {
    expect(failures(runs)).toBe('');
    const install = runs.find(({ command }) => command.startsWith('npm install'))!.run;
    expect(tapelessWarnings(install)).toEqual([]);
    expect(JSON.parse(readFileSync(project.file('node_modules/typescript/package.json'), 'utf8')).version).toMatch(/^6\./);
  });

  it('builds with npx tspc and prints the hand-derived gradient with node', () => {
    const [tspc, node] = runs.slice(-2);
    expect(tspc.command).toBe('npx tspc');
    expect(tspc.run.stdout + tspc.run.stderr).toBe('');
    expect(readFileSync(project.file('dist/index.js'), 'utf8')).not.toMatch(/\bgrad\(f\)|from 'tapeless'/);
    expectPrintsGradient(node.run);
  });

  it('names shipped source files in the stack trace of a call that was not transformed', () => {
    const run = project.run('node', ['--enable-source-maps', '--input-type=module', '-e', "import { grad } from 'tapeless'; grad((x) => x);"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/grad\(\) ran without the tapeless transformer/);
    const frames = [...run.stderr.matchAll(/at (\w+) \((\/[^():]+\.ts):(\d+):\d+\)/g)].map(([, fn, file, line]) => ({ fn, file, line: Number(line) }));
    const frame = frames.find(({ fn }) => fn === 'grad');
    expect(frame?.file).toBe(project.file('node_modules/tapeless/runtime/index.ts'));
    expect(readFileSync(frame!.file, 'utf8').split('\n')[frame!.line - 1]).toMatch(/throw notTransformed\('grad'\)/);
  });

  it('installs the tapeless CLI, which prints the generated gradient', () => {
    expectPrintsGeneratedGradient(project, 'src/index.ts');
  });

  it("runs the TypeScript 7 section's recipe: TypeScript 6 for tspc, TypeScript 7 as typescript-7 for type checking", () => {
    const runs7 = [...project.step(steps.at(-1)!), ...project.step(steps[3])];
    expect(failures(runs7)).toBe('');
    expect(runs7.map(({ command }) => command)).toEqual([
      'npm install --save-dev typescript@6 typescript-7@npm:typescript@7',
      'node node_modules/typescript-7/bin/tsc --noEmit',
      'npx tspc',
      'node dist/index.js',
    ]);
    expect(JSON.parse(readFileSync(project.file('node_modules/typescript-7/package.json'), 'utf8')).version).toMatch(/^7\./);
    expect(tapelessWarnings(runs7[0].run)).toEqual([]);
    for (const { run } of runs7.slice(1, 3)) expect(run.stdout + run.stderr).toBe('');
    expectPrintsGradient(runs7[3].run);
  });

  describe('the language-service plugin, in the tsserver of node_modules/typescript (as VS Code runs the workspace version)', () => {
    let server: TsServer;
    const source = {
      // A write to an outer variable: TS91005 at `calls`.
      'src/bad.ts':
        "import { grad } from 'tapeless';\n\nlet calls = 0;\nexport function f(x: number): number {\n  calls = calls + 1;\n  return x * x;\n}\nexport const df = grad(f);\n",
      // Functions of another file: h with the same mistake, differentiated from uses.ts.
      'src/helper.ts':
        'let count = 0;\nexport function h(x: number): number {\n  count += 1;\n  return Math.exp(x);\n}\nexport function k(x: number, y: number): number {\n  return Math.exp(x) * y;\n}\n',
      'src/uses.ts': "import { grad } from 'tapeless';\nimport { h } from './helper.js';\n\nexport const dh = grad(h);\n",
      'src/good.ts':
        "import { grad } from 'tapeless';\nimport { k } from './helper.js';\n\nexport const dk = grad(k);\nexport const dg = grad((x: number) => x * Math.sin(x));\n",
    };
    const at = (file: keyof typeof source, text: string) => {
      const lines = source[file].split('\n');
      const line = lines.findIndex((candidate) => candidate.includes(text));
      return { line: line + 1, offset: lines[line].indexOf(text) + 1 };
    };
    let syncDiagnostics: Record<string, Diagnostic[]>;
    let asyncDiagnostics: Map<string, Diagnostic[]>;

    beforeAll(async () => {
      for (const [file, text] of Object.entries(source)) writeFileSync(project.file(file), text);
      server = new TsServer(project.file('node_modules/typescript/lib/tsserver.js'), project.cwd, USER_ENV);
      for (const file of Object.keys(source)) server.notify('open', { file: project.file(file), projectRootPath: project.cwd });
      syncDiagnostics = {};
      for (const file of Object.keys(source)) syncDiagnostics[file] = await server.request('semanticDiagnosticsSync', { file: project.file(file) });
      asyncDiagnostics = await server.geterr(Object.keys(source).map((file) => project.file(file)));
    });

    afterAll(async () => {
      await server?.close();
    });

    it('reports the tapeless diagnostic at its location, with semanticDiagnosticsSync and with geterr', () => {
      const expected = { start: at('src/bad.ts', 'calls = calls'), code: 91005, category: 'error', source: 'tapeless' };
      const [sync] = syncDiagnostics['src/bad.ts'];
      expect(syncDiagnostics['src/bad.ts']).toHaveLength(1);
      expect(sync).toMatchObject({ ...expected, end: { line: expected.start.line, offset: expected.start.offset + 'calls'.length } });
      expect(sync.text).toMatch(/^tapeless: 'calls' is declared outside the differentiated function/);
      expect(asyncDiagnostics.get(project.file('src/bad.ts'))).toEqual([expect.objectContaining({ ...expected, text: sync.text })]);
    });

    it('reports the diagnostic of a function differentiated from another open file in its own file', () => {
      for (const diagnostics of [syncDiagnostics['src/helper.ts'], asyncDiagnostics.get(project.file('src/helper.ts'))]) {
        expect(diagnostics).toEqual([
          expect.objectContaining({ start: at('src/helper.ts', 'count += 1'), code: 91005, text: expect.stringMatching(/'count' is declared outside/) }),
        ]);
      }
      expect(syncDiagnostics['src/uses.ts']).toEqual([]);
    });

    it('shows the generated code when hovering an API call, as tapeless print prints it', async () => {
      const info = await server.request('quickinfo', { file: project.file('src/good.ts'), ...at('src/good.ts', 'grad((x') });
      expect(info.displayString).toMatch(/grad/);
      const [, code] = /tapeless generates:\n```js\n([\s\S]*)```$/.exec(info.documentation) ?? [];
      expect(code).toMatch(/^x => \{\n[\s\S]*Math\.cos\(x\)[\s\S]*\}\n$/);
      // The gradient of k, imported from helper.ts, as the CLI prints it.
      const imported = await server.request('quickinfo', { file: project.file('src/good.ts'), ...at('src/good.ts', 'grad(k)') });
      const printed = project.run('npx', ['tapeless', 'print', 'src/good.ts', '--fn', 'k']);
      expect(printed.status, printed.stderr).toBe(0);
      expect(printed.stdout).toMatch(/^\/\/ grad\(k\)\nfunction k_grad\(x, y\)/);
      expect(imported.documentation).toContain(`tapeless generates:\n\`\`\`js\n${printed.stdout.replace(/^\/\/ .*\n/, '')}\`\`\``);
      // A call that failed has no generated code; other positions keep TypeScript's own.
      const failed = await server.request('quickinfo', { file: project.file('src/bad.ts'), ...at('src/bad.ts', 'grad(f)') });
      expect(failed.documentation).not.toMatch(/tapeless generates/);
      const argument = await server.request('quickinfo', { file: project.file('src/good.ts'), ...at('src/good.ts', 'k);') });
      expect(argument.displayString).toMatch(/function k\(x: number, y: number\): number/);
      expect(argument.documentation).not.toMatch(/tapeless generates/);
    });
  });
});
