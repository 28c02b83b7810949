// The page: the editor, the examples, and the panels the two workers fill as the user types.
import { javascript } from '@codemirror/lang-javascript';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { lineNumbers } from '@codemirror/view';
import { EditorView, basicSetup, minimalSetup } from 'codemirror';
import { createPlots } from './plots';
import type { CompileReply, Problem, RunRequest, RunResult } from './protocol';
import './style.css';

const DEBOUNCE_MS = 250;
/** A run that takes longer is stopped (its worker ended): an endless loop must not hang the page. */
const RUN_LIMIT_MS = 3000;

const EXAMPLES: readonly { readonly id: string; readonly title: string }[] = [
  { id: 'seed', title: 'The seed function: f, f′ and f″' },
  { id: 'rosenbrock', title: 'Rosenbrock: gradient descent' },
  { id: 'projectile', title: 'A projectile aimed by its gradient' },
  { id: 'network', title: 'A small network fit' },
  { id: 'hessian', title: "Hessian: Newton's method" },
];
const sources = import.meta.glob<string>('../examples/*.ts', { query: '?raw', import: 'default', eager: true });
const exampleSource = (id: string) => sources[`../examples/${id}.ts`];

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = element('status');
const runPanel = element('run');
const runStatus = element('run-status');
const problemList = element<HTMLUListElement>('problems');
const output = element<HTMLPreElement>('output');
const picker = element<HTMLSelectElement>('example');
const showPlots = createPlots({ curves: element('curves'), steps: element('steps'), paths: element('paths') });

let version = 0;
let debounce: ReturnType<typeof setTimeout> | undefined;

const editor = new EditorView({
  parent: element('editor'),
  extensions: [
    basicSetup,
    EditorView.lineWrapping,
    javascript({ typescript: true }),
    lintGutter(),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      version++;
      clearTimeout(debounce);
      debounce = setTimeout(compile, DEBOUNCE_MS);
    }),
  ],
});
const generated = new EditorView({
  parent: element('code'),
  extensions: [minimalSetup, lineNumbers(), EditorView.lineWrapping, javascript(), EditorState.readOnly.of(true), EditorView.editable.of(false)],
});

// Compiling: one request at a time, the latest text when the worker is free again.
const compiler = new Worker(new URL('./compile-worker.ts', import.meta.url), { type: 'module' });
let compiling = false;
let compileAgain = false;
function compile(): void {
  if (compiling) {
    compileAgain = true;
    return;
  }
  compiling = true;
  status.textContent = 'compiling…';
  compiler.postMessage({ version, source: editor.state.doc.toString() });
}
compiler.onmessage = ({ data }: MessageEvent<CompileReply>) => {
  compiling = false;
  performance.mark('compiled'); // the first of them: how long the first load took (the browser test reports it)
  if (data.version === version) {
    status.textContent = `compiled in ${Math.round(data.milliseconds)} ms`;
    showProblems(data.problems);
    const nothing = data.problems.length > 0 ? '// nothing generated: see the errors under your code' : '// no call of grad, derivative, hessian… to show';
    generated.dispatch({ changes: { from: 0, to: generated.state.doc.length, insert: data.generated || nothing } });
    if (data.js !== undefined) run({ version, js: data.js, exports: data.exports });
    else {
      runPanel.classList.add('stale');
      runStatus.textContent = 'not run: fix the errors first';
    }
  }
  if (compileAgain) {
    compileAgain = false;
    compile();
  }
};

function showProblems(problems: readonly Problem[]): void {
  const diagnostics: Diagnostic[] = problems.map(({ from, to, severity, message }) => ({ from, to: Math.max(to, from), severity, message }));
  editor.dispatch(setDiagnostics(editor.state, diagnostics));
  problemList.replaceChildren(
    ...problems.map((problem) => {
      const item = document.createElement('li');
      item.className = problem.severity;
      item.textContent = `${problem.line}:${problem.column} TS${problem.code} ${problem.message}`;
      item.onclick = () => editor.dispatch({ selection: { anchor: problem.from, head: problem.to }, scrollIntoView: true });
      return item;
    }),
  );
}

// Running: each run in a fresh worker (started ahead, so that it is ready), ended when the run
// exceeds the limit or a newer one starts.
const startRunner = () => new Worker(new URL('./run-worker.ts', import.meta.url), { type: 'module' });
let spare = startRunner();
let runner: Worker | undefined;
let limit: ReturnType<typeof setTimeout> | undefined;
function run(request: RunRequest): void {
  runner?.terminate();
  clearTimeout(limit);
  const current = (runner = spare);
  spare = startRunner();
  current.onmessage = ({ data }: MessageEvent<RunResult | 'started'>) => {
    if (data === 'started') {
      limit = setTimeout(() => stop(current), RUN_LIMIT_MS);
      return;
    }
    clearTimeout(limit);
    current.terminate();
    if (data.version !== version) return;
    runPanel.classList.remove('stale');
    runStatus.textContent = data.error ? 'threw' : `ran in ${Math.round(data.milliseconds)} ms`;
    showPlots(data);
    performance.mark('ran');
    output.textContent = [...data.output, ...(data.error ? [data.error] : [])].join('\n');
  };
  runStatus.textContent = 'running…';
  current.postMessage(request);
}
function stop(worker: Worker): void {
  worker.terminate();
  runPanel.classList.add('stale');
  runStatus.textContent = `stopped after ${RUN_LIMIT_MS / 1000} s`;
  output.textContent = `The code ran for more than ${RUN_LIMIT_MS / 1000} s and was stopped: is there a loop that never ends?`;
}

function load(id: string): void {
  picker.value = id;
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: exampleSource(id) }, selection: { anchor: 0 }, scrollIntoView: true });
  clearTimeout(debounce);
  compile();
}

// The editors, for the browser test and the devtools console.
Object.assign(globalThis, { playground: { editor, generated } });

picker.append(...EXAMPLES.map(({ id, title }) => new Option(title, id)));
picker.onchange = () => load(picker.value);
load(EXAMPLES[0].id);
