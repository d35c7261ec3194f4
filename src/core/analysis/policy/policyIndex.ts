/**
 * Policies of a store compiled once and indexed so that finding the policies that select an
 * endpoint costs the labels of the endpoint, not the number of policies:
 * - compiled policies are cached by store key and kept while the object or its resourceVersion
 *   is unchanged;
 * - per namespace (the store's namespace index; `''` holds the clusterwide policies), selectors
 *   are indexed by one `key=value` every match must carry; selectors without one are always tried.
 * The index follows the store through its change events; `dispose()` stops that.
 */
import type { NetworkPolicyInfo } from '../../model';
import { storeKey, type ClusterStore } from '../../store/clusterStore';
import { compileCiliumPolicy } from './compileCiliumPolicy';
import type { CompiledCiliumPolicy, CompiledCiliumRule, CompiledNetworkPolicy, CompiledPolicy } from './compiledPolicy';
import { compileNetworkPolicy } from './compileNetworkPolicy';
import { matchesSelector, type LabelSet, type Selector } from './labelSelector';

export interface CiliumRuleRef {
  policy: CompiledCiliumPolicy;
  rule: CompiledCiliumRule;
}

/** Entries indexed by the anchor of their selector. */
class SelectorIndex<T> {
  /** anchor key → anchor value → entries. */
  private readonly anchored = new Map<string, Map<string, Array<{ selector: Selector; value: T }>>>();
  private readonly unanchored: Array<{ selector: Selector; value: T }> = [];
  private readonly all: Array<{ selector: Selector; value: T }> = [];

  add(selector: Selector, value: T): void {
    const entry = { selector, value };
    this.all.push(entry);
    if (selector.matchesNothing) return;
    if (selector.anchor) {
      let byValue = this.anchored.get(selector.anchor.key);
      if (!byValue) {
        byValue = new Map();
        this.anchored.set(selector.anchor.key, byValue);
      }
      const list = byValue.get(selector.anchor.value);
      if (list) list.push(entry);
      else byValue.set(selector.anchor.value, [entry]);
    } else {
      this.unanchored.push(entry);
    }
  }

  /** Values whose selector matches `labels`. */
  matching(labels: LabelSet, useIndex: boolean, out: T[]): void {
    if (!useIndex) {
      for (const e of this.all) if (matchesSelector(e.selector, labels)) out.push(e.value);
      return;
    }
    for (const e of this.unanchored) if (matchesSelector(e.selector, labels)) out.push(e.value);
    for (const [key, values] of labels.entries()) {
      const byValue = this.anchored.get(key);
      if (!byValue) continue;
      for (let i = 0; i < values.length; i++) {
        const value = (values[i] as { value: string }).value;
        // the same key=value from two label sources: look it up once
        let repeated = false;
        for (let j = 0; j < i; j++) if ((values[j] as { value: string }).value === value) repeated = true;
        if (repeated) continue;
        const list = byValue.get(value);
        if (!list) continue;
        for (const e of list) if (matchesSelector(e.selector, labels)) out.push(e.value);
      }
    }
  }
}

interface NamespaceBucket {
  networkPolicies: SelectorIndex<CompiledNetworkPolicy>;
  ciliumRules: SelectorIndex<CiliumRuleRef>;
  /** Rules with a nodeSelector (host policies), clusterwide bucket only. */
  hostRules: CiliumRuleRef[];
  policyCount: number;
}

export class PolicyIndex {
  private readonly compiledCache = new Map<string, { info: NetworkPolicyInfo; compiled: CompiledPolicy }>();
  private readonly buckets = new Map<string, NamespaceBucket>();
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly store: ClusterStore,
    private readonly useSelectorIndex = true,
  ) {
    this.subscription = store.onChange((changes) => {
      for (const c of changes) {
        if (c.kind !== 'networkPolicy') continue;
        // keys: Kind/namespace/name, or Kind/name for clusterwide policies
        const parts = c.key.split('/');
        this.buckets.delete(parts.length >= 3 ? (parts[1] ?? '') : '');
        if (c.type === 'deleted') this.compiledCache.delete(c.key);
      }
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.buckets.clear();
    this.compiledCache.clear();
  }

  /** The compiled form of a policy, cached by identity and resourceVersion. */
  compiled(info: NetworkPolicyInfo): CompiledPolicy {
    const key = storeKey('networkPolicy', info);
    const cached = this.compiledCache.get(key);
    if (cached && (cached.info === info || (info.resourceVersion !== undefined && cached.info.resourceVersion === info.resourceVersion && cached.info.uid === info.uid))) {
      return cached.compiled;
    }
    const compiled = info.kind === 'NetworkPolicy' ? compileNetworkPolicy(info) : compileCiliumPolicy(info);
    this.compiledCache.set(key, { info, compiled });
    return compiled;
  }

  /** NetworkPolicies of `namespace` whose podSelector matches the pod's labels. */
  networkPoliciesSelecting(namespace: string, podLabels: LabelSet): CompiledNetworkPolicy[] {
    const out: CompiledNetworkPolicy[] = [];
    this.bucket(namespace).networkPolicies.matching(podLabels, this.useSelectorIndex, out);
    return out;
  }

  /** Rules of CiliumNetworkPolicies of `namespace` and of clusterwide policies whose endpointSelector matches. */
  ciliumRulesSelecting(namespace: string, endpointLabels: LabelSet): CiliumRuleRef[] {
    const out: CiliumRuleRef[] = [];
    this.bucket(namespace).ciliumRules.matching(endpointLabels, this.useSelectorIndex, out);
    this.bucket('').ciliumRules.matching(endpointLabels, this.useSelectorIndex, out);
    return out;
  }

  /** Clusterwide rules with a nodeSelector (host firewall policies). */
  hostRules(): readonly CiliumRuleRef[] {
    return this.bucket('').hostRules;
  }

  /** Number of policies (of every kind) in `namespace` ('' for clusterwide). */
  policyCount(namespace: string): number {
    return this.bucket(namespace).policyCount;
  }

  private bucket(namespace: string): NamespaceBucket {
    let bucket = this.buckets.get(namespace);
    if (bucket) return bucket;
    bucket = { networkPolicies: new SelectorIndex(), ciliumRules: new SelectorIndex(), hostRules: [], policyCount: 0 };
    const infos = this.store.policiesInNamespace(namespace);
    // a stable order: by kind, then name (the store's order is insertion order)
    infos.sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? 1 : -1));
    for (const info of infos) {
      bucket.policyCount++;
      const compiled = this.compiled(info);
      if (compiled.kind === 'NetworkPolicy') {
        if (namespace !== '') bucket.networkPolicies.add(compiled.podSelector, compiled);
        continue;
      }
      for (const rule of compiled.rules) {
        if (rule.endpointSelector) bucket.ciliumRules.add(rule.endpointSelector, { policy: compiled, rule });
        else if (rule.nodeSelector) bucket.hostRules.push({ policy: compiled, rule });
      }
    }
    this.buckets.set(namespace, bucket);
    return bucket;
  }
}
