/**
 * The diagram graph of demo traces (demo/README.md): lanes per hop owner, the facts an SRE looks for
 * (veth, identity, ip rule and table, ENI and subnet, security groups, SNAT, NAT gateway), the deny
 * badge at cart → payments/api's ingress, and an overview whose shared hops are one box each. Then
 * the ELK graph built from it.
 */
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { DatapathTrace, HopOwner } from '../../src/core/analysis/datapath/datapathTypes';
import { traceDatapath, type TraceRequest } from '../../src/core/analysis/datapath/traceDatapath';
import type { DiagramGraph, DiagramLane, DiagramNode } from '../../src/core/analysis/diagram/diagramTypes';
import { decidingPolicyText, nodeBox } from '../../src/core/analysis/diagram/nodeBox';
import { pathGraph } from '../../src/core/analysis/diagram/pathGraph';
import { overviewDestinations } from '../../src/core/analysis/diagram/overviewDestinations';
import { podOverviewGraph } from '../../src/core/analysis/diagram/podOverviewGraph';
import { approximateTextMeasure } from '../../src/core/analysis/diagram/textMetrics';
import { ELK_LAYOUT_OPTIONS, laneIndex, toElkGraph } from '../../src/core/analysis/diagram/toElkGraph';
import { choosePolicyEngine } from '../../src/core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { isDiagramGraph } from '../../src/shared/protocol';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');
const CART = 'shop/cart-78d4d6b5d-n4pww';
const FRONTEND = 'shop/frontend-5bbc558bcd-2vxgb';

let store: ClusterStore;
let engine: PolicyEngine;

beforeAll(async () => {
  store = (await loadSnapshotStore(DEMO)).store;
  engine = new PolicyEngine(store, { engine: choosePolicyEngine(store).engine });
});
afterAll(() => engine.dispose());

function trace(request: TraceRequest): DatapathTrace {
  const r = traceDatapath(store, request, { policyEvaluator: tracePolicyEvaluator(engine) });
  if (!r.ok) throw new Error(r.error.message);
  return r.trace;
}

function node(g: DiagramGraph, pred: (n: DiagramNode) => boolean): DiagramNode {
  const found = g.nodes.filter(pred);
  expect(found, g.nodes.map((n) => `${n.lane}: ${n.title}`).join('\n')).toHaveLength(1);
  return found[0] as DiagramNode;
}

const fact = (n: DiagramNode, name: string) => n.facts.find((f) => f.name === name)?.value;

/** The lanes a hop of each owner may be drawn in (the host veth is the pod's link: pod lane). */
const LANES_OF_OWNER: Readonly<Record<HopOwner, readonly DiagramLane[]>> = {
  pod: ['pod', 'host'],
  cilium: ['cilium'],
  'vpc-cni': ['host', 'pod'],
  vpc: ['eni', 'vpc', 'destination'],
  kubernetes: ['host', 'vpc'],
};

describe('pathGraph: shop/cart → svc:payments/api (B3, B2: denied at the api pod\'s ingress)', () => {
  let g: DiagramGraph;
  beforeAll(() => {
    g = pathGraph(trace({ from: CART, to: 'svc:payments/api' }), { store });
  });

  it('is a valid protocol graph, with the lanes the path crosses in order', () => {
    expect(isDiagramGraph(g)).toBe(true);
    expect(g.kind).toBe('path');
    expect(g.lanes.map((l) => l.title)).toEqual(['Pod netns', 'Cilium eBPF', 'Host routing (VPC CNI)', 'ENI', 'VPC']);
    expect(g.paths).toHaveLength(1);
    expect(g.paths[0]?.verdict).toBe('deny');
  });

  it('puts every hop in the lane of its owner, and colours each box by its owner', () => {
    for (const n of g.nodes) {
      for (const d of n.details) expect(LANES_OF_OWNER[d.owner], `${d.kind} (${d.owner}) in ${n.lane}`).toContain(n.lane);
      expect(n.details.map((d) => d.owner)).toContain(n.owner);
    }
    const ownersByLane = Object.fromEntries(g.nodes.map((n) => [n.lane, n.owner]));
    expect(ownersByLane).toEqual({ pod: 'pod', cilium: 'cilium', host: 'vpc-cni', eni: 'vpc', vpc: 'vpc' });
    // 12 hops in 9 boxes: eth0 + veth, DNAT + egress policy, ip rule + SNAT are one box each
    expect(g.nodes.reduce((s, n) => s + n.details.length, 0)).toBe(12);
    expect(g.nodes).toHaveLength(9);
  });

  it('shows the source pod with its eth0, host veth and identity, and where each came from', () => {
    const pod = node(g, (n) => n.lane === 'pod' && n.title === 'cart-78d4d6b5d-n4pww');
    expect(pod.subtitle).toBe('shop · ip-10-0-35-117');
    expect(fact(pod, 'eth0')).toBe('100.64.95.78');
    expect(fact(pod, 'veth')).toBe('enibeb49c476cd');
    expect(fact(pod, 'identity')).toBe('16881');
    expect(pod.facts.find((f) => f.name === 'eth0')?.source).toMatch(/^snapshot kubernetes\/pods\.yaml:\d+$/);
    expect(pod.facts.find((f) => f.name === 'veth')?.source).toContain('SHA-1');
    expect(pod.refs.map((r) => `${r.kind}:${r.key}`)).toEqual(expect.arrayContaining([`pod:${CART}`, `ciliumEndpoint:${CART}`, 'node:ip-10-0-35-117.us-west-2.compute.internal']));
  });

  it('shows the per-packet DNAT and the egress verdict in cil_from_container', () => {
    const egress = node(g, (n) => n.title === 'cil_from_container');
    expect(fact(egress, 'DNAT')).toBe('172.20.160.44:443');
    expect(fact(egress, '→')).toBe('100.64.78.58:8443');
    expect(egress.verdict).toMatchObject({ direction: 'egress', verdict: 'allow' });
  });

  it('shows the ip rule, the table, the device and no SNAT on the source node (B2, B7)', () => {
    const host = node(g, (n) => n.lane === 'host' && n.subtitle?.endsWith('ip-10-0-35-117') === true);
    expect(host.title).toBe('ip rule 1536 → table 3');
    expect(fact(host, 'rule')).toBe('from 100.64.95.78');
    expect(fact(host, 'dev')).toBe('eth2');
    expect(fact(host, 'SNAT')).toBe('none');
  });

  it('shows the ENIs with their subnet and security groups', () => {
    const out = node(g, (n) => n.title === 'leaves eth2');
    expect(out.facts.map((f) => f.value)).toEqual(expect.arrayContaining(['eni-0d70e2a365ef60bc1', '100.64.64.0/18', 'shop-prod-pods', '100.64.95.78']));
    expect(out.facts.find((f) => f.name === 'subnet')?.detail).toBe('subnet-0c5f36bf2ca7dee47, us-west-2b');
    const into = node(g, (n) => n.title === 'arrives on eth1');
    expect(into.facts.map((f) => f.value)).toEqual(expect.arrayContaining(['eni-011e50a874019cb7a', 'shop-prod-pods']));
    const rt = node(g, (n) => n.lane === 'vpc');
    expect(rt.title).toBe('rtb-07f6f1da1f8257442');
    expect(fact(rt, 'route')).toBe('100.64.0.0/16');
    expect(fact(rt, '→')).toBe('local');
  });

  it('puts a deny badge on the api pod\'s cil_to_container, naming the policies, and marks what the packet never reaches', () => {
    const ingress = node(g, (n) => n.title === 'cil_to_container');
    expect(ingress.verdict?.direction).toBe('ingress');
    expect(ingress.verdict?.verdict).toBe('deny');
    expect(ingress.verdict?.byPath[0]?.rules.map((r) => r.text)).toEqual(['NetworkPolicy payments/allow-checkout-to-api spec.podSelector', 'NetworkPolicy payments/default-deny-ingress spec.podSelector']);
    const api = node(g, (n) => n.title === 'api-f959c8b7-gqnkl');
    expect(api.blocked).toBe(true);
    expect(fact(api, 'via')).toBe('Service payments/api');
    const denied = g.edges.find((e) => e.from === ingress.id && e.to === api.id);
    expect(denied).toMatchObject({ status: 'drop', label: 'denied by policy' });
    expect(g.legend.map((l) => l.key)).toEqual(expect.arrayContaining(['pod', 'cilium', 'vpc-cni', 'vpc', 'allow', 'deny', 'denied', 'blocked']));
  });

  it('draws the same facts from the trace alone (no store)', () => {
    const bare = pathGraph(trace({ from: CART, to: 'svc:payments/api' }));
    const out = node(bare, (n) => n.title === 'leaves eth2');
    expect(out.facts.map((f) => f.value)).toEqual(expect.arrayContaining(['eni-0d70e2a365ef60bc1', '100.64.64.0/18', 'shop-prod-pods']));
  });

  it('is deterministic', () => {
    expect(JSON.stringify(pathGraph(trace({ from: CART, to: 'svc:payments/api' }), { store }))).toBe(JSON.stringify(g));
  });
});

describe('pathGraph: SNAT and the NAT gateway (B4)', () => {
  it('cart → the internet: SNAT to the node IP on eth0, then the NAT gateway to its Elastic IP', () => {
    const g = pathGraph(trace({ from: CART, to: 'ip:203.0.113.10', port: 443 }), { store });
    const host = node(g, (n) => n.lane === 'host');
    expect(host.title).toBe('ip rule 1024 → main');
    expect(fact(host, 'rule')).toBe('fwmark 0x80/0x80');
    expect(fact(host, 'SNAT')).toBe('→ 10.0.35.117');
    expect(node(g, (n) => n.title === 'leaves eth0').facts.map((f) => f.value)).toContain('10.0.35.117');
    const nat = node(g, (n) => n.title === 'NAT gateway');
    expect(nat.facts.map((f) => f.value)).toEqual(expect.arrayContaining(['nat-027a601d574f92ed8', '→ 52.34.108.201', 'rtb-07f6f1da1f8257442', '0.0.0.0/0']));
    expect(nat.refs.map((r) => r.key)).toEqual(expect.arrayContaining(['nat-027a601d574f92ed8', 'rtb-07f6f1da1f8257442']));
    const internet = node(g, (n) => n.lane === 'destination');
    expect(internet).toMatchObject({ title: 'Internet', owner: 'external' });
    expect(fact(internet, 'src')).toBe('52.34.108.201');
  });

  it('an unmanaged pod has no Cilium program: the box says so, with no verdict badge (A1, B9)', () => {
    const g = pathGraph(trace({ from: 'data/legacy-reporter', to: 'ip:10.0.100.45', port: 5432 }), { store });
    const cilium = node(g, (n) => n.lane === 'cilium');
    expect(cilium).toMatchObject({ title: 'no cil_from_container', status: 'absent' });
    expect(cilium.verdict).toBeUndefined();
    expect(node(g, (n) => n.lane === 'destination')).toMatchObject({ title: 'RDS', owner: 'vpc' });
  });

  it('the IMDS deny at the source: the edge after the egress deny is dropped, the rest not reached', () => {
    const g = pathGraph(trace({ from: 'data/events-producer', to: 'ip:169.254.169.254', port: 80 }), { store });
    const egress = node(g, (n) => n.lane === 'cilium');
    expect(egress.verdict?.verdict).toBe('deny');
    expect(egress.verdict?.byPath[0]?.rules[0]?.text).toBe('CiliumClusterwideNetworkPolicy deny-imds spec.egressDeny[0].toCIDRSet[0]');
    expect(g.edges.find((e) => e.from === egress.id)?.status).toBe('drop');
    expect(g.nodes.filter((n) => n.lane !== 'pod' && n.lane !== 'cilium').every((n) => n.blocked)).toBe(true);
    expect(node(g, (n) => n.lane === 'destination').title).toBe('IMDS');
  });
});

describe('podOverviewGraph: every kind of path of shop/frontend (B1–B6)', () => {
  let g: DiagramGraph;
  beforeAll(() => {
    const r = podOverviewGraph(store, FRONTEND, { policyEvaluator: tracePolicyEvaluator(engine) });
    if ('message' in r) throw new Error(r.message);
    g = r;
  });

  it('traces the representative destinations chosen from the store', () => {
    expect(isDiagramGraph(g)).toBe(true);
    expect(g.kind).toBe('overview');
    expect(g.paths.map((p) => [p.id, p.request.to, p.verdict])).toEqual([
      ['load-balancer', FRONTEND, 'allow'],
      ['same-node-pod', 'shop/cart-78d4d6b5d-n4pww', 'allow'],
      ['other-node-pod', 'shop/cart-78d4d6b5d-trh4g', 'allow'],
      ['service', 'svc:payments/api', 'deny'],
      ['rds', 'ip:10.0.101.148', 'allow'],
      ['msk', 'ip:10.0.101.23', 'allow'],
      ['internet', 'ip:203.0.113.10', 'allow'],
      ['on-premises', 'ip:192.168.0.10', 'allow'],
    ]);
    expect(g.paths.find((p) => p.id === 'rds')?.request.port).toBe(5432);
    expect(g.lanes.map((l) => l.lane)).toEqual(['pod', 'cilium', 'host', 'eni', 'vpc', 'destination']);
  });

  it('draws each shared hop once: the pod, its egress program, its egress ENIs and the routes', () => {
    const ids = g.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    const subject = node(g, (n) => n.lane === 'pod' && n.title === 'frontend-5bbc558bcd-2vxgb');
    expect(subject.paths).toHaveLength(8);
    // in from the NLB (traced first), then out through eth0 and the pod's veth
    expect(subject.details.map((d) => `${d.kind} ${d.paths.length}`)).toEqual(['pod-interface 1', 'pod-interface 7', 'host-veth 7']);
    const egress = node(g, (n) => n.title === 'cil_from_container' && !n.facts.some((f) => f.name === 'DNAT'));
    expect(egress.paths).toEqual(['same-node-pod', 'other-node-pod', 'rds', 'msk', 'internet', 'on-premises']);
    expect(egress.verdict?.byPath).toHaveLength(6);
    expect(node(g, (n) => n.title === 'leaves eth1').paths).toEqual(['other-node-pod', 'service', 'rds', 'msk']);
    expect(node(g, (n) => n.title === 'leaves eth0').paths).toEqual(['internet', 'on-premises']);
    expect(node(g, (n) => n.lane === 'vpc' && fact(n, 'route') === '10.0.0.0/16').paths).toEqual(['rds', 'msk']);
    const stages = g.nodes.reduce((s, n) => s + n.paths.length, 0);
    // 53 boxes if each path had its own, 30 shared
    expect([stages, g.nodes.length]).toEqual([53, 30]);
    const edgeKeys = g.edges.map((e) => `${e.from}>${e.to}`);
    expect(new Set(edgeKeys).size).toBe(edgeKeys.length);
  });

  it('brings internet clients in through the NLB to the pod\'s cil_to_container', () => {
    const clients = node(g, (n) => n.title === 'Internet clients');
    const nlb = node(g, (n) => n.title === 'NLB (IP targets)');
    expect(fact(nlb, 'name')).toBe('k8s-shop-frontend-6f2a9c1e4b');
    expect(fact(nlb, 'src')).toBe('10.0.1.219');
    expect(g.edges.some((e) => e.from === clients.id && e.to === nlb.id)).toBe(true);
    const ingress = node(g, (n) => n.title === 'cil_to_container' && n.paths.includes('load-balancer'));
    expect(ingress.verdict?.verdict).toBe('allow');
    expect(ingress.verdict?.byPath[0]?.rules[0]?.text).toBe('CiliumNetworkPolicy shop/frontend-ingress spec.ingress[0].fromEntities[0]');
    const subject = g.nodes.find((n) => n.title === 'frontend-5bbc558bcd-2vxgb');
    expect(g.edges.some((e) => e.from === ingress.id && e.to === subject?.id)).toBe(true);
  });

  it('shows the deny at payments/api\'s ingress, the NAT gateway and the transit gateway', () => {
    // isolated by two NetworkPolicies and allowed by none: neither is "the" deciding rule
    expect(decidingPolicyText(node(g, (n) => n.verdict?.verdict === 'deny').verdict!)).toEqual({ name: 'isolated by', value: '2 policies' });
    const denied = node(g, (n) => n.verdict?.verdict === 'deny');
    expect(denied.title).toBe('cil_to_container');
    expect(denied.subtitle).toBe('ingress policy · ip-10-0-41-203');
    expect(node(g, (n) => n.title === 'NAT gateway').facts.map((f) => f.value)).toContain('→ 52.34.108.201');
    const tgw = node(g, (n) => n.title === 'Beyond the TGW');
    expect(tgw.status).toBe('unknown');
    expect(fact(tgw, 'via')).toBe('tgw-0a598810837db7701');
  });

  it('says which pod is missing', () => {
    expect(podOverviewGraph(store, 'shop/nope')).toEqual({ argument: 'from', message: 'pod shop/nope not found' });
  });
});

describe('pathGraph after an egress deny (B8: cil_from_container decides before routing)', () => {
  it('cart → the instance metadata address: denied by deny-imds at cil_from_container; the boxes after it are not reached', () => {
    const t = trace({ from: CART, to: 'ip:169.254.169.254', port: 80 });
    expect(t.verdict).toBe('deny');
    const g = pathGraph(t, { store });
    const egress = node(g, (n) => n.title === 'cil_from_container');
    expect(egress.verdict?.verdict).toBe('deny');
    expect(egress.verdict?.byPath[0]?.rules[0]?.text).toBe('CiliumClusterwideNetworkPolicy deny-imds spec.egressDeny[0].toCIDRSet[0]');
    expect(egress.blocked).toBeUndefined();
    // the box names the deciding policy under its badge
    expect(decidingPolicyText(egress.verdict!)).toEqual({ name: 'by', value: 'CCNP deny-imds' });
    expect(nodeBox(egress, approximateTextMeasure).lines.map((l) => l.text)).toContain('by CCNP deny-imds');
    expect(egress.details.find((d) => d.kind === 'cilium-egress')?.dropsPacket).toBe('egress policy denies');
    const after = g.nodes.filter((n) => ['host', 'eni', 'vpc', 'destination'].includes(n.lane));
    expect(after.length).toBeGreaterThanOrEqual(3);
    for (const n of after) {
      expect(n.blocked, n.title).toBe(true);
      expect(n.details.every((d) => d.reached === false), n.title).toBe(true);
    }
    const out = g.edges.filter((e) => e.from === egress.id);
    expect(out.map((e) => [e.status, e.label])).toEqual([['drop', 'denied by policy']]);
    expect(g.edges.filter((e) => e.status === 'blocked').length).toBe(g.edges.length - g.edges.findIndex((e) => e.from === egress.id) - 1);
  });
});

describe('toElkGraph', () => {
  it('is a layered, left-to-right ELK graph with one partition per lane, sized so every label fits', () => {
    const g = pathGraph(trace({ from: CART, to: 'svc:payments/api' }), { store });
    const elk = toElkGraph(g, approximateTextMeasure);
    expect(elk.layoutOptions).toMatchObject({ 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.partitioning.activate': 'true' });
    expect(Number(ELK_LAYOUT_OPTIONS['elk.spacing.nodeNode'])).toBeGreaterThanOrEqual(20);
    expect(elk.children.map((c) => c.id)).toEqual(g.nodes.map((n) => n.id));
    for (const [i, c] of elk.children.entries()) {
      const n = g.nodes[i] as DiagramNode;
      expect(c.layoutOptions?.['elk.partitioning.partition']).toBe(String(laneIndex(n.lane)));
      const box = nodeBox(n, approximateTextMeasure);
      for (const line of box.lines) expect(line.x + line.width, `${n.title}: ${line.text}`).toBeLessThanOrEqual((c.width ?? 0) - 8);
      expect(c.height).toBeGreaterThanOrEqual(box.lines.length * 16);
    }
    expect(elk.edges.map((e) => [e.sources[0], e.targets[0]])).toEqual(g.edges.map((e) => [e.from, e.to]));
  });
});

describe('overviewDestinations: choices from the store indexes', () => {
  it('with no other workload in its namespace, the pod on another node comes from another namespace: first with a port, by name', async () => {
    const own = (await loadSnapshotStore(DEMO)).store;
    const subject = own.get('pod', FRONTEND)!;
    // only frontend's own replicas stay in shop
    for (const p of [...own.list('pod')]) if (p.namespace === 'shop' && p.owner?.name !== subject.owner?.name) own.remove('pod', `${p.namespace}/${p.name}`);
    const key = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;
    const candidates = [...own.list('pod')]
      .filter((p) => p.namespace !== 'shop' && !p.hostNetwork && p.ip && p.nodeName && p.nodeName !== subject.nodeName && p.phase !== 'Succeeded' && p.phase !== 'Failed')
      .sort((a, b) => Number(a.containerPorts.length === 0) - Number(b.containerPorts.length === 0) || key(a).localeCompare(key(b)));
    expect(candidates.length).toBeGreaterThan(1);
    const chosen = overviewDestinations(own, subject);
    expect(chosen.find((d) => d.id === 'other-node-pod')?.request.to).toBe(key(candidates[0]!));
    // on its node, a pod of another namespace comes before a replica of its own workload
    const onNode = [...own.list('pod')]
      .filter((p) => p.nodeName === subject.nodeName && key(p) !== FRONTEND && !p.hostNetwork && p.ip && p.phase !== 'Succeeded' && p.phase !== 'Failed')
      .sort((a, b) => Number(a.namespace === 'shop') - Number(b.namespace === 'shop') || Number(a.containerPorts.length === 0) - Number(b.containerPorts.length === 0) || key(a).localeCompare(key(b)));
    expect(onNode[0]?.namespace).not.toBe('shop');
    expect(chosen.find((d) => d.id === 'same-node-pod')?.request.to).toBe(key(onNode[0]!));

    // the Service: the first pod-backed one of another namespace that does not lead back to the pod
    const service = chosen.find((d) => d.id === 'service')!;
    const [ns, name] = service.request.to.slice('svc:'.length).split('/') as [string, string];
    expect(ns).not.toBe('shop');
    expect(own.endpointSlicesOfService(ns, name).length).toBeGreaterThan(0);
    // its EndpointSlices gone, it has no backend: the next Service is chosen
    for (const slice of own.endpointSlicesOfService(ns, name)) own.remove('endpointSlice', `${slice.namespace}/${slice.name}`);
    const next = overviewDestinations(own, subject).find((d) => d.id === 'service');
    expect(next?.request.to).not.toBe(service.request.to);
  });
});
