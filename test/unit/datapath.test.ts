/**
 * The datapath model on small clusters built in code. Every expectation is written by hand from
 * /work/shared/reference/datapath.md; each test names the section it comes from (A2: aws-node env and
 * RouteTableID rules; B0: what each CNI installs; B1–B7: the paths).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DatapathTrace, DirectionPolicyQuery, Hop, PolicyEvaluator } from '../../src/core/analysis/datapath/datapathTypes';
import { formatTrace } from '../../src/core/analysis/datapath/formatTrace';
import { hostVethName } from '../../src/core/analysis/datapath/hostVethName';
import { traceDatapath, type TraceRequest } from '../../src/core/analysis/datapath/traceDatapath';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { buildCluster, smallVpc, twoNodes, type ClusterSpec, type PodSpec, type ServiceSpec } from '../fixtures/datapath/datapathCluster';

const PODS: PodSpec[] = [
  { ns: 'shop', name: 'web-1', ip: '100.64.1.10', node: 'node-a', labels: { app: 'web' }, identity: 5001, ports: [{ name: 'http', port: 8080 }] },
  { ns: 'shop', name: 'web-2', ip: '100.64.1.11', node: 'node-a', labels: { app: 'web' }, identity: 5001, ports: [{ name: 'http', port: 8080 }] },
  { ns: 'shop', name: 'api-1', ip: '100.64.2.20', node: 'node-b', labels: { app: 'api' }, identity: 6001, ports: [{ name: 'https', port: 8443 }] },
  { ns: 'legacy', name: 'old-1', ip: '100.64.2.21', node: 'node-b', managed: false },
  { ns: 'legacy', name: 'old-2', ip: '100.64.1.12', node: 'node-a', managed: false },
  { ns: 'kube-system', name: 'aws-node-a', ip: '10.0.16.10', node: 'node-a', hostNetwork: true },
];

const API_SERVICE: ServiceSpec = {
  ns: 'shop',
  name: 'api',
  clusterIp: '172.20.0.50',
  ports: [{ name: 'https', port: 443, targetPort: 'https', endpointPort: 8443 }],
  selector: { app: 'api' },
  backends: ['shop/api-1'],
};

function cluster(over: Partial<ClusterSpec> = {}): ClusterStore {
  return buildCluster({ ...smallVpc(), nodes: twoNodes(), pods: PODS, services: [API_SERVICE], ...over });
}

function trace(store: ClusterStore, request: TraceRequest, policyEvaluator?: PolicyEvaluator): DatapathTrace {
  const result = traceDatapath(store, request, policyEvaluator ? { policyEvaluator } : {});
  if (!result.ok) throw new Error(`trace failed: --${result.error.argument}: ${result.error.message}`);
  return result.trace;
}

const kinds = (t: DatapathTrace) => t.hops.map((h) => h.kind);
const hop = (t: DatapathTrace, kind: Hop['kind'], nth = 0): Hop => {
  const found = t.hops.filter((h) => h.kind === kind)[nth];
  if (!found) throw new Error(`no ${kind} hop #${nth} in ${kinds(t).join(', ')}`);
  return found;
};
const veth = (prefix: string, ns: string, pod: string) => prefix + createHash('sha1').update(`${ns}.${pod}`).digest('hex').slice(0, 11);

describe('host veth name (B0: pkg/networkutils/names.go)', () => {
  it('is the prefix and the first 11 hex characters of SHA-1("<namespace>.<pod>")', () => {
    // computed once with `echo -n shop.web-1 | sha1sum` = 751425ce827f0c88d8c64d3392e2e977feb6c1da
    expect(hostVethName('eni', 'shop', 'web-1')).toBe('eni751425ce827');
    expect(hostVethName('eni', 'shop', 'web-1')).toBe(veth('eni', 'shop', 'web-1'));
  });

  it('uses AWS_VPC_K8S_CNI_VETHPREFIX (A2) and says where the prefix came from', () => {
    const t = trace(cluster({ vpcCniEnv: { AWS_VPC_K8S_CNI_VETHPREFIX: 'abc' } }), { from: 'shop/web-1', to: 'shop/web-2' });
    expect(t.source.hostVeth).toBe(veth('abc', 'shop', 'web-1'));
    const vethHop = hop(t, 'host-veth');
    expect(vethHop.interface).toBe(veth('abc', 'shop', 'web-1'));
    expect(vethHop.facts[0]).toMatchObject({ name: 'AWS_VPC_K8S_CNI_VETHPREFIX', value: 'abc', origin: { source: 'snapshot' } });
    // the destination veth in main's route is computed the same way
    expect(hop(t, 'host-routing').interface).toBe(veth('abc', 'shop', 'web-2'));
  });
});

describe('pod → pod on the same node (B1)', () => {
  it('goes veth → cil_from_container → rule 512 main → veth → cil_to_container, no ENI, no SNAT', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'shop/web-2', port: 8080 });
    expect(kinds(t)).toEqual(['pod-interface', 'host-veth', 'cilium-egress', 'host-routing', 'cilium-ingress', 'pod-interface']);
    expect(t.hops.map((h) => h.owner)).toEqual(['pod', 'vpc-cni', 'cilium', 'vpc-cni', 'cilium', 'pod']);
    expect(hop(t, 'host-routing').ipRule).toEqual({ priority: 512, selector: 'to 100.64.1.11', table: 'main' });
    expect(hop(t, 'host-routing').text).toContain(`100.64.1.11 dev ${veth('eni', 'shop', 'web-2')}`);
    expect(t.egress).toBeNull();
    expect(t.snat).toBeNull();
    expect(t.source).toMatchObject({ kind: 'pod', name: 'shop/web-1', ip: '100.64.1.10', node: 'node-a', eni: 'eni-a1', hostVeth: 'eni751425ce827', managed: true, identity: 5001 });
    expect(t.destination).toMatchObject({ kind: 'pod', name: 'shop/web-2', ip: '100.64.1.11', port: 8080 });
  });
});

describe('pod → pod on another node (B2)', () => {
  it('leaves the ENI that owns the pod IP through rule 1536 and its table, unSNATed, into the VPC', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'shop/api-1', port: 8443 });
    expect(kinds(t)).toEqual([
      'pod-interface', 'host-veth', 'cilium-egress', 'host-routing', 'snat', 'eni-egress', 'vpc-route', 'eni-ingress', 'host-routing', 'cilium-ingress', 'pod-interface',
    ]);
    const routing = hop(t, 'host-routing');
    expect(routing.ipRule).toEqual({ priority: 1536, selector: 'from 100.64.1.10', table: 2 });
    expect(routing.text).toContain('default via 100.64.0.1 dev eth1');
    // A2: RouteTableID from ipamd
    expect(routing.facts.find((f) => f.name === 'route table')).toMatchObject({ value: '2', origin: { source: 'ipamd' } });
    expect(t.egress).toEqual({ eni: 'eni-a1', deviceIndex: 1, routeTable: 2, interface: 'eth1' });
    expect(t.snat).toBeNull();
    expect(hop(t, 'snat').text).toContain('100.64.2.20 is in VPC CIDR 100.64.0.0/16');
    expect(hop(t, 'eni-egress')).toMatchObject({ eni: 'eni-a1', interface: 'eth1' });
    expect(hop(t, 'eni-egress').text).toContain('sg-pods');
    expect(hop(t, 'vpc-route')).toMatchObject({ routeTable: 'rtb-private', status: 'ok' });
    expect(hop(t, 'vpc-route').text).toContain('matches 100.64.0.0/16 → local');
    expect(hop(t, 'eni-ingress')).toMatchObject({ eni: 'eni-b1', node: 'node-b' });
    expect(hop(t, 'host-routing', 1).ipRule).toEqual({ priority: 512, selector: 'to 100.64.2.20', table: 'main' });
    expect(hop(t, 'pod-interface', 1).text).toContain('source 100.64.1.10');
  });

  it('a pod on the primary ENI has no from-pod rule: main, eth0 (B0, A2 RouteTableID 254)', () => {
    const store = cluster({
      nodes: [
        ...twoNodes(),
        { name: 'node-c', ip: '10.0.16.30', zone: 'us-west-2a', enis: [{ id: 'eni-c0', device: 0, subnet: 'subnet-nodes', ips: ['10.0.16.30', '10.0.16.31'], sgs: ['sg-node'] }] },
      ],
      pods: [...PODS, { ns: 'shop', name: 'c-1', ip: '10.0.16.31', node: 'node-c' }],
    });
    const t = trace(store, { from: 'shop/c-1', to: 'shop/api-1' });
    expect(hop(t, 'host-routing').ipRule).toEqual({ priority: 32766, selector: 'from all', table: 'main' });
    expect(t.egress).toEqual({ eni: 'eni-c0', deviceIndex: 0, routeTable: 'main', interface: 'eth0' });
    expect(t.snat).toBeNull();
  });

  it('without ipamd RouteTableID the table is device index + 1 on card 0, marked as inferred (A2)', () => {
    const nodes = twoNodes();
    nodes[0].enis = [
      { id: 'eni-a0', device: 0, subnet: 'subnet-nodes', ips: ['10.0.16.10'] },
      { id: 'eni-a2', device: 2, subnet: 'subnet-pods', ips: ['100.64.1.5', '100.64.1.10'] },
    ];
    const t = trace(cluster({ nodes }), { from: 'shop/web-1', to: 'shop/api-1' });
    expect(t.egress).toEqual({ eni: 'eni-a2', deviceIndex: 2, routeTable: 3, interface: 'eth2' });
    expect(hop(t, 'host-routing').facts.find((f) => f.name === 'route table')?.origin.source).toBe('inferred');
  });
});

describe('pod → ClusterIP Service (B3)', () => {
  it('a managed pod: Cilium DNATs per packet in cil_from_container, before egress policy (KPR off)', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'svc:shop/api' });
    expect(t.service).toEqual({
      name: 'shop/api',
      clusterIP: '172.20.0.50',
      port: 443,
      targetPort: 8443,
      backend: 'shop/api-1',
      backendIp: '100.64.2.20',
      backends: ['shop/api-1'],
      translatedBy: 'cilium',
      translatedAt: 'packet',
    });
    const i = kinds(t).indexOf('service-translation');
    expect(kinds(t)[i + 1]).toBe('cilium-egress');
    expect(t.hops[i].owner).toBe('cilium');
    expect(t.hops[i].text).toContain('172.20.0.50:443 → 100.64.2.20:8443');
    expect(t.destination).toMatchObject({ kind: 'pod', name: 'shop/api-1', ip: '100.64.2.20', port: 8443 });
    // routing is to the backend, not the ClusterIP
    expect(t.egress?.eni).toBe('eni-a1');
    expect(t.snat).toBeNull();
  });

  it('a pod without a CiliumEndpoint: kube-proxy translates in nat PREROUTING', () => {
    const t = trace(cluster(), { from: 'legacy/old-2', to: 'svc:shop/api' });
    expect(t.service?.translatedBy).toBe('kube-proxy');
    expect(hop(t, 'cilium-egress').status).toBe('absent');
    const tr = hop(t, 'service-translation');
    expect(tr.owner).toBe('kubernetes');
    expect(tr.text).toContain('nat PREROUTING');
    expect(kinds(t).indexOf('service-translation')).toBeGreaterThan(kinds(t).indexOf('cilium-egress'));
  });

  it('a host-network pod: kube-proxy in nat OUTPUT', () => {
    const t = trace(cluster(), { from: 'kube-system/aws-node-a', to: 'svc:shop/api' });
    expect(t.service?.translatedBy).toBe('kube-proxy');
    expect(hop(t, 'service-translation').text).toContain('nat OUTPUT');
  });

  it('kube-proxy replacement: socket LB at connect(), before any packet, for pods and host network', () => {
    const store = cluster({ ciliumConfig: { 'kube-proxy-replacement': 'true' } });
    const t = trace(store, { from: 'shop/web-1', to: 'svc:shop/api' });
    expect(kinds(t)[0]).toBe('socket-lb');
    expect(t.service).toMatchObject({ translatedBy: 'cilium', translatedAt: 'socket' });
    expect(kinds(t)).not.toContain('service-translation');
    const h = trace(store, { from: 'kube-system/aws-node-a', to: 'svc:shop/api' });
    expect(kinds(h)[0]).toBe('socket-lb');
    expect(h.service?.translatedBy).toBe('cilium');
  });

  it('ip:<ClusterIP> is the Service', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'ip:172.20.0.50', port: 443 });
    expect(t.service?.name).toBe('shop/api');
    expect(t.destination.name).toBe('shop/api-1');
  });

  it('no ready backend: the translation drops the packet and the verdict is deny', () => {
    const empty: ServiceSpec = { ns: 'shop', name: 'empty', clusterIp: '172.20.0.60', ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'none' }, backends: [] };
    const t = trace(cluster({ services: [API_SERVICE, empty] }), { from: 'shop/web-1', to: 'svc:shop/empty' });
    expect(hop(t, 'service-translation').status).toBe('drop');
    expect(t.verdict).toBe('deny');
    expect(kinds(t)).not.toContain('host-routing');
  });

  it('a headless Service: DNS gives the pod IPs, nothing translates', () => {
    const headless: ServiceSpec = { ...API_SERVICE, name: 'api-headless', clusterIp: 'None' };
    const t = trace(cluster({ services: [API_SERVICE, headless] }), { from: 'shop/web-1', to: 'svc:shop/api-headless' });
    expect(t.service).toBeNull();
    expect(kinds(t)).not.toContain('service-translation');
    expect(t.destination).toMatchObject({ name: 'shop/api-1', port: 8443 });
    expect(t.notes.join(' ')).toContain('headless');
  });

  it('from the internet, a ClusterIP Service is not reachable (B6: only IP-mode NLBs send to pods)', () => {
    const t = trace(cluster(), { from: 'world', to: 'svc:shop/api' });
    expect(t.hops).toHaveLength(1);
    expect(hop(t, 'load-balancer')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('is of type ClusterIP') });
  });

  it('a port the Service does not have is an error on --port', () => {
    const r = traceDatapath(cluster(), { from: 'shop/web-1', to: 'svc:shop/api', port: 8443 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ argument: 'port', message: expect.stringContaining('https 443/TCP → https') });
  });
});

describe('pod → internet through the NAT gateway (B4)', () => {
  it('connmark 0x80 + rule 1024 send it out eth0, SNATed to the primary IP of the primary ENI; the NAT gateway SNATs again', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'ip:1.1.1.1', port: 443 });
    expect(hop(t, 'host-routing').ipRule).toEqual({ priority: 1024, selector: 'fwmark 0x80/0x80', table: 'main' });
    expect(hop(t, 'host-routing').text).toContain('default via 10.0.16.1 dev eth0');
    expect(t.egress).toEqual({ eni: 'eni-a0', deviceIndex: 0, routeTable: 'main', interface: 'eth0' });
    expect(t.snat).toEqual({ to: '10.0.16.10', by: 'vpc-cni' });
    expect(hop(t, 'snat').text).toContain('--random-fully');
    expect(hop(t, 'eni-egress').text).toContain('source 10.0.16.10');
    expect(hop(t, 'vpc-route').text).toContain('matches 0.0.0.0/0 → nat-gateway nat-1');
    expect(hop(t, 'nat-gateway').text).toContain('SNATs to 44.0.0.1');
    expect(hop(t, 'nat-gateway').text).toContain('igw-1');
    expect(t.natGateway).toEqual({ id: 'nat-1', publicIp: '44.0.0.1' });
    expect(t.destination.kind).toBe('external');
    expect(t.policy.ingress).toMatchObject({ verdict: 'allow', enforced: false });
  });

  it('AWS_VPC_K8S_CNI_EXTERNALSNAT=true: no SNAT, no mark; the pod IP leaves its own ENI (A2, B4)', () => {
    const t = trace(cluster({ vpcCniEnv: { AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true' } }), { from: 'shop/web-1', to: 'ip:1.1.1.1' });
    expect(t.snat).toBeNull();
    expect(hop(t, 'snat').facts[0]).toMatchObject({ name: 'AWS_VPC_K8S_CNI_EXTERNALSNAT', value: 'true' });
    expect(hop(t, 'host-routing').ipRule).toEqual({ priority: 1536, selector: 'from 100.64.1.10', table: 2 });
    expect(t.egress).toEqual({ eni: 'eni-a1', deviceIndex: 1, routeTable: 2, interface: 'eth1' });
    expect(hop(t, 'eni-egress').text).toContain('source 100.64.1.10');
    expect(t.natGateway?.id).toBe('nat-1');
  });
});

describe('destinations inside and outside the VPC (B5, A2)', () => {
  it('RDS in the VPC: no SNAT, out of the pod ENI, the owner named from the store', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'ip:10.0.100.45', port: 5432 });
    expect(t.destination).toMatchObject({ kind: 'aws-eni', ip: '10.0.100.45', eni: 'eni-rds', owner: 'RDS network interface eni-rds' });
    expect(t.snat).toBeNull();
    expect(t.egress?.eni).toBe('eni-a1');
    const last = t.hops[t.hops.length - 1];
    expect(last.kind).toBe('destination');
    expect(last.text).toContain('RDS network interface eni-rds');
    expect(last.text).toContain('must allow source 100.64.1.10');
    expect(last.text).toContain('sg-rds');
  });

  it('the secondary VPC CIDR counts as VPC: an unowned 100.64 address is not SNATed', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'ip:100.64.30.30' });
    expect(t.destination.kind).toBe('vpc-address');
    expect(t.snat).toBeNull();
    expect(hop(t, 'snat').text).toContain('100.64.0.0/16');
    expect(t.hops[t.hops.length - 1].status).toBe('unknown');
  });

  it('a transit gateway destination outside the VPC CIDRs is SNATed to the node IP (B5)', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'ip:192.168.1.1' });
    expect(t.snat).toEqual({ to: '10.0.16.10', by: 'vpc-cni' });
    expect(t.egress?.eni).toBe('eni-a0');
    expect(hop(t, 'vpc-route').text).toContain('matches 192.168.0.0/16 → transit-gateway tgw-1');
    expect(hop(t, 'destination')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('beyond transit gateway tgw-1') });
  });

  it('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: the excluded TGW range keeps the pod IP and the pod ENI (A2)', () => {
    const t = trace(cluster({ vpcCniEnv: { AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '172.31.0.0/16,192.168.0.0/16' } }), { from: 'shop/web-1', to: 'ip:192.168.1.1' });
    expect(t.snat).toBeNull();
    expect(hop(t, 'snat').text).toContain('192.168.0.0/16 from AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS');
    expect(t.egress).toEqual({ eni: 'eni-a1', deviceIndex: 1, routeTable: 2, interface: 'eth1' });
    expect(hop(t, 'eni-egress').text).toContain('source 100.64.1.10');
  });
});

describe('custom networking (B7)', () => {
  it('pods egress via eth1+ with the ENIConfig security groups; internet traffic is SNATed to the eth0 node IP', () => {
    const store = cluster({ vpcCniEnv: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true', ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone' } });
    store.upsert('eniConfig', { name: 'us-west-2a', subnet: 'subnet-pods', securityGroups: ['sg-pods'], origin: { source: 'snapshot', file: 'eniconfig.yaml' } });
    store.upsert('cniNode', { name: 'node-a', features: [{ name: 'CustomNetworking', value: 'us-west-2a' }], origin: { source: 'snapshot', file: 'cninode.yaml' } });

    const inVpc = trace(store, { from: 'shop/web-1', to: 'ip:10.0.100.45' });
    expect(inVpc.egress).toEqual({ eni: 'eni-a1', deviceIndex: 1, routeTable: 2, interface: 'eth1' });
    expect(inVpc.snat).toBeNull();
    const routing = hop(inVpc, 'host-routing');
    expect(routing.facts.find((f) => f.name === 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG')?.value).toBe('true');
    expect(routing.facts.find((f) => f.name === 'ENIConfig')).toMatchObject({ value: 'us-west-2a: subnet subnet-pods, security groups sg-pods', origin: { file: 'eniconfig.yaml' } });
    expect(hop(inVpc, 'eni-egress').text).toContain('ENIConfig security groups');

    const out = trace(store, { from: 'shop/web-1', to: 'ip:1.1.1.1' });
    expect(out.snat).toEqual({ to: '10.0.16.10', by: 'vpc-cni' });
    expect(out.egress?.interface).toBe('eth0');
  });
});

describe('prefix delegation (A2 ENABLE_PREFIX_DELEGATION, B2)', () => {
  it('finds the ENI whose /28 prefix holds the pod IP, on both ends', () => {
    const nodes = twoNodes();
    nodes[0].enis = [
      { id: 'eni-a0', device: 0, subnet: 'subnet-nodes', ips: ['10.0.16.10'], routeTableId: 254 },
      { id: 'eni-a1', device: 1, subnet: 'subnet-pods', ips: ['100.64.1.5'], prefixes: ['100.64.1.16/28'], routeTableId: 2 },
    ];
    nodes[1].enis = [
      { id: 'eni-b0', device: 0, subnet: 'subnet-nodes', ips: ['10.0.16.20'], routeTableId: 254 },
      { id: 'eni-b1', device: 1, subnet: 'subnet-pods', ips: ['100.64.2.5'], prefixes: ['100.64.2.32/28'], routeTableId: 2 },
    ];
    const pods: PodSpec[] = [
      { ns: 'shop', name: 'pd-1', ip: '100.64.1.18', node: 'node-a' },
      { ns: 'shop', name: 'pd-2', ip: '100.64.2.40', node: 'node-b' },
    ];
    const t = trace(cluster({ nodes, pods, services: [], vpcCniEnv: { ENABLE_PREFIX_DELEGATION: 'true' } }), { from: 'shop/pd-1', to: 'shop/pd-2' });
    expect(t.source.eni).toBe('eni-a1');
    expect(t.egress).toEqual({ eni: 'eni-a1', deviceIndex: 1, routeTable: 2, interface: 'eth1' });
    expect(hop(t, 'host-routing').facts.find((f) => f.name === 'prefix')?.value).toBe('100.64.1.18 is in prefix 100.64.1.16/28 of eni-a1');
    expect(hop(t, 'host-routing').facts.find((f) => f.name === 'ENABLE_PREFIX_DELEGATION')?.value).toBe('true');
    expect(hop(t, 'eni-ingress')).toMatchObject({ eni: 'eni-b1' });
    expect(hop(t, 'eni-ingress').text).toContain('in prefix 100.64.2.32/28');
  });
});

describe('host-network pods (B0, B8)', () => {
  it('as a source: the node IP, no veth, no Cilium endpoint program, eth0 and main', () => {
    const queries: DirectionPolicyQuery[] = [];
    const t = trace(cluster(), { from: 'kube-system/aws-node-a', to: 'shop/api-1', port: 8443 }, (q) => {
      queries.push(q);
      return { verdict: 'allow', by: [] };
    });
    expect(kinds(t)[0]).toBe('host-stack');
    expect(kinds(t)).not.toContain('host-veth');
    expect(kinds(t)).not.toContain('cilium-egress');
    expect(t.source).toMatchObject({ kind: 'host-network-pod', name: 'kube-system/aws-node-a', ip: '10.0.16.10', node: 'node-a', eni: 'eni-a0' });
    expect(t.source.hostVeth).toBeUndefined();
    expect(t.egress).toEqual({ eni: 'eni-a0', deviceIndex: 0, routeTable: 'main', interface: 'eth0' });
    expect(t.snat).toBeNull();
    expect(t.policy.egress).toMatchObject({ verdict: 'allow', enforced: false });
    // the destination's ingress sees another node's IP: remote-node
    expect(queries).toEqual([expect.objectContaining({ direction: 'ingress', peer: { identity: 'remote-node', ip: '10.0.16.10', node: 'node-a' } })]);
  });

  it('as a destination on the same node: the local table, delivered to the host stack', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'kube-system/aws-node-a', port: 61678 });
    expect(kinds(t)).toEqual(['pod-interface', 'host-veth', 'cilium-egress', 'host-routing', 'host-stack']);
    expect(hop(t, 'host-routing').ipRule).toEqual({ priority: 0, selector: 'from all', table: 'local' });
    expect(t.destination).toMatchObject({ kind: 'host-network-pod', ip: '10.0.16.10' });
    expect(t.egress).toBeNull();
  });

  it('ip:<node IP> of another node: through the VPC to its eth0', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'ip:10.0.16.20', port: 10250 });
    expect(t.destination).toMatchObject({ kind: 'node', name: 'node-b', eni: 'eni-b0' });
    expect(hop(t, 'eni-ingress').eni).toBe('eni-b0');
    expect(kinds(t)[kinds(t).length - 1]).toBe('host-stack');
    expect(t.snat).toBeNull();
  });
});

describe('security groups for pods (B1.4, A2 POD_SECURITY_GROUP_ENFORCING_MODE)', () => {
  function sgpCluster(mode?: 'strict' | 'standard'): ClusterStore {
    const nodes = twoNodes();
    nodes[0].enis = [...(nodes[0].enis ?? []), { id: 'eni-trunk', device: 2, subnet: 'subnet-pods', ips: ['100.64.1.50'], kind: 'trunk', routeTableId: 3 }];
    const pods: PodSpec[] = [
      ...PODS,
      { ns: 'shop', name: 'sgp-1', ip: '100.64.1.60', node: 'node-a', podEni: [{ eniId: 'eni-branch', privateIp: '100.64.1.60', vlanId: 5, subnetCidr: '100.64.0.0/18' }] },
    ];
    const store = cluster({ nodes, pods, vpcCniEnv: { ENABLE_POD_ENI: 'true', ...(mode ? { POD_SECURITY_GROUP_ENFORCING_MODE: mode } : {}) } });
    store.upsert('eni', {
      id: 'eni-branch', subnetId: 'subnet-pods', vpcId: 'vpc-1', kind: 'branch', interfaceType: 'branch', primaryIp: '100.64.1.60',
      securityGroups: [{ id: 'sg-sgp' }], ips: [{ ip: '100.64.1.60', primary: true }], prefixes: [], tags: {}, origin: { source: 'ec2' },
    });
    return store;
  }

  it('strict (default): "vlan" veth, rule 10 iif → table 100+vlan, out the branch ENI even to a pod on the same node', () => {
    const t = trace(sgpCluster(), { from: 'shop/sgp-1', to: 'shop/web-2' });
    expect(t.source.hostVeth).toBe(veth('vlan', 'shop', 'sgp-1'));
    expect(t.source.eni).toBe('eni-branch');
    expect(hop(t, 'host-routing').ipRule).toEqual({ priority: 10, selector: `iif ${veth('vlan', 'shop', 'sgp-1')}`, table: 105 });
    expect(t.egress).toEqual({ eni: 'eni-branch', deviceIndex: 2, routeTable: 105, interface: 'vlan.eth.5' });
    expect(hop(t, 'eni-egress').text).toContain('sg-sgp');
    expect(kinds(t)).toContain('vpc-route');
    expect(hop(t, 'eni-ingress').eni).toBe('eni-a1');
    expect(t.notes.join(' ')).toContain('hairpins through the VPC');
  });

  it('strict: no SNAT to the internet ("! -o vlan+")', () => {
    const t = trace(sgpCluster(), { from: 'shop/sgp-1', to: 'ip:1.1.1.1' });
    expect(t.snat).toBeNull();
    expect(hop(t, 'snat').text).toContain('-o vlan+');
    expect(t.egress?.eni).toBe('eni-branch');
  });

  it('strict, as the destination: arrives at the branch ENI, rule 10 iif vlan.eth.5', () => {
    const t = trace(sgpCluster(), { from: 'shop/web-1', to: 'shop/sgp-1' });
    expect(hop(t, 'eni-ingress')).toMatchObject({ eni: 'eni-branch', interface: 'vlan.eth.5' });
    expect(hop(t, 'host-routing', 1).ipRule).toEqual({ priority: 10, selector: 'iif vlan.eth.5', table: 105 });
  });

  it('standard: the usual veth prefix, same node stays local, internet is SNATed, other traffic uses table 100+vlan', () => {
    const store = sgpCluster('standard');
    const local = trace(store, { from: 'shop/sgp-1', to: 'shop/web-2' });
    expect(local.source.hostVeth).toBe(veth('eni', 'shop', 'sgp-1'));
    expect(local.egress).toBeNull();
    const internet = trace(store, { from: 'shop/sgp-1', to: 'ip:1.1.1.1' });
    expect(internet.snat).toEqual({ to: '10.0.16.10', by: 'vpc-cni' });
    const remote = trace(store, { from: 'shop/sgp-1', to: 'shop/api-1' });
    expect(hop(remote, 'host-routing').ipRule).toEqual({ priority: 1536, selector: 'from 100.64.1.60', table: 105 });
    expect(remote.egress).toEqual({ eni: 'eni-branch', deviceIndex: 2, routeTable: 105, interface: 'vlan.eth.5' });
  });
});

describe('NLB in IP mode → pod (B6)', () => {
  const LB: ServiceSpec = {
    ns: 'shop',
    name: 'web-lb',
    type: 'LoadBalancer',
    clusterIp: '172.20.0.70',
    ports: [{ name: 'http', port: 80, targetPort: 'http', endpointPort: 8080 }],
    selector: { app: 'web' },
    backends: ['shop/web-1', 'shop/web-2'],
    annotations: { 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip' },
    loadBalancerIngress: ['k8s-shop-web-0123456789-abcdef0123456789.elb.us-west-2.amazonaws.com'],
  };

  it('world: the NLB sends from its private IP (client IP preservation off for TCP IP targets) straight to the pod', () => {
    const queries: DirectionPolicyQuery[] = [];
    const t = trace(cluster({ services: [API_SERVICE, LB] }), { from: 'world', to: 'shop/web-1' }, (q) => {
      queries.push(q);
      return { verdict: 'allow', by: [] };
    });
    expect(kinds(t)).toEqual(['load-balancer', 'vpc-route', 'eni-ingress', 'host-routing', 'cilium-ingress', 'pod-interface']);
    expect(t.source).toMatchObject({ kind: 'world', ip: '10.0.0.84' });
    expect(hop(t, 'load-balancer')).toMatchObject({ eni: 'eni-nlb', owner: 'vpc' });
    expect(hop(t, 'load-balancer').facts.find((f) => f.name === 'client IP preservation')).toMatchObject({ value: 'false', origin: { source: 'default' } });
    expect(hop(t, 'vpc-route').routeTable).toBe('rtb-public');
    expect(t.destination.port).toBe(8080);
    expect(t.egress).toBeNull();
    expect(t.snat).toBeNull();
    expect(queries).toEqual([expect.objectContaining({ direction: 'ingress', port: 8080, peer: { identity: 'world', ip: '10.0.0.84' } })]);
    expect(t.verdict).toBe('allow');
  });

  it('client IP preservation on: the pod sees the client address', () => {
    const preserved: ServiceSpec = { ...LB, annotations: { ...LB.annotations, 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'preserve_client_ip.enabled=true' } };
    const t = trace(cluster({ services: [preserved] }), { from: 'ip:203.0.113.9', to: 'shop/web-1' });
    expect(t.source).toMatchObject({ kind: 'external', ip: '203.0.113.9' });
    expect(hop(t, 'pod-interface').text).toContain('source 203.0.113.9');
    expect(hop(t, 'cilium-ingress').text).toContain('from 203.0.113.9 (identity world');
  });

  it('from an NLB ENI address, and to the LoadBalancer Service (no ClusterIP involved)', () => {
    const store = cluster({ services: [LB] });
    const fromEni = trace(store, { from: 'ip:10.0.0.84', to: 'shop/web-2' });
    expect(fromEni.source).toMatchObject({ kind: 'load-balancer', eni: 'eni-nlb' });
    expect(kinds(fromEni)[0]).toBe('load-balancer');
    const toSvc = trace(store, { from: 'world', to: 'svc:shop/web-lb' });
    expect(toSvc.service).toMatchObject({ name: 'shop/web-lb', backend: 'shop/web-1', translatedBy: 'load-balancer' });
    expect(kinds(toSvc)).not.toContain('service-translation');
  });

  it('no load balancer in front of the pod: the path from the internet is unknown, and says why', () => {
    const t = trace(cluster(), { from: 'world', to: 'shop/api-1' });
    expect(t.hops).toHaveLength(1);
    expect(hop(t, 'load-balancer')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('no internet-facing load balancer') });
  });
});

describe('pods without a CiliumEndpoint (A1, B9)', () => {
  it('as a source: no cil_from_container, no egress policy', () => {
    const t = trace(cluster(), { from: 'legacy/old-2', to: 'shop/api-1' });
    expect(t.source.managed).toBe(false);
    expect(hop(t, 'cilium-egress')).toMatchObject({ status: 'absent', owner: 'cilium', reason: expect.stringContaining('no CiliumEndpoint legacy/old-2') });
    expect(t.policy.egress).toMatchObject({ verdict: 'allow', enforced: false, by: [] });
  });

  it('as a destination: no cil_to_container, no ingress policy', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'legacy/old-1' });
    expect(hop(t, 'cilium-ingress').status).toBe('absent');
    expect(t.policy.ingress).toMatchObject({ verdict: 'allow', enforced: false });
  });

  it('the peer identity Cilium sees: "unmanaged" on its own node, "world" from another node (pod watcher watches local pods)', () => {
    const peers: DirectionPolicyQuery['peer'][] = [];
    const evaluator: PolicyEvaluator = (q) => {
      peers.push(q.peer);
      return { verdict: 'allow', by: [] };
    };
    trace(cluster(), { from: 'legacy/old-2', to: 'shop/web-1' }, evaluator);
    trace(cluster(), { from: 'legacy/old-1', to: 'shop/web-1' }, evaluator);
    expect(peers.map((p) => p.identity)).toEqual(['unmanaged', 'world']);
  });

  it('without Cilium at all, no pod is managed', () => {
    const t = trace(cluster({ ciliumConfig: null }), { from: 'shop/web-1', to: 'shop/api-1' });
    expect(hop(t, 'cilium-egress')).toMatchObject({ status: 'absent', reason: expect.stringContaining('Cilium is not detected') });
    expect(t.verdict).toBe('allow');
  });
});

describe('missing EC2 data: unknown, and why (ARCHITECTURE: never a silent guess)', () => {
  it('no ENIs, no VPC, no route tables: routing, SNAT, ENIs and VPC routes are unknown', () => {
    const nodes = twoNodes().map((n) => ({ ...n, enis: [] }));
    const store = buildCluster({ nodes, pods: PODS, services: [API_SERVICE] });
    const t = trace(store, { from: 'shop/web-1', to: 'shop/api-1' });
    expect(hop(t, 'host-routing')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('no ENI in the store holds 100.64.1.10') });
    expect(hop(t, 'snat')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('VPC CIDRs are unknown') });
    expect(hop(t, 'eni-egress').status).toBe('unknown');
    expect(hop(t, 'vpc-route')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('subnet of the egress ENI is unknown') });
    expect(hop(t, 'eni-ingress')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('no ENI in the store holds 100.64.2.20') });
    expect(t.egress).toEqual({ eni: null, deviceIndex: null, routeTable: null });
    expect(t.verdict).toBe('unknown');
    expect(t.verdictReason).toContain('hops with missing facts');
  });

  it('ENIs from ipamd but no route tables: the subnet route table is unknown, the local delivery still follows from the VPC', () => {
    const store = cluster({ routeTables: [] });
    const t = trace(store, { from: 'shop/web-1', to: 'shop/api-1' });
    expect(hop(t, 'vpc-route')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('DescribeRouteTables') });
    expect(kinds(t)).toContain('eni-ingress');
    const out = trace(store, { from: 'shop/web-1', to: 'ip:1.1.1.1' });
    expect(hop(out, 'destination').status).toBe('unknown');
  });

  it('a subnet route table without a matching route drops the packet: verdict deny', () => {
    const t = trace(cluster({ routeTables: [{ id: 'rtb-only-local', subnets: ['subnet-nodes', 'subnet-pods'], routes: { '10.0.0.0/16': 'local', '100.64.0.0/16': 'local' } }] }), {
      from: 'shop/web-1',
      to: 'ip:1.1.1.1',
    });
    expect(hop(t, 'vpc-route')).toMatchObject({ status: 'drop', routeTable: 'rtb-only-local', dropsPacket: expect.any(String) });
    expect(t.hops.slice(kinds(t).indexOf('vpc-route') + 1).every((h) => h.reached === false)).toBe(true);
    expect(t.hops.slice(0, kinds(t).indexOf('vpc-route') + 1).every((h) => h.reached === undefined)).toBe(true);
    expect(t.verdict).toBe('deny');
  });
});

describe('policy: the injection point for the policy engine (B8)', () => {
  it('without an engine both enforced directions are unknown, and so is the verdict', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'shop/api-1' });
    expect(t.policy.egress).toMatchObject({ verdict: 'unknown', by: [], enforced: true });
    expect(t.policy.ingress).toMatchObject({ verdict: 'unknown', by: [], enforced: true });
    expect(t.verdict).toBe('unknown');
  });

  it('asks the engine once per enforced direction, with the peer as Cilium sees it, and follows its answer', () => {
    const queries: DirectionPolicyQuery[] = [];
    const deny = { kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'api-ingress', rule: 'spec.ingress[0]' };
    const t = trace(cluster(), { from: 'shop/web-1', to: 'svc:shop/api' }, (q) => {
      queries.push(q);
      return q.direction === 'egress' ? { verdict: 'allow', by: [] } : { verdict: 'deny', by: [deny] };
    });
    expect(queries).toEqual([
      {
        direction: 'egress',
        subject: { namespace: 'shop', name: 'web-1', ip: '100.64.1.10', identityId: 5001 },
        peer: { identity: 'endpoint', ip: '100.64.2.20', pod: { namespace: 'shop', name: 'api-1' }, identityId: 6001, node: 'node-b' },
        port: 8443,
        protocol: 'TCP',
        service: { namespace: 'shop', name: 'api' },
      },
      {
        direction: 'ingress',
        subject: { namespace: 'shop', name: 'api-1', ip: '100.64.2.20', identityId: 6001 },
        peer: { identity: 'endpoint', ip: '100.64.1.10', pod: { namespace: 'shop', name: 'web-1' }, identityId: 5001, node: 'node-a' },
        port: 8443,
        protocol: 'TCP',
        service: { namespace: 'shop', name: 'api' },
      },
    ]);
    expect(t.policy.ingress.by).toEqual([deny]);
    expect(t.verdict).toBe('deny');
  });

  // B8: egress policy is decided in cil_from_container, before the packet is routed; ingress policy in
  // cil_to_container, before delivery to the pod. A deny drops the packet there.
  it('an egress deny: the packet stops in cil_from_container; routing, SNAT, the ENI and the VPC are not reached', () => {
    const deny = { kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'web-egress', rule: 'spec.egressDeny[0]' };
    const t = trace(cluster(), { from: 'shop/web-1', to: 'shop/api-1' }, (q) => (q.direction === 'egress' ? { verdict: 'deny', by: [deny] } : { verdict: 'allow', by: [] }));
    const at = kinds(t).indexOf('cilium-egress');
    expect(t.hops[at]).toMatchObject({ kind: 'cilium-egress', dropsPacket: 'egress policy denies' });
    expect(t.hops.slice(0, at + 1).every((h) => h.reached === undefined)).toBe(true);
    const after = t.hops.slice(at + 1);
    expect(after.map((h) => h.kind)).toEqual(['host-routing', 'snat', 'eni-egress', 'vpc-route', 'eni-ingress', 'host-routing', 'cilium-ingress', 'pod-interface']);
    expect(after.every((h) => h.reached === false && h.dropsPacket === undefined)).toBe(true);
    const text = formatTrace(t);
    expect(text).toContain('⛔ the packet is dropped here (egress policy denies); the 8 hops below are where it would have gone, not reached');
    expect(text.split('\n').filter((l) => l.endsWith('[not reached]'))).toHaveLength(8);
    expect(text).toMatch(/^Path \(dropped at cilium-egress: egress policy denies; the hops after it are not reached\)/m);
  });

  it('an ingress deny: only the delivery into the pod is not reached', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'shop/api-1' }, (q) => (q.direction === 'ingress' ? { verdict: 'deny', by: [] } : { verdict: 'allow', by: [] }));
    expect(hop(t, 'cilium-ingress').dropsPacket).toBe('ingress policy denies');
    expect(t.hops.filter((h) => h.reached === false).map((h) => h.kind)).toEqual(['pod-interface']);
    expect(t.hops.filter((h) => h.reached === false)[0]).toBe(t.hops[t.hops.length - 1]);
  });

  it('an allowed path: every hop is reached, nothing drops', () => {
    const t = trace(cluster(), { from: 'shop/web-1', to: 'shop/api-1' }, () => ({ verdict: 'allow', by: [] }));
    expect(t.hops.some((h) => h.reached === false || h.dropsPacket !== undefined)).toBe(false);
    expect(formatTrace(t)).not.toContain('not reached');
  });

  it('enable-policy=never: nothing is enforced', () => {
    const t = trace(cluster({ ciliumConfig: { 'enable-policy': 'never' } }), { from: 'shop/web-1', to: 'shop/api-1' });
    expect(t.policy.egress).toMatchObject({ verdict: 'allow', enforced: false });
    expect(t.verdict).toBe('allow');
  });
});

describe('endpoint arguments', () => {
  const error = (request: TraceRequest) => {
    const r = traceDatapath(cluster(), request);
    return r.ok ? undefined : r.error;
  };

  it('names the argument that is wrong', () => {
    expect(error({ from: 'shop/nope', to: 'shop/web-1' })).toMatchObject({ argument: 'from', message: expect.stringContaining('pod shop/nope not found') });
    expect(error({ from: 'shop/web-1', to: 'ip:300.1.1.1' })).toMatchObject({ argument: 'to', message: expect.stringContaining('not an IPv4 address') });
    expect(error({ from: 'svc:shop/api', to: 'shop/web-1' })).toMatchObject({ argument: 'from' });
    expect(error({ from: 'shop/web-1', to: 'world' })).toMatchObject({ argument: 'to' });
    expect(error({ from: 'shop/web-1', to: 'svc:shop/none' })).toMatchObject({ argument: 'to', message: 'Service shop/none not found' });
    expect(error({ from: 'shop/web-1', to: 'shop web' })).toMatchObject({ argument: 'to' });
    expect(error({ from: 'shop/web-1', to: 'shop/api-1', backend: 'x' })).toMatchObject({ argument: 'backend' });
  });

  it('a workload name picks its first pod and says so; ip: resolves pods and nodes through ownersOfIp', () => {
    const t = trace(cluster(), { from: 'shop/web', to: 'ip:100.64.2.20' });
    expect(t.source.name).toBe('shop/web-1');
    expect(t.notes[0]).toContain('matches 2 pods');
    expect(t.destination).toMatchObject({ kind: 'pod', name: 'shop/api-1' });
    const n = trace(cluster(), { from: 'ip:10.0.16.20', to: 'shop/web-1' });
    expect(n.source).toMatchObject({ kind: 'node', name: 'node-b' });
  });
});
