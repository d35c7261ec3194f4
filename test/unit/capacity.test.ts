import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import table from '../../data/instanceLimits.json';
import { instanceLimits, instanceLimitsSource, knownInstanceTypes, maxPods, maxPodsForLimits } from '../../src/core/capacity/instanceCapacity';
import { nodeCapacities, nodeCapacity } from '../../src/core/capacity/nodeCapacity';
import { clusterSettings } from '../../src/core/analysis/clusterSettings';
import type { EniInfo, NodeInfo, PodInfo, Provenance, VpcCniSettings } from '../../src/core/model';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');

describe('shipped instance limits table', () => {
  it('covers every type of the VPC CNI Go table and names its source', () => {
    const src = instanceLimitsSource();
    expect(src.count).toBe(1022);
    expect(knownInstanceTypes()).toHaveLength(1022);
    expect(table.count).toBe(1022);
    expect(src.generatedFrom).toContain('aws/amazon-vpc-cni-k8s@01c4ad5afb0c317b637ed69c472969a5735fa1b9');
    expect(src.generatedFrom).toContain('pkg/vpc/vpc_ip_resource_limit.go');
  });

  it('records the cross-check against eni-max-pods.txt: no formula mismatch', () => {
    // 869 types are in both files and ENIs × (IPv4 − 1) + 2 reproduces every published value. The two
    // files were read at different commits (the Go table is newer): 153 newer types have no line in
    // eni-max-pods.txt, and 8 retired types (p2.*, i3.metal, u-*tb1.112xlarge) are only in it. The
    // published file applies no cap (c5.18xlarge is 737 there, not 110/250): the 110/250 ceilings
    // come from the EKS AMI max-pods calculator, not from the VPC CNI table.
    expect(table.crossCheck.compared).toBe(869);
    expect(table.crossCheck.mismatches).toEqual([]);
    expect(table.crossCheck.onlyInTable).toBe(153);
    expect(table.crossCheck.onlyInMaxPods).toEqual([
      'i3.metal', 'p2.16xlarge', 'p2.8xlarge', 'p2.xlarge', 'u-12tb1.112xlarge', 'u-18tb1.112xlarge', 'u-24tb1.112xlarge', 'u-9tb1.112xlarge',
    ]);
  });

  // values copied by hand from misc/eni-max-pods.txt (aws/amazon-vpc-cni-k8s@2aea0fd2)
  it.each([
    ['m5.large', 29],
    ['t3.medium', 17],
    ['m5.xlarge', 58],
    ['c5.18xlarge', 737],
    ['t3.nano', 4],
    ['m4.large', 20],
    ['t3a.small', 8],
    ['d3.xlarge', 10],
    ['g5.48xlarge', 345],
    ['p5.48xlarge', 100],
    ['hpc6id.32xlarge', 51],
    ['trn1.32xlarge', 247],
    ['u-12tb1.metal', 147],
  ])('%s → %i max pods, as eni-max-pods.txt', (type, expected) => {
    const r = maxPods(type);
    expect(r.value).toBe(expected);
    expect(r.uncapped).toBe(expected);
    expect(r.cap).toBeUndefined();
  });

  it('expands the compact entries', () => {
    expect(instanceLimits('m5.large')).toEqual({
      instanceType: 'm5.large', enis: 3, ipv4PerEni: 10, networkCards: [{ index: 0, maxEnis: 3 }], defaultNetworkCardIndex: 0,
      hypervisor: 'nitro', bareMetal: false, prefixDelegationSupported: true,
    });
    expect(instanceLimits(' M5.Large ')?.enis).toBe(3);
    const p5 = instanceLimits('p5.48xlarge');
    expect(p5?.networkCards).toHaveLength(32);
    expect(p5?.networkCards[31]).toEqual({ index: 31, maxEnis: 2 });
    expect(instanceLimits('c4.large')).toMatchObject({ hypervisor: 'xen', bareMetal: false, prefixDelegationSupported: false });
    expect(instanceLimits('m5.metal')).toMatchObject({ hypervisor: 'unknown', bareMetal: true, prefixDelegationSupported: true });
    expect(instanceLimits('c7g.metal')).toMatchObject({ hypervisor: 'nitro', bareMetal: true });
    expect(instanceLimits('cr1.8xlarge')).toMatchObject({ hypervisor: 'unknown', bareMetal: false, prefixDelegationSupported: false });
  });
});

describe('maxPods', () => {
  it('standard formula text', () => {
    expect(maxPods('m5.large')).toMatchObject({ value: 29, mode: 'secondary-ips', formula: '3 ENIs × (10 − 1) IPs + 2 = 29' });
  });

  it('custom networking drops the primary ENI: m5.large → (3 − 1) × (10 − 1) + 2 = 20', () => {
    const r = maxPods('m5.large', { customNetworking: true });
    expect(r.value).toBe(20);
    expect(r.formula).toBe('(3 − 1) ENIs × (10 − 1) IPs + 2 = 20');
    expect(r.podEnis).toBe(2);
    expect(r.podIps).toBe(18);
  });

  it('prefix delegation: m5.large → 3 × (9 × 16) + 2 = 434, capped to 110', () => {
    const r = maxPods('m5.large', { prefixDelegation: true });
    expect(r.mode).toBe('prefix-delegation');
    expect(r.uncapped).toBe(434);
    expect(r.value).toBe(110);
    expect(r.cap?.value).toBe(110);
    expect(r.formula).toBe('3 ENIs × ((10 − 1) × 16) IPs + 2 = 434; min(434, 110) = 110');
    expect(r.notes.join(' ')).toMatch(/250/);
  });

  it('prefix delegation with custom networking, and an explicit cap', () => {
    expect(maxPods('m5.large', { prefixDelegation: true, customNetworking: true })).toMatchObject({ uncapped: 290, value: 110 });
    expect(maxPods('m5.large', { prefixDelegation: true, maxPodsCap: 250 })).toMatchObject({ uncapped: 434, value: 250, cap: { value: 250 } });
    expect(maxPods('c5.18xlarge', { maxPodsCap: 250 })).toMatchObject({ uncapped: 737, value: 250 });
    // a cap above the formula changes nothing
    expect(maxPods('t3.medium', { prefixDelegation: true, maxPodsCap: 250 })).toMatchObject({ uncapped: 3 * (5 * 16) + 2, value: 242 });
    expect(maxPods('t3.medium', { maxPodsCap: -1 }).notes.join(' ')).toMatch(/Ignored maxPodsCap/);
  });

  it('prefix delegation on a Xen type falls back to secondary IPs; bare metal supports it', () => {
    const xen = maxPods('c4.large', { prefixDelegation: true });
    expect(xen).toMatchObject({ value: 29, mode: 'secondary-ips' });
    expect(xen.notes.join(' ')).toMatch(/neither Nitro nor bare metal/);
    expect(maxPods('m5.metal', { prefixDelegation: true })).toMatchObject({ mode: 'prefix-delegation', uncapped: 15 * 49 * 16 + 2, value: 110 });
  });

  it('a single-ENI type under custom networking leaves only host-network pods', () => {
    const r = maxPods('hpc6id.32xlarge', { customNetworking: true });
    expect(r.value).toBe(2);
    expect(r.notes.join(' ')).toMatch(/single ENI/);
  });

  it('unknown or missing instance types give data, not exceptions', () => {
    expect(instanceLimits('x99.galactic')).toBeUndefined();
    expect(instanceLimits(undefined)).toBeUndefined();
    expect(instanceLimits('')).toBeUndefined();
    expect(instanceLimits('constructor')).toBeUndefined();
    const r = maxPods('x99.galactic', { prefixDelegation: true });
    expect(r.value).toBeUndefined();
    expect(r.formula).toBe('unknown instance type x99.galactic');
    expect(r.notes[0]).toMatch(/not in the VPC CNI limits table/);
    expect(maxPods(undefined).value).toBeUndefined();
    expect(maxPods(null).formula).toBe('no instance type');
  });

  it('maxPodsForLimits takes explicit limits', () => {
    const limits = { ...instanceLimits('m5.large')!, instanceType: 'custom.type', enis: 2, ipv4PerEni: 4 };
    expect(maxPodsForLimits(limits).value).toBe(2 * 3 + 2);
  });
});

// ------------------------------------------------------------------ nodeCapacity, synthetic

const O: Provenance = { source: 'inferred' };

function settings(over: Partial<Record<'custom' | 'pd' | 'warmEni' | 'warmIp' | 'minIp' | 'warmPrefix', number | boolean | undefined>> = {}): VpcCniSettings {
  const s = <T,>(value: T) => ({ value, origin: O });
  return {
    present: true,
    env: {},
    externalSnat: s(false),
    excludeSnatCidrs: s([]),
    vethPrefix: s('eni'),
    customNetworking: s(over.custom === true),
    eniConfigLabelDef: s('k8s.amazonaws.com/eniConfig'),
    prefixDelegation: s(over.pd === true),
    podEni: s(false),
    podSgEnforcingMode: s('strict'),
    nodePortSupport: s(true),
    warmEniTarget: s('warmEni' in over ? (over.warmEni as number | undefined) : 1),
    warmIpTarget: s(over.warmIp as number | undefined),
    minimumIpTarget: s(over.minIp as number | undefined),
    warmPrefixTarget: s('warmPrefix' in over ? (over.warmPrefix as number | undefined) : 1),
  };
}

function node(name: string, instanceType?: string): NodeInfo {
  return { name, labels: {}, ready: true, instanceId: `i-${name}`, ...(instanceType ? { instanceType } : {}), internalIp: '10.0.0.10', origin: O };
}

function eni(id: string, nodeName: string, deviceIndex: number, secondaries: string[], opts: Partial<EniInfo> & { podIps?: Record<string, string> } = {}): EniInfo {
  const { podIps = {}, ...rest } = opts;
  return {
    id,
    nodeName,
    deviceIndex,
    networkCardIndex: 0,
    kind: 'interface',
    securityGroups: [],
    ips: [
      { ip: `10.0.${deviceIndex}.1`, primary: true },
      ...secondaries.map((ip) => ({ ip, primary: false, ...(podIps[ip] ? { pod: { namespace: 'default', name: podIps[ip] } } : {}) })),
    ],
    prefixes: [],
    tags: {},
    origin: O,
    ...rest,
  };
}

function pod(name: string, nodeName: string, ip: string | undefined, extra: Partial<PodInfo> = {}): PodInfo {
  return { namespace: 'default', name, labels: {}, nodeName, ips: ip ? [ip] : [], ...(ip ? { ip } : {}), hostNetwork: false, phase: 'Running', ready: true, containerPorts: [], origin: O, ...extra };
}

const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}.${i + 10}`);

describe('nodeCapacity (synthetic)', () => {
  it('counts ENIs, allocated / assigned / free IPs and pods against m5.large', () => {
    const n = node('n1', 'm5.large');
    const enis = [eni('eni-a', 'n1', 0, range('10.0.0', 9), { podIps: { '10.0.0.10': 'p1' } }), eni('eni-b', 'n1', 1, range('10.0.1', 4))];
    const pods = [
      pod('p1', 'n1', '10.0.0.10'),
      pod('p2', 'n1', '10.0.1.10'),
      pod('aws-node', 'n1', '10.0.0.1', { hostNetwork: true }),
      pod('done', 'n1', '10.0.1.11', { phase: 'Succeeded' }),
      pod('elsewhere', 'n2', '10.0.1.12'),
    ];
    const c = nodeCapacity(n, enis, pods, settings());
    expect(c.enis).toMatchObject({ used: 2, max: 3, forPods: 2, maxForPods: 3 });
    expect(c.ips).toMatchObject({ allocated: 13, assigned: 2, free: 11, maxPossible: 27 });
    expect(c.pods).toMatchObject({ nonHostNetwork: 2, hostNetwork: 1, total: 3, max: 29 });
    expect(c.warm).toMatchObject({ mode: 'warm-eni', targetFree: 9, met: true });
    expect(c.flags).toEqual([]);
  });

  it('flags at-eni-limit, ip-exhausted and pods-at-max on a full t3.nano', () => {
    const n = node('tiny', 't3.nano');
    const enis = [eni('eni-1', 'tiny', 0, ['10.0.0.20']), eni('eni-2', 'tiny', 1, ['10.0.1.20'])];
    const pods = [pod('a', 'tiny', '10.0.0.20'), pod('b', 'tiny', '10.0.1.20'), pod('kp', 'tiny', '10.0.0.10', { hostNetwork: true }), pod('an', 'tiny', '10.0.0.10', { hostNetwork: true })];
    const c = nodeCapacity(n, enis, pods, settings());
    expect(c.ips).toMatchObject({ allocated: 2, assigned: 2, free: 0, maxPossible: 2 });
    expect(c.flags).toEqual(expect.arrayContaining(['at-eni-limit', 'ip-exhausted', 'pods-at-max']));
    expect(c.flags).not.toContain('warm-pool-empty');
    expect(c.flags).not.toContain('below-warm-target');
  });

  it('custom networking leaves the primary ENI out of the pool', () => {
    const n = node('cn', 'm5.large');
    const enis = [eni('eni-p', 'cn', 0, []), eni('eni-s', 'cn', 1, range('100.64.1', 9))];
    const c = nodeCapacity(n, enis, [pod('x', 'cn', '100.64.1.10')], settings({ custom: true }));
    expect(c.enis).toMatchObject({ used: 2, forPods: 1, maxForPods: 2 });
    expect(c.ips).toMatchObject({ allocated: 9, assigned: 1, free: 8, maxPossible: 18 });
    expect(c.pods.max).toBe(20);
    expect(c.warm).toMatchObject({ targetFree: 9, met: false });
    expect(c.flags).toContain('below-warm-target');
  });

  it('prefix delegation counts 16 IPs per /28 and uses WARM_PREFIX_TARGET', () => {
    const n = node('pd', 'm5.large');
    const e = eni('eni-1', 'pd', 0, [], { prefixes: ['10.0.4.0/28', '10.0.4.16/28'] });
    e.ips.push({ ip: '10.0.4.2', primary: false, prefix: '10.0.4.0/28', assigned: true });
    const c = nodeCapacity(n, [e], [pod('a', 'pd', '10.0.4.2'), pod('b', 'pd', '10.0.4.3')], settings({ pd: true, warmPrefix: 1 }));
    expect(c.prefixDelegationActive).toBe(true);
    expect(c.ips).toMatchObject({ prefixes: 2, allocated: 32, assigned: 2, free: 30, maxPossible: 3 * 9 * 16 });
    expect(c.pods.max).toBe(110);
    expect(c.warm).toMatchObject({ mode: 'warm-prefix', targetFree: 16, met: true });
  });

  it('WARM_IP_TARGET / MINIMUM_IP_TARGET override WARM_ENI_TARGET', () => {
    const n = node('w', 'm5.large');
    const c = nodeCapacity(n, [eni('eni-1', 'w', 0, range('10.0.0', 3))], [], settings({ warmIp: 5, minIp: 10 }));
    expect(c.warm).toMatchObject({ mode: 'warm-ip', targetFree: 5, targetTotal: 10, free: 3, met: false });
    expect(c.warm.description).toMatch(/WARM_ENI_TARGET is ignored/);
    expect(c.flags).toContain('below-warm-target');
    expect(c.flags).not.toContain('warm-pool-empty');
  });

  it('trunk and branch ENIs: branch ENIs and their pods stay out of the pool', () => {
    const n = node('sg', 'm5.large');
    const enis = [
      eni('eni-p', 'sg', 0, range('10.0.0', 2)),
      eni('eni-t', 'sg', 1, [], { kind: 'trunk', interfaceType: 'trunk' }),
      eni('eni-br', 'sg', 2, ['10.0.9.9'], { kind: 'branch', interfaceType: 'branch' }),
    ];
    const pods = [pod('sgp', 'sg', '10.0.9.9', { podEni: [{ eniId: 'eni-br', privateIp: '10.0.9.9', vlanId: 1 }] }), pod('plain', 'sg', '10.0.0.10')];
    const c = nodeCapacity(n, enis, pods, settings());
    expect(c.enis).toMatchObject({ used: 2, forPods: 1, trunk: 1, branch: 1, maxForPods: 2 });
    expect(c.ips).toMatchObject({ allocated: 2, assigned: 1, maxPossible: 18 });
    expect(c.pods).toMatchObject({ nonHostNetwork: 2, branchEni: 1, total: 2 });
  });

  it('unknown instance type and missing ENI data: flags and notes, no exception', () => {
    const c = nodeCapacity(node('u', 'x99.galactic'), [], [pod('a', 'u', '10.1.0.5')], settings());
    expect(c.flags).toEqual(expect.arrayContaining(['unknown-instance-type', 'no-eni-data']));
    expect(c.limits).toBeUndefined();
    expect(c.enis.max).toBeUndefined();
    expect(c.pods.max).toBeUndefined();
    expect(c.ips).toMatchObject({ assigned: 1, allocated: 0, free: 0 });
    expect(c.ips.maxPossible).toBeUndefined();
    expect(c.warm).toMatchObject({ mode: 'warm-eni' });
    expect(c.warm.met).toBeUndefined();
    const none = nodeCapacity(node('v'), [], [], settings());
    expect(none.flags).toContain('unknown-instance-type');
    expect(none.pods.maxPods.formula).toBe('no instance type');
  });

  it('prefix delegation on a Xen instance is flagged', () => {
    const c = nodeCapacity(node('x', 'c4.large'), [eni('eni-1', 'x', 0, range('10.0.0', 9))], [], settings({ pd: true }));
    expect(c.flags).toContain('prefix-delegation-unsupported');
    expect(c.prefixDelegationActive).toBe(false);
    expect(c.pods.max).toBe(29);
    expect(c.warm.mode).toBe('warm-eni');
  });
});

// ------------------------------------------------------------------ nodeCapacity, demo snapshot

interface Ec2Eni {
  NetworkInterfaceId: string;
  Attachment?: { InstanceId?: string; DeviceIndex?: number };
  PrivateIpAddresses?: Array<{ PrivateIpAddress: string; Primary?: boolean }>;
}

describe('nodeCapacity on the demo snapshot (custom networking)', () => {
  it('matches ENI and IP counts computed from the snapshot files', async () => {
    const nodeName = 'ip-10-0-17-42.us-west-2.compute.internal';
    const loaded = await loadSnapshotStore(DEMO);
    const vpcCni = clusterSettings(loaded.store).vpcCni;
    expect(vpcCni.customNetworking.value).toBe(true);
    const n = loaded.store.get('node', nodeName)!;
    const c = nodeCapacity(n, loaded.store.enisOnNode(nodeName), loaded.store.podsOnNode(nodeName), vpcCni);

    // independently, from the files
    const nodesYaml = parseYaml(readFileSync(join(DEMO, 'kubernetes', 'nodes.yaml'), 'utf8')) as { items: Array<{ metadata: { name: string; labels: Record<string, string> }; spec: { providerID: string } }> };
    const rawNode = nodesYaml.items.find((i) => i.metadata.name === nodeName)!;
    const instanceId = rawNode.spec.providerID.split('/').pop()!;
    const instanceType = rawNode.metadata.labels['node.kubernetes.io/instance-type'];
    const ec2 = JSON.parse(readFileSync(join(DEMO, 'aws', 'describe-network-interfaces.json'), 'utf8')) as { NetworkInterfaces: Ec2Eni[] };
    const nodeEnis = ec2.NetworkInterfaces.filter((e) => e.Attachment?.InstanceId === instanceId);
    const poolEnis = nodeEnis.filter((e) => e.Attachment?.DeviceIndex !== 0); // custom networking: not the primary ENI
    const secondaries = poolEnis.flatMap((e) => (e.PrivateIpAddresses ?? []).filter((a) => !a.Primary));
    const ipamd = JSON.parse(readFileSync(join(DEMO, 'ipamd', `${nodeName}.json`), 'utf8')) as Record<string, { TotalIPs: number; AssignedIPs: number }>;
    const podsYaml = parseYaml(readFileSync(join(DEMO, 'kubernetes', 'pods.yaml'), 'utf8')) as {
      items: Array<{ spec: { nodeName?: string; hostNetwork?: boolean }; status: { phase?: string } }>;
    };
    const podsOnNode = podsYaml.items.filter((p) => p.spec.nodeName === nodeName && !['Succeeded', 'Failed'].includes(p.status.phase ?? ''));
    const limits = { 'm5.large': { enis: 3, ipv4: 10 } }[instanceType as 'm5.large'];

    expect(instanceType).toBe('m5.large');
    expect(c.instanceType).toBe(instanceType);
    expect(c.enis.used).toBe(nodeEnis.length);
    expect(c.enis.max).toBe(limits.enis);
    expect(c.enis.forPods).toBe(poolEnis.length);
    expect(c.ips.allocated).toBe(secondaries.length);
    expect(c.ips.allocated).toBe(ipamd['0'].TotalIPs);
    expect(c.ips.assigned).toBe(ipamd['0'].AssignedIPs);
    expect(c.ips.free).toBe(ipamd['0'].TotalIPs - ipamd['0'].AssignedIPs);
    expect(c.ips.maxPossible).toBe((limits.enis - 1) * (limits.ipv4 - 1));
    expect(c.pods.total).toBe(podsOnNode.length);
    expect(c.pods.hostNetwork).toBe(podsOnNode.filter((p) => p.spec.hostNetwork === true).length);
    expect(c.pods.nonHostNetwork).toBe(podsOnNode.filter((p) => p.spec.hostNetwork !== true).length);
    expect(c.pods.max).toBe((limits.enis - 1) * (limits.ipv4 - 1) + 2);
    expect(c.pods.maxPods.formula).toBe('(3 − 1) ENIs × (10 − 1) IPs + 2 = 20');
    expect(c.flags).toContain('at-eni-limit');
    expect(c.flags).not.toContain('ip-exhausted');
    expect(c.warm).toMatchObject({ mode: 'warm-eni', targetFree: 9, met: true });
  });

  it('gives every demo node a capacity with known limits', async () => {
    const loaded = await loadSnapshotStore(DEMO);
    const all = nodeCapacities(loaded.store, clusterSettings(loaded.store).vpcCni);
    expect(all).toHaveLength(loaded.store.count('node'));
    for (const c of all) {
      expect(c.flags).not.toContain('unknown-instance-type');
      expect(c.enis.used).toBeLessThanOrEqual(c.enis.max!);
      expect(c.ips.allocated).toBeLessThanOrEqual(c.ips.maxPossible!);
    }
  });
});
