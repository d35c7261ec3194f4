/**
 * Hubble flows on the path diagram: per edge and per box, how many flows were forwarded and dropped
 * (by direction), the top drop reasons and the policy rules that decided them.
 *
 * - A flow belongs to a path of the graph: the path whose traced 5-tuple it is, else the path that
 *   stands for its kind of destination (a Service's other backend, another pod on the same or on
 *   another node, another port of the same VPC address, the internet, clients through the NLB).
 * - Where on the path it was seen is the trace observation's placement (`observeTrace`): its
 *   direction, observation point and drop reason give the hop, and so the box.
 * - A forwarded flow counts on the edges its packet covered: from the start of the path up to the
 *   next box where Hubble observes the path (the destination's `cil_to_container`), or to the end
 *   of the path when it was seen at the last such box. A dropped flow counts only on the edge into
 *   the box where it was dropped.
 * - Replies and flows of traffic the diagram has no path for are counted as not placed, with why.
 *
 * Pure and vscode-free: the extension's panel and the CLI feed it traces, flows and a resolver.
 */
import type { Flow, FlowRecord } from '../../hubble/flowTypes';
import { parseHubbleTime } from '../../hubble/hubbleTime';
import type { DatapathTrace, PolicyRuleRef } from '../datapath/datapathTypes';
import { matchesTrace, observeTrace, type ObservedDirection, type ObservedPolicy, type ObservedPolicyResolver } from '../traceObservation';
import type { DiagramGraph, DiagramRule } from './diagramTypes';

/** The window of flow time the overlay covers, back from the newest flow. */
export const FLOW_OVERLAY_WINDOW_SECONDS = 300;
/** The most flows the overlay reads. */
export const FLOW_OVERLAY_MAX_FLOWS = 2000;
/** Drop reasons kept per edge or box. */
const TOP_DROPS = 3;

export interface FlowCounts {
  forwarded: number;
  dropped: number;
  egress: { forwarded: number; dropped: number };
  ingress: { forwarded: number; dropped: number };
}

/** Drops of one reason at one box of one path. */
export interface OverlayDrop {
  path: string;
  reason: string;
  direction?: ObservedDirection;
  count: number;
  /** RFC 3339 time of the newest. */
  last: string;
  /** Where Hubble saw it (`ip-10-0-57-14…`). */
  node?: string;
  /** The pod or address the dropped traffic was for, when not the path's own destination. */
  destination?: string;
  /** One sentence: where and why. */
  explanation: string;
  /** The deciding policy rules, as the policy engine names them. */
  rules: DiagramRule[];
  /** Policies Hubble named (or the isolating ones) that no rule could be given for, with why. */
  notes: string[];
}

export interface EdgeFlows extends FlowCounts {
  edge: string;
  /** Whether the webview draws a badge on it: it has flows and says something the edge before it does not. */
  badge: boolean;
  drops: OverlayDrop[];
}

export interface NodeFlows extends FlowCounts {
  node: string;
  drops: OverlayDrop[];
}

export interface PathFlows {
  path: string;
  forwarded: number;
  dropped: number;
  /** Flows of exactly the traced 5-tuple (the rest are of the same kind of destination). */
  exact: number;
  /** The observation's line for the traced 5-tuple, when it has flows. */
  summary?: string;
}

export interface UnplacedFlows {
  /** `reply`, `no path for this traffic`, … */
  reason: string;
  count: number;
  /** One example: `shop/frontend → kube-system/coredns UDP/53`. */
  example: string;
}

export interface DiagramFlowOverlay {
  /** `snapshot hubble/*.jsonl`, `Hubble Relay`. */
  from: string;
  live: boolean;
  windowSeconds: number;
  /** RFC 3339 time of the newest flow read (the window ends there); empty when there is none. */
  asOf: string;
  /** Flows in the window, and how many of them are on the diagram. */
  total: number;
  placed: number;
  edges: EdgeFlows[];
  nodes: NodeFlows[];
  paths: PathFlows[];
  unplaced: UnplacedFlows[];
}

export interface FlowOverlayInput {
  graph: DiagramGraph;
  /** The trace behind each path of the graph, by path id (paths without one get no flows). */
  traces: ReadonlyMap<string, DatapathTrace>;
  records: readonly FlowRecord[];
  from: string;
  live?: boolean;
  /** The policy resolver for a trace (the engine's verdict for that traffic); none: policies are named, not resolved. */
  resolverFor?: (trace: DatapathTrace) => ObservedPolicyResolver;
  /** The node of a pod (`ns/name`), to tell a pod on the subject's node from one on another node. */
  podNode?: (podKey: string) => string | undefined;
}

/** The flows of the last `FLOW_OVERLAY_WINDOW_SECONDS` of flow time: those at most that old against the newest. */
export function windowOf(records: readonly FlowRecord[], seconds = FLOW_OVERLAY_WINDOW_SECONDS): { records: FlowRecord[]; asOf: string } {
  let newest: bigint | undefined;
  let asOf = '';
  const times = records.map((r) => parseHubbleTime(r.time));
  times.forEach((t, i) => {
    if (t !== undefined && (newest === undefined || t > newest)) {
      newest = t;
      asOf = (records[i] as FlowRecord).time;
    }
  });
  if (newest === undefined) return { records: [], asOf };
  const start: bigint = newest - BigInt(seconds) * 1_000_000_000n;
  return { records: records.filter((_, i) => (times[i] ?? -1n) >= start), asOf };
}

const zero = (): FlowCounts => ({ forwarded: 0, dropped: 0, egress: { forwarded: 0, dropped: 0 }, ingress: { forwarded: 0, dropped: 0 } });

function count(c: FlowCounts, verdict: 'forwarded' | 'dropped', direction: ObservedDirection | undefined, n = 1): void {
  c[verdict] += n;
  if (direction) c[direction][verdict] += n;
}

interface PathShape {
  trace: DatapathTrace;
  /** Box ids of the path in order. */
  nodes: string[];
  /** Edge ids of the path in order: `edges[i]` goes from `nodes[i]` to `nodes[i + 1]`. */
  edges: string[];
  /** Box of each hop of the trace (undefined when no box shows it). */
  hopNode: Array<string | undefined>;
  /** Positions in `nodes` of the boxes where Hubble observes the path (Cilium's hooks), in order. */
  observed: number[];
}

function shapeOf(graph: DiagramGraph, pathId: string, trace: DatapathTrace): PathShape | undefined {
  const edges = graph.edges.filter((e) => e.paths.includes(pathId));
  const outgoing = new Map(edges.map((e) => [e.from, e]));
  const targets = new Set(edges.map((e) => e.to));
  const onPath = graph.nodes.filter((n) => n.paths.includes(pathId));
  const start = onPath.find((n) => !targets.has(n.id)) ?? onPath[0];
  if (!start) return undefined;
  const nodes = [start.id];
  const edgeIds: string[] = [];
  for (let e = outgoing.get(start.id); e && !nodes.includes(e.to); e = outgoing.get(e.to)) {
    nodes.push(e.to);
    edgeIds.push(e.id);
  }
  const hopNode = trace.hops.map((hop) => onPath.find((n) => n.details.some((d) => d.kind === hop.kind && d.text === hop.text && d.paths.includes(pathId)))?.id);
  const observed = nodes.flatMap((id, i) => (graph.nodes.find((n) => n.id === id)?.details.some((d) => (d.kind === 'cilium-egress' || d.kind === 'cilium-ingress') && d.paths.includes(pathId)) ? [i] : []));
  return { trace, nodes, edges: edgeIds, hopNode, observed };
}

/** `ns/pod` of a flow endpoint, when it is a pod. */
function podOf(ep: Flow['source']): string | undefined {
  return ep?.pod_name && ep.namespace ? `${ep.namespace}/${ep.pod_name}` : undefined;
}

function isWorld(ep: Flow['destination'], ip: string | undefined, trace: DatapathTrace): boolean {
  if (ep?.labels?.some((l) => l === 'reserved:world' || l.startsWith('reserved:world-'))) return true;
  return ep?.identity === 2 || (ip !== undefined && ip === trace.destination.ip);
}

function portOf(flow: Flow): number | undefined {
  return (flow.l4?.TCP ?? flow.l4?.UDP ?? flow.l4?.SCTP)?.destination_port;
}

function protocolOf(flow: Flow): string | undefined {
  return flow.l4?.TCP ? 'TCP' : flow.l4?.UDP ? 'UDP' : flow.l4?.SCTP ? 'SCTP' : flow.l4?.ICMPv4 || flow.l4?.ICMPv6 ? 'ICMP' : undefined;
}

function sameEnd(end: DatapathTrace['source'], ep: Flow['source'], ip: string | undefined): boolean {
  if (ip && ip === end.ip) return true;
  const pod = podOf(ep);
  return Boolean(end.name && pod && end.name === pod);
}

/** `shop/frontend-… → kube-system/coredns-… UDP/53`. */
function describeFlow(flow: Flow): string {
  const end = (ep: Flow['source'], ip: string | undefined) => podOf(ep) ?? ip ?? '?';
  const port = portOf(flow);
  const protocol = protocolOf(flow);
  return `${end(flow.source, flow.IP?.source)} → ${end(flow.destination, flow.IP?.destination)}${protocol ? ` ${protocol}${port !== undefined ? `/${port}` : ''}` : ''}`;
}

/**
 * The path a flow belongs to, and the trace to observe it with: the path's own trace for its exact
 * 5-tuple, else the path's trace with the flow's real destination (or source, into the pod), so that
 * the observation names the real end and the policy engine decides for it.
 */
function placeFlow(flow: Flow, paths: ReadonlyArray<[string, PathShape]>, podNode: FlowOverlayInput['podNode']): { path: string; trace: DatapathTrace; key: string } | { unplaced: string } {
  const subjectEnd = (s: PathShape) => (s.trace.source.kind === 'world' ? s.trace.destination : s.trace.source);
  const ours = paths.some(([, s]) => sameEnd(subjectEnd(s), flow.source, flow.IP?.source) || sameEnd(subjectEnd(s), flow.destination, flow.IP?.destination));
  if (!ours) return { unplaced: 'not from or to the pod of the diagram' };
  if (flow.is_reply === true || flow.reply === true) return { unplaced: 'reply (counted with its request)' };
  for (const [id, shape] of paths) if (matchesTrace(shape.trace, flow)) return { path: id, trace: shape.trace, key: `${id}|exact` };
  const port = portOf(flow);
  const protocol = protocolOf(flow);
  const destIp = flow.IP?.destination;
  const destPod = podOf(flow.destination);
  const retarget = (id: string, trace: DatapathTrace, end: 'source' | 'destination') => {
    const ep = end === 'source' ? flow.source : flow.destination;
    const ip = (end === 'source' ? flow.IP?.source : destIp) ?? trace[end].ip;
    const pod = podOf(ep);
    const node = pod ? podNode?.(pod) : undefined;
    const moved = {
      ...trace[end],
      ip,
      ...(pod ? { name: pod } : {}),
      ...(node ? { node } : {}),
      ...(end === 'destination' && port !== undefined ? { port } : {}),
    };
    if (!pod) delete moved.name;
    if (!node && pod) delete moved.node;
    return { path: id, trace: { ...trace, [end]: moved }, key: `${id}|${end}|${pod ?? ip}|${port ?? ''}` };
  };
  const candidates = paths.filter(([, s]) => s.trace.request.protocol === protocol);
  // into the pod from outside the cluster: the NLB's path
  for (const [id, s] of candidates) {
    if (s.trace.source.kind === 'world' && sameEnd(s.trace.destination, flow.destination, destIp) && !podOf(flow.source) && (s.trace.destination.port === undefined || s.trace.destination.port === port)) return retarget(id, s.trace, 'source');
  }
  const outgoing = candidates.filter(([, s]) => s.trace.source.kind !== 'world' && sameEnd(s.trace.source, flow.source, flow.IP?.source));
  if (outgoing.length === 0) return { unplaced: 'traffic the diagram has no path for' };
  // another backend of a Service the diagram shows
  for (const [id, s] of outgoing) {
    const svc = s.trace.service;
    if (!svc) continue;
    const named = flow.destination_service?.name && `${flow.destination_service.namespace ?? ''}/${flow.destination_service.name}` === svc.name;
    if (named || (destPod && svc.backends.includes(destPod)) || (destIp && svc.backends.includes(destIp))) return retarget(id, s.trace, 'destination');
  }
  // another port of an address the diagram shows (RDS, MSK, an example internet address)
  for (const [id, s] of outgoing) if (!s.trace.service && destIp && destIp === s.trace.destination.ip) return retarget(id, s.trace, 'destination');
  // another pod: on the subject's node or on another node
  if (destPod) {
    const node = podNode?.(destPod);
    for (const [id, s] of outgoing) {
      const d = s.trace.destination;
      if (s.trace.service || d.kind !== 'pod') continue;
      const sameNode = node !== undefined && node === s.trace.source.node;
      const pathSameNode = d.node !== undefined && d.node === s.trace.source.node;
      if (node !== undefined && sameNode === pathSameNode) return retarget(id, s.trace, 'destination');
    }
    return { unplaced: 'traffic the diagram has no path for' };
  }
  // the internet
  for (const [id, s] of outgoing) if (s.trace.destination.kind === 'world' && s.trace.natGateway && isWorld(flow.destination, undefined, s.trace)) return retarget(id, s.trace, 'destination');
  return { unplaced: 'traffic the diagram has no path for' };
}

function ruleOf(r: PolicyRuleRef): DiagramRule {
  return { text: `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${r.rule}`, ...(r.file ? { location: `${r.file}${r.line ? `:${r.line}` : ''}` } : {}) };
}

function policyNote(p: ObservedPolicy): string {
  return `${p.kind ? `${p.kind} ` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}${p.note ? `: ${p.note}` : ''}`;
}

function mergeDrop(list: OverlayDrop[], d: OverlayDrop): void {
  const same = list.find((x) => x.path === d.path && x.reason === d.reason && x.direction === d.direction && x.destination === d.destination && x.node === d.node);
  if (!same) {
    list.push({ ...d, rules: [...d.rules], notes: [...d.notes] });
    return;
  }
  same.count += d.count;
  if ((parseHubbleTime(d.last) ?? 0n) > (parseHubbleTime(same.last) ?? 0n)) same.last = d.last;
  for (const r of d.rules) if (!same.rules.some((x) => x.text === r.text)) same.rules.push(r);
  for (const n of d.notes) if (!same.notes.includes(n)) same.notes.push(n);
}

const topDrops = (drops: OverlayDrop[]): OverlayDrop[] => [...drops].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)).slice(0, TOP_DROPS);

/** The overlay of `records` on `graph`. Never throws: a flow that cannot be placed is counted in `unplaced`. */
export function flowOverlay(input: FlowOverlayInput): DiagramFlowOverlay {
  const { graph } = input;
  const { records, asOf } = windowOf(input.records);
  const shapes = new Map<string, PathShape>();
  for (const p of graph.paths) {
    const trace = input.traces.get(p.id);
    const shape = trace ? shapeOf(graph, p.id, trace) : undefined;
    if (shape) shapes.set(p.id, shape);
  }
  const edgeCounts = new Map<string, FlowCounts & { drops: OverlayDrop[] }>();
  const nodeCounts = new Map<string, FlowCounts & { drops: OverlayDrop[] }>();
  const at = <T extends FlowCounts & { drops: OverlayDrop[] }>(map: Map<string, T>, id: string): T => {
    let c = map.get(id);
    if (!c) {
      c = { ...zero(), drops: [] } as unknown as T;
      map.set(id, c);
    }
    return c;
  };
  const pathFlows = new Map<string, PathFlows>();
  const unplaced = new Map<string, UnplacedFlows>();

  // group the flows by path and by the trace to observe them with
  const groups = new Map<string, { path: string; trace: DatapathTrace; records: FlowRecord[] }>();
  const pathList = [...shapes.entries()];
  for (const record of records) {
    let placed: ReturnType<typeof placeFlow>;
    try {
      placed = placeFlow(record.flow, pathList, input.podNode);
    } catch (err) {
      placed = { unplaced: `cannot be placed: ${(err as Error)?.message ?? String(err)}` };
    }
    if ('unplaced' in placed) {
      const u = unplaced.get(placed.unplaced) ?? { reason: placed.unplaced, count: 0, example: describeFlow(record.flow) };
      u.count++;
      unplaced.set(placed.unplaced, u);
      continue;
    }
    const g = groups.get(placed.key) ?? { path: placed.path, trace: placed.trace, records: [] };
    g.records.push(record);
    groups.set(placed.key, g);
  }

  let placedCount = 0;
  for (const group of groups.values()) {
    const shape = shapes.get(group.path) as PathShape;
    const retargeted = group.trace !== shape.trace;
    let resolver: ObservedPolicyResolver | undefined;
    try {
      resolver = input.resolverFor?.(group.trace);
    } catch {
      resolver = undefined;
    }
    const o = observeTrace(group.trace, group.records, { keep: group.records.length, ...(resolver ? { resolvePolicy: resolver } : {}) });
    const pf = pathFlows.get(group.path) ?? { path: group.path, forwarded: 0, dropped: 0, exact: 0 };
    pf.forwarded += o.forwarded;
    pf.dropped += o.dropped;
    if (!retargeted) {
      pf.exact += o.matched;
      if (o.matched > 0) pf.summary = o.summary;
    }
    pathFlows.set(group.path, pf);
    const lastObserved = shape.observed[shape.observed.length - 1];
    // the lines by where and how they were seen, then each kind put on its edges once
    const kinds = new Map<string, { hop: number | null; verdict: 'forwarded' | 'dropped'; direction: ObservedDirection | undefined; n: number }>();
    for (const line of o.flows) {
      const verdict = line.verdict === 'DROPPED' ? 'dropped' : line.verdict === 'FORWARDED' || line.verdict === 'REDIRECTED' ? 'forwarded' : undefined;
      if (!verdict) continue;
      const key = `${line.hop}|${verdict}|${line.direction ?? ''}`;
      const kind = kinds.get(key) ?? { hop: line.hop, verdict, direction: line.direction, n: 0 };
      kind.n++;
      kinds.set(key, kind);
    }
    for (const { hop, verdict, direction, n } of kinds.values()) {
      placedCount += n;
      const nodeId = hop !== null ? shape.hopNode[hop] : undefined;
      const position = nodeId !== undefined ? shape.nodes.indexOf(nodeId) : -1;
      if (nodeId !== undefined) count(at(nodeCounts, nodeId), verdict, direction, n);
      if (verdict === 'dropped') {
        // only on the edge into the box where it was dropped (out of it when it is the first box)
        const edge = position > 0 ? shape.edges[position - 1] : position === 0 ? shape.edges[0] : undefined;
        if (edge) count(at(edgeCounts, edge), 'dropped', direction, n);
        continue;
      }
      // forwarded: from the start up to the next box where Hubble observes the path, or to the end
      const next = shape.observed.find((i) => i > position);
      const end = position < 0 || lastObserved === undefined || position >= lastObserved || next === undefined ? shape.nodes.length - 1 : next;
      for (let i = 0; i < end && i < shape.edges.length; i++) count(at(edgeCounts, shape.edges[i] as string), 'forwarded', direction, n);
    }
    for (const drop of o.drops) {
      const nodeId = drop.hop !== null ? shape.hopNode[drop.hop] : undefined;
      const position = nodeId !== undefined ? shape.nodes.indexOf(nodeId) : -1;
      const d: OverlayDrop = {
        path: group.path,
        reason: drop.reason,
        ...(drop.direction ? { direction: drop.direction } : {}),
        count: drop.count,
        last: drop.last,
        ...(drop.node ? { node: drop.node } : {}),
        ...(retargeted ? { destination: group.trace.destination.name ?? group.trace.destination.ip } : {}),
        explanation: drop.explanation,
        rules: drop.policies.flatMap((p) => p.rules.map(ruleOf)),
        notes: drop.policies.filter((p) => p.rules.length === 0).map(policyNote),
      };
      if (nodeId !== undefined) mergeDrop(at(nodeCounts, nodeId).drops, d);
      const edge = position > 0 ? shape.edges[position - 1] : position === 0 ? shape.edges[0] : undefined;
      if (edge) mergeDrop(at(edgeCounts, edge).drops, d);
    }
  }

  const incoming = new Map<string, string[]>();
  for (const e of graph.edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.id]);
  const edges: EdgeFlows[] = graph.edges.flatMap((e) => {
    const c = edgeCounts.get(e.id);
    if (!c) return [];
    // the same flows as the edges into its start carry: the badge before it says it already
    const before = (incoming.get(e.from) ?? []).map((id) => edgeCounts.get(id)?.forwarded ?? 0);
    const repeats = before.length > 0 && before.reduce((a, b) => a + b, 0) === c.forwarded && c.dropped === 0;
    return [{ edge: e.id, ...c, drops: topDrops(c.drops), badge: (c.forwarded > 0 || c.dropped > 0) && !repeats }];
  });
  const nodes: NodeFlows[] = graph.nodes.flatMap((n) => {
    const c = nodeCounts.get(n.id);
    return c ? [{ node: n.id, ...c, drops: topDrops(c.drops) }] : [];
  });
  return {
    from: input.from,
    live: input.live === true,
    windowSeconds: FLOW_OVERLAY_WINDOW_SECONDS,
    asOf,
    total: records.length,
    placed: placedCount,
    edges,
    nodes,
    paths: graph.paths.flatMap((p) => pathFlows.get(p.id) ?? []),
    unplaced: [...unplaced.values()].sort((a, b) => b.count - a.count),
  };
}

/** The trace behind each path of a graph, traced again from its request (a path whose trace fails gets none). */
export function tracesOfPaths(graph: DiagramGraph, trace: (request: DatapathTrace['request']) => { ok: true; trace: DatapathTrace } | { ok: false }): Map<string, DatapathTrace> {
  const out = new Map<string, DatapathTrace>();
  for (const p of graph.paths) {
    try {
      const r = trace({ ...p.request });
      if (r.ok) out.set(p.id, r.trace);
    } catch {
      // no flows on that path
    }
  }
  return out;
}
