/** @kubernetes/client-node 2.0.1 against the simulated cluster: typed lists, custom objects, informers. */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { fixtureObjects, pod, PODS, snapshotOf } from './simFixture';

let sim: SimCluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;

beforeAll(async () => {
  sim = await startSimCluster({
    snapshot: snapshotOf(fixtureObjects()),
    scenario: {
      forbidden: [{ group: 'cilium.io', resource: 'ciliumidentities' }],
      crds: { omit: ['vpcresources.k8s.aws'] },
    },
  });
  kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
});

afterAll(async () => {
  await sim?.close();
});

/** Polls `predicate` until it holds (informer callbacks arrive asynchronously). */
async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('client-node against the simulated cluster', () => {
  it('CoreV1Api.listPodForAllNamespaces returns typed pods', async () => {
    const list = await core.listPodForAllNamespaces();
    expect(list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort()).toEqual(PODS.map((p) => `${p.ns}/${p.name}`).sort());
    const web = list.items.find((p) => p.metadata?.name === PODS[0].name)!;
    expect(web.status?.podIP).toBe(PODS[0].ip);
    expect(web.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(list.metadata?.resourceVersion)).toBe(sim.api.resourceVersion);
  });

  it('CustomObjectsApi.listClusterCustomObject lists CiliumEndpoints', async () => {
    const list = (await custom.listClusterCustomObject({ group: 'cilium.io', version: 'v2', plural: 'ciliumendpoints' })) as {
      kind: string;
      items: Array<{ kind: string; metadata: { name: string }; status: { networking: { addressing: Array<{ ipv4: string }> } } }>;
    };
    expect(list.kind).toBe('CiliumEndpointList');
    expect(list.items).toHaveLength(PODS.filter((p) => p.ns !== 'kube-system').length);
    const cep = list.items.find((i) => i.metadata.name === PODS[0].name)!;
    expect(cep.kind).toBe('CiliumEndpoint');
    expect(cep.status.networking.addressing[0]!.ipv4).toBe(PODS[0].ip);
  });

  it('a CRD that is not installed answers 404', async () => {
    const err = await custom.listClusterCustomObject({ group: 'vpcresources.k8s.aws', version: 'v1alpha1', plural: 'cninodes' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(k8s.ApiException);
    expect((err as k8s.ApiException<unknown>).code).toBe(404);
  });

  it('a forbidden resource answers 403 with a Forbidden Status', async () => {
    const err = await custom.listClusterCustomObject({ group: 'cilium.io', version: 'v2', plural: 'ciliumidentities' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(k8s.ApiException);
    const apiErr = err as k8s.ApiException<{ reason: string; message: string }>;
    expect(apiErr.code).toBe(403);
    expect(String(apiErr.body)).toContain('cannot list resource \\"ciliumidentities\\" in API group \\"cilium.io\\" at the cluster scope');
  });

  it('an informer follows adds, updates and deletes, and relists after 410', async () => {
    const informer = k8s.makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
    const seen: string[] = [];
    let connects = 0;
    const errors: unknown[] = [];
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('update', (p) => seen.push(`update ${p.metadata?.name}`));
    informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    informer.on('connect', () => connects++);
    informer.on('error', (e) => errors.push(e));
    const cached = (): string[] => informer.list().map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();
    const serverPods = async (): Promise<string[]> =>
      (await core.listPodForAllNamespaces()).items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort();
    const watching = (): boolean => sim.requests.some((r) => r.verb === 'watch' && r.resource === 'pods' && r.status === 200);

    await informer.start();
    try {
      await eventually(() => seen.filter((s) => s.startsWith('add')).length === PODS.length && watching(), 'the initial list and the watch');

      const extra = pod({ ns: 'shop', name: 'web-7d9c-new1', app: 'web', ip: '100.64.1.99', node: 0 });
      sim.api.apply(extra);
      await eventually(() => seen.includes('add web-7d9c-new1'), 'add');
      sim.api.apply({ ...extra, status: { ...(extra.status as object), phase: 'Succeeded' } });
      await eventually(() => seen.includes('update web-7d9c-new1'), 'update');
      expect(informer.get('web-7d9c-new1', 'shop')?.status?.phase).toBe('Succeeded');
      sim.api.delete('pods', 'shop', 'web-7d9c-new1');
      await eventually(() => seen.includes('delete web-7d9c-new1'), 'delete');

      // Changes the informer cannot see as events: the watch is cut, the history compacted in the
      // same tick, so its resumed watch gets 410 Expired and it must relist to catch up.
      const listsBefore = sim.requests.filter((r) => r.verb === 'list' && r.resource === 'pods').length;
      const connectsBefore = connects;
      const requestsBefore = sim.requests.length;
      expect(sim.closeWatches()).toBeGreaterThan(0);
      sim.api.delete('pods', 'shop', PODS[2].name);
      sim.api.apply(pod({ ns: 'payments', name: 'api-6c8d-late', app: 'api', ip: '100.64.2.82', node: 1 }));
      const compactedAt = sim.api.compact();
      await eventually(() => seen.includes(`delete ${PODS[2].name}`) && seen.includes('add api-6c8d-late'), 'the relist');
      expect(connects).toBeGreaterThan(connectsBefore);
      const expiredWatches = sim.requests.slice(requestsBefore).filter((r) => r.verb === 'watch' && Number(r.query.resourceVersion) < compactedAt);
      expect(expiredWatches.at(-1)?.status).toBe(200); // answered with an ERROR 410 event, then ended
      expect(sim.requests.filter((r) => r.verb === 'list' && r.resource === 'pods').length).toBeGreaterThan(listsBefore);
      expect(cached()).toEqual(await serverPods());

      // And it watches again from the relisted resourceVersion.
      await eventually(() => watching() && sim.requests.filter((r) => r.verb === 'watch').at(-1)!.status === 200, 'the new watch');
      sim.api.apply(pod({ ns: 'shop', name: 'cart-5f6b-back', app: 'cart', ip: '100.64.1.46', node: 0 }));
      await eventually(() => seen.includes('add cart-5f6b-back'), 'add after relist');
      expect(cached()).toEqual(await serverPods());
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});
