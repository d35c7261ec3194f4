/**
 * Each node's capacity (`nodeCapacity`) as the Nodes tree shows it, kept per store and computed again
 * only for the nodes a store change touches (its pods, its ENIs, the node itself; every node when
 * the VPC CNI settings change). Filling it for a large cluster (5,000 nodes: about a second of work)
 * runs in steps of a few milliseconds, off the turn that asked.
 */
import { clusterSettings } from '../analysis/clusterSettings';
import type { EniInfo, NodeInfo, PodInfo } from '../model';
import { enisOfNode } from '../sources/inferEnis';
import type { ClusterStore, StoreKind } from '../store/clusterStore';
import { nodeCapacity, type NodeCapacity } from './nodeCapacity';
import { perStore } from '../store/perStore';
import { notifyWaiting } from '../store/notifyWaiting';

/** Kinds that make the VPC CNI settings, which every node's capacity depends on. */
const SETTINGS_KINDS: ReadonlySet<StoreKind> = new Set(['daemonSet', 'configMap', 'eniConfig']);
const STEP_MS = 8;

export interface NodeCapacityEntry {
  capacity: NodeCapacity;
  enis: EniInfo[];
  inferred: boolean;
}

export class NodeCapacityCache {
  private readonly entries = new Map<string, NodeCapacityEntry>();
  private settings: ReturnType<typeof clusterSettings>['vpcCni'] | undefined;
  private filling = false;
  private readonly waiting = new Set<() => void>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: ClusterStore) {
    this.subscription = store.onChange((changes) => {
      for (const change of changes) {
        if (SETTINGS_KINDS.has(change.kind)) {
          this.entries.clear();
          this.settings = undefined;
          return;
        }
        if (change.kind === 'node') this.entries.delete(change.key);
        else if (change.kind === 'subnet') {
          // ENIs inferred from pod IPs take their subnet from the subnets listed
          for (const [name, entry] of this.entries) if (entry.inferred) this.entries.delete(name);
        }
        else if (change.kind === 'pod' || change.kind === 'eni') {
          const before = change.previous as PodInfo | EniInfo | undefined;
          const now = change.type === 'deleted' ? undefined : (store.get(change.kind, change.key) as PodInfo | EniInfo | undefined);
          if (before?.nodeName) this.entries.delete(before.nodeName);
          if (now?.nodeName) this.entries.delete(now.nodeName);
        }
      }
    });
  }

  /** The node's capacity as the store has it now, if known (computed and not changed since). */
  get(nodeName: string): NodeCapacityEntry | undefined {
    return this.entries.get(nodeName);
  }

  /** The node's capacity, computed now when not known. */
  compute(node: NodeInfo): NodeCapacityEntry {
    let entry = this.entries.get(node.name);
    if (!entry) {
      this.settings ??= clusterSettings(this.store).vpcCni;
      const { enis, inferred } = enisOfNode(this.store, node.name);
      // capacity counts the ENIs AWS reported; inferred ones carry no allocation facts
      entry = { capacity: nodeCapacity(node, inferred ? [] : enis, this.store.podsOnNode(node.name), this.settings), enis, inferred };
      this.entries.set(node.name, entry);
    }
    return entry;
  }

  /**
   * Computes every node not known, a few milliseconds per turn of the event loop, and calls
   * `onDone` (once, on a later turn) when all are known.
   */
  fill(onDone?: () => void): void {
    if (onDone) this.waiting.add(onDone);
    if (this.filling) return;
    this.filling = true;
    setImmediate(() => this.step());
  }

  dispose(): void {
    this.subscription.dispose();
    this.waiting.clear();
  }

  private step(): void {
    const until = performance.now() + STEP_MS;
    let left = false;
    for (const node of this.store.list('node')) {
      if (this.entries.has(node.name)) continue;
      if (performance.now() >= until) {
        left = true;
        break;
      }
      this.compute(node);
    }
    if (left) {
      setImmediate(() => this.step());
      return;
    }
    this.filling = false;
    notifyWaiting(this.waiting);
  }
}

/** The store's node capacities, kept from their first use on for as long as the store lives. */
export const nodeCapacityCacheFor = perStore((store) => new NodeCapacityCache(store));
