/**
 * Look-ups of VPC facts in the store for the datapath: which ENI holds an IP, an ENI's kernel route
 * table, the VPC CIDRs, a subnet's route table and its longest-prefix match, and who owns an ENI
 * that is not a node's (datapath.md A2 RouteTableID, A3, B0, B5).
 */
import type { EniInfo, Provenance, RouteInfo, RouteTableInfo, SubnetInfo } from '../../model';
import { cidrContains, formatIpv4, parseCidr } from '../../net/ipv4';
import type { ClusterStore } from '../../store/clusterStore';

export interface EniForIp {
  eni: EniInfo;
  /** The /28 (or other) prefix of the ENI that holds the IP (prefix delegation). */
  prefix?: string;
}

/** The ENI that holds `ip`: as one of its IPs, else inside one of its prefixes. ENIs of `nodeName` first. */
export function findEniForIp(store: ClusterStore, ip: string, nodeName?: string): EniForIp | undefined {
  const enis = store
    .ownersOfIp(ip)
    .filter((o) => o.kind === 'eni')
    .map((o) => store.get('eni', o.key))
    .filter((e): e is EniInfo => e !== undefined);
  const holder = (nodeName ? enis.find((e) => e.nodeName === nodeName) : undefined) ?? enis[0];
  if (holder) return { eni: holder };
  const candidates = nodeName ? store.enisOnNode(nodeName) : [...store.list('eni')];
  for (const eni of candidates) {
    const prefix = eni.prefixes.find((p) => cidrContains(p, ip));
    if (prefix) return { eni, prefix };
  }
  return undefined;
}

/** The node's primary ENI (`eth0`): the one holding the node IP, else device index 0 on network card 0. */
export function primaryEniOfNode(store: ClusterStore, nodeName: string, nodeIp?: string): EniInfo | undefined {
  const enis = store.enisOnNode(nodeName);
  return enis.find((e) => nodeIp !== undefined && e.primaryIp === nodeIp) ?? enis.find((e) => e.deviceIndex === 0 && (e.networkCardIndex ?? 0) === 0);
}

/** `eth<N>` for ENIs on network card 0, the name datapath.md uses; undefined when the device index is unknown. */
export function eniDevice(eni: EniInfo): string | undefined {
  if (eni.deviceIndex === undefined) return undefined;
  const card = eni.networkCardIndex ?? 0;
  return card === 0 ? `eth${eni.deviceIndex}` : `device ${eni.deviceIndex} on network card ${card}`;
}

export interface EniTable {
  table: 'main' | number;
  /** How the table was found. */
  detail: string;
  origin: Provenance;
}

/**
 * The kernel route table ipamd uses for the ENI: main (254) for the primary ENI, `deviceIndex + 1` on
 * card 0, `10000 + device + 100 × card` on other cards (`pkg/networkutils/helper.go`, datapath.md A2).
 * ipamd's `RouteTableID` wins when the store has it.
 */
export function eniRouteTable(eni: EniInfo): EniTable | undefined {
  if (eni.routeTableId !== undefined) {
    return {
      table: eni.routeTableId === 254 ? 'main' : eni.routeTableId,
      detail: `RouteTableID ${eni.routeTableId} of ${eni.id} (ipamd)`,
      origin: { source: 'ipamd', ...(eni.origin.file ? { file: eni.origin.file } : {}), detail: `RouteTableID of ${eni.id}` },
    };
  }
  if (eni.deviceIndex === undefined) return undefined;
  const card = eni.networkCardIndex ?? 0;
  const rule = 'ipamd rule: main for the primary ENI, device + 1 on card 0, 10000 + device + 100 × card elsewhere';
  if (eni.deviceIndex === 0 && card === 0) return { table: 'main', detail: `${eni.id} is the primary ENI`, origin: { source: 'inferred', detail: rule } };
  const table = card === 0 ? eni.deviceIndex + 1 : 10000 + eni.deviceIndex + 100 * card;
  return { table, detail: `device index ${eni.deviceIndex} of ${eni.id} on card ${card}`, origin: { source: 'inferred', detail: rule } };
}

export interface VpcCidrs {
  vpcId?: string;
  cidrs: string[];
  origin: Provenance;
}

/**
 * The VPC's IPv4 CIDR blocks (primary and secondary): what ipamd excludes from SNAT. From the VPC
 * object, else from the `local` routes of the VPC's route tables, else undefined.
 */
export function vpcCidrs(store: ClusterStore, vpcId?: string): VpcCidrs | undefined {
  let id = vpcId;
  if (id === undefined && store.count('vpc') === 1) id = [...store.list('vpc')][0].id;
  const vpc = id !== undefined ? store.get('vpc', id) : undefined;
  const v4 = (c: string) => parseCidr(c) !== undefined;
  if (vpc && vpc.cidrs.some(v4)) return { vpcId: vpc.id, cidrs: vpc.cidrs.filter(v4), origin: { ...vpc.origin, detail: `CIDR blocks of ${vpc.id}` } };
  const local = new Set<string>();
  let origin: Provenance | undefined;
  for (const table of store.list('routeTable')) {
    if (id !== undefined && table.vpcId !== undefined && table.vpcId !== id) continue;
    for (const r of table.routes) {
      if (r.target.kind === 'local' && v4(r.destination)) {
        local.add(r.destination);
        origin ??= { ...table.origin, detail: `local routes of the VPC's route tables (no VPC object)` };
      }
    }
  }
  if (local.size > 0 && origin) return { ...(id !== undefined ? { vpcId: id } : {}), cidrs: [...local], origin };
  return undefined;
}

export interface SubnetRouteTable {
  table: RouteTableInfo;
  association: 'explicit' | 'main';
}

/** The route table of a subnet: its explicit association, else the VPC's main route table. */
export function subnetRouteTable(store: ClusterStore, subnetId: string, vpcId?: string): SubnetRouteTable | undefined {
  let main: RouteTableInfo | undefined;
  const vpc = vpcId ?? store.get('subnet', subnetId)?.vpcId;
  for (const table of store.list('routeTable')) {
    if (table.subnetIds.includes(subnetId)) return { table, association: 'explicit' };
    if (table.main && (vpc === undefined || table.vpcId === undefined || table.vpcId === vpc)) main ??= table;
  }
  return main ? { table: main, association: 'main' } : undefined;
}

export interface RouteMatch {
  route: RouteInfo;
  /** Routes to prefix lists (`pl-…`) that were not evaluated. */
  skippedPrefixLists: string[];
}

/** Longest-prefix match of `ip` in the table's IPv4 routes; prefix-list routes are skipped and reported. */
export function longestPrefixMatch(table: RouteTableInfo, ip: string): RouteMatch | { route: undefined; skippedPrefixLists: string[] } {
  let best: RouteInfo | undefined;
  let bestBits = -1;
  const skippedPrefixLists: string[] = [];
  for (const route of table.routes) {
    const cidr = parseCidr(route.destination);
    if (!cidr) {
      if (route.destination.startsWith('pl-')) skippedPrefixLists.push(route.destination);
      continue;
    }
    if (cidr.bits > bestBits && cidrContains(cidr, ip)) {
      best = route;
      bestBits = cidr.bits;
    }
  }
  return { route: best, skippedPrefixLists };
}

/** The subnet's gateway: the base address + 1 (the VPC router). */
export function subnetGateway(cidr: string | undefined): string | undefined {
  const c = cidr ? parseCidr(cidr) : undefined;
  return c ? formatIpv4(c.base + 1) : undefined;
}

export function subnetLabel(subnet: SubnetInfo | undefined, subnetId: string | undefined): string {
  if (!subnetId) return 'subnet unknown';
  if (!subnet) return subnetId;
  return `${subnetId} ${subnet.cidr}${subnet.zone ? ` ${subnet.zone}` : ''}`;
}

export type AwsEniRole = 'load-balancer' | 'nat-gateway' | 'rds' | 'msk' | 'eks-control-plane' | 'vpc-endpoint' | 'other';

/** Who owns an ENI that is not a node's (datapath.md A3: InterfaceType, Description). */
export function awsEniOwner(eni: EniInfo): { role: AwsEniRole; label: string } {
  const d = eni.description ?? '';
  const t = eni.interfaceType ?? '';
  if (t === 'network_load_balancer' || d.startsWith('ELB net/')) {
    const name = /^ELB net\/([^/]+)\//.exec(d)?.[1];
    return { role: 'load-balancer', label: `NLB ${name ?? '(name unknown)'} network interface ${eni.id}` };
  }
  if (d.startsWith('ELB app/')) {
    const name = /^ELB app\/([^/]+)\//.exec(d)?.[1];
    return { role: 'load-balancer', label: `ALB ${name ?? '(name unknown)'} network interface ${eni.id}` };
  }
  if (t === 'nat_gateway' || d.startsWith('Interface for NAT Gateway')) {
    const nat = /nat-[0-9a-f]+/.exec(d)?.[0];
    return { role: 'nat-gateway', label: nat ? `NAT gateway ${nat} network interface ${eni.id}` : `NAT gateway network interface ${eni.id}` };
  }
  if (d === 'RDSNetworkInterface') return { role: 'rds', label: `RDS network interface ${eni.id}` };
  if (/Amazon MSK/i.test(d)) {
    const cluster = /cluster ([\w-]+)/.exec(d)?.[1];
    return { role: 'msk', label: `MSK broker network interface ${eni.id}${cluster ? ` (cluster ${cluster})` : ''}` };
  }
  if (d.startsWith('Amazon EKS ')) return { role: 'eks-control-plane', label: `EKS control-plane network interface ${eni.id} (${d.slice('Amazon EKS '.length)})` };
  if (t === 'vpc_endpoint' || d.startsWith('VPC Endpoint Interface')) return { role: 'vpc-endpoint', label: `VPC endpoint network interface ${eni.id}` };
  return { role: 'other', label: `network interface ${eni.id}${d ? ` (${d})` : ''}` };
}

/** The ENIs of the NLB behind a LoadBalancer Service hostname `<name>-<id>.elb.<region>.amazonaws.com` (description `ELB net/<name>/<id>`). */
export function nlbEnisOfHostname(store: ClusterStore, hostname: string): EniInfo[] {
  const label = hostname.split('.')[0];
  const out: EniInfo[] = [];
  // an NLB's ENIs are on no node
  for (const eni of store.enisOffNodes()) {
    const m = /^ELB net\/([^/]+)\/([^/]+)$/.exec(eni.description ?? '');
    if (m && `${m[1]}-${m[2]}` === label) out.push(eni);
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
