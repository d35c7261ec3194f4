import * as vscode from 'vscode';
import type { PodInfo } from '../../core/model';
import type { ClusterSession } from '../../core/sources/clusterSession';
import type { ClusterStore } from '../../core/store/clusterStore';
import { shortNodeName } from './nodesView';
import { StoreTreeProvider } from './storeTreeProvider';
import { esc, md, type TreeNode } from './treeNode';

/** Namespace → pod (IP, node, ENI), with host network, not ready and unmanaged pods flagged. */
export class PodIpsView extends StoreTreeProvider {
  protected override sourcesShown(): readonly string[] {
    return ['kubernetes pods', 'kubernetes namespaces'];
  }

  protected roots(session: ClusterSession): TreeNode[] {
    const store = session.store;
    return store.podNamespaces().sort().map((ns) => {
      const pods = store.podsInNamespace(ns);
      return {
        id: `ns/${ns}`,
        label: ns,
        description: `${pods.length} pods`,
        icon: new vscode.ThemeIcon('symbol-namespace'),
        children: () => pods.sort((a, b) => a.name.localeCompare(b.name)).map((pod) => podNode(store, pod)),
      };
    });
  }
}

function podNode(store: ClusterStore, pod: PodInfo): TreeNode {
  const eni = pod.ip && !pod.hostNetwork ? store.ownersOfIp(pod.ip).find((o) => o.kind === 'eni')?.key : undefined;
  const managed = pod.hostNetwork || store.get('ciliumEndpoint', `${pod.namespace}/${pod.name}`) !== undefined;
  const flags = [pod.hostNetwork ? 'host network' : undefined, pod.ready ? undefined : 'not ready', managed ? undefined : 'not managed by Cilium'].filter(Boolean);
  const icon = !managed || !pod.ready
    ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
    : new vscode.ThemeIcon(pod.hostNetwork ? 'server-process' : 'symbol-variable');
  return {
    id: `pod/${pod.namespace}/${pod.name}`,
    label: pod.name,
    description: [pod.ip ?? 'no IP', pod.nodeName ? shortNodeName(pod.nodeName) : undefined, eni, ...flags].filter(Boolean).join(' · '),
    icon,
    contextValue: 'cniLens.pod',
    ref: { kind: 'pod', key: `${pod.namespace}/${pod.name}` },
    ...(pod.ip ? { ip: pod.ip } : {}),
    searchText: Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`).join(' '),
    tooltip: md(`**${esc(pod.namespace)}/${esc(pod.name)}**\n\n${[
      `IP: ${esc(pod.ip ?? 'none')}`,
      pod.nodeName && `Node: ${esc(pod.nodeName)}`,
      eni && `ENI: ${esc(eni)}`,
      pod.owner && `Owner: ${esc(pod.owner.kind)} ${esc(pod.owner.name)}`,
      flags.length ? `Flags: ${flags.map((f) => esc(f ?? '')).join(', ')}` : undefined,
    ].filter(Boolean).join('\n\n')}`),
  };
}
