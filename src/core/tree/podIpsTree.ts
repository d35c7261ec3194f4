/** The Pod IPs tree: namespace → pod (IP, node, ENI), with host network, not ready and unmanaged pods flagged. */
import type { PodInfo } from '../model';
import type { ClusterStore } from '../store/clusterStore';
import { shortNodeName } from './nodesTree';
import { pageHolding, pagedRows, PAGE_SIZE } from './paging';
import { esc, icon, sortByName, type TreeRow, WARNING_COLOR } from './treeRow';
import { isUnmanagedPod } from '../analysis/unmanagedPod';

export function podNamespaceRowId(namespace: string): string {
  return `ns/${namespace}`;
}

export function podRowId(namespace: string, name: string): string {
  return `pod/${namespace}/${name}`;
}

export function podNamespaceRows(store: ClusterStore): TreeRow[] {
  return store.podNamespaces().sort().map((ns) => ({
    id: podNamespaceRowId(ns),
    label: ns,
    description: `${store.podCountInNamespace(ns)} pods`,
    icon: icon('symbol-namespace'),
    children: () => pagedRows(podNamespaceRowId(ns), () => sortByName(store.podsInNamespace(ns), (p) => p.name), (pod) => pod.name, (pod) => podRow(store, pod), 'pods', () => store.version),
  }));
}

/** The rows above a pod's row (`pod/namespace/name`): its namespace, and its page when the namespace is paged. */
export function podPath(store: ClusterStore, id: string): string[] | undefined {
  const m = /^pod\/([^/]+)\/([^/]+)$/.exec(id);
  if (!m) return undefined;
  const [, ns, name] = m as unknown as [string, string, string];
  const nsRow = podNamespaceRowId(ns);
  const count = store.podCountInNamespace(ns);
  const page = count > PAGE_SIZE ? pageHolding(nsRow, sortByName(store.podsInNamespace(ns).map((p) => p.name), (n) => n), name) : undefined;
  return page ? [nsRow, page] : [nsRow];
}

/** Flags of a pod as the Pod IPs tree shows them ("not managed" as `unmanagedPods` counts it). */
export function podFlags(store: ClusterStore, pod: PodInfo): string[] {
  return [pod.hostNetwork ? 'host network' : undefined, pod.ready ? undefined : 'not ready', isUnmanagedPod(store, pod) ? 'not managed by Cilium' : undefined].filter((f): f is string => f !== undefined);
}

export function podRow(store: ClusterStore, pod: PodInfo): TreeRow {
  const eni = pod.ip && !pod.hostNetwork ? store.ownersOfIp(pod.ip).find((o) => o.kind === 'eni')?.key : undefined;
  const flags = podFlags(store, pod);
  const warn = flags.includes('not managed by Cilium') || flags.includes('not ready');
  const key = `${pod.namespace}/${pod.name}`;
  return {
    id: podRowId(pod.namespace, pod.name),
    rebuild: () => {
      const now = store.get('pod', key);
      return now ? podRow(store, now) : undefined;
    },
    label: pod.name,
    description: [pod.ip ?? 'no IP', pod.nodeName ? shortNodeName(pod.nodeName) : undefined, eni, ...flags].filter(Boolean).join(' · '),
    icon: warn ? icon('warning', WARNING_COLOR) : icon(pod.hostNetwork ? 'server-process' : 'symbol-variable'),
    contextValue: 'cniLens.pod',
    ref: { kind: 'pod', key: `${pod.namespace}/${pod.name}` },
    ...(pod.ip ? { ip: pod.ip } : {}),
    searchText: Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`).join(' '),
    tooltip: () => `**${esc(pod.namespace)}/${esc(pod.name)}**\n\n${[
      `IP: ${esc(pod.ip ?? 'none')}`,
      pod.phase && `Phase: ${esc(pod.phase)}`,
      pod.nodeName && `Node: ${esc(pod.nodeName)}`,
      eni && `ENI: ${esc(eni)}`,
      pod.owner && `Owner: ${esc(pod.owner.kind)} ${esc(pod.owner.name)}`,
      flags.length ? `Flags: ${flags.map(esc).join(', ')}` : undefined,
    ].filter(Boolean).join('\n\n')}`,
  };
}
