/**
 * The live store's ingest path over the simulated cluster: lists projected page by page, a relist
 * after 410 drops what the cluster no longer has, and a change reaches the store as exactly the
 * changed objects (no relist, nothing else touched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { LIVE_RESOURCES } from '../../src/core/sources/liveCluster';
import { openLiveStore, type LiveStore } from '../../src/core/sources/liveStore';
import type { StoreChange } from '../../src/core/store/clusterStore';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { fixtureObjects, PODS, snapshotOf } from './simFixture';

let sim: SimCluster;
let live: LiveStore;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  sim = await startSimCluster({ snapshot: snapshotOf(fixtureObjects()), onWarning: () => {} });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  const resources = LIVE_RESOURCES.filter((r) => ['namespaces', 'nodes', 'pods', 'ciliumendpoints'].includes(r.id));
  live = await openLiveStore(kc, { aws: false, ipamd: false, resources, pageSize: 2, backoffMs: 400, maxBackoffMs: 400 });
});

afterAll(async () => {
  await live?.live.stop();
  await sim?.close();
});

describe('live ingest', () => {
  it('lists page by page into the store', () => {
    const podLists = sim.requests.filter((r) => r.path === '/api/v1/pods' && r.verb === 'list');
    expect(podLists.length).toBe(Math.ceil(PODS.length / 2));
    expect(podLists.slice(1).every((r) => r.query.continue)).toBe(true);
    expect([...live.store.keys('pod')].sort()).toEqual(PODS.map((p) => `${p.ns}/${p.name}`).sort());
    expect(live.live.states.get('pods')).toMatchObject({ phase: 'synced', items: PODS.length });
  });

  it('a deleted pod reaches the store as that pod and its endpoint only', async () => {
    const changes: StoreChange[] = [];
    const sub = live.store.onChange((c) => changes.push(...c));
    const requestsBefore = sim.requests.length;
    const gone = PODS.find((p) => p.ns === 'payments')!;
    sim.api.delete('pods', gone.ns, gone.name);
    sim.api.delete('ciliumendpoints.cilium.io', gone.ns, gone.name);
    await until(() => changes.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    sub.dispose();
    expect(changes.map((c) => `${c.type} ${c.kind} ${c.key}`).sort()).toEqual([`deleted ciliumEndpoint ${gone.ns}/${gone.name}`, `deleted pod ${gone.ns}/${gone.name}`]);
    // no list request followed the change
    expect(sim.requests.slice(requestsBefore).filter((r) => r.verb === 'list')).toEqual([]);
  });

  it('after 410 Gone it relists and drops what the cluster no longer has', async () => {
    const gone = PODS.find((p) => p.ns === 'shop')!;
    const key = `${gone.ns}/${gone.name}`;
    expect(live.store.get('pod', key)).toBeDefined();
    const listsBefore = sim.requests.filter((r) => r.path === '/api/v1/pods' && r.verb === 'list').length;
    // end the watches, then change the cluster and forget its history while the informers wait to reconnect
    sim.closeWatches();
    sim.api.delete('pods', gone.ns, gone.name);
    sim.api.compact();
    await until(() => live.store.get('pod', key) === undefined);
    expect(sim.requests.filter((r) => r.path === '/api/v1/pods' && r.verb === 'list').length).toBeGreaterThan(listsBefore);
    expect(live.store.count('pod')).toBe(sim.api.list(sim.api.registry.lookup('pods')!).length);
  });
});
