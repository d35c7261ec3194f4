/**
 * The tree views on a generated cluster larger than the demo: long lists in pages of 1,000 rows
 * (ids, reveal, filter and per-row refresh as without pages), the Cluster view's pod counts kept
 * from store changes (the same as the CLI's summary that walks every pod), the Nodes view's
 * capacities filled in steps. No timing: refreshes are flushed by hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeCluster, summarizeClusterKept } from '../../src/core/analysis/clusterSummary';
import { clusterSettings } from '../../src/core/analysis/clusterSettings';
import { SummaryCounts } from '../../src/core/analysis/summaryCounts';
import { nodeCapacity } from '../../src/core/capacity/nodeCapacity';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { enisOfNode } from '../../src/core/sources/inferEnis';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { shortNodeName } from '../../src/core/tree/nodesTree';
import { PAGE_SIZE } from '../../src/core/tree/paging';
import { podNamespaceRowId, podRowId } from '../../src/core/tree/podIpsTree';
import { TreeController, type TreeRefresh } from '../../src/core/tree/treeController';
import { TREE_MODELS, type TreeViewName } from '../../src/core/tree/treeModels';
import { compareNames, type TreeRow } from '../../src/core/tree/treeRow';
import { generateCluster } from '../../src/sim/generate/writeGeneratedCluster';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** 1,100 nodes: two pages of nodes, 3,300 DaemonSet pods in kube-system (four pages). */
const PLAN = { nodes: 1100, pods: 24_000, seed: 7 };

let dir: string;
let session: ClusterSession;
let store: ClusterStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cni-lens-tree-scale-'));
  await generateCluster(dir, PLAN);
  session = new ClusterSession({ kind: 'snapshot', path: dir }, quiet);
  await session.start();
  store = session.store;
}, 120_000);

afterAll(async () => {
  await session?.stop();
  await rm(dir, { recursive: true, force: true });
});

function tree(view: TreeViewName): { controller: TreeController; fired: TreeRefresh[] } {
  const fired: TreeRefresh[] = [];
  const controller = new TreeController(TREE_MODELS[view], { ensureStarted: () => session }, (r) => fired.push(r), { debounceMs: 3_600_000 });
  return { controller, fired };
}

const turns = (n: number) => new Promise<void>((res) => {
  const next = (left: number) => (left === 0 ? res() : setImmediate(() => next(left - 1)));
  next(n);
});

async function until(what: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !what(); i++) await turns(1);
  expect(what()).toBe(true);
}

function kubeSystemNames(): string[] {
  return store.podsInNamespace('kube-system').map((p) => p.name).sort(compareNames);
}

describe('Cluster view counts kept from store changes', () => {
  it('equal the summary that walks every pod, first counted in steps on a large store, and after pods and endpoints change', async () => {
    expect(store.count('pod')).toBeGreaterThan(20_000);
    const counts = new SummaryCounts(store);
    expect(counts.ready).toBe(false);
    let called = 0;
    counts.whenReady(() => called++);
    // changes while the first count goes: a pod that goes, one that comes, an endpoint that goes
    const pods = [...store.list('pod')];
    const late = pods.at(-1)!;
    store.remove('pod', `${late.namespace}/${late.name}`);
    const withEndpoint = pods.find((p) => !p.hostNetwork && p.ip && store.get('ciliumEndpoint', `${p.namespace}/${p.name}`))!;
    const endpoint = store.get('ciliumEndpoint', `${withEndpoint.namespace}/${withEndpoint.name}`)!;
    store.remove('ciliumEndpoint', `${withEndpoint.namespace}/${withEndpoint.name}`);
    store.upsert('pod', { ...late, name: `${late.name}-again`, ip: '10.250.0.9', ips: ['10.250.0.9'] });
    await until(() => counts.ready);
    expect(called).toBe(1);
    const expectCounts = () => {
      const walked = summarizeCluster(store, [...session.sources]);
      expect({ host: counts.hostNetworkPods, ips: counts.podIps, unmanaged: counts.unmanagedPods }).toEqual({
        host: walked.counts.hostNetworkPods, ips: walked.counts.podIps, unmanaged: walked.counts.unmanagedPods,
      });
      return walked;
    };
    expect(expectCounts().counts.unmanagedPods).toBeGreaterThan(0);

    // a pod moving to an IP another pod has, a host-network pod, an ended pod, an endpoint coming back
    const [a, b] = pods.filter((p) => !p.hostNetwork && p.ip);
    store.upsert('pod', { ...a!, ip: b!.ip, ips: [b!.ip!] });
    store.upsert('pod', { ...b!, hostNetwork: true });
    store.upsert('pod', { ...pods[5]!, phase: 'Succeeded' });
    store.upsert('ciliumEndpoint', endpoint);
    expectCounts();
    counts.dispose();
  }, 60_000);

  it('the Cluster view says counting, then shows the same counts as the CLI summary', async () => {
    const { controller, fired } = tree('cluster');
    // the store's kept counts are first made here (the test above made its own)
    expect(summarizeClusterKept(store, [...session.sources]).podsCounted).toBe(false);
    const counting = controller.getChildren();
    expect(counting.find((r) => r.id === 'cluster/podIps')?.description).toBe('counting…');
    await until(() => summarizeClusterKept(store, [...session.sources]).podsCounted);
    controller.flush();
    expect(fired.flatMap((r) => r?.map((row) => row.id) ?? ['all'])).toEqual(expect.arrayContaining(['cluster/podIps', 'cluster/unmanaged']));
    const rows = controller.getChildren();
    const walked = summarizeCluster(store, [...session.sources]);
    expect(rows.find((r) => r.id === 'cluster/podIps')?.description).toBe(String(walked.counts.podIps));
    expect(rows.find((r) => r.id === 'cluster/unmanaged')?.description).toBe(String(walked.counts.unmanagedPods));
    expect(summarizeClusterKept(store, [...session.sources]).summary).toEqual(walked);
    controller.dispose();
  }, 60_000);
});

describe('Pod IPs: a namespace of more than 1,000 pods in pages', () => {
  it('pages of at most 1,000 pods, in name order, each saying which names it holds; small namespaces unpaged', () => {
    const { controller } = tree('podIps');
    const top = controller.getChildren();
    const kubeSystem = top.find((r) => r.id === podNamespaceRowId('kube-system'))!;
    const names = kubeSystemNames();
    expect(names.length).toBeGreaterThan(PAGE_SIZE);
    const pages = controller.getChildren(kubeSystem);
    expect(pages).toHaveLength(Math.ceil(names.length / PAGE_SIZE));
    expect(pages[0]).toMatchObject({ id: 'ns/kube-system/page/1', label: `pods 1–${PAGE_SIZE}`, description: `${names[0]} … ${names[PAGE_SIZE - 1]}` });
    expect(pages.at(-1)!.label).toBe(`pods ${(pages.length - 1) * PAGE_SIZE + 1}–${names.length}`);
    const inPages = pages.flatMap((page) => controller.getChildren(page));
    expect(inPages.map((r) => r.label)).toEqual(names);
    expect(inPages.map((r) => r.id)).toEqual(names.map((n) => podRowId('kube-system', n)));
    for (const row of inPages.slice(0, 3)) expect(controller.getParent(controller.getParent(row)!)?.id).toBe(kubeSystem.id);

    // a namespace of a few pods lists them directly
    const model = store.podsInNamespace(store.podNamespaces().find((ns) => ns !== 'kube-system')!)[0]!;
    const tiny = [1, 2, 3].map((i) => ({ ...model, namespace: 'tiny', name: `web-${i}`, ip: `10.251.0.${i}`, ips: [`10.251.0.${i}`] }));
    for (const pod of tiny) store.upsert('pod', pod);
    const tinyRow = controller.getChildren().find((r) => r.id === podNamespaceRowId('tiny'))!;
    expect(controller.getChildren(tinyRow).map((r) => r.id)).toEqual(tiny.map((p) => podRowId('tiny', p.name)));
    for (const pod of tiny) store.remove('pod', `tiny/${pod.name}`);
    controller.dispose();
  });

  it('reveal finds a pod inside a page, with the page and namespace as its parents; the filter looks through pages', async () => {
    const { controller } = tree('podIps');
    const names = kubeSystemNames();
    const target = names[PAGE_SIZE + 5]!;
    const row = controller.findNode(podRowId('kube-system', target));
    expect(row?.label).toBe(target);
    const page = controller.getParent(row!)!;
    expect(page.id).toBe('ns/kube-system/page/2');
    expect(controller.getParent(page)?.id).toBe('ns/kube-system');
    // straight down: the rows of other pages and namespaces were not built
    const otherNs = store.podNamespaces().find((ns) => ns !== 'kube-system')!;
    const other = store.podsInNamespace(otherNs)[0]!;
    expect(controller.getParent({ id: podRowId(otherNs, other.name), label: other.name })).toBeUndefined();
    expect(controller.getParent({ id: podRowId('kube-system', names[0]!), label: names[0]! })).toBeUndefined();
    // an endpoint in a paged namespace of the Cilium endpoints view
    const endpoints = tree('endpoints').controller;
    const bigNs = store.podNamespaces().find((ns) => store.endpointCountInNamespace(ns) > PAGE_SIZE)!;
    const epNames = store.endpointsInNamespace(bigNs).map((e) => e.name).sort(compareNames);
    const ep = endpoints.findNode(`cep/${bigNs}/${epNames.at(-1)}`);
    expect(ep?.label).toBe(epNames.at(-1));
    expect(endpoints.getParent(ep!)?.id).toBe(`cep-ns/${bigNs}/page/${Math.ceil(epNames.length / PAGE_SIZE)}`);
    endpoints.dispose();

    controller.setFilter(target);
    await controller.whenFiltered();
    const top = controller.getChildren();
    expect(top.map((r) => r.id)).toEqual(['ns/kube-system']);
    const pages = controller.getChildren(top[0]);
    expect(pages.map((r) => r.id)).toEqual(['ns/kube-system/page/2']);
    expect(controller.getChildren(pages[0]).map((r) => r.label)).toEqual([target]);

    // the namespace matching shows all of its pages and pods
    controller.setFilter('kube-system');
    await controller.whenFiltered();
    const all = controller.getChildren(controller.getChildren()[0]);
    expect(all.flatMap((p) => controller.getChildren(p))).toHaveLength(names.length);
    controller.dispose();
  });

  it('a pod change refreshes its row inside its page; a pod that goes refreshes the namespace row (its pages shift)', () => {
    const { controller, fired } = tree('podIps');
    const names = kubeSystemNames();
    const kubeSystem = controller.getChildren().find((r) => r.id === 'ns/kube-system')!;
    const pages = controller.getChildren(kubeSystem);
    const shown = new Map(pages.flatMap((p) => controller.getChildren(p)).map((r) => [r.id, r]));
    const name = names[PAGE_SIZE + 10]!;
    const pod = store.get('pod', `kube-system/${name}`)!;

    store.upsert('pod', { ...pod, ready: !pod.ready });
    controller.flush();
    expect(fired).toHaveLength(1);
    const [refresh] = fired.splice(0);
    expect(refresh?.map((r) => r.id)).toEqual([podRowId('kube-system', name)]);
    expect(refresh![0]).toBe(shown.get(podRowId('kube-system', name)));
    expect(controller.getParent(refresh![0]!)?.id).toBe('ns/kube-system/page/2');
    expect(refresh![0]!.description?.includes('not ready')).toBe(pod.ready);

    const removed = store.get('pod', `kube-system/${names[0]}`)!;
    store.remove('pod', `kube-system/${names[0]}`);
    controller.flush();
    const [gone] = fired.splice(0);
    expect(gone?.map((r) => r.id)).toEqual(['ns/kube-system']);
    const after = controller.getChildren(controller.getChildren().find((r) => r.id === 'ns/kube-system')!);
    expect(after[0]!.description).toBe(`${names[1]} … ${names[PAGE_SIZE]}`);
    expect(controller.getChildren(after[1]!)[0]!.label).toBe(names[PAGE_SIZE + 1]);
    store.upsert('pod', removed);
    controller.dispose();
  });
});

describe('Nodes view: capacities of a large cluster filled in steps', () => {
  it('in pages of 1,000 nodes; rows say counting, then are refreshed with the capacity nodeCapacity computes; a pod change recomputes its node', async () => {
    const { controller, fired } = tree('nodes');
    const pages = controller.getChildren();
    const names = [...store.list('node')].map((n) => n.name).sort(compareNames);
    expect(pages.map((p) => [p.id, p.label, p.description])).toEqual([
      ['nodes/page/1', `nodes 1–${PAGE_SIZE}`, `${shortNodeName(names[0]!)} … ${shortNodeName(names[PAGE_SIZE - 1]!)}`],
      ['nodes/page/2', `nodes ${PAGE_SIZE + 1}–${PLAN.nodes}`, `${shortNodeName(names[PAGE_SIZE]!)} … ${shortNodeName(names.at(-1)!)}`],
    ]);
    const first = controller.getChildren(pages[0]);
    expect(first.map((r) => r.ref?.key)).toEqual(names.slice(0, PAGE_SIZE));
    expect(first.some((r) => r.description?.endsWith('counting…'))).toBe(true);
    await until(() => { controller.flush(); return fired.length > 0; });
    // reveal of a node on the second page
    expect(controller.getParent(controller.findNode(`node/${names.at(-1)}`)!)?.id).toBe('nodes/page/2');
    const rows = controller.getChildren(pages[0]);
    const { vpcCni } = clusterSettings(store);
    const expected = (row: TreeRow) => {
      const node = store.get('node', row.ref!.key)!;
      const { enis, inferred } = enisOfNode(store, node.name);
      const cap = nodeCapacity(node, inferred ? [] : enis, store.podsOnNode(node.name), vpcCni);
      return `pods ${cap.pods.total}/${cap.pods.max}`;
    };
    for (const row of [rows[0]!, rows[300]!, rows.at(-1)!, ...controller.getChildren(pages[1]).slice(-1)]) {
      expect(row.label).toBe(shortNodeName(row.ref!.key));
      expect(row.description).toContain(expected(row));
    }
    expect(rows.every((r) => !r.description?.includes('counting…'))).toBe(true);

    const row = rows[10]!;
    const onNode = store.podsOnNode(row.ref!.key).find((p) => !p.hostNetwork)!;
    fired.length = 0;
    store.remove('pod', `${onNode.namespace}/${onNode.name}`);
    controller.flush();
    expect(fired[0]?.map((r) => r.id)).toContain(row.id);
    expect(row.description).toContain(expected(row));
    store.upsert('pod', onNode);
    controller.dispose();
  }, 60_000);
});

describe('ENIs view: the IPs-used column kept per ENI', () => {
  it('follows the pods: a pod that moves off an ENI IP lowers that ENI row\'s count on refresh, its return raises it', () => {
    const { controller, fired } = tree('enis');
    const subnetRow = controller.getChildren().find((r) => r.id.startsWith('subnet/subnet-'))!;
    const eniRowsShown = controller.getChildren(subnetRow);
    const used = (row: TreeRow) => Number(/(\d+)\/\d+ IPs used/.exec(row.description ?? '')![1]);
    const row = eniRowsShown.find((r) => used(r) > 0)!;
    const eni = store.get('eni', row.ref!.key)!;
    const podKey = eni.ips.map((ip) => store.ownersOfIp(ip.ip).find((o) => o.kind === 'pod')?.key).find(Boolean)!;
    const pod = store.get('pod', podKey)!;
    const before = used(row);

    store.upsert('pod', { ...pod, ip: '10.252.0.1', ips: ['10.252.0.1'] });
    controller.flush();
    expect(fired.splice(0).length).toBe(1);
    expect(used(controller.getChildren(subnetRow).find((r) => r.id === row.id)!)).toBe(before - 1);
    store.upsert('pod', pod);
    controller.flush();
    expect(used(controller.getChildren(subnetRow).find((r) => r.id === row.id)!)).toBe(before);
    controller.dispose();
  });
});

describe('The filter on a large tree', () => {
  it('looks through every row in steps, saying "Filtering…" meanwhile; finds an IP three rows below a page of nodes; looks again after a change', async () => {
    const fired: TreeRefresh[] = [];
    const controller = new TreeController(TREE_MODELS.nodes, { ensureStarted: () => session }, (r) => fired.push(r), { debounceMs: 3_600_000, filterFirstMs: 0, filterSliceMs: 0 });
    expect(controller.getChildren().map((r) => r.id)).toEqual(['nodes/page/1', 'nodes/page/2']);
    const onPage2 = [...store.keys('node')].sort(compareNames)[PAGE_SIZE + 50]!;
    const pod = store.podsOnNode(onPage2).find((p) => !p.hostNetwork && p.ip)!;
    const eni = enisOfNode(store, pod.nodeName!).enis.find((e) => e.ips.some((ip) => ip.ip === pod.ip))!;
    let turns = 0;
    const counter = setInterval(() => turns++, 0);
    controller.setFilter(pod.name);
    expect(controller.getChildren().map((r) => r.label)).toEqual([`Filtering for "${pod.name.toLowerCase()}"…`]);
    expect(fired).toEqual([undefined]);
    await controller.whenFiltered();
    clearInterval(counter);
    // the search gave the event loop its turns (steps of 64 rows here)
    expect(turns).toBeGreaterThan(10);
    expect(fired).toEqual([undefined, undefined]);
    const page = controller.getChildren();
    expect(page.map((r) => r.id)).toEqual(['nodes/page/2']);
    const nodeRow = controller.getChildren(page[0]);
    expect(nodeRow.map((r) => r.id)).toEqual([`node/${pod.nodeName}`]);
    const eniRows = controller.getChildren(nodeRow[0]);
    expect(eniRows.map((r) => r.id)).toEqual([`node/${pod.nodeName}/eni/${eni.id}`]);
    expect(controller.getChildren(eniRows[0]).map((r) => r.id)).toEqual([`node/${pod.nodeName}/eni/${eni.id}/ip/${pod.ip}`]);

    // a change that shows no other row: the search runs again, and refreshes nothing whole
    fired.length = 0;
    const other = [...store.list('pod')].find((p) => p.nodeName !== pod.nodeName && !p.hostNetwork)!;
    store.upsert('pod', { ...other, ready: !other.ready });
    await new Promise((res) => setTimeout(res, 0));
    await controller.whenFiltered();
    expect(fired).toEqual([]);
    // a node whose name matches: the search finds it, and refreshes the tree
    const node = store.get('node', pod.nodeName!)!;
    const twin = { ...node, name: `${pod.name}-node`, instanceId: 'i-0filtertwin', internalIp: '10.255.0.9' };
    store.upsert('node', twin);
    try {
      await new Promise((res) => setTimeout(res, 0));
      await controller.whenFiltered();
      expect(fired).toEqual([undefined]);
      expect(controller.getChildren().flatMap((p) => controller.getChildren(p)).map((r) => r.id).sort()).toEqual([`node/${pod.nodeName}`, `node/${twin.name}`].sort());
    } finally {
      store.remove('node', twin.name);
      controller.dispose();
    }
  });
});
