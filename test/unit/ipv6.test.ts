/**
 * IPv6 and dual-stack input, read through the real snapshot loader: pods with IPv6 or dual-stack
 * `status.podIPs`, an ENI with IPv6 addresses and prefixes (EC2 and ipamd), IPv6 CIDRs in
 * policies. IPv6 is kept as IPv6 (never read as IPv4), a dual-stack pod is handled with its IPv4
 * address, and what is not supported yet says so and names the pod.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { PolicyQueryError } from '../../src/core/analysis/policy/policyTypes';
import { podOverviewGraph } from '../../src/core/analysis/diagram/podOverviewGraph';
import { nodeCapacity } from '../../src/core/capacity/nodeCapacity';
import { detectVpcCniSettings } from '../../src/core/project/detectSettings';
import { manifestHover } from '../../src/core/hover/manifestHover';
import type { EniInfo, NodeInfo, PodInfo } from '../../src/core/model';
import { ipFamily, parseAnyCidr } from '../../src/core/net/ipAddress';
import { loadSnapshotStore, type SnapshotStore } from '../../src/core/sources/snapshotStore';

const NODE = 'ip-10-0-1-10.us-west-2.compute.internal';
const INSTANCE = 'i-0aaa00000000000001';

const pod = (name: string, labels: Record<string, string>, podIP: string, podIPs: string[]): string => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: shop
  labels: ${JSON.stringify(labels)}
spec:
  nodeName: ${NODE}
  containers: [{ name: main, ports: [{ containerPort: 8080 }] }]
status:
  phase: Running
  podIP: "${podIP}"
  podIPs: ${JSON.stringify(podIPs.map((ip) => ({ ip })))}
`;

const KUBERNETES = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Node
metadata:
  name: ${NODE}
  labels: { node.kubernetes.io/instance-type: m5.large, topology.kubernetes.io/zone: us-west-2a }
spec:
  providerID: aws:///us-west-2a/${INSTANCE}
status:
  addresses: [{ type: InternalIP, address: 10.0.1.10 }]
${pod('web', { app: 'web' }, '10.0.1.20', ['10.0.1.20'])}${pod('v6only', { app: 'v6' }, '2600:1f14:abc:de00::5', ['2600:1f14:abc:de00::5'])}${pod('dual', { app: 'dual' }, '2600:1f14:abc:de00::6', ['2600:1f14:abc:de00::6', '10.0.1.30'])}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-from-blocks
  namespace: shop
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
  - from:
    - ipBlock: { cidr: "2600:1f14:abc:de00::/56" }
  - from:
    - ipBlock: { cidr: 10.0.1.30/32 }
    ports: [{ port: 8080 }]
`;

const ENIS = {
  NetworkInterfaces: [
    {
      NetworkInterfaceId: 'eni-0v6',
      Attachment: { InstanceId: INSTANCE, DeviceIndex: 0, NetworkCardIndex: 0 },
      SubnetId: 'subnet-1',
      VpcId: 'vpc-1',
      InterfaceType: 'interface',
      PrivateIpAddress: '10.0.1.10',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.10', Primary: true }],
      Ipv4Prefixes: [{ Ipv4Prefix: '10.0.1.32/28' }],
      Ipv6Addresses: [{ Ipv6Address: '2600:1f14:abc:de00::5', IsPrimaryIpv6: false }],
      Ipv6Prefixes: [{ Ipv6Prefix: '2600:1f14:abc:de00:1::/80' }],
    },
  ],
};

const SUBNETS = { Subnets: [{ SubnetId: 'subnet-1', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24', Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f14:abc:de00::/64' }] }, { SubnetId: 'subnet-v6only', VpcId: 'vpc-1', Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f14:abc:de01::/64' }] }] };

/** ipamd v1.9+ with an IPv6 prefix (`IPv6Cidrs`), as in an IPv6 cluster. */
const IPAMD = {
  ENIs: {
    'eni-0v6': {
      ID: 'eni-0v6',
      IsPrimary: true,
      DeviceNumber: 0,
      AvailableIPv4Cidrs: {},
      IPv6Cidrs: {
        '2600:1f14:abc:de00:1::/80': {
          Cidr: { IP: '2600:1f14:abc:de00:1::', Mask: Buffer.from([...Array(10).fill(255), ...Array(6).fill(0)]).toString('base64') },
          IsPrefix: true,
          IPAddresses: { '2600:1f14:abc:de00:1::7': { Address: '2600:1f14:abc:de00:1::7', IPAMMetadata: { k8sPodNamespace: 'shop', k8sPodName: 'v6only' } } },
        },
      },
    },
  },
};

let dir: string;
let loaded: SnapshotStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cni-lens-ipv6-'));
  mkdirSync(join(dir, 'kubernetes'));
  mkdirSync(join(dir, 'aws'));
  mkdirSync(join(dir, 'ipamd'));
  writeFileSync(join(dir, 'kubernetes', 'cluster.yaml'), KUBERNETES);
  writeFileSync(join(dir, 'aws', 'describe-network-interfaces.json'), JSON.stringify(ENIS));
  writeFileSync(join(dir, 'aws', 'describe-subnets.json'), JSON.stringify(SUBNETS));
  writeFileSync(join(dir, 'ipamd', `${NODE}.json`), JSON.stringify(IPAMD));
  loaded = await loadSnapshotStore(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IPv6 and dual-stack', () => {
  it('keeps IPv6 pod addresses, ENI addresses and prefixes as IPv6, with no problem for valid input', () => {
    expect(loaded.problems).toEqual([]);
    const { store } = loaded;
    expect(store.get('pod', 'shop/dual')).toMatchObject({ ip: '2600:1f14:abc:de00::6', ips: ['2600:1f14:abc:de00::6', '10.0.1.30'] });
    expect(store.ownersOfIp('10.0.1.30').map((o) => o.key)).toContain('shop/dual');
    const eni = store.get('eni', 'eni-0v6') as EniInfo;
    expect(eni.ips.map((i) => [i.ip, ipFamily(i.ip)])).toEqual(expect.arrayContaining([['10.0.1.10', 4], ['2600:1f14:abc:de00::5', 6]]));
    expect(eni.prefixes.map((p) => parseAnyCidr(p)?.family)).toEqual(expect.arrayContaining([4, 6]));
    expect(eni.prefixes).toEqual(expect.arrayContaining(['10.0.1.32/28', '2600:1f14:abc:de00:1::/80']));
    expect(store.get('subnet', 'subnet-v6only')).toMatchObject({ cidr: '2600:1f14:abc:de01::/64' });
  });

  it('counts only IPv4 prefixes as 16 pod addresses in the capacity of a node', () => {
    const { store } = loaded;
    const node = store.get('node', NODE) as NodeInfo;
    const enis = [store.get('eni', 'eni-0v6') as EniInfo];
    const settings = { ...detectVpcCniSettings([]), prefixDelegation: { value: true, origin: { source: 'default' as const } } };
    const cap = nodeCapacity(node, enis, [...store.list('pod')] as PodInfo[], settings);
    expect(cap.ips.prefixes).toBe(1);
    expect(cap.ips.allocated).toBe(16);
  });

  it('traces a dual-stack pod with its IPv4 address and says so; an IPv6-only pod is an error naming it', () => {
    const dual = traceDatapath(loaded.store, { from: 'shop/dual', to: 'shop/web', port: 8080 });
    if (!dual.ok) throw new Error(dual.error.message);
    expect(dual.trace.source.ip).toBe('10.0.1.30');
    expect(dual.trace.notes).toContain('pod shop/dual is dual-stack: traced with its IPv4 address 10.0.1.30; its IPv6 address 2600:1f14:abc:de00::6 is not yet supported');
    expect(traceDatapath(loaded.store, { from: 'shop/v6only', to: 'shop/web', port: 8080 })).toEqual({
      ok: false,
      error: { argument: 'from', message: 'pod shop/v6only has only IPv6 addresses (2600:1f14:abc:de00::5): IPv6 is not yet supported: the trace cannot follow it' },
    });
    expect(traceDatapath(loaded.store, { from: 'shop/web', to: 'ip:2600:1f14::1', port: 80 })).toMatchObject({ ok: false, error: { argument: 'to', message: '"ip:2600:1f14::1" is an IPv6 address: IPv6 is not yet supported (expected ip:A.B.C.D)' } });
    const graph = podOverviewGraph(loaded.store, 'shop/v6only', {});
    expect('message' in graph ? graph.message : '').toContain('pod shop/v6only has only IPv6 addresses');
  });

  it('decides policy for a dual-stack pod with its IPv4 address; IPv6 CIDRs never match IPv4 traffic; IPv6-only pods are named', () => {
    const engine = new PolicyEngine(loaded.store, { engine: 'kubernetes' });
    try {
      // the ipBlock 10.0.1.30/32 is the dual-stack pod's IPv4 address (upstream: ipBlock matches pod IPs)
      const dual = engine.verdict({ from: 'shop/dual', to: 'shop/web', port: 8080 });
      expect(dual.verdict).toBe('allow');
      expect(dual.from.ip).toBe('10.0.1.30');
      expect(dual.by.map((r) => r.rule)).toEqual(['spec.ingress[1].from[0]']);
      expect(dual.notes).toContain('pod shop/dual is dual-stack: decided with its IPv4 address 10.0.1.30; its IPv6 address 2600:1f14:abc:de00::6 is not yet supported');
      // the IPv6 ipBlock does not match an IPv4-less pod, and the verdict says why
      const v6 = engine.verdict({ from: 'shop/v6only', to: 'shop/web', port: 8080 });
      expect(v6.verdict).toBe('deny');
      expect(v6.notes).toContain('pod shop/v6only has only IPv6 addresses (2600:1f14:abc:de00::5): IPv6 is not yet supported: CIDR rules and ipBlock are not matched against it');
      // an IPv4 address is never taken for part of an IPv6 block
      expect(engine.verdict({ from: { cidr: '38.0.31.20' }, to: 'shop/web', port: 8080 }).verdict).toBe('deny');
      expect(() => engine.verdict({ from: { cidr: '2600:1f14:abc:de00::9' }, to: 'shop/web', port: 8080 })).toThrow(new PolicyQueryError('"2600:1f14:abc:de00::9": IPv6 is not supported'));
    } finally {
      engine.dispose();
    }
  });

  it('the hover on an IPv6 CIDR in a policy says it is not evaluated', () => {
    const text = KUBERNETES;
    const offset = text.indexOf('2600:1f14:abc:de00::/56') + 4;
    const hover = manifestHover(text, offset, { store: loaded.store, sourceLabel: 'test', onError: (e) => { throw e; } });
    expect(hover?.markdown).toContain('An IPv6 range: not evaluated');
  });
});
