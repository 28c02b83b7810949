// The built playground (playground/dist) in headless Chromium, served by a plain static file
// server with every other address blocked: each example is picked, an edit that tapeless
// rejects is typed and its diagnostic found where the CLI host locates it, a fix is typed
// and the generated code compared with what the CLI host prints for the same text, then the
// plots and the run's output are checked. Screenshots go to .tmp/playground-screenshots.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './static-server';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'playground/dist');
const SHOTS = path.join(ROOT, '.tmp/playground-screenshots');
const CLI_DIR = path.join(ROOT, '.tmp/playground-cli');
const CHROMIUM = '/usr/bin/chromium';
// Patient on a busy machine, and not so eager that the polling itself slows the page.
const POLL = { timeout: 60_000, interval: 200 };
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Example {
  readonly id: string;
  /** A line of the example: the edits are typed on it. */
  readonly anchor: string;
  /** Typed at the end of the anchor line: tapeless cannot differentiate it. */
  readonly error: string;
  /** Typed over the anchor line: valid again, and the gradient changes. */
  readonly fixed: string;
  /** The exports each chart shows (in source order). */
  readonly plots: Partial<Record<'curves' | 'steps' | 'paths', string>>;
  /** Checks the run's printed output, against an oracle of the example's own. */
  readonly output: (lines: readonly string[]) => void;
}

const number = (line: string | undefined, pattern: RegExp) => Number(line?.match(pattern)?.[1]);

const EXAMPLES: readonly Example[] = [
  {
    id: 'seed',
    anchor: 'const e = Math.cos(c);',
    error: ' debugger;',
    fixed: 'const e = Math.tanh(c);',
    plots: { curves: 'f,df,d2f' },
    output: ([line]) => {
      // README's function, differentiated by central differences.
      const f = (x: number) => Math.sqrt(x * x + Math.exp(x * x)) + Math.cos(x * x + Math.exp(x * x));
      const h = 1e-5;
      expect(number(line, /f′\(0\.5\) = (\S+)/)).toBeCloseTo((f(0.5 + h) - f(0.5 - h)) / (2 * h), 8);
    },
  },
  {
    id: 'rosenbrock',
    anchor: 'const b = y - x * x;',
    error: ' debugger;',
    fixed: 'const b = y - x * x - 0.5;',
    plots: { steps: 'loss', paths: 'path,minimum' },
    output: ([line]) => {
      // Descent reaches the known minimum (1, 1) only if the gradient is right.
      expect(number(line, /\((\S+),/)).toBeCloseTo(1, 1);
      expect(number(line, /, (\S+)\)/)).toBeCloseTo(1, 1);
    },
  },
  {
    id: 'projectile',
    anchor: 'const v = Math.hypot(vx, vy);',
    error: ' debugger;',
    fixed: 'const v = Math.sqrt(vx * vx + vy * vy);',
    plots: { curves: 'distance,slope', steps: 'loss' },
    output: ([line]) => expect(number(line, /lands at (\S+) m/)).toBeCloseTo(30, 2),
  },
  {
    id: 'network',
    anchor: 'const error = predict(net, xs[i]) - ys[i];',
    error: ' debugger;',
    fixed: 'const error = predict(net, xs[i]) - 0.5 * ys[i];',
    plots: { curves: 'target,fitted', steps: 'loss' },
    output: ([line]) => expect(number(line, /loss after training: (\S+)/)).toBeLessThan(0.01),
  },
  {
    id: 'hessian',
    anchor: 'const b = y - x * x;',
    error: ' debugger;',
    fixed: 'const b = y - x * x - 0.5;',
    plots: { steps: 'loss', paths: 'path' },
    output: (lines) => {
      // Rosenbrock's Hessian at (-1.2, 1), by hand: [[2 - 400(y - 3x²), -400x], [-400x, 200]].
      const [x, y] = [-1.2, 1];
      expect(JSON.parse(lines.find((line) => line.startsWith('Hessian at (-1.2, 1): '))!.slice('Hessian at (-1.2, 1): '.length))).toEqual([
        [expect.closeTo(2 - 400 * (y - 3 * x * x), 9), expect.closeTo(-400 * x, 9)],
        [expect.closeTo(-400 * x, 9), expect.closeTo(200, 9)],
      ]);
      // Newton's method lands on the minimum (1, 1).
      const newton = lines.find((line) => line.startsWith('after '));
      expect(number(newton, /\((\S+),/)).toBeCloseTo(1, 9);
      expect(number(newton, /, (\S+)\)/)).toBeCloseTo(1, 9);
    },
  },
];

/** What the CLI host (`tapeless print`) makes of `source`: the generated code, or its diagnostics. */
function cliPrint(source: string): { code: string; errors: string } {
  const file = path.join(CLI_DIR, 'playground.ts');
  writeFileSync(file, source);
  const printed = spawnSync(process.execPath, [path.join(ROOT, 'dist/transformer/hosts/cli.js'), 'print', file], { encoding: 'utf8', cwd: CLI_DIR });
  return { code: printed.stdout, errors: printed.stderr };
}

let context: BrowserContext;
let page: Page;
let server: Awaited<ReturnType<typeof serveStatic>>;
let profile: string;
/** Requests to any other origin than the static server (blocked: the page must work offline). */
const elsewhere: string[] = [];

const docOf = (which: 'editor' | 'generated') => page.evaluate((name) => (globalThis as any).playground[name].state.doc.toString() as string, which);
const problems = () => page.locator('#problems li').allTextContents();
const textOf = async (selector: string) => (await page.textContent(selector)) ?? '';
const outputLines = async () => (await textOf('#output')).split('\n');

/** Waits until the page shows `source`'s generated code (as the CLI prints it), no problem, and a finished run. */
async function expectCompiledAndRun(source: string): Promise<string> {
  const { code, errors } = cliPrint(source);
  expect(errors).toBe('');
  await expect.poll(docOf.bind(undefined, 'generated'), POLL).toBe(code);
  await expect.poll(problems, POLL).toEqual([]);
  await expect.poll(() => textOf('#run-status'), POLL).toMatch(/^ran in/);
  return code;
}

/** Puts the cursor at the end of the editor line holding `text` (a click, then End). */
async function endOfLine(text: string): Promise<void> {
  await page.locator('#editor .cm-line', { hasText: text }).first().click();
  await page.keyboard.press('End');
}

/** The charts: which exports each shows, and that each drew its first line (pixels of its colour, #2563eb). */
async function expectPlots(plots: Example['plots']): Promise<void> {
  for (const kind of ['curves', 'steps', 'paths'] as const) {
    const canvas = page.locator(`#${kind}`);
    await expect.poll(() => canvas.getAttribute('data-series')).toBe(plots[kind] ?? '');
    if (!plots[kind]) continue;
    expect(Number(await canvas.getAttribute('data-points'))).toBeGreaterThan(1);
    const drawn = await canvas.evaluate((element: HTMLCanvasElement) => {
      const { data } = element.getContext('2d')!.getImageData(0, 0, element.width, element.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - 0x25) + Math.abs(data[i + 1] - 0x63) + Math.abs(data[i + 2] - 0xeb) < 60) count++;
      return count;
    });
    expect(drawn, `pixels of ${kind}'s first line (its legend's box has 144)`).toBeGreaterThan(400);
  }
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  expect(existsSync(path.join(DIST, 'index.html')), 'playground/dist is missing: npm run playground:build').toBe(true);
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(CLI_DIR, { recursive: true });
  server = await serveStatic(DIST);
  profile = mkdtempSync(path.join(tmpdir(), 'tapeless-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 } });
  await context.route('**/*', (route) => {
    if (route.request().url().startsWith(server.url)) return route.continue();
    elsewhere.push(route.request().url());
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => elsewhere.push(`page error: ${error.message}`));
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('the playground in Chromium', () => {
  it('loads from a static server and shows the seed gradient, plotted, with TypeScript in a worker', async () => {
    const start = Date.now();
    await page.goto(server.url);
    const code = await expectCompiledAndRun(await docOf('editor'));
    // Measured, not asserted: the page marks its first compile and its first plot (ms since navigation).
    const [compiled, ran] = await page.evaluate(() => ['compiled', 'ran'].map((name) => Math.round(performance.getEntriesByName(name)[0].startTime)));
    console.log(
      `first load: code and diagnostics at ${compiled} ms, plots at ${ran} ms after navigation (${Date.now() - start} ms seen by the test; load average ${loadavg()[0].toFixed(1)})`,
    );
    expect(code).toContain('function f_grad(x) {\n    const a = x * x;');
    // TypeScript and the transformer run in one worker, the user's code in another.
    expect(page.workers().map((worker) => path.basename(new URL(worker.url()).pathname))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^compile-worker/), expect.stringMatching(/^run-worker/)]),
    );
    await expectPlots(EXAMPLES[0].plots);
  });

  for (const example of EXAMPLES) {
    it(`${example.id}: compiles, runs and plots; a located diagnostic for an edit tapeless rejects; new code and plots after the fix`, async () => {
      await page.selectOption('#example', example.id);
      const original = await docOf('editor');
      await expect.poll(docOf.bind(undefined, 'editor')).toContain(example.anchor);
      const before = await expectCompiledAndRun(await docOf('editor'));
      await expectPlots(example.plots);
      example.output(await outputLines());
      if (example.id === 'seed') expect(original).toContain('export function f(x: number): number {');

      // An edit tapeless rejects: the diagnostic, where the CLI host puts it, and underlined in the editor.
      await endOfLine(example.anchor);
      await page.keyboard.type(example.error);
      const broken = await docOf('editor');
      const { errors } = cliPrint(broken);
      const [, line, column, code, message] = errors.match(/^\S+\((\d+),(\d+)\): error TS(\d+): (.*)$/m) ?? [];
      expect(message).toMatch(/^tapeless: /);
      // The message's first line; the lines after it name the API calls that reached it, as the CLI's do.
      const firstLines = async () => (await problems()).map((problem) => problem.split('\n')[0]);
      await expect.poll(firstLines, POLL).toEqual([`${line}:${column} TS${code} ${message}`]);
      for (const call of errors.match(/while differentiating .*$/gm) ?? []) expect((await problems())[0]).toContain(call);
      const underlined = async () => (await page.locator('#editor .cm-lintRange-error').allTextContents()).join('');
      await expect.poll(underlined).toBe(example.error.trim());
      expect(await textOf('#run-status')).toBe('not run: fix the errors first');
      await page.screenshot({ path: path.join(SHOTS, `${example.id}-error.png`) });

      // The fix: typed over the line; the new code is what the CLI host generates for the new text.
      await page.keyboard.press('Shift+Home');
      await page.keyboard.type(example.fixed);
      const after = await expectCompiledAndRun(await docOf('editor'));
      expect(after).not.toBe(before);
      await expectPlots(example.plots);
      await page.screenshot({ path: path.join(SHOTS, `${example.id}-fixed.png`) });
    });
  }

  it('stops a run that never ends, and runs again after the fix', async () => {
    await page.selectOption('#example', 'seed');
    await expectCompiledAndRun(await docOf('editor'));
    await endOfLine('console.log(');
    await page.keyboard.press('Enter');
    await page.keyboard.type('while (df(0.5) < 0) {}');
    await expect.poll(() => textOf('#run-status'), POLL).toMatch(/^stopped after \d+ s$/);
    expect(await textOf('#output')).toContain('is there a loop that never ends?');
    // The page stayed responsive: the editor takes more typing, and the next run is fresh.
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await expectCompiledAndRun(await docOf('editor'));
    await page.screenshot({ path: path.join(SHOTS, 'endless-loop-fixed.png') });
  });

  it('made no request to any other address', () => {
    expect(elsewhere).toEqual([]);
  });
});
