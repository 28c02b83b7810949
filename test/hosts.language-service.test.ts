// The language-service plugin (`"plugins": [{ "name": "tapeless/language-service" }]`) in the
// tsservers of TypeScript 5.9 and 6.0, driven through tsserver's protocol as editors drive it:
// the bad fixture's diagnostics where every other host reports them, quick info with the
// generated code, and both kept up to date while files are edited. The packed package in a
// user's project is tested in hosts.pack.test.ts and hosts.create-vite.test.ts.
import { mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_DIAGNOSTICS, ROOT, copyFixture, ensureBuilt } from './support/hosts.js';
import { TsServer } from './support/tsserver.js';

let project: string;

beforeAll(() => {
  ensureBuilt();
  // The fixture as a user's project, with node_modules/tapeless linked to this repository
  // (as `npm install tapeless` would give it) and the plugin in its tsconfigs: bad/ gets one
  // of its own, since the editor opens each file in the project of its nearest tsconfig.
  project = copyFixture('hosts-language-service');
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(ROOT, path.join(project, 'node_modules', 'tapeless'), 'dir');
  const tsconfig = JSON.parse(readFileSync(path.join(project, 'tsconfig.json'), 'utf8'));
  tsconfig.compilerOptions.plugins.push({ name: 'tapeless/language-service' });
  writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  writeFileSync(
    path.join(project, 'bad/tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { rootDir: '.', outDir: '../out-bad' }, include: ['.'] }),
  );
});

afterAll(() => {
  if (project) unlinkSync(path.join(project, 'node_modules', 'tapeless'));
});

/** 1-based line and offset of `token` in the first line of `file` containing `context`. */
function at(file: string, context: string, token = context): { line: number; offset: number } {
  const lines = readFileSync(path.join(project, file), 'utf8').split('\n');
  const line = lines.findIndex((text) => text.includes(context));
  return { line: line + 1, offset: lines[line].indexOf(context) + context.indexOf(token) + 1 };
}

describe.each([
  ['5.9', 'node_modules/typescript/lib/tsserver.js'],
  ['6.0', 'node_modules/typescript-6/lib/tsserver.js'],
])('tapeless/language-service in the tsserver of TypeScript %s', (version, tsserver) => {
  let server: TsServer;
  const file = (name: string) => path.join(project, name);

  beforeAll(() => {
    // The project's node_modules is where the plugin is found (an editor's tsserver looks
    // next to itself, in the project's node_modules; this one is the repository's).
    server = new TsServer(path.join(ROOT, tsserver), project, process.env, ['--pluginProbeLocations', project]);
    for (const name of ['bad/bad.ts', 'src/main.ts', 'src/model.ts']) server.notify('open', { file: file(name), projectRootPath: project });
  });

  afterAll(async () => {
    await server?.close();
  });

  it(`runs TypeScript ${version}`, async () => {
    const info = await server.request('status', {});
    expect(info.version).toMatch(new RegExp(`^${version.replace('.', '\\.')}\\.`));
  });

  it('reports the diagnostics of the bad fixture where tspc, Rollup and Vite report them, with semanticDiagnosticsSync and geterr', async () => {
    const expected = BAD_DIAGNOSTICS.map(({ line, column, code, text }) =>
      expect.objectContaining({ start: { line, offset: column }, code, category: 'error', text: expect.stringContaining(`tapeless: ${text}`) }),
    );
    expect(await server.request('semanticDiagnosticsSync', { file: file('bad/bad.ts') })).toEqual(expected);
    const diagnostics = await server.geterr([file('bad/bad.ts'), file('src/main.ts')]);
    expect(diagnostics.get(file('bad/bad.ts'))).toEqual(expected);
    expect(diagnostics.get(file('src/main.ts'))).toEqual([]);
  });

  it('shows the code generated for a call on hover over its API function', async () => {
    const info = await server.request('quickinfo', { file: file('src/main.ts'), ...at('src/main.ts', 'dLoss = grad(loss)', 'grad') });
    expect(info.documentation).toMatch(/tapeless generates:\n```js\nfunction loss_grad\(x, y\) \{\n[\s\S]*Math\.cos\(x \* y\)[\s\S]*\n\}\n```$/);
  });

  it('follows edits as they are typed: a function edited in another open file changes the hover, a fixed error disappears', async () => {
    // loss = k x² + sin(x y) becomes k x² + tanh(x y) in the editor (the file on disk stays).
    const sin = at('src/model.ts', 'Math.sin(x * y)');
    server.notify('change', { file: file('src/model.ts'), ...sin, endLine: sin.line, endOffset: sin.offset + 'Math.sin'.length, insertString: 'Math.tanh' });
    const info = await server.request('quickinfo', { file: file('src/main.ts'), ...at('src/main.ts', 'dLoss = grad(loss)', 'grad') });
    expect(info.documentation).toMatch(/Math\.tanh\(x \* y\)/);
    expect(info.documentation).not.toMatch(/Math\.cos\(x \* y\)/);
    // The write to `calls` is deleted: only the bad `wrt` is left.
    const write = at('bad/bad.ts', 'calls = calls + 1;');
    server.notify('change', {
      file: file('bad/bad.ts'),
      ...write,
      endLine: write.line,
      endOffset: write.offset + 'calls = calls + 1;'.length,
      insertString: '',
    });
    const diagnostics = await server.request('semanticDiagnosticsSync', { file: file('bad/bad.ts') });
    expect(diagnostics.map(({ code }: { code: number }) => code)).toEqual([BAD_DIAGNOSTICS[1].code]);
  });
});
