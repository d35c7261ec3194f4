// The project's test command (`npm test`): build, typecheck, lint, package the extension, every
// vitest suite, then the tests in a real VS Code: install it when missing (scripts/e2e/installVscode.mjs),
// the extension-host integration suite (code-server), and the end-to-end UI tests.
// Ends with one line "tests: N passed, N failed, N skipped" and a non-zero exit code on any failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

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
if (!step('lint', 'npx', ['eslint', 'src', 'test', 'scripts', 'webview'])) failures.push('lint');

mkdirSync('.test-output', { recursive: true });
// the .vsix first: test/unit/packaging.test.ts checks it, and the e2e tests install it
if (!step('package', 'node', ['scripts/package.mjs'])) failures.push('package');

const report = '.test-output/vitest.json';
const e2eReport = '.test-output/vitest-e2e.json';
const integrationReport = '.test-output/integration.json';
const browserReport = '.test-output/vitest-browser.json';
for (const f of [report, e2eReport, integrationReport, browserReport]) rmSync(f, { force: true });
const vitestOk = step('unit and simulated-cluster tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
if (!vitestOk) failures.push('vitest');

// A real VS Code: code-server + Chromium. A missing piece fails on CI and skips elsewhere.
if (!step('install VS Code for the e2e tests (only what is missing)', 'node', ['scripts/e2e/installVscode.mjs']) && process.env.CI === 'true') failures.push('e2e install');
// the diagram webview in Chromium with a fake host (layout quality, CSP, escaping)
if (!step('diagram webview in Chromium (fake host)', 'npx', ['vitest', 'run', '-c', 'vitest.browser.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${browserReport}`])) failures.push('browser');
if (!step('integration suite in the extension host (code-server)', 'npx', ['tsx', 'test/integration/runCodeServer.ts'])) failures.push('integration');
if (!step('end-to-end tests (code-server + Chromium)', 'npx', ['vitest', 'run', '-c', 'vitest.e2e.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${e2eReport}`])) failures.push('e2e');

// counts of each test run: vitest's JSON report, or the integration runner's
function counts(file, kind) {
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  if (kind === 'mocha') return { passed: r.passed ?? 0, failed: r.failed ?? 0, skipped: r.pending ?? 0 };
  // a suite that fails to load has no failed test of its own: count it
  return { passed: r.numPassedTests ?? 0, failed: (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0), skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) };
}
const runs = { vitest: counts(report, 'vitest'), browser: counts(browserReport, 'vitest'), e2e: counts(e2eReport, 'vitest'), integration: counts(integrationReport, 'mocha') };
let passed = 0, failed = 0, skipped = 0;
for (const c of Object.values(runs)) {
  if (!c) continue;
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
}
if (failures.length > 0) process.stdout.write(`\nfailed steps: ${failures.join(', ')}\n`);
// a failed step that is not a test run (build, typecheck, lint, package, install) counts as one
// failure; so does a test run that failed without reporting a failed test
const stepFailures = failures.filter((f) => !(f in runs) || !runs[f] || runs[f].failed === 0).length;
process.stdout.write(`\ntests: ${passed} passed, ${failed + stepFailures} failed, ${skipped} skipped\n`);
process.exit(failures.length === 0 ? 0 : 1);
