import * as vscode from 'vscode';
import { unmanagedPods, unreadableCiliumEndpoints } from '../../core/analysis/clusterSummary';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { StoreTreeProvider } from './storeTreeProvider';
import { esc, md, type TreeNode } from './treeNode';

/** Namespace → Cilium endpoint (id, identity, IPv4, state), and the pods Cilium does not manage. */
export class EndpointsView extends StoreTreeProvider {
  protected override sourcesShown(): readonly string[] {
    return ['kubernetes ciliumendpoints', 'kubernetes ciliumidentities'];
  }

  protected roots(session: ClusterSession): TreeNode[] {
    const store = session.store;
    const namespaces = new Set<string>();
    for (const ep of store.list('ciliumEndpoint')) namespaces.add(ep.namespace);
    const rows: TreeNode[] = [...namespaces].sort().map((ns) => {
      const eps = store.endpointsInNamespace(ns);
      return {
        id: `cep-ns/${ns}`,
        label: ns,
        description: `${eps.length} endpoints`,
        icon: new vscode.ThemeIcon('symbol-namespace'),
        children: () => eps.sort((a, b) => a.name.localeCompare(b.name)).map((ep) => ({
          id: `cep/${ep.namespace}/${ep.name}`,
          label: ep.name,
          description: [ep.endpointId !== undefined ? `id ${ep.endpointId}` : undefined, ep.identityId !== undefined ? `identity ${ep.identityId}` : undefined, ep.ipv4[0], ep.state].filter(Boolean).join(' · '),
          icon: new vscode.ThemeIcon(ep.state === 'ready' ? 'shield' : 'warning'),
          contextValue: 'cniLens.endpoint',
          ref: { kind: 'ciliumEndpoint', key: `${ep.namespace}/${ep.name}` },
          ...(ep.ipv4[0] ? { ip: ep.ipv4[0] } : {}),
          searchText: ep.identityLabels.join(' '),
          tooltip: md(`**${esc(ep.namespace)}/${esc(ep.name)}**\n\nIdentity ${ep.identityId ?? '?'}:\n\n${ep.identityLabels.map((l) => `- ${esc(l)}`).join('\n')}`),
        })),
      };
    });
    if (store.count('ciliumEndpoint') > 0) rows.push(identityGroup(session));
    // without CiliumEndpoints every pod would look unmanaged: the source row above says why instead
    if (unreadableCiliumEndpoints(session.sources)) return rows;
    const unmanaged = unmanagedPods(store);
    if (store.count('ciliumEndpoint') > 0 || unmanaged.length > 0) {
      rows.push({
        id: 'cep-unmanaged',
        label: 'Not managed by Cilium',
        description: `${unmanaged.length} pods`,
        icon: new vscode.ThemeIcon(unmanaged.length ? 'warning' : 'pass'),
        contextValue: 'cniLens.unmanagedGroup',
        tooltip: md('Pods on the pod network with no CiliumEndpoint: they started before Cilium (or Cilium failed for them). Cilium applies no policy to them and Hubble has no endpoint data. Restart them to bring them under Cilium.'),
        children: () => unmanaged.map((pod) => ({
          id: `unmanaged/${pod.namespace}/${pod.name}`,
          label: `${pod.namespace}/${pod.name}`,
          description: [pod.ip, pod.owner ? `${pod.owner.kind} ${pod.owner.name}` : undefined].filter(Boolean).join(' · '),
          icon: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
          contextValue: 'cniLens.pod.unmanaged',
          ref: { kind: 'pod', key: `${pod.namespace}/${pod.name}` },
          ...(pod.ip ? { ip: pod.ip } : {}),
        })),
      });
    }
    return rows;
  }
}

/** Endpoints grouped by security identity: who shares policy decisions. */
function identityGroup(session: ClusterSession): TreeNode {
  const store = session.store;
  const ids = new Map<number, number>();
  for (const ep of store.list('ciliumEndpoint')) if (ep.identityId !== undefined) ids.set(ep.identityId, (ids.get(ep.identityId) ?? 0) + 1);
  return {
    id: 'cep-identities',
    label: 'By identity',
    description: `${ids.size} identities`,
    icon: new vscode.ThemeIcon('key'),
    children: () => [...ids.keys()].sort((a, b) => a - b).map((id) => {
      const identity = store.get('ciliumIdentity', String(id));
      const eps = store.endpointsWithIdentity(id);
      const labels = identity ? Object.entries(identity.labels).map(([k, v]) => `${k}=${v}`) : eps[0]?.identityLabels ?? [];
      const app = labels.find((l) => /(^|:)(app|k8s-app|app\.kubernetes\.io\/name)=/.test(l));
      return {
        id: `identity/${id}`,
        label: String(id),
        description: `${app ?? labels[0] ?? ''} · ${eps.length} endpoints`,
        icon: new vscode.ThemeIcon('key'),
        searchText: labels.join(' '),
        tooltip: md(`**Identity ${id}**\n\n${labels.map((l) => `- ${esc(l)}`).join('\n')}`),
        children: () => eps.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)).map((ep) => ({
          id: `identity/${id}/${ep.namespace}/${ep.name}`,
          label: `${ep.namespace}/${ep.name}`,
          description: [ep.ipv4[0], ep.state].filter(Boolean).join(' · '),
          icon: new vscode.ThemeIcon('shield'),
          contextValue: 'cniLens.endpoint',
          ref: { kind: 'ciliumEndpoint' as const, key: `${ep.namespace}/${ep.name}` },
          ...(ep.ipv4[0] ? { ip: ep.ipv4[0] } : {}),
        })),
      };
    }),
  };
}
