import type {
  CiliumEndpointInfo,
  CiliumIdentityInfo,
  CiliumNodeInfo,
  CniNodeInfo,
  EndpointSliceInfo,
  EniConfigInfo,
  EniInfo,
  InstanceInfo,
  NamespaceInfo,
  NatGatewayInfo,
  NetworkPolicyInfo,
  NodeInfo,
  PodInfo,
  RouteTableInfo,
  SecurityGroupInfo,
  ServiceInfo,
  SubnetInfo,
  VpcInfo,
} from '../model';
import type { ConfigMapInfo, DaemonSetInfo } from '../project/projectKube';

/** Every kind of object the store holds, and its model type. */
export interface StoreKinds {
  namespace: NamespaceInfo;
  node: NodeInfo;
  pod: PodInfo;
  service: ServiceInfo;
  endpointSlice: EndpointSliceInfo;
  ciliumEndpoint: CiliumEndpointInfo;
  ciliumIdentity: CiliumIdentityInfo;
  ciliumNode: CiliumNodeInfo;
  networkPolicy: NetworkPolicyInfo;
  eniConfig: EniConfigInfo;
  cniNode: CniNodeInfo;
  daemonSet: DaemonSetInfo;
  configMap: ConfigMapInfo;
  eni: EniInfo;
  subnet: SubnetInfo;
  vpc: VpcInfo;
  routeTable: RouteTableInfo;
  natGateway: NatGatewayInfo;
  securityGroup: SecurityGroupInfo;
  instance: InstanceInfo;
}

export type StoreKind = keyof StoreKinds;

export const STORE_KINDS: readonly StoreKind[] = [
  'namespace', 'node', 'pod', 'service', 'endpointSlice', 'ciliumEndpoint', 'ciliumIdentity', 'ciliumNode',
  'networkPolicy', 'eniConfig', 'cniNode', 'daemonSet', 'configMap',
  'eni', 'subnet', 'vpc', 'routeTable', 'natGateway', 'securityGroup', 'instance',
];

export type ChangeType = 'added' | 'modified' | 'deleted';

export interface StoreChange {
  kind: StoreKind;
  key: string;
  type: ChangeType;
  /** The value before a `modified` or `deleted` change (what a view showed), so listeners can find what the object was part of. */
  previous?: StoreKinds[StoreKind];
}

export type StoreListener = (changes: readonly StoreChange[]) => void;

/** What holds an IP address. */
export interface IpOwner {
  kind: 'pod' | 'node' | 'eni' | 'service' | 'ciliumEndpoint' | 'natGateway';
  key: string;
  /** For ENIs: whether it is the ENI's primary IP. For services: which field (clusterIP, loadBalancer). */
  role?: string;
}

/** The key under which an object is stored. */
export function storeKey<K extends StoreKind>(kind: K, value: StoreKinds[K]): string {
  switch (kind) {
    case 'ciliumIdentity':
      return String((value as CiliumIdentityInfo).id);
    case 'eni':
    case 'subnet':
    case 'vpc':
    case 'routeTable':
    case 'natGateway':
    case 'securityGroup':
    case 'instance':
      return (value as { id: string }).id;
    case 'networkPolicy': {
      const p = value as NetworkPolicyInfo;
      return `${p.kind}/${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
    }
    default: {
      const v = value as { namespace?: string; name: string };
      return v.namespace ? `${v.namespace}/${v.name}` : v.name;
    }
  }
}

class MultiIndex {
  private readonly map = new Map<string, Set<string>>();
  add(index: string, key: string): void {
    let set = this.map.get(index);
    if (!set) {
      set = new Set();
      this.map.set(index, set);
    }
    set.add(key);
  }
  remove(index: string, key: string): void {
    const set = this.map.get(index);
    if (!set) return;
    set.delete(key);
    if (set.size === 0) this.map.delete(index);
  }
  get(index: string): ReadonlySet<string> {
    return this.map.get(index) ?? EMPTY;
  }
  indexes(): IterableIterator<string> {
    return this.map.keys();
  }
  isEmpty(): boolean {
    return this.map.size === 0;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * `key` → `value` → object keys: label pairs without building a `key=value` string per label. The
 * objects with a key, whatever the value, are gathered when asked for and kept until that key
 * changes (selectors with `Exists` are rare; a set per key would double the entries).
 */
class LabelIndex {
  private readonly map = new Map<string, MultiIndex>();
  private readonly withKey = new Map<string, ReadonlySet<string>>();
  add(key: string, value: string, objectKey: string): void {
    let values = this.map.get(key);
    if (!values) {
      values = new MultiIndex();
      this.map.set(key, values);
    }
    values.add(value, objectKey);
    if (this.withKey.size > 0) this.withKey.delete(key);
  }
  remove(key: string, value: string, objectKey: string): void {
    const values = this.map.get(key);
    if (!values) return;
    values.remove(value, objectKey);
    if (values.isEmpty()) this.map.delete(key);
    if (this.withKey.size > 0) this.withKey.delete(key);
  }
  get(key: string, value: string): ReadonlySet<string> {
    return this.map.get(key)?.get(value) ?? EMPTY;
  }
  /** Objects carrying `key`, with any value. */
  getKey(key: string): ReadonlySet<string> {
    let keys = this.withKey.get(key);
    if (!keys) {
      const values = this.map.get(key);
      if (!values) return EMPTY;
      const gathered = new Set<string>();
      for (const value of values.indexes()) for (const k of values.get(value)) gathered.add(k);
      this.withKey.set(key, (keys = gathered));
    }
    return keys;
  }
}

/**
 * One indexed snapshot of a cluster. Mutations update the indexes incrementally and publish typed
 * change events; inside `batch()` events are collected and published once at the end.
 */
export class ClusterStore {
  private readonly objects = new Map<StoreKind, Map<string, unknown>>();
  private readonly listeners = new Set<StoreListener>();
  private changeCount = 0;
  private pending: StoreChange[] | undefined;
  private batchDepth = 0;

  private readonly byIp = new Map<string, IpOwner[]>();
  private readonly podsByNode = new MultiIndex();
  private readonly podsByNamespace = new MultiIndex();
  /** Label key and value → pod keys. */
  private readonly podsByLabel = new LabelIndex();
  private readonly enisByNode = new MultiIndex();
  /** ENIs on no node: load balancers, NAT gateways, RDS, MSK, VPC endpoints… */
  private readonly enisOffNode = new Set<string>();
  private readonly endpointsByIdentity = new MultiIndex();
  private readonly endpointsByNamespace = new MultiIndex();
  private readonly policiesByNamespace = new MultiIndex();
  /** `namespace/serviceName` → EndpointSlice keys. */
  private readonly slicesByService = new MultiIndex();

  constructor() {
    for (const kind of STORE_KINDS) this.objects.set(kind, new Map());
  }

  // ------------------------------------------------------------ reads

  get<K extends StoreKind>(kind: K, key: string): StoreKinds[K] | undefined {
    return this.table(kind).get(key) as StoreKinds[K] | undefined;
  }

  list<K extends StoreKind>(kind: K): IterableIterator<StoreKinds[K]> {
    return this.table(kind).values() as IterableIterator<StoreKinds[K]>;
  }

  keys(kind: StoreKind): IterableIterator<string> {
    return this.table(kind).keys();
  }

  count(kind: StoreKind): number {
    return this.table(kind).size;
  }

  /** Everything that holds `ip`. */
  ownersOfIp(ip: string): readonly IpOwner[] {
    return this.byIp.get(ip) ?? [];
  }

  podsOnNode(nodeName: string): PodInfo[] {
    return this.resolve('pod', this.podsByNode.get(nodeName));
  }

  podsInNamespace(namespace: string): PodInfo[] {
    return this.resolve('pod', this.podsByNamespace.get(namespace));
  }

  /** How many pods `namespace` has, without reading them (the index's size). */
  podCountInNamespace(namespace: string): number {
    return this.podsByNamespace.get(namespace).size;
  }

  /** Pod keys carrying label `key=value`, or any value of `key` when `value` is undefined. */
  podKeysWithLabel(key: string, value?: string): ReadonlySet<string> {
    return value === undefined ? this.podsByLabel.getKey(key) : this.podsByLabel.get(key, value);
  }

  enisOnNode(nodeName: string): EniInfo[] {
    return this.resolve('eni', this.enisByNode.get(nodeName));
  }

  eniCountOnNode(nodeName: string): number {
    return this.enisByNode.get(nodeName).size;
  }

  /** ENIs not on a node (load balancers, NAT gateways, RDS, MSK, VPC endpoints…), without reading the nodes' ENIs. */
  enisOffNodes(): EniInfo[] {
    return this.resolve('eni', this.enisOffNode);
  }

  endpointsWithIdentity(identityId: number): CiliumEndpointInfo[] {
    return this.resolve('ciliumEndpoint', this.endpointsByIdentity.get(String(identityId)));
  }

  endpointCountWithIdentity(identityId: number): number {
    return this.endpointsByIdentity.get(String(identityId)).size;
  }

  endpointCountInNamespace(namespace: string): number {
    return this.endpointsByNamespace.get(namespace).size;
  }

  endpointsInNamespace(namespace: string): CiliumEndpointInfo[] {
    return this.resolve('ciliumEndpoint', this.endpointsByNamespace.get(namespace));
  }

  /** Namespaced policies of `namespace`; pass `''` for cluster-wide ones. */
  policiesInNamespace(namespace: string): NetworkPolicyInfo[] {
    return this.resolve('networkPolicy', this.policiesByNamespace.get(namespace));
  }

  /** The EndpointSlices of Service `namespace/name` (all address types). */
  endpointSlicesOfService(namespace: string, name: string): EndpointSliceInfo[] {
    return this.resolve('endpointSlice', this.slicesByService.get(`${namespace}/${name}`));
  }

  /** Namespaces that have at least one CiliumEndpoint. */
  endpointNamespaces(): string[] {
    return [...this.endpointsByNamespace.indexes()];
  }

  /** Security identities that at least one CiliumEndpoint has. */
  endpointIdentityIds(): number[] {
    return [...this.endpointsByIdentity.indexes()].map(Number);
  }

  /** Namespaces that have at least one pod. */
  podNamespaces(): string[] {
    return [...this.podsByNamespace.indexes()];
  }

  // ------------------------------------------------------------ writes

  /** Adds or replaces an object; returns the key it is stored under. */
  upsert<K extends StoreKind>(kind: K, value: StoreKinds[K]): string {
    const key = storeKey(kind, value);
    const table = this.table(kind);
    const previous = table.get(key) as StoreKinds[K] | undefined;
    if (previous !== undefined) this.unindex(kind, key, previous);
    table.set(key, value);
    this.index(kind, key, value);
    this.emit(previous === undefined ? { kind, key, type: 'added' } : { kind, key, type: 'modified', previous });
    return key;
  }

  remove(kind: StoreKind, key: string): boolean {
    const table = this.table(kind);
    const previous = table.get(key);
    if (previous === undefined) return false;
    this.unindex(kind, key, previous as StoreKinds[StoreKind]);
    table.delete(key);
    this.emit({ kind, key, type: 'deleted', previous: previous as StoreKinds[StoreKind] });
    return true;
  }

  /** Runs `fn` and publishes all its changes as one batch. */
  batch<T>(fn: () => T): T {
    this.batchDepth++;
    this.pending ??= [];
    try {
      return fn();
    } finally {
      this.batchDepth--;
      if (this.batchDepth === 0) {
        const changes = this.pending;
        this.pending = undefined;
        if (changes.length > 0) this.publish(changes);
      }
    }
  }

  /** Changes since the store was made: what was computed from it at one version holds until the next. */
  get version(): number {
    return this.changeCount;
  }

  onChange(listener: StoreListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  // ------------------------------------------------------------ internals

  private table(kind: StoreKind): Map<string, unknown> {
    const table = this.objects.get(kind);
    if (!table) throw new Error(`unknown store kind ${kind}`);
    return table;
  }

  private resolve<K extends StoreKind>(kind: K, keys: ReadonlySet<string>): StoreKinds[K][] {
    const table = this.table(kind);
    const out: StoreKinds[K][] = [];
    for (const key of keys) {
      const value = table.get(key);
      if (value !== undefined) out.push(value as StoreKinds[K]);
    }
    return out;
  }

  private emit(change: StoreChange): void {
    this.changeCount++;
    if (this.pending) this.pending.push(change);
    else this.publish([change]);
  }

  private publish(changes: readonly StoreChange[]): void {
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch {
        // a listener's failure must not break the store or the other listeners
      }
    }
  }

  private addIp(ip: string | undefined, owner: IpOwner): void {
    if (!ip) return;
    const owners = this.byIp.get(ip);
    if (owners) owners.push(owner);
    else this.byIp.set(ip, [owner]);
  }

  private removeIp(ip: string | undefined, kind: IpOwner['kind'], key: string): void {
    if (!ip) return;
    const owners = this.byIp.get(ip);
    if (!owners) return;
    const rest = owners.filter((o) => !(o.kind === kind && o.key === key));
    if (rest.length === 0) this.byIp.delete(ip);
    else this.byIp.set(ip, rest);
  }

  private forEachIp<K extends StoreKind>(kind: K, value: StoreKinds[K], fn: (ip: string, role?: string) => void): void {
    switch (kind) {
      case 'pod': {
        const pod = value as PodInfo;
        // host-network pods share the node's IP: the node owns it, not the pod
        if (pod.hostNetwork) return;
        if (pod.ip) fn(pod.ip);
        const ips = pod.ips;
        for (let i = 0; i < ips.length; i++) {
          const ip = ips[i]!;
          if (ip !== pod.ip && ips.indexOf(ip) === i) fn(ip);
        }
        return;
      }
      case 'node': {
        const node = value as NodeInfo;
        if (node.internalIp) fn(node.internalIp, 'InternalIP');
        if (node.externalIp) fn(node.externalIp, 'ExternalIP');
        return;
      }
      case 'eni':
        for (const ip of (value as EniInfo).ips) fn(ip.ip, ip.primary ? 'primary' : 'secondary');
        return;
      case 'service': {
        const svc = value as ServiceInfo;
        for (const ip of new Set([...(svc.clusterIp && svc.clusterIp !== 'None' ? [svc.clusterIp] : []), ...svc.clusterIps.filter((i) => i !== 'None')])) fn(ip, 'clusterIP');
        for (const ip of svc.loadBalancerIngress) if (isIpLiteral(ip)) fn(ip, 'loadBalancer');
        return;
      }
      case 'ciliumEndpoint': {
        const ep = value as CiliumEndpointInfo;
        for (const ip of ep.ipv4) fn(ip);
        for (const ip of ep.ipv6) fn(ip);
        return;
      }
      case 'natGateway': {
        const nat = value as NatGatewayInfo;
        for (const ip of nat.privateIps) fn(ip, 'private');
        for (const ip of nat.publicIps) fn(ip, 'public');
        return;
      }
      default:
        return;
    }
  }

  private index<K extends StoreKind>(kind: K, key: string, value: StoreKinds[K]): void {
    const ownerKind = kind as IpOwner['kind'];
    this.forEachIp(kind, value, (ip, role) => this.addIp(ip, role ? { kind: ownerKind, key, role } : { kind: ownerKind, key }));
    switch (kind) {
      case 'pod': {
        const pod = value as PodInfo;
        if (pod.nodeName) this.podsByNode.add(pod.nodeName, key);
        this.podsByNamespace.add(pod.namespace, key);
        for (const k in pod.labels) {
          if (!Object.hasOwn(pod.labels, k)) continue;
          this.podsByLabel.add(k, pod.labels[k]!, key);
        }
        return;
      }
      case 'eni': {
        const eni = value as EniInfo;
        if (eni.nodeName) this.enisByNode.add(eni.nodeName, key);
        else this.enisOffNode.add(key);
        return;
      }
      case 'ciliumEndpoint': {
        const ep = value as CiliumEndpointInfo;
        if (ep.identityId !== undefined) this.endpointsByIdentity.add(String(ep.identityId), key);
        this.endpointsByNamespace.add(ep.namespace, key);
        return;
      }
      case 'networkPolicy':
        this.policiesByNamespace.add((value as NetworkPolicyInfo).namespace ?? '', key);
        return;
      case 'endpointSlice': {
        const slice = value as EndpointSliceInfo;
        if (slice.serviceName) this.slicesByService.add(`${slice.namespace}/${slice.serviceName}`, key);
        return;
      }
      default:
        return;
    }
  }

  private unindex<K extends StoreKind>(kind: K, key: string, value: StoreKinds[K]): void {
    this.forEachIp(kind, value, (ip) => this.removeIp(ip, kind as IpOwner['kind'], key));
    switch (kind) {
      case 'pod': {
        const pod = value as PodInfo;
        if (pod.nodeName) this.podsByNode.remove(pod.nodeName, key);
        this.podsByNamespace.remove(pod.namespace, key);
        for (const k in pod.labels) {
          if (!Object.hasOwn(pod.labels, k)) continue;
          this.podsByLabel.remove(k, pod.labels[k]!, key);
        }
        return;
      }
      case 'eni': {
        const eni = value as EniInfo;
        if (eni.nodeName) this.enisByNode.remove(eni.nodeName, key);
        else this.enisOffNode.delete(key);
        return;
      }
      case 'ciliumEndpoint': {
        const ep = value as CiliumEndpointInfo;
        if (ep.identityId !== undefined) this.endpointsByIdentity.remove(String(ep.identityId), key);
        this.endpointsByNamespace.remove(ep.namespace, key);
        return;
      }
      case 'networkPolicy':
        this.policiesByNamespace.remove((value as NetworkPolicyInfo).namespace ?? '', key);
        return;
      case 'endpointSlice': {
        const slice = value as EndpointSliceInfo;
        if (slice.serviceName) this.slicesByService.remove(`${slice.namespace}/${slice.serviceName}`, key);
        return;
      }
      default:
        return;
    }
  }
}

function isIpLiteral(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}
