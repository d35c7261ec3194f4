/**
 * Tree building on the demo snapshot (loaded with the project's snapshot loader): concrete rows of
 * each view checked against the snapshot's files, read here independently of CNI Lens.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runDoctor } from '../../src/core/analysis/doctor/runDoctor';
import type { SourceStatus } from '../../src/core/model';
import { loadSnapshotStore, type SnapshotStore } from '../../src/core/sources/snapshotStore';
import { ClusterStore } from '../../src/core/store/clusterStore';
import { clusterRows } from '../../src/core/tree/clusterTree';
import { endpointRows } from '../../src/core/tree/endpointsTree';
import { subnetRows } from '../../src/core/tree/enisTree';
import { eniRows, nodeRows } from '../../src/core/tree/nodesTree';
import { podNamespaceRows } from '../../src/core/tree/podIpsTree';
import { sourceRows, TREE_MODELS } from '../../src/core/tree/treeModels';
import { tooltipText, type TreeRow } from '../../src/core/tree/treeRow';

const DEMO = resolve(__dirname, '../../demo/snapshot');

// ---- the snapshot's files, read without CNI Lens

interface Ec2Eni { NetworkInterfaceId: string; SubnetId: string; Attachment?: { InstanceId?: string; DeviceIndex?: number }; Groups: { GroupId: string; GroupName: string }[]; PrivateIpAddresses: { PrivateIpAddress: string; Primary: boolean }[] }
interface Ec2Subnet { SubnetId: string; CidrBlock: string; AvailabilityZone: string; AvailableIpAddressCount: number }
interface Pod { metadata: { name: string; namespace: string }; spec: { nodeName?: string; hostNetwork?: boolean }; status: { phase: string; podIP?: string } }
interface Node { metadata: { name: string }; spec: { providerID: string }; status: { addresses: { type: string; address: string }[] } }
interface Cep { metadata: { name: string; namespace: string }; status: { id: number; identity: { id: number }; networking: { addressing: { ipv4: string }[] } } }
interface IpamdAddress { Address: string; IPAMKey?: { containerID?: string }; UnassignedTime?: string }

const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(DEMO, file), 'utf8')) as T;
const readList = <T>(file: string): T[] => (parse(readFileSync(join(DEMO, 'kubernetes', file), 'utf8')) as { items: T[] }).items;

const ec2Enis = readJson<{ NetworkInterfaces: Ec2Eni[] }>('aws/describe-network-interfaces.json').NetworkInterfaces;
const subnets = readJson<{ Subnets: Ec2Subnet[] }>('aws/describe-subnets.json').Subnets;
const pods = readList<Pod>('pods.yaml');
const nodes = readList<Node>('nodes.yaml');
const ceps = readList<{ kind: string } & Cep>('cilium.yaml').filter((o) => o.kind === 'CiliumEndpoint');
const eniConfigs = readList<{ kind: string; metadata: { name: string }; spec: { subnet: string } }>('vpc-cni.yaml').filter((o) => o.kind === 'ENIConfig');

const NODE = 'ip-10-0-17-42.us-west-2.compute.internal';
const node = nodes.find((n) => n.metadata.name === NODE)!;
const nodeIp = node.status.addresses.find((a) => a.type === 'InternalIP')!.address;
const instanceId = node.spec.providerID.split('/').pop()!;
const podIps = new Map(pods.filter((p) => !p.spec.hostNetwork && p.status.podIP).map((p) => [p.status.podIP!, `${p.metadata.namespace}/${p.metadata.name}`]));
const cepKeys = new Set(ceps.map((c) => `${c.metadata.namespace}/${c.metadata.name}`));
const unmanaged = pods.filter((p) => !p.spec.hostNetwork && p.status.podIP && p.status.phase === 'Running' && !cepKeys.has(`${p.metadata.namespace}/${p.metadata.name}`)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();

/** IPs ipamd released and keeps cooling (an entry with an UnassignedTime and no container). */
function coolingIps(nodeName: string): Set<string> {
  const body = readJson<Record<string, { ENIs: Record<string, { AvailableIPv4Cidrs: Record<string, { IPAddresses: Record<string, IpamdAddress> }> }> }>>(`ipamd/${nodeName}.json`);
  const out = new Set<string>();
  for (const card of Object.values(body)) for (const eni of Object.values(card.ENIs)) for (const cidr of Object.values(eni.AvailableIPv4Cidrs)) {
    for (const a of Object.values(cidr.IPAddresses)) if (!a.IPAMKey?.containerID && a.UnassignedTime && !a.UnassignedTime.startsWith('0001-')) out.add(a.Address);
  }
  return out;
}

/** Every row of a tree, children expanded, with its depth. */
function expandAll(rows: TreeRow[], depth = 0, out: Array<TreeRow & { depth: number }> = []): Array<TreeRow & { depth: number }> {
  for (const row of rows) {
    out.push({ ...row, depth });
    if (row.children) expandAll(row.children(), depth + 1, out);
  }
  return out;
}

const byId = (rows: TreeRow[], id: string): TreeRow => {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`no row ${id} among ${rows.map((r) => r.id).join(', ')}`);
  return row;
};

describe('tree building on the demo snapshot', () => {
  let demo: SnapshotStore;
  beforeAll(async () => {
    demo = await loadSnapshotStore(DEMO);
  });

  it('Nodes: a node with its capacity, its ENIs (device index, subnet, role, SGs, used/total) and each IP → pod, node primary, warm or cooling', () => {
    const row = byId(nodeRows(demo.store), `node/${NODE}`);
    const onNode = pods.filter((p) => p.spec.nodeName === NODE && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed');
    const onPodNetwork = onNode.filter((p) => !p.spec.hostNetwork);
    // m5.large: 3 ENIs × 10 IPv4; custom networking takes eth0 out: max pods (3−1)×(10−1)+2, pod IPs (3−1)×(10−1)
    expect(row.label).toBe('ip-10-0-17-42');
    expect(row.description).toBe(`m5.large · us-west-2a · ${nodeIp} · pods ${onNode.length}/20 · IPs ${onPodNetwork.length}/18`);
    expect(row.icon).toEqual({ id: 'server' });

    const mine = ec2Enis.filter((e) => e.Attachment?.InstanceId === instanceId).sort((a, b) => a.Attachment!.DeviceIndex! - b.Attachment!.DeviceIndex!);
    const enis = row.children!();
    expect(enis.map((e) => e.label)).toEqual(mine.map((e) => e.NetworkInterfaceId));
    const cooling = coolingIps(NODE);
    let sawCooling = 0;
    for (const [i, eni] of mine.entries()) {
      const eniRow = enis[i]!;
      const used = eni.PrivateIpAddresses.filter((a) => podIps.has(a.PrivateIpAddress)).length;
      const role = eni.Attachment!.DeviceIndex === 0 ? 'primary' : 'secondary';
      expect(eniRow.description).toBe([
        `eth${eni.Attachment!.DeviceIndex}`, role, `${used}/${eni.PrivateIpAddresses.length - 1} IPs used`, eni.SubnetId,
        `SGs ${eni.Groups.map((g) => g.GroupName).join(', ')}`, 'from EC2 + ipamd (snapshot)',
      ].join(' · '));
      const ips = eniRow.children!();
      expect(ips.map((r) => r.label).sort()).toEqual(eni.PrivateIpAddresses.map((a) => a.PrivateIpAddress).sort());
      for (const a of eni.PrivateIpAddresses) {
        const ipRow = byId(ips, `${eniRow.id}/ip/${a.PrivateIpAddress}`);
        const expected = a.Primary ? (eni.Attachment!.DeviceIndex === 0 ? 'node primary' : 'ENI primary') : podIps.get(a.PrivateIpAddress) ?? (cooling.has(a.PrivateIpAddress) ? 'cooling' : 'warm');
        expect(ipRow.description, a.PrivateIpAddress).toBe(expected);
        if (expected === 'cooling') sawCooling++;
        if (podIps.has(a.PrivateIpAddress)) expect(ipRow.ref).toEqual({ kind: 'pod', key: podIps.get(a.PrivateIpAddress) });
      }
    }
    expect(eniRole0(enis)).toBe(nodeIp);
    expect(sawCooling).toBeGreaterThan(0);
    expect(sawCooling).toBe([...cooling].filter((ip) => mine.some((e) => e.PrivateIpAddresses.some((a) => a.PrivateIpAddress === ip))).length);
  });

  it('Nodes: a /28 prefix is a row of its own holding its assigned addresses', () => {
    const store = new ClusterStore();
    const origin = { source: 'ipamd' as const, file: 'ipamd/n1.json' };
    store.upsert('pod', { namespace: 'shop', name: 'web-1', labels: {}, nodeName: 'n1', ip: '100.64.1.18', ips: ['100.64.1.18'], hostNetwork: false, ready: true, containerPorts: [], origin });
    const eni = {
      id: 'eni-1', nodeName: 'n1', deviceIndex: 1, kind: 'interface', securityGroups: [], tags: {}, origin, prefixes: ['100.64.1.16/28'],
      ips: [{ ip: '100.64.1.4', primary: true }, { ip: '100.64.1.18', primary: false, prefix: '100.64.1.16/28', assigned: true }, { ip: '100.64.1.19', primary: false, prefix: '100.64.1.16/28', assigned: false }],
    };
    const [row] = eniRows(store, [eni], 'node/n1');
    expect(row?.description).toBe('eth1 · secondary · 1/16 IPs used · from ipamd');
    const children = row!.children!();
    expect(children.map((c) => c.label)).toEqual(['100.64.1.4', '100.64.1.16/28']);
    expect(children[1]?.description).toBe('prefix · 1/16 IPs used');
    expect(children[1]!.children!().map((c) => [c.id, c.description])).toEqual([
      ['node/n1/eni/eni-1/prefix/100.64.1.16/28/ip/100.64.1.18', 'shop/web-1'],
      ['node/n1/eni/eni-1/prefix/100.64.1.16/28/ip/100.64.1.19', 'warm'],
    ]);
  });

  it('ENIs: subnets by CIDR with AZ, free IPs from EC2, ENIConfig subnets marked, and their ENIs', () => {
    const rows = subnetRows(demo.store);
    const withEnis = subnets.filter((s) => ec2Enis.some((e) => e.SubnetId === s.SubnetId));
    expect(rows.map((r) => r.id).sort()).toEqual(withEnis.map((s) => `subnet/${s.SubnetId}`).sort());
    const eniConfigBySubnet = new Map(eniConfigs.map((c) => [c.spec.subnet, c.metadata.name]));
    expect(eniConfigBySubnet.size).toBe(3);
    for (const s of withEnis) {
      const row = byId(rows, `subnet/${s.SubnetId}`);
      const count = ec2Enis.filter((e) => e.SubnetId === s.SubnetId).length;
      const mark = eniConfigBySubnet.get(s.SubnetId);
      expect(row.label).toBe(s.CidrBlock);
      expect(row.description).toBe([s.SubnetId, s.AvailabilityZone, `${s.AvailableIpAddressCount} free`, ...(mark ? [`ENIConfig ${mark}`] : []), `${count} ENIs`].join(' · '));
      expect(row.icon?.id).toBe(mark ? 'symbol-namespace' : 'symbol-structure');
      expect(row.children!().map((e) => e.label).sort()).toEqual(ec2Enis.filter((e) => e.SubnetId === s.SubnetId).map((e) => e.NetworkInterfaceId).sort());
    }
    // ENIs that are not a node's say who owns them instead of a device role
    const nat = ec2Enis.find((e) => e.PrivateIpAddresses[0]?.PrivateIpAddress === '10.0.0.137')!;
    const natRow = byId(byId(rows, `subnet/${nat.SubnetId}`).children!(), `subnet/${nat.SubnetId}/eni/${nat.NetworkInterfaceId}`);
    expect(natRow.description).toMatch(/^NAT gateway nat-[0-9a-f]+ · /);
  });

  it('Pod IPs: namespace → pod with IP, node and ENI; host network, not ready and unmanaged pods flagged', () => {
    const rows = podNamespaceRows(demo.store);
    expect(rows.map((r) => r.label)).toEqual([...new Set(pods.map((p) => p.metadata.namespace))].sort());
    const all = expandAll(rows);
    for (const p of pods) {
      const row = all.find((r) => r.id === `pod/${p.metadata.namespace}/${p.metadata.name}`)!;
      const key = `${p.metadata.namespace}/${p.metadata.name}`;
      expect(row.description, key).toContain(p.status.podIP ?? 'no IP');
      expect(row.description?.includes('host network'), key).toBe(p.spec.hostNetwork === true);
      expect(row.description?.includes('not managed by Cilium'), key).toBe(unmanaged.includes(key));
      if (!p.spec.hostNetwork && p.status.podIP) {
        const eni = ec2Enis.find((e) => e.PrivateIpAddresses.some((a) => a.PrivateIpAddress === p.status.podIP))!;
        expect(row.description, key).toContain(eni.NetworkInterfaceId);
      }
    }
    expect(unmanaged).toHaveLength(2);

    // a pod that stops being ready is flagged with a warning icon
    const frontend = demo.store.get('pod', 'shop/frontend-5bbc558bcd-vkbwc')!;
    const store = copyOf(demo.store);
    store.upsert('pod', { ...frontend, ready: false });
    const row = expandAll(podNamespaceRows(store)).find((r) => r.id === 'pod/shop/frontend-5bbc558bcd-vkbwc')!;
    expect(row.description).toMatch(/ · not ready$/);
    expect(row.icon).toEqual({ id: 'warning', color: 'problemsWarningIcon.foreground' });
    // the tooltip is built when the row is hovered, not when the namespace is listed
    expect(typeof row.tooltip).toBe('function');
    const eni = ec2Enis.find((e) => e.PrivateIpAddresses.some((a) => a.PrivateIpAddress === frontend.ip))!.NetworkInterfaceId;
    const esc = (t: string) => t.replace(/[-.]/g, (c) => `\\${c}`);
    expect(tooltipText(row)).toBe([
      `**shop/${esc(frontend.name)}**`,
      `IP: ${esc(frontend.ip!)}`,
      `Phase: ${frontend.phase}`,
      `Node: ${esc(frontend.nodeName!)}`,
      `ENI: ${esc(eni)}`,
      `Owner: ${frontend.owner!.kind} ${esc(frontend.owner!.name)}`,
      'Flags: not ready',
    ].join('\n\n'));
  });

  it('Cilium Endpoints: endpoints by namespace, a grouping by identity, and the unmanaged pods', () => {
    const rows = endpointRows(demo.store);
    const namespaces = [...new Set(ceps.map((c) => c.metadata.namespace))].sort();
    expect(rows.map((r) => r.id)).toEqual([...namespaces.map((ns) => `cep-ns/${ns}`), 'cep-identities', 'cep-unmanaged']);
    const all = expandAll(rows);
    for (const c of ceps) {
      const row = all.find((r) => r.id === `cep/${c.metadata.namespace}/${c.metadata.name}`)!;
      expect(row.description).toMatch(new RegExp(`^id ${c.status.id} · identity ${c.status.identity.id} · ${c.status.networking.addressing[0]!.ipv4.replace(/\./g, '\\.')} · ip-[\\d-]+ · ready$`));
    }
    const identities = new Map<number, string[]>();
    for (const c of ceps) identities.set(c.status.identity.id, [...(identities.get(c.status.identity.id) ?? []), `${c.metadata.namespace}/${c.metadata.name}`]);
    const group = byId(rows, 'cep-identities');
    expect(group.description).toBe(`${identities.size} identities`);
    for (const identityRow of group.children!()) {
      const members = identities.get(Number(identityRow.label))!;
      expect(identityRow.description).toMatch(new RegExp(` · ${members.length} endpoints$`));
      expect(identityRow.children!().map((r) => r.label)).toEqual([...members].sort());
    }
    const unmanagedGroup = byId(rows, 'cep-unmanaged');
    expect(unmanagedGroup.description).toBe(`${unmanaged.length} pods`);
    expect(unmanagedGroup.contextValue).toBe('cniLens.unmanagedGroup');
    expect(unmanagedGroup.children!().map((r) => r.label).sort()).toEqual(unmanaged);
  });

  it('Cluster: the detected mode, the datapath settings with where each came from, and the checks with their fixes', async () => {
    // the doctor runs off the view's turn: the checks row says so, and asks for its refresh when the report is ready
    let ready!: (id: string) => void;
    const refreshed = new Promise<string>((r) => (ready = r));
    const input = { store: demo.store, sources: demo.sources, label: 'snapshot', offline: true, phase: 'connected', refreshRow: (id: string) => ready(id) };
    const first = byId(clusterRows(input), 'cluster/checks');
    expect(first.description).toBe('running checks…');
    expect(first.children).toBeUndefined();
    expect(await refreshed).toBe('cluster/checks');
    const report = runDoctor(demo.store, { sources: demo.sources });
    expect(first.rebuild!()!.description).toBe(`${report.counts.error} errors · ${report.counts.warning} warnings · ${report.counts.ok} ok`);
    const rows = clusterRows(input);
    expect(byId(rows, 'cluster/mode').label).toBe('VPC CNI + Cilium (aws-cni chaining)');
    expect(byId(rows, 'cluster/nodes').description).toBe(String(nodes.length));
    expect(byId(rows, 'cluster/unmanaged').description).toBe(String(unmanaged.length));
    const settings = byId(rows, 'cluster/settings').children!();
    const awsNode = readList<{ kind: string; metadata: { name: string }; spec: { template: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } } } }>('workloads.yaml')
      .find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'aws-node')!;
    const env = new Map(awsNode.spec.template.spec.containers.find((c) => c.name === 'aws-node')!.env!.map((e) => [e.name, e.value]));
    expect(byId(settings, 'cluster/setting/Custom networking (ENIConfig)').description).toMatch(new RegExp(`^${env.get('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG')} · kubernetes/workloads\\.yaml:\\d+ \\(DaemonSet kube-system/aws-node .*AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=`));
    expect(byId(settings, 'cluster/setting/Prefix delegation').description).toMatch(new RegExp(`^${env.get('ENABLE_PREFIX_DELEGATION')} · `));
    const checks = byId(rows, 'cluster/checks');
    expect(checks.expanded).toBe(true);
    const unmanagedCheck = byId(checks.children!(), 'cluster/check/cilium.unmanaged-pods');
    expect(unmanagedCheck.description).toBe('warning');
    expect(unmanagedCheck.icon).toEqual({ id: 'warning', color: 'problemsWarningIcon.foreground' });
    expect(tooltipText(unmanagedCheck)).toContain('**Fix:**');
  });

  it('source rows: a forbidden resource names the permission, no AWS credentials is said once with how to fix it', () => {
    const noCredentials = 'No AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO or an instance role). ENIs come from ipamd where it can be read. Set a profile with the cniLens.aws.profile setting or export AWS credentials.';
    const sources: SourceStatus[] = [
      { name: 'kubernetes', state: 'ok' },
      { name: 'kubernetes pods', state: 'forbidden', detail: 'pods is forbidden: User "dev" cannot list resource "pods" in API group "" at the cluster scope' },
      { name: 'ec2', state: 'not-configured', detail: noCredentials },
      { name: 'ipamd', state: 'ok' },
    ];
    const rows = sourceRows(sources, TREE_MODELS.nodes.sourcesShown);
    expect(rows.map((r) => r.label)).toEqual(['Forbidden: pods', 'No AWS credentials: ENIs from ipamd']);
    expect(rows[0]?.description).toContain('cannot list resource "pods"');
    expect(rows[1]?.description).toContain('cniLens.aws.profile');
    expect(sourceRows(sources, TREE_MODELS.podIps.sourcesShown).map((r) => r.label)).toEqual(['Forbidden: pods']);
    // without ipamd either, the ENIs shown are the inferred ones
    const noIpamd = sources.map((s) => (s.name === 'ipamd' ? { ...s, state: 'forbidden' as const, detail: 'pods/portforward is forbidden' } : s));
    expect(sourceRows(noIpamd, TREE_MODELS.enis.sourcesShown).map((r) => r.label)).toEqual(['No AWS credentials: ENIs inferred from pod IPs', 'Forbidden: ipamd']);
  });
});

/** The eth0 row's IP (the node's primary IP). */
function eniRole0(enis: TreeRow[]): string | undefined {
  return enis.find((e) => e.description?.startsWith('eth0 · primary'))?.ip;
}

function copyOf(store: ClusterStore): ClusterStore {
  const copy = new ClusterStore();
  for (const kind of ['namespace', 'node', 'pod', 'ciliumEndpoint', 'ciliumIdentity', 'eni', 'subnet', 'eniConfig', 'daemonSet', 'configMap'] as const) {
    for (const value of store.list(kind)) copy.upsert(kind, value as never);
  }
  return copy;
}
