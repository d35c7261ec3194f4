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
import { TreeController, type TreeSession } from '../../src/core/tree/treeController';
import { TREE_MODELS, type TreeViewName } from '../../src/core/tree/treeModels';
import type { TreeRow } from '../../src/core/tree/treeRow';

const { values } = parseArgs({ options: { snapshot: { type: 'string', default: '.test-output/bench/clusters/5k-seed1' }, runs: { type: 'string', default: '2' } } });
const runs = Number(values.runs);

/** The longest time the event loop did not get to a 5 ms timer, while running. */
class BlockProbe {
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;
  max = 0;
  start(): this {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.max = Math.max(this.max, now - this.last - 5);
      this.last = now;
    }, 5);
    return this;
  }
  stop(): number {
    clearInterval(this.timer);
    return Math.max(0, this.max);
  }
}

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
  for (const name of Object.keys(TREE_MODELS) as TreeViewName[]) {
    console.log(name);
    let refreshes = 0;
    const c = new TreeController(TREE_MODELS[name], { ensureStarted: () => session }, () => refreshes++, { debounceMs: 20 });
    time('top level, first', () => c.getChildren());
    // what the first build started off its turn (counts, capacities) runs; the longest block meanwhile
    const probe = new BlockProbe().start();
    await new Promise((res) => setTimeout(res, 2500));
    console.log(`  while the first build's work goes on: longest block ${probe.stop().toFixed(1)} ms, ${refreshes} refreshes`);
    let level = time('top level', () => c.getChildren());
    for (let depth = 1; depth <= 3; depth++) {
      const parent = depth === 1 && name === 'endpoints' ? level.find((r) => r.id === 'cep-ns/kube-system') ?? largest(level, c) : largest(level, c);
      if (!parent) break;
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
    c.dispose();
  }
}

void main();
