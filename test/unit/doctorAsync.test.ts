/**
 * The doctor off the caller's turn: `runDoctorAsync` gives `runDoctor`'s report (on the demo
 * snapshot, on the broken-chaining fixture, and on a generated cluster with many problems, where
 * the checks pause inside), the Cluster view's Checks row fills in when the report is ready, and a
 * store change during a run never leaves a stale report.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { DoctorRunner } from '../../src/core/analysis/doctor/doctorRunner';
import { runDoctor, runDoctorAsync } from '../../src/core/analysis/doctor/runDoctor';
import { finish, sortSteps } from '../../src/core/analysis/doctor/steps';
import type { DoctorReport } from '../../src/core/analysis/doctor/types';
import type { PodInfo } from '../../src/core/model';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { nextTurn } from '../../src/core/sources/eventLoopTurns';
import { loadSnapshotStore, type SnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { TreeController, type TreeRefresh } from '../../src/core/tree/treeController';
import { TREE_MODELS } from '../../src/core/tree/treeModels';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const BROKEN = resolve(__dirname, '../fixtures/doctor/broken-chaining.yaml');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function finding(report: DoctorReport, id: string) {
  const f = report.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id}`);
  return f;
}

/** A second pod holding `pod`'s IP on another node. */
function impostor(store: ClusterStore, pod: PodInfo, name: string): PodInfo {
  const copy: PodInfo = { ...structuredClone(pod), name, createdAt: '2026-11-20T09:00:00Z' };
  store.upsert('pod', copy);
  return copy;
}

describe('runDoctorAsync gives runDoctor\'s report', () => {
  let root: string;
  let generated: SnapshotStore;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cni-lens-doctor-async-'));
    const code = await runCli(['generate', '--nodes', '40', '--pods', '1600', '--policies', '20', '--services', '20', '--seed', '3', '--out', root], { out: () => undefined, err: () => undefined }, new AbortController().signal);
    expect(code).toBe(0);
    generated = await loadSnapshotStore(root);
  }, 60_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('on the demo snapshot, in one piece per check and with a pause at every step', async () => {
    const demo = await loadSnapshotStore(DEMO);
    const sync = runDoctor(demo.store, { sources: demo.sources });
    expect(sync.counts.warning).toBeGreaterThan(0); // the two pods started before Cilium
    expect(await runDoctorAsync(demo.store, { sources: demo.sources })).toEqual(sync);
    expect(await runDoctorAsync(demo.store, { sources: demo.sources }, { sliceMs: 0 })).toEqual(sync);
  });

  it('on the broken-chaining fixture (errors in the chaining settings)', async () => {
    const broken = await loadSnapshotStore(BROKEN);
    const sync = runDoctor(broken.store, { sources: broken.sources });
    expect(sync.counts.error).toBeGreaterThan(0);
    expect(await runDoctorAsync(broken.store, { sources: broken.sources }, { sliceMs: 0 })).toEqual(sync);
  });

  it('on a generated cluster with hundreds of unmanaged pods and IP collisions, pausing inside the checks', async () => {
    const { store, sources } = generated;
    // 600 endpoints gone (more than one sort piece), a pod IP twice, an IP on two ENIs, a pod on a cilium_host IP
    const ceps = [...store.keys('ciliumEndpoint')].slice(0, 600);
    const pods = [...store.list('pod')].filter((p) => !p.hostNetwork && p.ip && p.phase === 'Running');
    const eni = [...store.list('eni')].find((e) => e.nodeName && e.ips.length > 2)!;
    const other = [...store.list('eni')].find((e) => e.nodeName && e.nodeName !== eni.nodeName && e.vpcId === eni.vpcId)!;
    const routerIp = [...store.list('ciliumNode')].flatMap((cn) => cn.addresses.filter((a) => a.type === 'CiliumInternalIP'))[0]!.ip;
    store.batch(() => {
      for (const key of ceps) store.remove('ciliumEndpoint', key);
      impostor(store, pods[10]!, 'impostor-a');
      store.upsert('pod', { ...structuredClone(pods[20]!), name: 'on-cilium-host', ip: routerIp, ips: [routerIp] });
      store.upsert('eni', { ...other, ips: [...other.ips, { ...eni.ips[1]!, primary: false }] });
    });

    const sync = runDoctor(store, { sources });
    expect(finding(sync, 'cilium.unmanaged-pods').objects!.length).toBeGreaterThanOrEqual(600);
    expect(finding(sync, 'ip.duplicate-pod-ip').detail).toContain(`${pods[10]!.ip}: `);
    expect(finding(sync, 'ip.duplicate-eni-ip').detail).toContain(`${eni.ips[1]!.ip}: ${eni.id}`);
    expect(finding(sync, 'ip.cilium-host-collision').severity).toBe('error');
    expect(await runDoctorAsync(store, { sources }, { sliceMs: 0 })).toEqual(sync);
  });

  it('on the generated cluster as loaded (no problem): the same counts of pods, ENIs and IPs', async () => {
    const fresh = await loadSnapshotStore(root);
    const sync = runDoctor(fresh.store, { sources: fresh.sources });
    expect(sync.counts.error).toBe(0);
    const ips = new Set([...fresh.store.list('eni')].flatMap((e) => e.ips.map((ip) => ip.ip)));
    expect(finding(sync, 'ip.duplicate-eni-ip').detail).toBe(`${fresh.store.count('eni')} ENIs, ${ips.size} IPs.`);
    expect(await runDoctorAsync(fresh.store, { sources: fresh.sources }, { sliceMs: 0 })).toEqual(sync);
  });

  it('stops when its signal aborts', async () => {
    const abort = new AbortController();
    const run = runDoctorAsync(generated.store, { sources: generated.sources }, { signal: abort.signal, sliceMs: 0 });
    abort.abort(new Error('superseded'));
    await expect(run).rejects.toThrow('superseded');
  });

  it('sortSteps: the order of a stable sort, in pieces', () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ key: `k${(i * 7919) % 97}`, i }));
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    const steps = sortSteps(items, byKey);
    let pieces = 0;
    let next = steps.next();
    while (!next.done) {
      pieces++;
      next = steps.next();
    }
    expect(pieces).toBeGreaterThan(10);
    expect(next.value).toEqual([...items].sort(byKey));
    expect(finish(sortSteps(items.slice(0, 100), byKey))).toEqual(items.slice(0, 100).sort(byKey));
  });
});

describe('DoctorRunner: the latest report of a store', () => {
  it('a change during a run supersedes it: the report that comes is the changed store\'s', async () => {
    const demo = await loadSnapshotStore(DEMO);
    const runner = new DoctorRunner(demo.store, { sliceMs: 0 });
    let ready = 0;
    expect(runner.latest(demo.sources, () => ready++)).toEqual({ current: false });
    await nextTurn();
    await nextTurn();
    // the run is under way; a pod takes another's IP
    const pod = demo.store.get('pod', 'shop/frontend-5bbc558bcd-2vxgb')!;
    impostor(demo.store, pod, 'impostor-7f9c4d');
    // the view asks again (its refresh after the change): the first run gives way
    const again = runner.latest(demo.sources, () => ready++);
    expect(again.current).toBe(false);
    while (ready < 2) await nextTurn();
    expect(runner.stats).toEqual({ started: 2, finished: 1, superseded: 1 });
    const now = runner.latest(demo.sources);
    expect(now.current).toBe(true);
    expect(now.report).toEqual(runDoctor(demo.store, { sources: demo.sources }));
    expect(finding(now.report!, 'ip.duplicate-pod-ip').severity).toBe('error');
    runner.dispose();
  });

  it('a run the store changed under, with nobody asking again, is not current: the next ask runs again', async () => {
    const demo = await loadSnapshotStore(DEMO);
    const runner = new DoctorRunner(demo.store, { sliceMs: 0, costFactor: 0 });
    let ready = false;
    runner.latest(demo.sources, () => (ready = true));
    await nextTurn();
    const pod = demo.store.get('pod', 'shop/frontend-5bbc558bcd-2vxgb')!;
    impostor(demo.store, pod, 'impostor-7f9c4d');
    while (!ready) await nextTurn();
    const stale = runner.latest(demo.sources, () => (ready = true));
    // the report is there, but was computed while the store changed: not current, and a new run started
    expect(stale.report).toBeDefined();
    expect(stale.current).toBe(false);
    expect(runner.stats).toEqual({ started: 2, finished: 1, superseded: 0 });
    ready = false;
    while (!ready) await nextTurn();
    const fresh = runner.latest(demo.sources);
    expect(fresh.current).toBe(true);
    expect(runner.stats).toEqual({ started: 2, finished: 2, superseded: 0 });
    expect(finding(fresh.report!, 'ip.duplicate-pod-ip').severity).toBe('error');
    runner.dispose();
  });

  it('a store that keeps changing still gets reports: after two runs superseded in a row, the third finishes', async () => {
    const demo = await loadSnapshotStore(DEMO);
    const runner = new DoctorRunner(demo.store, { sliceMs: 0, costFactor: 0 });
    const pod = demo.store.get('pod', 'shop/frontend-5bbc558bcd-2vxgb')!;
    let ready = false;
    for (let i = 0; i < 6 && !ready; i++) {
      runner.latest(demo.sources, () => (ready = true));
      await nextTurn();
      demo.store.upsert('pod', { ...pod, labels: { ...pod.labels, churn: String(i) } });
    }
    while (!ready) await nextTurn();
    expect(runner.stats.superseded).toBe(2);
    expect(runner.latest(demo.sources).report).toBeDefined();
    runner.dispose();
  });

  it('the next run waits for the last one\'s cost to be paid off (costFactor × its work)', async () => {
    const demo = await loadSnapshotStore(DEMO);
    const runner = new DoctorRunner(demo.store, { costFactor: 1e9 });
    let ready = false;
    runner.latest(demo.sources, () => (ready = true));
    while (!ready) await nextTurn();
    const pod = demo.store.get('pod', 'shop/frontend-5bbc558bcd-2vxgb')!;
    impostor(demo.store, pod, 'impostor-7f9c4d');
    expect(runner.latest(demo.sources).current).toBe(false);
    for (let i = 0; i < 20; i++) await nextTurn();
    // asked, but not started: the first run's work times 1e9 is not over
    expect(runner.stats).toEqual({ started: 1, finished: 1, superseded: 0 });
    runner.dispose();
  });
});

describe('the Cluster view\'s Checks row', () => {
  it('says the checks are running, then is refreshed in place with the report', async () => {
    const session = new ClusterSession({ kind: 'snapshot', path: DEMO }, quiet);
    await session.start();
    const fired: TreeRefresh[] = [];
    const controller = new TreeController(TREE_MODELS.cluster, { ensureStarted: () => session }, (r) => fired.push(r), { debounceMs: 10 });
    const checks = controller.getChildren().find((r) => r.id === 'cluster/checks')!;
    expect(checks.description).toBe('running checks…');
    while (!fired.some((r) => r?.includes(checks))) await new Promise((r) => setTimeout(r, 20));
    // the same object the editor holds, now with the report's counts and findings
    const report = runDoctor(session.store, { sources: session.sources });
    expect(checks.description).toBe(`${report.counts.error} errors · ${report.counts.warning} warnings · ${report.counts.ok} ok`);
    expect(controller.getChildren(checks).map((r) => r.id)).toEqual(report.findings.map((f) => `cluster/check/${f.id}`));
    controller.dispose();
    await session.stop();
  });
});
