import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRequests, nonReadRequests } from '../../src/sim/readOnlyAudit';
import { summarizeCluster } from '../../src/core/analysis/clusterSummary';
import { loadKubeConfig } from '../../src/core/sources/kubeconfig';
import { openLiveStore } from '../../src/core/sources/liveStore';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import { startSimEc2, type SimEc2 } from '../../src/sim/ec2Server';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';

const run = promisify(execFile);
const DEMO = resolve(__dirname, '../../demo/snapshot');
const CLI = resolve(__dirname, '../../dist/cli.js');

describe('summary of the demo: live through the simulated cluster vs from files', () => {
  let cluster: SimCluster;
  let ec2: SimEc2;
  let kubeconfigPath: string;
  const awsEnv = () => ({
    AWS_ENDPOINT_URL_EC2: ec2.endpoint,
    AWS_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: 'AKIDSIMTEST',
    AWS_SECRET_ACCESS_KEY: 'sim-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  beforeAll(async () => {
    const raw = await loadSnapshot(DEMO);
    cluster = await startSimCluster({ snapshot: raw });
    ec2 = await startSimEc2({ aws: raw.aws });
    const dir = mkdtempSync(join(tmpdir(), 'cni-lens-summary-'));
    kubeconfigPath = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfigPath, cluster.kubeconfig());
  });

  afterAll(async () => {
    await cluster?.close();
    await ec2?.close();
  });

  it('agrees on every count, the mode and the unmanaged pods', async () => {
    const files = await loadSnapshotStore(DEMO);
    const fromFiles = summarizeCluster(files.store, files.sources);

    const saved = { ...process.env };
    Object.assign(process.env, awsEnv(), { HOME: mkdtempSync(join(tmpdir(), 'cni-lens-home-')) });
    try {
      const live = await openLiveStore(loadKubeConfig({ path: kubeconfigPath }), { syncTimeoutMs: 20_000 });
      try {
        const fromApi = summarizeCluster(live.store, live.sources);
        expect(fromApi.counts).toEqual(fromFiles.counts);
        expect(fromApi.mode).toEqual(fromFiles.mode);
        expect(fromApi.unmanagedExamples).toEqual(fromFiles.unmanagedExamples);
        expect(live.sources.find((s) => s.name === 'ec2')?.state).toBe('ok');
        // ipamd was read through port-forward to each node's aws-node pod
        expect(live.sources.find((s) => s.name === 'ipamd')?.detail).toMatch(/^\/v1\/enis of 7 of 7 nodes/);
      } finally {
        await live.live.stop();
      }
    } finally {
      process.env = saved;
    }
    // the demo is what its README says: chained, with two pods older than Cilium
    expect(fromFiles.mode.mode).toBe('aws-cni-chaining');
    expect(fromFiles.counts.unmanagedPods).toBe(2);
    expect(fromFiles.counts.nodes).toBeGreaterThanOrEqual(6);
    expect(fromFiles.counts.enis).toBeGreaterThanOrEqual(fromFiles.counts.nodes * 2);
  });

  it('the built CLI prints the same counts live and from files', async () => {
    if (!existsSync(CLI)) {
      if (process.env.CI) throw new Error(`${CLI} is missing: npm test builds it first`);
      return;
    }
    const env = { ...process.env, ...awsEnv(), HOME: mkdtempSync(join(tmpdir(), 'cni-lens-home-')) };
    const [live, files] = await Promise.all([
      run('node', [CLI, 'summary', '--kubeconfig', kubeconfigPath, '--json'], { env }),
      run('node', [CLI, 'summary', '--snapshot', DEMO, '--json'], { env }),
    ]);
    const a = JSON.parse(live.stdout) as { counts: unknown; mode: unknown };
    const b = JSON.parse(files.stdout) as { counts: unknown; mode: unknown };
    expect(a.counts).toEqual(b.counts);
    expect(a.mode).toEqual(b.mode);
  });

  it('sent nothing but reads: get, list, watch and port-forward', () => {
    expect(cluster.requests.filter((r) => r.authz?.verb === 'list').length).toBeGreaterThan(0);
    expect(describeRequests(nonReadRequests(cluster.requests))).toBe('');
  });
});
