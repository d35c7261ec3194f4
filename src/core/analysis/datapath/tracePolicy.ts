/**
 * The policy part of a trace. The datapath knows where policy is enforced (datapath.md B8: egress in
 * `cil_from_container`, ingress in `cil_to_container`, only for pods with a CiliumEndpoint) and how
 * Cilium sees the peer there; a policy engine, plugged in as a `PolicyEvaluator`, decides the verdict.
 */
import type { Hop, PolicyDirection, PolicyEvaluator, DirectionPolicyQuery, TracePolicy, Verdict } from './datapathTypes';

/** One direction as the datapath sees it: a query for the engine, or a verdict the datapath can give alone. */
export type PolicyPoint = { enforced: true; query: DirectionPolicyQuery; note: string } | { enforced: false; verdict: Verdict; note: string };

function decide(point: PolicyPoint, evaluator: PolicyEvaluator | undefined): PolicyDirection {
  if (!point.enforced) return { verdict: point.verdict, by: [], enforced: false, note: point.note };
  if (!evaluator) return { verdict: 'unknown', by: [], enforced: true, note: `${point.note}; no policy engine connected, so no verdict yet` };
  const decision = evaluator(point.query);
  return { verdict: decision.verdict, by: decision.by, enforced: true, note: point.note, ...(decision.reason ? { reason: decision.reason } : {}) };
}

export function decidePolicy(egress: PolicyPoint, ingress: PolicyPoint, evaluator?: PolicyEvaluator): TracePolicy {
  return { egress: decide(egress, evaluator), ingress: decide(ingress, evaluator) };
}

/**
 * The trace's verdict: `deny` when a hop drops the packet or a direction denies; else `unknown` when a
 * direction is unknown; else `allow`. Hops whose facts are missing do not change it; they are listed.
 */
export function traceVerdict(policy: TracePolicy, hops: readonly Hop[]): { verdict: Verdict; reason: string } {
  const drop = hops.find((h) => h.status === 'drop');
  if (drop) return { verdict: 'deny', reason: `the datapath drops the packet at ${drop.kind}: ${drop.reason ?? drop.text}` };
  const describe = (name: string, d: PolicyDirection) => d.reason
    ? `${name} ${d.verdict}: ${d.reason}`
    : `${name} ${d.verdict}${d.by.length ? ` by ${d.by.map((b) => `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name}`).join(', ')}` : ''} (${d.note})`;
  const parts = `${describe('egress', policy.egress)}; ${describe('ingress', policy.ingress)}`;
  const unknownHops = hops.filter((h) => h.status === 'unknown').length;
  const caveat = unknownHops > 0 ? `; ${unknownHops} hop${unknownHops > 1 ? 's' : ''} with missing facts` : '';
  const verdicts = [policy.egress.verdict, policy.ingress.verdict];
  const verdict: Verdict = verdicts.includes('deny') ? 'deny' : verdicts.includes('unknown') ? 'unknown' : 'allow';
  return { verdict, reason: parts + caveat };
}

/**
 * Marks where the packet stops and what it never reaches: the first hop that drops it (status `drop`,
 * or the enforcement point whose direction denies: `cilium-egress` for egress, `cilium-ingress` for
 * ingress) gets `dropsPacket`, every hop after it `reached: false`. The hops keep their order and
 * their other fields, so a reader still sees where the packet would have gone.
 */
export function markUnreachedHops(hops: Hop[], policy: TracePolicy): void {
  const stop = hops.findIndex(
    (h) => h.status === 'drop' || (h.kind === 'cilium-egress' && policy.egress.verdict === 'deny') || (h.kind === 'cilium-ingress' && policy.ingress.verdict === 'deny'),
  );
  if (stop < 0) return;
  const at = hops[stop] as Hop;
  at.dropsPacket = at.status === 'drop' ? (at.reason ?? `dropped at ${at.kind}`) : `${at.kind === 'cilium-egress' ? 'egress' : 'ingress'} policy denies`;
  for (const hop of hops.slice(stop + 1)) hop.reached = false;
}
