/**
 * The Hubble flow overlay of the path diagram on the demo snapshot: the overviews of two demo pods
 * built by the datapath with the policy engine, the flows of demo/snapshot/hubble/flows.jsonl
 * decoded by the project's decoder. The expected counts are computed here from the raw JSON lines,
 * independently of the decoder and of the overlay's placement.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { flowOverlay, tracesOfPaths, windowOf, type DiagramFlowOverlay } from '../../src/core/analysis/diagram/flowOverlay';
import { flowBadgeText, flowLegendText } from '../../src/core/analysis/diagram/flowOverlayText';
import type { DiagramGraph } from '../../src/core/analysis/diagram/diagramTypes';
import { pathGraph } from '../../src/core/analysis/diagram/pathGraph';
import { podOverviewGraph } from '../../src/core/analysis/diagram/podOverviewGraph';
import { choosePolicyEngine } from '../../src/core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { fileRuleLocator } from '../../src/core/analysis/policy/ruleLocator';
import { engineResolver } from '../../src/core/analysis/traceObservation';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import type { FlowRecord } from '../../src/core/hubble/flowTypes';
import { decodeHubbleLines } from '../../src/core/hubble/hubbleJson';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { FlowOverlayMessage, InitMessage, ToggleFlowsMessage, UpdateMessage } from '../../src/shared/protocol';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const CART = 'shop/cart-78d4d6b5d-n4pww';
const CART_IP = '100.64.95.78';
const FRONTEND = 'shop/frontend-5bbc558bcd-2vxgb';

interface RawFlow {
  verdict?: string;
  is_reply?: boolean;
  IP?: { source?: string; destination?: string };
  l4?: { TCP?: { destination_port?: number } };
  source?: { namespace?: string; pod_name?: string; labels?: string[] };
  destination?: { namespace?: string; pod_name?: string; labels?: string[] };
}
/** The demo's flows straight from the JSON lines. */
const RAW: RawFlow[] = readFileSync(resolve(DEMO, 'hubble/flows.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { flow: RawFlow }).flow);
const pod = (ep: RawFlow['source']) => (ep?.pod_name ? `${ep.namespace}/${ep.pod_name}` : undefined);

let store: ClusterStore;
let engine: PolicyEngine;
let records: FlowRecord[];

beforeAll(async () => {
  const loaded = await loadSnapshotStore(DEMO);
  store = loaded.store;
  engine = new PolicyEngine(store, { engine: choosePolicyEngine(store).engine, ruleLocator: fileRuleLocator(loaded.raw.root) });
  records = decodeHubbleLines(loaded.raw.hubble).records;
});
afterAll(() => engine.dispose());

function overlayOf(podKey: string): { graph: DiagramGraph; overlay: DiagramFlowOverlay } {
  const policyEvaluator = tracePolicyEvaluator(engine);
  const graph = podOverviewGraph(store, podKey, { policyEvaluator });
  if ('message' in graph) throw new Error(graph.message);
  const traces = tracesOfPaths(graph, (r) => traceDatapath(store, r, { policyEvaluator }));
  const overlay = flowOverlay({ graph, traces, records, from: 'snapshot hubble/*.jsonl', resolverFor: (t) => engineResolver(engine, t), podNode: (k) => store.get('pod', k)?.nodeName });
  return { graph, overlay };
}

describe('the overview of shop/cart with the demo flows', () => {
  let graph: DiagramGraph;
  let overlay: DiagramFlowOverlay;
  beforeAll(() => ({ graph, overlay } = overlayOf(CART)));

  // cart → a payments/api pod, the request direction: what the Service path stands for
  const toApi = () => RAW.filter((f) => f.IP?.source === CART_IP && f.destination?.namespace === 'payments' && f.destination.labels?.includes('k8s:app=api') && f.is_reply !== true);

  it('puts the demo drop on the edge into the API pod\'s cil_to_container of the Service path, with its reason and the isolating policy rule', () => {
    const expectedDrops = toApi().filter((f) => f.verdict === 'DROPPED').length;
    expect(expectedDrops).toBeGreaterThan(0);
    const dropEdges = overlay.edges.filter((e) => e.dropped > 0);
    expect(dropEdges).toHaveLength(1);
    const edge = dropEdges[0]!;
    const into = graph.nodes.find((n) => n.id === graph.edges.find((e) => e.id === edge.edge)?.to);
    expect(into?.title).toBe('cil_to_container');
    expect(into?.paths).toEqual(['service']);
    expect(edge.dropped).toBe(expectedDrops);
    expect(edge.ingress.dropped).toBe(expectedDrops);
    expect(edge.badge).toBe(true);
    const drop = edge.drops[0]!;
    expect(drop.reason).toBe('POLICY_DENIED');
    expect(drop.direction).toBe('ingress');
    // the demo's drop is at a backend other than the one the Service path draws: named, and its policy decided for it
    expect(drop.destination).toBe('payments/api-f959c8b7-z9s4b');
    expect(drop.node).toBe('ip-10-0-57-14.us-west-2.compute.internal');
    expect(drop.rules.map((r) => r.text)).toContain('NetworkPolicy payments/default-deny-ingress spec.podSelector');
    expect(drop.rules.find((r) => r.text.includes('default-deny-ingress'))?.location).toBe('kubernetes/networkpolicies.yaml:39');
    // the box holds the same drops; no other box has any
    const box = overlay.nodes.find((n) => n.node === into?.id);
    expect(box?.dropped).toBe(expectedDrops);
    expect(overlay.nodes.filter((n) => n.dropped > 0).map((n) => n.node)).toEqual([into?.id]);
  });

  it('counts the forwarded requests on the Service path up to the box where they were dropped, not after it', () => {
    const forwarded = toApi().filter((f) => f.verdict === 'FORWARDED').length;
    expect(forwarded).toBeGreaterThan(0);
    const serviceEdges = graph.edges.filter((e) => e.paths.includes('service'));
    const last = serviceEdges.find((e) => e.status === 'drop');
    expect(last).toBeDefined();
    for (const e of serviceEdges) {
      const c = overlay.edges.find((x) => x.edge === e.id);
      if (e === last) expect(c, 'no flow gets past the ingress policy').toBeUndefined();
      else expect(c?.forwarded, e.id).toBe(forwarded);
    }
    expect(overlay.paths.find((p) => p.path === 'service')).toMatchObject({ forwarded, dropped: toApi().filter((f) => f.verdict === 'DROPPED').length });
  });

  it('draws a badge where the counts change, not on every edge of a run', () => {
    const badges = overlay.edges.filter((e) => e.badge);
    expect(badges.length).toBeLessThan(overlay.edges.length);
    expect(badges.map((b) => flowBadgeText(b))).toContain(`✓ ${toApi().filter((f) => f.verdict === 'FORWARDED').length}  ✗ ${toApi().filter((f) => f.verdict === 'DROPPED').length}`);
  });

  it('says which flows it could not place, and why', () => {
    const notOurs = RAW.filter((f) => ![f.IP?.source, f.IP?.destination].includes(CART_IP) && pod(f.source) !== CART && pod(f.destination) !== CART).length;
    expect(overlay.unplaced.find((u) => u.reason === 'not from or to the pod of the diagram')?.count).toBe(notOurs);
    expect(overlay.total).toBe(RAW.length);
    const unplaced = overlay.unplaced.reduce((s, u) => s + u.count, 0);
    expect(overlay.placed + unplaced).toBe(overlay.total);
  });
});

describe('the overview of shop/frontend with the demo flows', () => {
  it('counts frontend → cart on the same node to the end of that path, and the NLB clients on theirs', () => {
    const { graph, overlay } = overlayOf(FRONTEND);
    const frontendIp = store.get('pod', FRONTEND)?.ip;
    const toCart = RAW.filter((f) => pod(f.source) === FRONTEND && pod(f.destination) === CART && f.l4?.TCP?.destination_port === 7070 && f.is_reply !== true && f.verdict === 'FORWARDED');
    const delivered = toCart.filter((f) => (f as { trace_observation_point?: string; traffic_direction?: string }).traffic_direction === 'INGRESS').length;
    expect(toCart.length).toBeGreaterThan(delivered);
    const lastEdge = graph.edges.find((e) => e.paths.includes('same-node-pod') && graph.nodes.find((n) => n.id === e.to && n.lane === 'pod')?.refs.some((r) => r.kind === 'pod' && r.key === CART));
    expect(overlay.edges.find((e) => e.edge === lastEdge?.id)?.forwarded, 'the last edge: the flows seen at the destination').toBe(delivered);
    const fromWorld = RAW.filter((f) => f.IP?.destination === frontendIp && !f.source?.pod_name && f.is_reply !== true && f.verdict === 'FORWARDED').length;
    expect(fromWorld).toBeGreaterThan(0);
    expect(overlay.paths.find((p) => p.path === 'load-balancer')?.forwarded).toBe(fromWorld);
    expect(overlay.edges.some((e) => e.dropped > 0)).toBe(false);
  });
});

describe('the single path shop/cart → Service payments/api with the demo flows', () => {
  it('puts the drop on the edge into cil_to_container and counts nothing past it', () => {
    const policyEvaluator = tracePolicyEvaluator(engine);
    const traced = traceDatapath(store, { from: CART, to: 'svc:payments/api', port: 443 }, { policyEvaluator });
    if (!traced.ok) throw new Error(traced.error.message);
    const graph = pathGraph(traced.trace, { store });
    const overlay = flowOverlay({ graph, traces: tracesOfPaths(graph, (r) => traceDatapath(store, r, { policyEvaluator })), records, from: 'snapshot', resolverFor: (t) => engineResolver(engine, t), podNode: (k) => store.get('pod', k)?.nodeName });
    const dropped = RAW.filter((f) => f.IP?.source === CART_IP && f.destination?.namespace === 'payments' && f.is_reply !== true && f.verdict === 'DROPPED').length;
    const dropEdges = overlay.edges.filter((e) => e.dropped > 0);
    expect(dropEdges.map((e) => e.dropped)).toEqual([dropped]);
    const edge = graph.edges.find((e) => e.id === dropEdges[0]!.edge)!;
    expect(graph.nodes.find((n) => n.id === edge.to)?.title).toBe('cil_to_container');
    // the predicted drop edge after it (into the API pod) carries no flow
    const predicted = graph.edges.find((e) => e.status === 'drop')!;
    expect(predicted.from).toBe(edge.to);
    expect(overlay.edges.find((e) => e.edge === predicted.id)).toBeUndefined();
  });
});

describe('window and texts', () => {
  it('keeps the flows of the last 5 minutes of flow time, back from the newest', () => {
    const at = (time: string): FlowRecord => ({ time, nodeName: 'n', flow: { time } });
    const w = windowOf([at('2026-11-20T09:00:00Z'), at('2026-11-20T09:04:59.5Z'), at('2026-11-20T09:09:59Z'), at('not a time')]);
    expect(w.asOf).toBe('2026-11-20T09:09:59Z');
    expect(w.records.map((r) => r.time)).toEqual(['2026-11-20T09:04:59.5Z', '2026-11-20T09:09:59Z']);
    expect(windowOf([]).records).toEqual([]);
  });

  it('writes the badge and the legend line', () => {
    expect(flowBadgeText({ forwarded: 124, dropped: 3 })).toBe('✓ 124  ✗ 3');
    expect(flowBadgeText({ forwarded: 0, dropped: 3 })).toBe('✗ 3');
    expect(flowLegendText({ windowSeconds: 300, asOf: '2026-11-20T09:14:22.250407992Z', total: 72, placed: 7 })).toBe('Hubble flows in the last 5 min, as of 09:14:22 UTC: ✓ forwarded  ✗ dropped (7 of 72 on the diagram)');
  });
});

describe('protocol', () => {
  it('carries the overlay and the toggle, and refuses malformed ones', () => {
    const { graph, overlay } = overlayOf(CART);
    // through JSON, as postMessage carries it
    const sent = JSON.parse(JSON.stringify({ type: 'flowOverlay', graphTitle: graph.title, overlay })) as unknown;
    expect(FlowOverlayMessage.is(sent)).toBe(true);
    expect(FlowOverlayMessage.is({ type: 'flowOverlay', graphTitle: graph.title, overlay: { ...overlay, edges: [{ ...overlay.edges[0], dropped: -1 }] } })).toBe(false);
    expect(FlowOverlayMessage.is({ type: 'flowOverlay', graphTitle: graph.title, overlay: { ...overlay, edges: [{ ...overlay.edges[0], drops: [{ reason: 'X' }] }] } })).toBe(false);
    expect(FlowOverlayMessage.is({ type: 'flowOverlay', overlay })).toBe(false);
    const toggle = { available: false, on: false, detail: 'Hubble not installed: no hubble-relay Service' };
    expect(UpdateMessage.is({ type: 'update', flows: toggle })).toBe(true);
    expect(UpdateMessage.is({ type: 'update', flows: { ...toggle, on: 'yes' } })).toBe(false);
    expect(InitMessage.is({ type: 'init', graph, theme: 'dark', title: 't', choices: [], selected: 'all', flows: toggle })).toBe(true);
    expect(InitMessage.is({ type: 'init', graph, theme: 'dark', title: 't', choices: [], selected: 'all', flows: { detail: 'x' } })).toBe(false);
    expect(ToggleFlowsMessage.is({ type: 'toggleFlows', on: true })).toBe(true);
    expect(ToggleFlowsMessage.is({ type: 'toggleFlows', on: 1 })).toBe(false);
  });
});
