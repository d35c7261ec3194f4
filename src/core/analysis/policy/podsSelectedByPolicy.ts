/**
 * The pods a policy selects, found through the store's indexes rather than by scanning every pod:
 * the candidates are the pods carrying the selector's anchor label (`podKeysWithLabel`), or the
 * pods of the policy's namespace (`podsInNamespace`), and only they are matched in full.
 */
import type { NetworkPolicyInfo, PodInfo } from '../../model';
import type { ClusterStore } from '../../store/clusterStore';
import { compileCiliumPolicy } from './compileCiliumPolicy';
import { compileNetworkPolicy } from './compileNetworkPolicy';
import { matchesSelector, NAMESPACE_LABEL, type Selector } from './labelSelector';
import { LabelCache, type PodEnd } from './policyEndpoints';

export interface SelectedPods {
  pods: PodInfo[];
  /** How many pods were matched in full (the rest were never looked at). */
  candidates: number;
}

/**
 * Pods selected by a NetworkPolicy's podSelector, or by the endpointSelectors of a Cilium policy's
 * rules (Cilium labels as the engine sees them; host-network pods are never selected).
 */
export function podsSelectedByPolicy(store: ClusterStore, info: NetworkPolicyInfo, clusterName = 'default'): SelectedPods {
  const labels = new LabelCache();
  const selected = new Map<string, PodInfo>();
  let candidates = 0;
  const consider = (selector: Selector, namespace: string | undefined, cilium: boolean): void => {
    for (const pod of candidatePods(store, selector, namespace)) {
      if (pod.hostNetwork || selected.has(`${pod.namespace}/${pod.name}`)) continue;
      candidates++;
      const set = cilium ? labels.ciliumLabels(podEnd(store, labels, pod), clusterName) : labels.pod(pod);
      if (matchesSelector(selector, set)) selected.set(`${pod.namespace}/${pod.name}`, pod);
    }
  };
  if (info.kind === 'NetworkPolicy') {
    const np = compileNetworkPolicy(info);
    consider(np.podSelector, np.namespace, false);
  } else {
    const policy = compileCiliumPolicy(info);
    for (const rule of policy.rules) if (rule.endpointSelector) consider(rule.endpointSelector, policy.namespace, true);
  }
  return { pods: [...selected.values()], candidates };
}

function candidatePods(store: ClusterStore, selector: Selector, namespace: string | undefined): PodInfo[] {
  if (selector.matchesNothing) return [];
  const anchor = selector.anchor;
  if (anchor && anchor.key === NAMESPACE_LABEL) return store.podsInNamespace(anchor.value);
  // labels Cilium derives (namespace labels, service account, cluster) are not pod labels: no label index for them
  if (anchor && !anchor.key.startsWith('io.cilium.k8s.')) {
    const out: PodInfo[] = [];
    for (const key of store.podKeysWithLabel(anchor.key, anchor.value)) {
      const pod = store.get('pod', key);
      if (pod && (namespace === undefined || pod.namespace === namespace)) out.push(pod);
    }
    return out;
  }
  if (namespace !== undefined) return store.podsInNamespace(namespace);
  return [...store.list('pod')];
}

function podEnd(store: ClusterStore, labels: LabelCache, pod: PodInfo): PodEnd {
  const ns = labels.namespace(store, pod.namespace);
  const cep = store.get('ciliumEndpoint', `${pod.namespace}/${pod.name}`);
  const end: PodEnd = { kind: 'pod', key: `${pod.namespace}/${pod.name}`, pod, namespaceLabels: ns.labels, namespaceLabelSet: ns.set, podLabelSet: labels.pod(pod), managed: cep !== undefined };
  if (cep) end.cep = cep;
  return end;
}
