/**
 * The store's addresses (pod-network pods, nodes, ENIs, Services) by number in /24 buckets, so
 * that "what lies inside this CIDR" costs the size of the range, not of the cluster. Built on first
 * use, then kept up to date from the store's change events: changed objects are re-indexed on the
 * next query (a full rebuild when most of the store changed).
 */
import type { ClusterStore, StoreKind } from '../store/clusterStore';
import type { WorkSlices } from '../sources/eventLoopTurns';
import { ipv4Number } from './ipv4Number';

export interface AddressEntry {
  ip: number;
  kind: 'pod' | 'node' | 'eni' | 'service';
  key: string;
  /** How many entries the object has (a pod has one): counting objects needs no set when it is 1. */
  entries: number;
  /** A pod with a CiliumEndpoint (undefined for other kinds). */
  hasEndpoint?: boolean;
}

const INDEXED: ReadonlySet<StoreKind> = new Set<StoreKind>(['pod', 'node', 'eni', 'service']);

export class AddressIndex {
  /** `ip >>> 8` → entries. */
  private readonly buckets = new Map<number, AddressEntry[]>();
  /** kind → key → the buckets its entries are in. */
  private readonly indexed = new Map<AddressEntry['kind'], Map<string, number[]>>();
  private indexedCount = 0;
  private readonly dirty = new Set<string>();
  private built = false;
  /** A build in steps is under way (changes meanwhile are marked dirty, as after a build). */
  private building = false;
  /** Bumped by every synchronous rebuild: a build in steps that sees it change stops. */
  private generation = 0;
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: ClusterStore) {
    this.subscription = store.onChange((changes) => {
      if (!this.built && !this.building) return;
      for (const c of changes) {
        if (INDEXED.has(c.kind)) this.dirty.add(`${c.kind}|${c.key}`);
        // a pod's entry says whether it has an endpoint (the endpoint's key is its pod's)
        else if (c.kind === 'ciliumEndpoint') this.dirty.add(`pod|${c.key}`);
      }
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }

  /** Calls `fn` for each entry with `first <= ip <= last`, unordered, without gathering them. */
  forEachBetween(first: number, last: number, fn: (entry: AddressEntry) => void): void {
    this.sync();
    const from = first >>> 8;
    const to = last >>> 8;
    const visit = (entries: AddressEntry[]): void => {
      for (const e of entries) if (e.ip >= first && e.ip <= last) fn(e);
    };
    if (to - from + 1 <= this.buckets.size) {
      for (let b = from; b <= to; b++) {
        const entries = this.buckets.get(b);
        if (entries) visit(entries);
      }
    } else {
      for (const [b, entries] of this.buckets) if (b >= from && b <= to) visit(entries);
    }
  }

  private sync(): void {
    if (!this.built || this.dirty.size > this.indexedCount / 2) {
      this.rebuild();
      return;
    }
    for (const id of this.dirty) {
      const bar = id.indexOf('|');
      const kind = id.slice(0, bar) as AddressEntry['kind'];
      const key = id.slice(bar + 1);
      this.remove(kind, key);
      this.add(kind, key, this.store.get(kind, key));
    }
    this.dirty.clear();
  }

  private rebuild(): void {
    this.generation++;
    this.building = false;
    this.clear();
    for (const kind of INDEXED) {
      for (const key of this.store.keys(kind)) this.add(kind as AddressEntry['kind'], key, this.store.get(kind, key));
    }
    this.built = true;
  }

  /**
   * Builds the index in `steps`, so that a large
   * cluster (300,000 addresses) does not hold the event loop. Objects that change meanwhile are
   * re-indexed by the next query. A query before the end builds the index at once; this stops then.
   */
  async buildInSteps(steps: WorkSlices): Promise<void> {
    if (this.built || this.building) return;
    const generation = this.generation;
    this.building = true;
    this.clear();
    for (const kind of INDEXED) {
      for (const key of [...this.store.keys(kind)]) {
        this.add(kind as AddressEntry['kind'], key, this.store.get(kind, key));
        if (!steps.due()) continue;
        await steps.pause();
        if (this.generation !== generation) return;
      }
    }
    this.building = false;
    this.built = true;
  }

  private clear(): void {
    this.buckets.clear();
    this.indexed.clear();
    this.indexedCount = 0;
    this.dirty.clear();
  }

  private add(kind: AddressEntry['kind'], key: string, value: unknown): void {
    if (value === undefined) return;
    const used: number[] = [];
    const made: AddressEntry[] = [];
    const hasEndpoint = kind === 'pod' ? this.store.get('ciliumEndpoint', key) !== undefined : undefined;
    const put = (text: string | undefined): void => {
      if (!text) return;
      const ip = ipv4Number(text);
      if (ip === undefined) return;
      const b = ip >>> 8;
      const entries = this.buckets.get(b);
      if (entries) {
        // the same address twice for one object: once (its entries are the bucket's tail)
        for (let i = entries.length - 1; i >= 0; i--) {
          const e = entries[i] as AddressEntry;
          if (e.kind !== kind || e.key !== key) break;
          if (e.ip === ip) return;
        }
        const entry: AddressEntry = { ip, kind, key, entries: 1, ...(hasEndpoint !== undefined ? { hasEndpoint } : {}) };
        made.push(entry);
        entries.push(entry);
      } else {
        const entry: AddressEntry = { ip, kind, key, entries: 1, ...(hasEndpoint !== undefined ? { hasEndpoint } : {}) };
        made.push(entry);
        this.buckets.set(b, [entry]);
      }
      if (!used.includes(b)) used.push(b);
    };
    switch (kind) {
      case 'pod': {
        const pod = value as { hostNetwork: boolean; ip?: string; ips: string[] };
        if (pod.hostNetwork) return; // its node's address
        put(pod.ip);
        for (const ip of pod.ips) if (ip !== pod.ip) put(ip);
        break;
      }
      case 'node': {
        const node = value as { internalIp?: string; externalIp?: string };
        put(node.internalIp);
        put(node.externalIp);
        break;
      }
      case 'eni':
        for (const ip of (value as { ips: Array<{ ip: string }> }).ips) put(ip.ip);
        break;
      case 'service': {
        const svc = value as { clusterIp?: string; clusterIps: string[]; loadBalancerIngress: string[] };
        put(svc.clusterIp);
        for (const ip of svc.clusterIps) if (ip !== svc.clusterIp) put(ip);
        for (const ip of svc.loadBalancerIngress) put(ip);
        break;
      }
    }
    if (used.length === 0) return;
    if (made.length > 1) for (const e of made) e.entries = made.length;
    let byKey = this.indexed.get(kind);
    if (!byKey) {
      byKey = new Map();
      this.indexed.set(kind, byKey);
    }
    byKey.set(key, used);
    this.indexedCount++;
  }

  private remove(kind: AddressEntry['kind'], key: string): void {
    const byKey = this.indexed.get(kind);
    const used = byKey?.get(key);
    if (!byKey || !used) return;
    byKey.delete(key);
    this.indexedCount--;
    for (const b of used) {
      const entries = this.buckets.get(b);
      if (!entries) continue;
      const rest = entries.filter((e) => !(e.kind === kind && e.key === key));
      if (rest.length === 0) this.buckets.delete(b);
      else this.buckets.set(b, rest);
    }
  }
}
