/**
 * The plan of a generated EKS cluster (AWS VPC CNI chained with Cilium): nodes, their ENIs and IP
 * ranges, namespaces, workloads, where each pod runs and which IP it holds, services and policies.
 * Compact (typed arrays and ranges, no JSON) so that 5,000 nodes and 150,000 pods fit in a few
 * tens of MB; `writeGeneratedCluster` turns it into a snapshot directory. Deterministic for a seed.
 */
import { instanceLimits, maxPods } from '../../core/capacity/instanceCapacity';

export interface ClusterPlanOptions {
  nodes: number;
  /** Every pod, the three DaemonSet pods per node (aws-node, kube-proxy, cilium) included. */
  pods: number;
  /** NetworkPolicies, CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies; default 2 per namespace. */
  policies?: number;
  /** Services; default one per Deployment. */
  services?: number;
  seed?: number;
}

/** Limits of what can be generated; beyond them the input is refused with a message. */
export const PLAN_LIMITS = { nodes: 20_000, pods: 1_000_000, policies: 100_000, services: 60_000 } as const;

export const DAEMON_PODS_PER_NODE = 3;
export const REGION = 'us-east-1';
export const ACCOUNT = '111122223333';
export const SERVICE_CIDR = '172.20.0.0/16';
/** Cilium's cluster pool: in chaining mode only each node's cilium_host router IP comes from it. */
export const CILIUM_POOL = '100.64.0.0/10';
const SUBNET_PREFIX = 18;
const SUBNET_SIZE = 1 << (32 - SUBNET_PREFIX);
/** AWS reserves the first four and the last address of every subnet. */
const SUBNET_RESERVED_HEAD = 4;

export interface PlanAz {
  name: string;
  zoneId: string;
  publicCidr: string;
}

export const AZS: readonly PlanAz[] = [
  { name: 'us-east-1a', zoneId: 'use1-az1', publicCidr: '10.0.0.0/24' },
  { name: 'us-east-1b', zoneId: 'use1-az2', publicCidr: '10.0.1.0/24' },
  { name: 'us-east-1c', zoneId: 'use1-az4', publicCidr: '10.0.2.0/24' },
];

/** Instance types of the node groups, with their share of the nodes. */
const INSTANCE_MIX: ReadonlyArray<{ type: string; nodegroup: string; weight: number }> = [
  { type: 'm5.2xlarge', nodegroup: 'general', weight: 35 },
  { type: 'm6i.2xlarge', nodegroup: 'general', weight: 25 },
  { type: 'r6i.2xlarge', nodegroup: 'memory', weight: 15 },
  { type: 'c6i.4xlarge', nodegroup: 'compute', weight: 15 },
  { type: 'm5.4xlarge', nodegroup: 'general', weight: 10 },
];

export interface PlanSubnet {
  id: string;
  az: number;
  /** First address as an integer, and the prefix length. */
  base: number;
  prefix: number;
  /** Next free address. */
  next: number;
}

export interface PlanEni {
  id: string;
  device: number;
  /** Primary IP; the ENI's secondary IPs are the `ipCount - 1` addresses after it. */
  firstIp: number;
  ipCount: number;
  mac: string;
  attachmentId: string;
}

export interface PlanNode {
  index: number;
  name: string;
  az: number;
  subnet: number;
  instanceType: string;
  nodegroup: string;
  instanceId: string;
  maxPods: number;
  enis: PlanEni[];
  /** Index of the node's /24 in Cilium's cluster pool. */
  ciliumBlock: number;
  uid: string;
}

export interface PlanWorkload {
  index: number;
  namespace: number;
  name: string;
  tier: string;
  team: string;
  replicas: number;
  /** Container port, named `http` (or `grpc`, `metrics`). */
  port: number;
  portName: string;
  /** ReplicaSet `pod-template-hash`. */
  templateHash: string;
  identityId: number;
  uid: string;
  replicaSetUid: string;
}

export interface PlanNamespace {
  name: string;
  team: string;
  uid: string;
}

export interface PlanService {
  name: string;
  workload: number;
  /** Integer form of the cluster IP, or 0 for a headless service. */
  clusterIp: number;
  uid: string;
}

export type PlanPolicyKind = 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';

export interface PlanPolicy {
  kind: PlanPolicyKind;
  name: string;
  /** Namespace index; -1 for cluster-wide. */
  namespace: number;
  /** 'default-deny' or a rule set on `workload` allowing `peer`. */
  shape: 'default-deny' | 'allow-peer' | 'allow-peer-egress-cidr' | 'cluster-tier';
  workload: number;
  peer: number;
  uid: string;
}

export interface ClusterPlan {
  seed: number;
  clusterName: string;
  vpcId: string;
  vpcCidrs: string[];
  subnets: PlanSubnet[];
  natGateways: Array<{ id: string; az: number; privateIp: number; publicIp: string; eniId: string; allocationId: string }>;
  securityGroups: { cluster: string; node: string };
  routeTables: { public: string; private: string[] };
  internetGateway: string;
  nodes: PlanNode[];
  namespaces: PlanNamespace[];
  workloads: PlanWorkload[];
  /** App pods (not DaemonSet pods), in workload order: workload, ordinal in it, node, IP, name suffix. */
  pods: { workload: Int32Array; node: Int32Array; ip: Uint32Array; suffix: string[]; uid: string[]; endpointId: Uint16Array };
  services: PlanService[];
  policies: PlanPolicy[];
  /** Pods per node index (app pods only), for ipamd and capacity. */
  podsByNode: Int32Array[];
  created: { cluster: string; nodes: string; pods: string };
}

/** A readable error for an option that cannot be generated. */
export class PlanError extends Error {}

// ---------------------------------------------------------------- helpers

/** A small, fast, seedable PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Ids {
  constructor(private readonly rnd: () => number) {}
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += Math.floor(this.rnd() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  /** Like the suffixes the API server's name generator uses. */
  k8sSuffix(n: number): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.rnd() * alphabet.length)];
    return s;
  }
  mac(): string {
    const h = this.hex(10);
    return `0e:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}`;
  }
}

export function ipToInt(ip: string): number {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

export function intToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function cidrText(base: number, prefix: number): string {
  return `${intToIp(base)}/${prefix}`;
}

const TEAMS = ['payments', 'checkout', 'search', 'catalog', 'identity', 'orders', 'shipping', 'billing', 'ads', 'analytics', 'media', 'notify', 'pricing', 'reviews', 'inventory', 'fraud', 'loyalty', 'support', 'ml', 'platform'];
const NOUNS = ['api', 'web', 'worker', 'gateway', 'cache', 'indexer', 'scheduler', 'consumer', 'producer', 'router', 'auth', 'session', 'ledger', 'feed', 'render', 'export', 'import', 'sync', 'proxy', 'graph'];
const TIERS = ['web', 'api', 'worker', 'cache', 'data'];
const PORTS: ReadonlyArray<{ port: number; name: string }> = [
  { port: 8080, name: 'http' },
  { port: 9090, name: 'grpc' },
  { port: 8443, name: 'https' },
  { port: 3000, name: 'http' },
];

function pickWeighted<T extends { weight: number }>(items: readonly T[], r: number): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = r * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1]!;
}

function checkCount(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new PlanError(`--${name} must be an integer from ${min} to ${max}, got ${value}`);
}

// ---------------------------------------------------------------- plan

/** Plans a cluster; throws a PlanError naming the option when the sizes cannot work together. */
export function planCluster(opts: ClusterPlanOptions): ClusterPlan {
  const seed = opts.seed ?? 1;
  checkCount('nodes', opts.nodes, 1, PLAN_LIMITS.nodes);
  checkCount('pods', opts.pods, DAEMON_PODS_PER_NODE * opts.nodes, PLAN_LIMITS.pods);
  checkCount('seed', seed, 0, 0xffffffff);
  const rnd = seededRandom(seed);
  const ids = new Ids(seededRandom(seed ^ 0x5bd1e995));
  const appPods = opts.pods - DAEMON_PODS_PER_NODE * opts.nodes;

  // nodes: instance type and AZ
  const nodes: PlanNode[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const mix = pickWeighted(INSTANCE_MIX, rnd());
    nodes.push({
      index: i,
      name: '',
      az: i % AZS.length,
      subnet: -1,
      instanceType: mix.type,
      nodegroup: mix.nodegroup,
      instanceId: `i-0${ids.hex(16)}`,
      maxPods: maxPods(mix.type).value!,
      enis: [],
      ciliumBlock: i,
      uid: ids.uuid(),
    });
  }

  // namespaces: the first holds 2 pods in 27 (a big tenant: 10,000 of 135,000), the rest share the remainder
  const nsCount = Math.max(2, Math.round(appPods / 2500));
  const namespaces: PlanNamespace[] = [];
  for (let i = 0; i < nsCount; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    namespaces.push({ name: i < TEAMS.length ? team : `${team}-${Math.floor(i / TEAMS.length) + 1}`, team, uid: ids.uuid() });
  }
  const nsQuota: number[] = [];
  const big = nsCount > 2 ? Math.ceil((appPods * 2) / 27) : Math.ceil(appPods / nsCount);
  let rest = appPods - big;
  nsQuota.push(big);
  for (let i = 1; i < nsCount; i++) {
    const share = i === nsCount - 1 ? rest : Math.min(rest, Math.round((rest / (nsCount - i)) * (0.6 + rnd() * 0.8)));
    nsQuota.push(share);
    rest -= share;
  }

  // workloads: Deployments of 1..60 replicas until each namespace's quota is used
  const workloads: PlanWorkload[] = [];
  for (let ns = 0; ns < nsCount; ns++) {
    let left = nsQuota[ns]!;
    const used = new Set<string>();
    while (left > 0) {
      const r = rnd();
      const replicas = Math.min(left, 1 + Math.floor(r * r * 60));
      let name = `${namespaces[ns]!.team}-${NOUNS[Math.floor(rnd() * NOUNS.length)]}`;
      for (let n = 2; used.has(name); n++) name = `${namespaces[ns]!.team}-${NOUNS[Math.floor(rnd() * NOUNS.length)]}-${n}`;
      used.add(name);
      const port = PORTS[Math.floor(rnd() * PORTS.length)]!;
      workloads.push({
        index: workloads.length,
        namespace: ns,
        name,
        tier: TIERS[Math.floor(rnd() * TIERS.length)]!,
        team: namespaces[ns]!.team,
        replicas,
        port: port.port,
        portName: port.name,
        templateHash: ids.k8sSuffix(10).slice(0, 9),
        identityId: 10_000 + workloads.length,
        uid: ids.uuid(),
        replicaSetUid: ids.uuid(),
      });
      left -= replicas;
    }
  }

  // placement: each app pod on a random node with room (max pods and the IPs of its ENIs)
  const capacity = nodes.map((n) => {
    const limits = instanceLimits(n.instanceType)!;
    return Math.min(n.maxPods - DAEMON_PODS_PER_NODE, limits.enis * (limits.ipv4PerEni - 1));
  });
  const totalCapacity = capacity.reduce((a, b) => a + b, 0);
  if (appPods > totalCapacity) {
    throw new PlanError(`--pods ${opts.pods} do not fit on ${opts.nodes} nodes: they hold at most ${totalCapacity + DAEMON_PODS_PER_NODE * opts.nodes} pods (max pods of their instance types); add nodes or lower --pods`);
  }
  const podWorkload = new Int32Array(appPods);
  const podNode = new Int32Array(appPods);
  const used = new Int32Array(nodes.length);
  let p = 0;
  for (const w of workloads) {
    for (let r = 0; r < w.replicas; r++, p++) {
      podWorkload[p] = w.index;
      let n = Math.floor(rnd() * nodes.length);
      while (used[n]! >= capacity[n]!) n = (n + 1) % nodes.length;
      used[n]!++;
      podNode[p] = n;
    }
  }

  // subnets and ENIs: per AZ, /18 subnets carved from successive /16 VPC blocks (10.0/16 keeps
  // its first /18 for the public subnets); a node's ENIs hold its pods plus one warm ENI
  const subnets: PlanSubnet[] = [];
  let nextBlock = ipToInt('10.0.64.0');
  const vpcBlocks = new Set<number>([ipToInt('10.0.0.0')]);
  const current = AZS.map(() => -1);
  const newSubnet = (az: number): number => {
    const base = nextBlock;
    nextBlock += SUBNET_SIZE;
    const block = (base >>> 16) << 16;
    vpcBlocks.add(block >>> 0);
    if (vpcBlocks.size > 50) throw new PlanError(`--nodes ${opts.nodes} need more than 50 VPC CIDR blocks (the EC2 limit)`);
    subnets.push({ id: `subnet-0${ids.hex(16)}`, az, base, prefix: SUBNET_PREFIX, next: base + SUBNET_RESERVED_HEAD });
    return subnets.length - 1;
  };
  for (const node of nodes) {
    const limits = instanceLimits(node.instanceType)!;
    const perEni = limits.ipv4PerEni;
    const enis = Math.min(limits.enis, Math.max(1, Math.ceil(used[node.index]! / (perEni - 1))) + 1);
    const need = enis * perEni;
    let s = current[node.az]!;
    if (s < 0 || subnets[s]!.next + need > subnets[s]!.base + SUBNET_SIZE - 1) s = current[node.az] = newSubnet(node.az);
    const subnet = subnets[s]!;
    node.subnet = s;
    for (let d = 0; d < enis; d++) {
      node.enis.push({ id: `eni-0${ids.hex(16)}`, device: d, firstIp: subnet.next, ipCount: perEni, mac: ids.mac(), attachmentId: `eni-attach-0${ids.hex(16)}` });
      subnet.next += perEni;
    }
    node.name = `ip-${intToIp(node.enis[0]!.firstIp).replace(/\./g, '-')}.ec2.internal`;
  }

  // pod IPs: the node's secondary IPs in ENI order, pods in the order they were placed
  const podIp = new Uint32Array(appPods);
  const podsByNodeList: number[][] = nodes.map(() => []);
  for (let i = 0; i < appPods; i++) podsByNodeList[podNode[i]!]!.push(i);
  for (const node of nodes) {
    const slots: number[] = [];
    for (const eni of node.enis) for (let k = 1; k < eni.ipCount; k++) slots.push(eni.firstIp + k);
    podsByNodeList[node.index]!.forEach((pod, k) => (podIp[pod] = slots[k]!));
  }
  const suffix: string[] = new Array<string>(appPods);
  const uid: string[] = new Array<string>(appPods);
  const endpointId = new Uint16Array(appPods);
  const nextEndpoint = new Uint16Array(nodes.length).map(() => 100 + Math.floor(rnd() * 1000));
  for (let i = 0; i < appPods; i++) {
    suffix[i] = ids.k8sSuffix(5);
    uid[i] = ids.uuid();
    endpointId[i] = nextEndpoint[podNode[i]!]!++;
  }

  // services: one per Deployment by default; more than that adds headless services
  const serviceCount = opts.services ?? workloads.length;
  checkCount('services', serviceCount, 0, PLAN_LIMITS.services);
  if (serviceCount > 0 && workloads.length === 0) throw new PlanError(`--services ${serviceCount} need app pods to select, but --pods ${opts.pods} leaves none after the DaemonSet pods`);
  const services: PlanService[] = [];
  const serviceBase = ipToInt('172.20.0.0');
  for (let i = 0; i < serviceCount; i++) {
    const w = workloads[i % workloads.length]!;
    const round = Math.floor(i / workloads.length);
    const name = round === 0 ? w.name : round === 1 ? `${w.name}-headless` : `${w.name}-${round}`;
    // .0 is the network, .1 is default/kubernetes, .10 is kube-dns
    services.push({ name, workload: w.index, clusterIp: round === 1 ? 0 : serviceBase + 11 + i, uid: ids.uuid() });
  }

  // policies: a default deny per namespace first, then rules that let one workload reach another
  const policyCount = opts.policies ?? (workloads.length > 0 ? 2 * nsCount : nsCount);
  checkCount('policies', policyCount, 0, PLAN_LIMITS.policies);
  if (policyCount > nsCount && workloads.length === 0) throw new PlanError(`--policies ${policyCount}: without app pods only the ${nsCount} default-deny policies can be generated`);
  const policies: PlanPolicy[] = [];
  const byNamespace: number[][] = namespaces.map(() => []);
  for (const w of workloads) byNamespace[w.namespace]!.push(w.index);
  for (let i = 0; i < policyCount; i++) {
    if (i < nsCount) {
      policies.push({ kind: 'NetworkPolicy', name: 'default-deny-ingress', namespace: i, shape: 'default-deny', workload: -1, peer: -1, uid: ids.uuid() });
      continue;
    }
    const w = workloads[Math.floor(rnd() * workloads.length)]!;
    // peers mostly come from the same namespace, some from another one
    const sameNs = rnd() < 0.75;
    const peerNs = sameNs ? w.namespace : Math.floor(rnd() * nsCount);
    const candidates = byNamespace[peerNs]!;
    const peer = candidates[Math.floor(rnd() * candidates.length)]!;
    const pick = i % 20;
    if (pick === 19) {
      policies.push({ kind: 'CiliumClusterwideNetworkPolicy', name: `cluster-${w.tier}-${i}`, namespace: -1, shape: 'cluster-tier', workload: w.index, peer, uid: ids.uuid() });
    } else if (pick >= 12) {
      policies.push({ kind: 'CiliumNetworkPolicy', name: `${w.name}-from-${workloads[peer]!.name}-${i}`, namespace: w.namespace, shape: pick % 3 === 0 ? 'allow-peer-egress-cidr' : 'allow-peer', workload: w.index, peer, uid: ids.uuid() });
    } else {
      policies.push({ kind: 'NetworkPolicy', name: `${w.name}-from-${workloads[peer]!.name}-${i}`, namespace: w.namespace, shape: pick % 4 === 0 ? 'allow-peer-egress-cidr' : 'allow-peer', workload: w.index, peer, uid: ids.uuid() });
    }
  }

  const natGateways = AZS.map((_, az) => {
    const base = ipToInt(AZS[az]!.publicCidr.split('/')[0]!);
    return { id: `nat-0${ids.hex(16)}`, az, privateIp: base + 10, publicIp: `44.${200 + az}.${Math.floor(rnd() * 250)}.${1 + Math.floor(rnd() * 250)}`, eniId: `eni-0${ids.hex(16)}`, allocationId: `eipalloc-0${ids.hex(16)}` };
  });

  return {
    seed,
    clusterName: `scale-${seed}`,
    vpcId: `vpc-0${ids.hex(16)}`,
    vpcCidrs: [...vpcBlocks].sort((a, b) => a - b).map((b) => cidrText(b, 16)),
    subnets,
    natGateways,
    securityGroups: { cluster: `sg-0${ids.hex(16)}`, node: `sg-0${ids.hex(16)}` },
    routeTables: { public: `rtb-0${ids.hex(16)}`, private: AZS.map(() => `rtb-0${ids.hex(16)}`) },
    internetGateway: `igw-0${ids.hex(16)}`,
    nodes,
    namespaces,
    workloads,
    pods: { workload: podWorkload, node: podNode, ip: podIp, suffix, uid, endpointId },
    services,
    policies,
    podsByNode: podsByNodeList.map((l) => Int32Array.from(l)),
    created: { cluster: '2026-03-02T08:00:00Z', nodes: '2026-11-18T04:00:00Z', pods: '2026-11-20T06:00:00Z' },
  };
}

/** The name of app pod `i`: `<deployment>-<pod-template-hash>-<suffix>`. */
export function podName(plan: ClusterPlan, i: number): string {
  const w = plan.workloads[plan.pods.workload[i]!]!;
  return `${w.name}-${w.templateHash}-${plan.pods.suffix[i]}`;
}

/** Labels of a workload's pods (without `pod-template-hash`). */
export function workloadLabels(w: PlanWorkload): Record<string, string> {
  return { app: w.name, tier: w.tier, team: w.team };
}
