/**
 * Each tree view's getChildren at each level on a snapshot (default: the benchmark's generated 5k
 * cluster), as the editor asks for it: the top level, then the largest parent at each level below.
 * Prints the time of each of `--runs` calls (the first builds the rows, later ones rebuild them) and how many rows it returned.
 *
 *   npx tsx scripts/bench/treeLevels.ts [--snapshot DIR] [--runs N]
 */
import { parseArgs } from 'node:util';
import { summarizeCluster } from '../../src/core/analysis/clusterSummary';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import { TreeController, type TreeRefresh, type TreeSession } from '../../src/core/tree/treeController';
import { TREE_MODELS, type TreeViewName } from '../../src/core/tree/treeModels';
import type { TreeRow } from '../../src/core/tree/treeRow';
import { BlockProbe } from './blockProbe';

const { values } = parseArgs({ options: { snapshot: { type: 'string', default: '.test-output/bench/clusters/5k-seed1' }, runs: { type: 'string', default: '2' } } });
const runs = Number(values.runs);

async function main(): Promise<void> {
  const { store, sources } = await loadSnapshotStore(values.snapshot!);
  console.log(`${store.count('node')} nodes, ${store.count('pod')} pods, ${store.count('eni')} ENIs, ${store.count('ciliumEndpoint')} endpoints`);
  const session = { store, sources, label: 'bench', describe: () => 'bench', target: { kind: 'snapshot' }, state: { phase: 'connected' } } as unknown as TreeSession;
  const idle = new BlockProbe().start();
  await new Promise((res) => setTimeout(res, 1000));
  console.log(`idle: longest block ${idle.stop().toFixed(1)} ms (the probe's floor)`);
  let s = performance.now();
  summarizeCluster(store, [...sources]);
  console.log(`summarizeCluster (the CLI's, walks every pod): ${(performance.now() - s).toFixed(1)} ms`);
  const time = (label: string, call: () => TreeRow[]): TreeRow[] => {
    let rows: TreeRow[] = [];
    const times: string[] = [];
    for (let r = 0; r < runs; r++) {
      s = performance.now();
      rows = call();
      times.push((performance.now() - s).toFixed(1));
    }
    console.log(`  ${label.padEnd(60)} ${times.join(' / ').padStart(16)} ms  ${rows.length} rows`);
    return rows;
  };
  const largest = (rows: TreeRow[], c: TreeController): TreeRow | undefined => {
    let best: TreeRow | undefined;
    let n = -1;
    for (const row of rows) {
      if (!row.children) continue;
      const k = c.getChildren(row).length;
      if (k > n) [best, n] = [row, k];
    }
    return best;
  };
  const open: Array<{ c: TreeController; expanded: Set<string> }> = [];
  const slowest = new Map<string, { ms: number; what: string }>();
  const slowestFlush = new Map<string, number>();
  for (const name of Object.keys(TREE_MODELS) as TreeViewName[]) {
    console.log(name);
    let refreshes = 0;
    const expanded = new Set<string>();
    // as the editor does: a refresh asks again for the children of the refreshed rows that are expanded
    const onRefresh = (refresh: TreeRefresh) => {
      refreshes++;
      const began = performance.now();
      const again = (rows: readonly TreeRow[]) => {
        for (const row of rows) if (expanded.has(row.id)) again(c.getChildren(row));
      };
      again(refresh ?? c.getChildren());
      const took = performance.now() - began;
      if (took > (slowest.get(name)?.ms ?? 0)) slowest.set(name, { ms: took, what: refresh ? `${refresh.length} rows: ${refresh.slice(0, 3).map((r) => r.id).join(', ')}` : 'all' });
    };
    const c = new TreeController(TREE_MODELS[name], { ensureStarted: () => session }, onRefresh, { debounceMs: 150 });
    open.push({ c, expanded });
    // a refresh's whole cost: finding the rows a change touches, building them, and the editor asking again
    const flush = c.flush.bind(c);
    c.flush = () => {
      const began = performance.now();
      flush();
      const took = performance.now() - began;
      if (took > (slowestFlush.get(name) ?? 0)) slowestFlush.set(name, took);
    };
    time('top level, first', () => c.getChildren());
    // what the first build started off its turn (counts, capacities) runs; the longest block meanwhile
    const probe = new BlockProbe().start();
    await new Promise((res) => setTimeout(res, 2500));
    console.log(`  while the first build's work goes on: longest block ${probe.stop().toFixed(1)} ms, ${refreshes} refreshes`);
    let level = time('top level', () => c.getChildren());
    for (let depth = 1; depth <= 3; depth++) {
      const parent = depth === 1 && name === 'endpoints' ? level.find((r) => r.id === 'cep-ns/kube-system') ?? largest(level, c) : largest(level, c);
      if (!parent) break;
      expanded.add(parent.id);
      level = time(`${parent.id} (depth ${depth})`, () => c.getChildren(parent));
      if (name === 'endpoints' && depth === 1) {
        for (const id of ['cep-identities', 'cep-unmanaged']) {
          const group = c.getChildren().find((r) => r.id === id);
          if (!group) continue;
          const kids = time(`${id}`, () => c.getChildren(group));
          const big = largest(kids, c);
          if (big) time(`${big.id}`, () => c.getChildren(big));
        }
      }
    }
  }
  // churn: every 10 ms a pod turns not ready or ready again, one comes and one goes, with every view
  // open as above; the longest block of the event loop meanwhile
  const pods = [...store.list('pod')].filter((p) => !p.hostNetwork).slice(0, 2000);
  slowest.clear();
  slowestFlush.clear();
  let batchMs = 0;
  const probe = new BlockProbe().start();
  const started = performance.now();
  let i = 0;
  while (performance.now() - started < 4000) {
    const pod = pods[i % pods.length]!;
    const gone = pods[(i + 1000) % pods.length]!;
    const b = performance.now();
    store.batch(() => {
      store.upsert('pod', { ...pod, ready: !pod.ready });
      store.remove('pod', `${gone.namespace}/${gone.name}`);
      store.upsert('pod', gone);
    });
    batchMs = Math.max(batchMs, performance.now() - b);
    i++;
    await new Promise((res) => setTimeout(res, 10));
  }
  await new Promise((res) => setTimeout(res, 1500));
  console.log(`churn: ${i} batches in 4 s with the five views open: longest block ${probe.stop().toFixed(1)} ms; longest store batch (its listeners) ${batchMs.toFixed(1)} ms`);
  for (const [name, { ms, what }] of slowest) console.log(`  ${name}: longest refresh ${slowestFlush.get(name)?.toFixed(1)} ms, of which the rows asked again ${ms.toFixed(1)} ms (${what})`);
  for (const { c } of open) c.dispose();
}

void main();
