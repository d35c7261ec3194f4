import type { ClusterStore } from '../../store/clusterStore';
import { clusterSettings } from '../clusterSettings';
import type { PolicyEngineKind } from './policyTypes';

export interface PolicyEngineChoice {
  engine: PolicyEngineKind;
  /** Why this engine: what was found, or that the caller asked for it. */
  reason: string;
}

/**
 * The engine that enforces policy in the cluster the store describes: Cilium when the store holds
 * any cilium.io object or Cilium is detected (it then enforces NetworkPolicy too), else
 * Kubernetes NetworkPolicy semantics. `requested` overrides.
 */
export function choosePolicyEngine(store: ClusterStore, requested?: PolicyEngineKind): PolicyEngineChoice {
  if (requested) return { engine: requested, reason: `engine ${requested} requested` };
  const found: string[] = [];
  const count = (n: number, one: string, many: string): void => {
    if (n > 0) found.push(`${n} ${n === 1 ? one : many}`);
  };
  count(store.count('ciliumEndpoint'), 'CiliumEndpoint', 'CiliumEndpoints');
  count(store.count('ciliumIdentity'), 'CiliumIdentity', 'CiliumIdentities');
  count(store.count('ciliumNode'), 'CiliumNode', 'CiliumNodes');
  let cnp = 0;
  let ccnp = 0;
  for (const p of store.list('networkPolicy')) {
    if (p.kind === 'CiliumNetworkPolicy') cnp++;
    else if (p.kind === 'CiliumClusterwideNetworkPolicy') ccnp++;
  }
  count(cnp, 'CiliumNetworkPolicy', 'CiliumNetworkPolicies');
  count(ccnp, 'CiliumClusterwideNetworkPolicy', 'CiliumClusterwideNetworkPolicies');
  if (found.length > 0) return { engine: 'cilium', reason: `Cilium objects found: ${found.join(', ')}` };
  const { mode } = clusterSettings(store);
  if (mode.mode === 'aws-cni-chaining' || mode.mode === 'cilium-only') return { engine: 'cilium', reason: `Cilium detected (${mode.mode}): ${mode.reasons.join('; ')}` };
  return { engine: 'kubernetes', reason: 'no Cilium object and Cilium not detected: Kubernetes NetworkPolicy semantics' };
}
