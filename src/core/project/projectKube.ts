/**
 * Projects one Kubernetes object (plain JSON from a manifest, `kubectl get -o json|yaml`, or a
 * list/watch of the API server) to the model. Only the fields the model needs are copied; the raw
 * object is not kept, except a policy's `spec`/`specs`, which the policy engine reads.
 *
 * Never throws: a field of the wrong type is skipped, an object without a name gives `undefined`,
 * and kinds the model does not use give `undefined`.
 *
 * With an `Interner`, equal parts of different objects (namespaces, node names, label sets,
 * container ports, Cilium identity labels) are one shared, read-only value.
 */
import type {
  CiliumEndpointInfo,
  CiliumIdentityInfo,
  CiliumNodeInfo,
  CniNodeInfo,
  ContainerPort,
  EndpointSliceInfo,
  EniConfigInfo,
  L4Protocol,
  NamespaceInfo,
  NetworkPolicyInfo,
  NodeInfo,
  OwnerRef,
  PodInfo,
  Provenance,
  ServiceInfo,
  ServicePort,
} from '../model';
import {
  asArray,
  asBool,
  asInt,
  asNonEmpty,
  asPort,
  asRecord,
  asScalarMap,
  asScalarString,
  asString,
  asStringList,
  asStringMap,
  asTime,
  setOwn,
  type JsonRecord,
} from './jsonFields';
import type { Interner } from './intern';

/** One container of a DaemonSet: image and the literal environment (`value`, not `valueFrom`). */
export interface DaemonSetContainerInfo {
  name: string;
  image?: string;
  /** Env vars with a literal `value`. */
  env: Record<string, string>;
  /** Names of env vars set through `valueFrom` (value not known from the DaemonSet). */
  envFrom: string[];
  args: string[];
}

/** The parts of a DaemonSet the settings detection reads (aws-node, cilium). */
export interface DaemonSetInfo {
  namespace: string;
  name: string;
  containers: DaemonSetContainerInfo[];
  initContainers: DaemonSetContainerInfo[];
  origin: Provenance;
}

/** `kube-system/cilium-config` or `kube-system/amazon-vpc-cni`. */
export interface ConfigMapInfo {
  namespace: string;
  name: string;
  data: Record<string, string>;
  origin: Provenance;
}

export type ProjectedKube =
  | { kind: 'namespace'; value: NamespaceInfo }
  | { kind: 'node'; value: NodeInfo }
  | { kind: 'pod'; value: PodInfo }
  | { kind: 'service'; value: ServiceInfo }
  | { kind: 'endpointSlice'; value: EndpointSliceInfo }
  | { kind: 'ciliumEndpoint'; value: CiliumEndpointInfo }
  | { kind: 'ciliumIdentity'; value: CiliumIdentityInfo }
  | { kind: 'ciliumNode'; value: CiliumNodeInfo }
  | { kind: 'networkPolicy'; value: NetworkPolicyInfo }
  | { kind: 'eniConfig'; value: EniConfigInfo }
  | { kind: 'cniNode'; value: CniNodeInfo }
  | { kind: 'daemonSet'; value: DaemonSetInfo }
  | { kind: 'configMap'; value: ConfigMapInfo };

/** The store key of an object: `ns/name` for namespaced objects, `name` for cluster-scoped ones. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** ConfigMaps that carry datapath settings; all others are not projected. */
const SETTINGS_CONFIGMAPS = new Set(['kube-system/cilium-config', 'kube-system/amazon-vpc-cni']);

/** Annotation prefixes of a Service that change the datapath (load balancer controllers, Cilium, kube-proxy). */
const SERVICE_ANNOTATION_PREFIXES = ['service.beta.kubernetes.io/', 'service.kubernetes.io/', 'service.cilium.io/', 'io.cilium/'];

/** Namespace of a namespaced object; a manifest without one lands in `default`, as with kubectl. */
const DEFAULT_NAMESPACE = 'default';

export function projectKubeObject(obj: unknown, origin: Provenance, opts: { intern?: Interner } = {}): ProjectedKube | undefined {
  try {
    return project(obj, origin, opts.intern);
  } catch {
    // Defensive: a hostile object (getters, proxies) must not break a whole load.
    return undefined;
  }
}

function project(obj: unknown, origin: Provenance, intern: Interner | undefined): ProjectedKube | undefined {
  const o = asRecord(obj);
  if (!o) return undefined;
  const apiVersion = asString(o.apiVersion);
  const kind = asString(o.kind);
  if (apiVersion === undefined || kind === undefined) return undefined;
  const meta = asRecord(o.metadata);
  const name = asNonEmpty(meta?.name);
  if (!meta || name === undefined) return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const namespace = str(intern, asNonEmpty(meta.namespace)) ?? DEFAULT_NAMESPACE;

  switch (`${group}|${kind}`) {
    case '|Namespace':
      return { kind: 'namespace', value: { name, labels: asStringMap(meta.labels), origin } };
    case '|Node':
      return { kind: 'node', value: projectNode(o, meta, name, origin, intern) };
    case '|Pod':
      return { kind: 'pod', value: projectPod(o, meta, namespace, name, origin, intern) };
    case '|Service':
      return { kind: 'service', value: projectService(o, meta, namespace, name, origin) };
    case '|ConfigMap': {
      if (!SETTINGS_CONFIGMAPS.has(objectKey(namespace, name))) return undefined;
      return { kind: 'configMap', value: { namespace, name, data: asScalarMap(o.data), origin } };
    }
    case 'apps|DaemonSet':
      return { kind: 'daemonSet', value: projectDaemonSet(o, namespace, name, origin) };
    case 'discovery.k8s.io|EndpointSlice':
      return { kind: 'endpointSlice', value: projectEndpointSlice(o, meta, namespace, name, origin) };
    case 'cilium.io|CiliumEndpoint':
      return { kind: 'ciliumEndpoint', value: projectCiliumEndpoint(o, namespace, name, origin, intern) };
    case 'cilium.io|CiliumIdentity': {
      const value = projectCiliumIdentity(o, name, origin);
      return value ? { kind: 'ciliumIdentity', value } : undefined;
    }
    case 'cilium.io|CiliumNode':
      return { kind: 'ciliumNode', value: projectCiliumNode(o, name, origin) };
    case 'networking.k8s.io|NetworkPolicy':
    case 'cilium.io|CiliumNetworkPolicy':
    case 'cilium.io|CiliumClusterwideNetworkPolicy':
      return { kind: 'networkPolicy', value: projectPolicy(o, meta, kind, namespace, name, origin) };
    case 'crd.k8s.amazonaws.com|ENIConfig': {
      const spec = asRecord(o.spec);
      return {
        kind: 'eniConfig',
        value: { name, subnet: asNonEmpty(spec?.subnet), securityGroups: asStringList(spec?.securityGroups), origin },
      };
    }
    case 'vpcresources.k8s.aws|CNINode':
      return { kind: 'cniNode', value: projectCniNode(o, name, origin) };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- sharing

/** `s` through the interner, when there is one. */
function str<T extends string | undefined>(intern: Interner | undefined, s: T): T {
  return intern ? intern.string(s) : s;
}

/**
 * Labels (string values only, as `asStringMap`); with an interner, the labels kept under `hint` when
 * they are the same.
 */
function labelsOf(v: unknown, intern: Interner | undefined, hint: string | undefined): Record<string, string> {
  const rec = asRecord(v);
  if (!intern || !rec || hint === undefined) return asStringMap(rec);
  return intern.reuse(hint, (kept: Record<string, string>) => sameStringMap(kept, rec), () => asStringMap(rec));
}

/** Whether `kept` is what `asStringMap(rec)` gives. */
function sameStringMap(kept: Record<string, string>, rec: JsonRecord): boolean {
  let n = 0;
  for (const k in rec) {
    const val = rec[k];
    if (typeof val !== 'string' || !Object.hasOwn(rec, k)) continue;
    if (!Object.hasOwn(kept, k) || kept[k] !== val) return false;
    n++;
  }
  return n === Object.keys(kept).length;
}

/** Whether two lists hold equal items in the same order (`same` compares two items). */
function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean = (x, y) => x === y): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

/** `list` or, with an interner, an equal list kept under `hint`. */
function sharedList<T>(list: T[], intern: Interner | undefined, hint: string | undefined, same?: (x: T, y: T) => boolean): T[] {
  if (!intern || hint === undefined || list.length === 0) return list;
  return intern.reuse(hint, (kept: T[]) => sameList(kept, list, same), () => list);
}

// ---------------------------------------------------------------- core kinds

function conditionTrue(status: JsonRecord | undefined, type: string): boolean {
  for (const c of asArray(status?.conditions)) {
    const cond = asRecord(c);
    if (cond && cond.type === type) return cond.status === 'True';
  }
  return false;
}

function projectNode(o: JsonRecord, meta: JsonRecord, name: string, origin: Provenance, intern: Interner | undefined): NodeInfo {
  const labels = asStringMap(meta.labels);
  if (intern) for (const k of Object.keys(labels)) setOwn(labels, k, intern.string(labels[k]!));
  const spec = asRecord(o.spec);
  const status = asRecord(o.status);
  const providerId = asNonEmpty(spec?.providerID);
  const fromProvider = parseAwsProviderId(providerId);
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? str(intern, fromProvider.zone);
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? str(intern, regionOfZone(zone));
  let internalIp: string | undefined;
  let externalIp: string | undefined;
  for (const a of asArray(status?.addresses)) {
    const addr = asRecord(a);
    const ip = asNonEmpty(addr?.address);
    if (!addr || ip === undefined) continue;
    if (addr.type === 'InternalIP' && internalIp === undefined) internalIp = ip;
    if (addr.type === 'ExternalIP' && externalIp === undefined) externalIp = ip;
  }
  return {
    name,
    uid: asNonEmpty(meta.uid),
    labels,
    providerId,
    instanceId: fromProvider.instanceId,
    instanceType: labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'],
    zone,
    region,
    internalIp,
    externalIp,
    ready: conditionTrue(status, 'Ready'),
    kubeletVersion: str(intern, asNonEmpty(asRecord(status?.nodeInfo)?.kubeletVersion)),
    createdAt: asTime(meta.creationTimestamp),
    origin,
  };
}

/** `aws:///us-west-2a/i-0abc` → zone and instance id (Fargate provider IDs have no instance id). */
function parseAwsProviderId(providerId: string | undefined): { zone?: string; instanceId?: string } {
  if (!providerId || !providerId.startsWith('aws://')) return {};
  const parts = providerId.slice('aws://'.length).split('/').filter((p) => p !== '');
  const last = parts[parts.length - 1];
  return {
    zone: parts.length >= 2 ? parts[0] : undefined,
    instanceId: last !== undefined && /^i-[0-9a-f]+$/.test(last) ? last : undefined,
  };
}

/** `us-west-2a` → `us-west-2`; also local/wavelength zones (`us-west-2-lax-1a` → `us-west-2`). */
function regionOfZone(zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  const m = /^[a-z]{2}(?:-[a-z]+)+-\d+/.exec(zone);
  if (m) return m[0];
  const stripped = zone.replace(/[a-z]+$/, '');
  return stripped !== '' && stripped !== zone ? stripped : undefined;
}

function asProtocol(v: unknown): L4Protocol | undefined {
  if (v === undefined || v === null || v === '') return 'TCP';
  if (typeof v !== 'string') return undefined;
  const p = v.toUpperCase();
  return p === 'TCP' || p === 'UDP' || p === 'SCTP' ? p : undefined;
}

function controllerOwner(meta: JsonRecord, intern: Interner | undefined): OwnerRef | undefined {
  for (const r of asArray(meta.ownerReferences)) {
    const ref = asRecord(r);
    if (!ref || ref.controller !== true) continue;
    const kind = asNonEmpty(ref.kind);
    const name = asNonEmpty(ref.name);
    if (kind === undefined || name === undefined) continue;
    return intern ? intern.reuse(`owner|${kind}/${name}`, (kept: OwnerRef) => kept.kind === kind && kept.name === name, () => ({ kind, name })) : { kind, name };
  }
  return undefined;
}

function projectPod(o: JsonRecord, meta: JsonRecord, namespace: string, name: string, origin: Provenance, intern: Interner | undefined): PodInfo {
  const spec = asRecord(o.spec);
  const status = asRecord(o.status);
  const ip = asNonEmpty(status?.podIP);
  const ips: string[] = [];
  for (const p of asArray(status?.podIPs)) {
    const v = asNonEmpty(asRecord(p)?.ip);
    // the primary IP is listed again in podIPs: one string for both
    if (v !== undefined && !ips.includes(v)) ips.push(v === ip ? ip : v);
  }
  if (ip !== undefined && !ips.includes(ip)) ips.unshift(ip);

  const containerPorts: ContainerPort[] = [];
  for (const c of asArray(spec?.containers)) {
    const container = asRecord(c);
    const containerName = asNonEmpty(container?.name);
    if (!container || containerName === undefined) continue;
    for (const p of asArray(container.ports)) {
      const port = asRecord(p);
      const number = asPort(port?.containerPort);
      const protocol = asProtocol(port?.protocol);
      if (!port || number === undefined || protocol === undefined) continue;
      const portName = asNonEmpty(port.name);
      containerPorts.push(portName === undefined ? { port: number, protocol, container: containerName } : { name: portName, port: number, protocol, container: containerName });
    }
  }
  // the pods of one controller usually share their labels and ports: with an interner, they share one copy
  const owner = controllerOwner(meta, intern);
  const hint = intern && owner ? `${namespace}/${owner.kind}/${owner.name}` : undefined;

  const annotations = asRecord(meta.annotations);
  const pod: PodInfo = {
    namespace,
    name,
    uid: asNonEmpty(meta.uid),
    labels: labelsOf(meta.labels, intern, hint && `pod-labels|${hint}`),
    nodeName: str(intern, asNonEmpty(spec?.nodeName)),
    ip,
    ips,
    hostIp: str(intern, asNonEmpty(status?.hostIP)),
    hostNetwork: spec?.hostNetwork === true,
    phase: str(intern, asNonEmpty(status?.phase)),
    ready: conditionTrue(status, 'Ready'),
    owner,
    serviceAccount: str(intern, asNonEmpty(spec?.serviceAccountName) ?? asNonEmpty(spec?.serviceAccount)),
    containerPorts: sharedList(containerPorts, intern, hint && `pod-ports|${hint}`, sameContainerPort),
    createdAt: asTime(meta.creationTimestamp),
    origin,
  };
  const podEni = parsePodEniAnnotation(annotations?.['vpc.amazonaws.com/pod-eni']);
  if (podEni) pod.podEni = podEni;
  return pod;
}

function sameContainerPort(a: ContainerPort, b: ContainerPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && a.container === b.container && a.name === b.name;
}

/** `vpc.amazonaws.com/pod-eni`: a JSON array written by the VPC resource controller. */
function parsePodEniAnnotation(v: unknown): PodInfo['podEni'] {
  if (typeof v !== 'string' || v === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return undefined;
  }
  const out: NonNullable<PodInfo['podEni']> = [];
  for (const item of asArray(parsed)) {
    const rec = asRecord(item);
    const eniId = asNonEmpty(rec?.eniId);
    if (!rec || eniId === undefined) continue;
    const entry: NonNullable<PodInfo['podEni']>[number] = { eniId };
    const privateIp = asNonEmpty(rec.privateIp);
    const vlanId = asInt(rec.vlanId);
    const subnetCidr = asNonEmpty(rec.subnetCidr);
    if (privateIp !== undefined) entry.privateIp = privateIp;
    if (vlanId !== undefined) entry.vlanId = vlanId;
    if (subnetCidr !== undefined) entry.subnetCidr = subnetCidr;
    out.push(entry);
  }
  return out.length > 0 ? out : undefined;
}

function projectService(o: JsonRecord, meta: JsonRecord, namespace: string, name: string, origin: Provenance): ServiceInfo {
  const spec = asRecord(o.spec);
  const status = asRecord(o.status);
  const ports: ServicePort[] = [];
  for (const p of asArray(spec?.ports)) {
    const rec = asRecord(p);
    const port = asPort(rec?.port);
    const protocol = asProtocol(rec?.protocol);
    if (!rec || port === undefined || protocol === undefined) continue;
    const sp: ServicePort = { port, protocol };
    const portName = asNonEmpty(rec.name);
    if (portName !== undefined) sp.name = portName;
    const target = typeof rec.targetPort === 'string' ? asPort(rec.targetPort) ?? asNonEmpty(rec.targetPort) : asPort(rec.targetPort);
    if (target !== undefined) sp.targetPort = target;
    const nodePort = asPort(rec.nodePort);
    if (nodePort !== undefined) sp.nodePort = nodePort;
    ports.push(sp);
  }
  const loadBalancerIngress: string[] = [];
  for (const i of asArray(asRecord(status?.loadBalancer)?.ingress)) {
    const rec = asRecord(i);
    for (const v of [asNonEmpty(rec?.hostname), asNonEmpty(rec?.ip)]) if (v !== undefined) loadBalancerIngress.push(v);
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(asStringMap(meta.annotations))) {
    if (SERVICE_ANNOTATION_PREFIXES.some((p) => k.startsWith(p))) setOwn(annotations, k, v);
  }
  const clusterIp = asNonEmpty(spec?.clusterIP);
  const clusterIps = asStringList(spec?.clusterIPs);
  if (clusterIps.length === 0 && clusterIp !== undefined) clusterIps.push(clusterIp);
  const selector = asRecord(spec?.selector) ? asStringMap(spec?.selector) : undefined;
  const svc: ServiceInfo = {
    namespace,
    name,
    type: asNonEmpty(spec?.type) ?? 'ClusterIP',
    clusterIp,
    clusterIps,
    ports,
    loadBalancerIngress,
    externalTrafficPolicy: asNonEmpty(spec?.externalTrafficPolicy),
    annotations,
    origin,
  };
  if (selector) svc.selector = selector;
  return svc;
}

function projectEndpointSlice(o: JsonRecord, meta: JsonRecord, namespace: string, name: string, origin: Provenance): EndpointSliceInfo {
  const endpoints: EndpointSliceInfo['endpoints'] = [];
  for (const e of asArray(o.endpoints)) {
    const rec = asRecord(e);
    if (!rec) continue;
    // `ready` unset means ready (API docs: consumers should treat unknown as ready).
    const ready = asBool(asRecord(rec.conditions)?.ready) ?? true;
    const ep: EndpointSliceInfo['endpoints'][number] = { addresses: asStringList(rec.addresses), ready };
    const nodeName = asNonEmpty(rec.nodeName) ?? asNonEmpty(asRecord(rec.topology)?.['kubernetes.io/hostname']);
    if (nodeName !== undefined) ep.nodeName = nodeName;
    const ref = asRecord(rec.targetRef);
    const refKind = asNonEmpty(ref?.kind);
    const refName = asNonEmpty(ref?.name);
    if (ref && refKind !== undefined && refName !== undefined) {
      const refNs = asNonEmpty(ref.namespace);
      ep.targetRef = refNs === undefined ? { kind: refKind, name: refName } : { kind: refKind, namespace: refNs, name: refName };
    }
    endpoints.push(ep);
  }
  const ports: EndpointSliceInfo['ports'] = [];
  for (const p of asArray(o.ports)) {
    const rec = asRecord(p);
    const protocol = asProtocol(rec?.protocol);
    if (!rec || protocol === undefined) continue;
    const port: EndpointSliceInfo['ports'][number] = { protocol };
    const portName = asNonEmpty(rec.name);
    const number = asPort(rec.port);
    if (portName !== undefined) port.name = portName;
    if (number !== undefined) port.port = number;
    ports.push(port);
  }
  return {
    namespace,
    name,
    serviceName: asNonEmpty(asRecord(meta.labels)?.['kubernetes.io/service-name']),
    addressType: asNonEmpty(o.addressType) ?? 'IPv4',
    endpoints,
    ports,
    origin,
  };
}

function projectDaemonSet(o: JsonRecord, namespace: string, name: string, origin: Provenance): DaemonSetInfo {
  const podSpec = asRecord(asRecord(asRecord(o.spec)?.template)?.spec);
  return {
    namespace,
    name,
    containers: projectContainers(podSpec?.containers),
    initContainers: projectContainers(podSpec?.initContainers),
    origin,
  };
}

function projectContainers(v: unknown): DaemonSetContainerInfo[] {
  const out: DaemonSetContainerInfo[] = [];
  for (const c of asArray(v)) {
    const rec = asRecord(c);
    const name = asNonEmpty(rec?.name);
    if (!rec || name === undefined) continue;
    const env: Record<string, string> = {};
    const envFrom: string[] = [];
    for (const e of asArray(rec.env)) {
      const ev = asRecord(e);
      const key = asNonEmpty(ev?.name);
      if (!ev || key === undefined) continue;
      const value = asScalarString(ev.value);
      if (value !== undefined) setOwn(env, key, value);
      else if (ev.valueFrom !== undefined) envFrom.push(key);
      else setOwn(env, key, ''); // `- name: X` with no value sets X to the empty string
    }
    const container: DaemonSetContainerInfo = { name, env, envFrom, args: asStringList(rec.args) };
    const image = asNonEmpty(rec.image);
    if (image !== undefined) container.image = image;
    out.push(container);
  }
  return out;
}

// ---------------------------------------------------------------- Cilium

function projectCiliumEndpoint(o: JsonRecord, namespace: string, name: string, origin: Provenance, intern: Interner | undefined): CiliumEndpointInfo {
  const status = asRecord(o.status);
  const identity = asRecord(status?.identity);
  const networking = asRecord(status?.networking);
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const a of asArray(networking?.addressing)) {
    const rec = asRecord(a);
    const v4 = asNonEmpty(rec?.ipv4);
    const v6 = asNonEmpty(rec?.ipv6);
    if (v4 !== undefined) ipv4.push(v4);
    if (v6 !== undefined) ipv6.push(v6);
  }
  const namedPorts: CiliumEndpointInfo['namedPorts'] = [];
  for (const p of asArray(status?.['named-ports'])) {
    const rec = asRecord(p);
    const portName = asNonEmpty(rec?.name);
    const port = asPort(rec?.port);
    if (!rec || portName === undefined || port === undefined) continue;
    const protocol = (asNonEmpty(rec.protocol) ?? 'TCP').toUpperCase();
    namedPorts.push({ name: portName, port, protocol });
  }
  // endpoints of one identity carry the same labels, and usually the same named ports
  const identityId = asInt(identity?.id);
  const hint = intern && identityId !== undefined ? `${identityId}` : undefined;
  return {
    namespace,
    name,
    endpointId: asInt(status?.id),
    identityId,
    identityLabels: sharedList(asStringList(identity?.labels), intern, hint && `identity-labels|${hint}`),
    ipv4,
    ipv6,
    nodeIp: str(intern, asNonEmpty(networking?.node)),
    state: str(intern, asNonEmpty(status?.state)),
    namedPorts: sharedList(namedPorts, intern, hint && `named-ports|${hint}`, (a, b) => a.name === b.name && a.port === b.port && a.protocol === b.protocol),
    origin,
  };
}

function projectCiliumIdentity(o: JsonRecord, name: string, origin: Provenance): CiliumIdentityInfo | undefined {
  if (!/^\d{1,10}$/.test(name)) return undefined;
  return { id: Number(name), labels: asStringMap(o['security-labels']), origin };
}

function projectCiliumNode(o: JsonRecord, name: string, origin: Provenance): CiliumNodeInfo {
  const spec = asRecord(o.spec);
  const addresses: CiliumNodeInfo['addresses'] = [];
  for (const a of asArray(spec?.addresses)) {
    const rec = asRecord(a);
    const type = asNonEmpty(rec?.type);
    const ip = asNonEmpty(rec?.ip);
    if (type !== undefined && ip !== undefined) addresses.push({ type, ip });
  }
  return {
    name,
    instanceId: asNonEmpty(spec?.['instance-id']) ?? asNonEmpty(asRecord(spec?.eni)?.['instance-id']),
    addresses,
    podCidrs: asStringList(asRecord(spec?.ipam)?.podCIDRs),
    origin,
  };
}

function projectPolicy(o: JsonRecord, meta: JsonRecord, kind: string, namespace: string, name: string, origin: Provenance): NetworkPolicyInfo {
  const policyKind = kind as NetworkPolicyInfo['kind'];
  const info: NetworkPolicyInfo = { kind: policyKind, name, origin };
  if (policyKind !== 'CiliumClusterwideNetworkPolicy') info.namespace = namespace;
  const uid = asNonEmpty(meta.uid);
  const resourceVersion = asNonEmpty(meta.resourceVersion);
  if (uid !== undefined) info.uid = uid;
  if (resourceVersion !== undefined) info.resourceVersion = resourceVersion;
  if (asRecord(o.spec)) info.spec = o.spec;
  if (policyKind !== 'NetworkPolicy' && Array.isArray(o.specs)) info.specs = o.specs;
  return info;
}

// ---------------------------------------------------------------- AWS CRDs

function projectCniNode(o: JsonRecord, name: string, origin: Provenance): CniNodeInfo {
  const features: CniNodeInfo['features'] = [];
  for (const f of asArray(asRecord(o.spec)?.features)) {
    const rec = asRecord(f);
    const featureName = asNonEmpty(rec?.name);
    if (!rec || featureName === undefined) continue;
    const value = asNonEmpty(rec.value);
    features.push(value === undefined ? { name: featureName } : { name: featureName, value });
  }
  return { name, features, origin };
}
