import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRequests, nonReadRequests } from '../../src/sim/readOnlyAudit';
import { summarizeCluster } from '../../src/core/analysis/clusterSummary';
import { collectSnapshot } from '../../src/core/sources/collectSnapshot';
import { loadKubeConfig } from '../../src/core/sources/kubeconfig';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import { startSimEc2, type SimEc2 } from '../../src/sim/ec2Server';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';

const DEMO = resolve(__dirname, '../../demo/snapshot');

describe('cni-lens collect', () => {
  let cluster: SimCluster;
  let ec2: SimEc2;
  let kubeconfigPath: string;

  beforeAll(async () => {
    const raw = await loadSnapshot(DEMO);
    cluster = await startSimCluster({ snapshot: raw });
    ec2 = await startSimEc2({ aws: raw.aws });
    kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'cni-lens-collect-')), 'kubeconfig.yaml');
    writeFileSync(kubeconfigPath, cluster.kubeconfig());
  });

  afterAll(async () => {
    await cluster?.close();
    await ec2?.close();
  });

  it('writes a snapshot from the live cluster that loads back to the same cluster', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cni-lens-collected-')), 'snap');
    const result = await collectSnapshot(loadKubeConfig({ path: kubeconfigPath }), out, {
      aws: { endpoint: ec2.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'AKIDCOLLECT', secretAccessKey: 'x' } },
    });
    expect(result.sources.filter((s) => s.state !== 'ok')).toEqual([]);
    expect(readdirSync(join(out, 'aws')).sort()).toEqual(readdirSync(join(DEMO, 'aws')).sort());
    expect(readdirSync(join(out, 'ipamd')).sort()).toEqual(readdirSync(join(DEMO, 'ipamd')).sort());

    const collected = await loadSnapshotStore(out);
    const original = await loadSnapshotStore(DEMO);
    expect(collected.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const a = summarizeCluster(collected.store, collected.sources);
    const b = summarizeCluster(original.store, original.sources);
    expect(a.counts).toEqual(b.counts);
    expect(a.mode).toEqual(b.mode);
    // the same ENIs, with the same IPs held by the same pods
    const enis = (store: typeof collected.store) => [...store.list('eni')].map((e) => `${e.id} ${e.nodeName ?? '-'} ${e.ips.map((ip) => `${ip.ip}=${ip.pod ? `${ip.pod.namespace}/${ip.pod.name}` : ''}`).sort().join(',')}`).sort();
    expect(enis(collected.store)).toEqual(enis(original.store));
    // only reads reached the simulated cluster: get, list, watch and the ipamd port-forwards
    expect(describeRequests(nonReadRequests(cluster.requests))).toBe('');
    expect(cluster.requests.some((r) => r.authz?.subresource === 'portforward')).toBe(true);
  });
});
