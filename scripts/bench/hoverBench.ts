/**
 * Benchmark of manifest hovers on a large file: a ~5 MB multi-document manifest (Deployments,
 * Services, NetworkPolicies, CiliumNetworkPolicies with CIDR and entity rules) against a synthetic
 * store that holds their pods (with ENIs, subnets and CiliumEndpoints), then hovers at 50 random
 * offsets and at 50 offsets on names, selectors, rules, ports and CIDRs. Each set is timed twice
 * with one document cache: first (the document around the offset is parsed) and cached (the
 * parsed document is reused). The same file as one `kind: List` document is timed too.
 *
 *   npx tsx scripts/bench/hoverBench.ts [--size-mb N] [--seed N]
 */
import { parseArgs } from 'node:util';
import { HoverDocumentCache } from '../../src/core/hover/hoverDocumentCache';
import { manifestHover, prepareManifestHover } from '../../src/core/hover/manifestHover';
import type { CiliumEndpointInfo, EniInfo, NamespaceInfo, NetworkPolicyInfo, NodeInfo, PodInfo, Provenance, ServiceInfo, SubnetInfo } from '../../src/core/model';
import { ClusterStore } from '../../src/core/store/clusterStore';
import { seededRandom } from '../../src/sim/generate/clusterPlan';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '5' }, seed: { type: 'string', default: '7' } } });
const TARGET_BYTES = Number(values['size-mb']) * 1024 * 1024;
/** Deterministic: the generator's PRNG with the given seed. */
const random = seededRandom(Number(values.seed));
const int = (n: number): number => Math.floor(random() * n);

const NAMESPACES = 40;
const NODES = 200;
const PODS_PER_APP = 3;
const origin: Provenance = { source: 'inferred', detail: 'benchmark' };
const nsName = (i: number): string => `team-${String(i).padStart(2, '0')}`;
const nodeName = (i: number): string => `ip-10-0-${i >> 4}-${i & 15}.us-west-2.compute.internal`;
const podIp = (n: number): string => `100.64.${(n >> 8) & 255}.${n & 255}`;

interface App {
  ns: string;
  name: string;
}

function deployment(app: App, i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app.name}
  namespace: ${app.ns}
  labels:
    app: ${app.name}
    tier: ${['web', 'api', 'worker'][i % 3]}
  annotations:
    description: "benchmark workload ${i}: a deployment with enough fields to look like real output"
spec:
  replicas: ${PODS_PER_APP}
  selector:
    matchLabels:
      app: ${app.name}
  template:
    metadata:
      labels:
        app: ${app.name}
        tier: ${['web', 'api', 'worker'][i % 3]}
    spec:
      containers:
      - name: ${app.name}
        image: 111122223333.dkr.ecr.us-west-2.amazonaws.com/${app.ns}/${app.name}:1.${i % 50}.0
        ports:
        - containerPort: 8080
          name: http
          protocol: TCP
        - containerPort: 9090
          name: metrics
          protocol: TCP
        env:
        - name: UPSTREAM
          value: "10.0.${i % 256}.${(i * 7) % 256}"
        resources:
          limits:
            memory: 256Mi
          requests:
            cpu: 100m
            memory: 256Mi
`;
}

function service(app: App, i: number): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${app.name}
  namespace: ${app.ns}
spec:
  type: ClusterIP
  clusterIP: 172.20.${(i >> 8) & 255}.${i & 255}
  selector:
    app: ${app.name}
  ports:
  - name: http
    port: 80
    protocol: TCP
    targetPort: http
`;
}

function networkPolicy(app: App, peer: App): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${app.name}-ingress
  namespace: ${app.ns}
spec:
  podSelector:
    matchLabels:
      app: ${app.name}
  policyTypes:
  - Ingress
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: ${peer.ns}
      podSelector:
        matchLabels:
          app: ${peer.name}
    ports:
    - port: http
      protocol: TCP
  - from:
    - ipBlock:
        cidr: 10.0.0.0/16
        except:
        - 10.0.100.0/24
`;
}

function ciliumPolicy(app: App, peer: App): string {
  return `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: ${app.name}-egress
  namespace: ${app.ns}
spec:
  endpointSelector:
    matchLabels:
      app: ${app.name}
  egress:
  - toEndpoints:
    - matchLabels:
        app: ${peer.name}
        k8s:io.kubernetes.pod.namespace: ${peer.ns}
    toPorts:
    - ports:
      - port: "8080"
        protocol: TCP
  - toCIDRSet:
    - cidr: 100.64.0.0/16
    - cidr: 8.8.8.8/32
  - toEntities:
    - world
    - kube-apiserver
`;
}

function buildManifest(): { text: string; apps: App[] } {
  const docs: string[] = [];
  const apps: App[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    const app: App = { ns: nsName(i % NAMESPACES), name: `app-${i}` };
    const peer: App = apps.length > 0 ? (apps[int(apps.length)] as App) : app;
    apps.push(app);
    for (const doc of [deployment(app, i), service(app, i), networkPolicy(app, peer), ciliumPolicy(app, peer)]) {
      docs.push(doc);
      bytes += doc.length + 4;
    }
  }
  return { text: docs.join('---\n'), apps };
}

function buildStore(apps: App[], manifest: string): ClusterStore {
  const store = new ClusterStore();
  store.batch(() => {
    const subnet: SubnetInfo = { id: 'subnet-0pods', vpcId: 'vpc-bench', cidr: '100.64.0.0/16', zone: 'us-west-2a', tags: {}, origin };
    store.upsert('subnet', subnet);
    store.upsert('subnet', { id: 'subnet-0nodes', vpcId: 'vpc-bench', cidr: '10.0.0.0/16', zone: 'us-west-2a', tags: {}, origin });
    store.upsert('vpc', { id: 'vpc-bench', cidrs: ['10.0.0.0/16', '100.64.0.0/16'], origin });
    for (let i = 0; i < NAMESPACES; i++) {
      const ns: NamespaceInfo = { name: nsName(i), labels: { 'kubernetes.io/metadata.name': nsName(i) }, origin };
      store.upsert('namespace', ns);
    }
    const enis = new Map<string, EniInfo>();
    for (let n = 0; n < NODES; n++) {
      const node: NodeInfo = { name: nodeName(n), labels: {}, internalIp: `10.0.${n >> 4}.${(n & 15) + 10}`, zone: 'us-west-2a', ready: true, origin };
      store.upsert('node', node);
      enis.set(node.name, { id: `eni-${n.toString(16).padStart(8, '0')}`, nodeName: node.name, subnetId: 'subnet-0pods', deviceIndex: 1, kind: 'interface', securityGroups: [], ips: [], prefixes: [], tags: {}, origin });
    }
    let podNumber = 0;
    apps.forEach((app, i) => {
      for (let r = 0; r < PODS_PER_APP; r++) {
        const ip = podIp(podNumber++);
        const node = nodeName(int(NODES));
        const pod: PodInfo = {
          namespace: app.ns,
          name: `${app.name}-5d9f7c-${r}`,
          labels: { app: app.name, tier: ['web', 'api', 'worker'][i % 3] as string, 'pod-template-hash': '5d9f7c' },
          nodeName: node,
          ip,
          ips: [ip],
          hostNetwork: false,
          phase: 'Running',
          ready: true,
          owner: { kind: 'ReplicaSet', name: `${app.name}-5d9f7c` },
          containerPorts: [
            { name: 'http', port: 8080, protocol: 'TCP', container: app.name },
            { name: 'metrics', port: 9090, protocol: 'TCP', container: app.name },
          ],
          origin,
        };
        store.upsert('pod', pod);
        enis.get(node)?.ips.push({ ip, primary: false, pod: { namespace: app.ns, name: pod.name } });
        if (random() < 0.95) {
          const cep: CiliumEndpointInfo = { namespace: app.ns, name: pod.name, identityId: 10000 + i, identityLabels: [`k8s:app=${app.name}`, `k8s:io.kubernetes.pod.namespace=${app.ns}`], ipv4: [ip], ipv6: [], state: 'ready', namedPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }], origin };
          store.upsert('ciliumEndpoint', cep);
        }
      }
      const svc: ServiceInfo = { namespace: app.ns, name: app.name, type: 'ClusterIP', clusterIp: `172.20.${(i >> 8) & 255}.${i & 255}`, clusterIps: [], selector: { app: app.name }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], loadBalancerIngress: [], annotations: {}, origin };
      store.upsert('service', svc);
    });
    for (const eni of enis.values()) store.upsert('eni', eni);
  });
  // the manifest's policies, as the cluster holds them
  const policyDocs = manifest.split('---\n').filter((d) => d.includes('Policy\n'));
  store.batch(() => {
    for (const doc of policyDocs.slice(0, 4000)) {
      const kind = /kind: (\w+)/.exec(doc)?.[1] as NetworkPolicyInfo['kind'];
      const name = /name: (\S+)/.exec(doc)?.[1] as string;
      const namespace = /namespace: (\S+)/.exec(doc)?.[1] as string;
      store.upsert('networkPolicy', { kind, name, namespace, origin });
    }
  });
  return store;
}

/** Offsets of values worth hovering: names, selectors, rules, ports, CIDRs, entities, IPs. */
function interestingOffsets(text: string, count: number): number[] {
  const needles = ['  name: app-', '      app: app-', '  - from:', '    - port: http', '        cidr: 10.0.0.0/16', '    - cidr: 8.8.8.8/32', '    - world', '  clusterIP: ', '          value: "10.0.', '  egress:'];
  const out: number[] = [];
  while (out.length < count) {
    const needle = needles[out.length % needles.length] as string;
    const from = int(text.length);
    let at = text.indexOf(needle, from);
    if (at < 0) at = text.indexOf(needle);
    out.push(at + needle.length - 1);
  }
  return out;
}

function time(text: string, offsets: number[], store: ClusterStore, cache: HoverDocumentCache): { ms: number[]; answered: number } {
  const ms: number[] = [];
  let answered = 0;
  for (const offset of offsets) {
    const t0 = performance.now();
    const result = manifestHover(text, offset, { store, sourceLabel: 'benchmark store', cache, version: 1 });
    ms.push(performance.now() - t0);
    if (result) answered++;
  }
  return { ms, answered };
}

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  return `p50 ${p50.toFixed(2)} ms, max ${max.toFixed(2)} ms`;
}

function run(label: string, text: string, store: ClusterStore): void {
  const randomOffsets = Array.from({ length: 50 }, () => int(text.length));
  const targeted = interestingOffsets(text, 50);
  for (const [kind, offsets] of [['random offsets', randomOffsets], ['names/selectors/rules/ports/CIDRs', targeted]] as const) {
    const cache = new HoverDocumentCache();
    const first = time(text, offsets, store, cache);
    const cached = time(text, offsets, store, cache);
    // the very first hover in a new document also scans it for `---` lines (and warms the code path)
    const opening = (first.ms[0] ?? 0).toFixed(2);
    console.log(
      `${label}, 50 ${kind}: first ${stats(first.ms)} (the opening hover ${opening} ms, max of the rest ${Math.max(...first.ms.slice(1)).toFixed(2)} ms); cached ${stats(cached.ms)} (${first.answered} answered, ${cache.stats.parses} parses)`,
    );
  }
}

const t0 = performance.now();
const { text, apps } = buildManifest();
const store = buildStore(apps, text);
const docs = text.split('---\n').length;
console.log(`manifest: ${(text.length / 1024 / 1024).toFixed(2)} MB, ${docs} documents (${apps.length} Deployments and Services, ${apps.length * 2} policies); store: ${store.count('pod')} pods, ${store.count('networkPolicy')} policies, ${store.count('eni')} ENIs (built in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

// the first hover of each kind in a session builds what it needs from the store once (policy
// index, address index, pod census); later hovers reuse it, kept up to date from store changes
const warmups: Array<[string, string]> = [
  ['workload name', '  name: app-0\n'],
  ['CIDR 100.64.0.0/16 (every pod inside)', '    - cidr: 100.64.0.0/16'],
  ['entities', '    - world'],
  ['Service name', 'kind: Service\nmetadata:\n  name: app-0'],
];
const firsts = warmups.map(([label, needle]) => {
  const at = text.indexOf(needle) + needle.trimEnd().length - 1;
  const started = performance.now();
  const answered = manifestHover(text, at, { store, sourceLabel: 'benchmark store' }) !== undefined;
  return `${label} ${(performance.now() - started).toFixed(2)} ms${answered ? '' : ' (no answer!)'}`;
});
console.log(`first hover of each kind in the session (no document cache): ${firsts.join(', ')}`);
const other = buildStore(apps, text);
const preparing = performance.now();
prepareManifestHover(other);
console.log(`prepareManifestHover on a fresh copy of the store (what those first hovers built): ${(performance.now() - preparing).toFixed(1)} ms`);

run('multi-document', text, store);
const list = `apiVersion: v1\nitems:\n${text
  .split('---\n')
  .map((doc) => doc.replace(/\n$/, '').split('\n').map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`)).join('\n'))
  .join('\n')}\nkind: List\nmetadata:\n  resourceVersion: ""\n`;
run(`one kind: List document (${(list.length / 1024 / 1024).toFixed(2)} MB)`, list, store);
