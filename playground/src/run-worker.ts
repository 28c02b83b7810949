// The run worker: executes the compiled module with its generated gradients, and sorts what
// it exports into plots. The page ends this worker when a run takes too long.
import * as tapeless from '../../dist/runtime/index.js';
import type { RunRequest, RunResult, Series } from './protocol';

const SAMPLES = 200;
const DEFAULT_DOMAIN: [number, number] = [-2, 2];

self.onmessage = ({ data }: MessageEvent<RunRequest>) => {
  self.postMessage('started'); // the page's time limit counts from here
  const start = performance.now();
  const output: string[] = [];
  const log = (...values: unknown[]) => void output.push(values.map((value) => (typeof value === 'string' ? value : show(value))).join(' '));
  const console = { log, info: log, warn: log, error: log };
  const module = { exports: {} as Record<string, unknown> };
  const require = (name: string) => {
    if (name === 'tapeless') return tapeless;
    throw new Error(`the playground has no module '${name}', only 'tapeless'`);
  };
  let result: Omit<RunResult, 'version' | 'milliseconds' | 'output'> = { curves: [], domain: DEFAULT_DOMAIN, steps: [], paths: [] };
  let error: string | undefined;
  try {
    new Function('require', 'module', 'exports', 'console', data.js)(require, module, module.exports, console);
    result = plotsOf(module.exports, data.exports, output);
  } catch (thrown) {
    error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  }
  const reply: RunResult = { version: data.version, ...result, output, error, milliseconds: performance.now() - start };
  self.postMessage(reply);
};

/**
 * The exports, by what they are: functions of one number returning a number become curves
 * over `domain`, arrays of numbers become lines by step, arrays of [x, y] become paths; the
 * rest is printed.
 */
function plotsOf(exports: Record<string, unknown>, order: readonly string[], output: string[]): Omit<RunResult, 'version' | 'milliseconds' | 'output'> {
  const domain = isDomain(exports.domain) ? exports.domain : DEFAULT_DOMAIN;
  const curves: Series[] = [];
  const steps: Series[] = [];
  const paths: Series[] = [];
  for (const name of new Set([...order, ...Object.keys(exports)])) {
    const value = exports[name];
    if (name === 'domain' || !(name in exports)) continue;
    if (typeof value === 'function' && value.length === 1) {
      const curve = sample(name, value as (x: number) => unknown, domain);
      if (typeof curve === 'string') output.push(`${name}: ${curve}`);
      else curves.push(curve);
    } else if (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'number')) {
      steps.push({ name, points: value.map((y: number, i) => [i, finite(y)]) });
    } else if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((entry) => Array.isArray(entry) && entry.length === 2 && entry.every((n) => typeof n === 'number'))
    ) {
      paths.push({ name, points: value.map(([x, y]: [number, number]) => [x, finite(y)]) });
    } else {
      output.push(`${name} = ${show(value)}`);
    }
  }
  return { curves, domain, steps, paths };
}

/** f at SAMPLES + 1 points of the domain, or why it is not plotted. */
function sample(name: string, f: (x: number) => unknown, [from, to]: readonly [number, number]): Series | string {
  const points: [number, number | null][] = [];
  for (let i = 0; i <= SAMPLES; i++) {
    const x = from + ((to - from) * i) / SAMPLES;
    let y: unknown;
    try {
      y = f(x);
    } catch (thrown) {
      return `not plotted: ${name}(${x}) threw ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`;
    }
    if (typeof y !== 'number') return `not plotted: ${name}(${x}) returned ${show(y)}, not a number`;
    points.push([x, finite(y)]);
  }
  return { name, points };
}

const finite = (y: number) => (Number.isFinite(y) ? y : null);
const isDomain = (value: unknown): value is [number, number] =>
  Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number') && value[0] < value[1];

function show(value: unknown): string {
  if (typeof value === 'function') return `[function ${value.name || '(anonymous)'}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} ${show(Array.from(value as unknown as ArrayLike<number>))}`;
  return (
    JSON.stringify(value, (_key, entry) =>
      typeof entry === 'number' && !Number.isFinite(entry)
        ? String(entry)
        : ArrayBuffer.isView(entry)
          ? Array.from(entry as unknown as ArrayLike<number>)
          : entry,
    ) ?? String(value)
  );
}
