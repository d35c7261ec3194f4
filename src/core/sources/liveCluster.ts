import type { KubeConfig } from '@kubernetes/client-node';
import type { Provenance } from '../model';
import { Interner } from '../project/intern';
import { projectKubeObject, type ProjectedKube } from '../project/projectKube';
import { ClusterStore, storeKey, type StoreKind } from '../store/clusterStore';
import { nextTurn } from './eventLoopTurns';
import { KubeInformer, type InformerOptions, type InformerState, type ResourceSpec } from './kubeInformer';
import type { ListTimings } from './kubeRequest';

/**
 * The resources CNI Lens reads from a live cluster: list and watch only. `deploy/rbac/cni-lens-reader.yaml`
 * grants exactly these (plus `get` of single objects and port-forward); change both together.
 */
export const LIVE_RESOURCES: readonly ResourceSpec[] = [
  { id: 'namespaces', path: '/api/v1/namespaces', group: '', resource: 'namespaces' },
  { id: 'nodes', path: '/api/v1/nodes', group: '', resource: 'nodes' },
  { id: 'pods', path: '/api/v1/pods', group: '', resource: 'pods' },
  { id: 'services', path: '/api/v1/services', group: '', resource: 'services' },
  // a slice holds up to 100 endpoints: 250 slices a page made bodies of 1.5 MB, parsed in one go
  { id: 'endpointslices', path: '/apis/discovery.k8s.io/v1/endpointslices', group: 'discovery.k8s.io', resource: 'endpointslices', pageSize: 100 },
  { id: 'networkpolicies', path: '/apis/networking.k8s.io/v1/networkpolicies', group: 'networking.k8s.io', resource: 'networkpolicies' },
  // only the two ConfigMaps with datapath settings: kube-system also holds aws-auth and other configuration
  { id: 'kube-system/configmaps/cilium-config', path: '/api/v1/namespaces/kube-system/configmaps', group: '', resource: 'configmaps', namespace: 'kube-system', name: 'cilium-config' },
  { id: 'kube-system/configmaps/amazon-vpc-cni', path: '/api/v1/namespaces/kube-system/configmaps', group: '', resource: 'configmaps', namespace: 'kube-system', name: 'amazon-vpc-cni' },
  { id: 'kube-system/daemonsets', path: '/apis/apps/v1/namespaces/kube-system/daemonsets', group: 'apps', resource: 'daemonsets', namespace: 'kube-system' },
  { id: 'ciliumendpoints', path: '/apis/cilium.io/v2/ciliumendpoints', group: 'cilium.io', resource: 'ciliumendpoints', optional: true },
  { id: 'ciliumnetworkpolicies', path: '/apis/cilium.io/v2/ciliumnetworkpolicies', group: 'cilium.io', resource: 'ciliumnetworkpolicies', optional: true },
  { id: 'ciliumclusterwidenetworkpolicies', path: '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies', group: 'cilium.io', resource: 'ciliumclusterwidenetworkpolicies', optional: true },
  { id: 'ciliumidentities', path: '/apis/cilium.io/v2/ciliumidentities', group: 'cilium.io', resource: 'ciliumidentities', optional: true },
  { id: 'ciliumnodes', path: '/apis/cilium.io/v2/ciliumnodes', group: 'cilium.io', resource: 'ciliumnodes', optional: true },
  { id: 'eniconfigs', path: '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs', group: 'crd.k8s.amazonaws.com', resource: 'eniconfigs', optional: true },
  { id: 'cninodes', path: '/apis/vpcresources.k8s.aws/v1alpha1/cninodes', group: 'vpcresources.k8s.aws', resource: 'cninodes', optional: true },
];

const LIVE_ORIGIN: Provenance = { source: 'kubernetes-api' };

/** Objects projected and indexed between two turns of the event loop while a list is taken in. */
const INGEST_STEP = 100;



export interface LiveClusterOptions extends InformerOptions {
  resources?: readonly ResourceSpec[];
  onState?: (id: string, state: InformerState) => void;
}

/**
 * Fills a store from a live cluster: one informer per resource, each object projected on ingest.
 * `synced` resolves when every resource has been listed once (or is forbidden or not installed).
 */
export class LiveCluster {
  readonly store: ClusterStore;
  readonly states = new Map<string, InformerState>();
  readonly synced: Promise<void>;
  /** One controller per informer: a signal shared by all of them would collect too many listeners. */
  private readonly controllers: AbortController[] = [];
  private readonly runs: Promise<void>[] = [];
  private readonly timings: ListTimings | undefined;
  /** Equal parts of the objects of this cluster are shared (see `Interner`). */
  private readonly intern = new Interner();

  constructor(kc: KubeConfig, options: LiveClusterOptions = {}, store = new ClusterStore()) {
    this.store = store;
    this.timings = options.timings;
    const resources = options.resources ?? LIVE_RESOURCES;
    const settled: Promise<void>[] = [];
    for (const spec of resources) {
      let markSettled!: () => void;
      settled.push(new Promise<void>((resolve) => (markSettled = resolve)));
      const owned = new Map<string, StoreKind>();
      // keys delivered by the pages of the list in progress; none kept while nothing was owned when
      // the list started (a first list): then nothing can be missing from it
      let listing: Set<string> | undefined;
      const informer = new KubeInformer(kc, spec, {
        replace: (items) => this.replace(owned, items),
        // lists are projected page by page as they arrive: the raw objects of a page are garbage
        // once it is in the store, and the event loop runs between pages
        page: (items) => this.ingestPage(owned, listing, items),
        listed: async () => {
          try {
            if (listing) await this.dropUnlisted(owned, listing);
          } finally {
            listing = undefined;
          }
        },
        event: (type, object) => this.applyEvent(owned, type, object),
        state: (state) => {
          // a list starts (again: a list cut off part way starts over, and what it delivered counts as owned)
          if (state.phase === 'listing') listing = owned.size > 0 ? new Set() : undefined;
          this.states.set(spec.id, state);
          if (state.phase === 'synced' || state.phase === 'forbidden' || state.phase === 'missing' || state.phase === 'stopped') markSettled();
          options.onState?.(spec.id, state);
        },
      }, options);
      const controller = new AbortController();
      this.controllers.push(controller);
      this.runs.push(informer.run(controller.signal));
    }
    this.synced = Promise.all(settled).then(() => undefined);
  }

  async stop(): Promise<void> {
    for (const controller of this.controllers) controller.abort();
    await Promise.allSettled(this.runs);
  }

  private replace(owned: Map<string, StoreKind>, items: unknown[]): void {
    this.store.batch(() => {
      const seen = new Set<string>();
      for (const item of items) {
        const projected = projectKubeObject(item, LIVE_ORIGIN, { intern: this.intern });
        if (!projected) continue;
        const key = this.store.upsert(projected.kind, projected.value as never);
        seen.add(key);
        owned.set(key, projected.kind);
      }
      for (const [key, kind] of owned) {
        if (!seen.has(key)) {
          owned.delete(key);
          this.store.remove(kind, key);
        }
      }
    });
  }

  /**
   * Projects and indexes one page of a list in steps of `INGEST_STEP` objects, each step one store
   * batch (indexes are whole after every step), yielding to the event loop before each step: a
   * page of 500 pods taken in one go, after the JSON.parse of its body, kept the event loop from
   * timers and input for tens of milliseconds.
   */
  private async ingestPage(owned: Map<string, StoreKind>, listing: Set<string> | undefined, items: unknown[]): Promise<void> {
    const timings = this.timings;
    for (let start = 0; start < items.length; start += INGEST_STEP) {
      await nextTurn();
      const end = Math.min(items.length, start + INGEST_STEP);
      const t0 = timings ? performance.now() : 0;
      const projected: ProjectedKube[] = [];
      for (let i = start; i < end; i++) {
        const p = projectKubeObject(items[i], LIVE_ORIGIN, { intern: this.intern });
        if (p) projected.push(p);
      }
      const t1 = timings ? performance.now() : 0;
      let t2 = 0;
      this.store.batch(() => {
        for (const p of projected) {
          const key = this.store.upsert(p.kind, p.value as never);
          listing?.add(key);
          owned.set(key, p.kind);
        }
        if (timings) t2 = performance.now();
      });
      if (timings) {
        const t3 = performance.now();
        timings.projectMs += t1 - t0;
        timings.indexMs += t2 - t1;
        timings.publishMs += t3 - t2;
        timings.objects += end - start;
      }
    }
  }

  /**
   * After a (re)list: what this informer delivered before and the list no longer has is gone. Every
   * listed key is also owned, so equal sizes mean nothing is gone (the usual case, a first list).
   * Removals go in steps like `ingestPage`.
   */
  private async dropUnlisted(owned: Map<string, StoreKind>, listing: Set<string>): Promise<void> {
    if (owned.size === listing.size) return;
    const gone: Array<[string, StoreKind]> = [];
    for (const [key, kind] of owned) if (!listing.has(key)) gone.push([key, kind]);
    for (let start = 0; start < gone.length; start += INGEST_STEP) {
      if (start > 0) await nextTurn();
      this.store.batch(() => {
        for (const [key, kind] of gone.slice(start, start + INGEST_STEP)) {
          owned.delete(key);
          this.store.remove(kind, key);
        }
      });
    }
  }

  private applyEvent(owned: Map<string, StoreKind>, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: unknown): void {
    const projected = projectKubeObject(object, LIVE_ORIGIN, { intern: this.intern });
    if (!projected) return;
    if (type === 'DELETED') {
      const key = storeKey(projected.kind, projected.value as never);
      owned.delete(key);
      this.store.remove(projected.kind, key);
    } else {
      owned.set(this.store.upsert(projected.kind, projected.value as never), projected.kind);
    }
  }
}
