// Prints the suite's totals as one plain line ("tests: N passed, N failed, N skipped"),
// read from the JSON report that `npm test` writes next to its usual output.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync('.tmp/vitest-results.json', 'utf8'));
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
