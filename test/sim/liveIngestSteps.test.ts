/**
 * A large list is taken in steps over the simulated cluster: default-sized pages, each page projected
 * in store batches no larger than one step, every batch leaving the indexes whole, and a relist that
 * drops many objects removing them in steps too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { LIST_PAGE_SIZE } from '../../src/core/sources/kubeInformer';
import { LIVE_RESOURCES, LiveCluster } from '../../src/core/sources/liveCluster';
import type { ClusterStore, StoreChange } from '../../src/core/store/clusterStore';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { namespace, node, NODES, pod, snapshotOf } from './simFixture';

const PODS_PER_NS = 330;
const NAMESPACES = ['batch', 'web'];
const TOTAL = PODS_PER_NS * NAMESPACES.length;

let sim: SimCluster;
let kc: KubeConfig;

function objects() {
  const out = [...NAMESPACES.map(namespace), ...NODES.map((_, i) => node(i))];
  NAMESPACES.forEach((ns, n) => {
    for (let i = 0; i < PODS_PER_NS; i++) {
      out.push(pod({ ns, name: `${ns}-${i}`, app: `app-${i % 7}`, ip: `10.${n + 1}.${Math.floor(i / 250)}.${(i % 250) + 1}`, node: i % NODES.length }));
    }
  });
  return out;
}

/** Whether the store's indexes agree with its pod table (checked at every published batch). */
function indexesWhole(store: ClusterStore): boolean {
  const byNamespace = store.podNamespaces().reduce((n, ns) => n + store.podsInNamespace(ns).length, 0);
  const byNode = NODES.reduce((n, nd) => n + store.podsOnNode(nd.name).length, 0);
  const byLabel = store.podKeysWithLabel('app').size;
  const ipsOwned = [...store.list('pod')].every((p) => store.ownersOfIp(p.ip!).some((o) => o.kind === 'pod' && o.key === `${p.namespace}/${p.name}`));
  const count = store.count('pod');
  return byNamespace === count && byNode === count && byLabel === count && ipsOwned;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  sim = await startSimCluster({ snapshot: snapshotOf(objects()), onWarning: () => {} });
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
});

afterAll(async () => {
  await sim?.close();
});

describe('live ingest in steps', () => {
  it('lists in default-sized pages and publishes each page as batches of at most 100, indexes whole after each', async () => {
    const resources = LIVE_RESOURCES.filter((r) => ['namespaces', 'nodes', 'pods'].includes(r.id));
    const live = new LiveCluster(kc, { resources, backoffMs: 400, maxBackoffMs: 400 });
    const podBatches: number[] = [];
    const broken: number[] = [];
    live.store.onChange((changes: readonly StoreChange[]) => {
      const pods = changes.filter((c) => c.kind === 'pod').length;
      if (pods === 0) return;
      podBatches.push(pods);
      if (!indexesWhole(live.store)) broken.push(podBatches.length);
    });
    try {
      await live.synced;
      const podLists = sim.requests.filter((r) => r.path === '/api/v1/pods' && r.verb === 'list');
      expect(podLists[0]!.query.limit).toBe(String(LIST_PAGE_SIZE));
      expect(podLists.length).toBe(Math.ceil(TOTAL / LIST_PAGE_SIZE));
      expect(live.store.count('pod')).toBe(TOTAL);
      expect(podBatches.reduce((a, b) => a + b, 0)).toBe(TOTAL);
      expect(Math.max(...podBatches)).toBeLessThanOrEqual(100);
      expect(podBatches.length).toBeGreaterThanOrEqual(Math.ceil(TOTAL / 100));
      expect(broken).toEqual([]);

      // a relist after 410 that no longer has a whole namespace: removed in steps, indexes whole
      podBatches.length = 0;
      sim.closeWatches();
      for (let i = 0; i < PODS_PER_NS; i++) sim.api.delete('pods', 'batch', `batch-${i}`);
      sim.api.compact();
      await until(() => live.store.count('pod') === TOTAL - PODS_PER_NS);
      await until(() => live.states.get('pods')?.phase === 'synced');
      expect(live.store.podsInNamespace('batch')).toEqual([]);
      expect(live.store.podsInNamespace('web').length).toBe(PODS_PER_NS);
      expect(broken).toEqual([]);
      expect(Math.max(...podBatches)).toBeLessThanOrEqual(100);
    } finally {
      await live.stop();
    }
  });
});
