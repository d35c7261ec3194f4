/**
 * The representative destinations of a pod's overview: one of each kind of path it has (datapath.md
 * B1–B6), chosen from the store: a pod on the same node, a pod on another node, a ClusterIP Service,
 * the VPC resources (RDS, MSK) the store knows, the internet, on-premises through a transit gateway,
 * and internet clients through an NLB that targets the pod. Deterministic: the same store gives the
 * same choices.
 */
import type { EniInfo, L4Protocol, PodInfo, SecurityGroupInfo, ServiceInfo } from '../../model';
import { formatIpv4, parseCidr } from '../../net/ipv4';
import type { ClusterStore } from '../../store/clusterStore';
import { pickServiceBackend } from '../datapath/serviceBackend';
import type { TraceRequest } from '../datapath/traceDatapath';
import { awsEniOwner, findEniForIp, subnetRouteTable } from '../datapath/vpcLookup';
import type { DiagramPathCategory } from './diagramTypes';

export interface OverviewDestination {
  id: string;
  category: DiagramPathCategory;
  label: string;
  request: TraceRequest;
}

/** An address for "the internet": TEST-NET-3 (RFC 5737), outside every VPC CIDR. */
export const INTERNET_EXAMPLE_ADDRESS = '203.0.113.10';

const keyOf = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;

function firstPort(p: PodInfo): { port: number; protocol: L4Protocol } | undefined {
  const tcp = p.containerPorts.find((c) => c.protocol === 'TCP') ?? p.containerPorts[0];
  return tcp ? { port: tcp.port, protocol: tcp.protocol } : undefined;
}

function onPodNetwork(p: PodInfo): boolean {
  return !p.hostNetwork && p.ip !== undefined && p.phase !== 'Succeeded' && p.phase !== 'Failed';
}

/** Other workloads first, then the pod's own namespace, then pods with a port, then by name. */
function podRank(subject: PodInfo) {
  const sameWorkload = (p: PodInfo) => subject.owner !== undefined && p.owner !== undefined && p.namespace === subject.namespace && p.owner.kind === subject.owner.kind && p.owner.name === subject.owner.name;
  return (a: PodInfo, b: PodInfo): number => {
    const score = (p: PodInfo): number => (sameWorkload(p) ? 4 : 0) + (p.namespace === subject.namespace ? 0 : 2) + (firstPort(p) ? 0 : 1);
    return score(a) - score(b) || keyOf(a).localeCompare(keyOf(b));
  };
}

function podDestination(subject: PodInfo, p: PodInfo, id: string, category: DiagramPathCategory, where: string): OverviewDestination {
  const port = firstPort(p);
  return {
    id,
    category,
    label: `${where}: ${keyOf(p)}${port ? `:${port.port}` : ''}`,
    request: { from: keyOf(subject), to: keyOf(p), ...(port ? { port: port.port, protocol: port.protocol } : {}) },
  };
}

function serviceCandidates(store: ClusterStore, subject: PodInfo): Array<{ svc: ServiceInfo; port?: number; protocol: L4Protocol }> {
  const subjectKey = keyOf(subject);
  const out: Array<{ svc: ServiceInfo; port?: number; protocol: L4Protocol; rank: number }> = [];
  for (const svc of store.list('service')) {
    if (!svc.clusterIp || svc.clusterIp === 'None' || svc.type === 'ExternalName') continue;
    const first = svc.ports[0];
    const protocol = first?.protocol ?? 'TCP';
    const pick = pickServiceBackend(store, svc, { ...(first ? { port: first.port } : {}), protocol });
    if ('message' in pick || !pick.chosen) continue;
    // the pod's own Service would trace back to itself or a sibling: not a path of its own
    if (pick.backends.some((b) => b.pod && keyOf(b.pod) === subjectKey)) continue;
    // a Service of another application namespace first (crossing namespaces is where policies
    // bite), then one of the pod's own namespace, then kube-system's; Services backed by pods before
    // those backed by other addresses (the API server's `default/kubernetes`)
    const podBacked = pick.backends.every((b) => b.pod !== undefined);
    const rank = (podBacked ? 0 : 3) + (svc.namespace === 'kube-system' ? 2 : svc.namespace === subject.namespace ? 1 : 0);
    out.push({ svc, ...(first ? { port: first.port } : {}), protocol, rank });
  }
  out.sort((a, b) => a.rank - b.rank || keyOf(a.svc).localeCompare(keyOf(b.svc)));
  return out;
}

/** The first TCP port the ENI's security groups accept: the port the resource serves. */
function servedPort(store: ClusterStore, eni: EniInfo): number | undefined {
  for (const g of eni.securityGroups) {
    const sg: SecurityGroupInfo | undefined = store.get('securityGroup', g.id);
    for (const perm of sg?.ingress ?? []) {
      const p = perm as { IpProtocol?: string; FromPort?: number };
      if ((p.IpProtocol === 'tcp' || p.IpProtocol === '6') && typeof p.FromPort === 'number' && p.FromPort > 0) return p.FromPort;
    }
  }
  return undefined;
}

export function overviewDestinations(store: ClusterStore, subject: PodInfo): OverviewDestination[] {
  const subjectKey = keyOf(subject);
  // traffic into the pod first: its boxes then sit above the outgoing paths, next to the pod
  const out: OverviewDestination[] = [{ id: 'load-balancer', category: 'load-balancer', label: `internet clients → NLB → ${subjectKey}`, request: { from: 'world', to: subjectKey } }];
  const rank = podRank(subject);
  const others = [...store.list('pod')].filter((p) => onPodNetwork(p) && keyOf(p) !== subjectKey && p.nodeName !== undefined);

  const sameNode = others.filter((p) => p.nodeName === subject.nodeName).sort(rank)[0];
  if (sameNode) out.push(podDestination(subject, sameNode, 'same-node-pod', 'same-node-pod', 'pod on the same node'));
  const otherNode = others.filter((p) => p.nodeName !== subject.nodeName).sort(rank)[0];
  if (otherNode) out.push(podDestination(subject, otherNode, 'other-node-pod', 'other-node-pod', 'pod on another node'));

  const svc = serviceCandidates(store, subject)[0];
  if (svc) {
    out.push({
      id: 'service',
      category: 'service',
      label: `Service ${keyOf(svc.svc)} ${svc.svc.clusterIp}${svc.port !== undefined ? `:${svc.port}` : ''}`,
      request: { from: subjectKey, to: `svc:${keyOf(svc.svc)}`, ...(svc.port !== undefined ? { port: svc.port } : {}), protocol: svc.protocol },
    });
  }

  // VPC resources: one RDS and one MSK ENI, in the pod's zone first
  const zone = subject.nodeName ? store.get('node', subject.nodeName)?.zone : undefined;
  const roles: Array<{ role: 'rds' | 'msk'; id: string; title: string }> = [{ role: 'rds', id: 'rds', title: 'RDS' }, { role: 'msk', id: 'msk', title: 'MSK broker' }];
  const enis = [...store.list('eni')].sort((a, b) => Number(b.zone === zone) - Number(a.zone === zone) || a.id.localeCompare(b.id));
  for (const { role, id, title } of roles) {
    const eni = enis.find((e) => e.primaryIp !== undefined && awsEniOwner(e).role === role);
    if (!eni?.primaryIp) continue;
    const port = servedPort(store, eni);
    out.push({ id, category: 'vpc-resource', label: `${title} ${eni.primaryIp}${port !== undefined ? `:${port}` : ''}`, request: { from: subjectKey, to: `ip:${eni.primaryIp}`, ...(port !== undefined ? { port } : {}) } });
  }

  out.push({ id: 'internet', category: 'internet', label: `internet (${INTERNET_EXAMPLE_ADDRESS}:443, an example address)`, request: { from: subjectKey, to: `ip:${INTERNET_EXAMPLE_ADDRESS}`, port: 443 } });

  const tgw = transitGatewayRoute(store, subject);
  if (tgw) out.push({ id: 'on-premises', category: 'on-premises', label: `on-premises ${tgw.address}:443 via ${tgw.target}`, request: { from: subjectKey, to: `ip:${tgw.address}`, port: 443 } });

  return out;
}

/** A transit gateway route of the pod's subnet (else of any route table) and an address inside its CIDR. */
function transitGatewayRoute(store: ClusterStore, subject: PodInfo): { address: string; target: string } | undefined {
  const eni = subject.ip ? findEniForIp(store, subject.ip, subject.nodeName)?.eni : undefined;
  const own = eni?.subnetId ? subnetRouteTable(store, eni.subnetId, eni.vpcId)?.table : undefined;
  const tables = [...(own ? [own] : []), ...[...store.list('routeTable')].sort((a, b) => a.id.localeCompare(b.id))];
  for (const table of tables) {
    for (const route of table.routes) {
      if (route.target.kind !== 'transit-gateway') continue;
      const cidr = parseCidr(route.destination);
      if (!cidr || cidr.bits === 0) continue;
      const offset = cidr.bits <= 28 ? 10 : cidr.bits < 32 ? 1 : 0;
      return { address: formatIpv4(cidr.base + offset), target: route.target.id };
    }
  }
  return undefined;
}
