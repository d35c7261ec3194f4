/**
 * Writes a planned cluster (`planCluster`) as a snapshot directory (docs/snapshot-format.md):
 * `kubernetes/*.json` (`kind: List`, at most 10,000 items a file), `aws/describe-*.json`,
 * `ipamd/<node>.json`. Streams every large list, so memory stays flat at any size.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { instanceLimits } from '../../core/capacity/instanceCapacity';
import {
  ACCOUNT,
  AZS,
  CILIUM_POOL,
  DAEMON_PODS_PER_NODE,
  Ids,
  REGION,
  cidrText,
  intToIp,
  ipToInt,
  planCluster,
  podName,
  seededRandom,
  workloadLabels,
  type ClusterPlan,
  type ClusterPlanOptions,
  type PlanNode,
  type PlanPolicy,
  type PlanWorkload,
} from './clusterPlan';
import { JsonListWriter, KUBE_LIST, awsList } from './jsonListWriter';

type Json = Record<string, unknown>;

export interface GeneratedClusterSummary {
  dir: string;
  seed: number;
  nodes: number;
  pods: number;
  hostNetworkPods: number;
  enis: number;
  ciliumEndpoints: number;
  ciliumIdentities: number;
  namespaces: number;
  deployments: number;
  services: number;
  endpointSlices: number;
  policies: { networkPolicies: number; ciliumNetworkPolicies: number; ciliumClusterwideNetworkPolicies: number };
  subnets: number;
  /** The namespace with the most pods, and how many. */
  largestNamespace: { name: string; pods: number };
  files: number;
}

const VERSIONS = {
  kubelet: 'v1.32.9-eks-113cf36',
  vpcCni: 'v1.20.4',
  cilium: 'v1.18.6',
  containerd: 'containerd://1.7.27',
  kernel: '6.1.155-176.282.amzn2023.x86_64',
  osImage: 'Amazon Linux 2023.9.20251105',
};
const EKS_ECR = `602401143452.dkr.ecr.${REGION}.amazonaws.com`;
const APP_ECR = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const MASK_32 = Buffer.from([255, 255, 255, 255]).toString('base64');
const ZERO_TIME = '0001-01-01T00:00:00Z';

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function tags(map: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}

/** Plans the cluster and writes it to `dir` (created; must be empty or absent). */
export async function generateCluster(dir: string, opts: ClusterPlanOptions): Promise<GeneratedClusterSummary> {
  const plan = planCluster(opts);
  await prepareDirectory(dir);
  return writeGeneratedCluster(plan, dir);
}

async function prepareDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir)).filter((n) => !n.startsWith('.'));
  if (existing.length > 0) throw new Error(`${dir} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}); give a new or empty directory`);
  for (const sub of ['kubernetes', 'aws', 'ipamd']) await mkdir(join(dir, sub));
}

export async function writeGeneratedCluster(plan: ClusterPlan, dir: string): Promise<GeneratedClusterSummary> {
  const w = new ClusterWriter(plan, dir);
  return w.write();
}

class ClusterWriter {
  private readonly ids: Ids;
  private readonly kube: string;
  private readonly aws: string;
  /** First app pod index of each workload (pods are in workload order). */
  private readonly workloadStart: Int32Array;
  private files = 0;
  private endpointSlices = 0;

  constructor(
    private readonly plan: ClusterPlan,
    private readonly dir: string,
  ) {
    this.ids = new Ids(seededRandom(plan.seed ^ 0x27d4eb2d));
    this.kube = join(dir, 'kubernetes');
    this.aws = join(dir, 'aws');
    this.workloadStart = new Int32Array(plan.workloads.length);
    let start = 0;
    for (const wl of plan.workloads) {
      this.workloadStart[wl.index] = start;
      start += wl.replicas;
    }
  }

  async write(): Promise<GeneratedClusterSummary> {
    const p = this.plan;
    await this.list('namespaces', this.namespaces());
    await this.list('kube-system', this.kubeSystem());
    await this.list('nodes', p.nodes.map((n) => this.node(n)), 2_000);
    await this.list('deployments', p.workloads.map((wl) => this.deployment(wl)));
    await this.streamList('pods', this.pods());
    await this.list('services', this.services());
    await this.streamList('endpointslices', this.endpointSliceObjects());
    await this.list('networkpolicies', p.policies.map((pol) => this.policy(pol)));
    await this.streamList('ciliumendpoints', this.ciliumEndpoints());
    await this.list('ciliumidentities', p.workloads.map((wl) => this.identity(wl)));
    await this.list('ciliumnodes', p.nodes.map((n) => this.ciliumNode(n)), 5_000);
    await this.writeAws();
    for (const node of p.nodes) {
      await writeFile(join(this.dir, 'ipamd', `${node.name}.json`), JSON.stringify(this.ipamd(node)));
      this.files++;
    }

    const policies = { networkPolicies: 0, ciliumNetworkPolicies: 0, ciliumClusterwideNetworkPolicies: 0 };
    for (const pol of p.policies) {
      if (pol.kind === 'NetworkPolicy') policies.networkPolicies++;
      else if (pol.kind === 'CiliumNetworkPolicy') policies.ciliumNetworkPolicies++;
      else policies.ciliumClusterwideNetworkPolicies++;
    }
    const perNs = new Map<string, number>();
    for (const wl of p.workloads) perNs.set(p.namespaces[wl.namespace]!.name, (perNs.get(p.namespaces[wl.namespace]!.name) ?? 0) + wl.replicas);
    const largest = [...perNs].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    const appPods = p.pods.workload.length;
    return {
      dir: this.dir,
      seed: p.seed,
      nodes: p.nodes.length,
      pods: appPods + DAEMON_PODS_PER_NODE * p.nodes.length,
      hostNetworkPods: DAEMON_PODS_PER_NODE * p.nodes.length,
      enis: p.nodes.reduce((s, n) => s + n.enis.length, 0),
      ciliumEndpoints: appPods,
      ciliumIdentities: p.workloads.length,
      namespaces: p.namespaces.length + 1,
      deployments: p.workloads.length,
      services: p.services.length + 1,
      endpointSlices: this.endpointSlices,
      policies,
      subnets: p.subnets.length + AZS.length,
      largestNamespace: { name: largest[0], pods: largest[1] },
      files: this.files,
    };
  }

  private async list(prefix: string, items: Iterable<unknown>, chunk = 10_000): Promise<void> {
    await this.streamList(prefix, items, chunk);
  }

  private async streamList(prefix: string, items: Iterable<unknown>, chunk = 10_000): Promise<void> {
    const writer = new JsonListWriter(this.kube, prefix, KUBE_LIST.head, KUBE_LIST.tail, chunk);
    for (const item of items) await writer.add(item);
    await writer.close();
    this.files += writer.files.length;
  }

  private meta(name: string, created: string, extra: Json = {}, namespace?: string): Json {
    return { name, ...(namespace ? { namespace } : {}), uid: this.ids.uuid(), resourceVersion: '1', creationTimestamp: created, ...extra };
  }

  // ---------------------------------------------------------------- Kubernetes

  private *namespaces(): Iterable<Json> {
    const all = [{ name: 'kube-system', team: 'platform', uid: this.ids.uuid() }, ...this.plan.namespaces];
    for (const ns of all) {
      yield {
        apiVersion: 'v1', kind: 'Namespace',
        metadata: { name: ns.name, uid: ns.uid, resourceVersion: '1', creationTimestamp: this.plan.created.cluster, labels: { 'kubernetes.io/metadata.name': ns.name, team: ns.team } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      };
    }
  }

  private *kubeSystem(): Iterable<Json> {
    const created = this.plan.created.cluster;
    yield {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: this.meta('cilium-config', created, { labels: { 'app.kubernetes.io/managed-by': 'Helm' } }, 'kube-system'),
      data: {
        'cluster-name': 'default',
        'cluster-pool-ipv4-cidr': CILIUM_POOL,
        'cluster-pool-ipv4-mask-size': '24',
        'cni-chaining-mode': 'aws-cni',
        'cni-exclusive': 'false',
        'enable-bpf-masquerade': 'false',
        'enable-endpoint-routes': 'true',
        'enable-hubble': 'true',
        'enable-identity-mark': 'true',
        'enable-ipv4': 'true',
        'enable-ipv4-masquerade': 'false',
        'enable-ipv6': 'false',
        'enable-host-legacy-routing': 'true',
        'enable-l7-proxy': 'true',
        'enable-local-node-route': 'false',
        'enable-policy': 'default',
        'identity-allocation-mode': 'crd',
        ipam: 'cluster-pool',
        'kube-proxy-replacement': 'false',
        'routing-mode': 'native',
      },
    };
    for (const ds of this.daemonSets()) {
      yield {
        apiVersion: 'apps/v1', kind: 'DaemonSet',
        metadata: this.meta(ds.name, created, { labels: ds.labels }, 'kube-system'),
        spec: {
          selector: { matchLabels: ds.labels },
          template: { metadata: { labels: ds.labels }, spec: { containers: ds.containers, hostNetwork: true, priorityClassName: 'system-node-critical', serviceAccountName: ds.name, tolerations: [{ operator: 'Exists' }] } },
          updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '10%' }, type: 'RollingUpdate' },
        },
        status: { currentNumberScheduled: this.plan.nodes.length, desiredNumberScheduled: this.plan.nodes.length, numberAvailable: this.plan.nodes.length, numberReady: this.plan.nodes.length, updatedNumberScheduled: this.plan.nodes.length },
      };
    }
  }

  private daemonSets(): Array<{ name: string; labels: Record<string, string>; containers: Json[] }> {
    const env: Array<[string, string]> = [
      ['AWS_VPC_CNI_NODE_PORT_SUPPORT', 'true'],
      ['AWS_VPC_ENI_MTU', '9001'],
      ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG', 'false'],
      ['AWS_VPC_K8S_CNI_EXTERNALSNAT', 'false'],
      ['AWS_VPC_K8S_CNI_RANDOMIZESNAT', 'prng'],
      ['AWS_VPC_K8S_CNI_VETHPREFIX', 'eni'],
      ['CLUSTER_NAME', this.plan.clusterName],
      ['ENABLE_IPv4', 'true'],
      ['ENABLE_IPv6', 'false'],
      ['ENABLE_POD_ENI', 'false'],
      ['ENABLE_PREFIX_DELEGATION', 'false'],
      ['VPC_ID', this.plan.vpcId],
      ['WARM_ENI_TARGET', '1'],
    ];
    return [
      {
        name: 'aws-node',
        labels: { 'k8s-app': 'aws-node' },
        containers: [{ name: 'aws-node', image: `${EKS_ECR}/amazon-k8s-cni:${VERSIONS.vpcCni}-eksbuild.1`, env: env.map(([name, value]) => ({ name, value })), ports: [{ containerPort: 61678, hostPort: 61678, name: 'metrics', protocol: 'TCP' }], resources: { requests: { cpu: '25m' } } }],
      },
      {
        name: 'kube-proxy',
        labels: { 'k8s-app': 'kube-proxy' },
        containers: [{ name: 'kube-proxy', image: `${EKS_ECR}/eks/kube-proxy:v1.32.6-eksbuild.12`, command: ['kube-proxy', '--v=2', '--config=/var/lib/kube-proxy-config/config'], resources: { requests: { cpu: '100m' } } }],
      },
      {
        name: 'cilium',
        labels: { 'k8s-app': 'cilium' },
        containers: [{ name: 'cilium-agent', image: `quay.io/cilium/cilium:${VERSIONS.cilium}`, command: ['cilium-agent'], args: ['--config-dir=/tmp/cilium/config-map'], ports: [{ containerPort: 4244, hostPort: 4244, name: 'peer-service', protocol: 'TCP' }] }],
      },
    ];
  }

  private nodeIp(node: PlanNode): string {
    return intToIp(node.enis[0]!.firstIp);
  }

  private node(node: PlanNode): Json {
    const az = AZS[node.az]!;
    const limits = instanceLimits(node.instanceType)!;
    const ip = this.nodeIp(node);
    const created = addSeconds(this.plan.created.nodes, node.index * 7);
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: this.meta(node.name, created, {
        annotations: { 'alpha.kubernetes.io/provided-node-ip': ip, 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/instance-type': node.instanceType,
          'beta.kubernetes.io/os': 'linux',
          'eks.amazonaws.com/capacityType': 'ON_DEMAND',
          'eks.amazonaws.com/nodegroup': node.nodegroup,
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': node.name,
          'kubernetes.io/os': 'linux',
          'node.kubernetes.io/instance-type': node.instanceType,
          'topology.k8s.aws/zone-id': az.zoneId,
          'topology.kubernetes.io/region': REGION,
          'topology.kubernetes.io/zone': az.name,
        },
      }),
      spec: { providerID: `aws:///${az.name}/${node.instanceId}` },
      status: {
        addresses: [{ address: ip, type: 'InternalIP' }, { address: node.name, type: 'InternalDNS' }, { address: node.name, type: 'Hostname' }],
        allocatable: { cpu: `${limits.enis * 1000 - 90}m`, 'ephemeral-storage': '76224326324', memory: '31526728Ki', pods: String(node.maxPods) },
        capacity: { cpu: String(limits.enis), 'ephemeral-storage': '83873772Ki', memory: '32386888Ki', pods: String(node.maxPods) },
        conditions: [
          { lastHeartbeatTime: addSeconds(this.plan.created.pods, 3600), lastTransitionTime: addSeconds(created, 41), message: 'kubelet is posting ready status', reason: 'KubeletReady', status: 'True', type: 'Ready' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: { architecture: 'amd64', containerRuntimeVersion: VERSIONS.containerd, kernelVersion: VERSIONS.kernel, kubeletVersion: VERSIONS.kubelet, operatingSystem: 'linux', osImage: VERSIONS.osImage },
      },
    };
  }

  private deployment(wl: PlanWorkload): Json {
    const ns = this.plan.namespaces[wl.namespace]!.name;
    const labels = workloadLabels(wl);
    return {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: wl.name, namespace: ns, uid: wl.uid, resourceVersion: '1', creationTimestamp: this.plan.created.cluster, labels: { app: wl.name, team: wl.team } },
      spec: {
        replicas: wl.replicas,
        selector: { matchLabels: { app: wl.name } },
        template: { metadata: { labels }, spec: { containers: [this.container(wl)] } },
      },
      status: { availableReplicas: wl.replicas, readyReplicas: wl.replicas, replicas: wl.replicas, updatedReplicas: wl.replicas },
    };
  }

  private container(wl: PlanWorkload): Json {
    return {
      name: wl.name.slice(wl.team.length + 1),
      image: `${APP_ECR}/${wl.team}/${wl.name}:v${1 + (wl.index % 7)}.${wl.index % 13}.${wl.index % 5}`,
      ports: [{ containerPort: wl.port, name: wl.portName, protocol: 'TCP' }, { containerPort: 9102, name: 'metrics', protocol: 'TCP' }],
      resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
      readinessProbe: { httpGet: { path: '/ready', port: wl.portName, scheme: 'HTTP' }, periodSeconds: 10 },
    };
  }

  private *pods(): Iterable<Json> {
    const p = this.plan;
    // DaemonSet pods first: aws-node, kube-proxy and cilium on every node, on the host network
    for (const ds of this.daemonSets()) {
      const dsUid = this.ids.uuid();
      for (const node of p.nodes) {
        const ip = this.nodeIp(node);
        yield {
          apiVersion: 'v1', kind: 'Pod',
          metadata: this.meta(`${ds.name}-${this.ids.k8sSuffix(5)}`, addSeconds(p.created.nodes, node.index * 7 + 5), {
            generateName: `${ds.name}-`,
            labels: { ...ds.labels, 'controller-revision-hash': '6b8d9c7f5d', 'pod-template-generation': '1' },
            ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'DaemonSet', name: ds.name, uid: dsUid }],
          }, 'kube-system'),
          spec: { containers: ds.containers, hostNetwork: true, nodeName: node.name, priorityClassName: 'system-node-critical', restartPolicy: 'Always', serviceAccountName: ds.name, tolerations: [{ operator: 'Exists' }] },
          status: this.podStatus(ip, ip, p.created.nodes),
        };
      }
    }
    for (let i = 0; i < p.pods.workload.length; i++) yield this.appPod(i);
  }

  private appPod(i: number): Json {
    const p = this.plan;
    const wl = p.workloads[p.pods.workload[i]!]!;
    const node = p.nodes[p.pods.node[i]!]!;
    const created = addSeconds(p.created.pods, i % 3600);
    const name = podName(p, i);
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name,
        namespace: p.namespaces[wl.namespace]!.name,
        uid: p.pods.uid[i],
        resourceVersion: '1',
        creationTimestamp: created,
        generateName: `${wl.name}-${wl.templateHash}-`,
        labels: { ...workloadLabels(wl), 'pod-template-hash': wl.templateHash },
        ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicaSet', name: `${wl.name}-${wl.templateHash}`, uid: wl.replicaSetUid }],
      },
      spec: {
        containers: [this.container(wl)],
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
        nodeName: node.name,
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        serviceAccountName: 'default',
        terminationGracePeriodSeconds: 30,
      },
      status: this.podStatus(intToIp(p.pods.ip[i]!), this.nodeIp(node), created),
    };
  }

  private podStatus(ip: string, hostIp: string, created: string): Json {
    const ready = addSeconds(created, 9);
    return {
      conditions: [
        { lastProbeTime: null, lastTransitionTime: addSeconds(created, 1), status: 'True', type: 'Initialized' },
        { lastProbeTime: null, lastTransitionTime: ready, status: 'True', type: 'Ready' },
        { lastProbeTime: null, lastTransitionTime: ready, status: 'True', type: 'ContainersReady' },
        { lastProbeTime: null, lastTransitionTime: created, status: 'True', type: 'PodScheduled' },
      ],
      hostIP: hostIp,
      hostIPs: [{ ip: hostIp }],
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      qosClass: 'Burstable',
      startTime: created,
    };
  }

  private *services(): Iterable<Json> {
    const p = this.plan;
    yield {
      apiVersion: 'v1', kind: 'Service',
      metadata: this.meta('kubernetes', p.created.cluster, { labels: { component: 'apiserver', provider: 'kubernetes' } }, 'default'),
      spec: { clusterIP: '172.20.0.1', clusterIPs: ['172.20.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 443 }], type: 'ClusterIP' },
    };
    for (const s of p.services) {
      const wl = p.workloads[s.workload]!;
      const ip = s.clusterIp ? intToIp(s.clusterIp) : 'None';
      yield {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: s.name, namespace: p.namespaces[wl.namespace]!.name, uid: s.uid, resourceVersion: '1', creationTimestamp: p.created.cluster, labels: { app: wl.name } },
        spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: wl.portName, port: 80, protocol: 'TCP', targetPort: wl.portName }], selector: { app: wl.name }, type: 'ClusterIP' },
      };
    }
  }

  /** One EndpointSlice per 100 ready pods of a service, like the EndpointSlice controller. */
  private *endpointSliceObjects(): Iterable<Json> {
    const p = this.plan;
    for (const s of p.services) {
      const wl = p.workloads[s.workload]!;
      const ns = p.namespaces[wl.namespace]!.name;
      const start = this.workloadStart[wl.index]!;
      for (let from = 0; from < wl.replicas; from += 100) {
        const endpoints: Json[] = [];
        for (let i = start + from; i < start + Math.min(wl.replicas, from + 100); i++) {
          const node = p.nodes[p.pods.node[i]!]!;
          endpoints.push({
            addresses: [intToIp(p.pods.ip[i]!)],
            conditions: { ready: true, serving: true, terminating: false },
            nodeName: node.name,
            targetRef: { kind: 'Pod', name: podName(p, i), namespace: ns, uid: p.pods.uid[i] },
            zone: AZS[node.az]!.name,
          });
        }
        this.endpointSlices++;
        yield {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          addressType: 'IPv4',
          endpoints,
          metadata: this.meta(`${s.name}-${this.ids.k8sSuffix(5)}`, p.created.cluster, {
            generateName: `${s.name}-`,
            labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': s.name },
            ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'Service', name: s.name, uid: s.uid }],
          }, ns),
          ports: [{ name: wl.portName, port: wl.port, protocol: 'TCP' }],
        };
      }
    }
  }

  private policy(pol: PlanPolicy): Json {
    const p = this.plan;
    const ns = pol.namespace >= 0 ? p.namespaces[pol.namespace]!.name : undefined;
    const metadata = { name: pol.name, ...(ns ? { namespace: ns } : {}), uid: pol.uid, resourceVersion: '1', creationTimestamp: p.created.cluster, generation: 1 };
    if (pol.shape === 'default-deny') {
      return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    }
    const wl = p.workloads[pol.workload]!;
    const peer = p.workloads[pol.peer]!;
    const peerNs = p.namespaces[peer.namespace]!.name;
    const sameNs = peer.namespace === wl.namespace;
    if (pol.kind === 'NetworkPolicy') {
      const from: Json = sameNs
        ? { podSelector: { matchLabels: { app: peer.name } } }
        : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peerNs } }, podSelector: { matchLabels: { app: peer.name } } };
      const spec: Json = {
        podSelector: { matchLabels: { app: wl.name } },
        ingress: [{ from: [from], ports: [{ port: wl.port, protocol: 'TCP' }] }],
        policyTypes: ['Ingress'],
      };
      if (pol.shape === 'allow-peer-egress-cidr') {
        spec.egress = [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/24'] } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 5432, protocol: 'TCP' }] }];
        spec.policyTypes = ['Ingress', 'Egress'];
      }
      return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec };
    }
    if (pol.kind === 'CiliumNetworkPolicy') {
      const spec: Json = {
        endpointSelector: { matchLabels: { app: wl.name } },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: peer.name, 'k8s:io.kubernetes.pod.namespace': peerNs } }], toPorts: [{ ports: [{ port: String(wl.port), protocol: 'TCP' }] }] }],
      };
      if (pol.shape === 'allow-peer-egress-cidr') {
        spec.egress = [
          { toEndpoints: [{ matchLabels: { app: peer.name, 'k8s:io.kubernetes.pod.namespace': peerNs } }], toPorts: [{ ports: [{ port: String(peer.port), protocol: 'TCP' }] }] },
          { toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
        ];
      }
      return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata, spec };
    }
    return {
      apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata,
      spec: {
        endpointSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [wl.tier] }, { key: 'team', operator: 'Exists' }] },
        ingress: [{ fromEntities: ['cluster'] }, { fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'cilium' } }] }],
      },
    };
  }

  private *ciliumEndpoints(): Iterable<Json> {
    const p = this.plan;
    for (let i = 0; i < p.pods.workload.length; i++) {
      const wl = p.workloads[p.pods.workload[i]!]!;
      const node = p.nodes[p.pods.node[i]!]!;
      const ns = p.namespaces[wl.namespace]!.name;
      const name = podName(p, i);
      const containerId = this.ids.hex(64);
      yield {
        apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint',
        metadata: this.meta(name, addSeconds(p.created.pods, (i % 3600) + 2), {
          generation: 1,
          ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, kind: 'Pod', name, uid: p.pods.uid[i] }],
        }, ns),
        status: {
          'external-identifiers': { 'cni-attachment-id': `${containerId}:eth0`, 'container-id': containerId, 'k8s-namespace': ns, 'k8s-pod-name': name, 'pod-name': `${ns}/${name}` },
          id: p.pods.endpointId[i],
          identity: { id: wl.identityId, labels: this.identityLabels(wl) },
          'named-ports': [{ name: wl.portName, port: wl.port, protocol: 'TCP' }, { name: 'metrics', port: 9102, protocol: 'TCP' }],
          networking: { addressing: [{ ipv4: intToIp(p.pods.ip[i]!) }], node: this.nodeIp(node) },
          state: 'ready',
        },
      };
    }
  }

  private identityLabels(wl: PlanWorkload): string[] {
    const ns = this.plan.namespaces[wl.namespace]!.name;
    return [
      `k8s:app=${wl.name}`,
      `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${ns}`,
      `k8s:io.cilium.k8s.namespace.labels.team=${wl.team}`,
      'k8s:io.cilium.k8s.policy.cluster=default',
      'k8s:io.cilium.k8s.policy.serviceaccount=default',
      `k8s:io.kubernetes.pod.namespace=${ns}`,
      `k8s:team=${wl.team}`,
      `k8s:tier=${wl.tier}`,
    ].sort();
  }

  private identity(wl: PlanWorkload): Json {
    const labels = this.identityLabels(wl);
    return {
      apiVersion: 'cilium.io/v2', kind: 'CiliumIdentity',
      metadata: this.meta(String(wl.identityId), this.plan.created.cluster, { labels: { 'io.kubernetes.pod.namespace': this.plan.namespaces[wl.namespace]!.name } }),
      'security-labels': Object.fromEntries(labels.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
    };
  }

  private ciliumNode(node: PlanNode): Json {
    const block = ipToInt(CILIUM_POOL.split('/')[0]!) + node.ciliumBlock * 256;
    return {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNode',
      metadata: this.meta(node.name, addSeconds(this.plan.created.nodes, node.index * 7 + 12), {
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }],
      }),
      spec: {
        addresses: [{ ip: this.nodeIp(node), type: 'InternalIP' }, { ip: intToIp(block + 1), type: 'CiliumInternalIP' }],
        'instance-id': node.instanceId,
        ipam: { podCIDRs: [cidrText(block, 24)] },
      },
    };
  }

  // ---------------------------------------------------------------- AWS

  private async awsFile(name: string, key: string, items: Iterable<unknown>, chunk = 5_000): Promise<void> {
    const { head, tail } = awsList(key);
    const writer = new JsonListWriter(this.aws, name, head, tail, chunk);
    for (const item of items) await writer.add(item);
    await writer.close();
    this.files += writer.files.length;
  }

  private async writeAws(): Promise<void> {
    const p = this.plan;
    await this.awsFile('describe-vpcs', 'Vpcs', [{
      CidrBlock: p.vpcCidrs[0],
      CidrBlockAssociationSet: p.vpcCidrs.map((c, i) => ({ AssociationId: `vpc-cidr-assoc-0${String(i).padStart(16, '0')}`, CidrBlock: c, CidrBlockState: { State: 'associated' } })),
      IsDefault: false, OwnerId: ACCOUNT, State: 'available', VpcId: p.vpcId,
      Tags: tags({ Name: `${p.clusterName}-vpc` }),
    }]);
    await this.awsFile('describe-subnets', 'Subnets', this.subnetItems());
    await this.awsFile('describe-route-tables', 'RouteTables', this.routeTables());
    await this.awsFile('describe-nat-gateways', 'NatGateways', p.natGateways.map((n) => ({
      NatGatewayId: n.id, State: 'available', SubnetId: this.publicSubnetId(n.az), VpcId: p.vpcId, ConnectivityType: 'public',
      NatGatewayAddresses: [{ AllocationId: n.allocationId, NetworkInterfaceId: n.eniId, PrivateIp: intToIp(n.privateIp), PublicIp: n.publicIp, IsPrimary: true, Status: 'succeeded' }],
    })));
    await this.awsFile('describe-security-groups', 'SecurityGroups', [
      { GroupId: p.securityGroups.cluster, GroupName: `eks-cluster-sg-${p.clusterName}`, Description: 'EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.', VpcId: p.vpcId, OwnerId: ACCOUNT, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: p.securityGroups.cluster, UserId: ACCOUNT }] }], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
      { GroupId: p.securityGroups.node, GroupName: `${p.clusterName}-node`, Description: 'EKS node shared security group', VpcId: p.vpcId, OwnerId: ACCOUNT, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: p.securityGroups.node, UserId: ACCOUNT }] }], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
    ]);
    await this.awsFile('describe-network-interfaces', 'NetworkInterfaces', this.networkInterfaces());
    const { head, tail } = awsList('Reservations');
    const writer = new JsonListWriter(this.aws, 'describe-instances', head, tail, 100);
    for (let from = 0; from < p.nodes.length; from += 50) {
      await writer.add({ ReservationId: `r-0${this.ids.hex(16)}`, OwnerId: ACCOUNT, Groups: [], Instances: p.nodes.slice(from, from + 50).map((n) => this.instance(n)) });
    }
    await writer.close();
    this.files += writer.files.length;
  }

  private publicSubnetId(az: number): string {
    return `subnet-0pub${String(az).padStart(13, '0')}`;
  }

  private *subnetItems(): Iterable<Json> {
    const p = this.plan;
    for (let az = 0; az < AZS.length; az++) {
      yield { AvailabilityZone: AZS[az]!.name, AvailabilityZoneId: AZS[az]!.zoneId, CidrBlock: AZS[az]!.publicCidr, SubnetId: this.publicSubnetId(az), VpcId: p.vpcId, State: 'available', MapPublicIpOnLaunch: true, AvailableIpAddressCount: 250, Tags: tags({ Name: `${p.clusterName}-public-${AZS[az]!.name}`, 'kubernetes.io/role/elb': '1' }) };
    }
    for (const s of p.subnets) {
      const size = 1 << (32 - s.prefix);
      yield { AvailabilityZone: AZS[s.az]!.name, AvailabilityZoneId: AZS[s.az]!.zoneId, CidrBlock: cidrText(s.base, s.prefix), SubnetId: s.id, VpcId: p.vpcId, State: 'available', MapPublicIpOnLaunch: false, AvailableIpAddressCount: s.base + size - 1 - s.next, Tags: tags({ Name: `${p.clusterName}-private-${AZS[s.az]!.name}`, 'kubernetes.io/role/internal-elb': '1' }) };
    }
  }

  private *routeTables(): Iterable<Json> {
    const p = this.plan;
    const local = p.vpcCidrs.map((c) => ({ DestinationCidrBlock: c, GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }));
    yield {
      RouteTableId: p.routeTables.public, VpcId: p.vpcId, OwnerId: ACCOUNT,
      Associations: AZS.map((_, az) => ({ Main: false, RouteTableAssociationId: `rtbassoc-0pub${az}`, RouteTableId: p.routeTables.public, SubnetId: this.publicSubnetId(az) })),
      Routes: [...local, { DestinationCidrBlock: '0.0.0.0/0', GatewayId: p.internetGateway, Origin: 'CreateRoute', State: 'active' }],
    };
    for (let az = 0; az < AZS.length; az++) {
      const rt = p.routeTables.private[az]!;
      yield {
        RouteTableId: rt, VpcId: p.vpcId, OwnerId: ACCOUNT,
        Associations: p.subnets.filter((s) => s.az === az).map((s, k) => ({ Main: false, RouteTableAssociationId: `rtbassoc-0${az}${String(k).padStart(15, '0')}`, RouteTableId: rt, SubnetId: s.id })),
        Routes: [...local, { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: p.natGateways[az]!.id, Origin: 'CreateRoute', State: 'active' }],
      };
    }
  }

  private eniJson(node: PlanNode, device: number, forInstance: boolean): Json {
    const p = this.plan;
    const eni = node.enis[device]!;
    const subnet = p.subnets[node.subnet]!;
    const ips: Json[] = [];
    for (let k = 0; k < eni.ipCount; k++) {
      const ip = intToIp(eni.firstIp + k);
      ips.push({ Primary: k === 0, PrivateDnsName: `ip-${ip.replace(/\./g, '-')}.ec2.internal`, PrivateIpAddress: ip });
    }
    const primary = intToIp(eni.firstIp);
    const attachment = { AttachTime: `${addSeconds(p.created.nodes, node.index * 7 + device * 30)}`.replace('Z', '.000Z'), AttachmentId: eni.attachmentId, DeleteOnTermination: true, DeviceIndex: device, NetworkCardIndex: 0, InstanceId: node.instanceId, InstanceOwnerId: ACCOUNT, Status: 'attached' };
    const base: Json = {
      Attachment: attachment,
      Description: device === 0 ? '' : `aws-K8S-${node.instanceId}`,
      Groups: [{ GroupId: p.securityGroups.cluster, GroupName: `eks-cluster-sg-${p.clusterName}` }],
      Ipv6Addresses: [],
      MacAddress: eni.mac,
      NetworkInterfaceId: eni.id,
      OwnerId: ACCOUNT,
      PrivateDnsName: `ip-${primary.replace(/\./g, '-')}.ec2.internal`,
      PrivateIpAddress: primary,
      PrivateIpAddresses: ips,
      SourceDestCheck: true,
      Status: 'in-use',
      SubnetId: subnet.id,
      VpcId: p.vpcId,
      InterfaceType: 'interface',
    };
    if (forInstance) return base;
    return {
      ...base,
      AvailabilityZone: AZS[node.az]!.name,
      RequesterManaged: false,
      TagSet: device === 0 ? [] : tags({ 'cluster.k8s.amazonaws.com/name': p.clusterName, 'node.k8s.amazonaws.com/instance_id': node.instanceId, 'node.k8s.amazonaws.com/createdAt': attachment.AttachTime }),
    };
  }

  private *networkInterfaces(): Iterable<Json> {
    for (const node of this.plan.nodes) for (const eni of node.enis) yield this.eniJson(node, eni.device, false);
  }

  private instance(node: PlanNode): Json {
    const p = this.plan;
    const limits = instanceLimits(node.instanceType)!;
    const launched = addSeconds(p.created.nodes, node.index * 7).replace('Z', '.000Z');
    return {
      AmiLaunchIndex: 0,
      Architecture: 'x86_64',
      ImageId: 'ami-0c3e1f7a6b2d48e95',
      InstanceId: node.instanceId,
      InstanceType: node.instanceType,
      LaunchTime: launched,
      Placement: { AvailabilityZone: AZS[node.az]!.name, GroupName: '', Tenancy: 'default' },
      PrivateDnsName: node.name,
      PrivateIpAddress: this.nodeIp(node),
      State: { Code: 16, Name: 'running' },
      SubnetId: p.subnets[node.subnet]!.id,
      VpcId: p.vpcId,
      NetworkInterfaces: node.enis.map((e) => this.eniJson(node, e.device, true)),
      SecurityGroups: [{ GroupId: p.securityGroups.cluster, GroupName: `eks-cluster-sg-${p.clusterName}` }],
      CpuOptions: { CoreCount: limits.enis, ThreadsPerCore: 2 },
      Tags: tags({ Name: `${p.clusterName}-${node.nodegroup}`, 'eks:cluster-name': p.clusterName, 'eks:nodegroup-name': node.nodegroup, [`kubernetes.io/cluster/${p.clusterName}`]: 'owned' }),
    };
  }

  // ---------------------------------------------------------------- ipamd

  /** The node's `/v1/enis` body (VPC CNI 1.20 shape, keyed by network card). */
  private ipamd(node: PlanNode): Json {
    const p = this.plan;
    const byIp = new Map<number, number>();
    for (const i of p.podsByNode[node.index]!) byIp.set(p.pods.ip[i]!, i);
    let total = 0;
    let assigned = 0;
    const enis: Record<string, Json> = {};
    for (const eni of node.enis) {
      const cidrs: Record<string, Json> = {};
      for (let k = 1; k < eni.ipCount; k++) {
        const n = eni.firstIp + k;
        const ip = intToIp(n);
        const pod = byIp.get(n);
        total++;
        const addresses: Record<string, Json> = {};
        if (pod !== undefined) {
          assigned++;
          const wl = p.workloads[p.pods.workload[pod]!]!;
          addresses[ip] = {
            Address: ip,
            IPAMKey: { networkName: 'aws-cni', containerID: this.ids.hex(64), ifName: 'eth0' },
            IPAMMetadata: { k8sPodNamespace: p.namespaces[wl.namespace]!.name, k8sPodName: podName(p, pod) },
            AssignedTime: addSeconds(p.created.pods, (pod % 3600) + 2),
            UnassignedTime: ZERO_TIME,
          };
        }
        cidrs[`${ip}/32`] = { Cidr: { IP: ip, Mask: MASK_32 }, IPAddresses: addresses, IsPrefix: false, AddressFamily: '' };
      }
      enis[eni.id] = {
        ID: eni.id, IsPrimary: eni.device === 0, IsTrunk: false, IsEFA: false, DeviceNumber: eni.device,
        AvailableIPv4Cidrs: cidrs, IPv6Cidrs: {}, IsExcludedForPodIPs: false,
        RouteTableID: eni.device === 0 ? 254 : eni.device + 1, SubnetID: p.subnets[node.subnet]!.id,
      };
    }
    return { '0': { TotalIPs: total, AssignedIPs: assigned, ENIs: enis } };
  }
}

