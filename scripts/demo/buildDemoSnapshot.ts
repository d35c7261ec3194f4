/**
 * Builds the demo cluster snapshot: a production-like EKS cluster (`shop-prod`, us-west-2) running the
 * AWS VPC CNI with custom networking (pods in 100.64.0.0/16) chained with Cilium (`aws-cni`).
 *
 * Usage: npx tsx scripts/demo/buildDemoSnapshot.ts [OUTDIR]   (default demo/snapshot)
 *
 * The output is made only of what standard tools print:
 *   kubernetes/*.yaml      `kubectl get ... -o yaml` (kind: List)
 *   aws/describe-*.json    AWS CLI v2 `--output json`
 *   ipamd/<node>.json      ipamd introspection `/v1/enis` (v1.20+ shape, keyed by network card)
 *   hubble/flows.jsonl     `hubble observe -o json`
 *
 * Deterministic: every id, IP, name suffix and time derives from fixed keys (SHA-256) or from the
 * tables below, so running it twice yields byte-identical files.
 */
import { seededRandom } from '../../src/sim/generate/clusterPlan';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

// =====================================================================================================
// Data table
// =====================================================================================================

const CLUSTER = 'shop-prod';
const REGION = 'us-west-2';
const ACCOUNT = '111122223333';
const VPC_ID = 'vpc-0a1b2c3d4e5f60718';
const VPC_CIDRS = ['10.0.0.0/16', '100.64.0.0/16'];
const ON_PREM_CIDR = '192.168.0.0/16';
const SERVICE_CIDR = '172.20.0.0/16';
const CILIUM_POOL_PREFIX = '10.200'; // cluster-pool 10.200.0.0/16, /24 per node (Cilium's own router IPs only)
const IMDS_IP = '169.254.169.254';
const EKS_ECR = `602401143452.dkr.ecr.${REGION}.amazonaws.com`;
const APP_ECR = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

const VERSIONS = {
  kubelet: 'v1.32.9-eks-113cf36',
  kubeProxyImage: `${EKS_ECR}/eks/kube-proxy:v1.32.6-eksbuild.12`,
  coredns: `${EKS_ECR}/eks/coredns:v1.11.4-eksbuild.14`,
  vpcCni: 'v1.22.3',
  vpcCniImage: `${EKS_ECR}/amazon-k8s-cni:v1.22.3-eksbuild.1`,
  vpcCniInitImage: `${EKS_ECR}/amazon-k8s-cni-init:v1.22.3-eksbuild.1`,
  networkPolicyAgentImage: `${EKS_ECR}/amazon/aws-network-policy-agent:v1.2.7-eksbuild.1`,
  cilium: 'v1.18.6',
  hubble: '1.18.6',
  containerd: 'containerd://1.7.27',
  kernel: '6.1.155-176.282.amzn2023.x86_64',
  osImage: 'Amazon Linux 2023.9.20251105',
};

/** Fixed points in time. */
const T = {
  vpcCreated: '2026-06-08T09:12:40Z',
  clusterCreated: '2026-06-08T10:03:17Z',
  /** The cilium DaemonSet's creationTimestamp (T0). Pods created before it have no CiliumEndpoint. */
  ciliumInstalled: '2026-10-14T08:30:12Z',
  /** When the snapshot was taken. */
  snapshot: '2026-11-20T09:15:00Z',
  /** First Hubble flow. */
  flowsStart: '2026-11-20T09:12:03Z',
};

interface AzSpec {
  name: string;
  zoneId: string;
  publicCidr: string;
  nodeCidr: string;
  podCidr: string;
  dataCidr: string;
  natPrivateIp: string;
  natPublicIp: string;
  nlbPrivateIp: string;
  nlbPublicIp: string;
}

const AZS: AzSpec[] = [
  { name: 'us-west-2a', zoneId: 'usw2-az2', publicCidr: '10.0.0.0/24', nodeCidr: '10.0.16.0/20', podCidr: '100.64.0.0/18', dataCidr: '10.0.100.0/24', natPrivateIp: '10.0.0.137', natPublicIp: '44.231.17.88', nlbPrivateIp: '10.0.0.84', nlbPublicIp: '54.148.23.190' },
  { name: 'us-west-2b', zoneId: 'usw2-az1', publicCidr: '10.0.1.0/24', nodeCidr: '10.0.32.0/20', podCidr: '100.64.64.0/18', dataCidr: '10.0.101.0/24', natPrivateIp: '10.0.1.52', natPublicIp: '52.34.108.201', nlbPrivateIp: '10.0.1.219', nlbPublicIp: '44.237.91.12' },
  { name: 'us-west-2c', zoneId: 'usw2-az3', publicCidr: '10.0.2.0/24', nodeCidr: '10.0.48.0/20', podCidr: '100.64.128.0/18', dataCidr: '10.0.102.0/24', natPrivateIp: '10.0.2.201', natPublicIp: '35.162.74.19', nlbPrivateIp: '10.0.2.36', nlbPublicIp: '52.89.140.77' },
];

/** EC2 limits as published by the VPC CNI (network card 0), plus the size used for node capacity. */
const INSTANCE_TYPES: Record<string, { enis: number; ipv4PerEni: number; vcpu: number; memoryMiB: number; cores: number }> = {
  'm5.large': { enis: 3, ipv4PerEni: 10, vcpu: 2, memoryMiB: 8192, cores: 1 },
  'm5.xlarge': { enis: 4, ipv4PerEni: 15, vcpu: 4, memoryMiB: 16384, cores: 2 },
  'c6i.xlarge': { enis: 4, ipv4PerEni: 15, vcpu: 4, memoryMiB: 8192, cores: 2 },
  'r6i.large': { enis: 3, ipv4PerEni: 10, vcpu: 2, memoryMiB: 16384, cores: 1 },
  'm6i.2xlarge': { enis: 4, ipv4PerEni: 15, vcpu: 8, memoryMiB: 32768, cores: 4 },
  't3.large': { enis: 3, ipv4PerEni: 12, vcpu: 2, memoryMiB: 8192, cores: 1 },
};

const NODE_GROUPS = ['general', 'compute', 'memory', 'system'] as const;
type NodeGroup = (typeof NODE_GROUPS)[number];

interface NodeSpec {
  key: string;
  ip: string;
  az: string;
  type: string;
  nodegroup: NodeGroup;
  created: string;
  /** Index of the node's /24 in Cilium's cluster pool (allocation order). */
  ciliumPool: number;
}

/** Seven managed nodes over three AZs. n7 joined last night and runs only DaemonSet pods. */
const NODES: NodeSpec[] = [
  { key: 'n1', ip: '10.0.17.42', az: 'us-west-2a', type: 'm5.large', nodegroup: 'general', created: '2026-09-28T06:12:44Z', ciliumPool: 0 },
  { key: 'n2', ip: '10.0.35.117', az: 'us-west-2b', type: 'm5.xlarge', nodegroup: 'general', created: '2026-09-28T06:13:02Z', ciliumPool: 1 },
  { key: 'n3', ip: '10.0.50.66', az: 'us-west-2c', type: 'c6i.xlarge', nodegroup: 'compute', created: '2026-10-20T15:41:09Z', ciliumPool: 4 },
  { key: 'n4', ip: '10.0.22.191', az: 'us-west-2a', type: 'r6i.large', nodegroup: 'memory', created: '2026-09-30T11:27:55Z', ciliumPool: 2 },
  { key: 'n5', ip: '10.0.41.203', az: 'us-west-2b', type: 'm6i.2xlarge', nodegroup: 'compute', created: '2026-11-02T03:18:36Z', ciliumPool: 5 },
  { key: 'n6', ip: '10.0.57.14', az: 'us-west-2c', type: 't3.large', nodegroup: 'system', created: '2026-10-06T09:50:20Z', ciliumPool: 3 },
  { key: 'n7', ip: '10.0.29.8', az: 'us-west-2a', type: 'm5.large', nodegroup: 'general', created: '2026-11-19T22:04:51Z', ciliumPool: 6 },
];

interface PortSpec {
  name: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

interface PodPlacement {
  node: string;
  /** Device index of the secondary ENI that holds the pod IP (custom networking: never eth0). */
  device: 1 | 2;
  /** Defaults to the ReplicaSet's creation time plus a few seconds. */
  created?: string;
}

interface AppSpec {
  ns: string;
  name: string;
  image: string;
  ports: PortSpec[];
  serviceAccount: string;
  /** Pod template labels; the Deployment selects on all of them. */
  labels: Record<string, string>;
  deploymentCreated: string;
  rsCreated: string;
  requests: { cpu: string; memory: string };
  pods: PodPlacement[];
  args?: string[];
}

/** Pod-network workloads (Deployments). Pod IPs come from the pod subnets through ENIConfig. */
const APPS: AppSpec[] = [
  {
    ns: 'shop', name: 'frontend', image: `${APP_ECR}/shop/frontend:2.14.3`, ports: [{ name: 'http', port: 8080 }],
    serviceAccount: 'frontend', labels: { app: 'frontend' }, deploymentCreated: '2026-06-20T14:02:11Z', rsCreated: '2026-11-12T10:02:31Z',
    requests: { cpu: '250m', memory: '256Mi' },
    pods: [{ node: 'n1', device: 1 }, { node: 'n2', device: 1 }, { node: 'n3', device: 1 }],
  },
  {
    ns: 'shop', name: 'cart', image: `${APP_ECR}/shop/cart:1.9.0`, ports: [{ name: 'grpc', port: 7070 }],
    serviceAccount: 'cart', labels: { app: 'cart' }, deploymentCreated: '2026-06-20T14:02:12Z', rsCreated: '2026-11-12T10:04:10Z',
    requests: { cpu: '200m', memory: '192Mi' },
    pods: [{ node: 'n2', device: 2 }, { node: 'n5', device: 1 }],
  },
  {
    ns: 'shop', name: 'checkout', image: `${APP_ECR}/shop/checkout:3.2.1`, ports: [{ name: 'http', port: 8080 }],
    serviceAccount: 'checkout', labels: { app: 'checkout' }, deploymentCreated: '2026-06-20T14:02:12Z', rsCreated: '2026-11-05T16:20:44Z',
    requests: { cpu: '200m', memory: '256Mi' },
    pods: [{ node: 'n3', device: 1 }, { node: 'n1', device: 2 }],
  },
  {
    ns: 'payments', name: 'api', image: `${APP_ECR}/payments/api:5.0.7`, ports: [{ name: 'https', port: 8443 }],
    serviceAccount: 'api', labels: { app: 'api' }, deploymentCreated: '2026-06-24T08:45:30Z', rsCreated: '2026-11-10T13:45:02Z',
    requests: { cpu: '500m', memory: '512Mi' },
    pods: [{ node: 'n5', device: 1 }, { node: 'n6', device: 1 }],
  },
  {
    // One replica predates Cilium (unmanaged); the other was rescheduled when n5 replaced an old node.
    ns: 'payments', name: 'worker', image: `${APP_ECR}/payments/worker:5.0.7`, ports: [{ name: 'metrics', port: 9090 }],
    serviceAccount: 'worker', labels: { app: 'worker' }, deploymentCreated: '2026-06-24T08:45:31Z', rsCreated: '2026-10-09T07:55:18Z',
    requests: { cpu: '250m', memory: '384Mi' },
    pods: [{ node: 'n2', device: 1, created: '2026-10-09T07:55:19Z' }, { node: 'n5', device: 2, created: '2026-11-02T03:22:05Z' }],
  },
  {
    ns: 'data', name: 'orders-consumer', image: `${APP_ECR}/data/orders-consumer:1.4.2`, ports: [{ name: 'metrics', port: 9090 }],
    serviceAccount: 'orders-consumer', labels: { app: 'orders-consumer' }, deploymentCreated: '2026-07-02T11:30:00Z', rsCreated: '2026-10-22T12:10:00Z',
    requests: { cpu: '300m', memory: '512Mi' },
    pods: [{ node: 'n4', device: 1 }, { node: 'n3', device: 2 }],
  },
  {
    ns: 'data', name: 'events-producer', image: `${APP_ECR}/data/events-producer:0.8.11`, ports: [{ name: 'metrics', port: 9090 }],
    serviceAccount: 'events-producer', labels: { app: 'events-producer' }, deploymentCreated: '2026-07-02T11:30:02Z', rsCreated: '2026-10-22T12:11:30Z',
    requests: { cpu: '100m', memory: '128Mi' },
    pods: [{ node: 'n6', device: 1 }],
  },
  {
    // Predates Cilium: never restarted since, so it has no CiliumEndpoint.
    ns: 'data', name: 'legacy-reporter', image: `${APP_ECR}/data/legacy-reporter:0.3.0`, ports: [],
    serviceAccount: 'default', labels: { app: 'legacy-reporter' }, deploymentCreated: '2026-07-14T09:01:20Z', rsCreated: '2026-07-14T09:01:27Z',
    requests: { cpu: '100m', memory: '256Mi' },
    pods: [{ node: 'n4', device: 1, created: '2026-10-03T04:40:12Z' }],
  },
  {
    ns: 'kube-system', name: 'coredns', image: VERSIONS.coredns,
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }],
    serviceAccount: 'coredns', labels: { 'eks.amazonaws.com/component': 'coredns', 'k8s-app': 'kube-dns' },
    deploymentCreated: T.clusterCreated, rsCreated: '2026-10-14T08:41:03Z', args: ['-conf', '/etc/coredns/Corefile'],
    requests: { cpu: '100m', memory: '70Mi' },
    pods: [{ node: 'n6', device: 2 }, { node: 'n1', device: 1 }],
  },
  {
    ns: 'kube-system', name: 'hubble-relay', image: `quay.io/cilium/hubble-relay:${VERSIONS.cilium}`, ports: [{ name: 'grpc', port: 4245 }],
    serviceAccount: 'hubble-relay', labels: { 'app.kubernetes.io/name': 'hubble-relay', 'app.kubernetes.io/part-of': 'cilium', 'k8s-app': 'hubble-relay' },
    deploymentCreated: addSeconds(T.ciliumInstalled, 0), rsCreated: addSeconds(T.ciliumInstalled, 1), args: ['serve'],
    requests: { cpu: '50m', memory: '64Mi' },
    pods: [{ node: 'n4', device: 2, created: addSeconds(T.ciliumInstalled, 58) }],
  },
];

interface ServicePortSpec {
  name?: string;
  port: number;
  targetPort: number | string;
  protocol?: 'TCP' | 'UDP';
}

interface ServiceSpec {
  ns: string;
  name: string;
  clusterIP: string;
  ports: ServicePortSpec[];
  selector?: Record<string, string>;
  labels?: Record<string, string>;
  type?: 'ClusterIP' | 'LoadBalancer';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  created: string;
}

const NLB_NAME = 'k8s-shop-frontend-6f2a9c1e4b';
const NLB_ID = '8d3f1a7c2e5b9046';
const NLB_HOSTNAME = `${NLB_NAME}-${NLB_ID}.elb.${REGION}.amazonaws.com`;

/** Services (CIDR 172.20.0.0/16). default/kubernetes points at the EKS control-plane ENIs. */
const SERVICES: ServiceSpec[] = [
  { ns: 'default', name: 'kubernetes', clusterIP: '172.20.0.1', ports: [{ name: 'https', port: 443, targetPort: 443 }], labels: { component: 'apiserver', provider: 'kubernetes' }, created: T.clusterCreated },
  { ns: 'kube-system', name: 'kube-dns', clusterIP: '172.20.0.10', selector: { 'k8s-app': 'kube-dns' }, labels: { 'eks.amazonaws.com/component': 'kube-dns', 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' }, ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' }], created: addSeconds(T.clusterCreated, 95) },
  { ns: 'kube-system', name: 'hubble-relay', clusterIP: '172.20.148.27', selector: { 'k8s-app': 'hubble-relay' }, labels: { 'app.kubernetes.io/name': 'hubble-relay', 'app.kubernetes.io/part-of': 'cilium', 'k8s-app': 'hubble-relay' }, ports: [{ port: 80, targetPort: 4245 }], created: addSeconds(T.ciliumInstalled, 0) },
  { ns: 'kube-system', name: 'hubble-peer', clusterIP: '172.20.93.140', selector: { 'k8s-app': 'cilium' }, labels: { 'app.kubernetes.io/name': 'hubble-peer', 'app.kubernetes.io/part-of': 'cilium', 'k8s-app': 'cilium' }, internalTrafficPolicy: 'Local', ports: [{ name: 'peer-service', port: 443, targetPort: 4244 }], created: addSeconds(T.ciliumInstalled, 0) },
  { ns: 'shop', name: 'frontend', clusterIP: '172.20.41.118', selector: { app: 'frontend' }, labels: { app: 'frontend' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], created: '2026-06-20T14:02:11Z' },
  { ns: 'shop', name: 'frontend-nlb', type: 'LoadBalancer', clusterIP: '172.20.203.56', selector: { app: 'frontend' }, labels: { app: 'frontend' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], created: '2026-06-20T14:05:40Z' },
  { ns: 'shop', name: 'cart', clusterIP: '172.20.12.201', selector: { app: 'cart' }, labels: { app: 'cart' }, ports: [{ name: 'grpc', port: 7070, targetPort: 'grpc' }], created: '2026-06-20T14:02:12Z' },
  { ns: 'shop', name: 'checkout', clusterIP: '172.20.77.9', selector: { app: 'checkout' }, labels: { app: 'checkout' }, ports: [{ name: 'http', port: 8080, targetPort: 'http' }], created: '2026-06-20T14:02:12Z' },
  { ns: 'payments', name: 'api', clusterIP: '172.20.160.44', selector: { app: 'api' }, labels: { app: 'api' }, ports: [{ name: 'https', port: 443, targetPort: 8443 }], created: '2026-06-24T08:45:30Z' },
];

const NAMESPACES: Array<{ name: string; created: string }> = [
  { name: 'default', created: T.clusterCreated },
  { name: 'kube-node-lease', created: T.clusterCreated },
  { name: 'kube-public', created: T.clusterCreated },
  { name: 'kube-system', created: T.clusterCreated },
  { name: 'shop', created: '2026-06-20T13:58:02Z' },
  { name: 'payments', created: '2026-06-24T08:40:17Z' },
  { name: 'data', created: '2026-07-02T11:28:45Z' },
];

/** Managed services in the data subnets. */
const RDS_ENIS = [
  { az: 'us-west-2a', ip: '10.0.100.45' },
  { az: 'us-west-2b', ip: '10.0.101.148' },
];
const MSK_BROKERS = [
  { broker: 1, az: 'us-west-2a', ip: '10.0.100.172' },
  { broker: 2, az: 'us-west-2b', ip: '10.0.101.23' },
  { broker: 3, az: 'us-west-2c', ip: '10.0.102.96' },
];
/** Cross-account ENIs of the EKS control plane (the endpoints of default/kubernetes). */
const EKS_CONTROL_PLANE_ENIS = [
  { az: 'us-west-2a', ip: '10.0.19.220' },
  { az: 'us-west-2b', ip: '10.0.44.73' },
];

// =====================================================================================================
// Deterministic helpers
// =====================================================================================================

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** `<prefix>-0` followed by 16 hex digits (17 in all), like EC2 ids. */
function awsId(prefix: string, key: string): string {
  return `${prefix}-0${sha256(`${prefix}/${key}`).slice(0, 16)}`;
}

function uuid(key: string): string {
  const h = sha256(`uuid/${key}`);
  const variant = '89ab'[parseInt(h[16]!, 16) % 4];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Kubernetes' "safe" alphabet for generated name suffixes and hashes. */
const K8S_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function k8sSuffix(key: string, n: number): string {
  const bytes = createHash('sha256').update(key).digest();
  let out = '';
  for (let i = 0; i < n; i++) out += K8S_ALPHABET[bytes[i]! % K8S_ALPHABET.length];
  return out;
}

/**
 * pod-template-hash / controller-revision-hash: Kubernetes encodes the decimal form of a 32-bit hash with
 * rand.SafeEncodeString, so these only contain the characters 4-9, b, c, d, f.
 */
function templateHash(key: string): string {
  const decimal = String(parseInt(sha256(`template/${key}`).slice(0, 8), 16));
  return [...decimal].map((ch) => K8S_ALPHABET[ch.charCodeAt(0) % K8S_ALPHABET.length]).join('');
}

/** The generator's PRNG (mulberry32), seeded from a key. */
function rng(key: string): () => number {
  return seededRandom(parseInt(sha256(`rng/${key}`).slice(0, 8), 16));
}

function mac(key: string): string {
  const h = sha256(`mac/${key}`);
  return ['02', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function maxTime(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** RFC 3339 with nanoseconds, as Go's time.Time marshals it. */
function withNanos(iso: string, key: string): string {
  const ns = String(parseInt(sha256(`ns/${key}`).slice(0, 8), 16) % 1_000_000_000).padStart(9, '0');
  return iso.replace(/Z$/, `.${ns}Z`);
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function cidrRange(cidr: string): { base: number; size: number } {
  const [ip, len] = cidr.split('/');
  return { base: ipToInt(ip!), size: 2 ** (32 - Number(len)) };
}

function inCidr(ip: string, cidr: string): boolean {
  const { base, size } = cidrRange(cidr);
  const n = ipToInt(ip);
  return n >= base && n < base + size;
}

function ipDnsName(ip: string): string {
  return `ip-${ip.replace(/\./g, '-')}.${REGION}.compute.internal`;
}

function tags(map: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}

/** Hands out IPs; every address in the snapshot goes through here, so none is used twice. */
class IpAllocator {
  private readonly used = new Set<string>();

  reserve(ip: string, cidr: string, what: string): string {
    if (!inCidr(ip, cidr)) throw new Error(`${what}: ${ip} is not in ${cidr}`);
    if (this.used.has(ip)) throw new Error(`${what}: ${ip} is already used`);
    const { base, size } = cidrRange(cidr);
    const n = ipToInt(ip);
    if (n - base < 4 || n === base + size - 1) throw new Error(`${what}: ${ip} is reserved by AWS in ${cidr}`);
    this.used.add(ip);
    return ip;
  }

  /** `count` random free addresses of `cidr` (not the 4 first nor the last, which AWS reserves). */
  pick(cidr: string, count: number, key: string): string[] {
    const { base, size } = cidrRange(cidr);
    const rand = rng(key);
    const out: string[] = [];
    while (out.length < count) {
      const ip = intToIp(base + 4 + Math.floor(rand() * (size - 5)));
      if (this.used.has(ip)) continue;
      this.used.add(ip);
      out.push(ip);
    }
    return out;
  }
}

// =====================================================================================================
// Model: the cluster derived from the tables (ids, ENIs, IPs, pods, identities)
// =====================================================================================================

type Tier = 'public' | 'node' | 'pod' | 'data';

interface Subnet {
  id: string;
  name: string;
  cidr: string;
  az: AzSpec;
  tier: Tier;
  routeTableId: string;
}

interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  ingress: Json[];
  egress: Json[];
}

interface Eni {
  id: string;
  subnet: Subnet;
  primaryIp: string;
  secondaryIps: string[];
  mac: string;
  description: string;
  interfaceType: string;
  groups: SecurityGroup[];
  tags: Record<string, string>;
  requesterManaged: boolean;
  requesterId?: string;
  sourceDestCheck: boolean;
  created: string;
  attachment: Json;
  publicIp?: string;
  publicIpOwner?: string;
  /** For node ENIs. */
  node?: NodeModel;
  device?: number;
}

interface NodeModel {
  spec: NodeSpec;
  name: string;
  az: AzSpec;
  instanceId: string;
  uid: string;
  enis: Eni[];
  limits: (typeof INSTANCE_TYPES)[string];
  maxPods: number;
  ciliumInternalIp: string;
  ciliumPodCidr: string;
  policyRevision: number;
}

interface IdentityModel {
  id: number;
  labels: string[];
  k8sLabels: Record<string, string>;
  created: string;
}

interface PodModel {
  ns: string;
  name: string;
  uid: string;
  node: NodeModel;
  ip: string;
  hostNetwork: boolean;
  created: string;
  labels: Record<string, string>;
  owner: { kind: 'ReplicaSet' | 'DaemonSet'; name: string; uid: string };
  workload: { kind: 'Deployment' | 'DaemonSet'; name: string };
  containers: Json[];
  containerStatuses: Json[];
  serviceAccount: string;
  ports: PortSpec[];
  sandboxId: string;
  eni?: Eni;
  /** Only for pods created after Cilium. */
  cep?: { id: number; identity: IdentityModel; created: string };
  specExtra: Record<string, Json>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };

interface Model {
  subnets: Subnet[];
  sgs: Record<'cluster' | 'node' | 'pod' | 'rds' | 'msk' | 'nlb' | 'default', SecurityGroup>;
  igwId: string;
  tgwId: string;
  natGateways: Array<{ id: string; az: AzSpec; eni: Eni; allocationId: string; associationId: string; created: string }>;
  routeTables: Array<{ id: string; name: string; main: boolean; az?: AzSpec; subnets: Subnet[]; routes: Json[] }>;
  nodes: NodeModel[];
  enis: Eni[];
  pods: PodModel[];
  identities: IdentityModel[];
  rsHash: Map<string, string>;
  dsHash: Map<string, string>;
}

function subnetOf(model: Pick<Model, 'subnets'>, az: string, tier: Tier): Subnet {
  const s = model.subnets.find((x) => x.az.name === az && x.tier === tier);
  if (!s) throw new Error(`no ${tier} subnet in ${az}`);
  return s;
}

function nodeByKey(model: Pick<Model, 'nodes'>, key: string): NodeModel {
  const n = model.nodes.find((x) => x.spec.key === key);
  if (!n) throw new Error(`unknown node ${key}`);
  return n;
}

function buildSecurityGroups(): Model['sgs'] {
  const sg = (key: string, name: string, description: string, extraTags: Record<string, string> = {}): SecurityGroup => ({
    id: awsId('sg', key), name, description, tags: extraTags, ingress: [], egress: [],
  });
  const sgs = {
    default: sg('default', 'default', 'default VPC security group'),
    cluster: sg('cluster', `eks-cluster-sg-${CLUSTER}-1375406893`, 'EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.', { Name: `eks-cluster-sg-${CLUSTER}-1375406893`, [`kubernetes.io/cluster/${CLUSTER}`]: 'owned', 'aws:eks:cluster-name': CLUSTER }),
    node: sg('node', `${CLUSTER}-node`, 'EKS node shared security group', { Name: `${CLUSTER}-node`, [`kubernetes.io/cluster/${CLUSTER}`]: 'owned' }),
    pod: sg('pod', `${CLUSTER}-pods`, 'Pod ENIs (ENIConfig custom networking)', { Name: `${CLUSTER}-pods`, [`kubernetes.io/cluster/${CLUSTER}`]: 'owned' }),
    rds: sg('rds', `${CLUSTER}-rds-orders`, 'RDS PostgreSQL orders database', { Name: `${CLUSTER}-rds-orders` }),
    msk: sg('msk', `${CLUSTER}-msk-events`, 'MSK cluster shop-events brokers', { Name: `${CLUSTER}-msk-events` }),
    nlb: sg('nlb', 'k8s-shop-frontendnlb-5c1e0a9f3b', '[k8s] Managed SecurityGroup for LoadBalancer', { 'elbv2.k8s.aws/cluster': CLUSTER, 'service.k8s.aws/resource': 'ManagedLBSecurityGroup', 'service.k8s.aws/stack': 'shop/frontend-nlb' }),
  };
  const allOut: Json = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
  const fromGroup = (proto: string, from: number | undefined, to: number | undefined, g: SecurityGroup, description?: string): Json => ({
    IpProtocol: proto, FromPort: from, ToPort: to, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [],
    UserIdGroupPairs: [{ Description: description, GroupId: g.id, UserId: ACCOUNT }],
  });
  const fromCidr = (proto: string, from: number, to: number, cidr: string, description: string): Json => ({
    IpProtocol: proto, FromPort: from, ToPort: to, IpRanges: [{ CidrIp: cidr, Description: description }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [],
  });
  sgs.default.ingress = [fromGroup('-1', undefined, undefined, sgs.default)];
  sgs.default.egress = [allOut];
  sgs.cluster.ingress = [fromGroup('-1', undefined, undefined, sgs.cluster), fromGroup('tcp', 443, 443, sgs.node, 'Nodes to cluster API'), fromGroup('tcp', 443, 443, sgs.pod, 'Pods to cluster API')];
  sgs.cluster.egress = [allOut];
  sgs.node.ingress = [
    fromGroup('-1', undefined, undefined, sgs.node, 'Node to node'),
    fromGroup('tcp', 443, 443, sgs.cluster, 'Cluster API to node webhooks'),
    fromGroup('tcp', 10250, 10250, sgs.cluster, 'Cluster API to kubelet'),
    fromGroup('-1', undefined, undefined, sgs.pod, 'Pods to nodes'),
  ];
  sgs.node.egress = [allOut];
  sgs.pod.ingress = [
    fromGroup('-1', undefined, undefined, sgs.pod, 'Pod to pod'),
    fromGroup('-1', undefined, undefined, sgs.node, 'Nodes (kubelet probes, host-network pods) to pods'),
    fromGroup('tcp', 443, 443, sgs.cluster, 'Cluster API to webhooks'),
    fromGroup('tcp', 8080, 8080, sgs.nlb, 'NLB to frontend pods (IP targets)'),
  ];
  sgs.pod.egress = [allOut];
  sgs.rds.ingress = [fromGroup('tcp', 5432, 5432, sgs.pod, 'Pods'), fromCidr('tcp', 5432, 5432, '100.64.0.0/16', 'Pod subnets')];
  sgs.rds.egress = [allOut];
  sgs.msk.ingress = [fromGroup('tcp', 9092, 9092, sgs.pod, 'Kafka plaintext from pods'), fromGroup('tcp', 9094, 9094, sgs.pod, 'Kafka TLS from pods'), fromCidr('tcp', 9094, 9094, '100.64.0.0/16', 'Kafka TLS from pod subnets')];
  sgs.msk.egress = [allOut];
  sgs.nlb.ingress = [fromCidr('tcp', 80, 80, '0.0.0.0/0', '')];
  sgs.nlb.egress = [allOut];
  return sgs;
}

function buildModel(): Model {
  const ips = new IpAllocator();
  const sgs = buildSecurityGroups();
  const igwId = awsId('igw', 'main');
  const tgwId = awsId('tgw', 'corp');

  // ---- subnets and route tables
  const subnets: Subnet[] = [];
  const routeTables: Model['routeTables'] = [];
  const publicRtb = awsId('rtb', 'public');
  const localRoutes: Json[] = VPC_CIDRS.map((c) => ({ DestinationCidrBlock: c, GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }));
  for (const az of AZS) {
    const privateRtb = awsId('rtb', `private-${az.name}`);
    subnets.push({ id: awsId('subnet', `public-${az.name}`), name: `${CLUSTER}-public-${az.name}`, cidr: az.publicCidr, az, tier: 'public', routeTableId: publicRtb });
    subnets.push({ id: awsId('subnet', `node-${az.name}`), name: `${CLUSTER}-nodes-${az.name}`, cidr: az.nodeCidr, az, tier: 'node', routeTableId: privateRtb });
    subnets.push({ id: awsId('subnet', `pod-${az.name}`), name: `${CLUSTER}-pods-${az.name}`, cidr: az.podCidr, az, tier: 'pod', routeTableId: privateRtb });
    subnets.push({ id: awsId('subnet', `data-${az.name}`), name: `${CLUSTER}-data-${az.name}`, cidr: az.dataCidr, az, tier: 'data', routeTableId: privateRtb });
  }

  // ---- NAT gateways (their ENIs are requester-managed, in the public subnets)
  const natGateways: Model['natGateways'] = [];
  const enis: Eni[] = [];
  for (const az of AZS) {
    const subnet = subnetOf({ subnets }, az.name, 'public');
    const natId = awsId('nat', az.name);
    const created = addSeconds(T.vpcCreated, 210 + AZS.indexOf(az) * 3);
    const eni: Eni = {
      id: awsId('eni', `nat-${az.name}`), subnet, primaryIp: ips.reserve(az.natPrivateIp, subnet.cidr, 'NAT gateway'), secondaryIps: [],
      mac: mac(`nat-${az.name}`), description: `Interface for NAT Gateway ${natId}`, interfaceType: 'nat_gateway', groups: [], tags: {},
      requesterManaged: true, requesterId: '441315384102', sourceDestCheck: false, created,
      attachment: { AttachmentId: awsId('ela-attach', `nat-${az.name}`), DeleteOnTermination: false, DeviceIndex: 1, InstanceOwnerId: 'amazon-aws', Status: 'attached' },
      publicIp: az.natPublicIp, publicIpOwner: 'amazon',
    };
    enis.push(eni);
    natGateways.push({ id: natId, az, eni, allocationId: awsId('eipalloc', `nat-${az.name}`), associationId: awsId('eipassoc', `nat-${az.name}`), created });
  }

  routeTables.push({ id: awsId('rtb', 'main'), name: `${CLUSTER}-main`, main: true, subnets: [], routes: [...localRoutes] });
  routeTables.push({
    id: publicRtb, name: `${CLUSTER}-public`, main: false, subnets: subnets.filter((s) => s.tier === 'public'),
    routes: [...localRoutes, { DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId, Origin: 'CreateRoute', State: 'active' }],
  });
  for (const az of AZS) {
    const nat = natGateways.find((n) => n.az === az)!;
    routeTables.push({
      id: awsId('rtb', `private-${az.name}`), name: `${CLUSTER}-private-${az.name}`, main: false, az,
      subnets: subnets.filter((s) => s.az === az && s.tier !== 'public'),
      routes: [
        ...localRoutes,
        { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat.id, Origin: 'CreateRoute', State: 'active' },
        { DestinationCidrBlock: ON_PREM_CIDR, TransitGatewayId: tgwId, Origin: 'CreateRoute', State: 'active' },
      ],
    });
  }

  // ---- nodes and their ENIs
  const nodes: NodeModel[] = NODES.map((spec) => {
    const az = AZS.find((a) => a.name === spec.az)!;
    const limits = INSTANCE_TYPES[spec.type]!;
    const name = ipDnsName(spec.ip);
    const ciliumPodCidr = `${CILIUM_POOL_PREFIX}.${spec.ciliumPool}.0/24`;
    return {
      spec, name, az, limits,
      instanceId: awsId('i', spec.key),
      uid: uuid(`node/${name}`),
      enis: [],
      // Custom networking: the primary ENI holds no pod IPs.
      maxPods: (limits.enis - 1) * (limits.ipv4PerEni - 1) + 2,
      ciliumInternalIp: `${CILIUM_POOL_PREFIX}.${spec.ciliumPool}.${17 + (parseInt(sha256(name).slice(0, 2), 16) % 200)}`,
      ciliumPodCidr,
      policyRevision: 30 + (parseInt(sha256(`rev/${name}`).slice(0, 2), 16) % 40),
    };
  });

  // Secondary ENIs needed per node: WARM_ENI_TARGET=1 keeps a full spare ENI of free IPs, so a node with
  // pods on eth1 also has a full eth2 (up to the instance's ENI limit).
  const podCountByNode = new Map<string, number>();
  for (const app of APPS) for (const p of app.pods) podCountByNode.set(p.node, (podCountByNode.get(p.node) ?? 0) + 1);

  for (const node of nodes) {
    const nodeSubnet = subnetOf({ subnets }, node.az.name, 'node');
    const podSubnet = subnetOf({ subnets }, node.az.name, 'pod');
    const perEni = node.limits.ipv4PerEni - 1;
    const podCount = podCountByNode.get(node.spec.key) ?? 0;
    let secondaryEnis = 1;
    while (secondaryEnis < node.limits.enis - 1 && secondaryEnis * perEni - podCount < perEni) secondaryEnis++;
    const devices = 1 + secondaryEnis;
    for (let device = 0; device < devices; device++) {
      const key = `${node.spec.key}/eth${device}`;
      const created = device === 0 ? node.spec.created : addSeconds(node.spec.created, 38 + device * 6);
      const eniId = awsId('eni', key);
      const attachment: Json = {
        AttachTime: device === 0 ? node.spec.created.replace('Z', '.000Z') : created.replace('Z', '.000Z'),
        AttachmentId: awsId('eni-attach', key), DeleteOnTermination: true, DeviceIndex: device, NetworkCardIndex: 0,
        InstanceId: node.instanceId, InstanceOwnerId: ACCOUNT, Status: 'attached',
      };
      if (device === 0) {
        enis.push(node.enis[0] = {
          id: eniId, subnet: nodeSubnet, primaryIp: ips.reserve(node.spec.ip, nodeSubnet.cidr, node.name), secondaryIps: [],
          mac: mac(key), description: '', interfaceType: 'interface', groups: [sgs.cluster, sgs.node], tags: {},
          requesterManaged: false, sourceDestCheck: true, created, attachment, node, device,
        });
      } else {
        const [primary, ...secondary] = ips.pick(podSubnet.cidr, node.limits.ipv4PerEni, `eni/${key}`);
        enis.push(node.enis[device] = {
          id: eniId, subnet: podSubnet, primaryIp: primary!, secondaryIps: secondary,
          mac: mac(key), description: `aws-K8S-${node.instanceId}`, interfaceType: 'interface', groups: [sgs.pod],
          tags: {
            'cluster.k8s.amazonaws.com/name': CLUSTER,
            'eks:eni:owner': 'amazon-vpc-cni',
            'node.k8s.amazonaws.com/createdAt': created,
            'node.k8s.amazonaws.com/instance_id': node.instanceId,
          },
          requesterManaged: false, sourceDestCheck: true, created, attachment, node, device,
        });
      }
    }
  }

  // ---- load balancer, RDS, MSK and EKS control-plane ENIs
  for (const az of AZS) {
    const subnet = subnetOf({ subnets }, az.name, 'public');
    enis.push({
      id: awsId('eni', `nlb-${az.name}`), subnet, primaryIp: ips.reserve(az.nlbPrivateIp, subnet.cidr, 'NLB'), secondaryIps: [],
      mac: mac(`nlb-${az.name}`), description: `ELB net/${NLB_NAME}/${NLB_ID}`, interfaceType: 'network_load_balancer', groups: [sgs.nlb], tags: {},
      requesterManaged: true, requesterId: 'amazon-elb', sourceDestCheck: true, created: '2026-06-20T14:06:22Z',
      attachment: { AttachmentId: awsId('ela-attach', `nlb-${az.name}`), DeleteOnTermination: false, DeviceIndex: 1, InstanceOwnerId: 'amazon-elb', Status: 'attached' },
      publicIp: az.nlbPublicIp, publicIpOwner: 'amazon',
    });
  }
  for (const r of RDS_ENIS) {
    const subnet = subnetOf({ subnets }, r.az, 'data');
    enis.push({
      id: awsId('eni', `rds-${r.az}`), subnet, primaryIp: ips.reserve(r.ip, subnet.cidr, 'RDS'), secondaryIps: [],
      mac: mac(`rds-${r.az}`), description: 'RDSNetworkInterface', interfaceType: 'interface', groups: [sgs.rds], tags: {},
      requesterManaged: true, requesterId: 'amazon-rds', sourceDestCheck: true, created: '2026-06-12T16:40:05Z',
      attachment: { AttachmentId: awsId('eni-attach', `rds-${r.az}`), DeleteOnTermination: false, DeviceIndex: 1, NetworkCardIndex: 0, InstanceOwnerId: 'amazon-rds', Status: 'attached' },
    });
  }
  for (const b of MSK_BROKERS) {
    const subnet = subnetOf({ subnets }, b.az, 'data');
    enis.push({
      id: awsId('eni', `msk-${b.broker}`), subnet, primaryIp: ips.reserve(b.ip, subnet.cidr, 'MSK'), secondaryIps: [],
      mac: mac(`msk-${b.broker}`), description: `[DO NOT DELETE] ENI managed by Amazon MSK for broker ${b.broker} of cluster shop-events`, interfaceType: 'interface',
      groups: [sgs.msk], tags: {}, requesterManaged: true, requesterId: '580247275435', sourceDestCheck: true, created: '2026-06-15T10:22:48Z',
      attachment: { AttachmentId: awsId('eni-attach', `msk-${b.broker}`), DeleteOnTermination: false, DeviceIndex: 1, NetworkCardIndex: 0, InstanceOwnerId: '580247275435', Status: 'attached' },
    });
  }
  for (const e of EKS_CONTROL_PLANE_ENIS) {
    const subnet = subnetOf({ subnets }, e.az, 'node');
    enis.push({
      id: awsId('eni', `eks-${e.az}`), subnet, primaryIp: ips.reserve(e.ip, subnet.cidr, 'EKS control plane'), secondaryIps: [],
      mac: mac(`eks-${e.az}`), description: `Amazon EKS ${CLUSTER}`, interfaceType: 'interface', groups: [sgs.cluster], tags: {},
      requesterManaged: true, requesterId: '406581225617', sourceDestCheck: true, created: '2026-11-17T03:11:52Z',
      attachment: { AttachTime: '2026-11-17T03:11:53.000Z', AttachmentId: awsId('eni-attach', `eks-${e.az}`), DeleteOnTermination: false, DeviceIndex: 1, NetworkCardIndex: 0, InstanceOwnerId: '406581225617', Status: 'attached' },
    });
  }

  // ---- pods
  const pods: PodModel[] = [];
  const identities: IdentityModel[] = [];
  const rsHash = new Map<string, string>();
  const dsHash = new Map<string, string>();
  const identityByKey = new Map<string, IdentityModel>();
  const cepIdsByNode = new Map<string, Set<number>>();
  const takenSecondary = new Set<string>();

  const identityFor = (pod: { ns: string; labels: Record<string, string>; serviceAccount: string; created: string }): IdentityModel => {
    const own = Object.entries(pod.labels).filter(([k]) => k !== 'pod-template-hash' && k !== 'controller-revision-hash' && k !== 'pod-template-generation');
    const labels = [
      ...own.map(([k, v]) => `k8s:${k}=${v}`),
      `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${pod.ns}`,
      'k8s:io.cilium.k8s.policy.cluster=default',
      `k8s:io.cilium.k8s.policy.serviceaccount=${pod.serviceAccount}`,
      `k8s:io.kubernetes.pod.namespace=${pod.ns}`,
    ].sort();
    const key = labels.join(',');
    let identity = identityByKey.get(key);
    if (!identity) {
      let id = 256 + (parseInt(sha256(`identity/${key}`).slice(0, 8), 16) % 65000);
      while (identities.some((i) => i.id === id)) id++;
      const k8sLabels: Record<string, string> = Object.fromEntries(own);
      k8sLabels['io.cilium.k8s.policy.cluster'] = 'default';
      k8sLabels['io.cilium.k8s.policy.serviceaccount'] = pod.serviceAccount;
      k8sLabels['io.kubernetes.pod.namespace'] = pod.ns;
      identity = { id, labels, k8sLabels, created: addSeconds(pod.created, 2) };
      identities.push(identity);
      identityByKey.set(key, identity);
    }
    return identity;
  };

  const cepIdFor = (node: NodeModel, key: string): number => {
    const taken = cepIdsByNode.get(node.name) ?? new Set<number>();
    cepIdsByNode.set(node.name, taken);
    let id = 1 + (parseInt(sha256(`cep/${key}`).slice(0, 6), 16) % 4095);
    while (taken.has(id)) id = (id % 4095) + 1;
    taken.add(id);
    return id;
  };

  const containerStatus = (name: string, image: string, podKey: string, started: string): Json => ({
    containerID: `containerd://${sha256(`container/${podKey}/${name}`)}`,
    image,
    imageID: `${image.split(':')[0]}@sha256:${sha256(`image/${image}`)}`,
    lastState: {},
    name,
    ready: true,
    restartCount: 0,
    started: true,
    state: { running: { startedAt: started } },
  });

  for (const app of APPS) {
    const hash = templateHash(`rs/${app.ns}/${app.name}/${app.rsCreated}`);
    rsHash.set(`${app.ns}/${app.name}`, hash);
    const rsName = `${app.name}-${hash}`;
    app.pods.forEach((placement, i) => {
      const node = nodeByKey({ nodes }, placement.node);
      const name = `${rsName}-${k8sSuffix(`pod/${app.ns}/${rsName}/${i}`, 5)}`;
      const created = placement.created ?? addSeconds(app.rsCreated, 2 + i * 3);
      if (Date.parse(created) < Date.parse(node.spec.created)) throw new Error(`${app.ns}/${name} created before its node`);
      const eni = node.enis[placement.device];
      if (!eni) throw new Error(`${node.name} has no eth${placement.device}`);
      const ip = eni.secondaryIps.find((x) => !takenSecondary.has(x));
      if (!ip) throw new Error(`${eni.id} is full`);
      takenSecondary.add(ip);
      const labels = { ...app.labels, 'pod-template-hash': hash };
      const podKey = `${app.ns}/${name}`;
      const started = addSeconds(created, 4);
      const pod: PodModel = {
        ns: app.ns, name, uid: uuid(`pod/${podKey}`), node, ip, hostNetwork: false, created, labels,
        owner: { kind: 'ReplicaSet', name: rsName, uid: uuid(`replicaset/${app.ns}/${rsName}`) },
        workload: { kind: 'Deployment', name: app.name },
        containers: [appContainer(app)],
        containerStatuses: [containerStatus(app.name, app.image, podKey, started)],
        serviceAccount: app.serviceAccount, ports: app.ports, sandboxId: sha256(`sandbox/${podKey}`), eni,
        specExtra: app.ns === 'kube-system' && app.name === 'coredns' ? { priorityClassName: 'system-cluster-critical', priority: 2000000000 } : {},
      };
      if (Date.parse(created) > Date.parse(T.ciliumInstalled)) {
        pod.cep = { id: cepIdFor(node, podKey), identity: identityFor({ ns: app.ns, labels, serviceAccount: app.serviceAccount, created }), created: addSeconds(created, 3) };
      }
      pods.push(pod);
    });
  }

  // DaemonSet pods (host network) and cilium-operator (host network, one replica).
  const daemonSets: Array<{ name: string; created: string; podDelay: number; labels: Record<string, string>; containers: (node: NodeModel) => Json[]; serviceAccount: string; statusNames: string[]; image: string }> = [
    { name: 'aws-node', created: T.clusterCreated, podDelay: 4, labels: { 'app.kubernetes.io/instance': 'aws-vpc-cni', 'app.kubernetes.io/name': 'aws-node', 'k8s-app': 'aws-node' }, containers: () => awsNodeContainers(), serviceAccount: 'aws-node', statusNames: ['aws-node', 'aws-eks-nodeagent'], image: VERSIONS.vpcCniImage },
    { name: 'kube-proxy', created: T.clusterCreated, podDelay: 5, labels: { 'k8s-app': 'kube-proxy' }, containers: () => [kubeProxyContainer()], serviceAccount: 'kube-proxy', statusNames: ['kube-proxy'], image: VERSIONS.kubeProxyImage },
    { name: 'cilium', created: T.ciliumInstalled, podDelay: 7, labels: { 'app.kubernetes.io/name': 'cilium-agent', 'app.kubernetes.io/part-of': 'cilium', 'k8s-app': 'cilium' }, containers: () => [ciliumAgentContainer()], serviceAccount: 'cilium', statusNames: ['cilium-agent'], image: `quay.io/cilium/cilium:${VERSIONS.cilium}` },
  ];
  for (const ds of daemonSets) {
    const revision = templateHash(`ds/${ds.name}/${ds.created}`);
    dsHash.set(ds.name, revision);
    for (const node of nodes) {
      const name = `${ds.name}-${k8sSuffix(`dspod/${ds.name}/${node.name}`, 5)}`;
      const created = addSeconds(maxTime(ds.created, node.spec.created), ds.podDelay + (ds.name === 'cilium' ? nodes.indexOf(node) * 2 : 0));
      const podKey = `kube-system/${name}`;
      const containers = ds.containers(node);
      pods.push({
        ns: 'kube-system', name, uid: uuid(`pod/${podKey}`), node, ip: node.spec.ip, hostNetwork: true, created,
        labels: { ...ds.labels, 'controller-revision-hash': revision, 'pod-template-generation': ds.name === 'aws-node' ? '4' : '1' },
        owner: { kind: 'DaemonSet', name: ds.name, uid: uuid(`daemonset/kube-system/${ds.name}`) },
        workload: { kind: 'DaemonSet', name: ds.name },
        containers,
        containerStatuses: ds.statusNames.map((c, i) => containerStatus(c, i === 0 ? ds.image : VERSIONS.networkPolicyAgentImage, podKey, addSeconds(created, 3))),
        serviceAccount: ds.serviceAccount, ports: [], sandboxId: sha256(`sandbox/${podKey}`),
        specExtra: {
          priorityClassName: 'system-node-critical', priority: 2000001000,
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node.name] }] }] } } },
        },
      });
    }
  }
  {
    const hash = templateHash(`rs/kube-system/cilium-operator/${T.ciliumInstalled}`);
    rsHash.set('kube-system/cilium-operator', hash);
    const rsName = `cilium-operator-${hash}`;
    const node = nodeByKey({ nodes }, 'n6');
    const name = `${rsName}-${k8sSuffix(`pod/kube-system/${rsName}/0`, 5)}`;
    const created = addSeconds(T.ciliumInstalled, 2);
    const podKey = `kube-system/${name}`;
    pods.push({
      ns: 'kube-system', name, uid: uuid(`pod/${podKey}`), node, ip: node.spec.ip, hostNetwork: true, created,
      labels: { ...ciliumOperatorLabels(), 'pod-template-hash': hash },
      owner: { kind: 'ReplicaSet', name: rsName, uid: uuid(`replicaset/kube-system/${rsName}`) },
      workload: { kind: 'Deployment', name: 'cilium-operator' },
      containers: [ciliumOperatorContainer()],
      containerStatuses: [containerStatus('cilium-operator', `quay.io/cilium/operator-generic:${VERSIONS.cilium}`, podKey, addSeconds(created, 3))],
      serviceAccount: 'cilium-operator', ports: [], sandboxId: sha256(`sandbox/${podKey}`),
      specExtra: { priorityClassName: 'system-cluster-critical', priority: 2000000000 },
    });
  }

  pods.sort((a, b) => (a.ns === b.ns ? a.name.localeCompare(b.name) : a.ns.localeCompare(b.ns)));
  identities.sort((a, b) => a.id - b.id);
  return { subnets, sgs, igwId, tgwId, natGateways, routeTables, nodes, enis, pods, identities, rsHash, dsHash };
}

// =====================================================================================================
// Container templates
// =====================================================================================================

function appContainer(app: AppSpec): Json {
  const c: Record<string, Json | undefined> = {
    name: app.name,
    image: app.image,
    imagePullPolicy: 'IfNotPresent',
    args: app.args,
    ports: app.ports.length ? app.ports.map((p) => ({ containerPort: p.port, name: p.name, protocol: p.protocol ?? 'TCP' })) : undefined,
    resources: { limits: { memory: app.requests.memory }, requests: app.requests },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
  const probePort = app.ports.find((p) => p.protocol !== 'UDP');
  if (probePort && app.name !== 'coredns') {
    c.readinessProbe = { failureThreshold: 3, periodSeconds: 10, successThreshold: 1, tcpSocket: { port: probePort.name }, timeoutSeconds: 1 };
  }
  if (app.name === 'coredns') {
    c.readinessProbe = { failureThreshold: 3, httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 };
    c.volumeMounts = [{ mountPath: '/etc/coredns', name: 'config-volume', readOnly: true }];
  }
  return c as Json;
}

function awsNodeEnv(): Json[] {
  const env: Array<[string, string]> = [
    ['ADDITIONAL_ENI_TAGS', '{}'],
    ['ANNOTATE_POD_IP', 'false'],
    ['AWS_VPC_CNI_NODE_PORT_SUPPORT', 'true'],
    ['AWS_VPC_ENI_MTU', '9001'],
    ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', 'true'],
    ['AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', ''],
    ['AWS_VPC_K8S_CNI_EXTERNALSNAT', 'false'],
    ['AWS_VPC_K8S_CNI_LOGLEVEL', 'DEBUG'],
    ['AWS_VPC_K8S_CNI_LOG_FILE', '/host/var/log/aws-routed-eni/ipamd.log'],
    ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'prng'],
    ['AWS_VPC_K8S_CNI_VETHPREFIX', 'eni'],
    ['AWS_VPC_K8S_PLUGIN_LOG_FILE', '/var/log/aws-routed-eni/plugin.log'],
    ['AWS_VPC_K8S_PLUGIN_LOG_LEVEL', 'DEBUG'],
    ['CLUSTER_NAME', CLUSTER],
    ['DISABLE_INTROSPECTION', 'false'],
    ['DISABLE_METRICS', 'false'],
    ['DISABLE_NETWORK_RESOURCE_PROVISIONING', 'false'],
    ['ENABLE_IPv4', 'true'],
    ['ENABLE_IPv6', 'false'],
    ['ENABLE_POD_ENI', 'false'],
    ['ENABLE_PREFIX_DELEGATION', 'false'],
    ['ENABLE_SUBNET_DISCOVERY', 'true'],
    ['ENI_CONFIG_LABEL_DEF', 'topology.kubernetes.io/zone'],
    ['NETWORK_POLICY_ENFORCING_MODE', 'standard'],
    ['VPC_CNI_VERSION', VERSIONS.vpcCni],
    ['VPC_ID', VPC_ID],
    ['WARM_ENI_TARGET', '1'],
    ['WARM_PREFIX_TARGET', '1'],
  ];
  return [
    ...env.map(([name, value]) => ({ name, value })),
    { name: 'MY_NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
    { name: 'MY_POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
  ];
}

function awsNodeContainers(): Json[] {
  return [
    {
      env: awsNodeEnv(),
      image: VERSIONS.vpcCniImage,
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: { exec: { command: ['/app/grpc-health-probe', '-addr=:50051', '-connect-timeout=5s', '-rpc-timeout=5s'] }, failureThreshold: 3, initialDelaySeconds: 60, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 10 },
      name: 'aws-node',
      ports: [{ containerPort: 61678, hostPort: 61678, name: 'metrics', protocol: 'TCP' }],
      readinessProbe: { exec: { command: ['/app/grpc-health-probe', '-addr=:50051', '-connect-timeout=5s', '-rpc-timeout=5s'] }, failureThreshold: 3, initialDelaySeconds: 1, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 10 },
      resources: { requests: { cpu: '25m' } },
      securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      volumeMounts: [
        { mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' },
        { mountPath: '/host/etc/cni/net.d', name: 'cni-net-dir' },
        { mountPath: '/host/var/log/aws-routed-eni', name: 'log-dir' },
        { mountPath: '/var/run/aws-node', name: 'run-dir' },
        { mountPath: '/run/xtables.lock', name: 'xtables-lock' },
      ],
    },
    {
      args: ['--enable-ipv6=false', '--enable-network-policy=false', '--enable-cloudwatch-logs=false', '--enable-policy-event-logs=false', '--log-file=/var/log/aws-routed-eni/network-policy-agent.log', '--metrics-bind-addr=:8162', '--health-probe-bind-addr=:8163', '--conntrack-cache-cleanup-period=300', '--log-level=debug'],
      env: [{ name: 'MY_NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
      image: VERSIONS.networkPolicyAgentImage,
      imagePullPolicy: 'IfNotPresent',
      name: 'aws-eks-nodeagent',
      ports: [{ containerPort: 8162, hostPort: 8162, name: 'agentmetrics', protocol: 'TCP' }],
      resources: { requests: { cpu: '25m' } },
      securityContext: { capabilities: { add: ['NET_ADMIN'] }, privileged: true },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    },
  ];
}

function kubeProxyContainer(): Json {
  return {
    command: ['kube-proxy', '--v=2', '--config=/var/lib/kube-proxy-config/config', '--hostname-override=$(NODE_NAME)'],
    env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
    image: VERSIONS.kubeProxyImage,
    imagePullPolicy: 'IfNotPresent',
    name: 'kube-proxy',
    resources: { requests: { cpu: '100m' } },
    securityContext: { privileged: true },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

function ciliumAgentContainer(): Json {
  return {
    args: ['--config-dir=/tmp/cilium/config-map'],
    command: ['cilium-agent'],
    env: [
      { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
      { name: 'CILIUM_K8S_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'CILIUM_CLUSTERMESH_CONFIG', value: '/var/lib/cilium/clustermesh/' },
      { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { divisor: '1', resource: 'limits.memory' } } },
    ],
    image: `quay.io/cilium/cilium:${VERSIONS.cilium}`,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: { failureThreshold: 10, httpGet: { host: '127.0.0.1', httpHeaders: [{ name: 'brief', value: 'true' }], path: '/healthz', port: 9879, scheme: 'HTTP' }, periodSeconds: 30, successThreshold: 1, timeoutSeconds: 5 },
    name: 'cilium-agent',
    readinessProbe: { failureThreshold: 3, httpGet: { host: '127.0.0.1', httpHeaders: [{ name: 'brief', value: 'true' }], path: '/healthz', port: 9879, scheme: 'HTTP' }, periodSeconds: 30, successThreshold: 1, timeoutSeconds: 5 },
    ports: [{ containerPort: 4244, hostPort: 4244, name: 'peer-service', protocol: 'TCP' }],
    securityContext: {
      capabilities: { add: ['CHOWN', 'KILL', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'SYS_MODULE', 'SYS_ADMIN', 'SYS_RESOURCE', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'], drop: ['ALL'] },
      seLinuxOptions: { level: 's0', type: 'spc_t' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
    terminationMessagePath: '/dev/termination-log',
    volumeMounts: [
      { mountPath: '/host/proc/sys/net', name: 'host-proc-sys-net' },
      { mountPath: '/sys/fs/bpf', mountPropagation: 'HostToContainer', name: 'bpf-maps' },
      { mountPath: '/var/run/cilium', name: 'cilium-run' },
      { mountPath: '/host/etc/cni/net.d', name: 'etc-cni-netd' },
      { mountPath: '/tmp/cilium/config-map', name: 'cilium-config-path', readOnly: true },
      { mountPath: '/var/lib/cilium/tls/hubble', name: 'hubble-tls', readOnly: true },
    ],
  };
}

function ciliumOperatorLabels(): Record<string, string> {
  return { 'app.kubernetes.io/name': 'cilium-operator', 'app.kubernetes.io/part-of': 'cilium', 'io.cilium/app': 'operator', name: 'cilium-operator' };
}

function ciliumOperatorContainer(): Json {
  return {
    args: ['--config-dir=/tmp/cilium/config-map', '--debug=$(CILIUM_DEBUG)'],
    command: ['cilium-operator-generic'],
    env: [
      { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
      { name: 'CILIUM_K8S_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'CILIUM_DEBUG', valueFrom: { configMapKeyRef: { key: 'debug', name: 'cilium-config', optional: true } } },
    ],
    image: `quay.io/cilium/operator-generic:${VERSIONS.cilium}`,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: { failureThreshold: 3, httpGet: { host: '127.0.0.1', path: '/healthz', port: 9234, scheme: 'HTTP' }, initialDelaySeconds: 60, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 3 },
    name: 'cilium-operator',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

// =====================================================================================================
// Kubernetes objects
// =====================================================================================================

let resourceVersionCounter = 0;
function nextResourceVersion(): string {
  resourceVersionCounter += 1;
  return String(48_201_000 + resourceVersionCounter * 7);
}

function meta(kind: string, name: string, created: string, extra: Record<string, Json | undefined> = {}, ns?: string): Record<string, Json | undefined> {
  return {
    creationTimestamp: created,
    name,
    namespace: ns,
    resourceVersion: nextResourceVersion(),
    uid: uuid(`${kind.toLowerCase()}/${ns ? `${ns}/` : ''}${name}`),
    ...extra,
  };
}

/** `kubectl get a,b,c -A -o yaml`: kinds in the order asked, each sorted by namespace then name. */
function kubeList(items: Json[]): Json {
  const kindOrder: string[] = [];
  const key = (o: Json): { kind: string; ns: string; name: string } => {
    const obj = o as { kind: string; metadata: { name: string; namespace?: string } };
    return { kind: obj.kind, ns: obj.metadata.namespace ?? '', name: obj.metadata.name };
  };
  for (const o of items) if (!kindOrder.includes(key(o).kind)) kindOrder.push(key(o).kind);
  const sorted = [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return kindOrder.indexOf(x.kind) - kindOrder.indexOf(y.kind) || x.ns.localeCompare(y.ns) || x.name.localeCompare(y.name);
  });
  return { apiVersion: 'v1', items: sorted, kind: 'List', metadata: { resourceVersion: '' } };
}

function namespacesYaml(): Json {
  return kubeList(NAMESPACES.map((n) => ({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: meta('Namespace', n.name, n.created, { labels: { 'kubernetes.io/metadata.name': n.name } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  })));
}

function nodesYaml(model: Model): Json {
  return kubeList(model.nodes.map((node) => {
    const t = node.limits;
    const capMemKi = Math.round(t.memoryMiB * 1024 * 0.9632);
    const reservedKi = (255 + 11 * node.maxPods) * 1024 + 100 * 1024;
    const cpuAlloc = `${t.vcpu * 1000 - (t.vcpu <= 2 ? 70 : t.vcpu <= 4 ? 80 : 90)}m`;
    const ready = addSeconds(node.spec.created, 41);
    const conditions = [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ].map(([type, status, reason, message]) => ({
      lastHeartbeatTime: addSeconds(T.snapshot, -37), lastTransitionTime: type === 'Ready' ? ready : addSeconds(node.spec.created, 12), message, reason, status, type,
    }));
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: meta('Node', node.name, node.spec.created, {
        annotations: {
          'alpha.kubernetes.io/provided-node-ip': node.spec.ip,
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        },
        labels: nodeLabels(node),
      }),
      spec: { providerID: `aws:///${node.az.name}/${node.instanceId}` },
      status: {
        addresses: [
          { address: node.spec.ip, type: 'InternalIP' },
          { address: node.name, type: 'InternalDNS' },
          { address: node.name, type: 'Hostname' },
        ],
        allocatable: { cpu: cpuAlloc, 'ephemeral-storage': '76224326324', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${capMemKi - reservedKi}Ki`, pods: String(node.maxPods) },
        capacity: { cpu: String(t.vcpu), 'ephemeral-storage': '83873772Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${capMemKi}Ki`, pods: String(node.maxPods) },
        conditions,
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: 'amd64',
          bootID: uuid(`boot/${node.name}`),
          containerRuntimeVersion: VERSIONS.containerd,
          kernelVersion: VERSIONS.kernel,
          kubeProxyVersion: VERSIONS.kubelet,
          kubeletVersion: VERSIONS.kubelet,
          machineID: sha256(`machine/${node.name}`).slice(0, 32),
          operatingSystem: 'linux',
          osImage: VERSIONS.osImage,
          systemUUID: `ec2${sha256(`sysuuid/${node.name}`).slice(3, 8)}-${sha256(`sysuuid/${node.name}`).slice(8, 12)}-${sha256(`sysuuid/${node.name}`).slice(12, 16)}-${sha256(`sysuuid/${node.name}`).slice(16, 20)}-${sha256(`sysuuid/${node.name}`).slice(20, 32)}`,
        },
      },
    };
  }));
}

function nodeLabels(node: NodeModel): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': node.spec.type,
    'beta.kubernetes.io/os': 'linux',
    'eks.amazonaws.com/capacityType': 'ON_DEMAND',
    'eks.amazonaws.com/nodegroup': node.spec.nodegroup,
    'eks.amazonaws.com/nodegroup-image': amiId(),
    'eks.amazonaws.com/sourceLaunchTemplateId': launchTemplateId(node.spec.nodegroup),
    'eks.amazonaws.com/sourceLaunchTemplateVersion': '3',
    'failure-domain.beta.kubernetes.io/region': REGION,
    'failure-domain.beta.kubernetes.io/zone': node.az.name,
    'k8s.io/cloud-provider-aws': sha256(`cloud-provider/${CLUSTER}`).slice(0, 32),
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': node.spec.type,
    'topology.k8s.aws/zone-id': node.az.zoneId,
    'topology.kubernetes.io/region': REGION,
    'topology.kubernetes.io/zone': node.az.name,
  };
}

function amiId(): string {
  return awsId('ami', 'al2023-eks-1.32-20251105');
}

function launchTemplateId(group: string): string {
  return awsId('lt', group);
}

function podSpecTemplate(labels: Record<string, string>, spec: Record<string, Json | undefined>, annotations?: Record<string, string>): Json {
  return {
    metadata: { annotations, creationTimestamp: null, labels },
    spec: {
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      ...spec,
    },
  };
}

function appTemplateSpec(app: AppSpec): Record<string, Json | undefined> {
  const spec: Record<string, Json | undefined> = {
    containers: [appContainer(app)],
    serviceAccount: app.serviceAccount,
    serviceAccountName: app.serviceAccount,
  };
  if (app.name === 'coredns') {
    spec.priorityClassName = 'system-cluster-critical';
    spec.dnsPolicy = 'Default';
    spec.volumes = [{ configMap: { defaultMode: 420, items: [{ key: 'Corefile', path: 'Corefile' }], name: 'coredns' }, name: 'config-volume' }];
    spec.tolerations = [{ effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }, { key: 'CriticalAddonsOnly', operator: 'Exists' }];
  }
  return spec;
}

function deploymentSelector(app: AppSpec): Record<string, string> {
  return app.name === 'hubble-relay' ? { 'k8s-app': 'hubble-relay' } : { ...app.labels };
}

function workloadsYaml(model: Model): Json {
  const items: Json[] = [];
  const deploymentLabels = (app: AppSpec): Record<string, string> => (app.ns === 'kube-system' ? { ...app.labels } : { app: app.name });

  const deployments: Array<{ ns: string; name: string; replicas: number; created: string; rsCreated: string; labels: Record<string, string>; selector: Record<string, string>; templateSpec: Record<string, Json | undefined>; revision: string }> = [
    ...APPS.map((app) => ({
      ns: app.ns, name: app.name, replicas: app.pods.length, created: app.deploymentCreated, rsCreated: app.rsCreated,
      labels: deploymentLabels(app), selector: deploymentSelector(app),
      templateSpec: appTemplateSpec(app), revision: app.name === 'legacy-reporter' ? '1' : app.name === 'hubble-relay' ? '1' : String(3 + (parseInt(sha256(app.name).slice(0, 2), 16) % 9)),
    })),
    {
      ns: 'kube-system', name: 'cilium-operator', replicas: 1, created: addSeconds(T.ciliumInstalled, 0), rsCreated: addSeconds(T.ciliumInstalled, 1),
      labels: ciliumOperatorLabels(), selector: { 'io.cilium/app': 'operator', name: 'cilium-operator' },
      templateSpec: { containers: [ciliumOperatorContainer()], hostNetwork: true, priorityClassName: 'system-cluster-critical', serviceAccount: 'cilium-operator', serviceAccountName: 'cilium-operator', tolerations: [{ operator: 'Exists' }] },
      revision: '1',
    },
  ];

  for (const d of deployments) {
    const hash = model.rsHash.get(`${d.ns}/${d.name}`)!;
    const rsName = `${d.name}-${hash}`;
    const templateLabels = d.name === 'cilium-operator' ? ciliumOperatorLabels() : APPS.find((a) => a.ns === d.ns && a.name === d.name)!.labels;
    const replicaStatus = { availableReplicas: d.replicas, readyReplicas: d.replicas, replicas: d.replicas };
    items.push({
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: meta('Deployment', d.name, d.created, { annotations: { 'deployment.kubernetes.io/revision': d.revision }, generation: Number(d.revision), labels: d.labels }, d.ns),
      spec: {
        progressDeadlineSeconds: 600,
        replicas: d.replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: d.selector },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: d.name === 'coredns' ? 1 : '25%' }, type: 'RollingUpdate' },
        template: podSpecTemplate(templateLabels, d.templateSpec),
      },
      status: {
        ...replicaStatus,
        conditions: [
          { lastTransitionTime: addSeconds(d.rsCreated, 30), lastUpdateTime: addSeconds(d.rsCreated, 30), message: 'Deployment has minimum availability.', reason: 'MinimumReplicasAvailable', status: 'True', type: 'Available' },
          { lastTransitionTime: d.created, lastUpdateTime: addSeconds(d.rsCreated, 30), message: `ReplicaSet "${rsName}" has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing' },
        ],
        observedGeneration: Number(d.revision),
        updatedReplicas: d.replicas,
      },
    });
    items.push({
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: meta('ReplicaSet', rsName, d.rsCreated, {
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(d.replicas), 'deployment.kubernetes.io/max-replicas': String(d.replicas + Math.ceil(d.replicas / 4)), 'deployment.kubernetes.io/revision': d.revision },
        generation: 1,
        labels: { ...templateLabels, 'pod-template-hash': hash },
        ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'Deployment', name: d.name, uid: uuid(`deployment/${d.ns}/${d.name}`) }],
      }, d.ns),
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: { ...d.selector, 'pod-template-hash': hash } },
        template: podSpecTemplate({ ...templateLabels, 'pod-template-hash': hash }, d.templateSpec),
      },
      status: { ...replicaStatus, fullyLabeledReplicas: d.replicas, observedGeneration: 1 },
    });
  }

  const dsDefs: Array<{ name: string; created: string; labels: Record<string, string>; selector: Record<string, string>; spec: Record<string, Json | undefined>; generation: number }> = [
    {
      name: 'aws-node', created: T.clusterCreated, generation: 4,
      labels: { 'app.kubernetes.io/instance': 'aws-vpc-cni', 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/name': 'aws-node', 'app.kubernetes.io/version': VERSIONS.vpcCni, 'helm.sh/chart': 'aws-vpc-cni-1.20.4', 'k8s-app': 'aws-node' },
      selector: { 'k8s-app': 'aws-node' },
      spec: {
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }, { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }, { key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['fargate', 'hybrid', 'auto'] }] }] } } },
        containers: awsNodeContainers(),
        hostNetwork: true,
        initContainers: [{ env: [{ name: 'DISABLE_TCP_EARLY_DEMUX', value: 'false' }, { name: 'ENABLE_IPv6', value: 'false' }], image: VERSIONS.vpcCniInitImage, imagePullPolicy: 'IfNotPresent', name: 'aws-vpc-cni-init', resources: { requests: { cpu: '25m' } }, securityContext: { privileged: true }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', volumeMounts: [{ mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' }] }],
        priorityClassName: 'system-node-critical',
        serviceAccount: 'aws-node',
        serviceAccountName: 'aws-node',
        terminationGracePeriodSeconds: 10,
        tolerations: [{ operator: 'Exists' }],
      },
    },
    {
      name: 'kube-proxy', created: T.clusterCreated, generation: 1,
      labels: { 'eks.amazonaws.com/component': 'kube-proxy', 'k8s-app': 'kube-proxy' },
      selector: { 'k8s-app': 'kube-proxy' },
      spec: { containers: [kubeProxyContainer()], hostNetwork: true, priorityClassName: 'system-node-critical', serviceAccount: 'kube-proxy', serviceAccountName: 'kube-proxy', tolerations: [{ operator: 'Exists' }] },
    },
    {
      name: 'cilium', created: T.ciliumInstalled, generation: 1,
      labels: { 'app.kubernetes.io/name': 'cilium-agent', 'app.kubernetes.io/part-of': 'cilium', 'k8s-app': 'cilium' },
      selector: { 'k8s-app': 'cilium' },
      spec: {
        automountServiceAccountToken: true,
        containers: [ciliumAgentContainer()],
        hostNetwork: true,
        initContainers: ['config', 'mount-cgroup', 'apply-sysctl-overwrites', 'mount-bpf-fs', 'clean-cilium-state', 'install-cni-binaries'].map((name) => ({
          image: `quay.io/cilium/cilium:${VERSIONS.cilium}`, imagePullPolicy: 'IfNotPresent', name, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError',
        })),
        priorityClassName: 'system-node-critical',
        serviceAccount: 'cilium',
        serviceAccountName: 'cilium',
        terminationGracePeriodSeconds: 1,
        tolerations: [{ operator: 'Exists' }],
      },
    },
  ];
  for (const ds of dsDefs) {
    const n = model.nodes.length;
    items.push({
      apiVersion: 'apps/v1', kind: 'DaemonSet',
      metadata: meta('DaemonSet', ds.name, ds.created, { annotations: { 'deprecated.daemonset.template.generation': String(ds.generation) }, generation: ds.generation, labels: ds.labels }, 'kube-system'),
      spec: {
        revisionHistoryLimit: 10,
        selector: { matchLabels: ds.selector },
        template: podSpecTemplate(ds.name === 'cilium' ? { 'app.kubernetes.io/name': 'cilium-agent', 'app.kubernetes.io/part-of': 'cilium', 'k8s-app': 'cilium' } : ds.name === 'aws-node' ? { 'app.kubernetes.io/instance': 'aws-vpc-cni', 'app.kubernetes.io/name': 'aws-node', 'k8s-app': 'aws-node' } : { 'k8s-app': 'kube-proxy' }, ds.spec),
        updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: ds.name === 'aws-node' ? '10%' : 1 }, type: 'RollingUpdate' },
      },
      status: { currentNumberScheduled: n, desiredNumberScheduled: n, numberAvailable: n, numberMisscheduled: 0, numberReady: n, observedGeneration: ds.generation, updatedNumberScheduled: n },
    });
  }
  return kubeList(items);
}

function podsYaml(model: Model): Json {
  return kubeList(model.pods.map((pod) => {
    const scheduled = addSeconds(pod.created, 0);
    const ready = addSeconds(pod.created, pod.hostNetwork ? 14 : 9);
    const ownerApiVersion = 'apps/v1';
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: meta('Pod', pod.name, pod.created, {
        generateName: pod.name.slice(0, pod.name.length - 5),
        labels: pod.labels,
        ownerReferences: [{ apiVersion: ownerApiVersion, blockOwnerDeletion: true, controller: true, kind: pod.owner.kind, name: pod.owner.name, uid: pod.owner.uid }],
      }, pod.ns),
      spec: {
        containers: pod.containers,
        dnsPolicy: pod.hostNetwork ? 'ClusterFirstWithHostNet' : pod.workload.name === 'coredns' ? 'Default' : 'ClusterFirst',
        enableServiceLinks: true,
        hostNetwork: pod.hostNetwork ? true : undefined,
        nodeName: pod.node.name,
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        serviceAccount: pod.serviceAccount,
        serviceAccountName: pod.serviceAccount,
        terminationGracePeriodSeconds: 30,
        tolerations: pod.hostNetwork
          ? [{ operator: 'Exists' }]
          : [
              { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
              { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
            ],
        ...pod.specExtra,
      },
      status: {
        conditions: [
          { lastProbeTime: null, lastTransitionTime: addSeconds(pod.created, 3), status: 'True', type: 'PodReadyToStartContainers' },
          { lastProbeTime: null, lastTransitionTime: addSeconds(pod.created, pod.hostNetwork ? 11 : 1), status: 'True', type: 'Initialized' },
          { lastProbeTime: null, lastTransitionTime: ready, status: 'True', type: 'Ready' },
          { lastProbeTime: null, lastTransitionTime: ready, status: 'True', type: 'ContainersReady' },
          { lastProbeTime: null, lastTransitionTime: scheduled, status: 'True', type: 'PodScheduled' },
        ],
        containerStatuses: pod.containerStatuses,
        hostIP: pod.node.spec.ip,
        hostIPs: [{ ip: pod.node.spec.ip }],
        phase: 'Running',
        podIP: pod.ip,
        podIPs: [{ ip: pod.ip }],
        qosClass: 'Burstable',
        startTime: pod.created,
      },
    };
  }));
}

function servicesYaml(): Json {
  return kubeList(SERVICES.map((s) => {
    if (!inCidr(s.clusterIP, SERVICE_CIDR)) throw new Error(`${s.ns}/${s.name}: ${s.clusterIP} is outside ${SERVICE_CIDR}`);
    const isLb = s.type === 'LoadBalancer';
    const annotations: Record<string, string> | undefined = isLb
      ? {
          'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
          'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
          'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
        }
      : undefined;
    return {
      apiVersion: 'v1', kind: 'Service',
      metadata: meta('Service', s.name, s.created, { annotations, finalizers: isLb ? ['service.k8s.aws/resources'] : undefined, labels: s.labels }, s.ns),
      spec: {
        allocateLoadBalancerNodePorts: isLb ? true : undefined,
        clusterIP: s.clusterIP,
        clusterIPs: [s.clusterIP],
        externalTrafficPolicy: isLb ? 'Cluster' : undefined,
        internalTrafficPolicy: s.internalTrafficPolicy ?? 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        loadBalancerClass: isLb ? 'service.k8s.aws/nlb' : undefined,
        ports: s.ports.map((p) => ({ name: p.name, nodePort: isLb ? 31847 : undefined, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort })),
        selector: s.selector,
        sessionAffinity: 'None',
        type: s.type ?? 'ClusterIP',
      },
      status: { loadBalancer: isLb ? { ingress: [{ hostname: NLB_HOSTNAME }] } : {} },
    };
  }));
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function endpointSlicesYaml(model: Model): Json {
  return kubeList(SERVICES.map((s) => {
    const ownerRef = { apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'Service', name: s.name, uid: uuid(`service/${s.ns}/${s.name}`) };
    if (!s.selector) {
      // default/kubernetes: the API server's own slice, pointing at the control-plane ENIs.
      return {
        addressType: 'IPv4', apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        endpoints: EKS_CONTROL_PLANE_ENIS.map((e) => ({ addresses: [e.ip], conditions: { ready: true } })),
        metadata: meta('EndpointSlice', s.name, s.created, { generation: 41, labels: { 'kubernetes.io/service-name': s.name } }, s.ns),
        ports: s.ports.map((p) => ({ name: p.name, port: Number(p.targetPort), protocol: 'TCP' })),
      };
    }
    const backends = model.pods.filter((p) => p.ns === s.ns && selects(s.selector!, p.labels)).sort((a, b) => ipToInt(a.ip) - ipToInt(b.ip));
    const resolve = (p: ServicePortSpec): number => {
      if (typeof p.targetPort === 'number') return p.targetPort;
      const port = backends[0]?.ports.find((x) => x.name === p.targetPort);
      if (!port) throw new Error(`${s.ns}/${s.name}: cannot resolve targetPort ${p.targetPort}`);
      return port.port;
    };
    const sliceName = `${s.name}-${k8sSuffix(`slice/${s.ns}/${s.name}`, 5)}`;
    return {
      addressType: 'IPv4', apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      endpoints: backends.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: p.node.name,
        targetRef: { kind: 'Pod', name: p.name, namespace: p.ns, uid: p.uid },
        zone: p.node.az.name,
      })),
      metadata: meta('EndpointSlice', sliceName, s.created, {
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': backends.map((p) => addSeconds(p.created, 9)).sort().at(-1)! },
        generateName: `${s.name}-`,
        generation: 12,
        labels: { ...(s.labels ?? {}), 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': s.name },
        ownerReferences: [ownerRef],
      }, s.ns),
      ports: s.ports.map((p) => ({ name: p.name ?? '', port: resolve(p), protocol: p.protocol ?? 'TCP' })),
    };
  }));
}

// ---- policies

interface PolicyRef {
  name: string;
  namespace?: string;
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
}

const POLICY = {
  paymentsDefaultDeny: { name: 'default-deny-ingress', namespace: 'payments', kind: 'NetworkPolicy' } as PolicyRef,
  paymentsAllowCheckout: { name: 'allow-checkout-to-api', namespace: 'payments', kind: 'NetworkPolicy' } as PolicyRef,
  frontendIngress: { name: 'frontend-ingress', namespace: 'shop', kind: 'CiliumNetworkPolicy' } as PolicyRef,
  cartIngress: { name: 'cart-ingress', namespace: 'shop', kind: 'CiliumNetworkPolicy' } as PolicyRef,
  dataEgress: { name: 'data-egress', namespace: 'data', kind: 'CiliumNetworkPolicy' } as PolicyRef,
  denyImds: { name: 'deny-imds', kind: 'CiliumClusterwideNetworkPolicy' } as PolicyRef,
};

const POLICY_CREATED = {
  paymentsDefaultDeny: '2026-06-24T08:46:02Z',
  paymentsAllowCheckout: '2026-06-24T08:46:02Z',
  frontendIngress: '2026-10-15T09:12:40Z',
  cartIngress: '2026-10-15T09:12:40Z',
  dataEgress: '2026-10-22T12:05:13Z',
  denyImds: '2026-10-16T07:48:20Z',
};

function policyUid(p: PolicyRef): string {
  return uuid(`${p.kind.toLowerCase()}/${p.namespace ? `${p.namespace}/` : ''}${p.name}`);
}

function ciliumPolicyStatus(created: string): Json {
  return { conditions: [{ lastTransitionTime: addSeconds(created, 1), message: 'Policy validation succeeded', status: 'True', type: 'Valid' }] };
}

function networkPoliciesYaml(): Json {
  const items: Json[] = [
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: meta('NetworkPolicy', POLICY.paymentsDefaultDeny.name, POLICY_CREATED.paymentsDefaultDeny, { generation: 1 }, 'payments'),
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: meta('NetworkPolicy', POLICY.paymentsAllowCheckout.name, POLICY_CREATED.paymentsAllowCheckout, { generation: 1 }, 'payments'),
      spec: {
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'checkout' } } }],
          ports: [{ port: 8443, protocol: 'TCP' }],
        }],
        podSelector: { matchLabels: { app: 'api' } },
        policyTypes: ['Ingress'],
      },
    },
    {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy',
      metadata: meta('CiliumNetworkPolicy', POLICY.frontendIngress.name, POLICY_CREATED.frontendIngress, { generation: 1 }, 'shop'),
      spec: {
        description: 'frontend: HTTP from the internet-facing NLB (IP targets, source is world) and anything in shop',
        endpointSelector: { matchLabels: { app: 'frontend' } },
        ingress: [
          { fromEntities: ['world'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] },
          { fromEndpoints: [{}] },
        ],
      },
      status: ciliumPolicyStatus(POLICY_CREATED.frontendIngress),
    },
    {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy',
      metadata: meta('CiliumNetworkPolicy', POLICY.cartIngress.name, POLICY_CREATED.cartIngress, { generation: 1 }, 'shop'),
      spec: {
        description: 'cart: gRPC from frontend only',
        endpointSelector: { matchLabels: { app: 'cart' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'frontend' } }], toPorts: [{ ports: [{ port: '7070', protocol: 'TCP' }] }] }],
      },
      status: ciliumPolicyStatus(POLICY_CREATED.cartIngress),
    },
    {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy',
      metadata: meta('CiliumNetworkPolicy', POLICY.dataEgress.name, POLICY_CREATED.dataEgress, { generation: 2 }, 'data'),
      spec: {
        description: 'data: egress only to the MSK brokers (data subnets) and to kube-dns',
        endpointSelector: {},
        egress: [
          {
            toCIDRSet: AZS.map((az) => ({ cidr: az.dataCidr })),
            toPorts: [{ ports: [{ port: '9092', protocol: 'TCP' }, { port: '9094', protocol: 'TCP' }] }],
          },
          {
            toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
            toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }] }],
          },
        ],
      },
      status: ciliumPolicyStatus(POLICY_CREATED.dataEgress),
    },
    {
      apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy',
      metadata: meta('CiliumClusterwideNetworkPolicy', POLICY.denyImds.name, POLICY_CREATED.denyImds, { generation: 1 }),
      spec: {
        description: 'No pod outside kube-system may reach the EC2 instance metadata service',
        enableDefaultDeny: { egress: false, ingress: false },
        endpointSelector: { matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: ['kube-system'] }] },
        egressDeny: [{ toCIDRSet: [{ cidr: `${IMDS_IP}/32` }] }],
      },
      status: ciliumPolicyStatus(POLICY_CREATED.denyImds),
    },
  ];
  return kubeList(items);
}

// ---- Cilium and VPC CNI custom resources

function ciliumYaml(model: Model): Json {
  const items: Json[] = [];
  for (const pod of model.pods) {
    if (!pod.cep) continue;
    items.push({
      apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint',
      metadata: meta('CiliumEndpoint', pod.name, pod.cep.created, {
        generation: 1,
        ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, kind: 'Pod', name: pod.name, uid: pod.uid }],
      }, pod.ns),
      status: {
        encryption: {},
        'external-identifiers': {
          'cni-attachment-id': `${pod.sandboxId}:eth0`,
          'container-id': pod.sandboxId,
          'k8s-namespace': pod.ns,
          'k8s-pod-name': pod.name,
          'pod-name': `${pod.ns}/${pod.name}`,
        },
        id: pod.cep.id,
        identity: { id: pod.cep.identity.id, labels: pod.cep.identity.labels },
        'named-ports': pod.ports.length ? pod.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })) : undefined,
        networking: { addressing: [{ ipv4: pod.ip }], node: pod.node.spec.ip },
        state: 'ready',
      },
    });
  }
  for (const identity of model.identities) {
    items.push({
      apiVersion: 'cilium.io/v2', kind: 'CiliumIdentity',
      metadata: meta('CiliumIdentity', String(identity.id), identity.created, { generation: 1, labels: identity.k8sLabels }),
      'security-labels': Object.fromEntries(identity.labels.map((l) => {
        const eq = l.indexOf('=');
        return [l.slice(0, eq), l.slice(eq + 1)];
      })),
    });
  }
  for (const node of model.nodes) {
    items.push({
      apiVersion: 'cilium.io/v2', kind: 'CiliumNode',
      metadata: meta('CiliumNode', node.name, addSeconds(maxTime(T.ciliumInstalled, node.spec.created), 12), {
        generation: 3,
        labels: nodeLabels(node),
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }],
      }),
      spec: {
        addresses: [{ ip: node.spec.ip, type: 'InternalIP' }, { ip: node.ciliumInternalIp, type: 'CiliumInternalIP' }],
        'alibaba-cloud': {},
        azure: {},
        bootid: uuid(`boot/${node.name}`),
        encryption: {},
        eni: {},
        health: {},
        ingress: {},
        'instance-id': node.instanceId,
        ipam: { podCIDRs: [node.ciliumPodCidr], pools: {} },
      },
      status: { 'alibaba-cloud': {}, azure: {}, eni: {}, ipam: { 'operator-status': {} } },
    });
  }
  return kubeList(items);
}

function vpcCniYaml(model: Model): Json {
  const items: Json[] = [];
  for (const az of AZS) {
    items.push({
      apiVersion: 'crd.k8s.amazonaws.com/v1alpha1', kind: 'ENIConfig',
      metadata: meta('ENIConfig', az.name, '2026-06-08T10:31:05Z', { generation: 1 }),
      spec: { securityGroups: [model.sgs.pod.id], subnet: subnetOf(model, az.name, 'pod').id },
    });
  }
  for (const node of model.nodes) {
    items.push({
      apiVersion: 'vpcresources.k8s.aws/v1alpha1', kind: 'CNINode',
      metadata: meta('CNINode', node.name, addSeconds(node.spec.created, 19), {
        finalizers: ['networking.k8s.aws/resource-cleanup'],
        generation: 2,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }],
      }),
      spec: { features: [{ name: 'CustomNetworking', value: node.az.name }] },
      status: {},
    });
  }
  return kubeList(items);
}

function kubeSystemConfigYaml(): Json {
  const ciliumConfig: Record<string, string> = {
    'agent-not-ready-taint-key': 'node.cilium.io/agent-not-ready',
    'arping-refresh-period': '30s',
    'auto-direct-node-routes': 'false',
    'bpf-lb-external-clusterip': 'false',
    'bpf-lb-map-max': '65536',
    'bpf-lb-sock': 'false',
    'bpf-lb-sock-hostns-only': 'false',
    'bpf-map-dynamic-size-ratio': '0.0025',
    'bpf-policy-map-max': '16384',
    'bpf-root': '/sys/fs/bpf',
    'cgroup-root': '/run/cilium/cgroupv2',
    'cluster-id': '0',
    'cluster-name': 'default',
    'cluster-pool-ipv4-cidr': `${CILIUM_POOL_PREFIX}.0.0/16`,
    'cluster-pool-ipv4-mask-size': '24',
    'cni-chaining-mode': 'aws-cni',
    'cni-exclusive': 'false',
    'cni-log-file': '/var/run/cilium/cilium-cni.log',
    'custom-cni-conf': 'false',
    debug: 'false',
    'enable-bpf-clock-probe': 'false',
    'enable-bpf-masquerade': 'false',
    'enable-endpoint-health-checking': 'false',
    'enable-endpoint-routes': 'true',
    'enable-health-check-nodeport': 'true',
    'enable-health-checking': 'true',
    'enable-host-legacy-routing': 'true',
    'enable-hubble': 'true',
    'enable-identity-mark': 'true',
    'enable-ipv4': 'true',
    'enable-ipv4-masquerade': 'false',
    'enable-ipv6': 'false',
    'enable-ipv6-masquerade': 'false',
    'enable-k8s-networkpolicy': 'true',
    'enable-l7-proxy': 'true',
    'enable-local-node-route': 'false',
    'enable-policy': 'default',
    'enable-well-known-identities': 'false',
    'external-envoy-proxy': 'false',
    'hubble-disable-tls': 'false',
    'hubble-export-file-max-backups': '5',
    'hubble-export-file-max-size-mb': '10',
    'hubble-listen-address': ':4244',
    'hubble-socket-path': '/var/run/cilium/hubble.sock',
    'hubble-tls-cert-file': '/var/lib/cilium/tls/hubble/server.crt',
    'hubble-tls-client-ca-files': '/var/lib/cilium/tls/hubble/client-ca.crt',
    'hubble-tls-key-file': '/var/lib/cilium/tls/hubble/server.key',
    'identity-allocation-mode': 'crd',
    'install-no-conntrack-iptables-rules': 'false',
    ipam: 'cluster-pool',
    'kube-proxy-replacement': 'false',
    'monitor-aggregation': 'medium',
    'monitor-aggregation-flags': 'all',
    'monitor-aggregation-interval': '5s',
    'operator-api-serve-addr': '127.0.0.1:9234',
    'policy-audit-mode': 'false',
    'policy-cidr-match-mode': '',
    'preallocate-bpf-maps': 'false',
    'remove-cilium-node-taints': 'true',
    'routing-mode': 'native',
    'set-cilium-is-up-condition': 'true',
    'synchronize-k8s-nodes': 'true',
    'tofqdns-enable-dns-compression': 'true',
    'tofqdns-proxy-response-max-delay': '100ms',
    'write-cni-conf-when-ready': '/host/etc/cni/net.d/05-cilium.conflist',
  };
  return kubeList([
    {
      apiVersion: 'v1', kind: 'ConfigMap',
      data: ciliumConfig,
      metadata: meta('ConfigMap', 'cilium-config', T.ciliumInstalled, {
        annotations: { 'meta.helm.sh/release-name': 'cilium', 'meta.helm.sh/release-namespace': 'kube-system' },
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      }, 'kube-system'),
    },
    {
      apiVersion: 'v1', kind: 'ConfigMap',
      data: {
        'branch-eni-cooldown': '60',
        'enable-network-policy-controller': 'false',
        'enable-windows-ipam': 'false',
        'enable-windows-prefix-delegation': 'false',
        'minimum-ip-target': '3',
        'warm-ip-target': '1',
        'warm-prefix-target': '0',
      },
      metadata: meta('ConfigMap', 'amazon-vpc-cni', T.clusterCreated, {
        labels: { 'app.kubernetes.io/instance': 'aws-vpc-cni', 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/name': 'aws-node', 'app.kubernetes.io/version': VERSIONS.vpcCni, 'helm.sh/chart': 'aws-vpc-cni-1.20.4', 'k8s-app': 'aws-node' },
      }, 'kube-system'),
    },
    {
      apiVersion: 'v1', kind: 'ConfigMap',
      data: {
        Corefile: [
          '.:53 {',
          '    errors',
          '    health {',
          '        lameduck 5s',
          '      }',
          '    ready',
          '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
          '      pods insecure',
          '      fallthrough in-addr.arpa ip6.arpa',
          '    }',
          '    prometheus :9153',
          '    forward . /etc/resolv.conf',
          '    cache 30',
          '    loop',
          '    reload',
          '    loadbalance',
          '}',
          '',
        ].join('\n'),
      },
      metadata: meta('ConfigMap', 'coredns', T.clusterCreated, { labels: { 'eks.amazonaws.com/component': 'coredns', 'k8s-app': 'kube-dns' } }, 'kube-system'),
    },
  ]);
}

// =====================================================================================================
// AWS CLI output
// =====================================================================================================

function describeVpcs(): Json {
  return {
    Vpcs: [{
      OwnerId: ACCOUNT,
      InstanceTenancy: 'default',
      CidrBlockAssociationSet: VPC_CIDRS.map((c, i) => ({ AssociationId: awsId('vpc-cidr-assoc', `${i}`), CidrBlock: c, CidrBlockState: { State: 'associated' } })),
      IsDefault: false,
      BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
      Tags: tags({ Name: `${CLUSTER}-vpc`, Environment: 'production' }),
      VpcId: VPC_ID,
      State: 'available',
      CidrBlock: VPC_CIDRS[0]!,
      DhcpOptionsId: awsId('dopt', 'main'),
    }],
  };
}

function describeSubnets(model: Model): Json {
  const usedBySubnet = new Map<string, number>();
  for (const eni of model.enis) usedBySubnet.set(eni.subnet.id, (usedBySubnet.get(eni.subnet.id) ?? 0) + 1 + eni.secondaryIps.length);
  return {
    Subnets: model.subnets.map((s) => {
      const tagMap: Record<string, string> = { Name: s.name };
      if (s.tier === 'public') {
        tagMap['kubernetes.io/role/elb'] = '1';
        tagMap[`kubernetes.io/cluster/${CLUSTER}`] = 'shared';
      }
      if (s.tier === 'node') {
        tagMap['kubernetes.io/role/internal-elb'] = '1';
        tagMap[`kubernetes.io/cluster/${CLUSTER}`] = 'shared';
      }
      if (s.tier === 'pod') tagMap['purpose'] = 'eks-pods-custom-networking';
      if (s.tier === 'data') tagMap['purpose'] = 'rds-msk';
      return {
        AvailabilityZoneId: s.az.zoneId,
        MapCustomerOwnedIpOnLaunch: false,
        OwnerId: ACCOUNT,
        AssignIpv6AddressOnCreation: false,
        Ipv6CidrBlockAssociationSet: [],
        Tags: tags(tagMap),
        SubnetArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${s.id}`,
        EnableDns64: false,
        Ipv6Native: false,
        PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
        BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
        SubnetId: s.id,
        State: 'available',
        VpcId: VPC_ID,
        CidrBlock: s.cidr,
        AvailableIpAddressCount: cidrRange(s.cidr).size - 5 - (usedBySubnet.get(s.id) ?? 0),
        AvailabilityZone: s.az.name,
        DefaultForAz: false,
        MapPublicIpOnLaunch: s.tier === 'public',
      };
    }),
  };
}

function describeRouteTables(model: Model): Json {
  return {
    RouteTables: model.routeTables.map((rt) => ({
      Associations: rt.main
        ? [{ Main: true, RouteTableAssociationId: awsId('rtbassoc', `${rt.id}/main`), RouteTableId: rt.id, AssociationState: { State: 'associated' } }]
        : rt.subnets.map((s) => ({ Main: false, RouteTableAssociationId: awsId('rtbassoc', `${rt.id}/${s.id}`), RouteTableId: rt.id, SubnetId: s.id, AssociationState: { State: 'associated' } })),
      PropagatingVgws: [],
      RouteTableId: rt.id,
      Routes: rt.routes,
      Tags: tags({ Name: rt.name }),
      VpcId: VPC_ID,
      OwnerId: ACCOUNT,
    })),
  };
}

function describeNatGateways(model: Model): Json {
  return {
    NatGateways: model.natGateways.map((n) => ({
      CreateTime: n.created.replace('Z', '.000Z'),
      NatGatewayAddresses: [{
        AllocationId: n.allocationId,
        NetworkInterfaceId: n.eni.id,
        PrivateIp: n.eni.primaryIp,
        PublicIp: n.az.natPublicIp,
        AssociationId: n.associationId,
        IsPrimary: true,
        Status: 'succeeded',
      }],
      NatGatewayId: n.id,
      State: 'available',
      SubnetId: n.eni.subnet.id,
      VpcId: VPC_ID,
      Tags: tags({ Name: `${CLUSTER}-nat-${n.az.name}` }),
      ConnectivityType: 'public',
    })),
  };
}

function eniPrivateIps(eni: Eni): Json[] {
  return [eni.primaryIp, ...eni.secondaryIps].map((ip, i) => ({
    Association: i === 0 && eni.publicIp ? { IpOwnerId: eni.publicIpOwner ?? 'amazon', PublicDnsName: `ec2-${eni.publicIp.replace(/\./g, '-')}.${REGION}.compute.amazonaws.com`, PublicIp: eni.publicIp } : undefined,
    Primary: i === 0,
    PrivateDnsName: ipDnsName(ip),
    PrivateIpAddress: ip,
  }));
}

function describeNetworkInterfaces(model: Model): Json {
  return {
    NetworkInterfaces: model.enis.map((eni) => ({
      Association: eni.publicIp ? { IpOwnerId: eni.publicIpOwner ?? 'amazon', PublicDnsName: `ec2-${eni.publicIp.replace(/\./g, '-')}.${REGION}.compute.amazonaws.com`, PublicIp: eni.publicIp } : undefined,
      Attachment: eni.attachment,
      AvailabilityZone: eni.subnet.az.name,
      ConnectionTrackingConfiguration: undefined,
      Description: eni.description,
      Groups: eni.groups.map((g) => ({ GroupName: g.name, GroupId: g.id })),
      InterfaceType: eni.interfaceType,
      Ipv6Addresses: [],
      MacAddress: eni.mac,
      NetworkInterfaceId: eni.id,
      OwnerId: ACCOUNT,
      PrivateDnsName: ipDnsName(eni.primaryIp),
      PrivateIpAddress: eni.primaryIp,
      PrivateIpAddresses: eniPrivateIps(eni),
      RequesterId: eni.requesterId,
      RequesterManaged: eni.requesterManaged,
      SourceDestCheck: eni.sourceDestCheck,
      Status: 'in-use',
      SubnetId: eni.subnet.id,
      TagSet: tags(eni.tags),
      VpcId: VPC_ID,
    })),
  };
}

function describeInstances(model: Model): Json {
  return {
    Reservations: NODE_GROUPS.map((group) => {
      const groupNodes = model.nodes.filter((n) => n.spec.nodegroup === group);
      return {
        ReservationId: awsId('r', group),
        OwnerId: ACCOUNT,
        RequesterId: '940372691376',
        Groups: [],
        Instances: groupNodes.map((node, i) => ({
          Architecture: 'x86_64',
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { AttachTime: node.spec.created.replace('Z', '.000Z'), DeleteOnTermination: true, Status: 'attached', VolumeId: awsId('vol', node.spec.key) } }],
          ClientToken: uuid(`client-token/${node.spec.key}`),
          EbsOptimized: true,
          EnaSupport: true,
          Hypervisor: 'xen',
          IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/eks-${uuid(`profile/${group}`)}`, Id: `AIPA${sha256(`profile/${group}`).slice(0, 17).toUpperCase()}` },
          NetworkInterfaces: node.enis.map((eni) => ({
            Attachment: eni.attachment,
            Description: eni.description,
            Groups: eni.groups.map((g) => ({ GroupName: g.name, GroupId: g.id })),
            Ipv6Addresses: [],
            MacAddress: eni.mac,
            NetworkInterfaceId: eni.id,
            OwnerId: ACCOUNT,
            PrivateDnsName: ipDnsName(eni.primaryIp),
            PrivateIpAddress: eni.primaryIp,
            PrivateIpAddresses: eniPrivateIps(eni),
            SourceDestCheck: true,
            Status: 'in-use',
            SubnetId: eni.subnet.id,
            VpcId: VPC_ID,
            InterfaceType: 'interface',
          })),
          RootDeviceName: '/dev/xvda',
          RootDeviceType: 'ebs',
          SecurityGroups: [model.sgs.cluster, model.sgs.node].map((g) => ({ GroupName: g.name, GroupId: g.id })),
          SourceDestCheck: true,
          Tags: tags({
            Name: `${CLUSTER}-${group}`,
            'aws:autoscaling:groupName': `eks-${group}-${uuid(`asg/${group}`).slice(0, 8)}`,
            'aws:ec2launchtemplate:id': launchTemplateId(group),
            'aws:ec2launchtemplate:version': '3',
            'aws:eks:cluster-name': CLUSTER,
            'eks:cluster-name': CLUSTER,
            'eks:nodegroup-name': group,
            'k8s.io/cluster-autoscaler/enabled': 'true',
            [`k8s.io/cluster-autoscaler/${CLUSTER}`]: 'owned',
            [`kubernetes.io/cluster/${CLUSTER}`]: 'owned',
          }),
          VirtualizationType: 'hvm',
          CpuOptions: { CoreCount: node.limits.cores, ThreadsPerCore: 2 },
          CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
          HibernationOptions: { Configured: false },
          MetadataOptions: { State: 'applied', HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'disabled', InstanceMetadataTags: 'disabled' },
          EnclaveOptions: { Enabled: false },
          BootMode: 'uefi-preferred',
          PlatformDetails: 'Linux/UNIX',
          UsageOperation: 'RunInstances',
          UsageOperationUpdateTime: node.spec.created.replace('Z', '.000Z'),
          PrivateDnsNameOptions: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
          MaintenanceOptions: { AutoRecovery: 'default' },
          CurrentInstanceBootMode: 'legacy-bios',
          InstanceId: node.instanceId,
          ImageId: amiId(),
          State: { Code: 16, Name: 'running' },
          PrivateDnsName: node.name,
          PublicDnsName: '',
          StateTransitionReason: '',
          AmiLaunchIndex: i,
          ProductCodes: [],
          InstanceType: node.spec.type,
          LaunchTime: node.spec.created.replace('Z', '.000Z'),
          Placement: { GroupName: '', Tenancy: 'default', AvailabilityZone: node.az.name },
          Monitoring: { State: 'disabled' },
          SubnetId: node.enis[0]!.subnet.id,
          VpcId: VPC_ID,
          PrivateIpAddress: node.spec.ip,
        })),
      };
    }),
  };
}

function describeSecurityGroups(model: Model): Json {
  return {
    SecurityGroups: Object.values(model.sgs).map((g) => ({
      GroupId: g.id,
      IpPermissionsEgress: g.egress,
      Tags: Object.keys(g.tags).length ? tags(g.tags) : undefined,
      VpcId: VPC_ID,
      SecurityGroupArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${g.id}`,
      OwnerId: ACCOUNT,
      GroupName: g.name,
      Description: g.description,
      IpPermissions: g.ingress,
    })),
  };
}

// =====================================================================================================
// ipamd /v1/enis (v1.20+ shape: top level keyed by network card)
// =====================================================================================================

const ZERO_TIME = '0001-01-01T00:00:00Z';
const MASK_32 = Buffer.from([255, 255, 255, 255]).toString('base64');

/** Warm IPs that were handed out before: [node key, device, index among the ENI's free IPs, assigned, unassigned]. */
const RELEASED_IPS: Array<[string, number, number, string, string]> = [
  ['n1', 2, 2, '2026-11-05T16:20:47.315Z', '2026-11-12T10:03:12.884Z'],
  ['n3', 2, 4, '2026-10-22T12:10:04.027Z', '2026-11-12T10:02:58.190Z'],
  // still cooling down (IP_COOLDOWN_PERIOD 30 s) when the snapshot was taken
  ['n5', 1, 1, '2026-11-20T09:01:09.641Z', '2026-11-20T09:14:41.552Z'],
];

function sortedObject<V>(entries: Array<[string, V]>): Record<string, V> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function ipamdEnis(model: Model, node: NodeModel): Json {
  const podsByIp = new Map(model.pods.filter((p) => !p.hostNetwork && p.node === node).map((p) => [p.ip, p]));
  let total = 0;
  let assigned = 0;
  const enis = node.enis.map((eni): [string, Json] => {
    const cidrs: Array<[string, Json]> = [];
    if (eni.device !== 0) {
      const free = eni.secondaryIps.filter((ip) => !podsByIp.has(ip));
      for (const ip of eni.secondaryIps) {
        total++;
        const pod = podsByIp.get(ip);
        const addresses: Array<[string, Json]> = [];
        if (pod) {
          assigned++;
          addresses.push([ip, {
            Address: ip,
            IPAMKey: { networkName: 'aws-cni', containerID: pod.sandboxId, ifName: 'eth0' },
            IPAMMetadata: { k8sPodNamespace: pod.ns, k8sPodName: pod.name },
            AssignedTime: withNanos(addSeconds(pod.created, 2), `assign/${pod.ns}/${pod.name}`),
            UnassignedTime: ZERO_TIME,
          }]);
        } else {
          const released = RELEASED_IPS.find(([k, d, idx]) => k === node.spec.key && d === eni.device && free[idx] === ip);
          if (released) {
            addresses.push([ip, {
              Address: ip,
              IPAMKey: { networkName: '', containerID: '', ifName: '' },
              IPAMMetadata: {},
              AssignedTime: released[3],
              UnassignedTime: released[4],
            }]);
          }
        }
        cidrs.push([`${ip}/32`, {
          Cidr: { IP: ip, Mask: MASK_32 },
          IPAddresses: sortedObject(addresses),
          IsPrefix: false,
          AddressFamily: '',
        }]);
      }
    }
    return [eni.id, {
      ID: eni.id,
      IsPrimary: eni.device === 0,
      IsTrunk: false,
      IsEFA: false,
      DeviceNumber: eni.device!,
      AvailableIPv4Cidrs: sortedObject(cidrs),
      IPv6Cidrs: {},
      IsExcludedForPodIPs: false,
      RouteTableID: eni.device === 0 ? 254 : eni.device! + 1,
      SubnetID: eni.subnet.id,
    }];
  });
  return { '0': { TotalIPs: total, AssignedIPs: assigned, ENIs: sortedObject(enis) } };
}

// =====================================================================================================
// Hubble flows (`hubble observe -o json`)
// =====================================================================================================

type Peer = { kind: 'pod'; pod: PodModel } | { kind: 'world'; ip: string };

interface FlowEvent {
  atNs: number;
  node: NodeModel;
  flow: Record<string, Json | undefined>;
}

const FLOW_BASE_MS = Date.parse(T.flowsStart);

function flowTime(atNs: number): string {
  const ms = FLOW_BASE_MS + Math.floor(atNs / 1e6);
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  const nanos = String(Math.floor(atNs) % 1e9).padStart(9, '0');
  return `${iso.slice(0, 19)}.${nanos}Z`;
}

function policyJson(p: PolicyRef, node: NodeModel): Json {
  const labels = [
    `k8s:io.cilium.k8s.policy.derived-from=${p.kind}`,
    `k8s:io.cilium.k8s.policy.name=${p.name}`,
    ...(p.namespace ? [`k8s:io.cilium.k8s.policy.namespace=${p.namespace}`] : []),
    `k8s:io.cilium.k8s.policy.uid=${policyUid(p)}`,
  ];
  return { name: p.name, namespace: p.namespace, labels, revision: String(node.policyRevision), kind: p.kind };
}

class FlowLog {
  readonly events: FlowEvent[] = [];
  private seq = 0;

  constructor(private readonly model: Model) {}

  private endpoint(peer: Peer, observer: NodeModel): Json {
    if (peer.kind === 'world') return { identity: 2, labels: ['reserved:world'] };
    const p = peer.pod;
    if (!p.cep) throw new Error(`${p.ns}/${p.name} is not managed by Cilium`);
    return {
      ID: p.node === observer ? p.cep.id : undefined,
      identity: p.cep.identity.id,
      cluster_name: 'default',
      namespace: p.ns,
      labels: p.cep.identity.labels,
      pod_name: p.name,
      workloads: [{ name: p.workload.name, kind: p.workload.kind }],
    };
  }

  private ipOf(peer: Peer): string {
    return peer.kind === 'world' ? peer.ip : peer.pod.ip;
  }

  add(o: {
    atNs: number; node: NodeModel; src: Peer; dst: Peer; sport: number; dport: number; proto: 'TCP' | 'UDP';
    flags?: Record<string, boolean>; verdict: 'FORWARDED' | 'DROPPED';
    kind: 'trace' | 'policy-verdict' | 'drop'; point?: 'TO_STACK' | 'TO_ENDPOINT' | 'FROM_ENDPOINT';
    direction: 'INGRESS' | 'EGRESS'; reply: boolean; dropReason?: number; dropReasonDesc?: string;
    srcService?: { name: string; namespace: string }; dstService?: { name: string; namespace: string };
    policyMatchType?: number; egressAllowedBy?: PolicyRef[]; ingressAllowedBy?: PolicyRef[]; egressDeniedBy?: PolicyRef[];
  }): void {
    this.seq += 1;
    o.atNs = Math.round(o.atNs);
    const time = flowTime(o.atNs);
    const subType = o.kind === 'trace' ? ({ TO_ENDPOINT: 0, TO_STACK: 3, FROM_ENDPOINT: 5 } as const)[o.point!] : o.kind === 'drop' ? o.dropReason! : 0;
    const eventType = { type: o.kind === 'trace' ? 4 : o.kind === 'drop' ? 1 : 5, sub_type: subType || undefined };
    const l4 = o.proto === 'TCP'
      ? { TCP: { source_port: o.sport, destination_port: o.dport, flags: o.flags } }
      : { UDP: { source_port: o.sport, destination_port: o.dport } };
    const flagNames = o.flags ? Object.keys(o.flags).filter((f) => o.flags![f]) : [];
    const summary = o.proto === 'TCP' ? `TCP Flags: ${flagNames.join(', ')}` : 'UDP';
    const flow: Record<string, Json | undefined> = {
      time,
      uuid: uuid(`flow/${this.seq}/${time}`),
      emitter: { name: 'Hubble', version: `${VERSIONS.hubble}+g${sha256('hubble-build').slice(0, 10)}` },
      verdict: o.verdict,
      drop_reason: o.kind === 'drop' ? o.dropReason : undefined,
      IP: { source: this.ipOf(o.src), destination: this.ipOf(o.dst), ipVersion: 'IPv4' },
      l4,
      source: this.endpoint(o.src, o.node),
      destination: this.endpoint(o.dst, o.node),
      Type: 'L3_L4',
      node_name: o.node.name,
      reply: o.reply ? true : undefined,
      event_type: eventType,
      source_service: o.srcService,
      destination_service: o.dstService,
      traffic_direction: o.direction,
      policy_match_type: o.policyMatchType,
      trace_observation_point: o.kind === 'trace' ? o.point : undefined,
      trace_reason: o.kind === 'trace' ? (o.reply ? 'REPLY' : 'NEW') : undefined,
      drop_reason_desc: o.dropReasonDesc,
      is_reply: o.kind === 'drop' ? undefined : o.reply,
      Summary: summary,
      egress_allowed_by: o.egressAllowedBy?.map((p) => policyJson(p, o.node)),
      ingress_allowed_by: o.ingressAllowedBy?.map((p) => policyJson(p, o.node)),
      egress_denied_by: o.egressDeniedBy?.map((p) => policyJson(p, o.node)),
    };
    this.events.push({ atNs: o.atNs, node: o.node, flow });
  }

  /** A connection that is allowed: SYN out, SYN-ACK back, seen at both ends. */
  connection(o: {
    atNs: number; src: Peer; dst: Peer; sport: number; dport: number; proto: 'TCP' | 'UDP';
    service?: { name: string; namespace: string }; fromEndpoint?: boolean;
    egressPolicy?: PolicyRef; ingressPolicy?: PolicyRef; matchType?: number;
  }): void {
    const srcNode = o.src.kind === 'pod' ? o.src.pod.node : undefined;
    const dstNode = o.dst.kind === 'pod' ? o.dst.pod.node : undefined;
    const syn = o.proto === 'TCP' ? { SYN: true } : undefined;
    const synAck = o.proto === 'TCP' ? { SYN: true, ACK: true } : undefined;
    const base = { sport: o.sport, dport: o.dport, proto: o.proto, verdict: 'FORWARDED' as const };
    const rev = { src: o.dst, dst: o.src, sport: o.dport, dport: o.sport, proto: o.proto, verdict: 'FORWARDED' as const };
    let t = o.atNs;
    const step = (ns: number): number => (t += ns);
    if (srcNode) {
      if (o.fromEndpoint) this.add({ ...base, atNs: t, node: srcNode, src: o.src, dst: o.dst, flags: syn, kind: 'trace', point: 'FROM_ENDPOINT', direction: 'EGRESS', reply: false });
      if (o.egressPolicy) this.add({ ...base, atNs: step(9_412), node: srcNode, src: o.src, dst: o.dst, flags: syn, kind: 'policy-verdict', direction: 'EGRESS', reply: false, policyMatchType: o.matchType ?? 2, egressAllowedBy: [o.egressPolicy], dstService: o.service });
      this.add({ ...base, atNs: step(21_733), node: srcNode, src: o.src, dst: o.dst, flags: syn, kind: 'trace', point: 'TO_STACK', direction: 'EGRESS', reply: false, dstService: o.service });
    }
    if (dstNode) {
      step(srcNode === dstNode ? 18_204 : 301_557);
      if (o.ingressPolicy) this.add({ ...base, atNs: step(6_118), node: dstNode, src: o.src, dst: o.dst, flags: syn, kind: 'policy-verdict', direction: 'INGRESS', reply: false, policyMatchType: o.matchType ?? 2, ingressAllowedBy: [o.ingressPolicy] });
      this.add({ ...base, atNs: step(11_902), node: dstNode, src: o.src, dst: o.dst, flags: syn, kind: 'trace', point: 'TO_ENDPOINT', direction: 'INGRESS', reply: false, dstService: srcNode ? o.service : undefined });
      this.add({ ...rev, atNs: step(88_415), node: dstNode, flags: synAck, kind: 'trace', point: 'TO_STACK', direction: 'INGRESS', reply: true, srcService: srcNode ? o.service : undefined });
    }
    if (srcNode) {
      step(srcNode === dstNode ? 15_311 : dstNode ? 297_806 : 1_204_377);
      this.add({ ...rev, atNs: step(9_874), node: srcNode, flags: synAck, kind: 'trace', point: 'TO_ENDPOINT', direction: 'EGRESS', reply: true, srcService: o.service });
    }
  }

  lines(): string[] {
    return [...this.events]
      .sort((a, b) => a.atNs - b.atNs)
      .map((e) => JSON.stringify({ flow: e.flow, node_name: e.node.name, time: e.flow.time }));
  }
}

function hubbleFlows(model: Model): string[] {
  const log = new FlowLog(model);
  const pod = (ns: string, app: string, nodeKey: string): PodModel => {
    const p = model.pods.find((x) => x.ns === ns && x.workload.name === app && x.node.spec.key === nodeKey);
    if (!p) throw new Error(`no ${ns}/${app} pod on ${nodeKey}`);
    return p;
  };
  const P = (p: PodModel): Peer => ({ kind: 'pod', pod: p });
  const W = (ip: string): Peer => ({ kind: 'world', ip });
  const rand = rng('hubble/ports');
  const ephemeral = (): number => 32768 + Math.floor(rand() * 28000);
  const S = 1e9;
  const kubeDns = { name: 'kube-dns', namespace: 'kube-system' };

  const frontendN1 = pod('shop', 'frontend', 'n1');
  const frontendN2 = pod('shop', 'frontend', 'n2');
  const frontendN3 = pod('shop', 'frontend', 'n3');
  const cartN2 = pod('shop', 'cart', 'n2');
  const cartN5 = pod('shop', 'cart', 'n5');
  const checkoutN1 = pod('shop', 'checkout', 'n1');
  const checkoutN3 = pod('shop', 'checkout', 'n3');
  const apiN5 = pod('payments', 'api', 'n5');
  const apiN6 = pod('payments', 'api', 'n6');
  const consumerN3 = pod('data', 'orders-consumer', 'n3');
  const consumerN4 = pod('data', 'orders-consumer', 'n4');
  const producerN6 = pod('data', 'events-producer', 'n6');
  const corednsN1 = pod('kube-system', 'coredns', 'n1');
  const corednsN6 = pod('kube-system', 'coredns', 'n6');

  // DNS lookups through kube-dns (per-packet service translation: Hubble shows the CoreDNS pod IP).
  log.connection({ atNs: 0.41 * S, src: P(frontendN1), dst: P(corednsN1), sport: ephemeral(), dport: 53, proto: 'UDP', service: kubeDns });
  log.connection({ atNs: 2.87 * S, src: P(checkoutN3), dst: P(corednsN6), sport: ephemeral(), dport: 53, proto: 'UDP', service: kubeDns });
  log.connection({ atNs: 5.12 * S, src: P(consumerN4), dst: P(corednsN1), sport: ephemeral(), dport: 53, proto: 'UDP', service: kubeDns, egressPolicy: POLICY.dataEgress });
  log.connection({ atNs: 7.93 * S, src: P(producerN6), dst: P(corednsN6), sport: ephemeral(), dport: 53, proto: 'UDP', service: kubeDns, egressPolicy: POLICY.dataEgress });

  // Internet clients through the NLB (IP targets): source is the NLB's private IP, identity world.
  log.connection({ atNs: 11.06 * S, src: W(AZS[0]!.nlbPrivateIp), dst: P(frontendN1), sport: ephemeral(), dport: 8080, proto: 'TCP', ingressPolicy: POLICY.frontendIngress });
  log.connection({ atNs: 14.58 * S, src: W(AZS[2]!.nlbPrivateIp), dst: P(frontendN3), sport: ephemeral(), dport: 8080, proto: 'TCP', ingressPolicy: POLICY.frontendIngress });

  // frontend -> cart (allowed by cart-ingress).
  log.connection({ atNs: 18.2 * S, src: P(frontendN1), dst: P(cartN5), sport: ephemeral(), dport: 7070, proto: 'TCP', service: { name: 'cart', namespace: 'shop' }, fromEndpoint: true, ingressPolicy: POLICY.cartIngress });
  log.connection({ atNs: 23.74 * S, src: P(frontendN2), dst: P(cartN2), sport: ephemeral(), dport: 7070, proto: 'TCP', service: { name: 'cart', namespace: 'shop' }, fromEndpoint: true, ingressPolicy: POLICY.cartIngress });

  // checkout -> payments/api (allowed by allow-checkout-to-api).
  log.connection({ atNs: 31.4 * S, src: P(checkoutN3), dst: P(apiN5), sport: ephemeral(), dport: 8443, proto: 'TCP', service: { name: 'api', namespace: 'payments' }, ingressPolicy: POLICY.paymentsAllowCheckout });
  log.connection({ atNs: 44.05 * S, src: P(checkoutN1), dst: P(apiN6), sport: ephemeral(), dport: 8443, proto: 'TCP', service: { name: 'api', namespace: 'payments' }, ingressPolicy: POLICY.paymentsAllowCheckout });

  // Kafka clients -> MSK brokers over TLS (egress allowed by data-egress; brokers are outside the cluster: world).
  log.connection({ atNs: 52.6 * S, src: P(consumerN4), dst: W(MSK_BROKERS[0]!.ip), sport: ephemeral(), dport: 9094, proto: 'TCP', egressPolicy: POLICY.dataEgress });
  log.connection({ atNs: 58.31 * S, src: P(consumerN3), dst: W(MSK_BROKERS[2]!.ip), sport: ephemeral(), dport: 9094, proto: 'TCP', egressPolicy: POLICY.dataEgress });
  log.connection({ atNs: 63.92 * S, src: P(producerN6), dst: W(MSK_BROKERS[1]!.ip), sport: ephemeral(), dport: 9094, proto: 'TCP', egressPolicy: POLICY.dataEgress });

  // cart -> payments/api: denied on the destination by the payments default-deny (K8s policy: no name in the drop).
  {
    const sport = ephemeral();
    const base = { src: P(cartN2), dst: P(apiN6), sport, dport: 8443, proto: 'TCP' as const, flags: { SYN: true } };
    const api = { name: 'api', namespace: 'payments' };
    [0, 1.02, 3.07].forEach((retry, i) => {
      const t0 = (71.3 + retry) * S;
      log.add({ ...base, atNs: t0, node: cartN2.node, verdict: 'FORWARDED', kind: 'trace', point: 'TO_STACK', direction: 'EGRESS', reply: false, dstService: api });
      if (i === 0) log.add({ ...base, atNs: t0 + 318_440, node: apiN6.node, verdict: 'DROPPED', kind: 'policy-verdict', direction: 'INGRESS', reply: false });
      log.add({ ...base, atNs: t0 + 324_902, node: apiN6.node, verdict: 'DROPPED', kind: 'drop', direction: 'INGRESS', reply: false, dropReason: 133, dropReasonDesc: 'POLICY_DENIED' });
    });
  }

  // events-producer -> IMDS: explicit egressDeny of the clusterwide policy (drop reason 181).
  {
    const base = { src: P(producerN6), dst: W(IMDS_IP), sport: ephemeral(), dport: 80, proto: 'TCP' as const, flags: { SYN: true } };
    const t0 = 96.48 * S;
    log.add({ ...base, atNs: t0, node: producerN6.node, verdict: 'DROPPED', kind: 'policy-verdict', direction: 'EGRESS', reply: false, egressDeniedBy: [POLICY.denyImds] });
    log.add({ ...base, atNs: t0 + 5_207, node: producerN6.node, verdict: 'DROPPED', kind: 'drop', direction: 'EGRESS', reply: false, dropReason: 181, dropReasonDesc: 'POLICY_DENY', egressDeniedBy: [POLICY.denyImds] });
    log.add({ ...base, atNs: t0 + 1.0 * S + 4_771, node: producerN6.node, verdict: 'DROPPED', kind: 'drop', direction: 'EGRESS', reply: false, dropReason: 181, dropReasonDesc: 'POLICY_DENY', egressDeniedBy: [POLICY.denyImds] });
  }

  // A later DNS lookup and NLB hit, so the window ends with normal traffic.
  log.connection({ atNs: 131.7 * S, src: P(checkoutN1), dst: P(corednsN1), sport: ephemeral(), dport: 53, proto: 'UDP', service: kubeDns });
  log.connection({ atNs: 139.25 * S, src: W(AZS[1]!.nlbPrivateIp), dst: P(frontendN2), sport: ephemeral(), dport: 8080, proto: 'TCP', ingressPolicy: POLICY.frontendIngress });

  return log.lines();
}

// =====================================================================================================
// Output
// =====================================================================================================

function yamlText(value: Json): string {
  return stringify(value, { version: '1.1', sortMapEntries: true, indentSeq: false, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

function jsonAws(value: Json): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

/** Writes the snapshot into `outDir` (its kubernetes/, aws/, ipamd/ and hubble/ are replaced). */
export function buildDemoSnapshot(outDir: string): string[] {
  resourceVersionCounter = 0;
  const model = buildModel();
  const files: Array<[string, string]> = [
    ['kubernetes/namespaces.yaml', yamlText(namespacesYaml())],
    ['kubernetes/nodes.yaml', yamlText(nodesYaml(model))],
    ['kubernetes/workloads.yaml', yamlText(workloadsYaml(model))],
    ['kubernetes/pods.yaml', yamlText(podsYaml(model))],
    ['kubernetes/services.yaml', yamlText(servicesYaml())],
    ['kubernetes/endpointslices.yaml', yamlText(endpointSlicesYaml(model))],
    ['kubernetes/networkpolicies.yaml', yamlText(networkPoliciesYaml())],
    ['kubernetes/cilium.yaml', yamlText(ciliumYaml(model))],
    ['kubernetes/vpc-cni.yaml', yamlText(vpcCniYaml(model))],
    ['kubernetes/kube-system-config.yaml', yamlText(kubeSystemConfigYaml())],
    ['aws/describe-vpcs.json', jsonAws(describeVpcs())],
    ['aws/describe-subnets.json', jsonAws(describeSubnets(model))],
    ['aws/describe-route-tables.json', jsonAws(describeRouteTables(model))],
    ['aws/describe-nat-gateways.json', jsonAws(describeNatGateways(model))],
    ['aws/describe-network-interfaces.json', jsonAws(describeNetworkInterfaces(model))],
    ['aws/describe-instances.json', jsonAws(describeInstances(model))],
    ['aws/describe-security-groups.json', jsonAws(describeSecurityGroups(model))],
    // ipamd answers with Go's json.Marshal: compact, no trailing newline.
    ...model.nodes.map((n): [string, string] => [`ipamd/${n.name}.json`, JSON.stringify(ipamdEnis(model, n))]),
    ['hubble/flows.jsonl', `${hubbleFlows(model).join('\n')}\n`],
  ];
  for (const sub of ['kubernetes', 'aws', 'ipamd', 'hubble']) fs.rmSync(path.join(outDir, sub), { recursive: true, force: true });
  for (const [rel, text] of files) {
    const file = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return files.map(([rel]) => rel);
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const outDir = process.argv[2] ?? 'demo/snapshot';
  const written = buildDemoSnapshot(outDir);
  process.stdout.write(`wrote ${written.length} files to ${outDir}\n`);
}
