import type { EniInfo, EniIp, NodeInfo, PodInfo, SubnetInfo } from '../model';
import { cidrContains, isIpv4 } from '../net/ipv4';
import type { ClusterStore } from '../store/clusterStore';

/** The `origin.detail` of an inferred ENI; the trees label such ENIs "inferred from pod IPs". */
export const INFERRED_ENI_DETAIL = 'inferred from pod IPs and node addresses (no EC2 or ipamd data for this node)';

/**
 * The ENIs of a node as the last fallback, when neither EC2 nor ipamd reported any: the node's
 * InternalIP is the primary IP of its primary ENI (eth0) and the IPv4 addresses of its pods on the
 * pod network are secondary IPs. Which ENI holds a pod IP is only known when a subnet of `subnets`
 * (from EC2) contains it: pod IPs outside the node's subnet then go on one inferred ENI per subnet;
 * otherwise they are listed on eth0 and the subnet stays unknown. Never throws.
 */
export function inferNodeEnis(node: NodeInfo, pods: readonly PodInfo[], subnets: Iterable<SubnetInfo> = []): EniInfo[] {
  const known = [...subnets].filter((s) => s.cidr);
  const subnetOf = (ip: string): SubnetInfo | undefined => known.find((s) => cidrContains(s.cidr, ip));
  const nodeSubnet = node.internalIp ? subnetOf(node.internalIp) : undefined;
  const short = node.name.split('.')[0] ?? node.name;
  const base = (id: string, description: string, subnet: SubnetInfo | undefined): EniInfo => ({
    id,
    nodeName: node.name,
    ...(node.instanceId ? { instanceId: node.instanceId } : {}),
    ...(subnet ? { subnetId: subnet.id, ...(subnet.vpcId ? { vpcId: subnet.vpcId } : {}), ...(subnet.zone ? { zone: subnet.zone } : {}) } : node.zone ? { zone: node.zone } : {}),
    kind: 'interface',
    description,
    securityGroups: [],
    ips: [],
    prefixes: [],
    tags: {},
    origin: { source: 'inferred', detail: INFERRED_ENI_DETAIL },
  });

  const primary = base(`inferred:${short}:eth0`, `eth0 of ${node.name}`, nodeSubnet);
  primary.deviceIndex = 0;
  if (node.internalIp) {
    primary.primaryIp = node.internalIp;
    primary.ips.push({ ip: node.internalIp, primary: true });
  }
  const others = new Map<string, EniInfo>();
  const seen = new Set<string>(node.internalIp ? [node.internalIp] : []);
  const sorted = pods.filter((p) => !p.hostNetwork && p.nodeName === node.name).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const pod of sorted) {
    for (const ip of new Set([...(pod.ip ? [pod.ip] : []), ...pod.ips])) {
      if (!isIpv4(ip) || seen.has(ip)) continue;
      seen.add(ip);
      const entry: EniIp = { ip, primary: false, pod: { namespace: pod.namespace, name: pod.name } };
      const subnet = subnetOf(ip);
      if (!subnet || subnet.id === nodeSubnet?.id) {
        primary.ips.push(entry);
        continue;
      }
      let eni = others.get(subnet.id);
      if (!eni) {
        eni = base(`inferred:${short}:${subnet.id}`, `secondary ENI of ${node.name} in ${subnet.id}`, subnet);
        others.set(subnet.id, eni);
      }
      eni.ips.push(entry);
    }
  }
  return [primary, ...others.values()];
}

/**
 * A node's ENIs in the fallback order EC2, then ipamd (both merged into the store), then inference
 * from pod IPs and node addresses. `inferred` says which one it is.
 */
export function enisOfNode(store: ClusterStore, nodeName: string): { enis: EniInfo[]; inferred: boolean } {
  const enis = store.enisOnNode(nodeName);
  if (enis.length > 0) return { enis, inferred: false };
  const node = store.get('node', nodeName);
  if (!node) return { enis: [], inferred: false };
  return { enis: inferNodeEnis(node, store.podsOnNode(nodeName), store.list('subnet')), inferred: true };
}
