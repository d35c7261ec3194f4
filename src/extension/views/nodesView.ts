import * as vscode from 'vscode';
import type { EniInfo, EniIp } from '../../core/model';
import { clusterSettings } from '../../core/analysis/clusterSettings';
import { nodeCapacity } from '../../core/capacity/nodeCapacity';
import type { ClusterSession } from '../../core/sources/clusterSession';
import type { ClusterStore } from '../../core/store/clusterStore';
import { StoreTreeProvider } from './storeTreeProvider';
import { esc, md, type TreeNode } from './treeNode';

/** Node → ENIs → IPs (each IP with its pod, or warm / cooling / the ENI's primary). */
export class NodesView extends StoreTreeProvider {
  protected override sourcesShown(): readonly string[] {
    return ['kubernetes nodes', 'kubernetes pods', 'ec2', 'ipamd'];
  }

  protected roots(session: ClusterSession): TreeNode[] {
    const store = session.store;
    const { vpcCni } = clusterSettings(store);
    return [...store.list('node')]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((node) => {
        const pods = store.podsOnNode(node.name);
        const enis = store.enisOnNode(node.name);
        const cap = nodeCapacity(node, enis, pods, vpcCni);
        const of = (n: number, max: number | undefined) => (max === undefined ? String(n) : `${n}/${max}`);
        return {
          id: `node/${node.name}`,
          label: shortNodeName(node.name),
          description: [node.instanceType, node.zone, node.internalIp, `pods ${of(cap.pods.total, cap.pods.max)}`, `IPs ${of(cap.ips.assigned, cap.ips.maxPossible)}`, cap.flags.includes('ip-exhausted') ? 'IPs exhausted' : undefined].filter(Boolean).join(' · '),
          icon: new vscode.ThemeIcon(node.ready ? 'server' : 'warning', node.ready ? undefined : new vscode.ThemeColor('problemsWarningIcon.foreground')),
          contextValue: 'cniLens.node',
          ref: { kind: 'node', key: node.name },
          ...(node.internalIp ? { ip: node.internalIp } : {}),
          searchText: `${node.name} ${node.instanceId ?? ''} ${enis.map((e) => `${e.id} ${e.ips.map((i) => `${i.ip} ${i.pod ? `${i.pod.namespace}/${i.pod.name}` : ''}`).join(' ')}`).join(' ')}`,
          tooltip: md(`**${esc(node.name)}**\n\n${[
            node.instanceId && `Instance: ${esc(node.instanceId)}`,
            node.instanceType && `Type: ${esc(node.instanceType)}`,
            node.zone && `Zone: ${esc(node.zone)}`,
            node.internalIp && `InternalIP: ${esc(node.internalIp)}`,
            `Ready: ${node.ready ? 'yes' : 'no'}`,
            `Pods: ${cap.pods.total} of max ${cap.pods.max ?? '?'} (${esc(cap.pods.maxPods.formula)})`,
            `ENIs: ${cap.enis.used} of ${cap.enis.max ?? '?'}; pod IPs ${cap.ips.assigned} assigned, ${cap.ips.free} warm, ${cap.ips.allocated} allocated, ${cap.ips.maxPossible ?? '?'} possible`,
            ...cap.notes.map((n) => esc(n)),
          ].filter(Boolean).join('\n\n')}`),
          children: () => eniNodes(store, enis, `node/${node.name}`),
        };
      });
  }
}

/** `ip-10-0-17-42.us-west-2.compute.internal` → `ip-10-0-17-42`: the rest is the same on every node (full name in the tooltip). */
export function shortNodeName(name: string): string {
  return name.replace(/\.(?:[a-z0-9-]+\.compute|ec2)\.internal$/, '');
}

export function eniNodes(store: ClusterStore, enis: EniInfo[], parent: string): TreeNode[] {
  return [...enis]
    .sort((a, b) => (a.deviceIndex ?? 99) - (b.deviceIndex ?? 99) || a.id.localeCompare(b.id))
    .map((eni) => {
      const used = eni.ips.filter((ip) => ip.pod).length;
      return {
        id: `${parent}/eni/${eni.id}`,
        label: eni.id,
        description: [eni.deviceIndex !== undefined ? `eth${eni.deviceIndex}` : undefined, eni.kind !== 'interface' ? eni.kind : undefined, eni.subnetId, `${used}/${eni.ips.length} IPs used`, `from ${eni.origin.source}`].filter(Boolean).join(' · '),
        icon: new vscode.ThemeIcon('circuit-board'),
        contextValue: 'cniLens.eni',
        ref: { kind: 'eni', key: eni.id },
        ...(eni.primaryIp ? { ip: eni.primaryIp } : {}),
        searchText: eni.ips.map((i) => `${i.ip} ${i.pod ? `${i.pod.namespace}/${i.pod.name}` : ''}`).join(' '),
        tooltip: md(`**${esc(eni.id)}**\n\n${[
          eni.description && `Description: ${esc(eni.description)}`,
          eni.subnetId && `Subnet: ${esc(eni.subnetId)}`,
          eni.securityGroups.length ? `Security groups: ${eni.securityGroups.map((g) => esc(g.name ? `${g.id} (${g.name})` : g.id)).join(', ')}` : undefined,
          `Source: ${esc(eni.origin.source)}${eni.origin.detail ? ` (${esc(eni.origin.detail)})` : ''}`,
        ].filter(Boolean).join('\n\n')}`),
        children: () => eni.ips.map((ip) => ipNode(store, eni, ip, `${parent}/eni/${eni.id}`)),
      };
    });
}

function ipNode(store: ClusterStore, eni: EniInfo, ip: EniIp, parent: string): TreeNode {
  let description: string;
  let icon = 'symbol-number';
  if (ip.pod) {
    description = `${ip.pod.namespace}/${ip.pod.name}`;
    icon = store.get('pod', `${ip.pod.namespace}/${ip.pod.name}`) ? 'symbol-variable' : 'question';
  } else if (ip.primary) {
    description = eni.deviceIndex === 0 ? 'node primary' : 'ENI primary';
  } else if (ip.coolingDown) {
    description = 'cooling';
    icon = 'history';
  } else {
    description = 'warm';
    icon = 'circle-outline';
  }
  return {
    id: `${parent}/ip/${ip.ip}`,
    label: ip.ip,
    description,
    icon: new vscode.ThemeIcon(icon),
    contextValue: ip.pod ? 'cniLens.ip.pod' : 'cniLens.ip',
    ip: ip.ip,
    ...(ip.pod ? { ref: { kind: 'pod' as const, key: `${ip.pod.namespace}/${ip.pod.name}` } } : {}),
  };
}
