/**
 * Pods by how Cilium sees them — host network, managed (a CiliumEndpoint), unmanaged — counted on
 * first use and then kept up to date from the store's change events (a pod and its CiliumEndpoint
 * share a key), so that entity and Service hovers do not walk every pod of a large cluster.
 * When the store holds no CiliumEndpoint at all, every pod-network pod is taken as managed, as the
 * policy engine does.
 */
import type { NodeInfo, PodInfo } from '../model';
import type { WorkSlices } from '../sources/eventLoopTurns';
import type { ClusterStore } from '../store/clusterStore';

type PodClass = 'host' | 'managed' | 'unmanaged';

export interface Census {
  nodes: NodeInfo[];
  hostNetworkPods: PodInfo[];
  managedCount: number;
  unmanagedPods: PodInfo[];
}

export class PodCensus {
  private readonly classOf = new Map<string, PodClass>();
  private readonly members: Record<PodClass, Set<string>> = { host: new Set(), managed: new Set(), unmanaged: new Set() };
  private readonly dirty = new Set<string>();
  private built = false;
  /** A build in steps is under way (changes meanwhile are marked dirty, as after a build). */
  private building = false;
  /** Bumped by every synchronous rebuild: a build in steps that sees it change stops. */
  private generation = 0;
  private assumeManaged = false;
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: ClusterStore) {
    this.subscription = store.onChange((changes) => {
      if (!this.built && !this.building) return;
      for (const c of changes) if (c.kind === 'pod' || c.kind === 'ciliumEndpoint') this.dirty.add(c.key);
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }

  census(): Census {
    this.sync();
    const resolve = (keys: Set<string>): PodInfo[] => {
      const out: PodInfo[] = [];
      for (const key of keys) {
        const pod = this.store.get('pod', key);
        if (pod) out.push(pod);
      }
      return out.sort((a, b) => (a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace)));
    };
    return {
      nodes: [...this.store.list('node')].sort((a, b) => a.name.localeCompare(b.name)),
      hostNetworkPods: resolve(this.members.host),
      managedCount: this.members.managed.size,
      unmanagedPods: resolve(this.members.unmanaged),
    };
  }

  private sync(): void {
    const assume = this.store.count('ciliumEndpoint') === 0;
    if (!this.built || assume !== this.assumeManaged || this.dirty.size > this.classOf.size / 2) {
      this.generation++;
      this.building = false;
      this.clear(assume);
      for (const key of this.store.keys('pod')) this.classify(key);
      this.built = true;
      return;
    }
    for (const key of this.dirty) this.classify(key);
    this.dirty.clear();
  }

  /**
   * Classifies the pods in `steps`, so that 150,000 pods do
   * not hold the event loop. Pods that change meanwhile are classified again by the next `census()`;
   * a `census()` before the end classifies everything at once, and this stops.
   */
  async buildInSteps(steps: WorkSlices): Promise<void> {
    if (this.built || this.building) return;
    const generation = this.generation;
    this.building = true;
    this.clear(this.store.count('ciliumEndpoint') === 0);
    for (const key of [...this.store.keys('pod')]) {
      this.classify(key);
      if (!steps.due()) continue;
      await steps.pause();
      if (this.generation !== generation) return;
    }
    this.building = false;
    this.built = true;
  }

  private clear(assumeManaged: boolean): void {
    this.classOf.clear();
    for (const set of Object.values(this.members)) set.clear();
    this.dirty.clear();
    this.assumeManaged = assumeManaged;
  }

  private classify(key: string): void {
    const previous = this.classOf.get(key);
    if (previous) this.members[previous].delete(key);
    this.classOf.delete(key);
    const pod = this.store.get('pod', key);
    if (!pod) return;
    const cls: PodClass = pod.hostNetwork ? 'host' : this.assumeManaged || this.store.get('ciliumEndpoint', key) !== undefined ? 'managed' : 'unmanaged';
    this.classOf.set(key, cls);
    this.members[cls].add(key);
  }
}
