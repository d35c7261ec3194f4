/** The simulated Kubernetes API at the HTTP level: what kubectl and client-node do not exercise. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { fixtureObjects, pod, PODS, snapshotOf } from './simFixture';
import { simRequest, simWatch } from './simHttp';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

let sim: SimCluster;
const warnings: string[] = [];

beforeAll(async () => {
  const objects = [
    ...fixtureObjects(),
    { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { capacity: { storage: '1Gi' } } },
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } },
  ];
  sim = await startSimCluster({
    snapshot: snapshotOf(objects),
    bookmarkIntervalMs: 50,
    historyLimit: 50,
    scenario: { crds: { installed: ['eniconfigs.crd.k8s.amazonaws.com'], omit: ['vpcresources.k8s.aws'] } },
    onWarning: (m) => warnings.push(m),
  });
});

afterAll(async () => {
  await sim?.close();
});

describe('authentication and health', () => {
  it('requires the bearer token on API paths, not on health and version', async () => {
    const denied = await simRequest(sim, '/api/v1/pods', { token: null });
    expect(denied.status).toBe(401);
    expect(denied.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await simRequest(sim, '/api/v1/pods', { token: 'wrong' })).status).toBe(401);
    expect((await simRequest(sim, '/_sim/v1/compact', { method: 'POST', token: null })).status).toBe(401);
    expect((await simRequest(sim, '/healthz', { token: null })).text).toBe('ok');
    expect((await simRequest(sim, '/readyz', { token: null })).text).toBe('ok');
    expect((await simRequest(sim, '/version', { token: null })).json()).toMatchObject({ major: '1', minor: '32', gitVersion: expect.stringMatching(/^v1\.32\.5-eks-/) });
  });

  it('records every request', () => {
    const r = sim.requests.find((q) => q.path === '/api/v1/pods' && q.status === 401);
    expect(r).toMatchObject({ method: 'GET', verb: 'list', resource: 'pods' });
  });
});

describe('discovery', () => {
  it('serves aggregated discovery with its content type', async () => {
    const apis = await simRequest(sim, '/apis', { headers: { Accept: DISCOVERY_ACCEPT } });
    expect(apis.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const body = apis.json<{ kind: string; items: Array<{ metadata: { name: string }; versions: Array<{ version: string; resources: Array<{ resource: string; scope: string; shortNames?: string[] }> }> }> }>();
    expect(body.kind).toBe('APIGroupDiscoveryList');
    const groups = body.items.map((i) => i.metadata.name);
    expect(groups).toEqual(['apps', 'batch', 'discovery.k8s.io', 'networking.k8s.io', 'cilium.io', 'crd.k8s.amazonaws.com']);
    const cilium = body.items.find((i) => i.metadata.name === 'cilium.io')!;
    expect(cilium.versions.map((v) => v.version)).toEqual(['v2', 'v2alpha1']);
    expect(cilium.versions[0]!.resources.find((r) => r.resource === 'ciliumendpoints')).toMatchObject({ scope: 'Namespaced', shortNames: ['cep', 'ciliumep'] });

    const api = await simRequest(sim, '/api', { headers: { Accept: DISCOVERY_ACCEPT } });
    const core = api.json<{ items: Array<{ metadata: { name?: string }; versions: Array<{ resources: Array<{ resource: string; subresources?: Array<{ subresource: string }> }> }> }> }>();
    expect(core.items).toHaveLength(1);
    expect(core.items[0]!.metadata.name).toBeUndefined();
    const pods = core.items[0]!.versions[0]!.resources.find((r) => r.resource === 'pods')!;
    expect(pods.subresources?.map((s) => s.subresource)).toEqual(['portforward']);
  });

  it('serves legacy discovery and the per-version resource lists', async () => {
    expect((await simRequest(sim, '/api')).json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await simRequest(sim, '/apis')).json<{ kind: string; groups: Array<{ name: string; preferredVersion: { groupVersion: string } }> }>();
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.find((g) => g.name === 'cilium.io')?.preferredVersion.groupVersion).toBe('cilium.io/v2');
    const v1 = (await simRequest(sim, '/api/v1')).json<{ kind: string; resources: Array<{ name: string; namespaced: boolean; kind: string }> }>();
    expect(v1.kind).toBe('APIResourceList');
    expect(v1.resources.find((r) => r.name === 'pods/portforward')).toMatchObject({ namespaced: true, kind: 'PodPortForwardOptions' });
    expect(v1.resources.find((r) => r.name === 'persistentvolumes')).toMatchObject({ namespaced: false, kind: 'PersistentVolume' });
    const cilium = (await simRequest(sim, '/apis/cilium.io/v2')).json<{ groupVersion: string; resources: Array<{ name: string }> }>();
    expect(cilium.groupVersion).toBe('cilium.io/v2');
    expect(cilium.resources.map((r) => r.name)).toContain('ciliumnetworkpolicies');
    expect((await simRequest(sim, '/apis/cilium.io')).json()).toMatchObject({ kind: 'APIGroup', name: 'cilium.io' });
  });

  it('hides omitted and uninstalled CRDs and skips unknown groups with a warning', async () => {
    expect((await simRequest(sim, '/apis/vpcresources.k8s.aws/v1alpha1')).status).toBe(404);
    const cnd = await simRequest(sim, '/apis/vpcresources.k8s.aws/v1alpha1/cninodes');
    expect(cnd.status).toBe(404);
    expect(cnd.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' });
    expect((await simRequest(sim, '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs')).json()).toMatchObject({ kind: 'ENIConfigList', items: [] });
    expect(warnings.some((w) => w.includes('example.com/v1 Widget'))).toBe(true);
    expect(sim.warnings).toEqual(warnings);
  });
});

describe('get and list', () => {
  it('gets one object, or a NotFound Status', async () => {
    const got = await simRequest(sim, `/api/v1/namespaces/shop/pods/${PODS[0].name}`);
    expect(got.status).toBe(200);
    expect(got.json()).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: PODS[0].name, namespace: 'shop', uid: expect.any(String), resourceVersion: expect.stringMatching(/^\d+$/) } });
    const missing = await simRequest(sim, '/apis/cilium.io/v2/namespaces/shop/ciliumendpoints/nope');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'ciliumendpoints.cilium.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'cilium.io', kind: 'ciliumendpoints' },
      code: 404,
    });
    expect((await simRequest(sim, '/api/v1/namespaces/shop')).json()).toMatchObject({ kind: 'Namespace', metadata: { name: 'shop' } });
    expect((await simRequest(sim, '/api/v1/persistentvolumes/pv-1')).json()).toMatchObject({ kind: 'PersistentVolume' });
  });

  it('lists like kube-apiserver: typed list kinds, built-in items without kind, CRD items with it', async () => {
    const pods = await simRequest(sim, '/api/v1/namespaces/payments/pods');
    expect(pods.headers['content-type']).toBe('application/json');
    const body = pods.json<{ kind: string; apiVersion: string; items: Array<Record<string, unknown>> }>();
    expect(body).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    expect(body.items).toHaveLength(2);
    expect(body.items[0]!.kind).toBeUndefined();
    const ceps = (await simRequest(sim, '/apis/cilium.io/v2/namespaces/shop/ciliumendpoints')).json<{ items: Array<{ kind: string }> }>();
    expect(ceps.items.every((i) => i.kind === 'CiliumEndpoint')).toBe(true);
  });

  it('pages in namespace/name order with opaque continue tokens', async () => {
    const names: string[] = [];
    let token: string | undefined;
    let first: { resourceVersion: string; remainingItemCount?: number } | undefined;
    do {
      const page = (await simRequest(sim, `/api/v1/pods?limit=4${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).json<{
        metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
        items: Array<{ metadata: { namespace: string; name: string } }>;
      }>();
      first ??= page.metadata;
      expect(page.metadata.resourceVersion).toBe(first.resourceVersion);
      names.push(...page.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
      token = page.metadata.continue;
    } while (token);
    expect(first.remainingItemCount).toBe(PODS.length - 4);
    expect(names).toEqual(PODS.map((p) => `${p.ns}/${p.name}`).sort());
  });

  it('pages within a namespace and with selectors: same items as one list, counts only the namespace', async () => {
    const all = async (path: string, limit: number): Promise<{ names: string[]; remaining: Array<number | undefined> }> => {
      const names: string[] = [];
      const remaining: Array<number | undefined> = [];
      let token: string | undefined;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const page = (await simRequest(sim, `${path}${sep}limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).json<{
          metadata: { continue?: string; remainingItemCount?: number };
          items: Array<{ metadata: { namespace: string; name: string } }>;
        }>();
        expect(page.items.length).toBeLessThanOrEqual(limit);
        names.push(...page.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
        remaining.push(page.metadata.remainingItemCount);
        token = page.metadata.continue;
      } while (token);
      return { names, remaining };
    };
    const shop = PODS.filter((p) => p.ns === 'shop').map((p) => `${p.ns}/${p.name}`).sort();
    expect(shop.length).toBeGreaterThan(2);
    const paged = await all('/api/v1/namespaces/shop/pods', 2);
    expect(paged.names).toEqual(shop);
    expect(paged.remaining[0]).toBe(shop.length - 2);
    const web = await all(`/api/v1/pods?labelSelector=${encodeURIComponent('app=web')}`, 1);
    expect(web.names).toEqual(PODS.filter((p) => p.app === 'web').map((p) => `${p.ns}/${p.name}`).sort());
    expect(web.names.length).toBe(2);
    expect(web.remaining.every((r) => r === undefined)).toBe(true);
  });

  it('answers a continue token older than the compacted history with 410 Expired', async () => {
    const page = (await simRequest(sim, '/api/v1/pods?limit=1')).json<{ metadata: { continue: string } }>();
    sim.api.compact();
    const expired = await simRequest(sim, `/api/v1/pods?limit=1&continue=${encodeURIComponent(page.metadata.continue)}`);
    expect(expired.status).toBe(410);
    expect(expired.json()).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    expect((await simRequest(sim, '/api/v1/pods?continue=garbage')).status).toBe(400);
  });

  it('filters with label and field selectors; bad ones are 400', async () => {
    const names = async (query: string): Promise<string[]> =>
      (await simRequest(sim, `/api/v1/pods?${query}`)).json<{ items: Array<{ metadata: { name: string } }> }>().items.map((i) => i.metadata.name).sort();
    expect(await names(`labelSelector=${encodeURIComponent('app in (web, cart)')}`)).toEqual(['cart-5f6b-m2n4', 'web-7d9c-p8q2', 'web-7d9c-xk2p']);
    expect(await names(`labelSelector=${encodeURIComponent('app!=web,app notin (cart,api,worker)')}`)).toEqual(['coredns-787cb-z9x8']);
    expect(await names(`fieldSelector=${encodeURIComponent('status.podIP=100.64.2.81')}`)).toEqual(['api-6c8d-r7s9']);
    expect(await names(`fieldSelector=${encodeURIComponent('metadata.namespace!=shop,status.phase==Running')}`)).toEqual(['api-6c8d-r7s9', 'coredns-787cb-z9x8', 'worker-0']);
    const bad = await simRequest(sim, `/api/v1/pods?labelSelector=${encodeURIComponent('app in (web')}`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ reason: 'BadRequest', code: 400 });
    const field = await simRequest(sim, `/apis/cilium.io/v2/ciliumendpoints?fieldSelector=${encodeURIComponent('status.state=ready')}`);
    expect(field.status).toBe(400);
    expect(field.json<{ message: string }>().message).toBe('"status.state" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('prints Tables with the requested row objects', async () => {
    const table = (await simRequest(sim, '/api/v1/namespaces/shop/services', { headers: { Accept: TABLE_ACCEPT } })).json<{
      kind: string;
      columnDefinitions: Array<{ name: string; priority: number }>;
      rows: Array<{ cells: unknown[]; object: { kind: string; metadata: { name: string } } }>;
    }>();
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`)).toEqual(['Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1']);
    expect(table.rows[0]!.cells).toEqual(['web', 'ClusterIP', '172.20.14.9', '<none>', '80/TCP', '2d13h', 'app=web']);
    expect(table.rows[0]!.object.kind).toBe('PartialObjectMetadata');
    const full = (await simRequest(sim, '/api/v1/namespaces/shop/services?includeObject=Object', { headers: { Accept: TABLE_ACCEPT } })).json<{ rows: Array<{ object: { kind: string; spec: unknown } }> }>();
    expect(full.rows[0]!.object).toMatchObject({ kind: 'Service', spec: { clusterIP: '172.20.14.9' } });
    const none = (await simRequest(sim, '/api/v1/namespaces/shop/services?includeObject=None', { headers: { Accept: TABLE_ACCEPT } })).json<{ rows: Array<{ object?: unknown }> }>();
    expect(none.rows[0]!.object).toBeUndefined();
    const ccnp = (await simRequest(sim, '/apis/cilium.io/v2/ciliumidentities', { headers: { Accept: TABLE_ACCEPT } })).json<{ columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> }>();
    expect(ccnp.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Namespace', 'Age']);
    expect(ccnp.rows[0]!.cells).toEqual(['24501', 'shop', '2d13h']);
  });

  it('is read-only: writes are 405, port-forward is 400', async () => {
    const post = await simRequest(sim, '/api/v1/namespaces/shop/pods', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(post.status).toBe(405);
    expect(post.json()).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
    expect((await simRequest(sim, `/api/v1/namespaces/shop/pods/${PODS[0].name}`, { method: 'DELETE' })).status).toBe(405);
    const pf = await simRequest(sim, `/api/v1/namespaces/shop/pods/${PODS[0].name}/portforward?ports=80`);
    expect(pf.status).toBe(400);
    expect(pf.json()).toMatchObject({ message: 'port-forward is not supported yet by the simulated cluster' });
    expect((await simRequest(sim, '/api/v1/namespaces/shop/pods/nope/portforward')).status).toBe(404);
    expect((await simRequest(sim, '/api/v1/namespaces/shop/pods/x/log')).status).toBe(404);
  });
});

describe('watch', () => {
  it('starts with ADDED for current objects when no resourceVersion is given, then follows changes', async () => {
    const w = await simWatch(sim, '/api/v1/namespaces/shop/pods?watch=true');
    expect(w.status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await w.next()).type).toBe('ADDED');
    sim.api.apply(pod({ ns: 'shop', name: 'w-1', app: 'web', ip: '100.64.1.120', node: 0 }));
    sim.api.apply(pod({ ns: 'payments', name: 'w-other-ns', app: 'web', ip: '100.64.1.121', node: 0 }));
    sim.api.delete('pod', 'shop', 'w-1');
    expect((await w.next()).object.metadata?.name).toBe('w-1');
    const deleted = await w.next();
    expect(deleted).toMatchObject({ type: 'DELETED', object: { kind: 'Pod', metadata: { name: 'w-1' } } });
    expect(Number(deleted.object.metadata!.resourceVersion)).toBe(sim.api.resourceVersion);
    w.close();
    sim.api.delete('pods', 'payments', 'w-other-ns');
  });

  it('replays history after a resourceVersion, honouring selectors (out of the selector = DELETED)', async () => {
    const from = sim.api.resourceVersion;
    const p = pod({ ns: 'shop', name: 'h-1', app: 'web', ip: '100.64.1.130', node: 0 });
    sim.api.apply(p);
    sim.api.apply({ ...p, metadata: { ...p.metadata, labels: { app: 'other' } } });
    sim.api.apply({ ...p, metadata: { ...p.metadata, labels: { app: 'web' } } });
    sim.api.apply(pod({ ns: 'shop', name: 'h-2', app: 'cart', ip: '100.64.1.131', node: 0 }));
    const w = await simWatch(sim, `/api/v1/pods?watch=true&resourceVersion=${from}&labelSelector=app%3Dweb`);
    expect([await w.next(), await w.next(), await w.next()].map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED h-1', 'DELETED h-1', 'ADDED h-1']);
    sim.api.delete('pods', 'shop', 'h-1');
    expect((await w.next()).type).toBe('DELETED');
    expect(w.events.every((e) => Number(e.object.metadata?.resourceVersion) > from)).toBe(true);
    w.close();
    sim.api.delete('pods', 'shop', 'h-2');
  });

  it('answers a resourceVersion older than the history with an ERROR 410 event and ends', async () => {
    const old = sim.api.resourceVersion;
    sim.api.compact();
    const w = await simWatch(sim, `/api/v1/pods?watch=true&resourceVersion=${old}`);
    expect(w.status).toBe(200);
    const e = await w.next();
    expect(e).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    await w.ended;
  });

  it('expires resourceVersions that fell out of the bounded history', async () => {
    const from = sim.api.resourceVersion;
    for (let i = 0; i < 60; i++) sim.api.apply(pod({ ns: 'shop', name: 'churn', app: 'churn', ip: '100.64.1.200', node: 0 }, { restarts: i }));
    const w = await simWatch(sim, `/api/v1/pods?watch=true&resourceVersion=${from}`);
    expect((await w.next()).type).toBe('ERROR');
    await w.ended;
    sim.api.delete('pods', 'shop', 'churn');
  });

  it('sends bookmarks when allowed, and ends after timeoutSeconds', async () => {
    const w = await simWatch(sim, `/apis/cilium.io/v2/ciliumendpoints?watch=true&resourceVersion=${sim.api.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=1`);
    const bookmark = await w.next((e) => e.type === 'BOOKMARK');
    expect(bookmark.object).toEqual({ kind: 'CiliumEndpoint', apiVersion: 'cilium.io/v2', metadata: { resourceVersion: String(sim.api.resourceVersion) } });
    const started = Date.now();
    await w.ended;
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('sends one-row Tables when the Accept asks for a Table', async () => {
    const w = await simWatch(sim, `/api/v1/nodes?watch=true&resourceVersion=${sim.api.resourceVersion}`, { headers: { Accept: TABLE_ACCEPT } });
    const node = (await simRequest(sim, '/api/v1/nodes/ip-10-0-1-10.ec2.internal')).json<Parameters<SimCluster['api']['apply']>[0]>();
    sim.api.apply({ ...node, spec: { ...(node.spec as object), unschedulable: true } });
    const e = await w.next();
    expect(e.type).toBe('MODIFIED');
    w.close();
    const table = e.object as { kind: string; rows: Array<{ cells: unknown[] }> };
    expect(table.kind).toBe('Table');
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]!.cells.slice(0, 6)).toEqual(['ip-10-0-1-10.ec2.internal', 'Ready,SchedulingDisabled', '<none>', '9d', 'v1.32.3-eks-473151a', '10.0.1.10']);
  });

  it('closeWatches() ends open watches cleanly and they are forgotten', async () => {
    const w = await simWatch(sim, `/api/v1/pods?watch=true&resourceVersion=${sim.api.resourceVersion}`);
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.closeWatches()).toBe(1);
    await w.ended;
    expect(sim.closeWatches()).toBe(0);
  });
});

describe('control API', () => {
  it('applies YAML, deletes by apiVersion/kind or resource, compacts, closes watches', async () => {
    const w = await simWatch(sim, `/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies?watch=true&resourceVersion=${sim.api.resourceVersion}`);
    const yaml = ['apiVersion: cilium.io/v2', 'kind: CiliumClusterwideNetworkPolicy', 'metadata:', '  name: deny-all', 'spec:', '  endpointSelector: {}', '  ingressDeny: [{}]'].join('\n');
    const applied = await simRequest(sim, '/_sim/v1/objects', { method: 'POST', body: yaml, headers: { 'Content-Type': 'application/yaml' } });
    expect(applied.status).toBe(200);
    expect(applied.json()).toMatchObject({ applied: [{ kind: 'CiliumClusterwideNetworkPolicy', name: 'deny-all', result: 'created' }] });
    expect(await w.next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'deny-all' } } });

    const again = await simRequest(sim, '/_sim/v1/objects', { method: 'POST', body: yaml });
    expect(again.json()).toMatchObject({ applied: [{ result: 'unchanged' }] });

    const del = await simRequest(sim, `/_sim/v1/objects/${encodeURIComponent('cilium.io/v2')}/CiliumClusterwideNetworkPolicy/_/deny-all`, { method: 'DELETE' });
    expect(del.json()).toMatchObject({ deleted: { name: 'deny-all' } });
    expect((await w.next()).type).toBe('DELETED');
    expect((await simRequest(sim, '/_sim/v1/objects/ccnp/_/deny-all', { method: 'DELETE' })).status).toBe(404);
    expect((await simRequest(sim, '/_sim/v1/objects/cilium.io/v2/CiliumClusterwideNetworkPolicy/_/deny-all', { method: 'DELETE' })).status).toBe(404);
    expect((await simRequest(sim, '/_sim/v1/objects/v1/Gadget/_/x', { method: 'DELETE' })).status).toBe(400);

    const list = JSON.stringify({ kind: 'List', items: [pod({ ns: 'shop', name: 'ctl-1', app: 'ctl', ip: '100.64.1.140', node: 0 })] });
    expect((await simRequest(sim, '/_sim/v1/objects', { method: 'POST', body: list })).json()).toMatchObject({ applied: [{ name: 'ctl-1', result: 'created' }] });
    expect((await simRequest(sim, '/_sim/v1/objects/pods/shop/ctl-1', { method: 'DELETE' })).status).toBe(200);

    const bad = await simRequest(sim, '/_sim/v1/objects', { method: 'POST', body: '{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"x"}}' });
    expect(bad.status).toBe(400);

    const compact = (await simRequest(sim, '/_sim/v1/compact', { method: 'POST' })).json<{ resourceVersion: string }>();
    expect(Number(compact.resourceVersion)).toBe(sim.api.resourceVersion);
    expect((await simRequest(sim, '/_sim/v1/watches/close', { method: 'POST' })).json()).toEqual({ closed: 1 });
    await w.ended;
    const log = (await simRequest(sim, '/_sim/v1/requests')).json<{ requests: Array<{ path: string }> }>();
    expect(log.requests.some((r) => r.path === '/_sim/v1/compact')).toBe(true);
  });
});
