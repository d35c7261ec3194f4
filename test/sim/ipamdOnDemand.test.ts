/**
 * ipamd read per node on demand, against the simulated demo cluster (7 nodes) with the threshold
 * set below its size: nothing is read at connect; a node is read through one port-forward when
 * asked, and its ENIs then carry the same ipamd facts a whole read gives; reads of one node share
 * a port-forward; a trace reads the nodes of both its ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import type { EniInfo } from '../../src/core/model';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import { traceReadingIpamd } from '../../src/core/sources/ipamdOnDemand';
import { openLiveStore, type LiveStore } from '../../src/core/sources/liveStore';
import { startSimEc2, type SimEc2 } from '../../src/sim/ec2Server';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { PodPortRefused } from '../../src/sim/portForward/simPortForwards';

let cluster: SimCluster;
let ec2: SimEc2;
let kc: k8s.KubeConfig;
/** Every node read at connect, as a cluster below the threshold is. */
let whole: LiveStore;

const aws = () => ({ endpoint: ec2.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'AKIDSIMTEST', secretAccessKey: 'sim-secret' } });
const forwards = () => cluster.portForwards.stats().total;

/** What ipamd adds to an ENI, and what EC2 gives it, per IP. */
function essentials(enis: readonly EniInfo[]) {
  return [...enis]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((e) => ({
      id: e.id,
      node: e.nodeName,
      subnet: e.subnetId,
      routeTable: e.routeTableId,
      origin: e.origin.detail,
      ips: e.ips.map((ip) => ({ ip: ip.ip, pod: ip.pod ? `${ip.pod.namespace}/${ip.pod.name}` : undefined, assigned: ip.assigned, cooling: ip.coolingDown })),
    }));
}

beforeAll(async () => {
  const raw = await loadSnapshot('demo/snapshot');
  cluster = await startSimCluster({ snapshot: raw });
  ec2 = await startSimEc2({ aws: raw.aws });
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  whole = await openLiveStore(kc, { aws: aws(), syncTimeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await whole?.live.stop();
  await cluster?.close();
  await ec2?.close();
});

describe('ipamd per node on demand (demo cluster, threshold 2 nodes)', () => {
  it('below the threshold every node is read at connect, as before', () => {
    expect(whole.ipamdReader?.mode).toBe('whole');
    expect(whole.ipamdReader?.counts()).toEqual({ ok: 7, failed: 0, reading: 0 });
    expect(whole.sources.find((s) => s.name === 'ipamd')?.detail).toMatch(/^\/v1\/enis of 7 of 7 nodes/);
  });

  it('connects without reading ipamd; reading a node uses one port-forward and gives the facts a whole read gives', async () => {
    const before = forwards();
    const live = await openLiveStore(kc, { aws: aws(), ipamdAllUpTo: 2, syncTimeoutMs: 20_000 });
    try {
      expect(forwards()).toBe(before);
      const reader = live.ipamdReader!;
      expect(reader.mode).toBe('on-demand');
      const row = live.sources.find((s) => s.name === 'ipamd')!;
      expect(row.state).toBe('ok');
      expect(row.detail).toMatch(/^read per node on demand: 0 of 7 nodes read/);
      expect(row.coverage).toEqual({ read: 0, of: 7 });

      // a node with pods on secondary IPs: ipamd names their holders
      const node = [...live.store.list('node')].map((n) => n.name).sort()[1]!;
      const ec2Only = essentials(live.store.enisOnNode(node));
      expect(ec2Only.every((e) => !e.origin?.includes('ipamd'))).toBe(true);
      const states = await reader.read([node]);
      expect(forwards()).toBe(before + 1);
      expect(states.get(node)?.state).toBe('ok');
      const merged = essentials(live.store.enisOnNode(node));
      expect(merged).toEqual(essentials(whole.store.enisOnNode(node)));
      expect(merged).not.toEqual(ec2Only);
      expect(merged.some((e) => e.ips.some((ip) => ip.assigned !== undefined))).toBe(true);
      // the other nodes were not touched
      for (const other of live.store.list('node')) {
        if (other.name === node) continue;
        expect(live.store.enisOnNode(other.name).every((e) => !e.origin.detail?.includes('ipamd'))).toBe(true);
      }
      expect(reader.status().detail).toMatch(/^read per node on demand: 1 of 7 nodes read/);
      expect(reader.status().coverage).toEqual({ read: 1, of: 7 });

      // read already: asking again reads nothing
      await reader.read([node]);
      expect(forwards()).toBe(before + 1);
    } finally {
      await live.live.stop();
    }
  }, 60_000);

  it('two reads of one node at the same time share one port-forward', async () => {
    const live = await openLiveStore(kc, { aws: aws(), ipamdAllUpTo: 2, syncTimeoutMs: 20_000 });
    try {
      const reader = live.ipamdReader!;
      const node = [...live.store.list('node')].map((n) => n.name).sort()[2]!;
      const before = forwards();
      const a = reader.read([node]);
      expect(reader.stateOf(node)?.state).toBe('reading');
      const b = reader.read([node]);
      const [ra, rb] = await Promise.all([a, b]);
      expect(forwards()).toBe(before + 1);
      expect(ra.get(node)).toBe(rb.get(node));
      expect(ra.get(node)?.state).toBe('ok');
    } finally {
      await live.live.stop();
    }
  }, 60_000);

  it('a trace reads the nodes of its two ends first, and says when a node could not be read', async () => {
    const live = await openLiveStore(kc, { aws: aws(), ipamdAllUpTo: 2, syncTimeoutMs: 20_000 });
    try {
      const reader = live.ipamdReader!;
      const pods = [...live.store.list('pod')].filter((p) => !p.hostNetwork && p.ip && p.nodeName).sort((a, b) => a.name.localeCompare(b.name));
      const from = pods[0]!;
      const to = pods.find((p) => p.nodeName !== from.nodeName)!;
      const request = { from: `${from.namespace}/${from.name}`, to: `${to.namespace}/${to.name}`, port: 80 };
      const before = forwards();
      const result = await traceReadingIpamd(() => traceDatapath(live.store, request), reader);
      expect(result.ok).toBe(true);
      expect(forwards()).toBe(before + 2);
      expect(reader.stateOf(from.nodeName!)?.state).toBe('ok');
      expect(reader.stateOf(to.nodeName!)?.state).toBe('ok');
      expect(reader.counts().ok).toBe(2);
      expect(result.ok && result.trace.notes.filter((n) => n.includes('ipamd of node'))).toEqual([]);

      // ipamd of a third node refuses the connection: the trace says so, and the node is read again next time
      const third = pods.find((p) => p.nodeName !== from.nodeName && p.nodeName !== to.nodeName)!;
      const awsNode = [...live.store.podsInNamespace('kube-system')].find((p) => p.nodeName === third.nodeName && p.name.startsWith('aws-node-'))!;
      const unregister = cluster.portForwards.register((ns, name) => {
        if (ns === awsNode.namespace && name === awsNode.name) throw new PodPortRefused('connection refused by the test');
        return undefined;
      });
      const thirdRequest = { ...request, to: `${third.namespace}/${third.name}` };
      let failed;
      try {
        failed = await traceReadingIpamd(() => traceDatapath(live.store, thirdRequest), reader);
      } finally {
        unregister();
      }
      expect(failed.ok).toBe(true);
      const notes = failed.ok ? failed.trace.notes.filter((n) => n.includes('ipamd of node')) : [];
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain(`ipamd of node ${third.nodeName} could not be read`);
      expect(notes[0]).toContain('does not answer on port 61679');
      expect(reader.status().detail).toMatch(/2 of 7 nodes read; 1 failed: node .*does not answer/);
      const again = await traceReadingIpamd(() => traceDatapath(live.store, thirdRequest), reader);
      expect(again.ok && again.trace.notes.filter((n) => n.includes('ipamd of node'))).toEqual([]);
      expect(reader.counts()).toEqual({ ok: 3, failed: 0, reading: 0 });
    } finally {
      await live.live.stop();
    }
  }, 60_000);
});
