/** The diagrams of the demo snapshot the browser tests draw: a pod's overview and cart → payments/api. */
import { join } from 'node:path';
import { traceDatapath } from '../../../src/core/analysis/datapath/traceDatapath';
import { flowOverlay, tracesOfPaths, type DiagramFlowOverlay } from '../../../src/core/analysis/diagram/flowOverlay';
import { pathGraph } from '../../../src/core/analysis/diagram/pathGraph';
import { podOverviewGraph } from '../../../src/core/analysis/diagram/podOverviewGraph';
import { choosePolicyEngine } from '../../../src/core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../../src/core/analysis/policy/policyEngine';
import { fileRuleLocator } from '../../../src/core/analysis/policy/ruleLocator';
import { engineResolver } from '../../../src/core/analysis/traceObservation';
import { tracePolicyEvaluator } from '../../../src/core/analysis/tracePolicyEvaluator';
import { decodeHubbleLines } from '../../../src/core/hubble/hubbleJson';
import { loadSnapshotStore } from '../../../src/core/sources/snapshotStore';
import type { DestinationChoice, DiagramGraph, InitMessage, ThemeKind } from '../../../src/shared/protocol';

export const DEMO = join(__dirname, '..', '..', '..', 'demo', 'snapshot');
/** On ip-10-0-35-117 with cart; an internet-facing NLB targets it. */
export const OVERVIEW_POD = 'shop/frontend-5bbc558bcd-2vxgb';

export interface DemoDiagrams {
  overview: DiagramGraph;
  path: DiagramGraph;
  choices: DestinationChoice[];
}

export async function demoDiagrams(): Promise<DemoDiagrams> {
  const { store } = await loadSnapshotStore(DEMO);
  const engine = new PolicyEngine(store, { engine: choosePolicyEngine(store).engine });
  try {
    const policyEvaluator = tracePolicyEvaluator(engine);
    const overview = podOverviewGraph(store, OVERVIEW_POD, { policyEvaluator });
    if ('message' in overview) throw new Error(overview.message);
    const trace = traceDatapath(store, { from: 'shop/cart-78d4d6b5d-n4pww', to: 'svc:payments/api' }, { policyEvaluator });
    if (!trace.ok) throw new Error(trace.error.message);
    return { overview, path: pathGraph(trace.trace, { store }), choices: overview.paths.map((p) => ({ id: p.id, label: p.label, verdict: p.verdict })) };
  } finally {
    engine.dispose();
  }
}

export function initMessage(graph: DiagramGraph, choices: DestinationChoice[], theme: ThemeKind, selected = 'all'): InitMessage {
  return { type: 'init', graph, theme, title: graph.title, choices, selected };
}

/** The overview of `podKey` (or its path to `to`) with the demo snapshot's Hubble flows on it. */
export async function demoFlowOverlays(podKey: string, to?: string): Promise<{ overview: DiagramGraph; overlay: DiagramFlowOverlay; choices: DestinationChoice[] }> {
  const { store, raw } = await loadSnapshotStore(DEMO);
  const engine = new PolicyEngine(store, { engine: choosePolicyEngine(store).engine, ruleLocator: fileRuleLocator(raw.root) });
  try {
    const policyEvaluator = tracePolicyEvaluator(engine);
    let overview = podOverviewGraph(store, podKey, { policyEvaluator });
    if (to !== undefined) {
      const traced = traceDatapath(store, { from: podKey, to }, { policyEvaluator });
      if (!traced.ok) throw new Error(traced.error.message);
      overview = pathGraph(traced.trace, { store });
    }
    if ('message' in overview) throw new Error(overview.message);
    const traces = tracesOfPaths(overview, (r) => traceDatapath(store, r, { policyEvaluator }));
    const { records } = decodeHubbleLines(raw.hubble);
    const overlay = flowOverlay({ graph: overview, traces, records, from: 'snapshot hubble/*.jsonl', resolverFor: (t) => engineResolver(engine, t), podNode: (k) => store.get('pod', k)?.nodeName });
    return { overview, overlay, choices: overview.paths.map((p) => ({ id: p.id, label: p.label, verdict: p.verdict })) };
  } finally {
    engine.dispose();
  }
}
