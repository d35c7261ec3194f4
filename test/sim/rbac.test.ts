/**
 * Least privilege: the simulated cluster authorizes every request with real RBAC objects, and CNI
 * Lens runs with exactly the shipped role (deploy/rbac/cni-lens-reader.yaml): every source works,
 * nothing is denied, nothing but reads reaches the API server, and every permission of the role is
 * used. With one permission taken away, the session shows what it can and names what is missing.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cliRun';
import { formatClusterSummary, summarizeCluster } from '../../src/core/analysis/clusterSummary';
import { runDoctor } from '../../src/core/analysis/doctor/runDoctor';
import type { SourceStatus } from '../../src/core/model';
import { objectYaml } from '../../src/extension/runtimeEntry';
import { describeRequests, nonReadRequests } from '../../src/sim/readOnlyAudit';
import { parseSimScenario, SimScenarioError } from '../../src/sim/simScenario';
import { SimRbac } from '../../src/sim/simRbac';
import { stringify } from 'yaml';
import { startSimClusterFromDir } from '../../src/sim/startSimClusterFromDir';
import { findKubectl, fixtureObjects } from './simFixture';
import { simRequest } from './simHttp';
import {
  captureLog,
  DEMO_REGION,
  grantsOf,
  RBAC_GROUP,
  RBAC_MANIFEST,
  RBAC_USER,
  rbacScenario,
  shippedRbacObjects,
  startDemoCluster,
  startSession,
  unusedGrants,
  type DemoCluster,
  type RbacObject,
} from './rbacFixture';

const run = promisify(execFile);

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliCaptured(args);
}

/** Runs `use` with the AWS SDK pointed at the simulated EC2 API (the CLI reads the environment). */
async function withAwsEnv<T>(cluster: DemoCluster, use: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EC2: cluster.ec2.endpoint,
    AWS_REGION: DEMO_REGION,
    AWS_ACCESS_KEY_ID: 'AKIDRBACTEST',
    AWS_SECRET_ACCESS_KEY: 'rbac-test',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  try {
    return await use();
  } finally {
    process.env = saved;
  }
}

const notOk = (sources: SourceStatus[]) => sources.filter((s) => s.state !== 'ok');

describe('RBAC in the simulated cluster', () => {
  let cluster: DemoCluster;
  beforeAll(async () => {
    cluster = await startDemoCluster({ user: RBAC_USER, groups: [RBAC_GROUP], rbac: { file: RBAC_MANIFEST } });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('answers a denied request with the API server\'s 403 Status, and allows what a binding grants', async () => {
    const { sim } = cluster;
    const pods = await simRequest(sim, '/api/v1/pods?limit=1');
    expect(pods.status).toBe(200);
    expect(sim.requests.at(-1)?.authz).toMatchObject({ verb: 'list', resource: 'pods', decision: 'allow', by: 'ClusterRoleBinding/cni-lens-reader → ClusterRole/cni-lens-reader rules[0]' });

    // ConfigMaps are granted by name: a list needs the metadata.name field selector
    const all = await simRequest(sim, '/api/v1/namespaces/kube-system/configmaps');
    expect(all.status).toBe(403);
    expect(all.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `configmaps is forbidden: User "${RBAC_USER}" cannot list resource "configmaps" in API group "" in the namespace "kube-system"`,
      reason: 'Forbidden',
      details: { kind: 'configmaps' },
      code: 403,
    });
    const named = await simRequest(sim, '/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dcilium-config');
    expect(named.status).toBe(200);
    expect(named.json<{ items: Array<{ metadata: { name: string } }> }>().items.map((i) => i.metadata.name)).toEqual(['cilium-config']);
    const other = await simRequest(sim, '/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dcoredns');
    expect(other.json<{ message: string }>().message).toBe(
      `configmaps "coredns" is forbidden: User "${RBAC_USER}" cannot list resource "configmaps" in API group "" in the namespace "kube-system"`,
    );

    // port-forward is `create` on pods/portforward, granted in kube-system only
    const podResource = sim.api.registry.find('v1', 'pods')!;
    const podName = (ns: string) => sim.api.list(podResource).find((p) => p.metadata?.namespace === ns)?.metadata?.name;
    const inKubeSystem = await simRequest(sim, `/api/v1/namespaces/kube-system/pods/${podName('kube-system')}/portforward?ports=61679`);
    expect(inKubeSystem.status).toBe(400); // authorized; then refused as a plain GET, not a websocket upgrade
    const elsewhere = await simRequest(sim, `/api/v1/namespaces/shop/pods/${podName('shop')}/portforward?ports=8080`);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json<{ message: string }>().message).toBe(
      `pods "${podName('shop')}" is forbidden: User "${RBAC_USER}" cannot create resource "pods/portforward" in API group "" in the namespace "shop"`,
    );
    // a write is denied by RBAC before anything else
    const write = await simRequest(sim, '/api/v1/namespaces/shop/pods', { method: 'POST', body: '{}' });
    expect(write.json<{ message: string }>().message).toBe(`pods is forbidden: User "${RBAC_USER}" cannot create resource "pods" in API group "" in the namespace "shop"`);
    // the read-only audit reports it (and only it: the port-forwards are reads)
    expect(nonReadRequests(sim.requests).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /api/v1/namespaces/shop/pods 403']);
  });

  it('kubectl sees the same denials', async () => {
    const kubectl = findKubectl();
    if (!kubectl) return;
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HOME: cluster.dir };
    const ok = await run(kubectl, ['get', 'pods', '-A', '-o', 'name'], { env });
    expect(ok.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(10);
    const denied = await run(kubectl, ['get', 'configmaps', '-n', 'kube-system'], { env }).then(
      () => undefined,
      (err: { stderr: string }) => err.stderr,
    );
    expect(denied).toContain(
      `Error from server (Forbidden): configmaps is forbidden: User "${RBAC_USER}" cannot list resource "configmaps" in API group "" in the namespace "kube-system"`,
    );
    const one = await run(kubectl, ['get', 'configmaps', '-n', 'kube-system', 'cilium-config', '-o', 'name'], { env }).then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );
    // a get by name needs `get`, which the role does not grant: the tool lists by field selector
    expect(one).toContain(`configmaps "cilium-config" is forbidden: User "${RBAC_USER}" cannot get resource "configmaps"`);
  });

  it('kubectl auth can-i answers from the same RBAC', async () => {
    const kubectl = findKubectl();
    if (!kubectl) return;
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, HOME: cluster.dir };
    const canI = (...args: string[]) =>
      run(kubectl, ['auth', 'can-i', ...args], { env }).then(
        (r) => r.stdout.trim(),
        (err: { stdout: string }) => err.stdout.trim(),
      );
    expect(await canI('list', 'pods', '-A')).toBe('yes');
    expect(await canI('watch', 'ciliumendpoints.cilium.io', '-A')).toBe('yes');
    expect(await canI('get', 'ciliumnodes.cilium.io/x')).toBe('no');
    expect(await canI('create', 'pods', '--subresource=portforward', '-n', 'kube-system')).toBe('yes');
    expect(await canI('create', 'pods', '--subresource=portforward', '-n', 'shop')).toBe('no');
    expect(await canI('list', 'configmaps', '-n', 'kube-system')).toBe('no');
    expect(await canI('list', 'configmaps/cilium-config', '-n', 'kube-system')).toBe('yes');
    expect(await canI('delete', 'pods', '-n', 'shop')).toBe('no');
  });

  it('a binding to a role that does not exist is named in the denial, as RBAC names it', async () => {
    const objects: RbacObject[] = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'gone' }, subjects: [{ kind: 'Group', name: RBAC_GROUP }] },
    ];
    const rbac = SimRbac.compile({ objects }, RBAC_USER, [RBAC_GROUP]);
    expect(rbac.authorize({ verb: 'list', apiGroup: '', resource: 'pods' })).toEqual({ allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found' });
    // a RoleBinding grants a ClusterRole's rules in its own namespace only; a ServiceAccount subject is the SA's user
    const sa = 'system:serviceaccount:tools:cni-lens';
    const scoped = SimRbac.compile(
      {
        objects: [
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'view-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'shop' }, roleRef: { kind: 'ClusterRole', name: 'view-pods' }, subjects: [{ kind: 'ServiceAccount', name: 'cni-lens', namespace: 'tools' }] },
        ],
      },
      sa,
    );
    expect(scoped.authorize({ verb: 'list', apiGroup: '', resource: 'pods', namespace: 'shop' }).allowed).toBe(true);
    expect(scoped.authorize({ verb: 'list', apiGroup: '', resource: 'pods', namespace: 'payments' }).allowed).toBe(false);
    expect(scoped.authorize({ verb: 'list', apiGroup: '', resource: 'pods' }).allowed).toBe(false);
    expect(scoped.authorize({ verb: 'watch', apiGroup: '', resource: 'pods', namespace: 'shop' }).allowed).toBe(false);
  });

  it('sim-scenario.yaml names the RBAC file relative to itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cni-lens-rbac-dir-'));
    try {
      mkdirSync(join(dir, 'kubernetes'));
      writeFileSync(join(dir, 'kubernetes', 'objects.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: fixtureObjects() }));
      writeFileSync(join(dir, 'sim-scenario.yaml'), stringify({ user: 'alice', groups: [RBAC_GROUP], rbac: { file: relative(dir, RBAC_MANIFEST) } }));
      const sim = await startSimClusterFromDir(dir, { onWarning: () => undefined });
      try {
        expect((await simRequest(sim, '/api/v1/pods')).status).toBe(200);
        expect((await simRequest(sim, '/api/v1/namespaces/kube-system/configmaps')).json<{ message: string }>().message).toContain('User "alice" cannot list resource "configmaps"');
      } finally {
        await sim.close();
      }
      writeFileSync(join(dir, 'sim-scenario.yaml'), stringify({ rbac: { file: 'missing.yaml' } }));
      await expect(startSimClusterFromDir(dir, { onWarning: () => undefined })).rejects.toThrow(`rbac.file ${join(dir, 'missing.yaml')}: ENOENT`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['rbac: [x]', 'rbac must be a mapping'],
    ['rbac: {rules: [{verbs: [get], resources: [pods]}]}', 'rbac.rules[0].apiGroups: is required with resources'],
    ['rbac: {objects: [{apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: r}, rules: []}]}', 'rbac.objects[0] (Role r).metadata.namespace: is required for a Role'],
    ['rbac: {objects: [{apiVersion: v1, kind: ClusterRole, metadata: {name: r}}]}', 'rbac.objects[0] (ClusterRole r).apiVersion: must be rbac.authorization.k8s.io/v1'],
    ['rbac: {objects: [{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: b}, roleRef: {kind: Role, name: r}}]}', 'roleRef.kind: must be ClusterRole'],
    ['rbac: {file: x.yaml, extra: 1}', 'rbac.extra must be one of'],
  ])('scenario %j is rejected naming the field', (text, message) => {
    expect(() => parseSimScenario(text, 's/sim-scenario.yaml')).toThrow(SimScenarioError);
    expect(() => parseSimScenario(text, 's/sim-scenario.yaml')).toThrow(message);
  });
});

describe('CNI Lens with exactly the shipped role', () => {
  let cluster: DemoCluster;
  beforeAll(async () => {
    cluster = await startDemoCluster({ user: RBAC_USER, groups: [RBAC_GROUP], rbac: { file: RBAC_MANIFEST } });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('a full session, Open YAML, and the CLI (summary, doctor, flows, collect) get every source, nothing denied, only reads, every grant used', async () => {
    const log = captureLog();
    const session = await startSession(cluster, log);
    try {
      expect(session.state.phase).toBe('connected');
      expect(notOk(session.sources)).toEqual([]);
      expect(session.sources.map((s) => s.name)).toEqual(['kubernetes', 'ec2', 'ipamd', 'hubble']);
      expect(session.sources.find((s) => s.name === 'hubble')?.detail).toMatch(/^Relay pod kube-system\/hubble-relay-\S+ port 4245 through port-forward/);
      expect(session.sources.find((s) => s.name === 'ipamd')?.detail).toMatch(/^\/v1\/enis of 7 of 7 nodes/);
      expect(session.store.get('configMap', 'kube-system/cilium-config')).toBeDefined();
      expect(session.store.get('configMap', 'kube-system/amazon-vpc-cni')).toBeDefined();

      // "Open YAML" of a tree item reads the object from the API server
      const pod = [...session.store.list('pod')].find((p) => p.namespace === 'shop')!;
      const service = [...session.store.list('service')][0]!;
      const node = [...session.store.list('node')][0]!;
      const cep = [...session.store.list('ciliumEndpoint')][0]!;
      for (const [kind, key] of [
        ['pod', `${pod.namespace}/${pod.name}`],
        ['service', `${service.namespace}/${service.name}`],
        ['node', node.name],
        ['ciliumEndpoint', `${cep.namespace}/${cep.name}`],
      ] as const) {
        const yaml = await objectYaml(session, kind, key);
        expect(yaml, kind).toMatch(new RegExp(`^# ${kind} ${key}, read from context demo`));
      }
    } finally {
      await session.stop();
    }
    expect(log.lines.filter((l) => !l.startsWith('info'))).toEqual([]);

    await withAwsEnv(cluster, async () => {
      const summary = await cli(['summary', '--kubeconfig', cluster.kubeconfigPath, '--timeout', '20']);
      expect(summary.err).toBe('');
      expect(summary.code).toBe(0);
      const doctor = await cli(['doctor', '--kubeconfig', cluster.kubeconfigPath, '--timeout', '20', '--json']);
      expect(doctor.err).toBe('');
      expect(doctor.out).toContain('"sources.kubernetes"');
      const flows = await cli(['flows', '--kubeconfig', cluster.kubeconfigPath, '--last', '3', '--json']);
      expect(flows.code).toBe(0);
      expect(flows.out.trim().split('\n')).toHaveLength(3);
      const collect = await cli(['collect', '--kubeconfig', cluster.kubeconfigPath, '--out', join(cluster.dir, 'collected')]);
      expect(collect.code).toBe(0);
      expect(collect.out + collect.err).not.toMatch(/forbidden/i);
    });

    const requests = cluster.sim.requests;
    const denied = requests.filter((r) => r.authz?.decision === 'deny' || r.status === 403);
    expect(describeRequests(denied)).toBe('');
    // read-only: get, list, watch and port-forward only
    expect(describeRequests(nonReadRequests(requests))).toBe('');
    // least privilege: every verb on every resource (and name) of every rule was used by some request
    expect(unusedGrants(grantsOf(shippedRbacObjects()), requests)).toEqual([]);
    // and the check does fail for a grant nobody uses
    const broader = shippedRbacObjects();
    broader[0]!.rules!.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
    broader[0]!.rules![0]!.verbs.push('patch');
    expect(unusedGrants(grantsOf(broader), requests).map((g) => `${g.verb} ${g.resource}`).sort()).toEqual(['get secrets', 'patch nodes', 'patch pods', 'patch services']);
  }, 120_000);
});

/** The shipped objects with one change. */
function without(change: (objects: RbacObject[]) => void): RbacObject[] {
  const objects = shippedRbacObjects();
  change(objects);
  return objects;
}

const clusterRole = (objects: RbacObject[]) => objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'cni-lens-reader')!;

describe('CNI Lens with one permission missing shows what it can and names the permission', () => {
  it('no cluster-wide pods list: the pods source names verb, resource and scope; nodes, EC2 still work; ipamd says why it cannot', async () => {
    const objects = without((o) => {
      const rules = clusterRole(o).rules!;
      rules[0]!.resources = ['nodes', 'services'];
    });
    const cluster = await startDemoCluster(rbacScenario(objects));
    const session = await startSession(cluster, captureLog());
    try {
      const pods = session.sources.find((s) => s.name === 'kubernetes pods');
      expect(pods).toEqual({
        name: 'kubernetes pods',
        state: 'forbidden',
        detail: `pods is forbidden: User "${RBAC_USER}" cannot list resource "pods" in API group "" at the cluster scope`,
      });
      expect(session.store.count('pod')).toBe(0);
      expect(session.store.count('node')).toBe(7);
      expect(session.sources.find((s) => s.name === 'ec2')?.state).toBe('ok');
      const ipamd = session.sources.find((s) => s.name === 'ipamd');
      expect(ipamd?.state).toBe('forbidden');
      expect(ipamd?.detail).toContain('cannot list resource "pods" in API group "" at the cluster scope');
      // no port-forward was tried without knowing the pods
      expect(cluster.sim.requests.filter((r) => r.authz?.subresource === 'portforward')).toEqual([]);
    } finally {
      await session.stop();
      await cluster.close();
    }
  }, 60_000);

  it('no ciliumendpoints: that source is forbidden, the rest of Cilium is read, and doctor names what it affects', async () => {
    const objects = without((o) => {
      const rules = clusterRole(o).rules!;
      const cep = rules.findIndex((r) => r.resources?.includes('ciliumendpoints'));
      rules.splice(cep, 1);
    });
    const cluster = await startDemoCluster(rbacScenario(objects));
    const session = await startSession(cluster, captureLog());
    try {
      expect(notOk(session.sources)).toEqual([
        {
          name: 'kubernetes ciliumendpoints',
          state: 'forbidden',
          detail: `ciliumendpoints.cilium.io is forbidden: User "${RBAC_USER}" cannot list resource "ciliumendpoints" in API group "cilium.io" at the cluster scope`,
        },
      ]);
      expect(session.store.count('ciliumEndpoint')).toBe(0);
      expect(session.store.count('ciliumIdentity')).toBeGreaterThan(0);
      const report = runDoctor(session.store, { sources: session.sources });
      const check = report.findings.find((r) => r.id === 'sources.kubernetes');
      expect(check?.detail).toContain('kubernetes ciliumendpoints: forbidden');
      expect(check?.detail).toContain('affects: pods not managed by Cilium');
      // and no pod is called unmanaged for lack of CiliumEndpoints: that is unknown
      expect(report.findings.find((r) => r.id === 'cilium.unmanaged-pods')?.detail).toContain('this check did not run');
      const summary = summarizeCluster(session.store, session.sources);
      expect(summary.counts.unmanagedPods).toBeNull();
      expect(formatClusterSummary(summary)).toContain('Unmanaged pods        n/a (CiliumEndpoints forbidden)');
    } finally {
      await session.stop();
      await cluster.close();
    }
  }, 60_000);

  it('no pods/portforward: ipamd names the permission, EC2 still gives the ENIs, and flows say port-forward is forbidden', async () => {
    const objects = without((o) => {
      const i = o.findIndex((x) => x.kind === 'RoleBinding' && x.metadata.name === 'cni-lens-port-forward');
      o.splice(i, 1);
    });
    const cluster = await startDemoCluster(rbacScenario(objects));
    const session = await startSession(cluster, captureLog());
    try {
      expect(notOk(session.sources).map((s) => s.name)).toEqual(['ipamd', 'hubble']);
      // the session's flows name the same missing permission
      expect(session.sources.find((s) => s.name === 'hubble')).toMatchObject({ state: 'forbidden', detail: expect.stringContaining('cannot create resource "pods/portforward" in API group "" in the namespace "kube-system"') });
      const ipamd = session.sources.find((s) => s.name === 'ipamd')!;
      expect(ipamd.state).toBe('forbidden');
      expect(ipamd.detail).toMatch(/^needs RBAC create on pods\/portforward in kube-system; \/v1\/enis of 0 of 7 nodes/);
      expect(ipamd.detail).toMatch(/cannot create resource "pods\/portforward" in API group "" in the namespace "kube-system"/);
      expect(ipamd.detail).toContain('reading ipamd needs RBAC `create` on `pods/portforward` in kube-system');
      expect(session.store.count('eni')).toBeGreaterThan(0);
      const flows = await cli(['flows', '--kubeconfig', cluster.kubeconfigPath, '--last', '3']);
      expect(flows.code).toBe(1);
      expect(flows.err).toContain('cannot create resource "pods/portforward" in API group "" in the namespace "kube-system"');
    } finally {
      await session.stop();
      await cluster.close();
    }
  }, 60_000);

  it('list but no watch on networkpolicies: the listed policies stay, and the source says they are not kept up to date', async () => {
    const objects = without((o) => {
      const rule = clusterRole(o).rules!.find((r) => r.resources?.includes('networkpolicies'))!;
      rule.verbs = ['list'];
    });
    const cluster = await startDemoCluster(rbacScenario(objects));
    const session = await startSession(cluster, captureLog());
    try {
      // the watch starts after the list; wait until its denial has arrived
      await expect.poll(() => cluster.sim.requests.some((r) => r.authz?.verb === 'watch' && r.authz.resource === 'networkpolicies'), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => session.sources.find((s) => s.name === 'kubernetes networkpolicies')?.state ?? 'pending', { timeout: 10_000 }).not.toBe('pending');
      const source = session.sources.find((s) => s.name === 'kubernetes networkpolicies');
      expect(source?.state).toBe('forbidden');
      expect(source?.detail).toBe(
        // the API server's own message (the watch reader keeps the body of a refused watch)
        'networkpolicies.networking.k8s.io is forbidden: User "arn:aws:sts::111122223333:assumed-role/oncall/alice" cannot watch resource "networkpolicies" in API group "networking.k8s.io" at the cluster scope; the objects shown are from the first list and are not kept up to date',
      );
      expect([...session.store.list('networkPolicy')].filter((p) => p.kind === 'NetworkPolicy')).toHaveLength(2);
      // the informer stopped: one denied watch, not a retry loop
      const watches = cluster.sim.requests.filter((r) => r.authz?.verb === 'watch' && r.authz.resource === 'networkpolicies');
      expect(watches).toHaveLength(1);
    } finally {
      await session.stop();
      await cluster.close();
    }
  }, 60_000);
});
