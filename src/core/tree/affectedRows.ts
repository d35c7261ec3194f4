/**
 * Which rows of each tree a batch of store changes touches: the rows that show a changed object,
 * the rows whose counts or columns depend on it, and the parents whose children come or go.
 * `'all'` when a top-level row comes or goes (a new namespace, a new node) or a setting that
 * every row depends on changed. Reads the store after the change and `change.previous` for what
 * the object was before.
 */
import type { CiliumEndpointInfo, EniInfo, NodeInfo, PodInfo } from '../model';
import type { ClusterStore, StoreChange } from '../store/clusterStore';
import { endpointNamespaceRowId, endpointRowId, IDENTITIES_ROW, identityEndpointRowId, identityRowId, UNMANAGED_ROW } from './endpointsTree';
import { subnetKeyOf, subnetRowId, UNKNOWN_SUBNET } from './enisTree';
import { eniRowId, ipRowId, nodeRowId } from './nodesTree';
import { podNamespaceRowId, podRowId } from './podIpsTree';

export type AffectedRows = 'all' | Set<string>;

/** More changes than this in one batch (a first list, a relist) refresh the whole tree. */
export const MAX_CHANGES_PER_ITEM_REFRESH = 2000;

interface Versions<T> {
  previous: T | undefined;
  current: T | undefined;
}

function versions<T>(store: ClusterStore, change: StoreChange): Versions<T> {
  return {
    previous: change.previous as T | undefined,
    current: change.type === 'deleted' ? undefined : (store.get(change.kind, change.key) as T | undefined),
  };
}

function both<T>(v: Versions<T>): T[] {
  return [v.previous, v.current].filter((x): x is T => x !== undefined);
}

function podIps(pod: PodInfo): string[] {
  if (pod.hostNetwork) return [];
  return [...new Set([...(pod.ip ? [pod.ip] : []), ...pod.ips])];
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

function isTerminal(pod: PodInfo | undefined): boolean {
  return pod !== undefined && TERMINAL_PHASES.has(pod.phase ?? '');
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The ENIs of the store that hold `ip`, with the IP entry. */
function enisHolding(store: ClusterStore, ip: string): Array<{ eni: EniInfo; entry: EniInfo['ips'][number] }> {
  const out: Array<{ eni: EniInfo; entry: EniInfo['ips'][number] }> = [];
  for (const owner of store.ownersOfIp(ip)) {
    if (owner.kind !== 'eni') continue;
    const eni = store.get('eni', owner.key);
    const entry = eni?.ips.find((e) => e.ip === ip);
    if (eni && entry) out.push({ eni, entry });
  }
  return out;
}

/**
 * How many objects of `kind` entered each group in this batch (added, or moved in from another
 * group): a group whose members all entered in this batch is new, its row comes with it.
 */
function entered<T>(store: ClusterStore, changes: readonly StoreChange[], kind: StoreChange['kind'], groupOf: (value: T) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const change of changes) {
    if (change.kind !== kind || change.type === 'deleted') continue;
    const current = store.get(kind, change.key) as T | undefined;
    const group = current === undefined ? undefined : groupOf(current);
    if (group === undefined) continue;
    const before = change.previous === undefined ? undefined : groupOf(change.previous as T);
    if (before !== group) out.set(group, (out.get(group) ?? 0) + 1);
  }
  return out;
}

function collect(changes: readonly StoreChange[], each: (change: StoreChange, ids: Set<string>) => boolean | void): AffectedRows {
  if (changes.length > MAX_CHANGES_PER_ITEM_REFRESH) return 'all';
  const ids = new Set<string>();
  for (const change of changes) if (each(change, ids) === true) return 'all';
  return ids;
}

// ------------------------------------------------------------------ Nodes

export function nodesAffected(store: ClusterStore, changes: readonly StoreChange[]): AffectedRows {
  return collect(changes, (change, ids) => {
    switch (change.kind) {
      case 'node':
        if (change.type !== 'modified') return true;
        ids.add(nodeRowId(change.key));
        return;
      case 'pod': {
        const v = versions<PodInfo>(store, change);
        const [prev, cur] = [v.previous, v.current];
        // the node's counts (pods n/m, IPs n/m) follow the pod's node, IPs and whether it has ended;
        // the ENIs' used counts follow its IPs
        const ipsChange = !prev || !cur || prev.nodeName !== cur.nodeName || !sameStrings(podIps(prev), podIps(cur));
        const countsChange = ipsChange || isTerminal(prev) !== isTerminal(cur);
        for (const pod of both(v)) {
          // inferred ENIs are built from the node's pods
          if (pod.nodeName && (countsChange || store.eniCountOnNode(pod.nodeName) === 0)) ids.add(nodeRowId(pod.nodeName));
          for (const ip of podIps(pod)) {
            for (const { eni, entry } of enisHolding(store, ip)) {
              if (!eni.nodeName) continue;
              const eniRow = eniRowId(nodeRowId(eni.nodeName), eni.id);
              if (ipsChange) ids.add(eniRow);
              ids.add(ipRowId(eniRow, entry));
            }
          }
        }
        return;
      }
      case 'eni':
        for (const eni of both(versions<EniInfo>(store, change))) if (eni.nodeName) ids.add(nodeRowId(eni.nodeName));
        return;
      case 'subnet':
        // inferred ENIs take their subnet from the subnets EC2 listed
        return [...store.list('node')].some((n) => store.eniCountOnNode(n.name) === 0);
      case 'daemonSet':
      case 'configMap':
      case 'eniConfig':
        return true; // VPC CNI settings: max pods and warm pool of every node
      default:
        return;
    }
  });
}

// ------------------------------------------------------------------ ENIs

export function enisAffected(store: ClusterStore, changes: readonly StoreChange[]): AffectedRows {
  let subnetCounts: Map<string, number> | undefined;
  const enisInSubnet = (key: string): number => {
    if (!subnetCounts) {
      subnetCounts = new Map();
      for (const eni of store.list('eni')) subnetCounts.set(subnetKeyOf(eni), (subnetCounts.get(subnetKeyOf(eni)) ?? 0) + 1);
    }
    return subnetCounts.get(key) ?? 0;
  };
  let newEnis: Map<string, number> | undefined;
  const inferredNode = (name: string | undefined): boolean => name !== undefined && store.get('node', name) !== undefined && store.eniCountOnNode(name) === 0;
  return collect(changes, (change, ids) => {
    switch (change.kind) {
      case 'eni': {
        const v = versions<EniInfo>(store, change);
        for (const eni of both(v)) {
          const key = subnetKeyOf(eni);
          // a subnet row comes or goes, or a node switches between inferred and reported ENIs
          if (enisInSubnet(key) === 0 || enisInSubnet(key) === (newEnis ??= entered<EniInfo>(store, changes, 'eni', subnetKeyOf)).get(key)) return true;
          if (eni.nodeName && (inferredNode(eni.nodeName) || store.eniCountOnNode(eni.nodeName) === 1)) return true;
          ids.add(subnetRowId(key));
        }
        if (v.previous && v.current && subnetKeyOf(v.previous) !== subnetKeyOf(v.current)) return true;
        return;
      }
      case 'pod': {
        const v = versions<PodInfo>(store, change);
        const ipsChange = !v.previous || !v.current || v.previous.nodeName !== v.current.nodeName || !sameStrings(podIps(v.previous), podIps(v.current));
        for (const pod of both(v)) {
          if (inferredNode(pod.nodeName)) {
            if (store.count('subnet') > 0) return true;
            ids.add(subnetRowId(UNKNOWN_SUBNET));
            continue;
          }
          for (const ip of podIps(pod)) {
            for (const { eni, entry } of enisHolding(store, ip)) {
              const eniRow = eniRowId(subnetRowId(subnetKeyOf(eni)), eni.id);
              if (ipsChange) ids.add(eniRow);
              ids.add(ipRowId(eniRow, entry));
            }
          }
        }
        return;
      }
      case 'node':
        return both(versions<NodeInfo>(store, change)).some((n) => store.eniCountOnNode(n.name) === 0);
      case 'subnet':
        if (enisInSubnet(change.key) === 0) return [...store.list('node')].some((n) => store.eniCountOnNode(n.name) === 0);
        if (change.type !== 'modified') return true;
        ids.add(subnetRowId(change.key));
        return;
      case 'eniConfig':
        return true;
      default:
        return;
    }
  });
}

// ------------------------------------------------------------------ Pod IPs

export function podIpsAffected(store: ClusterStore, changes: readonly StoreChange[]): AffectedRows {
  const namespacesSeen = new Set<string>();
  let newPods: Map<string, number> | undefined;
  return collect(changes, (change, ids) => {
    switch (change.kind) {
      case 'pod': {
        const namespace = change.key.slice(0, change.key.indexOf('/'));
        if (change.type === 'modified') {
          ids.add(podRowId(namespace, change.key.slice(namespace.length + 1)));
          return;
        }
        // a namespace row comes (all its pods are new) or goes (no pod left)
        if (!namespacesSeen.has(namespace)) {
          namespacesSeen.add(namespace);
          const now = store.podCountInNamespace(namespace);
          if (now === 0 || now === (newPods ??= entered<PodInfo>(store, changes, 'pod', (p) => p.namespace)).get(namespace)) return true;
        }
        ids.add(podNamespaceRowId(namespace));
        return;
      }
      case 'ciliumEndpoint': {
        // "not managed by Cilium" follows whether the pod has an endpoint
        const pod = store.get('pod', change.key);
        if (pod) ids.add(podRowId(pod.namespace, pod.name));
        return;
      }
      case 'eni':
        // the ENI column of the pods whose IPs the ENI holds (or held)
        for (const eni of both(versions<EniInfo>(store, change))) {
          for (const entry of eni.ips) {
            for (const owner of store.ownersOfIp(entry.ip)) {
              if (owner.kind !== 'pod') continue;
              const pod = store.get('pod', owner.key);
              if (pod) ids.add(podRowId(pod.namespace, pod.name));
            }
          }
        }
        return;
      default:
        return;
    }
  });
}

// ------------------------------------------------------------------ Cilium endpoints

export function endpointsAffected(store: ClusterStore, changes: readonly StoreChange[]): AffectedRows {
  let newByNamespace: Map<string, number> | undefined;
  let newByIdentity: Map<string, number> | undefined;
  return collect(changes, (change, ids) => {
    switch (change.kind) {
      case 'ciliumEndpoint': {
        const total = store.count('ciliumEndpoint');
        newByNamespace ??= entered<CiliumEndpointInfo>(store, changes, 'ciliumEndpoint', (e) => e.namespace);
        newByIdentity ??= entered<CiliumEndpointInfo>(store, changes, 'ciliumEndpoint', (e) => (e.identityId === undefined ? undefined : String(e.identityId)));
        // the identity and unmanaged groups exist once there is an endpoint
        if (total === 0 || total === [...newByNamespace.values()].reduce((a, b) => a + b, 0)) return true;
        const v = versions<CiliumEndpointInfo>(store, change);
        const ep = (v.current ?? v.previous) as CiliumEndpointInfo;
        if (change.type !== 'modified') {
          const inNamespace = store.endpointCountInNamespace(ep.namespace);
          if (inNamespace === 0 || inNamespace === newByNamespace.get(ep.namespace)) return true;
        }
        ids.add(change.type === 'modified' ? endpointRowId(change.key) : endpointNamespaceRowId(ep.namespace));
        const before = v.previous?.identityId;
        const after = v.current?.identityId;
        if (before !== undefined && before === after) ids.add(identityEndpointRowId(before, change.key));
        for (const id of new Set([before, after])) {
          if (id === undefined || before === after) continue;
          const count = store.endpointCountWithIdentity(id);
          // an identity row comes (all its endpoints are new to it) or goes (none left): the group's children change
          ids.add(count === 0 || count === newByIdentity.get(String(id)) ? IDENTITIES_ROW : identityRowId(id));
        }
        if (change.type !== 'modified') ids.add(UNMANAGED_ROW);
        return;
      }
      case 'pod': {
        if (store.count('ciliumEndpoint') === 0) return true; // the unmanaged group is all the view has
        if (store.get('ciliumEndpoint', change.key)) {
          const ep = store.get('ciliumEndpoint', change.key) as CiliumEndpointInfo;
          ids.add(endpointRowId(change.key));
          if (ep.identityId !== undefined) ids.add(identityEndpointRowId(ep.identityId, change.key));
        } else {
          ids.add(UNMANAGED_ROW);
        }
        return;
      }
      case 'ciliumIdentity': {
        const id = Number(change.key);
        if (store.endpointCountWithIdentity(id) > 0) ids.add(identityRowId(id));
        return;
      }
      default:
        return;
    }
  });
}
