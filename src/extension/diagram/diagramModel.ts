/**
 * What the diagram panel shows, computed from the store: the pod's overview (which also gives the
 * destination choices) or one of its paths, and the objects whose changes make it stale. No editor
 * code: the panel only adapts it.
 */
import type { TraceRequest } from '../../core/analysis/datapath/traceDatapath';
import { overviewDestinations, type OverviewDestination } from '../../core/analysis/diagram/overviewDestinations';
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
 * engine plugged in (the extension's runtime); `traced` are the paths of trace commands run on the
 * pod, added to its representative ones. An error when the pod is not in the store.
 */
export function buildDiagramState(store: ClusterStore, podKey: string, selected: string, trace: TraceFunction, traced: readonly OverviewDestination[] = []): DiagramState | { error: string } {
  const pod = store.get('pod', podKey);
  if (!pod) return { error: `pod ${podKey} is not in the store (deleted, or not loaded yet)` };
  const overview = overviewGraph(store, podKey, trace, traced.length > 0 ? [...overviewDestinations(store, pod), ...traced] : undefined);
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

const sameRequest = (a: TraceRequest, b: TraceRequest): boolean => a.from === b.from && a.to === b.to && a.port === b.port && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP') && a.backend === b.backend;

/** The pod a trace is drawn for: its source when that is a pod, else its destination pod. */
export function diagramPodOfTrace(request: TraceRequest): string | undefined {
  const isPod = (end: string) => /^[a-z0-9][-a-z0-9.]*\/[a-z0-9][-a-z0-9.]*$/i.test(end);
  return isPod(request.from) ? request.from : isPod(request.to) ? request.to : undefined;
}

/** `Service payments/api TCP/443`, `1.1.1.1 UDP/53`, `from world → shop/web TCP/8080`. */
export function tracedPathLabel(podKey: string, request: TraceRequest): string {
  const end = (e: string) => (e.startsWith('svc:') ? `Service ${e.slice(4)}` : e.startsWith('ip:') ? e.slice(3) : e === 'world' ? 'internet clients' : e);
  const port = request.port !== undefined ? ` ${request.protocol ?? 'TCP'}/${request.port}` : '';
  return `trace: ${request.from === podKey ? end(request.to) : `${end(request.from)} → ${end(request.to)}`}${port}`;
}

/**
 * The path of the pod's diagram that a trace request is: one of its representative paths when the
 * request is the same, else a new path (`added`) with an id that `traced` does not use yet.
 */
export function pathOfTrace(store: ClusterStore, podKey: string, request: TraceRequest, traced: readonly OverviewDestination[]): { id: string; added?: OverviewDestination } | { error: string } {
  const pod = store.get('pod', podKey);
  if (!pod) return { error: `pod ${podKey} is not in the store` };
  const known = [...overviewDestinations(store, pod), ...traced].find((d) => sameRequest(d.request, request));
  if (known) return { id: known.id };
  let n = traced.length + 1;
  while (traced.some((d) => d.id === `trace-${n}`)) n++;
  const added: OverviewDestination = { id: `trace-${n}`, category: 'custom', label: tracedPathLabel(podKey, request), request: { ...request } };
  return { id: added.id, added };
}
