// Prints `N passed, N failed` from vitest's JSON report plus the checks of tools/test.sh.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.tmp/results';
let passed = 0;
let failed = 0;
const vitest = join(dir, 'vitest.json');
if (existsSync(vitest)) {
  const report = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  // A test file that fails to load has no tests but must count as a failure.
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
  }
} else {
  failed += 1;
}
const checks = join(dir, 'checks.txt');
if (existsSync(checks)) {
  for (const line of readFileSync(checks, 'utf8').split('\n')) {
    if (line.startsWith('PASS ')) passed += 1;
    else if (line.startsWith('FAIL ')) failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
