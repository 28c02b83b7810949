// Node's own dynamic import, loaded by Node's require (see run.ts: `nativeImport`): inside
// vitest, `import()` goes through Vite's module runner, and `new Function` has no import callback.
module.exports = (url) => import(url);
