// The user-program generator (test/support/fuzz/users/) writes valid TypeScript: many programs
// type-checked together without tapeless, seconds where fuzz-users.test.ts compiles and runs
// each one in every mode. An invalid program is the generator's fault, and a long run would
// only count it (three of 7,500 in one: `xs[j] < (a) > (b)` read as type arguments, a tuple's
// `let n = xs.length` of literal type 3, and two helpers named `norm21`).
// Longer: FUZZ_GENERATOR_RUNS=5000 FUZZ_SEED=… npx vitest run test/fuzz-generator.test.ts
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { TMP, compilerOptions } from './support/compile.js';
import { drawArbitrary } from './support/fuzz/choices.js';
import { API_IMPORT, userProgramOf } from './support/fuzz/users/program.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x05e75);
const RUNS = Number(process.env.FUZZ_GENERATOR_RUNS ?? 300);

it(`${RUNS} drawn programs (seed ${SEED}) type-check`, () => {
  const sources = fc.sample(drawArbitrary(1500), { seed: SEED, numRuns: RUNS }).map((draw, k) => userProgramOf(draw, `p${k}`).source(true));
  mkdirSync(TMP, { recursive: true });
  const file = path.join(mkdtempSync(path.join(TMP, 'generator-')), 'main.ts');
  writeFileSync(file, API_IMPORT + sources.join('\n'));
  // The line each program starts on, to name the program an error lies in.
  const starts: number[] = [];
  let line = API_IMPORT.split('\n').length;
  for (const source of sources) {
    starts.push(line);
    line += source.split('\n').length;
  }
  const program = ts.createProgram([file], { ...compilerOptions, noEmit: true });
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      const k = starts.filter((start) => start <= at).length - 1;
      return `program ${k}, line ${at - starts[k] + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  expect(errors).toEqual([]);
}, 300_000);
