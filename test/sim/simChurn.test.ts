/**
 * Churn of the simulated cluster: pods replaced at a rate keep their node and IP, get a new name and
 * a CiliumEndpoint, and reach watchers as DELETED then ADDED; the control API sets the rate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { fixtureObjects, snapshotOf } from './simFixture';
import { simRequest, simWatch } from './simHttp';

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({ snapshot: snapshotOf(fixtureObjects()), onWarning: () => {} });
});

afterAll(async () => {
  await sim?.close();
});

type PodLike = { metadata: { namespace: string; name: string; creationTimestamp: string }; spec: { nodeName: string; hostNetwork?: boolean }; status: { podIP: string } };

function pods(): PodLike[] {
  return sim.api.list(sim.api.registry.lookup('pods')!) as unknown as PodLike[];
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('churn', () => {
  it('replaces pods on the same node and IP, with a CiliumEndpoint, as DELETED then ADDED', async () => {
    const before = pods();
    const placement = (list: PodLike[]) => list.filter((p) => !p.spec.hostNetwork).map((p) => `${p.spec.nodeName} ${p.status.podIP}`).sort();
    const watch = await simWatch(sim, `/api/v1/pods?watch=true&resourceVersion=${sim.api.resourceVersion}`);
    expect((await simRequest(sim, '/_sim/v1/churn', { method: 'POST', body: '{"podsPerSecond": 200}' })).json()).toMatchObject({ podsPerSecond: 200 });
    await until(() => sim.churn.stats.created >= 12);
    sim.churn.stop();
    const stats = (await simRequest(sim, '/_sim/v1/churn')).json<{ podsPerSecond: number; created: number; deleted: number }>();
    expect(stats.podsPerSecond).toBe(0);
    expect(stats.created).toBe(stats.deleted);

    const after = pods();
    expect(after).toHaveLength(before.length);
    expect(placement(after)).toEqual(placement(before));
    const fresh = after.filter((p) => !before.some((b) => b.metadata.name === p.metadata.name));
    expect(fresh.length).toBeGreaterThan(0);
    const cepResource = sim.api.registry.lookup('ciliumendpoints.cilium.io')!;
    for (const pod of fresh) {
      // milliseconds, so a client can measure how long the change took to reach it
      expect(pod.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const cep = sim.api.get(cepResource, pod.metadata.namespace, pod.metadata.name) as { status: { networking: { addressing: Array<{ ipv4: string }> } } } | undefined;
      // the fixture's kube-system pods have no CiliumEndpoint, and their replacements get none either
      if (pod.metadata.namespace === 'kube-system') expect(cep).toBeUndefined();
      else expect(cep?.status.networking.addressing[0]?.ipv4).toBe(pod.status.podIP);
    }

    await until(() => watch.events.filter((e) => e.type === 'ADDED').length >= stats.created);
    watch.close();
    const types = watch.events.map((e) => e.type);
    expect(types.filter((t) => t === 'DELETED')).toHaveLength(stats.deleted);
    expect(types.filter((t) => t === 'ADDED')).toHaveLength(stats.created);
    // each replacement: the old pod goes, then the new one comes
    expect(types.slice(0, 2)).toEqual(['DELETED', 'ADDED']);
  });

  it('refuses a bad rate with 400', async () => {
    const bad = await simRequest(sim, '/_sim/v1/churn', { method: 'POST', body: '{"podsPerSecond": -3}' });
    expect(bad.status).toBe(400);
    expect(bad.json<{ message: string }>().message).toContain('churn rate must be a number of pods per second from 0 to 100000, got -3');
    expect((await simRequest(sim, '/_sim/v1/churn', { method: 'POST', body: 'fast' })).status).toBe(400);
  });
});
