/**
 * Hubble flows as CNI Lens handles them, live or from files: the shape `hubble observe -o json`
 * prints (protojson with proto field names), which is also what @grpc/proto-loader decodes with
 * `keepCase` once the few differences are smoothed out (`hubbleCodec.ts`):
 * - `time` is an RFC 3339 string with up to nanosecond precision (on the wire a Timestamp);
 * - `is_reply` is a plain boolean (on the wire a BoolValue wrapper);
 * - zero values (empty strings, 0, false, the enum's zero name, empty lists) are left out, as protojson
 *   leaves them out;
 * - enums are names (a number only for a value this subset of the protos does not know);
 * - 64-bit integers (`Policy.revision`) are decimal strings.
 * Fields a newer Hubble prints that the protos here do not know (`l7`, `tunnel`, …) are kept as
 * read from files; they do not cross gRPC.
 */

export type Verdict = 'VERDICT_UNKNOWN' | 'FORWARDED' | 'DROPPED' | 'ERROR' | 'AUDIT' | 'REDIRECTED' | 'TRACED' | 'TRANSLATED';
export type TrafficDirection = 'TRAFFIC_DIRECTION_UNKNOWN' | 'INGRESS' | 'EGRESS';
export type IpVersion = 'IP_NOT_USED' | 'IPv4' | 'IPv6';
export type FlowTypeName = 'UNKNOWN_TYPE' | 'L3_L4' | 'L7' | 'SOCK';

export const VERDICTS: readonly Verdict[] = ['VERDICT_UNKNOWN', 'FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED'];

/** Monitor event types (`event_type.type`), as Cilium numbers them. */
export const EVENT_TYPE = { drop: 1, debug: 2, capture: 3, trace: 4, policyVerdict: 5, traceSock: 7, accessLog: 129, agent: 130 } as const;

export interface FlowWorkload {
  name?: string;
  kind?: string;
}

export interface FlowEndpoint {
  ID?: number;
  identity?: number;
  cluster_name?: string;
  namespace?: string;
  /** Cilium labels, `source:key=value`: `k8s:app=web`, `reserved:world`. */
  labels?: string[];
  pod_name?: string;
  workloads?: FlowWorkload[];
}

export interface TcpFlags {
  FIN?: boolean;
  SYN?: boolean;
  RST?: boolean;
  PSH?: boolean;
  ACK?: boolean;
  URG?: boolean;
  ECE?: boolean;
  CWR?: boolean;
  NS?: boolean;
}

export interface FlowPorts {
  source_port?: number;
  destination_port?: number;
}

export interface FlowLayer4 {
  TCP?: FlowPorts & { flags?: TcpFlags };
  UDP?: FlowPorts;
  SCTP?: FlowPorts;
  ICMPv4?: { type?: number; code?: number };
  ICMPv6?: { type?: number; code?: number };
}

export interface FlowService {
  name?: string;
  namespace?: string;
}

/** A policy named in a policy-verdict flow. */
export interface FlowPolicy {
  name?: string;
  namespace?: string;
  labels?: string[];
  /** uint64, as a decimal string. */
  revision?: string;
  /** `CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy`, `NetworkPolicy`. */
  kind?: string;
}

export interface Flow {
  /** RFC 3339, e.g. `2026-11-20T09:12:03.410021733Z`. */
  time?: string;
  uuid?: string;
  emitter?: { name?: string; version?: string };
  verdict?: Verdict;
  /** Deprecated numeric drop reason; `drop_reason_desc` names it. */
  drop_reason?: number;
  auth_type?: string;
  ethernet?: { source?: string; destination?: string };
  IP?: { source?: string; destination?: string; ipVersion?: IpVersion; encrypted?: boolean };
  l4?: FlowLayer4;
  source?: FlowEndpoint;
  destination?: FlowEndpoint;
  Type?: FlowTypeName;
  /** `<cluster>/<node>`, or the bare node name in the cluster named `default`. */
  node_name?: string;
  node_labels?: string[];
  source_names?: string[];
  destination_names?: string[];
  /** Deprecated; `is_reply` tells unknown apart from false. */
  reply?: boolean;
  event_type?: { type?: number; sub_type?: number };
  source_service?: FlowService;
  destination_service?: FlowService;
  traffic_direction?: TrafficDirection;
  policy_match_type?: number;
  /** `TO_STACK`, `TO_ENDPOINT`, `FROM_ENDPOINT`, … (trace events only). */
  trace_observation_point?: string;
  trace_reason?: string;
  /** `POLICY_DENIED`, `POLICY_DENY`, … (drops only). */
  drop_reason_desc?: string;
  /** Absent when unknown. */
  is_reply?: boolean;
  interface?: { index?: number; name?: string };
  proxy_port?: number;
  Summary?: string;
  egress_allowed_by?: FlowPolicy[];
  ingress_allowed_by?: FlowPolicy[];
  egress_denied_by?: FlowPolicy[];
  ingress_denied_by?: FlowPolicy[];
}

/** One flow with the node that observed it and when (a `GetFlowsResponse` carrying a flow). */
export interface FlowRecord {
  flow: Flow;
  /** The response's `node_name`, else the flow's; '' when neither says. */
  nodeName: string;
  /** RFC 3339: the flow's `time`, else the response's. */
  time: string;
}

export interface EventTypeFilter {
  type?: number;
  match_sub_type?: boolean;
  sub_type?: number;
}

/**
 * One Hubble flow filter (`flow.FlowFilter`): every field that is set must match, and inside one
 * field any value may match. Empty lists count as not set.
 */
export interface FlowFilter {
  uuid?: string[];
  /** Exact addresses or CIDRs. */
  source_ip?: string[];
  /** `namespace/` (the whole namespace), `namespace/pod-name-prefix`, or `pod-name-prefix` in `default`. */
  source_pod?: string[];
  source_fqdn?: string[];
  /** Kubernetes label selectors over the Cilium labels: `app=web`, `k8s:app in (web,api)`, `!reserved:world`. */
  source_label?: string[];
  /** Like `source_pod`, for the service. */
  source_service?: string[];
  source_workload?: FlowWorkload[];
  destination_ip?: string[];
  destination_pod?: string[];
  destination_fqdn?: string[];
  destination_label?: string[];
  destination_service?: string[];
  destination_workload?: FlowWorkload[];
  traffic_direction?: TrafficDirection[];
  verdict?: Verdict[];
  drop_reason_desc?: string[];
  event_type?: EventTypeFilter[];
  http_status_code?: string[];
  /** `tcp`, `udp`, `sctp`, `icmp` (v4 or v6), `icmpv4`, `icmpv6`, and for L7 flows read from files `http`, `dns`, `kafka`. */
  protocol?: string[];
  source_port?: string[];
  destination_port?: string[];
  reply?: boolean[];
  dns_query?: string[];
  source_identity?: number[];
  destination_identity?: number[];
  http_method?: string[];
  http_path?: string[];
  /** A flow matches a flags filter when every flag set in it is set in the flow's TCP header. */
  tcp_flags?: TcpFlags[];
  /** Patterns: `ip-10-0-*`, `cluster/`, `cluster/ip-10-*`; `*` matches any run of characters except `/`. */
  node_name?: string[];
  ip_version?: IpVersion[];
  trace_id?: string[];
}

/** A GetFlows request as CNI Lens builds it; times are RFC 3339 strings or Dates. */
export interface GetFlowsRequest {
  /** The last `number` flows (the first ones with `first`); 0 = no limit. */
  number?: number;
  first?: boolean;
  follow?: boolean;
  whitelist?: FlowFilter[];
  blacklist?: FlowFilter[];
  since?: string | Date;
  until?: string | Date;
}

export interface HubbleServerStatus {
  num_flows: number;
  max_flows: number;
  seen_flows: number;
  /** uint64 nanoseconds, as a decimal string. */
  uptime_ns: string;
  /** Relay only: agents it is connected to (undefined from an agent's own server). */
  num_connected_nodes?: number;
  num_unavailable_nodes?: number;
  unavailable_nodes: string[];
  version: string;
}

/** Relay's report on the nodes taking part in a GetFlows call. */
export interface NodeStatusEvent {
  state_change?: 'UNKNOWN_NODE_STATE' | 'NODE_CONNECTED' | 'NODE_UNAVAILABLE' | 'NODE_GONE' | 'NODE_ERROR';
  node_names?: string[];
  message?: string;
}

export interface LostEvent {
  source?: string;
  /** uint64, as a decimal string. */
  num_events_lost?: string;
  cpu?: number;
}
