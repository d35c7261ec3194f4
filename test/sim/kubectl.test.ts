/** kubectl 1.32 against the simulated cluster: the real client, unchanged. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { findKubectl, fixtureObjects, KubectlRunner, NODES, pod, POD_AGE, PODS, snapshotOf } from './simFixture';

const kubectl = findKubectl();
if (!kubectl && process.env.CI) throw new Error('kubectl not found (looked for /usr/lib/google-cloud-sdk/bin/kubectl.1.32 and kubectl on PATH); CI needs it');

describe.skipIf(!kubectl)('kubectl against the simulated cluster', () => {
  let sim: SimCluster;
  let k: KubectlRunner;

  beforeAll(async () => {
    sim = await startSimCluster({
      snapshot: snapshotOf(fixtureObjects()),
      scenario: {
        forbidden: [{ group: 'cilium.io', resource: 'ciliumidentities', verbs: ['list', 'watch', 'get'] }],
        crds: { omit: ['vpcresources.k8s.aws'] },
      },
    });
    k = await KubectlRunner.create(kubectl!, sim.kubeconfig());
  });

  afterAll(async () => {
    await k?.dispose();
    await sim?.close();
  });

  /** Rows of a kubectl table as arrays of cells, keyed by the NAME column. */
  function rows(stdout: string): { header: string[]; byName: Map<string, Record<string, string>> } {
    const [head, ...lines] = stdout.trim().split('\n');
    const header = head!.split(/\s{2,}/);
    const byName = new Map<string, Record<string, string>>();
    for (const line of lines) {
      const cells = line.split(/\s{2,}/);
      const row = Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
      byName.set(row.NAME!, row);
    }
    return { header, byName };
  }

  it('get pods -A -o wide prints IP and NODE', async () => {
    const r = await k.run(['get', 'pods', '-A', '-o', 'wide']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { header, byName } = rows(r.stdout);
    expect(header).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(byName.size).toBe(PODS.length);
    for (const p of PODS) {
      expect(byName.get(p.name)).toMatchObject({ NAMESPACE: p.ns, READY: '1/1', STATUS: 'Running', RESTARTS: '0', AGE: POD_AGE, IP: p.ip, NODE: NODES[p.node].name });
    }
  });

  it('get nodes -o wide prints INTERNAL-IP', async () => {
    const r = await k.run(['get', 'nodes', '-o', 'wide']);
    expect(r.code).toBe(0);
    const { byName } = rows(r.stdout);
    for (const n of NODES) expect(byName.get(n.name)).toMatchObject({ STATUS: 'Ready', 'INTERNAL-IP': n.ip, VERSION: 'v1.32.3-eks-473151a' });
  });

  it.each([['ciliumendpoints'], ['cep']])('get %s -A prints the Cilium columns', async (name) => {
    const r = await k.run(['get', name, '-A']);
    expect(r.code).toBe(0);
    const { header, byName } = rows(r.stdout);
    expect(header).toEqual(['NAMESPACE', 'NAME', 'SECURITY IDENTITY', 'ENDPOINT STATE', 'IPV4', 'IPV6']);
    const web = PODS[0];
    expect(byName.get(web.name)).toMatchObject({ NAMESPACE: web.ns, 'SECURITY IDENTITY': String(web.identity), 'ENDPOINT STATE': 'ready', IPV4: web.ip });
    expect(byName.size).toBe(PODS.filter((p) => p.ns !== 'kube-system').length);
  });

  it('get ciliumnetworkpolicies -A', async () => {
    const r = await k.run(['get', 'ciliumnetworkpolicies', '-A']);
    expect(r.code).toBe(0);
    expect(rows(r.stdout).byName.get('web-allow-cart')).toMatchObject({ NAMESPACE: 'shop', AGE: '5d', VALID: 'True' });
  });

  it('get pods --chunk-size=2 -o json pages through all pods with continue tokens', async () => {
    const before = sim.requests.length;
    const r = await k.run(['get', 'pods', '-A', '--chunk-size=2', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string } }> };
    expect(list.items.map((i) => i.metadata.name).sort()).toEqual(PODS.map((p) => p.name).sort());
    const pages = sim.requests.slice(before).filter((q) => q.path === '/api/v1/pods' && q.verb === 'list');
    expect(pages.length).toBe(3);
    expect(pages.every((q) => q.query.limit === '2' && q.status === 200)).toBe(true);
    expect(pages.filter((q) => q.query.continue).length).toBe(2);
  });

  it('filters with -l and --field-selector', async () => {
    const byLabel = await k.run(['get', 'pods', '-A', '-l', 'app=web', '-o', 'name']);
    expect(byLabel.stdout.trim().split('\n').sort()).toEqual(['pod/web-7d9c-p8q2', 'pod/web-7d9c-xk2p']);
    const byNode = await k.run(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${NODES[0].name}`, '-o', 'name']);
    expect(byNode.stdout.trim().split('\n').sort()).toEqual(PODS.filter((p) => p.node === 0).map((p) => `pod/${p.name}`).sort());
    const notIn = await k.run(['get', 'pods', '-A', '-l', 'app notin (web,cart),app', '-o', 'name']);
    expect(notIn.stdout.trim().split('\n').sort()).toEqual(['pod/api-6c8d-r7s9', 'pod/coredns-787cb-z9x8', 'pod/worker-0']);
  });

  it('a bad field selector is a 400 from the server', async () => {
    const r = await k.run(['get', 'pods', '-A', '--field-selector', 'spec.madeUp=x']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('field label not supported: spec.madeUp');
  });

  it('get pod nope is NotFound', async () => {
    const r = await k.run(['get', 'pod', 'nope', '-n', 'shop']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });

  it('a forbidden resource is Forbidden', async () => {
    const r = await k.run(['get', 'ciliumidentities']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Forbidden');
    expect(r.stderr).toContain('User "system:serviceaccount:default:cni-lens" cannot list resource "ciliumidentities" in API group "cilium.io" at the cluster scope');
  });

  it('a CRD group the scenario omits is not a resource type', async () => {
    const r = await k.run(['get', 'cninodes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the server doesn't have a resource type "cninodes"`);
  });

  it('port-forward is refused with a clear message', async () => {
    const r = await k.run(['port-forward', '-n', 'shop', `pod/${PODS[0].name}`, '0:80'], 15_000);
    expect(r.code).not.toBe(0);
    const pf = sim.requests.filter((q) => q.path.endsWith('/portforward'));
    expect(pf.length).toBeGreaterThan(0);
    expect(pf.every((q) => q.status === 400 && q.verb === 'create')).toBe(true);
  });

  it('get pods -A -w --output-watch-events sees ADDED, MODIFIED and DELETED rows', async () => {
    // The name printer (-o name) drops the event type, so the watch is read as a table (one-row Tables).
    const watch = k.spawn(['get', 'pods', '-A', '-w', '--output-watch-events']);
    try {
      await watch.waitFor((l) => l.includes(PODS[5].name));
      const extra = pod({ ns: 'shop', name: 'web-7d9c-new1', app: 'web', ip: '100.64.1.99', node: 0 });
      sim.api.apply(extra);
      const added = await watch.waitFor((l) => l.startsWith('ADDED') && l.includes('web-7d9c-new1'));
      expect(added).toMatch(/^ADDED\s+shop\s+web-7d9c-new1\s+1\/1\s+Running\s+0\s+2d13h$/);
      sim.api.apply({ ...extra, metadata: { ...extra.metadata, labels: { app: 'web', tier: 'front' } } });
      await watch.waitFor((l) => /^MODIFIED\s+shop\s+web-7d9c-new1\s/.test(l));
      sim.api.delete('pods', 'shop', 'web-7d9c-new1');
      await watch.waitFor((l) => /^DELETED\s+shop\s+web-7d9c-new1\s/.test(l));
    } finally {
      await watch.kill();
    }
  });

  it('get pods -w -l -o json: a change out of the selector arrives as DELETED', async () => {
    const watch = k.spawn(['get', 'pods', '-n', 'payments', '-l', 'app=worker', '-w', '--output-watch-events', '-o', 'json']);
    const event = (type: string, name: string) => (l: string) => l.startsWith(`{"type":"${type}"`) && l.includes(`"name":"${name}"`);
    try {
      await watch.waitFor(event('ADDED', 'worker-0'));
      const worker = pod({ ns: 'payments', name: 'worker-1', app: 'worker', ip: '100.64.2.91', node: 1 });
      sim.api.apply(worker);
      await watch.waitFor(event('ADDED', 'worker-1'));
      sim.api.apply({ ...worker, metadata: { ...worker.metadata, labels: { app: 'batch' } } });
      const gone = JSON.parse(await watch.waitFor(event('DELETED', 'worker-1'))) as { object: { metadata: { labels: Record<string, string> } } };
      expect(gone.object.metadata.labels).toEqual({ app: 'batch' });
    } finally {
      await watch.kill();
      sim.api.delete('pods', 'payments', 'worker-1');
    }
  });
});
