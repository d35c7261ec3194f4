/**
 * Churn for live-update measurements: pods replaced at a set rate, the way a rolling restart
 * replaces them. Each replacement deletes a running pod (and its CiliumEndpoint) and creates a
 * pod of the same workload on the same node with the freed IP, under a new name, whose
 * `creationTimestamp` has milliseconds so a client can tell how long the change took to reach it,
 * and the label `sim.cni-lens.io/churned`.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject, SimObjectStore } from './simObjectStore';

export interface SimChurnStats {
  podsPerSecond: number;
  created: number;
  deleted: number;
}

const TICK_MS = 20;
/** Label on every pod churn creates: a watcher can select only them and skip listing the rest. */
export const CHURNED_LABEL = 'sim.cni-lens.io/churned';
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class SimChurn {
  private rate = 0;
  private timer: NodeJS.Timeout | undefined;
  private candidates: string[] | undefined;
  private owed = 0;
  private last = 0;
  private seq = 0;
  readonly stats: SimChurnStats = { podsPerSecond: 0, created: 0, deleted: 0 };

  constructor(private readonly store: SimObjectStore) {}

  /** Replaces `podsPerSecond` pods a second from now on; 0 stops. Throws on a bad rate. */
  setRate(podsPerSecond: number): SimChurnStats {
    if (!Number.isFinite(podsPerSecond) || podsPerSecond < 0 || podsPerSecond > 100_000) {
      throw new Error(`churn rate must be a number of pods per second from 0 to 100000, got ${String(podsPerSecond)}`);
    }
    this.rate = podsPerSecond;
    this.stats.podsPerSecond = podsPerSecond;
    clearInterval(this.timer);
    this.timer = undefined;
    if (podsPerSecond > 0) {
      this.last = performance.now();
      this.owed = 0;
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
    return { ...this.stats };
  }

  stop(): void {
    this.setRate(0);
  }

  private pods() {
    return this.store.registry.lookup('pods')!;
  }

  private tick(): void {
    const now = performance.now();
    this.owed += ((now - this.last) / 1000) * this.rate;
    this.last = now;
    // never more than a second's worth at once (after a long pause of the process)
    this.owed = Math.min(this.owed, Math.max(1, this.rate));
    while (this.owed >= 1) {
      this.owed--;
      if (!this.replaceOne()) {
        this.stop();
        return;
      }
    }
  }

  /** Pods that can be replaced: running, with a pod IP, not on the host network. */
  private candidateKeys(): string[] {
    if (!this.candidates) {
      this.candidates = [];
      for (const pod of this.store.list(this.pods())) {
        const spec = pod.spec as { hostNetwork?: boolean; nodeName?: string } | undefined;
        const status = pod.status as { podIP?: string; phase?: string } | undefined;
        if (!spec?.hostNetwork && spec?.nodeName && status?.podIP && status.phase === 'Running') this.candidates.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
      }
    }
    return this.candidates;
  }

  private replaceOne(): boolean {
    const keys = this.candidateKeys();
    const resource = this.pods();
    while (keys.length > 0) {
      const at = Math.floor(Math.random() * keys.length);
      const [namespace, name] = keys[at]!.split('/') as [string, string];
      const old = this.store.get(resource, namespace, name);
      if (!old) {
        keys[at] = keys[keys.length - 1]!;
        keys.pop();
        continue;
      }
      const fresh = this.replacement(old);
      const cepResource = this.store.registry.lookup('ciliumendpoints.cilium.io');
      const cep = cepResource ? this.store.get(cepResource, namespace, name) : undefined;
      this.store.delete(resource, namespace, name);
      if (cep && cepResource) this.store.delete(cepResource, namespace, name);
      this.stats.deleted++;
      this.store.apply(fresh, { adopt: true });
      if (cep) this.store.apply(this.endpointFor(cep, fresh), { adopt: true });
      this.stats.created++;
      keys[at] = `${namespace}/${fresh.metadata.name}`;
      return true;
    }
    return false;
  }

  private newName(old: KubeObject): string {
    const base = old.metadata.generateName ?? `${old.metadata.name.replace(/-[a-z0-9]{5}$/, '')}-`;
    let n = ++this.seq;
    let suffix = '';
    for (let i = 0; i < 5; i++) {
      suffix += SUFFIX_ALPHABET[n % SUFFIX_ALPHABET.length];
      n = Math.floor(n / SUFFIX_ALPHABET.length);
    }
    return `${typeof base === 'string' ? base : ''}${suffix}`;
  }

  private replacement(old: KubeObject): KubeObject {
    const now = new Date().toISOString();
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _created, ...meta } = old.metadata;
    const status = old.status as Record<string, unknown> | undefined;
    return {
      ...old,
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...meta, name: this.newName(old), uid: randomUUID(), creationTimestamp: now, labels: { ...meta.labels, [CHURNED_LABEL]: 'true' } },
      status: { ...status, startTime: now },
    };
  }

  private endpointFor(cep: KubeObject, pod: KubeObject): KubeObject {
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _created, ...meta } = cep.metadata;
    const status = (cep.status ?? {}) as Record<string, unknown>;
    const ids = (status['external-identifiers'] ?? {}) as Record<string, unknown>;
    return {
      ...cep,
      metadata: { ...meta, name: pod.metadata.name, creationTimestamp: pod.metadata.creationTimestamp, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid! }] },
      status: { ...status, 'external-identifiers': { ...ids, 'k8s-pod-name': pod.metadata.name, 'pod-name': `${pod.metadata.namespace}/${pod.metadata.name}` } },
    };
  }
}
