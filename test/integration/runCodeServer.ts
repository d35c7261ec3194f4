/**
 * Runs the extension-host integration suite in a real VS Code (code-server in headless Chromium):
 * the simulated demo cluster is started here, its kubeconfig goes into the user settings
 * (`cniLens.kubeconfig`), and the workbench is opened with the development folder as
 * `extensionDevelopmentPath` and the bundled suite as `extensionTestsPath`. The suite's output is
 * printed as it runs; its counts go to `.test-output/integration.json`.
 *
 *   npx tsx test/integration/runCodeServer.ts     (npm run test:integration)
 *
 * Exit code 0 when the suite passed. When code-server or the browser is missing it exits 1 on CI and
 * 0 with a message elsewhere (counts: 1 skipped).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildIntegrationSuite } from '../../scripts/integration/buildIntegrationSuite.mjs';
import { isCi, missingForE2e, repoRoot } from '../e2e/harness/e2eEnvironment';
import { launchVscode } from '../e2e/harness/launchVscode';
import type { IntegrationResults } from './index';

const SUITE_TIMEOUT_MS = 300_000;
const OFFLINE_NOISE = /ENOTFOUND|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED/;
const resultsFile = join(repoRoot, '.test-output', 'integration.json');

async function main(): Promise<number> {
  mkdirSync(join(repoRoot, '.test-output'), { recursive: true });
  rmSync(resultsFile, { force: true });
  const missing = missingForE2e();
  if (missing.length > 0) {
    const message = `integration suite (code-server) cannot run: missing ${missing.join('; ')}`;
    writeFileSync(resultsFile, JSON.stringify({ passed: 0, failed: isCi ? 1 : 0, pending: isCi ? 0 : 1, failures: isCi ? [{ title: 'prerequisites', message }] : [], durationMs: 0 }) + '\n');
    process.stderr.write(`${isCi ? 'FAILED' : 'SKIPPED'}: ${message}\n`);
    return isCi ? 1 : 0;
  }

  const suite = await buildIntegrationSuite();
  const started = Date.now();
  const session = await launchVscode({
    label: 'integration',
    extension: 'dev',
    extensionTestsPath: suite,
    env: { CNI_LENS_INTEGRATION_RESULTS: resultsFile },
    // the workbench's console comes along; its offline noise (gallery lookups) is left out
    onTestLog: (line) => {
      if (!OFFLINE_NOISE.test(line)) process.stdout.write(`${line}\n`);
    },
  });
  let code: number;
  try {
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        process.stderr.write(`the integration suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s\n`);
        resolve(1);
      }, SUITE_TIMEOUT_MS).unref(),
    );
    code = await Promise.race([session.testsExit, timeout]);
  } finally {
    await session.close();
  }
  process.stdout.write(`integration suite (code-server): exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (!existsSync(resultsFile)) {
    // the suite never reached its end (failed to load, or the extension host died): one failure
    const results: IntegrationResults = { passed: 0, failed: 1, pending: 0, failures: [{ title: 'integration suite', message: `ended with exit code ${code} without results` }], durationMs: 0 };
    writeFileSync(resultsFile, JSON.stringify(results) + '\n');
    return 1;
  }
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as IntegrationResults;
  return code === 0 && results.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`integration runner failed: ${(err as Error).stack ?? String(err)}\n`);
    if (!existsSync(resultsFile)) writeFileSync(resultsFile, JSON.stringify({ passed: 0, failed: 1, pending: 0, failures: [{ title: 'integration runner', message: String(err) }], durationMs: 0 }) + '\n');
    process.exit(1);
  },
);
