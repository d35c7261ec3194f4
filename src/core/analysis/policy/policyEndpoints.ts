/**
 * The two ends of a query, resolved against the store: a pod (with its namespace labels, its
 * CiliumEndpoint and Cilium labels) or an address range outside the pods (a node IP, the
 * kube-apiserver, a Service IP, or something outside the cluster). Host-network pods are
 * resolved as their node's address: no pod policy applies to them, and Cilium sees them as the
 * `host` or `remote-node` entity.
 */
import type { CiliumEndpointInfo, Labels, NamespaceInfo, NodeInfo, PodInfo, ServiceInfo } from '../../model';
import { podAddresses } from '../../net/ipAddress';
import { formatIpv4, parseCidr, type Ipv4Cidr } from '../../net/ipv4';
import type { ClusterStore } from '../../store/clusterStore';
import { LabelSet, NAMESPACE_LABEL } from './labelSelector';
import { PolicyQueryError, type EndpointQuery } from './policyTypes';

export interface PodEnd {
  kind: 'pod';
  key: string;
  pod: PodInfo;
  /** With the automatic `kubernetes.io/metadata.name`. */
  namespaceLabels: Labels;
  namespaceLabelSet: LabelSet;
  podLabelSet: LabelSet;
  /** The pod's IPv4 address as a /32. */
  ipRange?: Ipv4Cidr;
  cep?: CiliumEndpointInfo;
  /** Has a CiliumEndpoint, or assumed so when the input holds no CiliumEndpoints at all. */
  managed: boolean;
  resolvedFrom?: string;
}

export interface ExternalEnd {
  kind: 'external';
  range: Ipv4Cidr;
  /** The address when the range is a single one. */
  ip?: string;
  /** Nodes that own the address (InternalIP/ExternalIP). */
  nodes: NodeInfo[];
  /** The query named this host-network pod. */
  hostNetworkPod?: PodInfo;
  /** The address is an endpoint of `default/kubernetes`. */
  apiServer: boolean;
  /** The address is a Service IP (ClusterIP or load balancer). */
  service?: ServiceInfo;
  description: string;
  resolvedFrom?: string;
}

export type End = PodEnd | ExternalEnd;

export function endName(end: End): string {
  if (end.kind === 'pod') return end.key;
  if (end.hostNetworkPod) return `${end.hostNetworkPod.namespace}/${end.hostNetworkPod.name}`;
  return end.range.bits === 32 ? formatIpv4(end.range.base) : end.range.text;
}

export interface EndpointResolverContext {
  store: ClusterStore;
  /** The store holds no CiliumEndpoints: every pod-network pod is taken as managed. */
  assumeManaged: boolean;
  apiServerIps: ReadonlySet<string>;
  labels: LabelCache;
}

/**
 * Label sets built once per object: store objects are replaced, not mutated, on change, so a
 * cache keyed by the object never serves stale labels.
 */
export class LabelCache {
  private readonly pods = new WeakMap<PodInfo, LabelSet>();
  private readonly podRanges = new WeakMap<PodInfo, Ipv4Cidr | null>();
  private readonly nodes = new WeakMap<NodeInfo, LabelSet>();
  private readonly namespaces = new WeakMap<NamespaceInfo, { labels: Labels; set: LabelSet }>();
  private readonly missingNamespaces = new Map<string, { labels: Labels; set: LabelSet }>();
  private readonly cilium = new WeakMap<PodInfo, { cep: CiliumEndpointInfo | undefined; namespaceLabels: Labels; clusterName: string; set: LabelSet }>();

  pod(pod: PodInfo): LabelSet {
    let set = this.pods.get(pod);
    if (!set) {
      set = LabelSet.fromLabels(pod.labels);
      this.pods.set(pod, set);
    }
    return set;
  }

  /** The pod's IPv4 address as a /32. */
  podRange(pod: PodInfo): Ipv4Cidr | undefined {
    let range = this.podRanges.get(pod);
    if (range === undefined) {
      // IPv4 only: a dual-stack pod's IPv4 address, none for an IPv6-only pod
      const ipv4 = podAddresses(pod).ipv4[0];
      range = (ipv4 !== undefined ? parseCidr(`${ipv4}/32`) : undefined) ?? null;
      this.podRanges.set(pod, range);
    }
    return range ?? undefined;
  }

  node(node: NodeInfo): LabelSet {
    let set = this.nodes.get(node);
    if (!set) {
      set = LabelSet.fromLabels(node.labels);
      this.nodes.set(node, set);
    }
    return set;
  }

  /** Labels of a namespace with the automatic `kubernetes.io/metadata.name` (also when the Namespace object is missing). */
  namespace(store: ClusterStore, name: string): { labels: Labels; set: LabelSet } {
    const ns = store.get('namespace', name);
    let entry = ns ? this.namespaces.get(ns) : this.missingNamespaces.get(name);
    if (!entry) {
      const labels = { ...(ns?.labels ?? {}), 'kubernetes.io/metadata.name': name };
      entry = { labels, set: LabelSet.fromLabels(labels) };
      if (ns) this.namespaces.set(ns, entry);
      else this.missingNamespaces.set(name, entry);
    }
    return entry;
  }

  /** Cilium labels of a pod: the CiliumEndpoint's identity labels, or derived from the pod as the agent would. */
  ciliumLabels(end: PodEnd, clusterName: string): LabelSet {
    const cached = this.cilium.get(end.pod);
    if (cached && cached.cep === end.cep && cached.namespaceLabels === end.namespaceLabels && cached.clusterName === clusterName) return cached.set;
    const set = end.cep && end.cep.identityLabels.length > 0 ? LabelSet.fromCiliumStrings(end.cep.identityLabels) : derivedCiliumLabels(end, clusterName);
    if (!set.has(NAMESPACE_LABEL, 'k8s')) set.add('k8s', NAMESPACE_LABEL, end.pod.namespace);
    this.cilium.set(end.pod, { cep: end.cep, namespaceLabels: end.namespaceLabels, clusterName, set });
    return set;
  }
}

/** Resolves one end; throws `PolicyQueryError` for a pod that does not exist or a malformed end. */
export function resolveEnd(ctx: EndpointResolverContext, q: EndpointQuery): End {
  if (typeof q === 'string') return resolvePodName(ctx, q);
  if (q && typeof q === 'object' && typeof (q as { cidr?: unknown }).cidr === 'string') return resolveCidr(ctx, (q as { cidr: string }).cidr);
  throw new PolicyQueryError('an end must be "namespace/pod" or { "cidr": "a.b.c.d/n" }');
}

function resolvePodName(ctx: EndpointResolverContext, text: string): End {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1 || text.indexOf('/', slash + 1) >= 0) {
    throw new PolicyQueryError(`"${text}" is not namespace/pod`);
  }
  const pod = ctx.store.get('pod', text);
  if (!pod) throw new PolicyQueryError(`pod ${text} not found`);
  return podEnd(ctx, pod);
}

function podEnd(ctx: EndpointResolverContext, pod: PodInfo, resolvedFrom?: string): End {
  const key = `${pod.namespace}/${pod.name}`;
  if (pod.hostNetwork) {
    const ip = pod.ip ?? pod.hostIp;
    const node = pod.nodeName ? ctx.store.get('node', pod.nodeName) : undefined;
    const nodeIp = ip ?? node?.internalIp;
    const range = nodeIp ? parseCidr(`${nodeIp}/32`) : undefined;
    if (!range) throw new PolicyQueryError(`pod ${key} uses the host network and its node address is not known`);
    return {
      kind: 'external',
      range,
      ip: nodeIp,
      nodes: node ? [node] : nodesOfIp(ctx, nodeIp as string),
      hostNetworkPod: pod,
      apiServer: ctx.apiServerIps.has(nodeIp as string),
      description: `host-network pod ${key} (the address of node ${pod.nodeName ?? nodeIp})`,
      ...(resolvedFrom ? { resolvedFrom } : {}),
    };
  }
  const cep = ctx.store.get('ciliumEndpoint', key);
  const ns = ctx.labels.namespace(ctx.store, pod.namespace);
  const end: PodEnd = {
    kind: 'pod',
    key,
    pod,
    namespaceLabels: ns.labels,
    namespaceLabelSet: ns.set,
    podLabelSet: ctx.labels.pod(pod),
    managed: cep !== undefined || ctx.assumeManaged,
  };
  const ipRange = ctx.labels.podRange(pod);
  if (ipRange) end.ipRange = ipRange;
  if (cep) end.cep = cep;
  if (resolvedFrom) end.resolvedFrom = resolvedFrom;
  return end;
}

function nodesOfIp(ctx: EndpointResolverContext, ip: string): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const owner of ctx.store.ownersOfIp(ip)) {
    if (owner.kind !== 'node') continue;
    const node = ctx.store.get('node', owner.key);
    if (node) out.push(node);
  }
  return out;
}

function resolveCidr(ctx: EndpointResolverContext, text: string): End {
  if (text.includes(':')) throw new PolicyQueryError(`"${text}": IPv6 is not supported`);
  const range = parseCidr(text);
  if (!range) throw new PolicyQueryError(`"${text}" is not an IPv4 address or CIDR`);
  if (range.bits === 32) {
    const ip = formatIpv4(range.base);
    const pods: PodInfo[] = [];
    let service: ServiceInfo | undefined;
    for (const owner of ctx.store.ownersOfIp(ip)) {
      if (owner.kind === 'pod') {
        const pod = ctx.store.get('pod', owner.key);
        if (pod) pods.push(pod);
      } else if (owner.kind === 'service') {
        service = ctx.store.get('service', owner.key) ?? service;
      }
    }
    // completed pods keep their old IP: prefer a running one
    const running = pods.filter((p) => !p.phase || p.phase === 'Running' || p.phase === 'Pending');
    const pod = running[0] ?? pods[0];
    if (pod) {
      const others = pods.length > 1 ? ` (also held by ${pods.filter((p) => p !== pod).map((p) => `${p.namespace}/${p.name}${p.phase ? ` ${p.phase}` : ''}`).join(', ')})` : '';
      return podEnd(ctx, pod, `${text} is the IP of pod ${pod.namespace}/${pod.name}${others}`);
    }
    const nodes = nodesOfIp(ctx, ip);
    const apiServer = ctx.apiServerIps.has(ip);
    const end: ExternalEnd = { kind: 'external', range, ip, nodes, apiServer, description: describeAddress(ip, nodes, apiServer, service) };
    if (service) end.service = service;
    return end;
  }
  return {
    kind: 'external',
    range,
    nodes: [],
    apiServer: false,
    description: `the range ${range.text}; every address in it is taken as outside the cluster (pod and node addresses in it are not resolved)`,
  };
}

function describeAddress(ip: string, nodes: NodeInfo[], apiServer: boolean, service: ServiceInfo | undefined): string {
  if (nodes.length > 0) return `${ip} is the address of node ${nodes.map((n) => n.name).join(', ')}${apiServer ? ' and a kube-apiserver endpoint' : ''}`;
  if (apiServer) return `${ip} is a kube-apiserver endpoint (default/kubernetes) outside the nodes`;
  if (service) return `${ip} is an IP of Service ${service.namespace}/${service.name}: policies see the backend pods after service translation, so query a backend pod instead`;
  return `${ip} is not a pod or node address: outside the cluster`;
}

function derivedCiliumLabels(end: PodEnd, clusterName: string): LabelSet {
  const set = LabelSet.fromLabels(end.pod.labels, 'k8s');
  set.add('k8s', NAMESPACE_LABEL, end.pod.namespace);
  set.add('k8s', 'io.cilium.k8s.policy.serviceaccount', end.pod.serviceAccount ?? 'default');
  set.add('k8s', 'io.cilium.k8s.policy.cluster', clusterName);
  for (const [k, v] of Object.entries(end.namespaceLabels)) set.add('k8s', `io.cilium.k8s.namespace.labels.${k}`, v);
  return set;
}
