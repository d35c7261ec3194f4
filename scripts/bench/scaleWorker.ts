/**
 * One measured CNI Lens process of the scale benchmark (bundled by scaleBench.ts and run with
 * `node --expose-gc`), against a simulated cluster that another process serves:
 *
 *   --mode same   list+watch nodes, pods and ciliumendpoints (the lists kubectl gets), then the
 *                 JSON.parse floor of the same bytes, churn latency (with kubectl --watch-only as
 *                 the peer) and the event-loop blocks;
 *   --mode full   every resource CNI Lens watches, then verdicts, traces, the diagram of a pod, the
 *                 Pod IPs tree query of the largest namespace and a hover on a 5 MB manifest.
 *
 * Prints one JSON object on stdout.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import ELK from 'elkjs/lib/elk.bundled.js';
import { parseAllDocuments, stringify } from 'yaml';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { runDoctorAsync } from '../../src/core/analysis/doctor/runDoctor';
import { podOverviewGraph } from '../../src/core/analysis/diagram/podOverviewGraph';
import { approximateTextMeasure } from '../../src/core/analysis/diagram/textMetrics';
import type { ElkNodeLike } from '../../src/core/analysis/diagram/toElkGraph';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import type { PolicyQuery } from '../../src/core/analysis/policy/policyTypes';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import { manifestHover, prepareManifestHoverInSteps } from '../../src/core/hover/manifestHover';
import type { PodInfo } from '../../src/core/model';
import { loadKubeConfig } from '../../src/core/sources/kubeconfig';
import { LIVE_RESOURCES } from '../../src/core/sources/liveCluster';
import { emptyListTimings } from '../../src/core/sources/kubeRequest';
import { openLiveStore } from '../../src/core/sources/liveStore';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { TreeController, type TreeRefresh, type TreeSession } from '../../src/core/tree/treeController';
import { TREE_MODELS } from '../../src/core/tree/treeModels';
import { podNamespaceRowId } from '../../src/core/tree/podIpsTree';
import { layoutDiagram } from '../../webview/render/layoutDiagram';
import { BlockProbe } from './blockProbe';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    mode: { type: 'string' },
    kubectl: { type: 'string' },
    demo: { type: 'string' },
    'churn-rate': { type: 'string', default: '250' },
    /** The simulated API server's process: its CPU time during the sync is reported (it shares the machine). */
    'sim-pid': { type: 'string' },
    'churn-seconds': { type: 'string', default: '6' },
    /** Only the extension-side figures (diagram, tree rows, churn to the store and the view): no kubectl, verdicts, traces or hover. */
    'extension-only': { type: 'boolean', default: false },
  },
});
const extensionOnly = values['extension-only'] === true;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const kc = loadKubeConfig({ path: values.kubeconfig! });
const cluster = kc.getCurrentCluster()!;
const user = kc.getCurrentUser()!;
const ca = Buffer.from(cluster.caData!, 'base64').toString();

/** A raw HTTPS request to the simulated cluster (bytes, not parsed). */
function raw(method: string, path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, cluster.server), { method, ca, headers: { Authorization: `Bearer ${user.token}`, Accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every page of a list as the text the server sent (500 items a page, as kubectl asks). */
async function pages(path: string): Promise<string[]> {
  const out: string[] = [];
  let cont = '';
  do {
    const text = await raw('GET', `${path}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    out.push(text);
    cont = (JSON.parse(text) as { metadata?: { continue?: string } }).metadata?.continue ?? '';
  } while (cont);
  return out;
}

/** Garbage collection while a sync runs: pauses summed by kind, and the longest (from the runtime's own `gc` entries). */
class GcWatch {
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      // node:perf_hooks constants: 1 minor (scavenge), 2 major (mark-compact), 4 incremental, 8 weak callbacks
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) this.minorMs += e.duration;
      else this.majorMs += e.duration;
      this.count++;
      this.maxMs = Math.max(this.maxMs, e.duration);
    }
  });
  minorMs = 0;
  majorMs = 0;
  maxMs = 0;
  count = 0;
  start(): this {
    this.observer.observe({ entryTypes: ['gc'] });
    return this;
  }
  stop(): { minorMs: number; majorMs: number; maxMs: number; count: number } {
    this.observer.disconnect();
    return { minorMs: this.minorMs, majorMs: this.majorMs, maxMs: this.maxMs, count: this.count };
  }
}

/** User + system CPU of the simulated API server so far (from /proc), or NaN when not known. */
function simCpuMs(): number {
  if (!values['sim-pid']) return NaN;
  try {
    const fields = readFileSync(`/proc/${values['sim-pid']}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function sync(resources: typeof LIVE_RESOURCES) {
  const idle = new BlockProbe().start();
  await new Promise((r) => setTimeout(r, 1000));
  const idleBlockMs = idle.stop();
  const probe = new BlockProbe().start();
  const timings = emptyListTimings();
  const gcWatch = new GcWatch().start();
  const cpu = process.cpuUsage();
  const simCpu = simCpuMs();
  const started = performance.now();
  const live = await openLiveStore(kc, { aws: false, ipamd: false, resources, syncTimeoutMs: 1_800_000, timings });
  const syncMs = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpu);
  const syncBlockMs = probe.stop();
  // process CPU during the sync, and where it went (waitMs: lists waiting for pages, summed over lists that wait at once)
  const breakdown = { ...timings, gc: gcWatch.stop(), cpuUserMs: cpuUsed.user / 1000, cpuSystemMs: cpuUsed.system / 1000, simCpuMs: simCpuMs() - simCpu };
  gc();
  const mem = process.memoryUsage();
  return { live, syncMs, syncBlockMs, idleBlockMs, breakdown, afterSync: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, peakRssBytes: process.resourceUsage().maxRSS * 1024 } };
}

async function modeSame() {
  const resources = LIVE_RESOURCES.filter((r) => ['nodes', 'pods', 'ciliumendpoints'].includes(r.id));
  const s = await sync(resources);
  const store = s.live.store;
  const counts = { nodes: store.count('node'), pods: store.count('pod'), ciliumEndpoints: store.count('ciliumEndpoint') };

  // the floor: JSON.parse of the same bytes (fetched first, parsing timed alone); fetching them
  // is itself a second peer: a client that only downloads and parses (one page after another)
  const downloadStarted = performance.now();
  const texts = extensionOnly ? [] : [...(await pages('/api/v1/nodes')), ...(await pages('/api/v1/pods')), ...(await pages('/apis/cilium.io/v2/ciliumendpoints'))];
  const downloadParseMs = performance.now() - downloadStarted;
  const rawBytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const parseStarted = performance.now();
  let parsedItems = 0;
  for (const t of texts) parsedItems += (JSON.parse(t) as { items: unknown[] }).items.length;
  const jsonParseMs = performance.now() - parseStarted;
  texts.length = 0;

  // churn: pod creation (in the simulated cluster) to the store's change event, kubectl --watch-only as the peer
  const rate = Number(values['churn-rate']);
  const seconds = Number(values['churn-seconds']);
  const lensLatencies: number[] = [];
  // and to the change event of the Pod IPs view's tree controller (what the view's onDidChangeTreeData gets)
  const view = podIpsView(store);
  const sub = store.onChange((changes) => {
    const now = performance.timeOrigin + performance.now();
    for (const c of changes) {
      if (c.kind !== 'pod' || c.type !== 'added') continue;
      const created = store.get('pod', c.key)?.createdAt;
      if (created && created.includes('.')) {
        lensLatencies.push(now - Date.parse(created));
        view.waiting.push({ namespace: c.key.slice(0, c.key.indexOf('/')), createdMs: Date.parse(created) });
      }
    }
  });
  const kubectlLatencies: number[] = [];
  const seen = new Set<string>();
  // kubectl lists before it watches: selecting only churned pods keeps that list empty
  const watcher = extensionOnly ? undefined : spawn(values.kubectl!, ['--kubeconfig', values.kubeconfig!, 'get', 'pods', '-A', '-l', 'sim.cni-lens.io/churned', '--watch-only', '-o', 'jsonpath={.metadata.name} {.metadata.creationTimestamp}{"\\n"}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buffered = '';
  watcher?.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const now = performance.timeOrigin + performance.now();
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [name, created] = line.split(' ');
      if (!name || !created?.includes('.') || seen.has(name)) continue;
      seen.add(name);
      kubectlLatencies.push(now - Date.parse(created));
    }
  });
  // wait until kubectl watches (its watch request reached the server)
  for (let i = 0; i < 300 && watcher; i++) {
    const log = JSON.parse(await raw('GET', '/_sim/v1/requests')) as { requests: Array<{ verb: string; path: string; query: Record<string, string> }> };
    if (log.requests.some((q) => q.path === '/api/v1/pods' && q.query.watch === 'true' && q.query.labelSelector === 'sim.cni-lens.io/churned')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const probe = new BlockProbe().start();
  await raw('POST', '/_sim/v1/churn', JSON.stringify({ podsPerSecond: rate }));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const churnStats = JSON.parse(await raw('POST', '/_sim/v1/churn', JSON.stringify({ podsPerSecond: 0 }))) as { created: number };
  await new Promise((r) => setTimeout(r, 1000));
  const churnBlockMs = probe.stop();
  watcher?.kill();
  sub.dispose();
  view.dispose();
  lensLatencies.sort((a, b) => a - b);
  view.latencies.sort((a, b) => a - b);
  kubectlLatencies.sort((a, b) => a - b);
  await s.live.live.stop();
  return {
    mode: 'same',
    counts,
    syncMs: s.syncMs,
    syncBlockMs: s.syncBlockMs,
    idleBlockMs: s.idleBlockMs,
    breakdown: s.breakdown,
    afterSync: s.afterSync,
    rawBytes,
    parsedItems,
    jsonParseMs,
    downloadParseMs,
    churn: {
      podsPerSecond: rate,
      seconds,
      created: churnStats.created,
      blockMs: churnBlockMs,
      lens: { events: lensLatencies.length, p50Ms: percentile(lensLatencies, 0.5), p99Ms: percentile(lensLatencies, 0.99) },
      view: { events: view.latencies.length, refreshes: view.refreshes, p50Ms: percentile(view.latencies, 0.5), p99Ms: percentile(view.latencies, 0.99) },
      kubectl: { events: kubectlLatencies.length, p50Ms: percentile(kubectlLatencies, 0.5), p99Ms: percentile(kubectlLatencies, 0.99) },
    },
  };
}

function rnd(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function appPods(store: ClusterStore): PodInfo[] {
  return [...store.list('pod')].filter((p) => !p.hostNetwork && p.ip);
}

function verdictRate(store: ClusterStore, selectorIndex: boolean, queries: PolicyQuery[]): { perSecond: number; verdicts: Record<string, number> } {
  const engine = new PolicyEngine(store, { engine: 'cilium', selectorIndex });
  try {
    const verdicts: Record<string, number> = {};
    for (const q of queries.slice(0, 200)) engine.verdict(q); // compile what the queries touch
    const started = performance.now();
    for (const q of queries) {
      const v = engine.verdict(q);
      verdicts[v.verdict] = (verdicts[v.verdict] ?? 0) + 1;
    }
    return { perSecond: queries.length / ((performance.now() - started) / 1000), verdicts };
  } finally {
    engine.dispose();
  }
}

async function diagramMs(store: ClusterStore, podKey: string): Promise<{ buildMs: number; layoutMs: number; boxes: number }> {
  const engine = new PolicyEngine(store, { engine: 'cilium' });
  try {
    const t0 = performance.now();
    const graph = podOverviewGraph(store, podKey, { policyEvaluator: tracePolicyEvaluator(engine) });
    const t1 = performance.now();
    if ('message' in graph) throw new Error(graph.message);
    const elk = new ELK();
    await layoutDiagram({ layout: (g) => elk.layout(g as Parameters<typeof elk.layout>[0]) as Promise<ElkNodeLike> }, graph, approximateTextMeasure);
    return { buildMs: t1 - t0, layoutMs: performance.now() - t1, boxes: graph.nodes.length };
  } finally {
    engine.dispose();
  }
}

/** The synced store as the trees read a session: connected, every source fine. */
function benchSession(store: ClusterStore): TreeSession {
  return { store, sources: [], label: 'bench', describe: () => 'bench', target: { kind: 'live' }, state: { phase: 'connected' } };
}

/**
 * The Pod IPs view's tree controller (the view's data provider without the editor), subscribed to
 * the store: for each pod added, the time from its creation in the cluster to the controller's
 * change event that refreshes its namespace's row (or the whole view).
 */
function podIpsView(store: ClusterStore) {
  const waiting: Array<{ namespace: string; createdMs: number }> = [];
  const latencies: number[] = [];
  let refreshes = 0;
  const controller = new TreeController(TREE_MODELS.podIps, { ensureStarted: () => benchSession(store) }, (refresh: TreeRefresh) => {
    const now = performance.timeOrigin + performance.now();
    refreshes++;
    const ids = refresh === undefined ? undefined : new Set(refresh.map((r) => r.id));
    for (let i = waiting.length - 1; i >= 0; i--) {
      const w = waiting[i]!;
      if (ids && !ids.has(podNamespaceRowId(w.namespace))) continue;
      latencies.push(now - w.createdMs);
      waiting.splice(i, 1);
    }
  });
  controller.getChildren(); // the top level, as the editor asks for it: subscribes to the store
  return { waiting, latencies, get refreshes() { return refreshes; }, dispose: () => controller.dispose() };
}

/** The Pod IPs view's getChildren of a namespace row, on a controller that has not shown it yet (as when the user expands it). */
function namespaceRows(store: ClusterStore, ns: string): { rows: number; ms: number; page?: { rows: number; ms: number } } {
  const controller = new TreeController(TREE_MODELS.podIps, { ensureStarted: () => benchSession(store) }, () => undefined);
  try {
    const row = controller.getChildren().find((r) => r.id === podNamespaceRowId(ns));
    if (!row) throw new Error(`no Pod IPs row for namespace ${ns}`);
    const started = performance.now();
    const children = controller.getChildren(row);
    const ms = performance.now() - started;
    // a namespace of more than 1,000 pods shows pages: expanding the first one, on a later turn
    const first = children[0];
    if (!first?.pageOnly) return { rows: children.length, ms };
    const pageStarted = performance.now();
    const pageRows = controller.getChildren(first).length;
    return { rows: children.length, ms, page: { rows: pageRows, ms: performance.now() - pageStarted } };
  } finally {
    controller.dispose();
  }
}

async function modeFull() {
  const s = await sync(LIVE_RESOURCES);
  const store = s.live.store;
  const pods = appPods(store);
  const r = rnd(42);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
  const key = (p: PodInfo) => `${p.namespace}/${p.name}`;

  const queries: PolicyQuery[] = [];
  for (let i = 0; i < 20_000; i++) {
    if (extensionOnly) {
      // the same draws without the queries, so the diagram's pod below is the same one
      r();
      const near = r() < 0.5;
      r();
      if (near) r();
      r();
      continue;
    }
    const from = pick(pods);
    const to = r() < 0.5 ? pick(pods.filter((p, k) => k % 50 === i % 50 && p.namespace === from.namespace).concat([pick(pods)])) : pick(pods);
    queries.push({ from: key(from), to: key(to), port: pick([8080, 9090, 8443, 3000, 443]) });
  }
  const none = { perSecond: NaN, verdicts: {} };
  const indexed = extensionOnly ? none : verdictRate(store, true, queries);
  const baseline = extensionOnly ? none : verdictRate(store, false, queries.slice(0, 2_000));

  const engine = new PolicyEngine(store, { engine: 'cilium' });
  const evaluator = tracePolicyEvaluator(engine);
  const traceQueries = queries.slice(0, 2_000);
  for (const q of traceQueries.slice(0, 100)) traceDatapath(store, { from: q.from as string, to: q.to as string, port: q.port }, { policyEvaluator: evaluator });
  const traceStarted = performance.now();
  let traced = 0;
  for (const q of traceQueries) if (traceDatapath(store, { from: q.from as string, to: q.to as string, port: q.port }, { policyEvaluator: evaluator }).ok) traced++;
  const tracesPerSecond = extensionOnly ? NaN : traceQueries.length / ((performance.now() - traceStarted) / 1000);
  engine.dispose();

  // diagram of one pod here, and of a pod of the demo cluster (seven nodes) as the peer
  const subject = key(pick(pods));
  await diagramMs(store, subject); // warm up elkjs
  const diagram = await diagramMs(store, subject);
  const demo = (await loadSnapshotStore(values.demo!)).store;
  const demoPod = key(appPods(demo).find((p) => p.namespace === 'shop') ?? appPods(demo)[0]!);
  await diagramMs(demo, demoPod);
  const demoDiagram = await diagramMs(demo, demoPod);

  // Pod IPs tree: the rows of the namespace with the most pods; peer: JSON.parse of that namespace's pods
  const largest = store.podNamespaces().map((ns) => ({ ns, n: store.podsInNamespace(ns).length })).sort((a, b) => b.n - a.n)[0]!;
  namespaceRows(store, largest.ns); // warm up
  const { rows, ms: treeMs, page: treePage } = namespaceRows(store, largest.ns);
  const nsTexts = await pages(`/api/v1/namespaces/${largest.ns}/pods`);
  const nsParseStarted = performance.now();
  for (const t of nsTexts) JSON.parse(t);
  const nsParseMs = performance.now() - nsParseStarted;

  // the doctor as the Cluster view runs it (a slice of a turn at a time): the longest block meanwhile
  const doctorProbe = new BlockProbe().start();
  const doctorWork = { ms: 0, turns: 0, longestMs: 0 };
  await runDoctorAsync(store, { sources: s.live.sources }, { work: doctorWork });
  const doctor = { blockMs: doctorProbe.stop(), ...doctorWork };

  // hover on a 5 MB manifest made of the cluster's own policies and services; peer: parsing it with yaml
  const docs: string[] = [];
  const policies = [...store.list('networkPolicy')];
  const services = [...store.list('service')];
  for (let i = 0; !extensionOnly && docs.join('').length < 5 * 1024 * 1024 && i < 200_000; i++) {
    const p = policies[i % policies.length]!;
    const svc = services[i % services.length]!;
    docs.push(stringify({ apiVersion: p.kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'cilium.io/v2', kind: p.kind, metadata: { name: `${p.name}-${i}`, ...(p.namespace ? { namespace: p.namespace } : {}) }, spec: p.spec }));
    docs.push(stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `${svc.name}-${i}`, namespace: svc.namespace }, spec: { selector: svc.selector, ports: svc.ports.map((x) => ({ port: x.port, targetPort: x.targetPort })) } }));
  }
  const manifest = docs.join('---\n');
  const offsets: number[] = [];
  for (const needle of ['app: ', 'port: ', 'cidr: ', 'matchLabels', 'name: ']) {
    for (let from = 0, k = 0; k < 10; k++) {
      const at = manifest.indexOf(needle, Math.floor(r() * manifest.length));
      from = at < 0 ? manifest.indexOf(needle) : at;
      offsets.push(from + needle.length + 1);
    }
  }
  // the hover indexes, built in steps as the extension builds them when a YAML editor shows
  const prepareProbe = new BlockProbe().start();
  const prepareStarted = performance.now();
  if (!extensionOnly) await prepareManifestHoverInSteps(store);
  const prepare = { ms: performance.now() - prepareStarted, blockMs: prepareProbe.stop() };
  const hoverMs: number[] = [];
  for (const offset of extensionOnly ? [] : offsets) {
    const t0 = performance.now();
    manifestHover(manifest, offset, { store, sourceLabel: 'bench' });
    hoverMs.push(performance.now() - t0);
  }
  hoverMs.sort((a, b) => a - b);
  const yamlStarted = performance.now();
  parseAllDocuments(manifest);
  const yamlParseMs = performance.now() - yamlStarted;

  await s.live.live.stop();
  return {
    mode: 'full',
    counts: { objects: [...s.live.live.states.values()].reduce((n, st) => n + (st.phase === 'synced' ? st.items : 0), 0), pods: store.count('pod'), policies: store.count('networkPolicy') },
    syncMs: s.syncMs,
    syncBlockMs: s.syncBlockMs,
    idleBlockMs: s.idleBlockMs,
    breakdown: s.breakdown,
    afterSync: s.afterSync,
    verdicts: { perSecond: indexed.perSecond, baselinePerSecond: baseline.perSecond, verdicts: indexed.verdicts },
    traces: { perSecond: tracesPerSecond, ok: traced, of: traceQueries.length },
    diagram: { pod: subject, ...diagram, demo: { pod: demoPod, ...demoDiagram } },
    tree: { namespace: largest.ns, pods: largest.n, rows, ms: treeMs, jsonParseMs: nsParseMs, ...(treePage ? { page: treePage } : {}) },
    doctor,
    hover: { manifestBytes: Buffer.byteLength(manifest), hovers: hoverMs.length, p50Ms: percentile(hoverMs, 0.5), maxMs: hoverMs[hoverMs.length - 1], yamlParseMs, prepare },
  };
}

export type SameResult = Awaited<ReturnType<typeof modeSame>> & { processPeakRssBytes?: number };
export type FullResult = Awaited<ReturnType<typeof modeFull>> & { processPeakRssBytes?: number };

(values.mode === 'full' ? modeFull() : modeSame()).then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
