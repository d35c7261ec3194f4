/**
 * The ENIs tree: VPC subnet (CIDR, AZ, free IPs from EC2; ENIConfig subnets marked) → ENI → IPs.
 * Nodes with no ENI from EC2 or ipamd contribute their inferred ENIs.
 */
import type { EniInfo } from '../model';
import { enisOfNode } from '../sources/inferEnis';
import type { ClusterStore } from '../store/clusterStore';
import { eniRows, type IpamdRowContext } from './nodesTree';
import { compareNames, esc, icon, type TreeRow } from './treeRow';

export const UNKNOWN_SUBNET = '(unknown subnet)';

export function subnetKeyOf(eni: Pick<EniInfo, 'subnetId'>): string {
  return eni.subnetId ?? UNKNOWN_SUBNET;
}

export function subnetRowId(subnetKey: string): string {
  return `subnet/${subnetKey}`;
}

/** Every ENI the view shows, by subnet: the store's, and inferred ones for nodes that have none. */
export function enisBySubnet(store: ClusterStore): Map<string, EniInfo[]> {
  const bySubnet = new Map<string, EniInfo[]>();
  const add = (eni: EniInfo) => {
    const key = subnetKeyOf(eni);
    const list = bySubnet.get(key);
    if (list) list.push(eni);
    else bySubnet.set(key, [eni]);
  };
  for (const eni of store.list('eni')) add(eni);
  for (const node of store.list('node')) {
    const { enis, inferred } = enisOfNode(store, node.name);
    if (inferred) for (const eni of enis) add(eni);
  }
  return bySubnet;
}

/** Subnet ids used by an ENIConfig (custom networking), with the ENIConfig's name. */
export function eniConfigSubnets(store: ClusterStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const cfg of store.list('eniConfig')) if (cfg.subnet) out.set(cfg.subnet, cfg.name);
  return out;
}

export function subnetRows(store: ClusterStore, ctx?: IpamdRowContext): TreeRow[] {
  const eniConfigs = eniConfigSubnets(store);
  return [...enisBySubnet(store).entries()]
    .map(([subnetId, enis]) => ({ subnetId, enis, subnet: store.get('subnet', subnetId) }))
    .sort((a, b) => (a.subnet?.cidr ?? '~').localeCompare(b.subnet?.cidr ?? '~', undefined, { numeric: true }) || compareNames(a.subnetId, b.subnetId))
    .map(({ subnetId, enis, subnet }): TreeRow => {
      const eniConfig = eniConfigs.get(subnetId);
      const id = subnetRowId(subnetId);
      return {
        id,
        label: subnet?.cidr ?? subnetId,
        description: [
          subnet ? subnetId : undefined,
          subnet?.zone,
          subnet?.availableIps !== undefined ? `${subnet.availableIps} free` : undefined,
          eniConfig ? `ENIConfig ${eniConfig}` : undefined,
          `${enis.length} ENIs`,
        ].filter(Boolean).join(' · '),
        icon: icon(eniConfig ? 'symbol-namespace' : 'symbol-structure'),
        tooltip: subnetId === UNKNOWN_SUBNET
          ? 'ENIs whose subnet is not known: EC2 gave no subnet for them (ipamd does not report subnets, inferred ENIs only know one when EC2 listed a subnet containing their IPs).'
          : `**${esc(subnet?.cidr ?? subnetId)}**${subnet?.name ? ` (${esc(subnet.name)})` : ''}\n\n${eniConfig ? `Pod subnet of ENIConfig ${esc(eniConfig)} (custom networking)\n\n` : ''}Subnet ${esc(subnetId)}${subnet?.availableIps !== undefined ? `\n\n${subnet.availableIps} free IPs (EC2 AvailableIpAddressCount)` : ''}`,
        contextValue: 'cniLens.subnet',
        ...(subnetId === UNKNOWN_SUBNET ? {} : { ref: { kind: 'subnet' as const, key: subnetId } }),
        children: () => eniRows(store, enis, id, ctx),
      };
    });
}
