/**
 * The path diagram as plain JSON: what the webview and the CLI draw. Built from datapath traces by
 * `pathGraph` (one path) and `podOverviewGraph` (every kind of path a pod has); laid out by ELK
 * (`toElkGraph`) and drawn as SVG by `webview/render/`. Part of the webview protocol
 * (`src/shared/protocol.ts`), so a stable interface.
 */
import type { L4Protocol, Provenance } from '../../model';
import type { StoreKind } from '../../store/clusterStore';
import type { HopKind, HopOwner, HopStatus, Verdict } from '../datapath/datapathTypes';

/** The lanes, left to right: where in the stack a hop happens. */
export type DiagramLane = 'pod' | 'cilium' | 'host' | 'eni' | 'vpc' | 'destination';

export const DIAGRAM_LANES: ReadonlyArray<{ lane: DiagramLane; title: string }> = [
  { lane: 'pod', title: 'Pod netns' },
  { lane: 'cilium', title: 'Cilium eBPF' },
  { lane: 'host', title: 'Host routing (VPC CNI)' },
  { lane: 'eni', title: 'ENI' },
  { lane: 'vpc', title: 'VPC' },
  { lane: 'destination', title: 'Destinations' },
];

/** Who owns a box: the owner of its hops, or `external` for the internet, on-premises and other ends outside AWS. */
export type DiagramOwner = HopOwner | 'external';

export const OWNER_LABELS: Readonly<Record<DiagramOwner, string>> = {
  pod: 'Pod',
  cilium: 'Cilium',
  'vpc-cni': 'VPC CNI',
  vpc: 'VPC / AWS',
  kubernetes: 'Kubernetes',
  external: 'Outside the VPC',
};

/** A fact shown in a box or in the details pane, and where it came from. */
export interface DiagramFact {
  /** Empty when the value says what it is (`eni-…`, `rtb-…`). */
  name: string;
  value: string;
  /** More of the value, for the details pane (`subnet-0c5f…, us-west-2b`). */
  detail?: string;
  /** For a reader: `snapshot kubernetes/pods.yaml:5173`, `EC2`, `inferred: …`. */
  source: string;
}

/** One hop of the trace behind a box (a box may hold consecutive hops of one lane). */
export interface DiagramHopDetail {
  kind: HopKind;
  owner: HopOwner;
  status: HopStatus;
  /** The hop as the trace says it, one line. */
  text: string;
  reason?: string;
  /** The packet never gets to this hop on its path (dropped before it). */
  reached?: false;
  /** The packet is dropped at this hop: by what. */
  dropsPacket?: string;
  facts: DiagramFact[];
  /** Section of datapath.md the hop follows. */
  ref: string;
  /** Paths (ids of `DiagramGraph.paths`) this hop is on. */
  paths: string[];
}

/** A policy rule that decided a verdict. */
export interface DiagramRule {
  /** `NetworkPolicy payments/default-deny-ingress spec.podSelector`. */
  text: string;
  /** `kubernetes/networkpolicies.yaml:39` when the policy came from a file. */
  location?: string;
}

export interface DiagramPathVerdict {
  path: string;
  verdict: Verdict;
  rules: DiagramRule[];
  reason?: string;
}

/** The policy verdict at an enforcement point (`cil_from_container` egress, `cil_to_container` ingress). */
export interface DiagramVerdict {
  direction: 'egress' | 'ingress';
  /** `mixed` when the box is shared by paths with different verdicts. */
  verdict: Verdict | 'mixed';
  byPath: DiagramPathVerdict[];
}

/** An object of the store a box is about: the webview offers "Reveal in tree" and "Open YAML" for it. */
export interface DiagramRef {
  kind: StoreKind;
  /** Store key: `ns/name`, a node name, `eni-…`. */
  key: string;
  label: string;
  origin?: Provenance;
}

export type DiagramStatus = HopStatus;

export interface DiagramNode {
  id: string;
  lane: DiagramLane;
  owner: DiagramOwner;
  title: string;
  /** Second line: the component and the Kubernetes node, e.g. `VPC CNI · ip-10-0-35-117`. */
  subtitle?: string;
  /** Key facts shown in the box (the details pane shows every fact of every hop). */
  facts: DiagramFact[];
  /** Worst status of its hops. */
  status: DiagramStatus;
  statusReason?: string;
  verdict?: DiagramVerdict;
  /** Reached only by paths that a policy denied before this box: the packet never gets here. */
  blocked?: boolean;
  details: DiagramHopDetail[];
  refs: DiagramRef[];
  paths: string[];
}

/** `blocked`: after a policy deny on that path; the packet never takes it. */
export type DiagramEdgeStatus = 'ok' | 'unknown' | 'drop' | 'blocked';

export interface DiagramEdge {
  id: string;
  from: string;
  to: string;
  label?: string;
  status: DiagramEdgeStatus;
  paths: string[];
}

export type DiagramPathCategory = 'same-node-pod' | 'other-node-pod' | 'service' | 'vpc-resource' | 'internet' | 'on-premises' | 'load-balancer' | 'custom';

/** One traced path in the graph. */
export interface DiagramPath {
  id: string;
  label: string;
  category: DiagramPathCategory;
  request: { from: string; to: string; port?: number; protocol: L4Protocol };
  verdict: Verdict;
  verdictReason: string;
}

export interface DiagramLegendEntry {
  kind: 'owner' | 'status' | 'verdict';
  /** An owner, a status (`unknown`, `drop`, `absent`, `blocked`) or a verdict (`allow`, `deny`). */
  key: string;
  label: string;
}

export interface DiagramGraph {
  kind: 'path' | 'overview';
  title: string;
  /** The pod the diagram is about (`ns/name`), or the trace's source. */
  subject: string;
  /** Lanes that hold at least one box, in order. */
  lanes: Array<{ lane: DiagramLane; title: string }>;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  paths: DiagramPath[];
  legend: DiagramLegendEntry[];
  /** Choices the builder made (which pod, which backend, which destinations) and facts it could not find. */
  notes: string[];
}
