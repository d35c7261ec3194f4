// The project's test command (`npm test`): build, typecheck, lint, then every vitest suite.
// Ends with one line "tests: N passed, N failed, N skipped" and a non-zero exit code on any failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

function step(title, cmd, args) {
  process.stdout.write(`\n== ${title}: ${cmd} ${args.join(' ')}\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  process.stdout.write(`== ${title}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return r.status === 0;
}

const failures = [];
if (!step('build', 'node', ['scripts/build.mjs'])) failures.push('build');
if (!step('typecheck', 'npx', ['tsc', '-p', '.', '--noEmit'])) failures.push('typecheck');
if (!step('lint', 'npx', ['eslint', 'src', 'test', 'scripts'])) failures.push('lint');

mkdirSync('.test-output', { recursive: true });
const report = '.test-output/vitest.json';
const vitestOk = step('unit and simulated-cluster tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
if (!vitestOk) failures.push('vitest');

let passed = 0, failed = 0, skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests ?? 0;
  // a suite that fails to load has no failed test of its own: count it
  failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0);
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
if (failures.length > 0) process.stdout.write(`\nfailed steps: ${failures.join(', ')}\n`);
// a failed step that is not a test (build, typecheck, lint) counts as one failure
const stepFailures = failures.filter((f) => f !== 'vitest').length;
process.stdout.write(`\ntests: ${passed} passed, ${failed + stepFailures} failed, ${skipped} skipped\n`);
process.exit(failures.length === 0 ? 0 : 1);
