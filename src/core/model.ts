/**
 * The CNI Lens model: Kubernetes, Cilium, VPC CNI and EC2 facts projected to what the analysis and
 * the views need. Every object records where it came from.
 */

/** Where a fact came from. */
export type SourceKind =
  | 'kubernetes-api' // live API server
  | 'snapshot' // a file of a snapshot directory or a manifest
  | 'ec2' // EC2 Describe* (live)
  | 'ipamd' // ipamd introspection /v1/enis
  | 'inferred' // derived from other facts (say from which in `detail`)
  | 'default'; // the documented default of a setting that was not found

export interface Provenance {
  source: SourceKind;
  /** File path for `snapshot`, relative to the snapshot root. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** Free text, e.g. "from pod IPs and node addresses". */
  detail?: string;
}

export type Labels = Readonly<Record<string, string>>;

export interface NamespaceInfo {
  name: string;
  labels: Labels;
  origin: Provenance;
}

export interface NodeInfo {
  name: string;
  uid?: string;
  labels: Labels;
  providerId?: string;
  /** From `spec.providerID` `aws:///<az>/<instance-id>`. */
  instanceId?: string;
  instanceType?: string;
  zone?: string;
  region?: string;
  internalIp?: string;
  externalIp?: string;
  ready: boolean;
  kubeletVersion?: string;
  createdAt?: string;
  origin: Provenance;
}

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: L4Protocol;
  container: string;
}

export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface OwnerRef {
  kind: string;
  name: string;
}

export interface PodInfo {
  namespace: string;
  name: string;
  uid?: string;
  labels: Labels;
  nodeName?: string;
  /** Primary pod IP (`status.podIP`). */
  ip?: string;
  /** All pod IPs (`status.podIPs`), IPv4 and IPv6. */
  ips: string[];
  hostIp?: string;
  hostNetwork: boolean;
  phase?: string;
  ready: boolean;
  owner?: OwnerRef;
  serviceAccount?: string;
  containerPorts: ContainerPort[];
  createdAt?: string;
  /** Branch ENI data from the `vpc.amazonaws.com/pod-eni` annotation (security groups for pods). */
  podEni?: Array<{ eniId: string; privateIp?: string; vlanId?: number; subnetCidr?: string }>;
  origin: Provenance;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol: L4Protocol;
  nodePort?: number;
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  type: string;
  clusterIp?: string;
  clusterIps: string[];
  /** `undefined` when the service has no selector (endpoints managed by hand). */
  selector?: Labels;
  ports: ServicePort[];
  /** `status.loadBalancer.ingress[]` hostnames and IPs. */
  loadBalancerIngress: string[];
  externalTrafficPolicy?: string;
  /** Annotations that change the datapath (AWS load balancer controller). */
  annotations: Labels;
  origin: Provenance;
}

export interface EndpointSliceInfo {
  namespace: string;
  name: string;
  serviceName?: string;
  addressType: string;
  endpoints: Array<{ addresses: string[]; ready: boolean; nodeName?: string; targetRef?: { kind: string; namespace?: string; name: string } }>;
  ports: Array<{ name?: string; port?: number; protocol: L4Protocol }>;
  origin: Provenance;
}

export interface CiliumEndpointInfo {
  namespace: string;
  name: string;
  endpointId?: number;
  identityId?: number;
  /** `source:key=value` strings, e.g. `k8s:app=web`. */
  identityLabels: string[];
  ipv4: string[];
  ipv6: string[];
  /** InternalIP of the node that hosts the endpoint. */
  nodeIp?: string;
  state?: string;
  namedPorts: Array<{ name: string; port: number; protocol: string }>;
  origin: Provenance;
}

export interface CiliumIdentityInfo {
  id: number;
  /** `security-labels`, e.g. `{ "k8s:app": "web" }`. */
  labels: Labels;
  origin: Provenance;
}

export interface CiliumNodeInfo {
  name: string;
  instanceId?: string;
  addresses: Array<{ type: string; ip: string }>;
  podCidrs: string[];
  origin: Provenance;
}

export type PolicyKind = 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';

export interface NetworkPolicyInfo {
  kind: PolicyKind;
  /** Absent for CiliumClusterwideNetworkPolicy. */
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  /** The raw `spec` (and for Cilium, `specs`): the policy engine reads it. */
  spec?: unknown;
  specs?: unknown[];
  origin: Provenance;
}

// ---------------------------------------------------------------- AWS

export type EniKind = 'interface' | 'trunk' | 'branch' | 'efa' | string;

export interface EniIp {
  ip: string;
  /** The ENI's primary private IP. */
  primary: boolean;
  /** /28 prefix this IP belongs to (prefix delegation). */
  prefix?: string;
  /** Pod that holds the IP, per ipamd or the pod list. */
  pod?: { namespace: string; name: string };
  /** ipamd: released recently and still cooling down. */
  coolingDown?: boolean;
  /** ipamd: handed to a pod/sandbox (set even when the pod is unknown, VPC CNI < 1.11); absent when not from ipamd. */
  assigned?: boolean;
}

export interface EniInfo {
  id: string;
  /** Kubernetes node the ENI is attached to, when known. */
  nodeName?: string;
  instanceId?: string;
  subnetId?: string;
  vpcId?: string;
  zone?: string;
  deviceIndex?: number;
  networkCardIndex?: number;
  kind: EniKind;
  /** `InterfaceType` as EC2 reports it (`interface`, `trunk`, `branch`, `network_load_balancer`, `nat_gateway`...). */
  interfaceType?: string;
  description?: string;
  primaryIp?: string;
  mac?: string;
  securityGroups: Array<{ id: string; name?: string }>;
  ips: EniIp[];
  prefixes: string[];
  /** ipamd's RouteTableID (254 = main). */
  routeTableId?: number;
  requesterManaged?: boolean;
  status?: string;
  tags: Labels;
  origin: Provenance;
}

export interface SubnetInfo {
  id: string;
  vpcId?: string;
  cidr: string;
  zone?: string;
  availableIps?: number;
  name?: string;
  tags: Labels;
  origin: Provenance;
}

export interface VpcInfo {
  id: string;
  cidrs: string[];
  origin: Provenance;
}

export type RouteTargetKind = 'local' | 'nat-gateway' | 'internet-gateway' | 'transit-gateway' | 'vpc-peering' | 'vpc-endpoint' | 'network-interface' | 'instance' | 'other';

export interface RouteInfo {
  destination: string;
  target: { kind: RouteTargetKind; id: string };
  state?: string;
}

export interface RouteTableInfo {
  id: string;
  vpcId?: string;
  main: boolean;
  subnetIds: string[];
  routes: RouteInfo[];
  origin: Provenance;
}

export interface NatGatewayInfo {
  id: string;
  subnetId?: string;
  vpcId?: string;
  state?: string;
  connectivity?: string;
  publicIps: string[];
  privateIps: string[];
  origin: Provenance;
}

export interface SecurityGroupInfo {
  id: string;
  name?: string;
  vpcId?: string;
  description?: string;
  /** The raw `IpPermissions` / `IpPermissionsEgress` arrays. */
  ingress: unknown[];
  egress: unknown[];
  origin: Provenance;
}

export interface InstanceInfo {
  id: string;
  type?: string;
  zone?: string;
  privateIp?: string;
  privateDnsName?: string;
  subnetId?: string;
  vpcId?: string;
  state?: string;
  origin: Provenance;
}

// ---------------------------------------------------------------- settings

export interface EniConfigInfo {
  name: string;
  subnet?: string;
  securityGroups: string[];
  origin: Provenance;
}

export interface CniNodeInfo {
  name: string;
  features: Array<{ name: string; value?: string }>;
  origin: Provenance;
}

/** A setting's value and where it came from. */
export interface Setting<T> {
  value: T;
  origin: Provenance;
}

export interface VpcCniSettings {
  /** aws-node DaemonSet found. */
  present: boolean;
  /** From the aws-node image tag, e.g. `v1.20.4`. */
  version?: string;
  env: Readonly<Record<string, string>>;
  externalSnat: Setting<boolean>;
  excludeSnatCidrs: Setting<string[]>;
  vethPrefix: Setting<string>;
  customNetworking: Setting<boolean>;
  eniConfigLabelDef: Setting<string>;
  prefixDelegation: Setting<boolean>;
  podEni: Setting<boolean>;
  podSgEnforcingMode: Setting<string>;
  nodePortSupport: Setting<boolean>;
  warmEniTarget: Setting<number | undefined>;
  warmIpTarget: Setting<number | undefined>;
  minimumIpTarget: Setting<number | undefined>;
  warmPrefixTarget: Setting<number | undefined>;
  /** VPC CNI network policy agent (`aws-eks-nodeagent --enable-network-policy=true`): a second tc-BPF policy engine next to Cilium. */
  networkPolicyAgent?: Setting<boolean>;
}

export interface CiliumSettings {
  /** `kube-system/cilium-config` found. */
  present: boolean;
  /** From the cilium DaemonSet image tag. */
  version?: string;
  config: Readonly<Record<string, string>>;
  chainingMode: Setting<string>;
  ipv4Masquerade: Setting<boolean>;
  routingMode: Setting<string>;
  kubeProxyReplacement: Setting<string>;
  socketLb: Setting<boolean>;
  enableHubble: Setting<boolean>;
  policyEnforcement: Setting<string>;
  clusterName: Setting<string>;
}

export type ClusterMode = 'aws-cni-chaining' | 'vpc-cni-only' | 'cilium-only' | 'unknown';

export interface ClusterModeInfo {
  mode: ClusterMode;
  /** Why this mode: the facts it was decided from. */
  reasons: string[];
}

/**
 * A data source and its state, shown to the user ("EC2: no credentials", "ipamd: 7 nodes").
 * `stale`: data was read but may be out of date (a watch broke and is reconnecting, a re-read failed).
 */
export interface SourceStatus {
  name: string;
  state: 'ok' | 'stale' | 'missing' | 'forbidden' | 'error' | 'loading' | 'not-configured';
  detail?: string;
  /** A source read part by part (ipamd of a large cluster, per node on demand): how many of how many were read. */
  coverage?: { read: number; of: number };
}
