/**
 * A session's flows over the real protocols: ClusterSession connects to the simulated cluster with
 * the Kubernetes client, finds Hubble Relay behind port-forward and reads and follows flows with the
 * gRPC client; its `hubble` source row says what it found. Snapshot sessions read hubble/*.jsonl.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Flow, FlowRecord } from '../../src/core/hubble/flowTypes';
import { runCli } from '../../src/cli/main';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { relayFlows } from '../../src/core/sources/sessionFlows';
import type { SourceStatus } from '../../src/core/model';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { startSimClusterFromDir } from '../../src/sim/startSimClusterFromDir';
import { fixtureObjects, snapshotOf, startLiveSession } from './simFixture';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CART_FILTER = [{ source_pod: ['shop/cart-78d4d6b5d-n4pww'] }, { destination_pod: ['shop/cart-78d4d6b5d-n4pww'] }];

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** RFC 3339 → nanoseconds (fractions of any length). */
function nanos(time: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time)!;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

const liveSession = (sim: SimCluster): Promise<ClusterSession> => startLiveSession(sim, cleanups);

async function hubbleRow(session: ClusterSession, timeoutMs = 10_000): Promise<SourceStatus> {
  const start = Date.now();
  for (;;) {
    const row = session.sources.find((s) => s.name === 'hubble');
    if (row && row.state !== 'loading') return row;
    if (Date.now() - start > timeoutMs) throw new Error(`hubble row still ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('session flows, live through port-forward to Hubble Relay', () => {
  it('the demo: the hubble row names the Relay pod; recent flows of a pod include its POLICY_DENIED drop; follow sees new flows', async () => {
    const sim = await startSimClusterFromDir(DEMO, { onWarning: () => {} });
    const session = await liveSession(sim);
    const row = await hubbleRow(session);
    expect(row.state).toBe('ok');
    expect(row.detail).toMatch(/^Relay pod kube-system\/hubble-relay-[a-z0-9-]+ port 4245 through port-forward; 72 flows buffered/);

    const recent = await session.flows!.recent({ whitelist: CART_FILTER });
    const drops = recent.filter((r) => r.flow.verdict === 'DROPPED' && r.flow.drop_reason_desc === 'POLICY_DENIED');
    expect(drops.length).toBe(3);
    expect(drops.every((r) => r.flow.destination?.pod_name === 'api-f959c8b7-z9s4b' && r.nodeName === 'ip-10-0-57-14.us-west-2.compute.internal')).toBe(true);
    // only the pod's flows, oldest first
    expect(recent.every((r) => r.flow.source?.pod_name === 'cart-78d4d6b5d-n4pww' || r.flow.destination?.pod_name === 'cart-78d4d6b5d-n4pww')).toBe(true);
    const times = recent.map((r) => nanos(r.time));
    expect(times).toEqual([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    const controller = new AbortController();
    const seen: FlowRecord[] = [];
    const following = (async () => {
      for await (const r of session.flows!.follow({ whitelist: CART_FILTER }, { signal: controller.signal })) {
        seen.push(r);
        if (seen.length === 1) controller.abort();
      }
    })();
    // the stream is open once Relay counts the call; then a new drop arrives
    const start = Date.now();
    while (sim.hubble!.stats().activeCalls === 0 && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 10));
    const template = drops[0]!.flow;
    const fresh: Flow = { ...template, uuid: 'fresh-drop-1', time: new Date().toISOString() };
    const other: Flow = { ...template, uuid: 'fresh-other', time: new Date().toISOString(), source: { namespace: 'data', pod_name: 'orders-consumer-77ff6fcf7d-wtk7v' }, destination: { namespace: 'kube-system', pod_name: 'coredns-6957d88c7b-65tgt' } };
    sim.hubble!.addFlows([other, fresh]);
    await following;
    expect(seen.map((r) => r.flow.uuid)).toEqual(['fresh-drop-1']);
  });

  it('"Hubble not installed" when the cluster has no Relay; the session itself is connected', async () => {
    const sim = await startSimCluster({ snapshot: snapshotOf(fixtureObjects()), onWarning: () => {} });
    const session = await liveSession(sim);
    const row = await hubbleRow(session);
    expect(row).toMatchObject({ name: 'hubble', state: 'missing', detail: expect.stringMatching(/^Hubble not installed: /) });
    expect(session.state.phase).toBe('connected');
    await expect(session.flows!.recent({})).rejects.toMatchObject({ kind: 'not-installed' });
  });

  it('"Relay unreachable" when the Relay pod refuses port 4245', async () => {
    const relay = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hubble-relay-5d8f7c9b4-x2k9q', namespace: 'kube-system', labels: { 'k8s-app': 'hubble-relay' } },
      spec: { nodeName: 'ip-10-0-1-10.ec2.internal', containers: [{ name: 'hubble-relay', ports: [{ name: 'grpc', containerPort: 4245 }] }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const sim = await startSimCluster({ snapshot: snapshotOf([...fixtureObjects(), relay]), hubble: false, onWarning: () => {} });
    const session = await liveSession(sim);
    const row = await hubbleRow(session);
    expect(row).toMatchObject({ state: 'error', detail: expect.stringMatching(/^Relay unreachable: .*connection refused/) });
  });
});

describe('relayFlows keeps one connection for all callers', () => {
  it('a caller that aborts after its call does not close the port-forward the next caller uses', async () => {
    const sim = await startSimClusterFromDir(DEMO, { onWarning: () => {} });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    const flows = relayFlows(kc);
    cleanups.push(async () => {
      await flows.close();
      await sim.close();
    });
    const first = new AbortController();
    expect((await flows.recent({ last: 5 }, first.signal)).length).toBe(5);
    first.abort();
    await new Promise((r) => setTimeout(r, 200));
    expect((await flows.recent({ last: 3 })).length).toBe(3);
    expect(flows.status).toMatchObject({ state: 'ok' });
    await flows.close();
    const start = Date.now();
    while (sim.portForwards.stats().open > 0 && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(sim.portForwards.stats().open).toBe(0);
  });
});

describe('cni-lens trace on a live cluster: observed flows from Relay', () => {
  it('the demo drop: predicted deny, observed POLICY_DENIED on the same hop, read from Relay through port-forward', async () => {
    const sim = await startSimClusterFromDir(DEMO, { onWarning: () => {} });
    const dir = await mkdtemp(path.join(tmpdir(), 'cnilens-trace-'));
    cleanups.push(async () => {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    });
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    await writeFile(kubeconfig, sim.kubeconfig());
    let out = '';
    let err = '';
    const code = await runCli(
      ['trace', '--kubeconfig', kubeconfig, '--no-aws', '--from', 'shop/cart-78d4d6b5d-n4pww', '--to', 'payments/api-f959c8b7-z9s4b', '--port', '8443', '--json'],
      { out: (t) => (out += t), err: (t) => (err += t) },
      new AbortController().signal,
    );
    expect(code, err).toBe(0);
    const t = JSON.parse(out);
    const hop = t.hops.findIndex((h: { kind: string }) => h.kind === 'cilium-ingress');
    expect(t.observed).toMatchObject({ available: true, from: 'Hubble Relay', verdict: 'deny', predictedHop: hop, sameHop: true, mismatch: null, matched: 7 });
    expect(t.observed.drops[0]).toMatchObject({ hop, reason: 'POLICY_DENIED', count: 4 });
    // the port-forward to Relay is closed when the command ends
    const start = Date.now();
    while (sim.portForwards.stats().open > 0 && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(sim.portForwards.stats().open).toBe(0);
  });
});

describe('session flows of a snapshot', () => {
  it('reads hubble/*.jsonl, filters by pod, and has nothing to follow', async () => {
    const session = new ClusterSession({ kind: 'snapshot', path: DEMO }, log);
    cleanups.push(() => session.stop());
    await session.start();
    expect(session.sources.find((s) => s.name === 'hubble')).toEqual({ name: 'hubble', state: 'ok', detail: '72 flows from hubble/*.jsonl' });
    expect(session.flows!.live).toBe(false);
    const recent = await session.flows!.recent({ whitelist: [{ verdict: ['DROPPED'] }] });
    expect(recent.length).toBe(7);
    expect((await session.flows!.recent({ whitelist: [{ verdict: ['DROPPED'] }], last: 2 })).map((r) => r.flow.drop_reason_desc)).toEqual(['POLICY_DENY', 'POLICY_DENY']);
    const followed: FlowRecord[] = [];
    for await (const r of session.flows!.follow({}, { signal: new AbortController().signal })) followed.push(r);
    expect(followed).toEqual([]);
    await expect(session.flows!.recent({ whitelist: [{ source_ip: ['not-an-ip'] }] })).rejects.toMatchObject({ kind: 'invalid-request' });
  });
});
