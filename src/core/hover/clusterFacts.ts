/**
 * What the hovers read from a store besides its objects, computed once per store and dropped when
 * the store changes: the policy engine that enforces (Cilium or Kubernetes), the Cilium cluster
 * name and settings, the policy engine's label cache and policy index, the kube-apiserver
 * addresses. Pod selection itself is the policy engine's (`labelSelector.ts`): this module only
 * chooses the candidate pods through the store's indexes.
 */
import { clusterSettings, type ClusterSettings } from '../analysis/clusterSettings';
import { choosePolicyEngine } from '../analysis/policy/choosePolicyEngine';
import { LabelSet, matchesSelector, NAMESPACE_LABEL, type Selector } from '../analysis/policy/labelSelector';
import { LabelCache, type PodEnd } from '../analysis/policy/policyEndpoints';
import { PolicyIndex } from '../analysis/policy/policyIndex';
import type { PolicyEngineKind } from '../analysis/policy/policyTypes';
import type { NodeInfo, PodInfo } from '../model';
import type { ClusterStore } from '../store/clusterStore';
import type { WorkSlices } from '../sources/eventLoopTurns';
import { AddressIndex, type AddressEntry } from './addressIndex';
import { PodCensus, type Census } from './podCensus';
import { perStore } from '../store/perStore';

export class ClusterFacts {
  readonly labels = new LabelCache();
  readonly policyIndex: PolicyIndex;
  private engineKind: PolicyEngineKind | undefined;
  private settingsCache: ClusterSettings | undefined;
  private apiServer: Set<string> | undefined;
  /** Answers of `memo`, dropped at the store's next change. */
  private readonly memos = new Map<string, unknown>();
  private readonly addressIndex: AddressIndex;
  private readonly podCensus: PodCensus;

  constructor(readonly store: ClusterStore) {
    this.policyIndex = new PolicyIndex(store);
    this.addressIndex = new AddressIndex(store);
    this.podCensus = new PodCensus(store);
    store.onChange(() => {
      this.engineKind = undefined;
      this.settingsCache = undefined;
      this.apiServer = undefined;
      if (this.memos.size > 0) this.memos.clear();
    });
  }

  /**
   * `compute()`, kept under `key` until the store changes: a hover asked again (the pointer comes
   * back to the same CIDR) costs nothing, however much of a large cluster the answer reads.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    if (this.memos.size >= 256) this.memos.clear();
    this.memos.set(key, value);
    return value;
  }

  /** Builds the indexes now rather than on the first hover that needs them. */
  prepare(): void {
    void this.engine;
    void this.settings;
    this.census();
    this.addressIndex.forEachBetween(0, 0, () => {});
    for (const ns of this.namespaceNames()) this.policyIndex.policyCount(ns);
    this.policyIndex.policyCount('');
  }

  /**
   * `prepare()` in `steps` of a few milliseconds: on a cluster of 5,000 nodes the indexes take about
   * a second to build, which must not hold an editor's event loop. `signal` stops it between steps
   * (what was built stays, the rest is built when a hover needs it).
   */
  async prepareInSteps(steps: WorkSlices, signal?: AbortSignal): Promise<void> {
    void this.engine;
    void this.settings;
    await this.podCensus.buildInSteps(steps);
    if (signal?.aborted) return;
    await this.addressIndex.buildInSteps(steps);
    for (const namespace of [...this.namespaceNames(), '']) {
      if (signal?.aborted) return;
      this.policyIndex.policyCount(namespace);
      if (steps.due()) await steps.pause();
    }
  }

  /** Nodes, and pods by how Cilium sees them (kept up to date incrementally). */
  census(): Census {
    return this.podCensus.census();
  }

  /** The store's addresses in `[first, last]` (numbers), unordered. */
  forEachAddressBetween(first: number, last: number, fn: (entry: AddressEntry) => void): void {
    this.addressIndex.forEachBetween(first, last, fn);
  }

  /** Which semantics enforce policy here (Cilium when any Cilium object or Cilium itself is found). */
  get engine(): PolicyEngineKind {
    this.engineKind ??= choosePolicyEngine(this.store).engine;
    return this.engineKind;
  }

  get settings(): ClusterSettings {
    this.settingsCache ??= clusterSettings(this.store);
    return this.settingsCache;
  }

  get clusterName(): string {
    return this.store.get('configMap', 'kube-system/cilium-config')?.data['cluster-name'] || 'default';
  }

  /** Cilium manages the pod: it has a CiliumEndpoint (every pod when the store has none at all, as the engine assumes). */
  managed(pod: PodInfo): boolean {
    if (pod.hostNetwork) return false;
    return this.store.get('ciliumEndpoint', `${pod.namespace}/${pod.name}`) !== undefined || this.store.count('ciliumEndpoint') === 0;
  }

  /** Addresses of the `default/kubernetes` endpoints. */
  get apiServerIps(): ReadonlySet<string> {
    if (!this.apiServer) {
      const ips = new Set<string>();
      for (const slice of this.store.list('endpointSlice')) {
        if (slice.namespace !== 'default' || slice.serviceName !== 'kubernetes') continue;
        for (const ep of slice.endpoints) for (const a of ep.addresses) ips.add(a);
      }
      this.apiServer = ips;
    }
    return this.apiServer;
  }

  /** The pod's Kubernetes labels as the policy engine matches them. */
  podLabels(pod: PodInfo): LabelSet {
    return this.labels.pod(pod);
  }

  /** The pod's labels as Cilium sees them (identity labels, with the namespace and its labels). */
  ciliumLabels(pod: PodInfo): LabelSet {
    const ns = this.labels.namespace(this.store, pod.namespace);
    const cep = this.store.get('ciliumEndpoint', `${pod.namespace}/${pod.name}`);
    const end: PodEnd = {
      kind: 'pod',
      key: `${pod.namespace}/${pod.name}`,
      pod,
      namespaceLabels: ns.labels,
      namespaceLabelSet: ns.set,
      podLabelSet: this.labels.pod(pod),
      managed: this.managed(pod),
    };
    if (cep) end.cep = cep;
    return this.labels.ciliumLabels(end, this.clusterName);
  }

  /** Namespaces known to the store (objects and namespaces that have pods), sorted. */
  namespaceNames(): string[] {
    const names = new Set<string>();
    for (const ns of this.store.list('namespace')) names.add(ns.name);
    for (const ns of this.store.podNamespaces()) names.add(ns);
    return [...names].sort();
  }

  /** Namespaces whose labels (with the automatic `kubernetes.io/metadata.name`) match. */
  namespacesMatching(selector: Selector): string[] {
    return this.namespaceNames().filter((name) => matchesSelector(selector, this.labels.namespace(this.store, name).set));
  }

  /**
   * Pods whose Kubernetes labels match, in `namespaces` (every namespace when undefined), sorted
   * by namespace and name. Host-network pods only with `hostNetwork` (a Service may select them; a
   * policy never applies to them).
   */
  podsMatching(selector: Selector, namespaces: readonly string[] | undefined, opts: { hostNetwork: boolean }): PodInfo[] {
    if (selector.matchesNothing) return [];
    const out: PodInfo[] = [];
    const allowed = namespaces ? new Set(namespaces) : undefined;
    for (const pod of this.candidates(selector, namespaces)) {
      if (allowed && !allowed.has(pod.namespace)) continue;
      if (pod.hostNetwork && !opts.hostNetwork) continue;
      if (matchesSelector(selector, this.labels.pod(pod))) out.push(pod);
    }
    return sortPods(out);
  }

  /**
   * Pods a Cilium endpoint selector (already scoped as Cilium scopes it) matches by their Cilium
   * labels: `managed` ones are selected; `unmanaged` ones carry matching labels but Cilium sees them
   * as the identity `unmanaged`, which label selectors never match. Host-network pods are the host.
   */
  ciliumPodsMatching(selector: Selector): { managed: PodInfo[]; unmanaged: PodInfo[] } {
    const managed: PodInfo[] = [];
    const unmanaged: PodInfo[] = [];
    if (selector.matchesNothing) return { managed, unmanaged };
    for (const pod of this.candidates(selector, undefined)) {
      if (pod.hostNetwork) continue;
      if (!matchesSelector(selector, this.ciliumLabels(pod))) continue;
      (this.managed(pod) ? managed : unmanaged).push(pod);
    }
    return { managed: sortPods(managed), unmanaged: sortPods(unmanaged) };
  }

  /** Nodes whose labels match (CCNP `nodeSelector`, `toNodes`). */
  nodesMatching(selector: Selector): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const node of this.store.list('node')) if (matchesSelector(selector, this.labels.node(node))) out.push(node);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Candidate pods through the store's indexes: the selector's anchor label, its namespace, or every pod. */
  private candidates(selector: Selector, namespaces: readonly string[] | undefined): PodInfo[] {
    const anchor = selector.anchor;
    if (anchor && anchor.key === NAMESPACE_LABEL) return this.store.podsInNamespace(anchor.value);
    if (anchor && !anchor.key.startsWith('io.cilium.k8s.')) {
      const out: PodInfo[] = [];
      for (const key of this.store.podKeysWithLabel(anchor.key, anchor.value)) {
        const pod = this.store.get('pod', key);
        if (pod) out.push(pod);
      }
      return out;
    }
    if (namespaces) return namespaces.flatMap((ns) => this.store.podsInNamespace(ns));
    return [...this.store.list('pod')];
  }
}

/** The facts of a store, created on first use and kept as long as the store lives. */
export const clusterFactsFor = perStore((store) => new ClusterFacts(store));

export function sortPods(pods: PodInfo[]): PodInfo[] {
  return pods.sort((a, b) => (a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace)));
}

export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}
