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

/**
 * Other workloads first, then the pod's own namespace, then pods with a port, then by name: the
 * lower the score, the better the example (a pod of the same workload only when there is no other).
 */
function podScore(subject: PodInfo, p: PodInfo): number {
  const sameWorkload = subject.owner !== undefined && p.owner !== undefined && p.namespace === subject.namespace && p.owner.kind === subject.owner.kind && p.owner.name === subject.owner.name;
  return (sameWorkload ? 4 : 0) + (p.namespace === subject.namespace ? 0 : 2) + (firstPort(p) ? 0 : 1);
}

/** The best example of `candidates` that `accept` takes: lowest score, then first by `ns/name`. */
function bestPod(subject: PodInfo, candidates: Iterable<PodInfo>, accept: (p: PodInfo) => boolean, best?: { pod: PodInfo; score: number }): { pod: PodInfo; score: number } | undefined {
  for (const p of candidates) {
    if (!accept(p)) continue;
    const score = podScore(subject, p);
    if (!best || score < best.score || (score === best.score && keyOf(p).localeCompare(keyOf(best.pod)) < 0)) best = { pod: p, score };
  }
  return best;
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

/**
 * The Service to trace to: one backed by pods first (Services backed by other addresses, such as the
 * API server's `default/kubernetes`, come last), of another application namespace (crossing
 * namespaces is where policies bite), then of the pod's own namespace, then of kube-system's; then by
 * name. Backends are looked up in that order only until the first pod-backed Service that qualifies.
 */
function bestService(store: ClusterStore, subject: PodInfo): { svc: ServiceInfo; port?: number; protocol: L4Protocol } | undefined {
  const subjectKey = keyOf(subject);
  const namespaceRank = (svc: ServiceInfo): number => (svc.namespace === 'kube-system' ? 2 : svc.namespace === subject.namespace ? 1 : 0);
  const services: Array<{ svc: ServiceInfo; rank: number }> = [];
  for (const svc of store.list('service')) {
    if (!svc.clusterIp || svc.clusterIp === 'None' || svc.type === 'ExternalName') continue;
    services.push({ svc, rank: namespaceRank(svc) });
  }
  const before = (a: { svc: ServiceInfo; rank: number }, b: { svc: ServiceInfo; rank: number }): number => a.rank - b.rank || keyOf(a.svc).localeCompare(keyOf(b.svc));
  let notPodBacked: { svc: ServiceInfo; port?: number; protocol: L4Protocol } | undefined;
  // the first Service in that order nearly always qualifies: take the first few one by one, sort
  // only when they do not
  for (let tried = 0; services.length > 0; tried++) {
    let at = 0;
    if (tried < 8) {
      for (let i = 1; i < services.length; i++) if (before(services[i]!, services[at]!) < 0) at = i;
    } else if (tried === 8) {
      services.sort((a, b) => before(b, a));
      at = services.length - 1;
    } else {
      at = services.length - 1;
    }
    const { svc } = services[at]!;
    services[at] = services[services.length - 1]!;
    services.pop();
    const first = svc.ports[0];
    const protocol = first?.protocol ?? 'TCP';
    const pick = pickServiceBackend(store, svc, { ...(first ? { port: first.port } : {}), protocol });
    if ('message' in pick || !pick.chosen) continue;
    // the pod's own Service would trace back to itself or a sibling: not a path of its own
    if (pick.backends.some((b) => b.pod && keyOf(b.pod) === subjectKey)) continue;
    const candidate = { svc, ...(first ? { port: first.port } : {}), protocol };
    if (pick.backends.every((b) => b.pod !== undefined)) return candidate;
    notPodBacked ??= candidate;
  }
  return notPodBacked;
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
  const other = (p: PodInfo): boolean => onPodNetwork(p) && p.nodeName !== undefined && keyOf(p) !== subjectKey;

  // the node's pods from the store's index
  const sameNode = subject.nodeName ? bestPod(subject, store.podsOnNode(subject.nodeName), other) : undefined;
  if (sameNode) out.push(podDestination(subject, sameNode.pod, 'same-node-pod', 'same-node-pod', 'pod on the same node'));
  // the pod's namespace first: a pod of another workload there scores below every pod elsewhere
  const elsewhere = (p: PodInfo): boolean => p.nodeName !== subject.nodeName && other(p);
  let otherNode = bestPod(subject, store.podsInNamespace(subject.namespace), elsewhere);
  if (!otherNode || otherNode.score > 1) otherNode = bestPod(subject, store.list('pod'), (p) => p.namespace !== subject.namespace && elsewhere(p), otherNode);
  if (otherNode) out.push(podDestination(subject, otherNode.pod, 'other-node-pod', 'other-node-pod', 'pod on another node'));

  const svc = bestService(store, subject);
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
  const resources = new Map<string, EniInfo>();
  // RDS and MSK ENIs are on no node: the nodes' ENIs are not read
  for (const e of store.enisOffNodes()) {
    if (e.primaryIp === undefined) continue;
    const role = awsEniOwner(e).role;
    const best = resources.get(role);
    // the pod's zone first, then by id
    if (!best || (Number(best.zone === zone) - Number(e.zone === zone) || e.id.localeCompare(best.id)) < 0) resources.set(role, e);
  }
  for (const { role, id, title } of roles) {
    const eni = resources.get(role);
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
