/**
 * Hover on any scalar that is an IPv4 address: what owns it, from the store's IP index (pod,
 * node, ENI — with the AWS service behind an ENI that is not a node's, such as an NLB or RDS —,
 * Service, load balancer, NAT gateway), and where it lies in the VPC.
 */
import { cidrContains, isIpv4, parseCidr } from '../net/ipv4';
import type { ClusterStore } from '../store/clusterStore';
import { ipOwnerLines, vpcPlacement } from './addressFacts';
import { markdownEscape } from './hoverMarkdown';
import type { HoverRequest } from './hoverRequest';

export function ipHover(req: HoverRequest): string | undefined {
  const { target } = req;
  if (target.isKey || !target.text || !isIpv4(target.text)) return undefined;
  return ipDescription(req.store, target.text, req.sourceLabel).join('\n');
}

/** Markdown lines: the address, its owners, its subnet and VPC placement. */
function ipDescription(store: ClusterStore, ip: string, sourceLabel: string): string[] {
  const lines = [`**${markdownEscape(ip)}**`, ''];
  const owners = ipOwnerLines(store, ip);
  if (owners.length > 0) lines.push(...owners.map((o) => `- ${o}`));
  else lines.push(`- no pod, node, ENI, Service or NAT gateway in ${markdownEscape(sourceLabel)} has this address`);
  const range = parseCidr(`${ip}/32`);
  const clusterIp = store.ownersOfIp(ip).some((o) => o.kind === 'service' && o.role === 'clusterIP');
  if (clusterIp) {
    lines.push('- a virtual Service address: translated to a backend on the client\'s node, it never reaches the VPC');
  } else if (range) {
    const subnet = [...store.list('subnet')].find((s) => cidrContains(s.cidr, ip));
    const subnetText = subnet ? `; subnet ${markdownEscape(subnet.id)} ${markdownEscape(subnet.cidr)}${subnet.name ? ` (${markdownEscape(subnet.name)})` : ''}` : '';
    lines.push(`- ${vpcPlacement(store, range)}${subnetText}`);
  }
  return lines;
}
