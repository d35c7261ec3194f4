/**
 * The two ends of a trace: parsing the arguments (`ns/pod`, `svc:ns/name`, `ip:A.B.C.D`, `world`) and
 * resolving them through the store (`ownersOfIp` for addresses).
 */
import type { CiliumEndpointInfo, EniInfo, NatGatewayInfo, NodeInfo, PodInfo, ServiceInfo } from '../../model';
import { ipFamily, ipv6PodNote, podAddresses } from '../../net/ipAddress';
import { cidrContains, isIpv4 } from '../../net/ipv4';
import type { ClusterStore } from '../../store/clusterStore';
import type { TraceInputError } from './datapathTypes';
import { awsEniOwner, vpcCidrs, type AwsEniRole } from './vpcLookup';

export type EndpointSpec =
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'service'; namespace: string; name: string }
  | { kind: 'ip'; ip: string }
  | { kind: 'world' };

export type ResolvedEndpoint =
  /** A pod on the pod network (not host-network). */
  | { kind: 'pod'; ip: string; pod: PodInfo; node?: NodeInfo; cep?: CiliumEndpointInfo }
  /** The node's own network namespace: a host-network pod, or the node itself. */
  | { kind: 'host'; ip: string; node?: NodeInfo; nodeName?: string; pod?: PodInfo; eni?: EniInfo }
  | { kind: 'service'; ip: string; service: ServiceInfo }
  /** An ENI in the VPC that is not a node's: NLB, NAT gateway, RDS, MSK, EKS control plane... */
  | { kind: 'aws-eni'; ip: string; eni: EniInfo; role: AwsEniRole; label: string }
  /** A NAT gateway address without its ENI in the store (e.g. its public IP). */
  | { kind: 'nat-gateway'; ip: string; nat: NatGatewayInfo; label: string }
  /** Inside the VPC; `eni` when an ENI holds the IP but no pod or node does. */
  | { kind: 'vpc-address'; ip: string; eni?: EniInfo; label: string }
  | { kind: 'external'; ip: string }
  /** No owner, and no VPC CIDRs known to tell inside from outside. */
  | { kind: 'address'; ip: string }
  | { kind: 'world' };

type Argument = 'from' | 'to';

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function nsName(text: string): { namespace: string; name: string } | undefined {
  const parts = text.split('/');
  if (parts.length !== 2 || !NAME.test(parts[0]) || !NAME.test(parts[1])) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** Parses one end of a trace. `world` is a source only, a Service a destination only. */
export function parseEndpointSpec(text: string, argument: Argument): EndpointSpec | TraceInputError {
  const bad = (message: string): TraceInputError => ({ argument, message });
  const t = text.trim();
  if (t === 'world') {
    return argument === 'from' ? { kind: 'world' } : bad('"world" is a source only (internet clients through a load balancer); to trace to the internet use --to ip:A.B.C.D');
  }
  if (t.startsWith('ip:')) {
    const ip = t.slice(3);
    if (ipFamily(ip) === 6) return bad(`"${t}" is an IPv6 address: IPv6 is not yet supported (expected ip:A.B.C.D)`);
    return isIpv4(ip) ? { kind: 'ip', ip } : bad(`"${t}" is not an IPv4 address (expected ip:A.B.C.D)`);
  }
  if (t.startsWith('svc:') || t.startsWith('service:')) {
    if (argument === 'from') return bad(`a Service cannot be a source ("${t}"); trace from one of its pods`);
    const ref = nsName(t.slice(t.indexOf(':') + 1));
    return ref ? { kind: 'service', ...ref } : bad(`"${t}" is not svc:<namespace>/<name>`);
  }
  const ref = nsName(t.startsWith('pod:') ? t.slice(4) : t);
  if (ref) return { kind: 'pod', ...ref };
  const expected = argument === 'from' ? '<namespace>/<pod>, ip:A.B.C.D or world' : '<namespace>/<pod>, svc:<namespace>/<name> or ip:A.B.C.D';
  return bad(`"${t}" is not ${expected}`);
}

/** The workload a pod belongs to: a ReplicaSet's name without the pod-template-hash, else the owner's name. */
function workloadName(pod: PodInfo): string | undefined {
  if (!pod.owner) return undefined;
  const hash = pod.labels['pod-template-hash'];
  if (pod.owner.kind === 'ReplicaSet' && hash && pod.owner.name.endsWith(`-${hash}`)) return pod.owner.name.slice(0, -hash.length - 1);
  return pod.owner.name;
}

function podIsUsable(pod: PodInfo): boolean {
  return pod.ip !== undefined && (pod.phase === undefined || pod.phase === 'Running');
}

/**
 * A pod by `ns/name`; when no pod has that name, the pods of the workload of that name (a Deployment,
 * DaemonSet, StatefulSet), first by name. `note` says which pod was picked among several.
 */
export function findPod(store: ClusterStore, namespace: string, name: string): { pod: PodInfo; note?: string } | undefined {
  const exact = store.get('pod', `${namespace}/${name}`);
  if (exact) return { pod: exact };
  const pods = store.podsInNamespace(namespace).sort((a, b) => a.name.localeCompare(b.name));
  let matches = pods.filter((p) => workloadName(p) === name);
  if (matches.length === 0) matches = pods.filter((p) => p.name.startsWith(`${name}-`));
  if (matches.length === 0) return undefined;
  const usable = matches.filter(podIsUsable);
  const pod = (usable[0] ?? matches[0]) as PodInfo;
  if (matches.length === 1) return { pod, note: `"${namespace}/${name}" is pod ${pod.name}` };
  return {
    pod,
    note: `"${namespace}/${name}" matches ${matches.length} pods (${matches.map((p) => p.name).join(', ')}); tracing ${pod.name}, the first by name: name a pod to choose another`,
  };
}

/** Resolves a pod to the end of a trace. */
export function podEndpoint(store: ClusterStore, pod: PodInfo): ResolvedEndpoint | string {
  if (!pod.ip && pod.ips.length === 0) return `pod ${pod.namespace}/${pod.name} has no IP${pod.phase ? ` (phase ${pod.phase})` : ''}`;
  // the trace models IPv4: a dual-stack pod is traced with its IPv4 address, an IPv6-only pod is not traced
  const ip = podAddresses(pod).ipv4[0];
  if (ip === undefined) return `${ipv6PodNote(pod, 'traced') ?? `pod ${pod.namespace}/${pod.name} has no IPv4 address`}: the trace cannot follow it`;
  const node = pod.nodeName ? store.get('node', pod.nodeName) : undefined;
  if (pod.hostNetwork) {
    return { kind: 'host', ip, pod, ...(node ? { node } : {}), ...(pod.nodeName ? { nodeName: pod.nodeName } : {}) };
  }
  const cep = store.get('ciliumEndpoint', `${pod.namespace}/${pod.name}`);
  return { kind: 'pod', ip, pod, ...(node ? { node } : {}), ...(cep ? { cep } : {}) };
}

/** Resolves an address through everything the store knows holds it. */
export function ipEndpoint(store: ClusterStore, ip: string): ResolvedEndpoint {
  const owners = store.ownersOfIp(ip);
  const pod = owners.find((o) => o.kind === 'pod');
  if (pod) {
    const p = store.get('pod', pod.key);
    if (p) {
      const r = podEndpoint(store, { ...p, ip });
      if (typeof r !== 'string') return r;
    }
  }
  const node = owners.find((o) => o.kind === 'node');
  if (node) {
    const n = store.get('node', node.key);
    return { kind: 'host', ip, ...(n ? { node: n } : {}), nodeName: node.key };
  }
  const svc = owners.find((o) => o.kind === 'service' && o.role === 'clusterIP');
  if (svc) {
    const s = store.get('service', svc.key);
    if (s) return { kind: 'service', ip, service: s };
  }
  const eniOwner = owners.find((o) => o.kind === 'eni');
  const eni = eniOwner ? store.get('eni', eniOwner.key) : undefined;
  if (eni) {
    if (eni.nodeName) {
      // An address of a node's ENI that no pod holds: the ENI's own primary IP lives on the node.
      const isEniPrimary = eni.ips.some((i) => i.ip === ip && i.primary);
      if (isEniPrimary) {
        const n = store.get('node', eni.nodeName);
        return { kind: 'host', ip, nodeName: eni.nodeName, eni, ...(n ? { node: n } : {}) };
      }
      const cooling = eni.ips.find((i) => i.ip === ip)?.coolingDown ? ', cooling down after its last pod' : '';
      return { kind: 'vpc-address', ip, eni, label: `unassigned secondary IP of ${eni.id} on node ${eni.nodeName}${cooling}` };
    }
    const owner = awsEniOwner(eni);
    return { kind: 'aws-eni', ip, eni, role: owner.role, label: owner.label };
  }
  const nat = owners.find((o) => o.kind === 'natGateway');
  if (nat) {
    const n = store.get('natGateway', nat.key);
    if (n) return { kind: 'nat-gateway', ip, nat: n, label: `NAT gateway ${n.id} (${nat.role ?? 'address'})` };
  }
  const cidrs = vpcCidrs(store);
  if (!cidrs) return { kind: 'address', ip };
  const inside = cidrs.cidrs.find((c) => cidrContains(c, ip));
  return inside ? { kind: 'vpc-address', ip, label: `an address in VPC CIDR ${inside} that no object in the store holds` } : { kind: 'external', ip };
}
