/**
 * Addresses against the store: who owns an IP (the store's IP index: pod, node, ENI, Service, load
 * balancer, NAT gateway), where a range lies relative to the VPC (primary CIDR, a secondary CIDR,
 * outside), and what falls inside a range (subnets, ENIs, nodes, pods, Services).
 */
import { awsEniOwner, eniDevice, vpcCidrs } from '../analysis/datapath/vpcLookup';
import { cidrWithin } from '../analysis/policy/cidrBlock';
import type { CidrBlock } from '../analysis/policy/compiledPolicy';
import type { EniInfo, SubnetInfo } from '../model';
import { cidrContains, cidrSize, parseCidr, type Ipv4Cidr } from '../net/ipv4';
import type { ClusterStore } from '../store/clusterStore';
import type { AddressEntry } from './addressIndex';
import { podKey, type ClusterFacts } from './clusterFacts';
import { markdownEscape } from './hoverMarkdown';
import { shortNode } from './podTable';

/** One line per owner of `ip` (Markdown); empty when the store knows no owner. */
export function ipOwnerLines(store: ClusterStore, ip: string): string[] {
  const lines: string[] = [];
  const owners = store.ownersOfIp(ip);
  const podKeys = new Set(owners.filter((o) => o.kind === 'pod').map((o) => o.key));
  for (const owner of owners) {
    switch (owner.kind) {
      case 'pod': {
        const pod = store.get('pod', owner.key);
        if (pod) lines.push(`pod ${markdownEscape(podKey(pod))}${pod.nodeName ? ` on node ${markdownEscape(shortNode(pod.nodeName))}` : ''}${pod.phase && pod.phase !== 'Running' ? ` (${markdownEscape(pod.phase)})` : ''}`);
        break;
      }
      case 'node': {
        const node = store.get('node', owner.key);
        if (node) lines.push(`node ${markdownEscape(node.name)} (${markdownEscape(owner.role ?? 'address')}${node.zone ? `, ${markdownEscape(node.zone)}` : ''}${node.instanceId ? `, ${markdownEscape(node.instanceId)}` : ''})`);
        break;
      }
      case 'eni': {
        const eni = store.get('eni', owner.key);
        if (eni) lines.push(eniLine(store, eni, owner.role));
        break;
      }
      case 'service': {
        const svc = store.get('service', owner.key);
        if (svc) lines.push(`Service ${markdownEscape(owner.key)} (${owner.role === 'loadBalancer' ? 'load balancer address' : markdownEscape(owner.role ?? 'address')}, ${markdownEscape(svc.type)})`);
        break;
      }
      case 'ciliumEndpoint': {
        if (podKeys.has(owner.key)) break; // the pod line says it
        const cep = store.get('ciliumEndpoint', owner.key);
        if (cep) lines.push(`CiliumEndpoint ${markdownEscape(owner.key)}${cep.identityId !== undefined ? ` (identity ${cep.identityId})` : ''}`);
        break;
      }
      case 'natGateway': {
        const nat = store.get('natGateway', owner.key);
        if (nat) lines.push(`NAT gateway ${markdownEscape(nat.id)} (${owner.role === 'public' ? 'public IP (Elastic IP)' : 'private IP'}${nat.subnetId ? `, ${markdownEscape(nat.subnetId)}` : ''})`);
        break;
      }
    }
  }
  // Cilium's endpoint of a pod: identity and state on the pod line's behalf
  for (const key of podKeys) {
    const cep = store.get('ciliumEndpoint', key);
    if (cep?.identityId !== undefined) lines.push(`Cilium identity ${cep.identityId}${cep.state ? ` (${markdownEscape(cep.state)})` : ''} of ${markdownEscape(key)}`);
  }
  return lines;
}

function eniLine(store: ClusterStore, eni: EniInfo, role: string | undefined): string {
  const subnet = eni.subnetId ? store.get('subnet', eni.subnetId) : undefined;
  const where = subnet ? `, subnet ${markdownEscape(subnet.id)} ${markdownEscape(subnet.cidr)}` : eni.subnetId ? `, subnet ${markdownEscape(eni.subnetId)}` : '';
  const ipRole = role === 'primary' ? 'primary IP' : role === 'secondary' ? 'secondary IP' : 'IP';
  if (eni.nodeName) {
    const device = eniDevice(eni);
    return `ENI ${markdownEscape(eni.id)}${device ? ` (${markdownEscape(device)})` : ''} of node ${markdownEscape(shortNode(eni.nodeName))}: ${ipRole}${where}`;
  }
  return `${markdownEscape(awsEniOwner(eni).label)}: ${ipRole}${where}`;
}

/** Where `range` lies relative to the VPC CIDRs: `is the VPC primary CIDR`, `inside a VPC secondary CIDR …`, `outside the VPC`. */
export function vpcPlacement(store: ClusterStore, range: Ipv4Cidr): string {
  const vpc = vpcCidrs(store);
  const special = specialRange(range);
  if (!vpc) return `VPC CIDRs unknown (no VPC or route tables in the source)${special ? `; ${special}` : ''}`;
  const fromVpcObject = vpc.vpcId !== undefined && store.get('vpc', vpc.vpcId) !== undefined;
  const vpcName = vpc.vpcId ? ` of ${markdownEscape(vpc.vpcId)}` : '';
  const contained: string[] = [];
  for (let i = 0; i < vpc.cidrs.length; i++) {
    const c = parseCidr(vpc.cidrs[i] as string);
    if (!c) continue;
    const which = !fromVpcObject ? 'a VPC CIDR' : i === 0 ? 'the VPC primary CIDR' : 'a VPC secondary CIDR';
    const whichShort = !fromVpcObject ? 'VPC CIDR' : i === 0 ? 'primary CIDR' : 'secondary CIDR';
    if (c.base === range.base && c.bits === range.bits) return `is ${which} ${markdownEscape(c.text)}${vpcName}`;
    if (cidrWithin(range, c)) return `inside ${which} ${markdownEscape(c.text)}${vpcName}`;
    if (cidrWithin(c, range)) contained.push(`the ${whichShort} ${markdownEscape(c.text)}`);
  }
  if (contained.length > 0) return `contains ${contained.join(' and ')}${vpcName}${contained.length < vpc.cidrs.length ? ' and addresses outside the VPC' : ''}`;
  return `outside the VPC${vpcName} (${vpc.cidrs.map((c) => markdownEscape(c)).join(', ')})${special ? `: ${special}` : ''}`;
}

function specialRange(range: Ipv4Cidr): string | undefined {
  const imds = parseCidr('169.254.169.254/32') as Ipv4Cidr;
  if (cidrWithin(range, parseCidr('169.254.0.0/16') as Ipv4Cidr)) {
    return cidrContains(range, imds.base) ? 'link-local, the EC2 instance metadata service (IMDS) 169.254.169.254' : 'link-local';
  }
  for (const p of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']) {
    if (cidrWithin(range, parseCidr(p) as Ipv4Cidr)) return `private (${p}): another network (on-premises, peered VPC, transit gateway) or unused`;
  }
  if (range.bits === 0) return 'every address';
  return undefined;
}

/** How many objects of a kind, and the first few keys in order. */
export interface FirstKeys {
  count: number;
  first: string[];
}

export interface RangeContents {
  subnets: SubnetInfo[];
  /** ENIs with an address inside: how many belong to nodes; the others by owner (NLB, RDS...). */
  enis: { count: number; ofNodes: number; others: Array<{ label: string; ips: string[] }> };
  nodes: FirstKeys;
  pods: FirstKeys & { managed: number };
  services: FirstKeys;
}

/**
 * What lies inside the block (its exceptions excluded), through the address index: counts and the
 * first few names, without sorting a large cluster; subnets that overlap it.
 */
export function rangeContents(facts: ClusterFacts, block: CidrBlock, shown = 3): RangeContents {
  return facts.memo(`range-contents ${blockKey(block)} ${shown}`, () => computeRangeContents(facts, block, shown));
}

/** A text that tells blocks apart: the CIDR and its exceptions. */
export function blockKey(block: CidrBlock): string {
  return [block.cidr?.text ?? '', ...block.except.map((e) => e.text)].join(' ');
}

function computeRangeContents(facts: ClusterFacts, block: CidrBlock, shown: number): RangeContents {
  const { store } = facts;
  const cidr = block.cidr;
  const subnets: SubnetInfo[] = [];
  // one pass over the addresses, without gathering them: a /0 of a large cluster is 300,000
  const pods = new FirstKeysOf(shown);
  const nodes = new FirstKeysOf(shown);
  const services = new FirstKeysOf(shown);
  const enis = new DistinctEntries();
  let managed = 0;
  if (cidr) {
    for (const s of store.list('subnet')) {
      const c = parseCidr(s.cidr);
      if (c && (cidrWithin(c, cidr) || cidrWithin(cidr, c))) subnets.push(s);
    }
    // `facts.managed` from the index alone: it holds pod-network pods only, each saying whether it has an endpoint
    const noEndpoints = store.count('ciliumEndpoint') === 0;
    forEachAddressInBlock(facts, block, (a) => {
      switch (a.kind) {
        case 'pod':
          if (pods.add(a) && (noEndpoints || a.hasEndpoint)) managed++;
          break;
        case 'eni':
          enis.add(a);
          break;
        case 'node':
          nodes.add(a);
          break;
        case 'service':
          services.add(a);
          break;
      }
    });
  }
  subnets.sort((a, b) => a.cidr.localeCompare(b.cidr, undefined, { numeric: true }));
  let ofNodes = 0;
  const others: EniInfo[] = [];
  for (const key of enis.keys()) {
    const eni = store.get('eni', key);
    if (!eni) continue;
    if (eni.nodeName) ofNodes++;
    else others.push(eni);
  }
  return {
    subnets,
    enis: { count: enis.count, ofNodes, others: nonNodeEniGroups(others) },
    nodes: nodes.result(),
    pods: { ...pods.result(), managed },
    services: services.result(),
  };
}

/**
 * Objects counted once however many of their addresses are in the range: an object with one
 * entry (most pods) is counted as it comes, only the others are remembered.
 */
export class DistinctEntries {
  private readonly several = new Set<string>();
  private single: string[] | undefined;
  count = 0;

  constructor(private readonly keepKeys = true) {}

  /** True when the entry's object was not counted yet. */
  add(entry: AddressEntry): boolean {
    if (entry.entries > 1) {
      if (this.several.has(entry.key)) return false;
      this.several.add(entry.key);
    } else if (this.keepKeys) (this.single ??= []).push(entry.key);
    this.count++;
    return true;
  }

  /** The objects' keys (when kept). */
  *keys(): IterableIterator<string> {
    yield* this.several;
    if (this.single) yield* this.single;
  }
}

/** Distinct objects counted and the `k` smallest keys kept, one entry at a time. */
class FirstKeysOf {
  private readonly distinct = new DistinctEntries(false);
  private readonly first: string[] = [];

  constructor(private readonly k: number) {}

  /** True when the entry's object is new. */
  add(entry: AddressEntry): boolean {
    if (!this.distinct.add(entry)) return false;
    const key = entry.key;
    const first = this.first;
    if (first.length === this.k && key >= (first[this.k - 1] as string)) return true;
    let i = first.length;
    while (i > 0 && (first[i - 1] as string) > key) i--;
    first.splice(i, 0, key);
    if (first.length > this.k) first.pop();
    return true;
  }

  result(): FirstKeys {
    return { count: this.distinct.count, first: [...this.first] };
  }
}

/** Calls `fn` for the store's addresses inside the block and outside its exceptions (a /0 of a large cluster is 300,000). */
export function forEachAddressInBlock(facts: ClusterFacts, block: CidrBlock, fn: (entry: AddressEntry) => void): void {
  const cidr = block.cidr;
  if (!cidr) return;
  const except = block.except;
  facts.forEachAddressBetween(cidr.base, cidr.base + cidrSize(cidr) - 1, (a) => {
    for (let i = 0; i < except.length; i++) if (cidrContains(except[i] as Ipv4Cidr, a.ip)) return;
    fn(a);
  });
}

/** The ENIs in the list that belong to no node, by what owns them (`NLB k8s-…`, `RDS`, `NAT gateway nat-…`). */
export function nonNodeEniGroups(enis: readonly EniInfo[]): Array<{ label: string; ips: string[] }> {
  const groups = new Map<string, string[]>();
  for (const eni of enis) {
    if (eni.nodeName) continue;
    const label = awsEniOwner(eni).label.replace(/\s*network interface eni-[0-9a-f]+/, '').trim() || 'ENI';
    const ips = groups.get(label) ?? [];
    for (const ip of eni.ips) ips.push(ip.ip);
    groups.set(label, ips);
  }
  return [...groups.entries()].map(([label, ips]) => ({ label, ips })).sort((a, b) => a.label.localeCompare(b.label));
}
