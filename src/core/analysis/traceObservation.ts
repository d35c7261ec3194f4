/**
 * Predicted next to observed: the Hubble flows of a traced 5-tuple (source, destination after
 * service translation, destination port, protocol; any source port) placed next to the trace.
 *
 * - Each flow is put on the hop where Hubble saw it: `traffic_direction` and the node say which side
 *   (the source's `cil_from_container` enforces egress, the destination's `cil_to_container` ingress);
 *   `trace_observation_point` says where a trace event was taken (FROM_ENDPOINT / TO_STACK at the
 *   source's veth, FROM_STACK / TO_ENDPOINT at the destination's); a drop reason that is not a policy
 *   drop (FIB_LOOKUP_FAILED, …) goes to the hop that owns it.
 * - The observed verdict is the newest decisive flow: a drop, or a delivery (forwarded at the
 *   destination's side, or at the source's side when nothing enforces ingress).
 * - A mismatch (predicted allow, observed drop, or the reverse) is flagged with what can explain it.
 * - The policy names Hubble reports (`ingress_denied_by`, `egress_allowed_by`, …) are resolved to
 *   the exact rule with the policy engine, when the caller gives a resolver.
 */
import type { Flow, FlowFilter, FlowPolicy, FlowRecord } from '../hubble/flowTypes';
import { flowEventName } from '../hubble/flowRow';
import type { DatapathTrace, HopKind, PolicyRuleRef, Verdict } from './datapath/datapathTypes';
import type { PolicyEngine } from './policy/policyEngine';
import type { EndpointQuery, PolicyVerdict } from './policy/policyTypes';

export type ObservedDirection = 'egress' | 'ingress';

/** A policy Hubble named for a flow, and the rule of it the policy engine finds for this traffic. */
export interface ObservedPolicy {
  direction: ObservedDirection;
  /** What Hubble said the policy did. */
  effect: 'allowed' | 'denied';
  kind?: string;
  namespace?: string;
  name: string;
  /** The deciding rules of this policy, as the engine names them (with file and line when known). */
  rules: PolicyRuleRef[];
  /** Why no rule is given, when none is. */
  note?: string;
}

/** Drops of one kind at one place. */
export interface ObservedDrop {
  /** Index into `trace.hops` of the hop where the packet was dropped; null when the trace has no such hop. */
  hop: number | null;
  hopKind: HopKind;
  direction?: ObservedDirection;
  /** `POLICY_DENIED`, `POLICY_DENY`, `FIB_LOOKUP_FAILED`, … */
  reason: string;
  node?: string;
  count: number;
  /** RFC 3339 time of the newest. */
  last: string;
  policies: ObservedPolicy[];
  /** One sentence: where and why, in the trace's terms. */
  explanation: string;
}

/** One flow as the report lists it. */
export interface ObservedFlowLine {
  time: string;
  verdict: string;
  direction?: ObservedDirection;
  /** Event: `drop`, `policy-verdict`, or the trace observation point (`to-endpoint`, …). */
  event: string;
  sourcePort?: number;
  dropReason?: string;
  node?: string;
  hop: number | null;
}

export type ObservedVerdict = 'allow' | 'deny' | 'none';

export interface TraceObservation {
  /** Flows considered, and how many of them belong to this 5-tuple. */
  flowsSeen: number;
  matched: number;
  forwarded: number;
  dropped: number;
  /** The newest decisive flow: a drop (`deny`) or a delivery (`allow`); `none` when nothing decisive was seen. */
  verdict: ObservedVerdict;
  /** Set when both drops and deliveries were seen (e.g. a policy changed in between). */
  mixed: boolean;
  predicted: Verdict;
  /** Index into `trace.hops` where the prediction stops the packet, when it predicts a deny. */
  predictedHop: number | null;
  /** Predicted allow and observed deny, or the reverse; with what can explain it. */
  mismatch: { predicted: Verdict; observed: 'allow' | 'deny'; explanation: string } | null;
  /** Observed and predicted drops are on the same hop. */
  sameHop: boolean | null;
  drops: ObservedDrop[];
  /** Policies Hubble named as allowing (`egress_allowed_by`, `ingress_allowed_by`), resolved. */
  allowedBy: ObservedPolicy[];
  /** The newest matched flows, newest first (at most `opts.keep`). */
  flows: ObservedFlowLine[];
  /** One line for the reader. */
  summary: string;
}

/** Resolves a policy Hubble named to the engine's rules for the traced traffic in that direction. */
export type ObservedPolicyResolver = (
  direction: ObservedDirection,
  effect: ObservedPolicy['effect'],
  policy: { kind?: string; namespace?: string; name: string },
) => { rules: PolicyRuleRef[]; note?: string };

export interface ObserveTraceOptions {
  resolvePolicy?: ObservedPolicyResolver;
  /** Flows listed in `flows`; default 20. */
  keep?: number;
}

const POLICY_DROPS = new Set(['POLICY_DENIED', 'POLICY_DENY', 'AUTH_REQUIRED', 'POLICY_AUTH_REQUIRED']);

/** Drop reasons a hop other than the policy hooks owns. */
const DROP_REASON_HOP: Record<string, HopKind> = {
  FIB_LOOKUP_FAILED: 'host-routing',
  NO_FIB: 'host-routing',
  UNKNOWN_L3_TARGET_ADDRESS: 'host-routing',
  STALE_OR_UNROUTABLE_IP: 'cilium-egress',
  INVALID_SOURCE_IP: 'cilium-egress',
  UNSUPPORTED_L3_PROTOCOL: 'cilium-egress',
  NO_SERVICE: 'service-translation',
  SERVICE_BACKEND_NOT_FOUND: 'service-translation',
};

const SOURCE_SIDE_POINTS = new Set(['FROM_ENDPOINT', 'TO_STACK', 'TO_PROXY', 'TO_HOST', 'TO_OVERLAY']);
const DESTINATION_SIDE_POINTS = new Set(['FROM_STACK', 'TO_ENDPOINT', 'FROM_PROXY', 'FROM_HOST', 'FROM_OVERLAY']);

/** The observed flows of the trace's 5-tuple next to its prediction. Never throws. */
export function observeTrace(trace: DatapathTrace, records: readonly FlowRecord[], opts: ObserveTraceOptions = {}): TraceObservation {
  const keep = opts.keep ?? 20;
  const matches = records.filter((r) => matchesTrace(trace, r.flow));
  const resolvedCache = new Map<string, ObservedPolicy>();
  const resolve = (direction: ObservedDirection, effect: ObservedPolicy['effect'], p: FlowPolicy): ObservedPolicy => {
    const kind = p.kind || kindFromLabels(p.labels);
    const name = p.name ?? '?';
    const key = `${direction}|${effect}|${kind ?? ''}|${p.namespace ?? ''}|${name}`;
    let resolved = resolvedCache.get(key);
    if (!resolved) {
      const found = opts.resolvePolicy ? safeResolve(opts.resolvePolicy, direction, effect, { ...(kind ? { kind } : {}), ...(p.namespace ? { namespace: p.namespace } : {}), name }) : { rules: [], note: 'no policy engine to resolve the rule' };
      resolved = { direction, effect, ...(kind ? { kind } : {}), ...(p.namespace ? { namespace: p.namespace } : {}), name, rules: found.rules, ...(found.note ? { note: found.note } : {}) };
      resolvedCache.set(key, resolved);
    }
    return resolved;
  };

  const predictedHop = predictedDropHop(trace);
  const drops = new Map<string, ObservedDrop>();
  const allowed = new Map<string, ObservedPolicy>();
  const lines: ObservedFlowLine[] = [];
  let forwarded = 0;
  let dropped = 0;
  let newestDrop: bigint | undefined;
  let newestDelivery: bigint | undefined;
  for (const record of matches) {
    const flow = record.flow;
    const direction = flowDirection(trace, record);
    const hopKind = hopKindOf(trace, record, direction);
    const hop = hopIndex(trace, hopKind);
    const t = timeOf(record.time);
    const node = record.nodeName || flow.node_name;
    for (const p of flow.egress_allowed_by ?? []) addPolicy(allowed, resolve('egress', 'allowed', p));
    for (const p of flow.ingress_allowed_by ?? []) addPolicy(allowed, resolve('ingress', 'allowed', p));
    if (flow.verdict === 'DROPPED') {
      dropped++;
      if (newestDrop === undefined || t > newestDrop) newestDrop = t;
      const reason = dropReasonOf(flow);
      const key = `${hopKind}|${reason}|${node ?? ''}`;
      let drop = drops.get(key);
      if (!drop) {
        drop = { hop, hopKind, ...(direction ? { direction } : {}), reason, ...(node ? { node } : {}), count: 0, last: record.time, policies: [], explanation: '' };
        drops.set(key, drop);
      }
      drop.count++;
      if (timeOf(drop.last) < t) drop.last = record.time;
      for (const p of flow.egress_denied_by ?? []) addPolicy(drop.policies, resolve('egress', 'denied', p));
      for (const p of flow.ingress_denied_by ?? []) addPolicy(drop.policies, resolve('ingress', 'denied', p));
    } else if (flow.verdict === 'FORWARDED' || flow.verdict === 'REDIRECTED') {
      forwarded++;
      if (isDelivery(trace, flow, direction)) {
        if (newestDelivery === undefined || t > newestDelivery) newestDelivery = t;
      }
    }
    lines.push({
      time: record.time,
      verdict: flow.verdict ?? 'VERDICT_UNKNOWN',
      ...(direction ? { direction } : {}),
      event: flowEventName(flow, 'flow'),
      ...(sourcePort(flow) !== undefined ? { sourcePort: sourcePort(flow) } : {}),
      ...(flow.drop_reason_desc ? { dropReason: flow.drop_reason_desc } : {}),
      ...(node ? { node } : {}),
      hop,
    });
  }
  for (const drop of drops.values()) {
    drop.explanation = explainDrop(trace, drop);
    // POLICY_DENIED names no policy: the isolating policies of the prediction are the ones to read
    if (drop.policies.length === 0 && drop.reason === 'POLICY_DENIED' && drop.direction) {
      const side = trace.policy[drop.direction];
      if (side.by.length) drop.policies.push(...isolatingPolicies(drop.direction, side.by));
    }
  }

  const verdict: ObservedVerdict =
    newestDrop !== undefined && (newestDelivery === undefined || newestDrop >= newestDelivery) ? 'deny' : newestDelivery !== undefined ? 'allow' : 'none';
  const mixed = newestDrop !== undefined && newestDelivery !== undefined;
  const dropList = [...drops.values()].sort((a, b) => (timeOf(b.last) > timeOf(a.last) ? 1 : -1));
  const observedHop = verdict === 'deny' ? (dropList[0]?.hop ?? null) : null;
  const sameHop = verdict === 'deny' && trace.verdict === 'deny' ? observedHop !== null && observedHop === predictedHop : null;
  const mismatch = mismatchOf(trace, verdict, dropList, [...allowed.values()], predictedHop);
  // each time parsed once, not once per comparison
  const times = new Map(lines.map((l) => [l, timeOf(l.time)]));
  lines.sort((a, b) => {
    const x = times.get(a) as bigint;
    const y = times.get(b) as bigint;
    return y > x ? 1 : y < x ? -1 : 0;
  });
  const observation: TraceObservation = {
    flowsSeen: records.length,
    matched: matches.length,
    forwarded,
    dropped,
    verdict,
    mixed,
    predicted: trace.verdict,
    predictedHop,
    mismatch,
    sameHop,
    drops: dropList,
    allowedBy: [...allowed.values()],
    flows: lines.slice(0, keep),
    summary: '',
  };
  observation.summary = summarize(trace, observation);
  return observation;
}

/** Whether a flow is the traced traffic: same source, destination (the backend), port and protocol, not a reply. */
export function matchesTrace(trace: DatapathTrace, flow: Flow): boolean {
  if (flow.is_reply === true || flow.reply === true) return false;
  const l4 = flow.l4;
  const protocol = trace.request.protocol;
  const ports = protocol === 'TCP' ? l4?.TCP : protocol === 'UDP' ? l4?.UDP : protocol === 'SCTP' ? l4?.SCTP : undefined;
  if (!ports) return false;
  const port = trace.destination.port ?? trace.request.port;
  if (port !== undefined && ports.destination_port !== port) return false;
  const sameEnd = (end: DatapathTrace['source'], ep: Flow['source'], ip: string | undefined): boolean => {
    if (ip && ip === end.ip) return true;
    return Boolean(end.name && ep?.pod_name && ep.namespace && end.name === `${ep.namespace}/${ep.pod_name}`);
  };
  return sameEnd(trace.source, flow.source, flow.IP?.source) && sameEnd(trace.destination, flow.destination, flow.IP?.destination);
}

function flowDirection(trace: DatapathTrace, record: FlowRecord): ObservedDirection | undefined {
  const flow = record.flow;
  if (flow.traffic_direction === 'INGRESS') return 'ingress';
  if (flow.traffic_direction === 'EGRESS') return 'egress';
  const point = flow.trace_observation_point;
  if (point && SOURCE_SIDE_POINTS.has(point)) return 'egress';
  if (point && DESTINATION_SIDE_POINTS.has(point)) return 'ingress';
  const node = bareNode(record.nodeName || flow.node_name);
  if (node && node === trace.destination.node && node !== trace.source.node) return 'ingress';
  if (node && node === trace.source.node && node !== trace.destination.node) return 'egress';
  return undefined;
}

function hopKindOf(trace: DatapathTrace, record: FlowRecord, direction: ObservedDirection | undefined): HopKind {
  const flow = record.flow;
  const reason = flow.verdict === 'DROPPED' ? flow.drop_reason_desc : undefined;
  if (reason && !POLICY_DROPS.has(reason) && DROP_REASON_HOP[reason]) return DROP_REASON_HOP[reason];
  if (flow.trace_observation_point === 'FROM_NETWORK') return 'eni-ingress';
  if (flow.trace_observation_point === 'TO_NETWORK') return 'eni-egress';
  if (direction === 'ingress') return 'cilium-ingress';
  if (direction === 'egress') return 'cilium-egress';
  return trace.policy.ingress.enforced ? 'cilium-ingress' : 'cilium-egress';
}

function hopIndex(trace: DatapathTrace, kind: HopKind): number | null {
  const i = trace.hops.findIndex((h) => h.kind === kind);
  return i < 0 ? null : i;
}

/** The hop where the prediction stops the packet: a dropping hop, else the policy hook that denies. */
function predictedDropHop(trace: DatapathTrace): number | null {
  const dropping = trace.hops.findIndex((h) => h.dropsPacket !== undefined || h.status === 'drop');
  if (dropping >= 0) return dropping;
  if (trace.policy.egress.verdict === 'deny') return hopIndex(trace, 'cilium-egress');
  if (trace.policy.ingress.verdict === 'deny') return hopIndex(trace, 'cilium-ingress');
  return null;
}

/** A forwarded flow that shows the packet got through: at the destination's side, or at the source's when nothing enforces ingress. */
function isDelivery(trace: DatapathTrace, flow: Flow, direction: ObservedDirection | undefined): boolean {
  if (flow.trace_observation_point === 'TO_ENDPOINT') return true;
  if (direction === 'ingress') return true;
  return direction === 'egress' && !trace.policy.ingress.enforced;
}

function isolatingPolicies(direction: ObservedDirection, by: PolicyRuleRef[]): ObservedPolicy[] {
  return by.map((r) => ({
    direction,
    effect: 'denied' as const,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    rules: [r],
    note: 'POLICY_DENIED names no policy: this policy isolates the endpoint and no rule allows the traffic',
  }));
}

function explainDrop(trace: DatapathTrace, drop: ObservedDrop): string {
  const where = drop.hop !== null ? `hop ${drop.hop + 1} (${hopLabel(drop.hopKind, trace)})` : `${hopLabel(drop.hopKind, trace)}, which this trace does not pass`;
  const on = drop.node ? ` on ${bareNode(drop.node)}` : '';
  switch (drop.reason) {
    case 'POLICY_DENIED':
      return `dropped at ${where}${on}: the ${drop.direction ?? 'policy'} side is isolated by a policy and no rule allows this traffic`;
    case 'POLICY_DENY':
      return `dropped at ${where}${on}: an explicit deny rule (${drop.direction === 'egress' ? 'egressDeny' : 'ingressDeny'}) matches`;
    case 'AUTH_REQUIRED':
    case 'POLICY_AUTH_REQUIRED':
      return `dropped at ${where}${on}: the rule requires mutual authentication that did not happen`;
    default:
      return `dropped at ${where}${on}: ${drop.reason}`;
  }
}

function hopLabel(kind: HopKind, trace: DatapathTrace): string {
  switch (kind) {
    case 'cilium-ingress':
      return `cil_to_container, ingress policy of ${trace.destination.name ?? trace.destination.ip}`;
    case 'cilium-egress':
      return `cil_from_container, egress policy of ${trace.source.name ?? trace.source.ip}`;
    default:
      return kind;
  }
}

function mismatchOf(trace: DatapathTrace, observed: ObservedVerdict, drops: ObservedDrop[], allowed: ObservedPolicy[], predictedHop: number | null): TraceObservation['mismatch'] {
  if (observed === 'none' || trace.verdict === 'unknown' || observed === trace.verdict) return null;
  if (trace.verdict === 'allow') {
    const drop = drops[0]!;
    const named = drop.policies.filter((p) => p.effect === 'denied').map(policyName);
    const why = POLICY_DROPS.has(drop.reason)
      ? named.length
        ? `Hubble names ${named.join(', ')}; the model of the cluster does not deny with it (a policy changed or is missing from what CNI Lens read, or the engine's semantics differ)`
        : 'the datapath enforces a policy the model does not see as denying (a policy applied after the flows were seen, one missing from what CNI Lens read, or an identity the model resolved differently)'
      : `the drop is not a policy decision (${drop.reason}): the datapath failed where the trace expected it to pass`;
    return { predicted: 'allow', observed: 'deny', explanation: `predicted allow, but Hubble saw the packet dropped (${drop.explanation}); ${why}` };
  }
  const names = allowed.map(policyName);
  const at = predictedHop !== null ? ` at hop ${predictedHop + 1}` : '';
  return {
    predicted: 'deny',
    observed: 'allow',
    explanation: `predicted deny${at}, but Hubble saw the packet delivered${names.length ? ` (allowed by ${names.join(', ')})` : ''}; the flows may predate a policy change, or a policy that allows it is missing from what CNI Lens read`,
  };
}

function summarize(trace: DatapathTrace, o: TraceObservation): string {
  if (o.flowsSeen === 0) return 'no flows to compare with';
  if (o.matched === 0) return `none of ${o.flowsSeen} flows is this traffic (${trace.source.ip} → ${trace.destination.ip}:${trace.destination.port ?? trace.request.port ?? '*'} ${trace.request.protocol})`;
  const counts = `${o.matched} flows (${o.forwarded} forwarded, ${o.dropped} dropped)`;
  if (o.mismatch) return `MISMATCH: ${o.mismatch.explanation} — ${counts}`;
  if (o.verdict === 'deny') {
    const drop = o.drops[0]!;
    const same = o.sameHop === true ? ', on the hop the trace predicts' : o.sameHop === false ? ', on another hop than the trace predicts' : '';
    return `observed drop matches the prediction${same}: ${drop.explanation} — ${counts}`;
  }
  if (o.verdict === 'allow') return `observed delivery matches the prediction — ${counts}`;
  return `no decisive flow yet (only the source side was seen) — ${counts}`;
}

function policyName(p: ObservedPolicy): string {
  return `${p.kind ? `${p.kind} ` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

function addPolicy(target: Map<string, ObservedPolicy> | ObservedPolicy[], p: ObservedPolicy): void {
  if (Array.isArray(target)) {
    if (!target.includes(p)) target.push(p);
  } else {
    target.set(`${p.direction}|${p.kind ?? ''}|${p.namespace ?? ''}|${p.name}`, p);
  }
}

function safeResolve(
  resolver: ObservedPolicyResolver,
  direction: ObservedDirection,
  effect: ObservedPolicy['effect'],
  policy: { kind?: string; namespace?: string; name: string },
): { rules: PolicyRuleRef[]; note?: string } {
  try {
    return resolver(direction, effect, policy);
  } catch (err) {
    return { rules: [], note: `cannot resolve the rule: ${(err as Error)?.message ?? String(err)}` };
  }
}

/** `k8s:io.cilium.k8s.policy.derived-from=NetworkPolicy` → `NetworkPolicy`. */
function kindFromLabels(labels: string[] | undefined): string | undefined {
  for (const label of labels ?? []) {
    const m = /^(?:k8s:)?io\.cilium\.k8s\.policy\.derived-from=(.+)$/.exec(label);
    if (m) return m[1];
  }
  return undefined;
}

/** The drop reason; a policy-verdict event that denied carries none: it is the policy's decision on the same packet. */
function dropReasonOf(flow: Flow): string {
  if (flow.drop_reason_desc) return flow.drop_reason_desc;
  if (flow.event_type?.type === 5) return (flow.ingress_denied_by?.length || flow.egress_denied_by?.length) ? 'POLICY_DENY' : 'POLICY_DENIED';
  return flow.drop_reason !== undefined ? `drop reason ${flow.drop_reason}` : 'unknown reason';
}

function sourcePort(flow: Flow): number | undefined {
  return (flow.l4?.TCP ?? flow.l4?.UDP ?? flow.l4?.SCTP)?.source_port;
}


/** `cluster/node` → `node`. */
function bareNode(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const i = name.indexOf('/');
  return i >= 0 ? name.slice(i + 1) : name;
}

function timeOf(time: string): bigint {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return 0n;
  const frac = /\.(\d+)Z$/i.exec(time)?.[1] ?? '';
  const nanosInSecond = BigInt((frac + '000000000').slice(0, 9));
  return BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + nanosInSecond;
}

/**
 * A resolver from the policy engine's verdict for the traced traffic: the rules of the named policy
 * among the deciding rules of that direction, else whether the policy selects the endpoint at all.
 */
export function resolverFromVerdict(sides: Record<ObservedDirection, { by: Array<PolicyRuleRef & { effect?: string }>; selectedBy: Array<{ kind: string; namespace?: string; name: string; file?: string; line?: number }> } | undefined>): ObservedPolicyResolver {
  return (direction, effect, policy) => {
    const side = sides[direction];
    if (!side) return { rules: [], note: 'the policy engine did not decide this direction' };
    const same = (r: { kind: string; namespace?: string; name: string }): boolean =>
      r.name === policy.name && (r.namespace ?? '') === (policy.namespace ?? '') && (!policy.kind || r.kind === policy.kind);
    const fits = (r: { effect?: string }): boolean => (effect === 'allowed' ? r.effect === 'allow' : r.effect === 'deny' || r.effect === 'isolate');
    const rules = side.by.filter((r) => same(r) && fits(r)).map((r) => ({ kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name, rule: r.rule, ...(r.file ? { file: r.file } : {}), ...(r.line ? { line: r.line } : {}) }));
    if (rules.length) return { rules };
    const selecting = side.selectedBy.find(same);
    if (selecting) {
      const at = selecting.file ? ` (${selecting.file}${selecting.line ? `:${selecting.line}` : ''})` : '';
      return { rules: [], note: `selects the endpoint for ${direction}${at}, but the policy engine finds no rule of it that ${effect === 'allowed' ? 'allows' : 'denies'} this traffic` };
    }
    return { rules: [], note: `not among the policies CNI Lens read for this endpoint (deleted, renamed, or not loaded)` };
  };
}

/** The resolver for a trace: one engine verdict for the traced traffic (source → backend, port after translation). */
export function engineResolver(engine: PolicyEngine, trace: DatapathTrace): ObservedPolicyResolver {
  const end = (e: DatapathTrace['source']): EndpointQuery => (e.name && (e.kind === 'pod' || e.kind === 'host-network-pod') ? e.name : { cidr: `${e.ip}/32` });
  const port = trace.destination.port ?? trace.request.port;
  let verdict: PolicyVerdict | undefined;
  let error: string | undefined;
  if (port === undefined) error = 'the trace has no destination port';
  else {
    try {
      verdict = engine.verdict({ from: end(trace.source), to: end(trace.destination), port, protocol: trace.request.protocol });
    } catch (err) {
      error = (err as Error)?.message ?? String(err);
    }
  }
  if (!verdict) return () => ({ rules: [], note: `cannot ask the policy engine: ${error}` });
  return resolverFromVerdict({ egress: verdict.egress, ingress: verdict.ingress });
}

/** The Hubble filter for a trace's flows: source and destination address, destination port, protocol. */
export function traceFlowFilter(trace: DatapathTrace): FlowFilter[] {
  const port = trace.destination.port ?? trace.request.port;
  return [{
    source_ip: [trace.source.ip],
    destination_ip: [trace.destination.ip],
    ...(port !== undefined ? { destination_port: [String(port)] } : {}),
    protocol: [trace.request.protocol.toLowerCase()],
  }];
}

/** Flows could not be read: why (e.g. "Hubble not installed: …"). */
export interface ObservationUnavailable {
  available: false;
  /** Where flows were looked for. */
  from: string;
  detail: string;
}

export type TraceObserved = ({ available: true; from: string } & TraceObservation) | ObservationUnavailable;

/** The observation as text lines under a trace (`cni-lens trace`). */
export function formatObserved(trace: DatapathTrace, observed: TraceObserved): string[] {
  if (!observed.available) return [`Observed (${observed.from}): unavailable — ${observed.detail}`];
  const lines = [`Observed (${observed.from}): ${observed.verdict === 'none' ? 'no decisive flow' : observed.verdict.toUpperCase()} — ${observed.summary}`];
  if (observed.mismatch) lines.push(`  MISMATCH: predicted ${observed.mismatch.predicted}, observed ${observed.mismatch.observed}`);
  for (const d of observed.drops) {
    lines.push(`  drop ×${d.count} ${d.reason} at ${d.hop !== null ? `hop ${d.hop + 1} [${trace.hops[d.hop]?.owner ?? '?'}] ${d.hopKind}` : `${d.hopKind} (not on this path)`}${d.node ? ` on ${d.node}` : ''}, last ${d.last}`);
    for (const p of d.policies) lines.push(`    ${observedPolicyLine(p)}`);
  }
  for (const p of observed.allowedBy) lines.push(`  ${observedPolicyLine(p)}`);
  return lines;
}

function observedPolicyLine(p: ObservedPolicy): string {
  const name = `${p.kind ? `${p.kind} ` : ''}${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
  const rules = p.rules.map((r) => `${r.rule}${r.file ? ` (${r.file}${r.line ? `:${r.line}` : ''})` : ''}`).join(', ');
  return `${p.direction} ${p.effect} by ${name}${rules ? ` ${rules}` : ''}${p.note ? ` — ${p.note}` : ''}`;
}
