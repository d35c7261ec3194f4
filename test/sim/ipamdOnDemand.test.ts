/**
 * ipamd read per node on demand, against the simulated demo cluster (7 nodes) with the threshold
 * set below its size: nothing is read at connect; a node is read through one port-forward when
 * asked, and its ENIs then carry the same ipamd facts a whole read gives; reads of one node share
 * a port-forward; a trace reads the nodes of both its ends.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import type { EniInfo } from '../../src/core/model';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import { IpamdReader, traceReadingIpamd } from '../../src/core/sources/ipamdOnDemand';
import { openLiveStore, type LiveStore } from '../../src/core/sources/liveStore';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { runDoctor } from '../../src/core/analysis/doctor/runDoctor';
import { TreeController, type TreeSession } from '../../src/core/tree/treeController';
import { TREE_MODELS } from '../../src/core/tree/treeModels';
import type { TreeRow } from '../../src/core/tree/treeRow';
import { runCliCaptured } from '../cliRun';
import { startSimEc2, type SimEc2 } from '../../src/sim/ec2Server';
import { ec2Throttling } from '../../src/sim/faults/ec2Faults';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { PodPortRefused } from '../../src/sim/portForward/simPortForwards';
import { until } from '../until';

let cluster: SimCluster;
let ec2: SimEc2;
let kc: k8s.KubeConfig;
/** Every node read at connect, as a cluster below the threshold is. */
let whole: LiveStore;
let kubeconfigPath: string;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const aws = () => ({ endpoint: ec2.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'AKIDSIMTEST', secretAccessKey: 'sim-secret' } });
/** Port-forward upgrades to an aws-node pod in the API server's request log: one per node whose ipamd is read. */
const forwards = () => cluster.requests.filter((r) => /^\/api\/v1\/namespaces\/kube-system\/pods\/aws-node-[^/]+\/portforward$/.test(r.path)).length;

/** What ipamd adds to an ENI, and what EC2 gives it, per IP. */
function essentials(enis: readonly EniInfo[]) {
  return [...enis]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((e) => ({
      id: e.id,
      node: e.nodeName,
      subnet: e.subnetId,
      routeTable: e.routeTableId,
      origin: e.origin.detail,
      ips: e.ips.map((ip) => ({ ip: ip.ip, pod: ip.pod ? `${ip.pod.namespace}/${ip.pod.name}` : undefined, assigned: ip.assigned, cooling: ip.coolingDown })),
    }));
}

beforeAll(async () => {
  const raw = await loadSnapshot('demo/snapshot');
  cluster = await startSimCluster({ snapshot: raw });
  ec2 = await startSimEc2({ aws: raw.aws });
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  whole = await openLiveStore(kc, { aws: aws(), syncTimeoutMs: 20_000 });
  kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'cni-lens-ipamd-')), 'kubeconfig.yaml');
  writeFileSync(kubeconfigPath, cluster.kubeconfig());
}, 60_000);

/** Under `row`: each ENI's IP rows as `ip description`, by ENI id (what ipamd adds shows there). */
function ipRowsUnder(controller: TreeController, row: TreeRow): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const eniRow of controller.getChildren(row)) {
    if (!eniRow.id.includes('/eni/')) continue;
    const eniId = eniRow.id.slice(eniRow.id.lastIndexOf('/eni/') + 5);
    const ips: string[] = [];
    const walk = (r: TreeRow): void => {
      for (const child of controller.getChildren(r)) {
        if (child.id.endsWith('/ipamd')) continue;
        if (child.id.includes('/prefix/') && !child.id.includes('/ip/')) walk(child);
        else ips.push(`${child.label} ${child.description ?? ''}`);
      }
    };
    walk(eniRow);
    out[eniId] = ips;
  }
  return out;
}

afterAll(async () => {
  await whole?.live.stop();
  await cluster?.close();
  await ec2?.close();
});

describe('ipamd per node on demand (demo cluster, threshold 2 nodes)', () => {
  it('below the threshold every node is read at connect, as before', () => {
    expect(whole.ipamdReader?.mode).toBe('whole');
    expect(whole.ipamdReader?.counts()).toEqual({ ok: 7, failed: 0, reading: 0 });
    expect(whole.sources.find((s) => s.name === 'ipamd')?.detail).toMatch(/^\/v1\/enis of 7 of 7 nodes/);
  });

  it('connects without reading ipamd; reading a node uses one port-forward and gives the facts a whole read gives', async () => {
    const before = forwards();
    const live = await openLiveStore(kc, { aws: aws(), ipamdAllUpTo: 2, syncTimeoutMs: 20_000 });
    try {
      expect(forwards()).toBe(before);
      const reader = live.ipamdReader!;
      expect(reader.mode).toBe('on-demand');
      const row = live.sources.find((s) => s.name === 'ipamd')!;
      expect(row.state).toBe('ok');
      expect(row.detail).toMatch(/^read per node on demand: 0 of 7 nodes read/);
      expect(row.coverage).toEqual({ read: 0, of: 7 });

      // a node with pods on secondary IPs: ipamd names their holders
      const node = [...live.store.list('node')].map((n) => n.name).sort()[1]!;
      const ec2Only = essentials(live.store.enisOnNode(node));
      expect(ec2Only.every((e) => !e.origin?.includes('ipamd'))).toBe(true);
      const states = await reader.read([node]);
      expect(forwards()).toBe(before + 1);
      expect(states.get(node)?.state).toBe('ok');
      const merged = essentials(live.store.enisOnNode(node));
      expect(merged).toEqual(essentials(whole.store.enisOnNode(node)));
      expect(merged).not.toEqual(ec2Only);
      expect(merged.some((e) => e.ips.some((ip) => ip.assigned !== undefined))).toBe(true);
      // the other nodes were not touched
      for (const other of live.store.list('node')) {
        if (other.name === node) continue;
        expect(live.store.enisOnNode(other.name).every((e) => !e.origin.detail?.includes('ipamd'))).toBe(true);
      }
      expect(reader.status().detail).toMatch(/^read per node on demand: 1 of 7 nodes read/);
      expect(reader.status().coverage).toEqual({ read: 1, of: 7 });

      // read already: asking again reads nothing
      await reader.read([node]);
      expect(forwards()).toBe(before + 1);
    } finally {
      await live.live.stop();
    }
  }, 60_000);

  it('two reads of one node at the same time share one port-forward', async () => {
    const live = await openLiveStore(kc, { aws: aws(), ipamdAllUpTo: 2, syncTimeoutMs: 20_000 });
    try {
      const reader = live.ipamdReader!;
      const node = [...live.store.list('node')].map((n) => n.name).sort()[2]!;
      const before = forwards();
      const a = reader.read([node]);
      expect(reader.stateOf(node)?.state).toBe('reading');
      const b = reader.read([node]);
      const [ra, rb] = await Promise.all([a, b]);
      expect(forwards()).toBe(before + 1);
      expect(ra.get(node)).toBe(rb.get(node));
      expect(ra.get(node)?.state).toBe('ok');
    } finally {
      await live.live.stop();
    }
  }, 60_000);

  it('reading many nodes is bounded and can be cancelled: the reads not begun are dropped', async () => {
    const live = await openLiveStore(kc, { aws: aws(), ipamd: 'none', syncTimeoutMs: 20_000 });
    try {
      const reader = new IpamdReader(kc, live.store, { mode: 'on-demand', concurrency: 1 });
      const nodes = [...live.store.keys('node')].sort();
      const before = forwards();
      const controller = new AbortController();
      const done: string[] = [];
      const states = await reader.read(nodes, {
        signal: controller.signal,
        onNode: (node) => {
          done.push(node);
          if (done.length === 2) controller.abort();
        },
      });
      await new Promise((r) => setTimeout(r, 200));
      // one at a time: two read, at most the one begun when cancelled besides
      expect(done).toHaveLength(2);
      expect(forwards() - before).toBeGreaterThanOrEqual(2);
      expect(forwards() - before).toBeLessThanOrEqual(3);
      expect(reader.counts().reading).toBe(0);
      expect(reader.counts().ok).toBe(forwards() - before);
      const unread = nodes.filter((n) => reader.stateOf(n) === undefined);
      expect(unread.length).toBe(nodes.length - reader.counts().ok);
      for (const n of unread) expect(states.get(n)).toBeUndefined();
      // asked again, the rest are read
      await reader.read(nodes);
      expect(reader.counts()).toEqual({ ok: 7, failed: 0, reading: 0 });
      expect(forwards() - before).toBe(7);
    } finally {
      await live.live.stop();
    }
  }, 60_000);

  it('a trace reads the nodes of its two ends first, and says when a node could not be read', async () => {
    const live = await openLiveStore(kc, { aws: aws(), ipamdAllUpTo: 2, syncTimeoutMs: 20_000 });
    try {
      const reader = live.ipamdReader!;
      const pods = [...live.store.list('pod')].filter((p) => !p.hostNetwork && p.ip && p.nodeName).sort((a, b) => a.name.localeCompare(b.name));
      const from = pods[0]!;
      const to = pods.find((p) => p.nodeName !== from.nodeName)!;
      const request = { from: `${from.namespace}/${from.name}`, to: `${to.namespace}/${to.name}`, port: 80 };
      const before = forwards();
      const result = await traceReadingIpamd(() => traceDatapath(live.store, request), reader);
      expect(result.ok).toBe(true);
      expect(forwards()).toBe(before + 2);
      expect(reader.stateOf(from.nodeName!)?.state).toBe('ok');
      expect(reader.stateOf(to.nodeName!)?.state).toBe('ok');
      expect(reader.counts().ok).toBe(2);
      expect(result.ok && result.trace.notes.filter((n) => n.includes('ipamd of node'))).toEqual([]);

      // ipamd of a third node refuses the connection: the trace says so, and the node is read again next time
      const third = pods.find((p) => p.nodeName !== from.nodeName && p.nodeName !== to.nodeName)!;
      const awsNode = [...live.store.podsInNamespace('kube-system')].find((p) => p.nodeName === third.nodeName && p.name.startsWith('aws-node-'))!;
      const unregister = cluster.portForwards.register((ns, name) => {
        if (ns === awsNode.namespace && name === awsNode.name) throw new PodPortRefused('connection refused by the test');
        return undefined;
      });
      const thirdRequest = { ...request, to: `${third.namespace}/${third.name}` };
      let failed;
      try {
        failed = await traceReadingIpamd(() => traceDatapath(live.store, thirdRequest), reader);
      } finally {
        unregister();
      }
      expect(failed.ok).toBe(true);
      const notes = failed.ok ? failed.trace.notes.filter((n) => n.includes('ipamd of node')) : [];
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain(`ipamd of node ${third.nodeName} could not be read`);
      expect(notes[0]).toContain('does not answer on port 61679');
      expect(reader.status().detail).toMatch(/2 of 7 nodes read; 1 failed: node .*does not answer/);
      const again = await traceReadingIpamd(() => traceDatapath(live.store, thirdRequest), reader);
      expect(again.ok && again.trace.notes.filter((n) => n.includes('ipamd of node'))).toEqual([]);
      expect(reader.counts()).toEqual({ ok: 3, failed: 0, reading: 0 });
    } finally {
      await live.live.stop();
    }
  }, 60_000);

  it('a live session connects without ipamd; expanding a node in the Nodes view reads that node and shows what a whole read shows', async () => {
    const before = forwards();
    const session = new ClusterSession({ kind: 'live', kubeconfigPath, aws: aws() }, quiet, { ipamdAllUpTo: 2 });
    const refreshed: string[] = [];
    try {
      await session.start();
      expect(session.state.phase).toBe('connected');
      expect(forwards()).toBe(before);
      expect(session.loading).toEqual([]);
      const controller = new TreeController(TREE_MODELS.nodes, { ensureStarted: () => session }, (refresh) => refreshed.push(...(refresh ?? [{ id: '*' } as TreeRow]).map((r) => r.id)), { debounceMs: 5 });
      const roots = controller.getChildren();
      expect(roots[0]).toMatchObject({ id: 'source/ipamd', label: 'ipamd: 0 of 7 nodes read' });
      expect(roots[0]!.description).toMatch(/^read per node on demand: 0 of 7 nodes read \(expand a node, trace a pod, or run “Read ipamd of every node”\)$/);

      const nodeName = [...session.store.list('node')].map((n) => n.name).sort()[1]!;
      const nodeRow = roots.find((r) => r.id === `node/${nodeName}`)!;
      const first = controller.getChildren(nodeRow);
      expect(first[0]).toMatchObject({ id: `node/${nodeName}/ipamd`, label: 'Reading ipamd of this node…' });
      await until('the node row refreshed', () => (refreshed.includes(`node/${nodeName}`) ? true : undefined));
      expect(forwards()).toBe(before + 1);
      expect(session.ipamd?.stateOf(nodeName)?.state).toBe('ok');
      const after = controller.getChildren(nodeRow);
      expect(after.some((r) => r.id.endsWith('/ipamd'))).toBe(false);

      // the same IP rows (pods, cooling, warm) as a cluster whose every node was read at connect
      const wholeSession: TreeSession = { store: whole.store, sources: whole.sources, label: 'whole', describe: () => 'whole', target: { kind: 'live' }, state: { phase: 'connected' } };
      const wholeTree = new TreeController(TREE_MODELS.nodes, { ensureStarted: () => wholeSession }, () => undefined);
      const wholeRow = wholeTree.getChildren().find((r) => r.id === `node/${nodeName}`)!;
      const onDemandIps = ipRowsUnder(controller, nodeRow);
      expect(onDemandIps).toEqual(ipRowsUnder(wholeTree, wholeRow));
      expect(Object.values(onDemandIps).flat().some((line) => /\/\S+$/.test(line))).toBe(true);
      expect(forwards()).toBe(before + 1);

      // the ENIs view: expanding an ENI of another node reads that node
      const other = [...session.store.list('node')].map((n) => n.name).sort()[3]!;
      const enis = new TreeController(TREE_MODELS.enis, { ensureStarted: () => session }, () => undefined);
      const eniOfOther = enis.getChildren().flatMap((subnet) => (subnet.children ? enis.getChildren(subnet) : [])).find((r) => r.ref?.kind === 'eni' && session.store.get('eni', r.ref.key)?.nodeName === other)!;
      expect(enis.getChildren(eniOfOther)[0]).toMatchObject({ label: 'Reading ipamd of this node…' });
      await until('the other node read', () => (session.ipamd?.stateOf(other)?.state === 'ok' ? true : undefined));
      expect(forwards()).toBe(before + 2);
      expect(session.sources.find((s) => s.name === 'ipamd')).toMatchObject({ state: 'ok', coverage: { read: 2, of: 7 } });

      // the filter looks under every node and ENI, but reads no node: the user expanded none of them
      const podOfThird = session.store.podsOnNode([...session.store.list('node')].map((n) => n.name).sort()[5]!).find((p) => !p.hostNetwork && p.ip)!;
      for (const view of [controller, enis]) {
        view.setFilter(podOfThird.ip!);
        await view.whenFiltered();
        expect(view.getChildren().filter((r) => !r.id.startsWith('source/')).length).toBeGreaterThan(0);
      }
      await new Promise((res) => setTimeout(res, 200));
      expect(forwards()).toBe(before + 2);

      // the doctor reports over the nodes read
      const report = runDoctor(session.store, { sources: session.sources });
      const ipamdCheck = report.findings.find((f) => f.id === 'sources.ipamd')!;
      expect(ipamdCheck).toMatchObject({ severity: 'info', title: 'ipamd read for 2 of 7 nodes' });
      const eniIps = report.findings.find((f) => f.id === 'ip.duplicate-eni-ip')!;
      expect(JSON.stringify(eniIps.evidence)).toContain('ipamd read for 2 of 7 nodes');
    } finally {
      await session.stop();
    }
  }, 60_000);

  it('below the threshold a session reads every node at connect and expanding a node reads nothing more', async () => {
    const before = forwards();
    const session = new ClusterSession({ kind: 'live', kubeconfigPath, aws: aws() }, quiet);
    try {
      await session.start();
      expect(forwards()).toBe(before + 7);
      const controller = new TreeController(TREE_MODELS.nodes, { ensureStarted: () => session }, () => undefined);
      const roots = controller.getChildren();
      expect(roots.some((r) => r.id.startsWith('source/'))).toBe(false);
      for (const row of roots) controller.getChildren(row);
      await new Promise((r) => setTimeout(r, 100));
      expect(forwards()).toBe(before + 7);
      expect(session.sources.find((s) => s.name === 'ipamd')?.detail).toMatch(/^\/v1\/enis of 7 of 7 nodes/);
    } finally {
      await session.stop();
    }
  }, 60_000);
});

describe('EC2 read again with back-off on a large cluster', () => {
  it('retries EC2 alone, reads no other node, and keeps the ipamd facts of the node read', async () => {
    ec2.setFaults(ec2Throttling());
    const before = forwards();
    const session = new ClusterSession({ kind: 'live', kubeconfigPath, aws: aws() }, quiet, { ipamdAllUpTo: 2, awsRetryMs: 300, random: () => 0.5 });
    try {
      await session.start();
      expect(session.sources.find((s) => s.name === 'ec2')?.state).toBe('error');
      expect(session.sources.find((s) => s.name === 'ipamd')?.detail).toMatch(/^read per node on demand: 0 of 7 nodes read/);
      const node = [...session.store.list('node')].map((n) => n.name).sort()[1]!;
      await session.ipamd!.read([node]);
      // without EC2 the node's ENIs are ipamd's
      expect(session.store.enisOnNode(node).length).toBeGreaterThan(0);
      expect(session.store.enisOnNode(node).every((e) => e.origin.source === 'ipamd')).toBe(true);

      ec2.setFaults(undefined);
      await until('EC2 read again', () => (session.sources.find((s) => s.name === 'ec2')?.state === 'ok' ? true : undefined));
      expect(forwards()).toBe(before + 1);
      expect(session.store.count('eni')).toBe(whole.store.count('eni'));
      // EC2's ENIs now, with what ipamd said of the node read; the same as a whole read for that node
      expect(essentials(session.store.enisOnNode(node))).toEqual(essentials(whole.store.enisOnNode(node)));
      const unread = [...session.store.list('node')].map((n) => n.name).sort()[4]!;
      expect(session.store.enisOnNode(unread).every((e) => e.origin.source === 'ec2' && !e.origin.detail?.includes('ipamd'))).toBe(true);
    } finally {
      ec2.setFaults(undefined);
      await session.stop();
    }
  }, 60_000);
});

describe('cni-lens --ipamd', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EC2: ec2.endpoint,
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'AKIDSIMTEST',
      AWS_SECRET_ACCESS_KEY: 'sim-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: mkdtempSync(join(tmpdir(), 'cni-lens-home-')),
    });
  });
  afterAll(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  const summary = async (...args: string[]) => {
    const before = forwards();
    const run = await runCliCaptured(['summary', '--kubeconfig', kubeconfigPath, '--json', ...args]);
    expect(run.code).toBe(0);
    const { elapsedMs: _elapsed, ...parsed } = JSON.parse(run.out) as Record<string, unknown>;
    return { summary: parsed, err: run.err, forwards: forwards() - before };
  };

  it('all reads every node whatever the size, as the default does below the threshold; auto above it reads none', async () => {
    const usual = await summary();
    const all = await summary('--ipamd', 'all', '--ipamd-all-up-to', '2');
    expect(all.forwards).toBe(7);
    expect(usual.forwards).toBe(7);
    expect(all.summary).toEqual(usual.summary);
    const onDemand = await summary('--ipamd-all-up-to', '2');
    expect(onDemand.forwards).toBe(0);
    expect(onDemand.err).toContain('ipamd: 7 nodes, more than --ipamd-all-up-to 2: read per node when a command needs it');
    const none = await summary('--ipamd', 'none');
    expect(none.forwards).toBe(0);
    expect(JSON.stringify(onDemand.summary)).toContain('read per node on demand: 0 of 7 nodes read');
    expect(JSON.stringify(none.summary)).toContain('turned off');
  }, 60_000);

  it('trace reads the nodes of both ends, a diagram its pod\'s node (and the other end\'s with --to); bad values are named', async () => {
    const pods = [...whole.store.list('pod')].filter((p) => !p.hostNetwork && p.ip && p.nodeName).sort((a, b) => a.name.localeCompare(b.name));
    const from = pods[0]!;
    const to = pods.find((p) => p.nodeName !== from.nodeName)!;
    const before = forwards();
    const run = await runCliCaptured(['trace', '--kubeconfig', kubeconfigPath, '--ipamd-all-up-to', '2', '--no-flows', '--from', `${from.namespace}/${from.name}`, '--to', `${to.namespace}/${to.name}`, '--port', '80']);
    expect(run.code).toBe(0);
    expect(forwards() - before).toBe(2);
    expect(run.out).not.toContain('ipamd of node');
    // a diagram reads its pod's node; with --to, the other end's node too
    const svg = join(mkdtempSync(join(tmpdir(), 'cni-lens-diagram-')), 'd.svg');
    const overview = await runCliCaptured(['diagram', '--kubeconfig', kubeconfigPath, '--ipamd-all-up-to', '2', '--pod', `${from.namespace}/${from.name}`, '--out', svg]);
    expect(overview.code).toBe(0);
    expect(forwards() - before).toBe(3);
    const path = await runCliCaptured(['diagram', '--kubeconfig', kubeconfigPath, '--ipamd-all-up-to', '2', '--pod', `${from.namespace}/${from.name}`, '--to', `${to.namespace}/${to.name}`, '--port', '80', '--out', svg]);
    expect(path.code).toBe(0);
    expect(forwards() - before).toBe(5);
    expect(path.err).not.toContain('could not be read');
    const bad = await runCliCaptured(['summary', '--kubeconfig', kubeconfigPath, '--ipamd', 'some']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--ipamd must be all, auto or none, got "some"');
    const snapshot = await runCliCaptured(['summary', '--snapshot', 'demo/snapshot', '--ipamd', 'all']);
    expect(snapshot.code).toBe(2);
    expect(snapshot.err).toContain('--ipamd and --ipamd-all-up-to need a live cluster (--kubeconfig)');
  }, 60_000);
});
