/**
 * What the diagram panel shows, computed from the store: the pod's overview (which also gives the
 * destination choices) or one of its paths, and the objects whose changes make it stale. No editor
 * code: the panel only adapts it.
 */
import { overviewGraph, type TraceFunction } from '../../core/analysis/diagram/overviewGraph';
import { pathGraph } from '../../core/analysis/diagram/pathGraph';
import type { ClusterStore, StoreChange, StoreKind } from '../../core/store/clusterStore';
import type { DestinationChoice, DiagramGraph } from '../../shared/protocol';

export const ALL_PATHS = 'all';

export interface DiagramState {
  graph: DiagramGraph;
  title: string;
  choices: DestinationChoice[];
  /** `all` or the id of one path of the overview. */
  selected: string;
  notice?: string;
  /** `kind:key` of the objects the diagram shows, and the pod's node: a change to them redraws it. */
  watch: { keys: Set<string>; node?: string };
}

/**
 * Builds the overview of `podKey`, or the path `selected` of it. `trace` traces with the policy
 * engine plugged in (the extension's runtime). An error when the pod is not in the store.
 */
export function buildDiagramState(store: ClusterStore, podKey: string, selected: string, trace: TraceFunction): DiagramState | { error: string } {
  const pod = store.get('pod', podKey);
  if (!pod) return { error: `pod ${podKey} is not in the store (deleted, or not loaded yet)` };
  const overview = overviewGraph(store, podKey, trace);
  if ('message' in overview) return { error: overview.message };
  const choices = overview.paths.map((p) => ({ id: p.id, label: p.label, verdict: p.verdict }));
  const watch = { keys: watchKeys(overview, podKey), ...(pod.nodeName ? { node: pod.nodeName } : {}) };
  const path = overview.paths.find((p) => p.id === selected);
  if (selected === ALL_PATHS || !path) {
    return {
      graph: overview,
      title: `Paths of ${podKey}`,
      choices,
      selected: ALL_PATHS,
      watch,
      ...(selected !== ALL_PATHS ? { notice: `The path "${selected}" is no longer one of ${podKey}'s: showing all paths.` } : {}),
    };
  }
  const result = trace({ ...path.request });
  if (!result.ok) return { graph: overview, title: `Paths of ${podKey}`, choices, selected: ALL_PATHS, watch, notice: `${path.label}: ${result.error.message}` };
  const graph = pathGraph(result.trace, { store, path: { id: path.id, label: path.label, category: path.category } });
  for (const k of watchKeys(graph, podKey)) watch.keys.add(k);
  return { graph, title: `${path.label} — ${result.trace.verdict.toUpperCase()}`, choices, selected, watch };
}

function watchKeys(graph: DiagramGraph, podKey: string): Set<string> {
  const keys = new Set<string>([`pod:${podKey}`, `ciliumEndpoint:${podKey}`]);
  for (const n of graph.nodes) for (const r of n.refs) keys.add(`${r.kind}:${r.key}`);
  return keys;
}

/** Kinds whose change can move any path (settings, routes, policies): always redraw. */
const ALWAYS: ReadonlySet<StoreKind> = new Set(['networkPolicy', 'routeTable', 'natGateway', 'subnet', 'vpc', 'configMap', 'daemonSet', 'service', 'endpointSlice']);

/** Whether a store change touches the diagram: its pod, its node (and the node's pods and ENIs), an object it shows. */
export function changeTouchesDiagram(change: StoreChange, watch: DiagramState['watch'], store: ClusterStore): boolean {
  if (ALWAYS.has(change.kind)) return true;
  if (watch.keys.has(`${change.kind}:${change.key}`)) return true;
  if (watch.node === undefined) return false;
  if (change.kind === 'node') return change.key === watch.node;
  if (change.kind === 'pod') return change.type === 'deleted' || store.get('pod', change.key)?.nodeName === watch.node;
  if (change.kind === 'eni') return change.type === 'deleted' || store.get('eni', change.key)?.nodeName === watch.node;
  if (change.kind === 'ciliumEndpoint') return watch.keys.has(`pod:${change.key}`);
  return false;
}
