/**
 * Entry point of the integration suite, run by VS Code inside its extension host (the
 * `extensionTestsPath` it is given points at the bundle of this file, `out/integration/index.js`).
 * VS Code calls `run()` and takes a rejection as failure. Mocha is bundled in: the extension host
 * has no node_modules of ours to load it from.
 *
 * The counts also go to the JSON file named by `CNI_LENS_INTEGRATION_RESULTS` when it is set, so
 * that the runners (code-server: test/integration/runCodeServer.ts; VS Code desktop:
 * scripts/integration/runElectron.mjs) can report them.
 */
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';

export interface IntegrationResults {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; message: string }[];
  durationMs: number;
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // define describe/it for the suites below (what `mocha.addFile` does before loading a file)
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  await import('./extension.test');

  const started = Date.now();
  const results: IntegrationResults = { passed: 0, failed: 0, pending: 0, failures: [], durationMs: 0 };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => results.passed++);
    runner.on('pending', () => results.pending++);
    runner.on('fail', (test, err: Error) => {
      results.failed++;
      results.failures.push({ title: test.fullTitle(), message: err?.stack ?? String(err) });
    });
  });
  results.durationMs = Date.now() - started;
  console.log(`integration: ${results.passed} passed, ${results.failed} failed, ${results.pending} skipped`);
  const out = process.env.CNI_LENS_INTEGRATION_RESULTS;
  if (out) writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  if (results.failed > 0) throw new Error(`${results.failed} integration test(s) failed`);
}
