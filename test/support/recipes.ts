// README's setup recipes, run as written in a fresh directory with the package as packed for
// publishing. A recipe is the README's code blocks marked `<!-- recipe: NAME [FILE] -->`, in
// order: a block with a FILE is written there (`tsconfig.json+`: its compiler options are
// added to the tsconfig there), any other block is commands run one by one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { expect } from 'vitest';
import { ROOT, type Run } from './hosts.js';

export type Step =
  { readonly kind: 'commands'; readonly commands: readonly string[] } | { readonly kind: 'file'; readonly path: string; readonly content: string };

const MARKED_BLOCK = /^( *)<!-- recipe: ([\w,-]+)(?: (\S+))? -->\n *```\w*\n([\s\S]*?)\n *```$/gm;

/** The steps of the README recipe `name`, in order. */
export function recipe(name: string): Step[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const steps: Step[] = [];
  for (const [, indent, names, file, body] of readme.matchAll(MARKED_BLOCK)) {
    if (!names.split(',').includes(name)) continue;
    const text = body
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    if (file) steps.push({ kind: 'file', path: file, content: `${text}\n` });
    else
      steps.push({
        kind: 'commands',
        commands: text
          .split('\n')
          .map((line) => line.replace(/\s+#.*$/, '').trim())
          .filter(Boolean),
      });
  }
  if (steps.length === 0) throw new Error(`README has no recipe '${name}'`);
  return steps;
}

// npm run from `npm test` exports npm_config_* (prefix, local-prefix, ...) that would point a
// nested npm back at this repository: the user's npm gets a clean environment, without
// `npm_config_yes` (README's recipes say `--yes` where npm would ask).
export const USER_ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

/** Runs `command args` in `cwd` as a user's shell would (`node` is this node). */
export function exec(command: string, args: readonly string[], cwd: string, timeout = 300_000): Run {
  const result = spawnSync(command === 'node' ? process.execPath : command, args, { cwd, env: USER_ENV, encoding: 'utf8', timeout });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The directories made outside this repository, for removeUserDirectories. */
const made: string[] = [];

function userDirectory(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tapeless-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Removes the tarballs and projects this test file made. */
export function removeUserDirectories(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Packs tapeless as `npm run pack` does for publishing (dist/ as built), into a new directory. */
export function packTapeless(): string {
  const destination = userDirectory('tarball');
  const pack = exec(process.execPath, ['scripts/pack.mjs', '--no-build', '--destination', destination], ROOT);
  if (pack.status !== 0) throw new Error(`scripts/pack.mjs failed:\n${pack.stderr}`);
  return pack.stdout.trim();
}

/** A user's directory (outside this repository), where recipes run. */
export class UserProject {
  /** Where the next command runs: a recipe may `cd`. */
  cwd: string;
  /** Every command run, with its outcome, in order. */
  readonly runs: { readonly command: string; readonly run: Run }[] = [];

  /** The directory the recipe starts in. */
  readonly root: string;

  constructor(
    readonly tarball: string,
    prefix: string,
  ) {
    this.root = this.cwd = userDirectory(prefix);
  }

  /**
   * Runs one step: writes its file, or runs its commands until one fails, with `tapeless`
   * in `npm install` standing for the packed tarball. Returns the runs of its commands.
   */
  step(step: Step): { readonly command: string; readonly run: Run }[] {
    if (step.kind === 'file' && step.path.endsWith('+')) {
      this.addCompilerOptions(step.path.slice(0, -1), JSON.parse(step.content).compilerOptions);
      return [];
    }
    if (step.kind === 'file') {
      mkdirSync(path.dirname(path.join(this.cwd, step.path)), { recursive: true });
      writeFileSync(path.join(this.cwd, step.path), step.content);
      return [];
    }
    const runs: { command: string; run: Run }[] = [];
    for (const command of step.commands) {
      const [program, ...args] = command.split(/\s+/);
      if (program === 'cd') {
        this.cwd = path.resolve(this.cwd, args[0]);
        continue;
      }
      const installs = program === 'npm' && args[0] === 'install';
      const run = this.run(program, installs ? args.map((arg) => (arg === 'tapeless' ? this.tarball : arg)) : args);
      runs.push({ command, run });
      if (run.status !== 0) break;
    }
    return runs;
  }

  /** Adds compiler options to a tsconfig (JSON with comments), `plugins` after those it has. */
  private addCompilerOptions(tsconfig: string, options: { plugins?: unknown[] }): void {
    const file = this.file(tsconfig);
    const { config, error } = ts.parseConfigFileTextToJson(file, readFileSync(file, 'utf8'));
    if (error) throw new Error(`${tsconfig}: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
    const current = config.compilerOptions ?? {};
    config.compilerOptions = { ...current, ...options, plugins: [...(current.plugins ?? []), ...(options.plugins ?? [])] };
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  }

  /** Runs a command that is not in the README, in the recipe's current directory. */
  run(program: string, args: readonly string[]): Run {
    const run = exec(program, args, this.cwd);
    this.runs.push({ command: [program, ...args].join(' '), run });
    return run;
  }

  file(name: string): string {
    return path.join(this.cwd, name);
  }
}

/** The failures among runs, for an assertion message. */
export function failures(runs: readonly { readonly command: string; readonly run: Run }[]): string {
  return runs
    .filter(({ run }) => run.status !== 0)
    .map(({ command, run }) => `$ ${command} (exit ${run.status})\n${run.stdout}\n${run.stderr}`)
    .join('\n');
}

/** Runs steps and returns the runs of their commands, the last one last. */
export function runSteps(project: UserProject, steps: readonly Step[]): { command: string; run: Run }[] {
  return steps.flatMap((step) => project.step(step));
}

/** npm's warnings about this package: peer conflicts (ERESOLVE), install scripts, engines. */
export function tapelessWarnings(run: Run): string[] {
  return run.stderr.split('\n').filter((line) => /npm warn/i.test(line) && /ERESOLVE|install-scripts|tapeless|EBADENGINE/i.test(line));
}

/** README's example prints f'(2) for f(x) = x sin x: sin 2 + 2 cos 2, derived by hand. */
export function expectPrintsGradient(run: Run | undefined): void {
  expect(run?.stderr).toBe('');
  expect(run?.status).toBe(0);
  const printed = Number(run!.stdout.trim());
  expect(Math.abs(printed - (Math.sin(2) + 2 * Math.cos(2))), `printed ${run!.stdout}`).toBeLessThanOrEqual(1e-15);
}

/** `npx tapeless print` on a file of README's example prints the generated f_grad. */
export function expectPrintsGeneratedGradient(project: UserProject, file: string): void {
  const run = project.run('npx', ['tapeless', 'print', file]);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^\/\/ grad\(f\)\nfunction f_grad\(x\) \{\n[\s\S]*Math\.cos\(x\)[\s\S]*\}\n$/);
}
