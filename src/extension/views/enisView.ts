import * as vscode from 'vscode';
import type { EniInfo } from '../../core/model';
import type { ClusterSession } from '../../core/sources/clusterSession';
import { eniNodes } from './nodesView';
import { StoreTreeProvider } from './storeTreeProvider';
import { esc, md, type TreeNode } from './treeNode';

/** VPC subnet → ENI → IPs. Subnets used by an ENIConfig (custom networking) are marked. */
export class EnisView extends StoreTreeProvider {
  protected override sourcesShown(): readonly string[] {
    return ['ec2', 'ipamd'];
  }

  protected roots(session: ClusterSession): TreeNode[] {
    const store = session.store;
    const bySubnet = new Map<string, EniInfo[]>();
    for (const eni of store.list('eni')) {
      const key = eni.subnetId ?? '(unknown subnet)';
      const list = bySubnet.get(key);
      if (list) list.push(eni);
      else bySubnet.set(key, [eni]);
    }
    const eniConfigSubnets = new Map<string, string>();
    for (const cfg of store.list('eniConfig')) if (cfg.subnet) eniConfigSubnets.set(cfg.subnet, cfg.name);
    return [...bySubnet.entries()]
      .map(([subnetId, enis]) => ({ subnetId, enis, subnet: store.get('subnet', subnetId) }))
      .sort((a, b) => (a.subnet?.cidr ?? '~').localeCompare(b.subnet?.cidr ?? '~', undefined, { numeric: true }))
      .map(({ subnetId, enis, subnet }) => {
        const eniConfig = eniConfigSubnets.get(subnetId);
        return {
          id: `subnet/${subnetId}`,
          label: subnet?.cidr ?? subnetId,
          description: [subnet ? subnetId : undefined, subnet?.zone, subnet?.availableIps !== undefined ? `${subnet.availableIps} free` : undefined, eniConfig ? `ENIConfig ${eniConfig}` : undefined, `${enis.length} ENIs`].filter(Boolean).join(' · '),
          icon: new vscode.ThemeIcon(eniConfig ? 'symbol-namespace' : 'symbol-structure'),
          tooltip: md(`**${esc(subnet?.cidr ?? subnetId)}**${subnet?.name ? ` (${esc(subnet.name)})` : ''}\n\n${eniConfig ? `Pod subnet of ENIConfig ${esc(eniConfig)} (custom networking)\n\n` : ''}Subnet ${esc(subnetId)}`),
          contextValue: 'cniLens.subnet',
          ref: { kind: 'subnet', key: subnetId },
          children: () => eniNodes(store, enis, `subnet/${subnetId}`),
        };
      });
  }
}
