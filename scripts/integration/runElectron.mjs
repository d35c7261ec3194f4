#!/usr/bin/env node
// Runs the extension-host integration suite (test/integration, the same one the code-server runner
// runs) in VS Code desktop through @vscode/test-electron, which downloads VS Code from Microsoft's
// update service: it works where that is reachable (a laptop, GitHub Actions), not on the project's
// own machines. Linux without a display needs `xvfb-run -a`.
//
//   node scripts/build.mjs && xvfb-run -a node scripts/integration/runElectron.mjs
//
// VSCODE_VERSION picks the VS Code (default `stable`; e.g. `1.90.0`, the oldest that package.json's
// engines allow). The simulated demo cluster is `cni-lens sim` (dist/cli.js); its kubeconfig, with
// the context renamed `shop-prod`, and its EC2 endpoint go into a fresh user-data-dir's settings.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { parse, stringify } from 'yaml';
import { buildIntegrationSuite } from './buildIntegrationSuite.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONTEXT = 'shop-prod';
const resultsFile = join(root, '.test-output', 'integration-electron.json');

/** Starts `cni-lens sim` on the demo snapshot; resolves once it printed its ready line. */
function startSim(kubeconfigPath) {
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'sim', '--snapshot', join(root, 'demo', 'snapshot'), '--kubeconfig', kubeconfigPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`cni-lens sim printed no ready line in 30 s: ${out}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`cni-lens sim exited (${code}): ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const ec2 = /EC2 API (http:\/\/\S+?),? /.exec(out);
      if (/ready/.test(out) && ec2) {
        clearTimeout(timer);
        resolvePromise({ child, ec2Endpoint: ec2[1] });
      }
    });
  });
}

/** Renames the kubeconfig's context, cluster and user to `name`. */
function renameContext(kubeconfigPath, name) {
  const k = parse(readFileSync(kubeconfigPath, 'utf8'));
  k.clusters[0].name = k.contexts[0].context.cluster = name;
  k.users[0].name = k.contexts[0].context.user = name;
  k.contexts[0].name = k['current-context'] = name;
  writeFileSync(kubeconfigPath, stringify(k), { mode: 0o600 });
}

async function main() {
  if (!existsSync(join(root, 'dist', 'extension.js')) || !existsSync(join(root, 'dist', 'cli.js'))) throw new Error('build first: node scripts/build.mjs');
  const suite = await buildIntegrationSuite();
  const runDir = mkdtempSync(join(tmpdir(), 'cni-lens-electron-'));
  const kubeconfigPath = join(runDir, 'kubeconfig.yaml');
  const { child: sim, ec2Endpoint } = await startSim(kubeconfigPath);
  try {
    renameContext(kubeconfigPath, CONTEXT);
    const userDataDir = join(runDir, 'ud');
    const workspace = join(runDir, 'workspace');
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    mkdirSync(workspace, { recursive: true });
    const quiet = JSON.parse(readFileSync(join(root, 'test', 'e2e', 'harness', 'quietSettings.json'), 'utf8'));
    const settings = { ...quiet, 'cniLens.kubeconfig': kubeconfigPath, 'cniLens.context': CONTEXT, 'cniLens.aws.endpoint': ec2Endpoint, 'cniLens.aws.region': 'us-west-2' };
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    mkdirSync(dirname(resultsFile), { recursive: true });
    rmSync(resultsFile, { force: true });

    await runTests({
      version: process.env.VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: suite,
      launchArgs: [workspace, '--user-data-dir', userDataDir, '--extensions-dir', join(runDir, 'exts'), '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--disable-gpu'],
      extensionTestsEnv: {
        CNI_LENS_INTEGRATION_RESULTS: resultsFile,
        // not secrets: the simulated EC2 API accepts any signature
        AWS_ACCESS_KEY_ID: 'AKIDE2ETEST',
        AWS_SECRET_ACCESS_KEY: 'e2e-test',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
  } finally {
    sim.kill('SIGTERM');
    rmSync(runDir, { recursive: true, force: true });
  }
  const r = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
  process.stdout.write(r ? `integration (VS Code desktop): ${r.passed} passed, ${r.failed} failed, ${r.pending} skipped\n` : 'integration (VS Code desktop): no results\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`integration suite (VS Code desktop) failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
