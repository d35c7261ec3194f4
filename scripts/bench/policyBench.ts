/**
 * Micro-benchmark of the policy verdict engine: a synthetic store of 150,000 pods in 500
 * namespaces on 1,000 nodes, 95% managed by Cilium, and 5,000 policies (NetworkPolicy,
 * CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy with realistic selectors), then random
 * queries (pod to pod, pod to outside address, outside address to pod).
 *
 * Reports verdicts per second for engine cilium and engine kubernetes, and the same engine with
 * its selector index turned off (every policy of the namespace and every clusterwide policy
 * tried for each endpoint) as the baseline in the same run, with the ratio.
 *
 *   npx tsx scripts/bench/policyBench.ts [--queries N] [--seed N]
 */
import { parseArgs } from 'node:util';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import type { PolicyEngineKind, PolicyQuery } from '../../src/core/analysis/policy/policyTypes';
import type { CiliumEndpointInfo, NamespaceInfo, NetworkPolicyInfo, NodeInfo, PodInfo, Provenance } from '../../src/core/model';
import { ClusterStore } from '../../src/core/store/clusterStore';
import { seededRandom } from '../../src/sim/generate/clusterPlan';

const NAMESPACES = 500;
const PODS = 150_000;
const NODES = 1_000;
const POLICIES = 5_000;
const APPS_PER_NAMESPACE = 30;
const TEAMS = 40;

const { values } = parseArgs({ options: { queries: { type: 'string', default: '20000' }, seed: { type: 'string', default: '42' } } });
const QUERIES = Number(values.queries);
/** Deterministic: the generator's PRNG with the given seed. */
const random = seededRandom(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (n: number): number => Math.floor(random() * n);

const origin: Provenance = { source: 'inferred', detail: 'benchmark' };
const nsName = (i: number): string => `ns-${String(i).padStart(3, '0')}`;
const teamOf = (i: number): string => `team-${i % TEAMS}`;
const TIERS = ['web', 'api', 'worker', 'db'] as const;

function buildStore(): { store: ClusterStore; pods: PodInfo[]; ms: number } {
  const started = performance.now();
  const store = new ClusterStore();
  const pods: PodInfo[] = [];
  store.batch(() => {
    for (let n = 0; n < NODES; n++) {
      const node: NodeInfo = { name: `node-${n}`, labels: { 'node.kubernetes.io/instance-type': pick(['m5.large', 'c6i.xlarge', 'r6i.large']), pool: `pool-${n % 5}` }, internalIp: `10.0.${n >> 8}.${n & 255}`, ready: true, origin };
      store.upsert('node', node);
    }
    for (let i = 0; i < NAMESPACES; i++) {
      const ns: NamespaceInfo = { name: nsName(i), labels: { 'kubernetes.io/metadata.name': nsName(i), team: teamOf(i), env: i % 3 === 0 ? 'staging' : 'prod' }, origin };
      store.upsert('namespace', ns);
    }
    for (let p = 0; p < PODS; p++) {
      const nsIndex = p % NAMESPACES;
      const namespace = nsName(nsIndex);
      const app = `app-${int(APPS_PER_NAMESPACE)}`;
      const tier = TIERS[Math.floor(Number(app.slice(4)) / 8) % TIERS.length] as string;
      const ip = `100.${64 + (p >> 16)}.${(p >> 8) & 255}.${p & 255}`;
      const labels = { app, tier, team: teamOf(nsIndex), version: random() < 0.8 ? 'v1' : 'v2', 'pod-template-hash': (p * 2654435761 >>> 0).toString(16).slice(0, 8) };
      const pod: PodInfo = {
        namespace,
        name: `${app}-${p}`,
        labels,
        nodeName: `node-${p % NODES}`,
        ip,
        ips: [ip],
        hostNetwork: false,
        phase: 'Running',
        ready: true,
        serviceAccount: app,
        containerPorts: [
          { name: 'http', port: 8080, protocol: 'TCP', container: 'main' },
          { name: 'metrics', port: 9090, protocol: 'TCP', container: 'main' },
        ],
        origin,
      };
      store.upsert('pod', pod);
      pods.push(pod);
      if (random() < 0.95) {
        const cep: CiliumEndpointInfo = {
          namespace,
          name: pod.name,
          identityId: 10_000 + nsIndex * APPS_PER_NAMESPACE + Number(app.slice(4)),
          identityLabels: [
            ...Object.entries(labels).filter(([k]) => k !== 'pod-template-hash').map(([k, v]) => `k8s:${k}=${v}`),
            `k8s:io.kubernetes.pod.namespace=${namespace}`,
            `k8s:io.cilium.k8s.policy.serviceaccount=${app}`,
            'k8s:io.cilium.k8s.policy.cluster=default',
            `k8s:io.cilium.k8s.namespace.labels.team=${teamOf(nsIndex)}`,
          ],
          ipv4: [ip],
          ipv6: [],
          namedPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          origin,
        };
        store.upsert('ciliumEndpoint', cep);
      }
    }
    for (const policy of buildPolicies()) store.upsert('networkPolicy', policy);
  });
  return { store, pods, ms: performance.now() - started };
}

const appSel = () => ({ matchLabels: { app: `app-${int(APPS_PER_NAMESPACE)}` } });

function buildPolicies(): NetworkPolicyInfo[] {
  const out: NetworkPolicyInfo[] = [];
  let rv = 1;
  const add = (kind: NetworkPolicyInfo['kind'], namespace: string | undefined, name: string, spec: unknown): void => {
    const info: NetworkPolicyInfo = { kind, name, resourceVersion: String(rv++), spec, origin };
    if (namespace) info.namespace = namespace;
    out.push(info);
  };
  const ccnps = 200;
  let made = 0;
  for (let i = 0; made < POLICIES - ccnps; i = (i + 1) % NAMESPACES) {
    const ns = nsName(i);
    const k = Math.floor(made / NAMESPACES);
    made++;
    switch (k % 10) {
      case 0:
        add('NetworkPolicy', ns, `default-deny-${k}`, { podSelector: {}, policyTypes: ['Ingress'] });
        break;
      case 1:
        add('NetworkPolicy', ns, `allow-same-app-${k}`, { podSelector: appSel(), ingress: [{ from: [{ podSelector: appSel() }], ports: [{ port: 8080 }] }] });
        break;
      case 2:
        add('NetworkPolicy', ns, `allow-team-${k}`, {
          podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] },
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: teamOf(int(NAMESPACES)) } }, podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 'http' }] }],
        });
        break;
      case 3:
        add('NetworkPolicy', ns, `egress-${k}`, {
          podSelector: appSel(),
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.100.0/24'] } }, { namespaceSelector: {} }], ports: [{ port: 443 }, { port: 8000, endPort: 8999 }] }, { ports: [{ port: 53, protocol: 'UDP' }] }],
        });
        break;
      case 4:
        add('CiliumNetworkPolicy', ns, `cnp-ingress-${k}`, {
          endpointSelector: appSel(),
          ingress: [
            { fromEndpoints: [{ matchLabels: { tier: 'web' } }, { matchLabels: { 'k8s:io.kubernetes.pod.namespace': nsName(int(NAMESPACES)), app: `app-${int(APPS_PER_NAMESPACE)}` } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] },
            { fromEntities: ['world'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
          ],
        });
        break;
      case 5:
        add('CiliumNetworkPolicy', ns, `cnp-egress-${k}`, {
          endpointSelector: { matchLabels: { tier: pick(TIERS) } },
          egress: [
            { toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'ns-000', app: 'app-1' } }], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }] },
            { toCIDRSet: [{ cidr: '10.0.100.0/22', except: ['10.0.101.0/24'] }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] },
            { toEntities: ['kube-apiserver', 'cluster'] },
          ],
        });
        break;
      case 6:
        add('CiliumNetworkPolicy', ns, `cnp-deny-${k}`, {
          endpointSelector: { matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['v2'] }] },
          ingressDeny: [{ fromEntities: ['world'], toPorts: [{ ports: [{ port: '9090' }] }] }],
          enableDefaultDeny: { ingress: false },
        });
        break;
      case 7:
        add('NetworkPolicy', ns, `allow-monitoring-${k}`, {
          podSelector: {},
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns-001' } } }], ports: [{ port: 9090 }] }],
        });
        break;
      case 8:
        add('CiliumNetworkPolicy', ns, `cnp-specs-${k}`, undefined as unknown);
        out[out.length - 1]!.specs = [
          { endpointSelector: appSel(), ingress: [{ fromEndpoints: [{}] }] },
          { endpointSelector: appSel(), egress: [{ toFQDNs: [{ matchName: 'api.example.com' }], toPorts: [{ ports: [{ port: '443' }] }] }, { toEntities: ['cluster'] }] },
        ];
        delete out[out.length - 1]!.spec;
        break;
      default:
        add('NetworkPolicy', ns, `allow-app-${k}`, { podSelector: appSel(), ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, namespaceSelector: { matchLabels: { env: 'prod' } } }] }] });
    }
  }
  // clusterwide: a few select every pod (as a platform team writes them), the rest select by team or app
  for (let c = 0; c < ccnps; c++) {
    if (c < 4) {
      add('CiliumClusterwideNetworkPolicy', undefined, `ccnp-platform-${c}`, {
        endpointSelector: { matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: ['kube-system'] }] },
        egressDeny: [{ toCIDRSet: [{ cidr: c % 2 === 0 ? '169.254.169.254/32' : '169.254.170.2/32' }] }],
        enableDefaultDeny: { egress: false, ingress: false },
      });
    } else if (c < 100) {
      add('CiliumClusterwideNetworkPolicy', undefined, `ccnp-team-${c}`, {
        endpointSelector: { matchLabels: { team: teamOf(c), tier: pick(TIERS) } },
        ingress: [{ fromEndpoints: [{ matchLabels: { team: teamOf(c) } }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] }],
      });
    } else if (c < 180) {
      add('CiliumClusterwideNetworkPolicy', undefined, `ccnp-app-${c}`, {
        endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': nsName(int(NAMESPACES)), app: `app-${int(APPS_PER_NAMESPACE)}` } },
        egress: [{ toEntities: ['world'], toPorts: [{ ports: [{ port: '443' }] }] }, { toEndpoints: [{}] }],
      });
    } else {
      add('CiliumClusterwideNetworkPolicy', undefined, `ccnp-host-${c}`, { nodeSelector: { matchLabels: { pool: `pool-${c % 5}` } }, ingress: [{ fromEntities: ['cluster'] }] });
    }
  }
  return out;
}

function buildQueries(pods: readonly PodInfo[]): PolicyQuery[] {
  const queries: PolicyQuery[] = [];
  const key = (p: PodInfo): string => `${p.namespace}/${p.name}`;
  for (let i = 0; i < QUERIES; i++) {
    const from = pick(pods);
    const r = random();
    const port = pick([8080, 443, 9090, 5432, 53, 8443]);
    if (r < 0.5) {
      // same namespace: the pods of a namespace are every NAMESPACES-th pod
      const to = pods[(pods.indexOf(from) + NAMESPACES * (1 + int(50))) % pods.length] as PodInfo;
      queries.push({ from: key(from), to: key(to), port });
    } else if (r < 0.8) {
      queries.push({ from: key(from), to: key(pick(pods)), port });
    } else if (r < 0.9) {
      queries.push({ from: key(from), to: { cidr: pick(['169.254.169.254/32', '10.0.100.45/32', '203.0.113.7/32', '8.8.8.8']) }, port });
    } else {
      queries.push({ from: { cidr: pick(['203.0.113.7', '10.0.3.7', '198.51.100.0/24']) }, to: key(from), port });
    }
  }
  return queries;
}

interface RunResult {
  /** First pass: includes compiling and indexing each namespace's policies when first touched. */
  coldPerSecond: number;
  /** Second pass over the same queries: compiled policies and label sets cached. */
  perSecond: number;
  p50: number;
  p99: number;
  firstMs: number;
  verdicts: Record<string, number>;
}

function runQueries(store: ClusterStore, engine: PolicyEngineKind, selectorIndex: boolean, queries: readonly PolicyQuery[]): RunResult {
  const e = new PolicyEngine(store, { engine, selectorIndex });
  const latencies: number[] = [];
  const verdicts: Record<string, number> = {};
  try {
    const t0 = performance.now();
    e.verdict(queries[0] as PolicyQuery); // cold: compiles the policies of two namespaces and the clusterwide ones
    const firstMs = performance.now() - t0;
    const coldStarted = performance.now();
    for (const q of queries) e.verdict(q);
    const coldPerSecond = queries.length / ((performance.now() - coldStarted) / 1000);
    const started = performance.now();
    for (const q of queries) {
      const s = performance.now();
      const v = e.verdict(q);
      latencies.push(performance.now() - s);
      verdicts[v.verdict] = (verdicts[v.verdict] ?? 0) + 1;
    }
    const elapsed = performance.now() - started;
    latencies.sort((a, b) => a - b);
    return {
      coldPerSecond,
      perSecond: queries.length / (elapsed / 1000),
      p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      firstMs,
      verdicts,
    };
  } finally {
    e.dispose();
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const { store, pods, ms } = buildStore();
const counts = { pods: store.count('pod'), ceps: store.count('ciliumEndpoint'), policies: store.count('networkPolicy'), namespaces: store.count('namespace') };
console.log(`store: ${fmt(counts.pods)} pods (${fmt(counts.ceps)} with a CiliumEndpoint) in ${counts.namespaces} namespaces, ${fmt(counts.policies)} policies; built in ${fmt(ms)} ms`);
const kinds: Record<string, number> = {};
for (const p of store.list('networkPolicy')) kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
console.log(`policies: ${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')}`);
const queries = buildQueries(pods);
console.log(`${fmt(queries.length)} queries\n`);

const rows: Array<[string, RunResult]> = [];
for (const engine of ['cilium', 'kubernetes'] as const) {
  rows.push([`${engine}, selector index`, runQueries(store, engine, true, queries)]);
  rows.push([`${engine}, no index (baseline)`, runQueries(store, engine, false, queries)]);
}
for (const [name, r] of rows) {
  console.log(
    `${name.padEnd(30)} ${fmt(r.perSecond).padStart(8)} verdicts/s (first pass ${fmt(r.coldPerSecond)})  p50 ${(r.p50 * 1000).toFixed(0)} µs  p99 ${(r.p99 * 1000).toFixed(0)} µs  first ${r.firstMs.toFixed(1)} ms  ${JSON.stringify(r.verdicts)}`,
  );
}
const ratio = (a: RunResult, b: RunResult): string => (a.perSecond / b.perSecond).toFixed(1);
console.log(`\nselector index vs baseline: cilium ×${ratio(rows[0]![1], rows[1]![1])}, kubernetes ×${ratio(rows[2]![1], rows[3]![1])}`);
