/**
 * Compressed lists: kube-apiserver gzips large list answers for clients that accept gzip. CNI Lens
 * asks for gzip (a remote API server then sends about a tenth of the bytes) and reads the answer;
 * kubectl does the same against the simulated cluster with `gzip` on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeListAll } from '../../src/core/sources/kubeRequest';
import { LIVE_RESOURCES } from '../../src/core/sources/liveCluster';
import { openLiveStore } from '../../src/core/sources/liveStore';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { findKubectl, fixtureObjects, KubectlRunner, pod, snapshotOf } from './simFixture';

const EXTRA = Array.from({ length: 600 }, (_, i) => ({ ns: 'shop', name: `load-${String(i).padStart(3, '0')}`, app: 'load', ip: `100.64.${10 + Math.floor(i / 200)}.${(i % 200) + 1}`, node: i % 2 }));

let sim: SimCluster;
let plain: SimCluster;

beforeAll(async () => {
  // real pods carry annotations (last-applied configuration and the like): pages of 250 exceed 128 KiB
  const annotated = EXTRA.map((p) => {
    const obj = pod(p);
    (obj.metadata as { annotations?: Record<string, string> }).annotations = { 'example.com/config': `${p.name}:`.padEnd(600, 'x') };
    return obj;
  });
  const objects = [...fixtureObjects(), ...annotated];
  sim = await startSimCluster({ snapshot: snapshotOf(objects), gzip: true, onWarning: () => {} });
  plain = await startSimCluster({ snapshot: snapshotOf(objects), onWarning: () => {} });
});

afterAll(async () => {
  await sim?.close();
  await plain?.close();
});

function kubeConfigOf(cluster: SimCluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  return kc;
}

describe('gzip-compressed lists', () => {
  it('the live store reads gzip pages, with the same objects as from a server that does not compress', async () => {
    const resources = LIVE_RESOURCES.filter((r) => ['nodes', 'pods'].includes(r.id));
    const compressed = await openLiveStore(kubeConfigOf(sim), { aws: false, ipamd: false, resources, pageSize: 250 });
    const uncompressed = await openLiveStore(kubeConfigOf(plain), { aws: false, ipamd: false, resources, pageSize: 250 });
    try {
      const podLists = sim.requests.filter((r) => r.path === '/api/v1/pods' && r.verb === 'list');
      // pages of 250 pods are over 128 KiB: compressed; the last page of 106 is not
      expect(podLists.map((r) => r.contentEncoding ?? 'identity')).toEqual(['gzip', 'gzip', 'identity']);
      expect(plain.requests.filter((r) => r.path === '/api/v1/pods' && r.verb === 'list').every((r) => r.contentEncoding === undefined)).toBe(true);
      expect(compressed.store.count('pod')).toBe(606);
      expect([...compressed.store.list('pod')].map((p) => `${p.namespace}/${p.name} ${p.ip}`).sort()).toEqual([...uncompressed.store.list('pod')].map((p) => `${p.namespace}/${p.name} ${p.ip}`).sort());
    } finally {
      await compressed.live.stop();
      await uncompressed.live.stop();
    }
  });

  it('a compressed page cut short is an error that names the request, not a wrong list', async () => {
    sim.faults.add({ match: { verb: 'list', pathPrefix: '/api/v1/pods' }, fault: { kind: 'truncate' }, times: 1 });
    await expect(kubeListAll(kubeConfigOf(sim), '/api/v1/pods', { pageSize: 250 })).rejects.toThrow(/GET \/api\/v1\/pods/);
  });

  it('kubectl lists the same pods from the compressing server', async () => {
    const binary = findKubectl();
    if (!binary) {
      if (process.env.CI) throw new Error('kubectl is not installed');
      return;
    }
    const kubectl = await KubectlRunner.create(binary, sim.kubeconfig());
    const r = await kubectl.run(['get', 'pods', '-A', '--chunk-size=250', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(606);
    expect(sim.requests.some((q) => q.path === '/api/v1/pods' && q.userAgent?.startsWith('kubectl') && q.contentEncoding === 'gzip')).toBe(true);
  });
});
