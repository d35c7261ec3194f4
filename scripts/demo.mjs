// `npm run demo`: builds, starts the simulated EKS cluster with the demo snapshot, writes its
// kubeconfig to .demo/kubeconfig.yaml and keeps serving until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');
const build = spawnSync('node', ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

mkdirSync(resolve(root, '.demo'), { recursive: true });
const kubeconfig = resolve(root, '.demo/kubeconfig.yaml');
const sim = spawn('node', ['dist/cli.js', 'sim', '--snapshot', 'demo/snapshot', '--kubeconfig', kubeconfig], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });

const stop = () => {
  if (!sim.killed) sim.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
sim.on('exit', (code) => process.exit(code ?? 0));

for await (const line of createInterface({ input: sim.stdout })) {
  process.stdout.write(line + '\n');
  if (!line.startsWith('cni-lens sim: ready')) continue;
  const ec2 = /EC2 API (\S+)/.exec(line)?.[1] ?? '';
  process.stdout.write([
    '',
    'The demo cluster is running. In another terminal:',
    `  kubectl --kubeconfig ${kubeconfig} get pods -A -o wide`,
    `  AWS_ENDPOINT_URL_EC2=${ec2} AWS_REGION=us-west-2 AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \\`,
    `    node dist/cli.js summary --kubeconfig ${kubeconfig}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'));
}
