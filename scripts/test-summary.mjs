// Prints the suite's totals as one plain line ("tests: N passed, N failed, N skipped"),
// read from the JSON reports that `npm test` (and `npm run test:browser`) write next to
// their usual output: the files given, or `npm test`'s.
import { readFileSync } from 'node:fs';

const files = process.argv.length > 2 ? process.argv.slice(2) : ['.tmp/vitest-results.json'];
const reports = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const sum = (count) => reports.reduce((total, report) => total + count(report), 0);
console.log(`tests: ${sum((r) => r.numPassedTests)} passed, ${sum((r) => r.numFailedTests)} failed, ${sum((r) => r.numPendingTests + r.numTodoTests)} skipped`);
