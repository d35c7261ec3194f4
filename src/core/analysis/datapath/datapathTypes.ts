/**
 * Types of a datapath trace: the ordered hops a packet takes from a source to a destination
 * through the VPC CNI, Cilium (aws-cni chaining) and the VPC (reference: datapath.md B0–B8).
 * `DatapathTrace` is also the JSON that `cni-lens trace --json` prints; its top-level fields are a
 * stable interface.
 */
import type { L4Protocol, Provenance } from '../../model';

/** The component that owns a hop. */
export type HopOwner = 'pod' | 'cilium' | 'vpc-cni' | 'vpc' | 'kubernetes';

export type HopKind =
  /** Cilium socket LB (`bpf_sock`) rewrote the ClusterIP at connect()/sendmsg(). */
  | 'socket-lb'
  /** The pod's `eth0`, at the source or at the destination. */
  | 'pod-interface'
  /** The host side of the pod's veth pair. */
  | 'host-veth'
  /** ClusterIP → backend, per packet (Cilium `cil_from_container`) or by kube-proxy (iptables). */
  | 'service-translation'
  /** `cil_from_container` on the host veth's tc ingress: egress policy of the source pod. */
  | 'cilium-egress'
  /** The node's own network namespace: a host-network pod or the node itself. */
  | 'host-stack'
  /** `ip rule` and the route table the kernel picks. */
  | 'host-routing'
  /** `AWS-SNAT-CHAIN-0`: SNAT to the primary IP of the primary ENI, or not. */
  | 'snat'
  /** The packet leaves an ENI (its security groups' egress rules apply). */
  | 'eni-egress'
  /** The route table of the ENI's subnet (longest prefix match). */
  | 'vpc-route'
  | 'nat-gateway'
  | 'load-balancer'
  /** The packet reaches the ENI that holds the destination IP (its security groups' ingress rules apply). */
  | 'eni-ingress'
  /** `cil_to_container` on the host veth's tc egress: ingress policy of the destination pod. */
  | 'cilium-ingress'
  /** A destination that is not a pod or a node: an AWS-managed ENI, the internet, a transit gateway. */
  | 'destination';

/**
 * `ok`: the hop happens as described. `absent`: the component is not there (e.g. no Cilium program for
 * a pod without a CiliumEndpoint). `unknown`: a fact is missing, `reason` says which. `drop`: the
 * packet stops here (e.g. no route in the subnet's route table).
 */
export type HopStatus = 'ok' | 'absent' | 'unknown' | 'drop';

/** A fact a hop used, and where it came from. */
export interface HopFact {
  name: string;
  value: string;
  origin: Provenance;
}

export interface IpRuleRef {
  priority: number;
  /** e.g. `to 100.64.95.78`, `from 100.64.24.30`, `fwmark 0x80/0x80`, `iif vlan…`. */
  selector: string;
  table: 'main' | 'local' | number;
}

export interface Hop {
  kind: HopKind;
  owner: HopOwner;
  status: HopStatus;
  /** One line an SRE would say about this hop, with the key facts. */
  text: string;
  /** Why the hop is `unknown`, `absent` or `drop`. */
  reason?: string;
  /** Node the hop happens on. */
  node?: string;
  /** Network device: a host veth, `ethN`, `vlan.eth.N`. */
  interface?: string;
  eni?: string;
  ipRule?: IpRuleRef;
  /** The VPC route table (`rtb-…`) for `vpc-route`, the kernel table for `host-routing`. */
  routeTable?: string | number;
  facts: HopFact[];
  /** Section of datapath.md this hop follows (`B2`, `A2`…). */
  ref: string;
  /**
   * `false` when the packet never gets here: an earlier hop dropped it (a policy deny at
   * `cil_from_container`/`cil_to_container`, or a hop with status `drop`). Absent when reached.
   */
  reached?: false;
  /** Set on the hop where the packet is dropped: what drops it (`egress policy denies`, `no route`…). */
  dropsPacket?: string;
}

export type EndpointKind =
  | 'pod'
  | 'host-network-pod'
  | 'node'
  | 'service'
  | 'load-balancer'
  | 'nat-gateway'
  /** Another ENI in the VPC: RDS, MSK, EKS control plane, VPC endpoint, … (`owner` names it). */
  | 'aws-eni'
  /** Inside the VPC CIDRs, but no object in the store holds it. */
  | 'vpc-address'
  /** Outside the VPC CIDRs. */
  | 'external'
  /** Internet clients, through an internet-facing load balancer. */
  | 'world'
  /** No owner in the store, and the VPC CIDRs are not known either. */
  | 'address';

export interface TraceEndpointSummary {
  kind: EndpointKind;
  /** `ns/pod`, node name, `ns/service`, or a description of the ENI's owner. */
  name?: string;
  ip: string;
  node?: string;
  eni?: string;
  hostVeth?: string;
  /** Pods: a CiliumEndpoint exists, so Cilium's programs run on the pod's veth. */
  managed?: boolean;
  /** Cilium security identity, when the pod is managed. */
  identity?: number;
  /** Who holds the IP, e.g. `RDS network interface eni-0f2a…`. */
  owner?: string;
  /** Destination only: the port the packet arrives at (after service translation). */
  port?: number;
}

/** `load-balancer`: an NLB with IP targets sends to the backend directly; no ClusterIP is involved. */
export type TranslatedBy = 'cilium' | 'kube-proxy' | 'load-balancer';

export interface TraceService {
  /** `ns/name`. */
  name: string;
  clusterIP: string;
  port?: number;
  targetPort?: number;
  /** `ns/pod`, or the backend address when the endpoint is not a pod. */
  backend: string;
  backendIp: string;
  /** Every ready backend (`ns/pod` or address); the packet goes to one of them per connection. */
  backends: string[];
  translatedBy: TranslatedBy;
  /** `socket`: at connect()/sendmsg() (bpf_sock); `packet`: per packet at the veth or in iptables. */
  translatedAt: 'socket' | 'packet';
}

export interface TraceEgress {
  eni: string | null;
  deviceIndex: number | null;
  routeTable: 'main' | number | null;
  /** `ethN` or `vlan.eth.N`. */
  interface?: string;
}

export type Verdict = 'allow' | 'deny' | 'unknown';

export interface PolicyRuleRef {
  kind: string;
  namespace?: string;
  name: string;
  /** Which rule: index and YAML path, as the policy engine names it. */
  rule: string;
  /** Where the policy came from, when it came from a file. */
  file?: string;
  line?: number;
}

export interface PolicyDirection {
  verdict: Verdict;
  by: PolicyRuleRef[];
  /** Whether a policy engine enforces this direction on this path (false: no Cilium program there). */
  enforced: boolean;
  /** Where it is enforced or why it is not. */
  note: string;
  /** The policy engine's explanation of its verdict, when one decided. */
  reason?: string;
}

export interface TracePolicy {
  egress: PolicyDirection;
  ingress: PolicyDirection;
}

/** How Cilium sees the peer at the enforcing hook (ipcache identity of its IP). */
export type PolicyPeerIdentity = 'endpoint' | 'unmanaged' | 'host' | 'remote-node' | 'world';

export interface PolicyPeer {
  identity: PolicyPeerIdentity;
  /** Peer address as the enforcing hook sees it; `0.0.0.0/0` for any internet client. */
  ip: string;
  pod?: { namespace: string; name: string };
  /** Cilium security identity of a managed pod. */
  identityId?: number;
  node?: string;
}

/** One direction of policy to decide, asked by the datapath of a policy engine. */
export interface DirectionPolicyQuery {
  direction: 'egress' | 'ingress';
  /** The pod whose policy applies: the source for egress, the destination for ingress. */
  subject: { namespace: string; name: string; ip: string; identityId?: number };
  /** The other end: for egress the destination after service translation, for ingress the source as it arrives. */
  peer: PolicyPeer;
  /** Destination port after service translation. */
  port?: number;
  protocol: L4Protocol;
  /** The Service the packet was addressed to, for `toServices` rules. */
  service?: { namespace: string; name: string };
}

/** The policy engine's answer for one direction. */
export interface PolicyDecision {
  verdict: Verdict;
  by: PolicyRuleRef[];
  /** One sentence: which policies selected the endpoint and which rule allowed or denied. */
  reason?: string;
}

/**
 * Plugs a policy engine into the datapath. Called once per direction that Cilium enforces on the
 * path (a managed pod on that side); directions without an enforcing program are decided by the
 * datapath itself.
 */
export type PolicyEvaluator = (query: DirectionPolicyQuery) => PolicyDecision;

export interface TraceRequestEcho {
  from: string;
  to: string;
  port?: number;
  protocol: L4Protocol;
}

export interface DatapathTrace {
  request: TraceRequestEcho;
  verdict: Verdict;
  /** Why the verdict is what it is. */
  verdictReason: string;
  source: TraceEndpointSummary;
  /** Where the packet is delivered: for a Service, the chosen backend. */
  destination: TraceEndpointSummary;
  service: TraceService | null;
  /** `null` when the packet never leaves the source node (or the source is not a node). */
  egress: TraceEgress | null;
  /** SNAT by the VPC CNI on the source node; a NAT gateway's SNAT is in `natGateway`. */
  snat: { to: string; by: 'vpc-cni' } | null;
  natGateway: { id: string; publicIp?: string } | null;
  policy: TracePolicy;
  hops: Hop[];
  /** Choices the trace made and facts it could not find, for the reader. */
  notes: string[];
}

/** A bad `from`/`to`/`port` argument: the CLI prints it and exits 2. */
export interface TraceInputError {
  argument: 'from' | 'to' | 'port' | 'backend';
  message: string;
}

export type TraceResult = { ok: true; trace: DatapathTrace } | { ok: false; error: TraceInputError };
