/**
 * The policies that select pods, per direction, found through the policy engine's policy index:
 * NetworkPolicies by podSelector (in the pod's namespace, when they isolate that direction) and,
 * when Cilium enforces, the rules of Cilium policies by endpointSelector. Under Cilium a pod
 * without a CiliumEndpoint is not enforced, whatever selects it.
 */
import type { PodInfo, PolicyKind } from '../model';
import { podKey, type ClusterFacts } from './clusterFacts';
import { firstNames, markdownEscape, plural } from './hoverMarkdown';

export interface SelectingPolicy {
  kind: PolicyKind;
  namespace?: string;
  name: string;
  /** Pods of the set it selects in this direction. */
  pods: number;
}

export interface PodPolicies {
  ingress: SelectingPolicy[];
  egress: SelectingPolicy[];
  /** Pods Cilium does not manage: no policy is enforced on them. */
  notEnforced: PodInfo[];
}

/**
 * `assumeManaged`: the pods are a workload's pod template, not running pods — once created they get
 * a CiliumEndpoint, so Cilium's rules count for them.
 */
export function policiesSelecting(facts: ClusterFacts, pods: readonly PodInfo[], opts: { assumeManaged?: boolean } = {}): PodPolicies {
  const ingress = new Map<string, SelectingPolicy>();
  const egress = new Map<string, SelectingPolicy>();
  const notEnforced: PodInfo[] = [];
  const add = (into: Map<string, SelectingPolicy>, p: { kind: PolicyKind; namespace?: string; name: string }, seen: Set<string>): void => {
    const key = `${p.kind}/${p.namespace ?? ''}/${p.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const entry = into.get(key);
    if (entry) entry.pods++;
    else into.set(key, { kind: p.kind, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}), name: p.name, pods: 1 });
  };
  for (const pod of pods) {
    if (pod.hostNetwork) continue;
    if (facts.engine === 'cilium' && !opts.assumeManaged && !facts.managed(pod)) {
      notEnforced.push(pod);
      continue;
    }
    const seenIn = new Set<string>();
    const seenOut = new Set<string>();
    for (const np of facts.policyIndex.networkPoliciesSelecting(pod.namespace, facts.podLabels(pod))) {
      if (np.ingressIsolation) add(ingress, np.info, seenIn);
      if (np.egressIsolation) add(egress, np.info, seenOut);
    }
    if (facts.engine !== 'cilium') continue;
    for (const { policy, rule } of facts.policyIndex.ciliumRulesSelecting(pod.namespace, facts.ciliumLabels(pod))) {
      if (rule.hasIngress) add(ingress, policy.info, seenIn);
      if (rule.hasEgress) add(egress, policy.info, seenOut);
    }
  }
  const sorted = (m: Map<string, SelectingPolicy>) => [...m.values()].sort((a, b) => policyName(a).localeCompare(policyName(b)));
  return { ingress: sorted(ingress), egress: sorted(egress), notEnforced };
}

function policyName(p: { kind: string; namespace?: string; name: string }): string {
  return `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

/** Markdown lines: `Ingress: …`, `Egress: …`, and the pods on which nothing is enforced. */
export function policyLines(result: PodPolicies, podCount: number): string[] {
  const enforced = podCount - result.notEnforced.length;
  const line = (title: string, list: SelectingPolicy[], open: string): string => {
    if (list.length === 0) return `- **${title}**: no policy selects ${enforced === 1 ? 'it' : 'them'}: ${open}`;
    const names = list.map((p) => `${markdownEscape(policyName(p))}${p.pods < enforced ? ` (${p.pods} of ${enforced} pods)` : ''}`);
    return `- **${title}**: ${names.join(', ')}`;
  };
  const lines = enforced > 0 ? [line('Ingress', result.ingress, 'all ingress allowed'), line('Egress', result.egress, 'all egress allowed')] : [];
  if (result.notEnforced.length > 0) {
    lines.push(`- ${plural(result.notEnforced.length, 'pod')} without a CiliumEndpoint: Cilium does not manage ${result.notEnforced.length === 1 ? 'it' : 'them'} and enforces no policy on ${result.notEnforced.length === 1 ? 'it' : 'them'} (${firstNames(result.notEnforced.map(podKey))})`);
  }
  return lines;
}
