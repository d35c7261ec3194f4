/**
 * The Cilium Endpoints tree: namespace → endpoint (id, identity, IPv4, state, and whether its pod
 * agrees), a grouping by security identity, and the pods Cilium does not manage.
 */
import { unreadableCiliumEndpoints } from '../analysis/clusterSummary';
import { summaryCountsFor } from '../analysis/summaryCounts';
import type { CiliumEndpointInfo, PodInfo, SourceStatus } from '../model';
import type { ClusterStore } from '../store/clusterStore';
import { shortNodeName } from './nodesTree';
import { pageHolding, pagedRows, PAGE_SIZE } from './paging';
import { esc, icon, sortByName, type TreeRow, WARNING_COLOR } from './treeRow';

export const IDENTITIES_ROW = 'cep-identities';
export const UNMANAGED_ROW = 'cep-unmanaged';

export function endpointNamespaceRowId(namespace: string): string {
  return `cep-ns/${namespace}`;
}
export function endpointRowId(key: string): string {
  return `cep/${key}`;
}
export function identityRowId(id: number): string {
  return `identity/${id}`;
}
export function identityEndpointRowId(id: number, key: string): string {
  return `identity/${id}/${key}`;
}

/** Namespaces that have at least one endpoint. */
export function endpointNamespaces(store: ClusterStore): string[] {
  return store.endpointNamespaces().sort();
}

export function endpointRows(store: ClusterStore, sources: readonly SourceStatus[] = [], refreshRow?: (id: string) => void): TreeRow[] {
  const rows: TreeRow[] = endpointNamespaces(store).map((ns) => ({
    id: endpointNamespaceRowId(ns),
    label: ns,
    description: `${store.endpointCountInNamespace(ns)} endpoints`,
    icon: icon('symbol-namespace'),
    children: () => pagedRows(endpointNamespaceRowId(ns), () => sortByName(store.endpointsInNamespace(ns), (e) => e.name), (ep) => ep.name, (ep) => endpointRow(store, ep), 'endpoints', () => store.version),
  }));
  if (store.count('ciliumEndpoint') > 0) rows.push(identityGroup(store));
  // without CiliumEndpoints every pod would look unmanaged: the source row above says why instead
  if (unreadableCiliumEndpoints(sources)) return rows;
  const counts = summaryCountsFor(store);
  if (!counts.ready) {
    // a large store's pods are first counted in steps: the group comes when they are
    counts.whenReady(() => refreshRow?.(UNMANAGED_ROW));
    rows.push({ id: UNMANAGED_ROW, label: 'Not managed by Cilium', description: 'counting…', icon: icon('loading~spin'), contextValue: 'cniLens.unmanagedGroup' });
    return rows;
  }
  const unmanaged = unmanagedPodsKept(store);
  if (store.count('ciliumEndpoint') > 0 || unmanaged.length > 0) rows.push(unmanagedGroup(unmanaged));
  return rows;
}

/** The rows above an endpoint's row (`cep/namespace/name`): its namespace, and its page when the namespace is paged. */
export function endpointPath(store: ClusterStore, id: string): string[] | undefined {
  const m = /^cep\/([^/]+)\/([^/]+)$/.exec(id);
  if (!m) return undefined;
  const [, ns, name] = m as unknown as [string, string, string];
  const nsRow = endpointNamespaceRowId(ns);
  const page = store.endpointCountInNamespace(ns) > PAGE_SIZE ? pageHolding(nsRow, sortByName(store.endpointsInNamespace(ns).map((e) => e.name), (n) => n), name) : undefined;
  return page ? [nsRow, page] : [nsRow];
}

/** What the endpoint's pod says against the endpoint: gone, another IP, not ready. */
function podDisagreement(store: ClusterStore, ep: CiliumEndpointInfo): string | undefined {
  const pod = store.get('pod', `${ep.namespace}/${ep.name}`);
  if (!pod) return 'pod not found';
  if (pod.ip && ep.ipv4.length > 0 && !ep.ipv4.includes(pod.ip)) return `pod IP is ${pod.ip}`;
  if (!pod.ready) return 'pod not ready';
  return undefined;
}

function endpointRow(store: ClusterStore, ep: CiliumEndpointInfo): TreeRow {
  const key = `${ep.namespace}/${ep.name}`;
  const problem = podDisagreement(store, ep);
  const pod = store.get('pod', key);
  const node = pod?.nodeName ? shortNodeName(pod.nodeName) : ep.nodeIp ? `node ${ep.nodeIp}` : undefined;
  return {
    id: endpointRowId(key),
    rebuild: () => {
      const now = store.get('ciliumEndpoint', key);
      return now ? endpointRow(store, now) : undefined;
    },
    label: ep.name,
    description: [ep.endpointId !== undefined ? `id ${ep.endpointId}` : undefined, ep.identityId !== undefined ? `identity ${ep.identityId}` : undefined, ep.ipv4[0], node, ep.state, problem].filter(Boolean).join(' · '),
    icon: ep.state === 'ready' && !problem ? icon('shield') : icon('warning', WARNING_COLOR),
    contextValue: 'cniLens.endpoint',
    ref: { kind: 'ciliumEndpoint', key },
    ...(ep.ipv4[0] ? { ip: ep.ipv4[0] } : {}),
    searchText: ep.identityLabels.join(' '),
    tooltip: () => [
      `**${esc(key)}**`,
      `Identity ${ep.identityId ?? '?'}:\n\n${ep.identityLabels.map((l) => `- ${esc(l)}`).join('\n')}`,
      pod?.nodeName ? `Node: ${esc(pod.nodeName)}` : ep.nodeIp ? `Node IP: ${esc(ep.nodeIp)}` : undefined,
      pod ? `Pod: ${esc(pod.ip ?? 'no IP')}, ${esc(pod.phase ?? 'phase unknown')}, ${pod.ready ? 'ready' : 'not ready'}` : 'No pod of this name is among the pods read (a stale endpoint?).',
    ].filter(Boolean).join('\n\n'),
  };
}

/** Endpoints grouped by security identity: who shares policy decisions. */
function identityGroup(store: ClusterStore): TreeRow {
  const ids = store.endpointIdentityIds();
  return {
    id: IDENTITIES_ROW,
    label: 'By identity',
    description: `${ids.length} identities`,
    icon: icon('key'),
    children: () => pagedRows(IDENTITIES_ROW, () => ids.sort((a, b) => a - b), String, (id) => identityRow(store, id), 'identities', () => store.version),
  };
}

/** The pods Cilium does not manage, from the store's kept counts (once they are counted). */
function unmanagedPodsKept(store: ClusterStore): PodInfo[] {
  const counts = summaryCountsFor(store);
  const out: PodInfo[] = [];
  for (const key of counts.unmanagedPodKeys()) {
    const pod = store.get('pod', key);
    if (pod) out.push(pod);
  }
  return out;
}

function identityRow(store: ClusterStore, id: number): TreeRow {
  const identity = store.get('ciliumIdentity', String(id));
  const eps = store.endpointsWithIdentity(id);
  const labels = identity ? Object.entries(identity.labels).map(([k, v]) => `${k}=${v}`) : eps[0]?.identityLabels ?? [];
  const app = labels.find((l) => /(^|:)(app|k8s-app|app\.kubernetes\.io\/name)=/.test(l));
  return {
    id: identityRowId(id),
    label: String(id),
    description: `${app ?? labels[0] ?? ''} · ${eps.length} endpoints`,
    icon: icon('key'),
    searchText: labels.join(' '),
    tooltip: () => `**Identity ${id}**\n\n${labels.map((l) => `- ${esc(l)}`).join('\n')}`,
    children: () => pagedRows(identityRowId(id), () => sortByName(store.endpointsWithIdentity(id), (e) => `${e.namespace}/${e.name}`), (ep) => `${ep.namespace}/${ep.name}`, (ep): TreeRow => ({
      id: identityEndpointRowId(id, `${ep.namespace}/${ep.name}`),
      label: `${ep.namespace}/${ep.name}`,
      description: [ep.ipv4[0], ep.state].filter(Boolean).join(' · '),
      icon: icon('shield'),
      contextValue: 'cniLens.endpoint',
      ref: { kind: 'ciliumEndpoint' as const, key: `${ep.namespace}/${ep.name}` },
      ...(ep.ipv4[0] ? { ip: ep.ipv4[0] } : {}),
    }), 'endpoints', () => store.version),
  };
}

function unmanagedGroup(unmanaged: readonly PodInfo[]): TreeRow {
  return {
    id: UNMANAGED_ROW,
    label: 'Not managed by Cilium',
    description: `${unmanaged.length} pods`,
    icon: icon(unmanaged.length ? 'warning' : 'pass'),
    contextValue: 'cniLens.unmanagedGroup',
    tooltip: 'Pods on the pod network with no CiliumEndpoint: they started before Cilium (or Cilium failed for them). Cilium applies no policy to them and Hubble has no endpoint data. Restart them to bring them under Cilium.',
    children: () => pagedRows(UNMANAGED_ROW, () => unmanaged, (pod) => `${pod.namespace}/${pod.name}`, (pod): TreeRow => ({
      id: `unmanaged/${pod.namespace}/${pod.name}`,
      label: `${pod.namespace}/${pod.name}`,
      description: [pod.ip, pod.owner ? `${pod.owner.kind} ${pod.owner.name}` : undefined].filter(Boolean).join(' · '),
      icon: icon('warning', WARNING_COLOR),
      contextValue: 'cniLens.pod.unmanaged',
      ref: { kind: 'pod' as const, key: `${pod.namespace}/${pod.name}` },
      ...(pod.ip ? { ip: pod.ip } : {}),
    }), 'pods'),
  };
}
