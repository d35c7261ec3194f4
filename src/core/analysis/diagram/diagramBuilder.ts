/**
 * Builds a `DiagramGraph` from one or more traces: each trace is cut into stages (boxes), stages with
 * the same key become one shared box, consecutive stages are joined by edges, and the policy verdicts
 * are attached at the enforcement points. After a deny the path's next edge is a drop and the rest is
 * `blocked`: drawn, but the packet never takes it.
 */
import type { ClusterStore } from '../../store/clusterStore';
import type { DatapathTrace, Hop, PolicyDirection, Verdict } from '../datapath/datapathTypes';
import { fromHopFact } from './diagramFacts';
import {
  DIAGRAM_LANES,
  OWNER_LABELS,
  type DiagramEdge,
  type DiagramEdgeStatus,
  type DiagramGraph,
  type DiagramHopDetail,
  type DiagramLegendEntry,
  type DiagramNode,
  type DiagramOwner,
  type DiagramPath,
  type DiagramPathVerdict,
  type DiagramRule,
} from './diagramTypes';
import { describeStage, stagesOf, worstStatus } from './traceStages';

const EDGE_RANK: Readonly<Record<DiagramEdgeStatus, number>> = { ok: 0, unknown: 1, drop: 2, blocked: 3 };

/** Node ids usable in SVG and the DOM, stable across rebuilds of the same graph. */
function nodeIdOf(key: string): string {
  return `n-${key.replace(/[^A-Za-z0-9_.-]+/g, '_')}`;
}

function rulesOf(d: PolicyDirection): DiagramRule[] {
  return d.by.map((r) => ({
    text: `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${r.rule}`,
    ...(r.file ? { location: `${r.file}${r.line ? `:${r.line}` : ''}` } : {}),
  }));
}

function aggregateVerdict(byPath: readonly DiagramPathVerdict[]): Verdict | 'mixed' {
  const distinct = new Set(byPath.map((v) => v.verdict));
  return distinct.size === 1 ? (byPath[0] as DiagramPathVerdict).verdict : 'mixed';
}

export class DiagramBuilder {
  private readonly nodes = new Map<string, DiagramNode>();
  private readonly edges = new Map<string, DiagramEdge>();
  /** Nodes some path reaches without a deny before them. */
  private readonly reached = new Set<string>();
  private readonly paths: DiagramPath[] = [];
  private readonly notes: string[] = [];

  constructor(private readonly store?: ClusterStore) {}

  addNote(note: string): void {
    if (!this.notes.includes(note)) this.notes.push(note);
  }

  addTrace(trace: DatapathTrace, path: Omit<DiagramPath, 'request' | 'verdict' | 'verdictReason'>): void {
    this.paths.push({ ...path, request: { ...trace.request }, verdict: trace.verdict, verdictReason: trace.verdictReason });
    for (const note of trace.notes) this.addNote(note);
    const stages = stagesOf(trace);
    let previous: string | undefined;
    /** Edges after a deny: the first is the drop, the rest are never taken. */
    let afterDeny = 0;
    let dropLabel = 'denied by policy';
    stages.forEach((stage, index) => {
      const box = describeStage(stages, index, trace, this.store);
      const id = nodeIdOf(box.key);
      let node = this.nodes.get(id);
      if (!node) {
        node = {
          id,
          lane: box.lane,
          owner: box.owner,
          title: box.title,
          ...(box.subtitle ? { subtitle: box.subtitle } : {}),
          facts: box.facts,
          status: box.status,
          ...(box.statusReason ? { statusReason: box.statusReason } : {}),
          details: [],
          refs: [],
          paths: [],
        };
        this.nodes.set(id, node);
      } else if (worstStatus([node.status, box.status]) !== node.status) {
        node.status = box.status;
        if (box.statusReason) node.statusReason = box.statusReason;
      }
      if (!node.paths.includes(path.id)) node.paths.push(path.id);
      for (const ref of box.refs) if (!node.refs.some((r) => r.kind === ref.kind && r.key === ref.key)) node.refs.push(ref);
      this.addDetails(node, stage.hops, path.id);
      if (box.policy) {
        const v: DiagramPathVerdict = {
          path: path.id,
          verdict: box.policy.decision.verdict,
          rules: rulesOf(box.policy.decision),
          ...(box.policy.decision.reason ? { reason: box.policy.decision.reason } : { reason: box.policy.decision.note }),
        };
        if (!node.verdict) node.verdict = { direction: box.policy.direction, verdict: v.verdict, byPath: [v] };
        else {
          node.verdict.byPath.push(v);
          node.verdict.verdict = aggregateVerdict(node.verdict.byPath);
        }
      }

      if (previous !== undefined) {
        const status: DiagramEdgeStatus = afterDeny > 0 ? (afterDeny === 1 ? 'drop' : 'blocked') : box.status === 'unknown' ? 'unknown' : 'ok';
        this.addEdge(previous, id, status, path.id, afterDeny === 1 ? dropLabel : undefined);
        if (afterDeny > 0) afterDeny++;
      }
      if (afterDeny === 0) this.reached.add(id);
      // where the trace says the packet stops (a policy deny, a hop that drops it), the path goes on as not reached
      const stop = stage.hops.find((h) => h.dropsPacket !== undefined);
      if (afterDeny === 0 && (box.policy?.decision.verdict === 'deny' || stop)) {
        afterDeny = 1;
        dropLabel = box.policy?.decision.verdict === 'deny' ? 'denied by policy' : 'dropped';
      }
      previous = id;
    });
  }

  private addDetails(node: DiagramNode, hops: readonly Hop[], pathId: string): void {
    for (const hop of hops) {
      const existing = node.details.find((d) => d.kind === hop.kind && d.text === hop.text);
      if (existing) {
        if (!existing.paths.includes(pathId)) existing.paths.push(pathId);
        continue;
      }
      const detail: DiagramHopDetail = {
        kind: hop.kind,
        owner: hop.owner,
        status: hop.status,
        text: hop.text,
        ...(hop.reason ? { reason: hop.reason } : {}),
        ...(hop.reached === false ? { reached: false as const } : {}),
        ...(hop.dropsPacket ? { dropsPacket: hop.dropsPacket } : {}),
        facts: hop.facts.map(fromHopFact),
        ref: hop.ref,
        paths: [pathId],
      };
      node.details.push(detail);
    }
  }

  private addEdge(from: string, to: string, status: DiagramEdgeStatus, pathId: string, label: string | undefined): void {
    const id = `e-${from}-${to}`;
    const edge = this.edges.get(id);
    if (!edge) {
      this.edges.set(id, { id, from, to, status, paths: [pathId], ...(label ? { label } : {}) });
      return;
    }
    if (!edge.paths.includes(pathId)) edge.paths.push(pathId);
    if (EDGE_RANK[status] < EDGE_RANK[edge.status]) {
      edge.status = status;
      if (status !== 'drop') delete edge.label;
    }
  }

  build(kind: DiagramGraph['kind'], title: string, subject: string): DiagramGraph {
    const nodes = [...this.nodes.values()];
    for (const node of nodes) if (!this.reached.has(node.id)) node.blocked = true;
    const present = new Set(nodes.map((n) => n.lane));
    return {
      kind,
      title,
      subject,
      lanes: DIAGRAM_LANES.filter((l) => present.has(l.lane)).map((l) => ({ ...l })),
      nodes,
      edges: [...this.edges.values()],
      paths: this.paths,
      legend: legendOf(nodes, [...this.edges.values()]),
      notes: this.notes,
    };
  }
}

const OWNER_ORDER: readonly DiagramOwner[] = ['pod', 'cilium', 'vpc-cni', 'kubernetes', 'vpc', 'external'];

/** The legend: the owners, statuses and verdicts that appear in the graph. */
function legendOf(nodes: readonly DiagramNode[], edges: readonly DiagramEdge[]): DiagramLegendEntry[] {
  const owners = new Set(nodes.map((n) => n.owner));
  const legend: DiagramLegendEntry[] = OWNER_ORDER.filter((o) => owners.has(o)).map((o) => ({ kind: 'owner', key: o, label: OWNER_LABELS[o] }));
  const verdicts = new Set(nodes.flatMap((n) => (n.verdict ? [n.verdict.verdict] : [])));
  if (verdicts.has('allow')) legend.push({ kind: 'verdict', key: 'allow', label: 'policy allows' });
  if (verdicts.has('deny')) legend.push({ kind: 'verdict', key: 'deny', label: 'policy denies' });
  if (verdicts.has('mixed')) legend.push({ kind: 'verdict', key: 'mixed', label: 'verdict differs per path' });
  if (verdicts.has('unknown')) legend.push({ kind: 'verdict', key: 'unknown', label: 'verdict unknown' });
  const statuses = new Set<string>([...nodes.map((n) => n.status), ...edges.map((e) => (e.status === 'drop' ? 'denied' : e.status))]);
  if (nodes.some((n) => n.blocked)) statuses.add('blocked');
  if (statuses.has('unknown')) legend.push({ kind: 'status', key: 'unknown', label: 'facts missing' });
  if (statuses.has('absent')) legend.push({ kind: 'status', key: 'absent', label: 'component absent' });
  if (statuses.has('drop')) legend.push({ kind: 'status', key: 'drop', label: 'dropped here' });
  if (statuses.has('denied')) legend.push({ kind: 'status', key: 'denied', label: 'dropped by policy' });
  if (statuses.has('blocked')) legend.push({ kind: 'status', key: 'blocked', label: 'not reached' });
  return legend;
}
