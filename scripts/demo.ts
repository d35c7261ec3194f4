// `npm run demo`: builds, starts the simulated EKS cluster with the demo snapshot (Kubernetes API
// and EC2 API, as `cni-lens sim` serves them), writes its kubeconfig to .demo/kubeconfig.yaml, and
// opens VS Code with CNI Lens loaded and pointed at it: desktop VS Code (`code`) when it is on PATH,
// else VS Code in the browser (code-server, installed by scripts/e2e/installVscode.mjs into the
// git-ignored .e2e/ folder), with the URL printed. Ctrl-C stops everything it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installVscode } from './e2e/installVscode.mjs';
import { startCodeServer, type CodeServer } from '../test/e2e/harness/codeServer';
import { startDemoSim, type DemoSim } from '../test/e2e/harness/startDemoSim';

const root = resolve(__dirname, '..');
const demoDir = join(root, '.demo');

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const build = spawnSync('node', ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  mkdirSync(demoDir, { recursive: true });

  const demo: DemoSim = await startDemoSim(demoDir, { liveFlows: true });
  const stops: Array<() => Promise<void>> = [() => demo.close()];
  const started: { desktop?: ChildProcess; codeServer?: CodeServer } = {};
  const stop = async () => {
    process.stdout.write('\nStopping the demo…\n');
    started.desktop?.kill('SIGTERM');
    await started.codeServer?.stop();
    for (const s of stops) await s();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  process.stdout.write(`Simulated cluster: Kubernetes API ${demo.sim.url}, EC2 API ${demo.ec2.endpoint}\n`);
  process.stdout.write(`Kubeconfig: ${demo.kubeconfigPath} (try: kubectl --kubeconfig ${demo.kubeconfigPath} get pods -A -o wide)\n`);
  const workspace = join(root, 'demo');

  if (onPath('code')) {
    // its own user-data-dir makes it a new instance, which inherits this environment
    const userDataDir = join(demoDir, 'vscode-user');
    const desktop = spawn('code', ['--new-window', '--wait', '--user-data-dir', userDataDir, `--extensionDevelopmentPath=${root}`, workspace], {
      stdio: 'inherit',
      env: { ...process.env, ...demo.env, KUBECONFIG: demo.kubeconfigPath, AWS_ENDPOINT_URL_EC2: demo.ec2.endpoint },
    });
    process.stdout.write('Opened desktop VS Code with CNI Lens. Close its window or press Ctrl-C to stop.\n');
    started.desktop = desktop;
    desktop.on('exit', () => void stop());
    return;
  }

  process.stdout.write('`code` is not on PATH: starting VS Code in the browser (code-server).\n');
  installVscode();
  const runDir = join(demoDir, 'code-server');
  const codeServer = await startCodeServer({ runDir, settings: demo.settings, logFile: join(demoDir, 'code-server.log'), env: demo.env });
  const payload = encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${codeServer.port}${root}`]]));
  started.codeServer = codeServer;
  const url = `${codeServer.origin}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`;
  process.stdout.write(`\nOpen CNI Lens in VS Code (browser):\n  ${url}\n\nClick the CNI Lens icon in the activity bar. Press Ctrl-C to stop.\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm run demo: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
