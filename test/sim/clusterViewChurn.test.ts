/**
 * The Cluster view under pod churn in the simulated cluster, over the real watch: store changes
 * arrive in many batches, the view refreshes its count and check rows in place (its top level is
 * never rebuilt), at most once a second; the doctor runs off the view's turn, one run at a time, and
 * its report is the store's as it is once the churn stops; the last change still shows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorRunnerFor } from '../../src/core/analysis/doctor/doctorRunner';
import { runDoctor } from '../../src/core/analysis/doctor/runDoctor';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import { TreeController, type TreeRefresh } from '../../src/core/tree/treeController';
import { TREE_MODELS } from '../../src/core/tree/treeModels';
import type { TreeRow } from '../../src/core/tree/treeRow';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { simRequest } from './simHttp';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Cluster view under pod churn', () => {
  let cluster: SimCluster;
  let session: ClusterSession;

  beforeAll(async () => {
    cluster = await startSimCluster({ snapshot: await loadSnapshot(DEMO) });
    const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'cni-lens-churn-')), 'kubeconfig.yaml');
    writeFileSync(kubeconfigPath, cluster.kubeconfig());
    session = new ClusterSession({ kind: 'live', kubeconfigPath, aws: false }, quiet);
    await session.start();
  }, 60_000);

  afterAll(async () => {
    cluster?.churn.stop();
    await session?.stop();
    await cluster?.close();
  });

  it('refreshes its rows in place, at most once a second, however many watch batches arrive', async () => {
    const fired: TreeRefresh[] = [];
    const controller = new TreeController(TREE_MODELS.cluster, { ensureStarted: () => session }, (r) => fired.push(r));
    const roots = controller.getChildren();
    const byId = new Map<string, TreeRow>(roots.map((r) => [r.id, r]));
    const podIps = byId.get('cluster/podIps')!;
    const before = Number(podIps.description);
    expect(before).toBeGreaterThan(10);
    controller.getChildren(byId.get('cluster/checks'));

    let batches = 0;
    const sub = session.store.onChange((changes) => {
      if (changes.some((c) => c.kind === 'pod')) batches++;
    });
    const started = performance.now();
    expect((await simRequest(cluster, '/_sim/v1/churn', { method: 'POST', body: '{"podsPerSecond": 150}' })).status).toBe(200);
    await until('churn', () => cluster.churn.stats.created >= 300);
    cluster.churn.stop();
    // a pod deleted last: the view must show it once the churn's refreshes are done
    const victim = [...session.store.list('pod')].find((p) => p.namespace === 'shop' && !p.hostNetwork && p.ip)!;
    // (the simulated API serves reads only: the deletion is made in its object store, and reaches the session over the watch)
    expect(cluster.api.delete('pods', 'shop', victim.name)).toBeDefined();
    await until('the deletion in the Cluster view', () => podIps.description === String(before - 1));
    const elapsedMs = performance.now() - started;
    sub.dispose();
    controller.dispose();

    // many watch batches, few refreshes: at most one a second, none of the whole view
    expect(batches).toBeGreaterThan(20);
    expect(fired.length).toBeGreaterThan(0);
    expect(fired.length).toBeLessThanOrEqual(Math.floor(elapsedMs / 1000) + 1);
    expect(fired.filter((r) => r === undefined)).toEqual([]);
    // the rows refreshed are the ones the editor holds (updated in place), never the session or sources rows
    const refreshed = new Set(fired.flatMap((r) => (r ?? []).map((row) => row.id)));
    expect(refreshed).toContain('cluster/checks');
    expect(refreshed.has('cluster/session') || refreshed.has('cluster/sources')).toBe(false);
    for (const r of fired) for (const row of r ?? []) expect(row, row.id).toBe(byId.get(row.id));
    // the doctor starts only when the checks row is built (the first build and the refreshes), never
    // more than one run at a time; once the churn is over, its report is the store's as it is now
    const runner = doctorRunnerFor(session.store);
    expect(runner.stats.started).toBeLessThanOrEqual(fired.length + 1);
    expect(batches).toBeGreaterThan(5 * runner.stats.started);
    await until('a current report', () => runner.latest(session.sources).current);
    expect(runner.latest(session.sources).report).toEqual(runDoctor(session.store, { sources: session.sources }));
  }, 60_000);
});
