/**
 * Predicted next to observed on the demo snapshot: traces built by the datapath and the policy
 * engine, flows written as `hubble observe -o json` prints them (one GetFlowsResponse per line),
 * decoded by the project's decoder. The rule lines were read off demo/snapshot/kubernetes/networkpolicies.yaml.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatapathTrace } from '../../src/core/analysis/datapath/datapathTypes';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { choosePolicyEngine } from '../../src/core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { fileRuleLocator } from '../../src/core/analysis/policy/ruleLocator';
import { engineResolver, observeTrace } from '../../src/core/analysis/traceObservation';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import type { FlowRecord } from '../../src/core/hubble/flowTypes';
import { decodeHubbleJsonLine } from '../../src/core/hubble/hubbleJson';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const NODE_CART = 'ip-10-0-35-117.us-west-2.compute.internal';
const NODE_API = 'ip-10-0-57-14.us-west-2.compute.internal';

const CART = { ns: 'shop', pod: 'cart-78d4d6b5d-n4pww', ip: '100.64.95.78', identity: 16881, labels: ['k8s:app=cart', 'k8s:io.kubernetes.pod.namespace=shop'] };
const CHECKOUT = { ns: 'shop', pod: 'checkout-5d746469b-c6bd5', ip: '100.64.54.231', identity: 5221, labels: ['k8s:app=checkout', 'k8s:io.kubernetes.pod.namespace=shop'] };
const API = { ns: 'payments', pod: 'api-f959c8b7-z9s4b', ip: '100.64.173.221', identity: 26064, labels: ['k8s:app=api', 'k8s:io.kubernetes.pod.namespace=payments'] };
type Pod = typeof CART;

let store: ClusterStore;
let engine: PolicyEngine;

beforeAll(async () => {
  const loaded = await loadSnapshotStore(DEMO);
  store = loaded.store;
  engine = new PolicyEngine(store, { engine: choosePolicyEngine(store).engine, ruleLocator: fileRuleLocator(loaded.raw.root) });
});
afterAll(() => engine.dispose());

function trace(from: Pod, to: Pod, port: number): DatapathTrace {
  const r = traceDatapath(store, { from: `${from.ns}/${from.pod}`, to: `${to.ns}/${to.pod}`, port }, { policyEvaluator: tracePolicyEvaluator(engine) });
  if (!r.ok) throw new Error(r.error.message);
  return r.trace;
}

/** One line as `hubble observe -o json` prints it. */
function line(opts: {
  time: string;
  from: Pod;
  to: Pod;
  port: number;
  node: string;
  verdict: 'FORWARDED' | 'DROPPED';
  direction: 'INGRESS' | 'EGRESS';
  event: { type: number; sub_type?: number };
  point?: string;
  drop?: [number, string];
  policies?: Partial<Record<'ingress_allowed_by' | 'egress_allowed_by' | 'ingress_denied_by' | 'egress_denied_by', Array<{ name: string; namespace: string; kind: string }>>>;
}): string {
  const ep = (p: Pod) => ({ identity: p.identity, cluster_name: 'default', namespace: p.ns, labels: p.labels, pod_name: p.pod });
  const policy = (list: Array<{ name: string; namespace: string; kind: string }>) =>
    list.map((p) => ({ name: p.name, namespace: p.namespace, labels: [`k8s:io.cilium.k8s.policy.derived-from=${p.kind}`, `k8s:io.cilium.k8s.policy.name=${p.name}`, `k8s:io.cilium.k8s.policy.namespace=${p.namespace}`], revision: '12' }));
  const flow: Record<string, unknown> = {
    time: opts.time,
    uuid: `uuid-${opts.time}-${opts.event.type}`,
    verdict: opts.verdict,
    ...(opts.drop ? { drop_reason: opts.drop[0] } : {}),
    IP: { source: opts.from.ip, destination: opts.to.ip, ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 39460, destination_port: opts.port, flags: { SYN: true } } },
    source: ep(opts.from),
    destination: ep(opts.to),
    Type: 'L3_L4',
    node_name: opts.node,
    event_type: opts.event,
    traffic_direction: opts.direction,
    ...(opts.point ? { trace_observation_point: opts.point } : {}),
    ...(opts.drop ? { drop_reason_desc: opts.drop[1] } : { is_reply: false }),
    Summary: 'TCP Flags: SYN',
  };
  for (const [key, list] of Object.entries(opts.policies ?? {})) flow[key] = policy(list);
  return JSON.stringify({ flow, node_name: opts.node, time: opts.time });
}

function decode(lines: string[]): FlowRecord[] {
  return lines.map((l) => {
    const r = decodeHubbleJsonLine(l);
    if (!r.ok) throw new Error(r.message);
    return { flow: r.flow, nodeName: r.nodeName, time: r.time };
  });
}

describe('observed flows next to a trace', () => {
  it('the demo drop cart → api:8443: predicted deny and observed POLICY_DENIED on the same hop, cil_to_container of the destination', () => {
    const t = trace(CART, API, 8443);
    expect(t.verdict).toBe('deny');
    const flows = decode([
      line({ time: '2026-11-20T09:13:14.290000000Z', from: CART, to: API, port: 8443, node: NODE_CART, verdict: 'FORWARDED', direction: 'EGRESS', event: { type: 4, sub_type: 3 }, point: 'TO_STACK' }),
      line({ time: '2026-11-20T09:13:14.300318440Z', from: CART, to: API, port: 8443, node: NODE_API, verdict: 'DROPPED', direction: 'INGRESS', event: { type: 5 } }),
      line({ time: '2026-11-20T09:13:14.300324902Z', from: CART, to: API, port: 8443, node: NODE_API, verdict: 'DROPPED', direction: 'INGRESS', event: { type: 1, sub_type: 133 }, drop: [133, 'POLICY_DENIED'] }),
      // another port and the reverse direction are not this traffic
      line({ time: '2026-11-20T09:13:14.310000000Z', from: CART, to: API, port: 9090, node: NODE_API, verdict: 'DROPPED', direction: 'INGRESS', event: { type: 1, sub_type: 133 }, drop: [133, 'POLICY_DENIED'] }),
      line({ time: '2026-11-20T09:13:14.320000000Z', from: API, to: CART, port: 8443, node: NODE_API, verdict: 'FORWARDED', direction: 'EGRESS', event: { type: 4, sub_type: 3 }, point: 'TO_STACK' }),
    ]);
    const o = observeTrace(t, flows, { resolvePolicy: engineResolver(engine, t) });
    expect(o.matched).toBe(3);
    expect(o.dropped).toBe(2);
    expect(o.forwarded).toBe(1);
    expect(o.verdict).toBe('deny');
    expect(o.mismatch).toBeNull();
    const ingressHop = t.hops.findIndex((h) => h.kind === 'cilium-ingress');
    expect(ingressHop).toBeGreaterThan(0);
    expect(o.predictedHop).toBe(ingressHop);
    expect(o.sameHop).toBe(true);
    const policyDrop = o.drops.find((d) => d.reason === 'POLICY_DENIED')!;
    // the policy-verdict event and the drop event of the same packet, both at the ingress hook
    expect(o.drops.length).toBe(1);
    expect(policyDrop).toMatchObject({ hop: ingressHop, hopKind: 'cilium-ingress', direction: 'ingress', node: NODE_API, count: 2 });
    expect(policyDrop.explanation).toContain('cil_to_container, ingress policy of payments/api-f959c8b7-z9s4b');
    // POLICY_DENIED names no policy: the isolating policies of the prediction, with their lines
    expect(policyDrop.policies.map((p) => `${p.namespace}/${p.name} ${p.rules[0]?.rule} :${p.rules[0]?.line}`)).toEqual([
      'payments/allow-checkout-to-api spec.podSelector :24',
      'payments/default-deny-ingress spec.podSelector :39',
    ]);
    // the flow of the other port did not count; the egress side's forward is listed on the egress hop
    expect(o.flows.find((f) => f.event === 'to-stack')?.hop).toBe(t.hops.findIndex((h) => h.kind === 'cilium-egress'));
    expect(o.summary).toContain('on the hop the trace predicts');
  });

  it('predicted deny, observed delivery: flagged, and the policy Hubble names as allowing is resolved against the engine', () => {
    const t = trace(CART, API, 8443);
    const flows = decode([
      line({ time: '2026-11-20T10:00:00Z', from: CART, to: API, port: 8443, node: NODE_API, verdict: 'DROPPED', direction: 'INGRESS', event: { type: 1, sub_type: 133 }, drop: [133, 'POLICY_DENIED'] }),
      line({ time: '2026-11-20T10:05:00Z', from: CART, to: API, port: 8443, node: NODE_API, verdict: 'FORWARDED', direction: 'INGRESS', event: { type: 5 }, policies: { ingress_allowed_by: [{ name: 'allow-checkout-to-api', namespace: 'payments', kind: 'NetworkPolicy' }] } }),
      line({ time: '2026-11-20T10:05:00.000100Z', from: CART, to: API, port: 8443, node: NODE_API, verdict: 'FORWARDED', direction: 'INGRESS', event: { type: 4 }, point: 'TO_ENDPOINT' }),
    ]);
    const o = observeTrace(t, flows, { resolvePolicy: engineResolver(engine, t) });
    expect(o.verdict).toBe('allow');
    expect(o.mixed).toBe(true);
    expect(o.mismatch).toMatchObject({ predicted: 'deny', observed: 'allow' });
    expect(o.mismatch!.explanation).toContain('allowed by NetworkPolicy payments/allow-checkout-to-api');
    const allowed = o.allowedBy[0]!;
    expect(allowed).toMatchObject({ direction: 'ingress', effect: 'allowed', kind: 'NetworkPolicy', name: 'allow-checkout-to-api', rules: [] });
    // the engine knows the policy selects api, and that none of its rules lets cart in
    expect(allowed.note).toMatch(/selects the endpoint for ingress \(kubernetes\/networkpolicies\.yaml:\d+\), but the policy engine finds no rule of it that allows/);
  });

  it('predicted allow, observed explicit deny: flagged with the drop on the ingress hop and the denying policy named', () => {
    const t = trace(CHECKOUT, API, 8443);
    expect(t.verdict).toBe('allow');
    const flows = decode([
      line({ time: '2026-11-20T11:00:00Z', from: CHECKOUT, to: API, port: 8443, node: NODE_API, verdict: 'DROPPED', direction: 'INGRESS', event: { type: 1, sub_type: 181 }, drop: [181, 'POLICY_DENY'], policies: { ingress_denied_by: [{ name: 'freeze-payments', namespace: 'payments', kind: 'CiliumNetworkPolicy' }] } }),
    ]);
    const o = observeTrace(t, flows, { resolvePolicy: engineResolver(engine, t) });
    expect(o.verdict).toBe('deny');
    expect(o.mismatch).toMatchObject({ predicted: 'allow', observed: 'deny' });
    expect(o.mismatch!.explanation).toContain('explicit deny rule (ingressDeny)');
    expect(o.mismatch!.explanation).toContain('Hubble names CiliumNetworkPolicy payments/freeze-payments');
    expect(o.drops[0]!.hop).toBe(t.hops.findIndex((h) => h.kind === 'cilium-ingress'));
    expect(o.drops[0]!.policies[0]).toMatchObject({ name: 'freeze-payments', effect: 'denied', rules: [] });
    expect(o.drops[0]!.policies[0]!.note).toContain('not among the policies CNI Lens read');
  });

  it('an allowed flow resolves allowed_by to the exact rule with its line', () => {
    const t = trace(CHECKOUT, API, 8443);
    const flows = decode([
      line({ time: '2026-11-20T12:00:00Z', from: CHECKOUT, to: API, port: 8443, node: NODE_API, verdict: 'FORWARDED', direction: 'INGRESS', event: { type: 5 }, policies: { ingress_allowed_by: [{ name: 'allow-checkout-to-api', namespace: 'payments', kind: 'NetworkPolicy' }] } }),
    ]);
    const o = observeTrace(t, flows, { resolvePolicy: engineResolver(engine, t) });
    expect(o.verdict).toBe('allow');
    expect(o.mismatch).toBeNull();
    expect(o.allowedBy[0]!.rules).toEqual([{ kind: 'NetworkPolicy', namespace: 'payments', name: 'allow-checkout-to-api', rule: 'spec.ingress[0].from[0]', file: 'kubernetes/networkpolicies.yaml', line: 15 }]);
  });

  it('no flows, or only flows of other traffic: no verdict and no mismatch', () => {
    const t = trace(CART, API, 8443);
    expect(observeTrace(t, []).summary).toBe('no flows to compare with');
    const other = decode([line({ time: '2026-11-20T12:00:00Z', from: CHECKOUT, to: API, port: 8443, node: NODE_API, verdict: 'FORWARDED', direction: 'INGRESS', event: { type: 4 }, point: 'TO_ENDPOINT' })]);
    const o = observeTrace(t, other);
    expect(o).toMatchObject({ matched: 0, verdict: 'none', mismatch: null });
    expect(o.summary).toContain('none of 1 flows is this traffic (100.64.95.78 → 100.64.173.221:8443 TCP)');
  });
});
