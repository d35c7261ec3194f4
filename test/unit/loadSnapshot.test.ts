import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot, SnapshotError } from '../../src/core/snapshot/loadSnapshot';
import type { RawSnapshot } from '../../src/core/snapshot/rawSnapshot';

const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (relative path → content) into a fresh temp directory and returns it. */
function fixture(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-snapshot-'));
  tempDirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

function kubeSummary(snapshot: RawSnapshot): string[] {
  return snapshot.kubernetes.map(
    (e) => `${e.object.apiVersion} ${e.object.kind} ${e.object.metadata.namespace ?? '-'}/${e.object.metadata.name} @${e.origin.file}:${e.origin.line ?? '?'}`,
  );
}

const multiDoc = `# leading comment
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
# a pod
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  namespace: shop
spec:
  nodeName: ip-10-0-1-23.eu-west-1.compute.internal
---
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-web, namespace: shop}
`;

const kubectlListYaml = `apiVersion: v1
items:
- apiVersion: v1
  kind: Node
  metadata:
    name: ip-10-0-1-23.eu-west-1.compute.internal
- apiVersion: v1
  kind: Service
  metadata:
    name: web
    namespace: shop
kind: List
metadata:
  resourceVersion: ""
`;

const kubectlListJson = JSON.stringify(
  {
    apiVersion: 'v1',
    items: [
      { apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint', metadata: { name: 'web-0', namespace: 'shop' } },
      { apiVersion: 'cilium.io/v2', kind: 'CiliumIdentity', metadata: { name: '12345' } },
    ],
    kind: 'List',
    metadata: { resourceVersion: '' },
  },
  null,
  4,
);

const podListYaml = `apiVersion: v1
kind: PodList
metadata:
  resourceVersion: "123"
items:
- metadata:
    name: a
    namespace: shop
  spec: {}
- metadata:
    name: b
    namespace: shop
`;

describe('loadSnapshot: Kubernetes manifests', () => {
  it('reads multi-document YAML with the line of each object', async () => {
    const root = fixture({ 'kubernetes/core.yaml': multiDoc });
    const snapshot = await loadSnapshot(root);
    expect(kubeSummary(snapshot)).toEqual([
      'v1 Namespace -/shop @kubernetes/core.yaml:2',
      'v1 Pod shop/web-0 @kubernetes/core.yaml:8',
      'cilium.io/v2 CiliumNetworkPolicy shop/allow-web @kubernetes/core.yaml:17',
    ]);
    expect(snapshot.kubernetes[1].object.spec).toEqual({ nodeName: 'ip-10-0-1-23.eu-west-1.compute.internal' });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.root).toBe(path.resolve(root));
  });

  it('flattens kind: List from YAML and JSON, in sorted file order, recursing into subfolders', async () => {
    const root = fixture({
      'kubernetes/b-list.yaml': kubectlListYaml,
      'kubernetes/a-cilium/endpoints.json': kubectlListJson,
    });
    const snapshot = await loadSnapshot(root);
    expect(kubeSummary(snapshot)).toEqual([
      'cilium.io/v2 CiliumEndpoint shop/web-0 @kubernetes/a-cilium/endpoints.json:?',
      'cilium.io/v2 CiliumIdentity -/12345 @kubernetes/a-cilium/endpoints.json:?',
      'v1 Node -/ip-10-0-1-23.eu-west-1.compute.internal @kubernetes/b-list.yaml:3',
      'v1 Service shop/web @kubernetes/b-list.yaml:7',
    ]);
    expect(snapshot.problems).toEqual([]);
  });

  it('fills kind and apiVersion of typed list items (PodList → Pod)', async () => {
    const root = fixture({ 'kubernetes/pods.yaml': podListYaml });
    const snapshot = await loadSnapshot(root);
    expect(kubeSummary(snapshot)).toEqual(['v1 Pod shop/a @kubernetes/pods.yaml:6', 'v1 Pod shop/b @kubernetes/pods.yaml:10']);
    expect(snapshot.kubernetes[0].object).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'shop' }, spec: {} });
  });

  it('fills typed list items from JSON and warns about a list item without a name, at its line', async () => {
    const nodeList = JSON.stringify({ apiVersion: 'v1', kind: 'NodeList', items: [{ metadata: { name: 'node-a' } }], metadata: {} });
    const listYaml = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    namespace: shop
`;
    const root = fixture({ 'kubernetes/nodes.json': nodeList, 'kubernetes/services.yaml': listYaml });
    const snapshot = await loadSnapshot(root);
    expect(kubeSummary(snapshot)).toEqual(['v1 Node -/node-a @kubernetes/nodes.json:?']);
    expect(snapshot.problems).toEqual([
      { severity: 'warning', file: 'kubernetes/services.yaml', line: 4, message: 'skipped item 0 of List: missing metadata.name' },
    ]);
  });

  it('gives the line of a single JSON object', async () => {
    const root = fixture({ 'kubernetes/cm.json': '\n{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "cilium-config", "namespace": "kube-system"}\n}\n' });
    const snapshot = await loadSnapshot(root);
    expect(kubeSummary(snapshot)).toEqual(['v1 ConfigMap kube-system/cilium-config @kubernetes/cm.json:3']);
  });

  it('reports a YAML syntax error with file, line and column, and loads the rest', async () => {
    const broken = [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: ok-before',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web-0',
      '\tnamespace: shop', // line 10: a tab as indentation
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: ok-after',
      '',
    ].join('\n');
    const root = fixture({ 'kubernetes/broken.yaml': broken, 'kubernetes/other.yaml': multiDoc });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.kubernetes.map((e) => e.object.metadata.name)).toEqual(['ok-before', 'ok-after', 'shop', 'web-0', 'allow-web']);
    expect(snapshot.kubernetes[1].origin).toEqual({ file: 'kubernetes/broken.yaml', line: 12 });
    expect(snapshot.kubernetes[3].origin).toEqual({ file: 'kubernetes/other.yaml', line: 8 });
    expect(snapshot.problems).toEqual([
      {
        severity: 'error',
        file: 'kubernetes/broken.yaml',
        line: 10,
        column: 1,
        message: 'YAML syntax error: Tabs are not allowed as indentation',
      },
    ]);
  });

  it('reports a JSON syntax error with file, line and column, and loads other files', async () => {
    const badJson = '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "x",}\n}\n';
    const root = fixture({ 'kubernetes/bad.json': badJson, 'kubernetes/good.yaml': kubectlListYaml });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.kubernetes).toHaveLength(2);
    expect(snapshot.problems).toHaveLength(1);
    expect(snapshot.problems[0]).toMatchObject({ severity: 'error', file: 'kubernetes/bad.json', line: 4, column: 28 });
    expect(snapshot.problems[0].message).toMatch(/^JSON syntax error: /);
  });

  it('locates JSON errors whose engine message has no position', async () => {
    const root = fixture({ 'kubernetes/bad.json': '{\n  "apiVersion": "v1",\n  "kind": tru\n}' });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.problems).toEqual([expect.objectContaining({ severity: 'error', file: 'kubernetes/bad.json', line: 3, column: 11 })]);
  });

  it('skips objects missing apiVersion, kind or metadata.name with a warning, and empty documents silently', async () => {
    const yaml = `apiVersion: v1
metadata:
  name: no-kind
---
kind: Pod
metadata: {}
---
- just
- a list
---
---
apiVersion: v1
kind: Namespace
metadata:
  name: fine
`;
    const root = fixture({ 'kubernetes/mixed.yaml': yaml });
    const snapshot = await loadSnapshot(root);
    expect(kubeSummary(snapshot)).toEqual(['v1 Namespace -/fine @kubernetes/mixed.yaml:12']);
    expect(snapshot.problems).toEqual([
      { severity: 'warning', file: 'kubernetes/mixed.yaml', line: 1, message: 'skipped document: missing kind' },
      { severity: 'warning', file: 'kubernetes/mixed.yaml', line: 5, message: 'skipped document: missing apiVersion, metadata.name' },
      { severity: 'warning', file: 'kubernetes/mixed.yaml', line: 8, message: 'skipped document: not a mapping (a list)' },
    ]);
  });

  it('reads top-level manifests when there is no kubernetes/ folder', async () => {
    const root = fixture({ 'app.yaml': multiDoc, 'README.md': '# notes', 'hubble/flows.jsonl': '{"flow":{}}\n' });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.kubernetes.map((e) => e.origin.file)).toEqual(['app.yaml', 'app.yaml', 'app.yaml']);
    expect(snapshot.hubble).toHaveLength(1);
    expect(snapshot.problems).toEqual([]);
  });

  it('warns about top-level manifests next to a kubernetes/ folder and unknown files in known folders', async () => {
    const root = fixture({
      'kubernetes/core.yaml': multiDoc,
      'kubernetes/notes.txt': 'x',
      'kubernetes/README.md': 'ignored',
      'stray.yaml': multiDoc,
      'ipamd/node.txt': 'x',
    });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.kubernetes).toHaveLength(3);
    expect(snapshot.problems.map((p) => `${p.severity} ${p.file}`)).toEqual([
      'warning kubernetes/notes.txt',
      'warning stray.yaml',
      'warning ipamd/node.txt',
    ]);
  });

  it('loads a single YAML file as a snapshot', async () => {
    const root = fixture({ 'policies.yaml': multiDoc });
    const file = path.join(root, 'policies.yaml');
    const snapshot = await loadSnapshot(file);
    expect(snapshot.root).toBe(file);
    expect(kubeSummary(snapshot)[1]).toBe('v1 Pod shop/web-0 @policies.yaml:8');
    expect(snapshot.aws.networkInterfaces).toEqual([]);
  });
});

describe('loadSnapshot: AWS, ipamd and Hubble', () => {
  const eni = (id: string, ip: string) => ({ NetworkInterfaceId: id, PrivateIpAddress: ip, SubnetId: 'subnet-1' });

  it('recognises AWS CLI output by content, flattens Reservations and merges files', async () => {
    const root = fixture({
      'aws/describe-network-interfaces.json': JSON.stringify({ NetworkInterfaces: [eni('eni-a', '10.0.1.10'), eni('eni-b', '10.0.1.11')], NextToken: 'abc' }),
      'aws/enis-page-2.json': JSON.stringify({ NetworkInterfaces: [eni('eni-c', '10.0.2.10'), eni('eni-a', '10.0.1.10')] }),
      'aws/network.json': JSON.stringify({
        Subnets: [{ SubnetId: 'subnet-1', CidrBlock: '10.0.1.0/24' }],
        Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16' }],
        RouteTables: [{ RouteTableId: 'rtb-1' }],
        NatGateways: [{ NatGatewayId: 'nat-1' }],
        SecurityGroups: [{ GroupId: 'sg-1' }],
      }),
      'aws/describe-instances.json': JSON.stringify({
        Reservations: [
          { ReservationId: 'r-1', Instances: [{ InstanceId: 'i-1', InstanceType: 'm5.large' }, { InstanceId: 'i-2' }] },
          { ReservationId: 'r-2', Instances: [{ InstanceId: 'i-3' }] },
        ],
      }),
      'aws/other.json': JSON.stringify({ Something: [] }),
    });
    const snapshot = await loadSnapshot(root);
    const { aws } = snapshot;
    expect(aws.networkInterfaces.map((e) => e.NetworkInterfaceId)).toEqual(['eni-a', 'eni-b', 'eni-c']);
    expect(aws.instances.map((i) => i.InstanceId)).toEqual(['i-1', 'i-2', 'i-3']);
    expect(aws.instances[0]).toEqual({ InstanceId: 'i-1', InstanceType: 'm5.large' });
    expect(aws.subnets).toEqual([{ SubnetId: 'subnet-1', CidrBlock: '10.0.1.0/24' }]);
    expect(aws.vpcs.map((v) => v.VpcId)).toEqual(['vpc-1']);
    expect(aws.routeTables.map((r) => r.RouteTableId)).toEqual(['rtb-1']);
    expect(aws.natGateways.map((n) => n.NatGatewayId)).toEqual(['nat-1']);
    expect(aws.securityGroups.map((g) => g.GroupId)).toEqual(['sg-1']);
    expect(aws.files).toEqual(['aws/describe-instances.json', 'aws/describe-network-interfaces.json', 'aws/enis-page-2.json', 'aws/network.json']);
    expect(snapshot.problems).toEqual([expect.objectContaining({ severity: 'warning', file: 'aws/other.json' })]);
  });

  it('takes the ipamd node name from the file name and keeps the body raw', async () => {
    const body = { '0': { TotalIPs: 28, AssignedIPs: 2, ENIs: { 'eni-0abc': { ID: 'eni-0abc', IsPrimary: true } } } };
    const root = fixture({ 'ipamd/ip-10-0-1-23.eu-west-1.compute.internal.json': JSON.stringify(body) });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.ipamd).toEqual([
      { nodeName: 'ip-10-0-1-23.eu-west-1.compute.internal', enis: body, origin: { file: 'ipamd/ip-10-0-1-23.eu-west-1.compute.internal.json' } },
    ]);
  });

  it('reads Hubble JSON lines, reporting a bad line and loading the others', async () => {
    const flow = (n: number) => JSON.stringify({ flow: { verdict: 'FORWARDED', IP: { source: `10.0.1.${n}` } }, node_name: 'node-a' });
    const jsonl = [flow(1), '', flow(2), '{"flow": {"verdict": "DROPPED",', flow(3), '[1]', ''].join('\r\n');
    const root = fixture({ 'hubble/flows.jsonl': jsonl });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.hubble.map((h) => [(h.value.flow as { IP: { source: string } }).IP.source, h.origin.line])).toEqual([
      ['10.0.1.1', 1],
      ['10.0.1.2', 3],
      ['10.0.1.3', 5],
    ]);
    expect(snapshot.hubble[0].origin.file).toBe('hubble/flows.jsonl');
    expect(snapshot.problems).toEqual([
      expect.objectContaining({ severity: 'error', file: 'hubble/flows.jsonl', line: 4, column: 32 }),
      { severity: 'error', file: 'hubble/flows.jsonl', line: 6, column: 1, message: 'expected a JSON object, got a list' },
    ]);
  });
});

describe('loadSnapshot: roots and cancellation', () => {
  it('throws SnapshotError naming a path that does not exist', async () => {
    const missing = path.join(os.tmpdir(), 'cni-lens-no-such-snapshot', 'x');
    const error = await loadSnapshot(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).message).toBe(`snapshot path ${missing} does not exist`);
    expect((error as SnapshotError).path).toBe(missing);
  });

  it('loads an empty directory with a warning', async () => {
    const root = fixture({ 'notes.txt': 'nothing here' });
    const snapshot = await loadSnapshot(root);
    expect(snapshot.kubernetes).toEqual([]);
    expect(snapshot.problems).toEqual([expect.objectContaining({ severity: 'warning', file: '.' })]);
    expect(snapshot.problems[0].message).toMatch(/^nothing to load in /);
  });

  it('throws the abort reason when the signal is aborted', async () => {
    const root = fixture({ 'kubernetes/core.yaml': multiDoc });
    const reason = new Error('stopped by the user');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(loadSnapshot(root, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('stops between files when aborted during the load', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`kubernetes/f${String(i).padStart(2, '0')}.yaml`] = multiDoc;
    const root = fixture(files);
    const controller = new AbortController();
    const reason = new Error('aborted mid-load');
    const loading = loadSnapshot(root, { signal: controller.signal });
    setImmediate(() => controller.abort(reason));
    await expect(loading).rejects.toBe(reason);
  });
});
