import * as vscode from 'vscode';
import { unmanagedPods } from '../../core/analysis/clusterSummary';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { StoreTreeProvider } from './storeTreeProvider';
import { esc, md, type TreeNode } from './treeNode';

/** Namespace → Cilium endpoint (id, identity, IPv4, state), and the pods Cilium does not manage. */
export class EndpointsView extends StoreTreeProvider {
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
          tooltip: md(`**${esc(ep.namespace)}/${esc(ep.name)}**\n\nIdentity ${ep.identityId ?? '?'}:\n\n${ep.identityLabels.map((l) => `- ${esc(l)}`).join('\n')}`),
        })),
      };
    });
    const unmanaged = unmanagedPods(store);
    if (store.count('ciliumEndpoint') > 0 || unmanaged.length > 0) {
      rows.push({
        id: 'cep-unmanaged',
        label: 'Not managed by Cilium',
        description: `${unmanaged.length} pods`,
        icon: new vscode.ThemeIcon(unmanaged.length ? 'warning' : 'pass'),
        tooltip: md('Pods on the pod network with no CiliumEndpoint: they started before Cilium (or Cilium failed for them). Cilium applies no policy to them and Hubble has no endpoint data. Restart them to bring them under Cilium.'),
        children: () => unmanaged.map((pod) => ({
          id: `unmanaged/${pod.namespace}/${pod.name}`,
          label: `${pod.namespace}/${pod.name}`,
          description: [pod.ip, pod.owner ? `${pod.owner.kind} ${pod.owner.name}` : undefined].filter(Boolean).join(' · '),
          icon: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
          contextValue: 'cniLens.pod',
        })),
      });
    }
    return rows;
  }
}
