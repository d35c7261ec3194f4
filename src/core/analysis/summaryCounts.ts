/**
 * The pod counts of the cluster summary (host-network pods, distinct pod IPs, pods Cilium does not
 * manage), kept up to date from the store's change events instead of walking every pod on each
 * refresh. What each pod adds to the counts is remembered, so a change takes back the pod's old part
 * and adds its new one. A large store is first counted in steps of a few milliseconds (`ready` is
 * false until then, `whenReady` calls back); a small one is counted at once.
 */
import type { PodInfo } from '../model';
import type { ClusterStore } from '../store/clusterStore';
import { perStore } from '../store/perStore';
import { notifyWaiting } from '../store/notifyWaiting';
import { isUnmanagedPod } from './unmanagedPod';

/** Stores with at most this many pods are counted in one go (a few milliseconds). */
export const COUNT_AT_ONCE_MAX_PODS = 20_000;
/** Milliseconds of counting per turn of the event loop while a large store is first counted. */
const STEP_MS = 8;

interface PodPart {
  hostNetwork: boolean;
  ips: readonly string[];
  unmanaged: boolean;
}

export class SummaryCounts {
  private readonly parts = new Map<string, PodPart>();
  private readonly ipRefs = new Map<string, number>();
  private readonly unmanagedKeys = new Set<string>();
  private hostNetwork = 0;
  /** Pod keys not counted yet (the first count of a large store), and how far it got. */
  private todo: string[] | undefined;
  private next = 0;
  private readonly waiting = new Set<() => void>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: ClusterStore) {
    this.subscription = store.onChange((changes) => {
      for (const change of changes) {
        if (change.kind === 'pod' || change.kind === 'ciliumEndpoint') this.recount(change.key);
      }
    });
    this.todo = [...store.keys('pod')];
    if (this.todo.length <= COUNT_AT_ONCE_MAX_PODS) this.step(Infinity);
    else setImmediate(() => this.stepLater());
  }

  get ready(): boolean {
    return this.todo === undefined;
  }

  /** Calls `callback` once, on a later turn, when the first count is done (not at all when it is). */
  whenReady(callback: () => void): void {
    if (!this.ready) this.waiting.add(callback);
  }

  get hostNetworkPods(): number {
    return this.hostNetwork;
  }

  get podIps(): number {
    return this.ipRefs.size;
  }

  get unmanagedPods(): number {
    return this.unmanagedKeys.size;
  }

  /** Keys (`namespace/name`) of pods with a pod-network IP, running, and no CiliumEndpoint. */
  unmanagedPodKeys(): ReadonlySet<string> {
    return this.unmanagedKeys;
  }

  dispose(): void {
    this.subscription.dispose();
    this.todo = undefined;
    this.waiting.clear();
  }

  private stepLater(): void {
    if (!this.todo) return;
    this.step(STEP_MS);
    if (this.todo) {
      setImmediate(() => this.stepLater());
      return;
    }
    notifyWaiting(this.waiting);
  }

  /** Counts pods of the first count for up to `ms` milliseconds. */
  private step(ms: number): void {
    const todo = this.todo;
    if (!todo) return;
    const until = performance.now() + ms;
    while (this.next < todo.length) {
      // checking the clock every 256 pods: reading it costs more than counting a pod
      for (const end = Math.min(todo.length, this.next + 256); this.next < end; this.next++) {
        const key = todo[this.next] as string;
        if (this.parts.has(key)) continue; // counted by a change already
        const pod = this.store.get('pod', key);
        if (pod) this.add(key, pod);
      }
      if (performance.now() >= until) return;
    }
    this.todo = undefined;
  }

  /** Takes back the pod's part and counts it as the store has it now. */
  private recount(key: string): void {
    const part = this.parts.get(key);
    if (part) {
      this.parts.delete(key);
      if (part.hostNetwork) this.hostNetwork--;
      for (const ip of part.ips) {
        const refs = (this.ipRefs.get(ip) ?? 1) - 1;
        if (refs <= 0) this.ipRefs.delete(ip);
        else this.ipRefs.set(ip, refs);
      }
      if (part.unmanaged) this.unmanagedKeys.delete(key);
    }
    const pod = this.store.get('pod', key);
    if (pod) this.add(key, pod);
  }

  private add(key: string, pod: PodInfo): void {
    const ips = pod.hostNetwork ? [] : [...new Set(pod.ip ? [pod.ip, ...pod.ips] : pod.ips)];
    const unmanaged = isUnmanagedPod(this.store, pod, key);
    this.parts.set(key, { hostNetwork: pod.hostNetwork, ips, unmanaged });
    if (pod.hostNetwork) this.hostNetwork++;
    for (const ip of ips) this.ipRefs.set(ip, (this.ipRefs.get(ip) ?? 0) + 1);
    if (unmanaged) this.unmanagedKeys.add(key);
  }
}

/** The store's summary counts, kept from its first use on for as long as the store lives. */
export const summaryCountsFor = perStore((store) => new SummaryCounts(store));
