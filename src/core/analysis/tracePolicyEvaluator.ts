import type { DirectionPolicyQuery, PolicyDecision, PolicyEvaluator } from './datapath/datapathTypes';
import type { PolicyEngine } from './policy/policyEngine';
import type { EndpointQuery } from './policy/policyTypes';

/**
 * Plugs the policy engine into the datapath: each direction Cilium enforces on a traced path is
 * asked of the engine as a query between the subject pod and the peer as that hook sees it.
 */
export function tracePolicyEvaluator(engine: PolicyEngine): PolicyEvaluator {
  return (q: DirectionPolicyQuery): PolicyDecision => {
    if (q.port === undefined) {
      return { verdict: 'unknown', by: [] };
    }
    const subject: EndpointQuery = `${q.subject.namespace}/${q.subject.name}`;
    const peer: EndpointQuery = q.peer.pod ? `${q.peer.pod.namespace}/${q.peer.pod.name}` : { cidr: q.peer.ip.includes('/') ? q.peer.ip : `${q.peer.ip}/32` };
    try {
      const v = engine.verdict(q.direction === 'egress'
        ? { from: subject, to: peer, port: q.port, protocol: q.protocol }
        : { from: peer, to: subject, port: q.port, protocol: q.protocol });
      const side = q.direction === 'egress' ? v.egress : v.ingress;
      return {
        verdict: side.verdict,
        reason: side.reason,
        by: side.by.map((r) => ({ kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name, rule: r.rule, ...(r.file ? { file: r.file } : {}), ...(r.line ? { line: r.line } : {}) })),
      };
    } catch {
      return { verdict: 'unknown', by: [] };
    }
  };
}
