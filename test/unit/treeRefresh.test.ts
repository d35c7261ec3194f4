/**
 * Per-row refresh: on the demo snapshot's session, a store change refreshes only the tree rows it
 * touches (the same row objects the editor was given, updated in place), and the whole tree only
 * when its top level changes. No timing: the debounce is flushed by hand.
 */
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PodInfo } from '../../src/core/model';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { TreeController, type TreeRefresh } from '../../src/core/tree/treeController';
import { TREE_MODELS, type TreeViewName } from '../../src/core/tree/treeModels';
import type { TreeRow } from '../../src/core/tree/treeRow';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const NODE = 'ip-10-0-17-42.us-west-2.compute.internal';
const POD = 'shop/frontend-5bbc558bcd-vkbwc';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface OpenTree {
  controller: TreeController;
  fired: TreeRefresh[];
  /** Every row the editor was given, by id. */
  shown: Map<string, TreeRow>;
}

/** A tree whose every row is expanded, as if the user had opened all of it. */
function openTree(session: ClusterSession, view: TreeViewName): OpenTree {
  const fired: TreeRefresh[] = [];
  const controller = new TreeController(TREE_MODELS[view], { ensureStarted: () => session }, (r) => fired.push(r), { debounceMs: 3_600_000 });
  const shown = new Map<string, TreeRow>();
  const walk = (parent?: TreeRow) => {
    for (const row of controller.getChildren(parent)) {
      shown.set(row.id, row);
      if (row.children) walk(row);
    }
  };
  walk();
  return { controller, fired, shown };
}

/** The ids of one refresh: 'all' for the whole tree. */
function refreshed(tree: OpenTree): string[] | 'all' {
  tree.controller.flush();
  expect(tree.fired).toHaveLength(1);
  const [refresh] = tree.fired;
  tree.fired.length = 0;
  if (refresh === undefined) return 'all';
  // the editor refreshes by the objects it holds: every refreshed row is one it was given
  for (const row of refresh) expect(tree.shown.get(row.id), row.id).toBe(row);
  return refresh.map((r) => r.id).sort();
}

describe('a store change refreshes only the tree rows it touches', () => {
  let session: ClusterSession;
  let trees: Record<TreeViewName, OpenTree>;
  let pod: PodInfo;
  let eniOfPod: string;

  beforeEach(async () => {
    session = new ClusterSession({ kind: 'snapshot', path: DEMO }, quiet);
    await session.start();
    trees = {
      cluster: openTree(session, 'cluster'),
      nodes: openTree(session, 'nodes'),
      enis: openTree(session, 'enis'),
      podIps: openTree(session, 'podIps'),
      endpoints: openTree(session, 'endpoints'),
    };
    pod = session.store.get('pod', POD)!;
    eniOfPod = session.store.ownersOfIp(pod.ip!).find((o) => o.kind === 'eni')!.key;
    expect(session.store.get('eni', eniOfPod)?.nodeName).toBe(NODE);
  });

  it('a pod that stops being ready: its Pod IPs row, its IP rows under its node and subnet, its endpoint rows', () => {
    const subnet = session.store.get('eni', eniOfPod)!.subnetId!;
    const podRow = trees.podIps.shown.get(`pod/${POD}`)!;
    expect(podRow.description).not.toContain('not ready');
    session.store.upsert('pod', { ...pod, ready: false });

    expect(refreshed(trees.podIps)).toEqual([`pod/${POD}`]);
    expect(podRow.description).toMatch(/ · not ready$/); // the same object, updated in place
    expect(refreshed(trees.nodes)).toEqual([`node/${NODE}/eni/${eniOfPod}/ip/${pod.ip}`]);
    expect(refreshed(trees.enis)).toEqual([`subnet/${subnet}/eni/${eniOfPod}/ip/${pod.ip}`]);
    const identity = session.store.get('ciliumEndpoint', POD)!.identityId!;
    expect(refreshed(trees.endpoints)).toEqual([`cep/${POD}`, `identity/${identity}/${POD}`]);
    expect(trees.endpoints.shown.get(`cep/${POD}`)?.description).toMatch(/ · pod not ready$/);
    // the Cluster tree summarises everything: its counts, checks and settings rows are rebuilt one
    // by one, its top level (and the session and sources rows) is not
    expect(refreshed(trees.cluster)).toEqual(['mode', 'nodes', 'enis', 'podIps', 'endpoints', 'unmanaged', 'policies', 'checks', 'settings'].map((id) => `cluster/${id}`).sort());
  });

  it('a pod that moves to another IP of its ENI: its node (counts), that ENI in the ENIs tree, its rows elsewhere', () => {
    const eni = session.store.get('eni', eniOfPod)!;
    const warm = eni.ips.find((ip) => !ip.primary && !ip.pod && !ip.coolingDown)!.ip;
    session.store.upsert('pod', { ...pod, ip: warm, ips: [warm] });

    expect(refreshed(trees.podIps)).toEqual([`pod/${POD}`]);
    // the node row (pods n/m · IPs n/m) is refreshed with everything under it: its ENIs and IPs
    const nodeRow = trees.nodes.shown.get(`node/${NODE}`)!;
    expect(refreshed(trees.nodes)).toEqual([`node/${NODE}`]);
    const eniRow = trees.nodes.controller.getChildren(nodeRow).find((r) => r.id === `node/${NODE}/eni/${eniOfPod}`)!;
    expect(eniRow).toBe(trees.nodes.shown.get(eniRow.id)); // re-fetched children are the objects handed out before
    const ips = trees.nodes.controller.getChildren(eniRow);
    expect(ips.find((r) => r.label === warm)?.description).toBe(POD);
    expect(ips.find((r) => r.label === pod.ip)?.description).toBe('warm');

    expect(refreshed(trees.enis)).toEqual([`subnet/${eni.subnetId}/eni/${eniOfPod}`]);
    const identity = session.store.get('ciliumEndpoint', POD)!.identityId!;
    expect(refreshed(trees.endpoints)).toEqual([`cep/${POD}`, `identity/${identity}/${POD}`]);
    expect(trees.endpoints.shown.get(`cep/${POD}`)?.description).toContain(`pod IP is ${warm}`);
  });

  it('the affected rows of a pod change are that pod\'s rows and their parents, nothing of other nodes or namespaces', () => {
    const eni = session.store.get('eni', eniOfPod)!;
    const warm = eni.ips.find((ip) => !ip.primary && !ip.pod && !ip.coolingDown)!.ip;
    const previous = pod;
    session.store.upsert('pod', { ...pod, ip: warm, ips: [warm] });
    const change = [{ kind: 'pod' as const, key: POD, type: 'modified' as const, previous }];
    const nodes = TREE_MODELS.nodes.affected(session.store, change);
    expect(nodes).not.toBe('all');
    const eniRow = `node/${NODE}/eni/${eniOfPod}`;
    expect([...(nodes as Set<string>)].sort()).toEqual([`node/${NODE}`, eniRow, `${eniRow}/ip/${pod.ip}`, `${eniRow}/ip/${warm}`].sort());
    const total = [...trees.nodes.shown.keys()].length;
    expect(total).toBeGreaterThan(100); // the whole tree is far more than the four rows
  });

  it('a pod in a new namespace refreshes the top level of Pod IPs; a pod in a known one only its namespace row', () => {
    const base = { ...pod, labels: { app: 'probe' }, owner: undefined, ip: '100.64.34.85', ips: ['100.64.34.85'] };
    session.store.upsert('pod', { ...base, namespace: 'brand-new', name: 'probe' });
    expect(refreshed(trees.podIps)).toBe('all');
    expect(trees.podIps.controller.getChildren().map((r) => r.id)).toContain('ns/brand-new');
    // not managed by Cilium (no endpoint): the unmanaged group
    expect(refreshed(trees.endpoints)).toEqual(['cep-unmanaged']);
    expect(refreshed(trees.nodes)).toEqual([`node/${NODE}`]);

    const shopRow = trees.podIps.shown.get('ns/shop')!;
    const before = trees.podIps.controller.getChildren(shopRow);
    session.store.upsert('pod', { ...base, namespace: 'shop', name: 'probe' });
    expect(refreshed(trees.podIps)).toEqual(['ns/shop']);
    expect(shopRow.description).toBe(`${before.length + 1} pods`);
    const after = trees.podIps.controller.getChildren(shopRow);
    expect(after.map((r) => r.id)).toContain('pod/shop/probe');
    // the other pods keep their objects: the editor keeps their state
    for (const row of before) expect(after.find((r) => r.id === row.id)).toBe(row);

    session.store.remove('pod', 'shop/probe');
    expect(refreshed(trees.podIps)).toEqual(['ns/shop']);
    expect(trees.podIps.controller.getChildren(shopRow).map((r) => r.id)).not.toContain('pod/shop/probe');
  });

  it('a new node refreshes the Nodes tree whole; reveal still finds rows and their parents after refreshes', () => {
    const node = session.store.get('node', NODE)!;
    session.store.upsert('node', { ...node, name: 'ip-10-0-99-9.us-west-2.compute.internal', internalIp: '10.0.99.9', instanceId: 'i-0new' });
    expect(refreshed(trees.nodes)).toBe('all');
    const found = trees.nodes.controller.findNode(`node/${NODE}/eni/${eniOfPod}/ip/${pod.ip}`);
    expect(found).toBe(trees.nodes.shown.get(`node/${NODE}/eni/${eniOfPod}/ip/${pod.ip}`));
    const parent = trees.nodes.controller.getParent(found!);
    expect(parent).toBe(trees.nodes.shown.get(`node/${NODE}/eni/${eniOfPod}`));
    expect(trees.nodes.controller.getParent(parent!)).toBe(trees.nodes.shown.get(`node/${NODE}`));
    expect(trees.nodes.controller.getParent(trees.nodes.shown.get(`node/${NODE}`)!)).toBeUndefined();
  });

  it('the filter keeps matching rows and their parents; with no session the views say so (the Cluster view stays empty for its welcome)', () => {
    const tree = trees.podIps;
    tree.controller.setFilter(` ${pod.ip} `);
    expect(tree.fired).toEqual([undefined]);
    tree.fired.length = 0;
    const roots = tree.controller.getChildren();
    expect(roots.map((r) => r.id)).toEqual(['ns/shop']);
    expect(tree.controller.getChildren(roots[0]).map((r) => r.id)).toEqual([`pod/${POD}`]);
    tree.controller.setFilter('no-such-thing');
    expect(tree.controller.getChildren().map((r) => r.label)).toEqual(['Nothing matches "no-such-thing"']);

    const none = { ensureStarted: () => undefined };
    expect(new TreeController(TREE_MODELS.nodes, none, () => undefined).getChildren().map((r) => r.label)).toEqual(['No cluster connected']);
    expect(new TreeController(TREE_MODELS.cluster, none, () => undefined).getChildren()).toEqual([]);
  });

  it('two pods of a new namespace in one batch still bring its row to the top level', () => {
    const base = { ...pod, labels: { app: 'probe' }, owner: undefined, namespace: 'batch-ns' };
    session.store.batch(() => {
      session.store.upsert('pod', { ...base, name: 'a', ip: '100.64.34.85', ips: ['100.64.34.85'] });
      session.store.upsert('pod', { ...base, name: 'b', ip: '100.64.26.217', ips: ['100.64.26.217'] });
    });
    expect(refreshed(trees.podIps)).toBe('all');
    expect(trees.podIps.controller.getChildren().map((r) => r.id)).toContain('ns/batch-ns');
  });

  it('many changes in one batch (a relist) refresh the whole tree', () => {
    session.store.batch(() => {
      for (const p of [...session.store.list('pod')]) session.store.upsert('pod', { ...p });
      for (let i = 0; i < 2100; i++) session.store.upsert('namespace', { name: `ns-${i}`, labels: {}, origin: { source: 'snapshot' } });
    });
    expect(refreshed(trees.podIps)).toBe('all');
  });
});
