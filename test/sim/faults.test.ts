/**
 * Faults of the Kubernetes API, injected by the simulated cluster, against the real informer (its
 * own list and watch over HTTPS) and the real session: after each fault the informer's view equals
 * the cluster's (changes made during the fault included), every watch event arrives exactly once,
 * the state says stale/reconnecting while it is, and no promise rejection goes unhandled.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterSession, type SessionState } from '../../src/core/sources/clusterSession';
import { KubeInformer, type InformerOptions, type InformerState } from '../../src/core/sources/kubeInformer';
import { LIVE_RESOURCES } from '../../src/core/sources/liveCluster';
import { sessionPhaseText } from '../../src/core/sources/sourceFreshness';
import type { SimResource } from '../../src/sim/resourceRegistry';
import type { KubeObject, SimStoreEvent } from '../../src/sim/simObjectStore';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { fixtureObjects, pod, PODS, snapshotOf } from './simFixture';
import { simRequest } from './simHttp';

const PODS_SPEC = LIVE_RESOURCES.find((r) => r.id === 'pods')!;
/** Short back-off so that each fault recovers in well under a second; jitter fixed at its middle. */
const FAST: InformerOptions = { backoffMs: 20, maxBackoffMs: 200, random: () => 0.5 };

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

let sim: SimCluster;
let kc: k8s.KubeConfig;
let podsResource: SimResource;
/** Every change the cluster made to pods, in order: the ground truth for "no event lost or duplicated". */
let truth: SimStoreEvent[];
let stopTruth: () => void;

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

beforeEach(async () => {
  sim = await startSimCluster({ snapshot: snapshotOf(fixtureObjects()), onWarning: () => undefined, bookmarkIntervalMs: 60_000 });
  kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  podsResource = sim.api.registry.find('v1', 'pods')!;
  truth = [];
  stopTruth = sim.api.watch(podsResource, sim.api.resourceVersion, (e) => truth.push(e)).stop;
});

afterEach(async () => {
  stopTruth();
  await sim.close();
  // give late rejections a turn to surface before checking
  await new Promise((r) => setImmediate(r));
  expect(unhandled).toEqual([]);
});

/** An informer of pods whose sink mirrors what it was told, as the store does. */
function startPodsInformer(options: InformerOptions = FAST) {
  const mirror = new Map<string, string>();
  const delivered: Array<{ type: string; key: string; rv: string }> = [];
  const states: InformerState[] = [];
  let relists = 0;
  const keyOf = (o: unknown): string => {
    const m = (o as KubeObject).metadata;
    return `${m.namespace}/${m.name}`;
  };
  const informer = new KubeInformer(kc, PODS_SPEC, {
    replace: (items) => {
      relists++;
      mirror.clear();
      for (const item of items) mirror.set(keyOf(item), (item as KubeObject).metadata.resourceVersion!);
    },
    event: (type, object) => {
      const key = keyOf(object);
      const rv = (object as KubeObject).metadata.resourceVersion!;
      delivered.push({ type, key, rv });
      if (type === 'DELETED') mirror.delete(key);
      else mirror.set(key, rv);
    },
    state: (s) => states.push(s),
  }, options);
  const controller = new AbortController();
  const done = informer.run(controller.signal);
  return {
    mirror,
    delivered,
    states,
    get relists() {
      return relists;
    },
    get current() {
      return states.at(-1);
    },
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

function simPods(): Map<string, string> {
  return new Map(sim.api.list(podsResource).map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o.metadata.resourceVersion!]));
}

async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Three pod changes: a label change, a new pod, a deletion. */
function changePods(tag: string): void {
  const changed = pod(PODS[0]);
  changed.metadata.labels = { ...changed.metadata.labels, fault: tag };
  sim.api.apply(changed);
  sim.api.apply(pod({ ...PODS[1], name: `added-${tag}` }));
  sim.api.delete('pods', PODS[2].ns, PODS[2].name);
}

function watchRequests(): Array<{ rv?: string; status: number }> {
  return sim.requests.filter((r) => r.verb === 'watch' && r.resource === 'pods').map((r) => ({ rv: r.query.resourceVersion, status: r.status }));
}

const synced = (s: InformerState | undefined): boolean => s?.phase === 'synced';

/** Synced, and the server holds its watch open (synced comes right after the list, before the watch). */
async function watching(inf: { current: InformerState | undefined }): Promise<void> {
  await eventually(() => synced(inf.current) && watchRequests().at(-1)?.status === 200, 'an open watch');
}

describe('informer under Kubernetes API faults', () => {
  it('a watch cut mid-event resumes from the last resourceVersion: nothing lost, nothing twice, no relist', async () => {
    const inf = startPodsInformer();
    await watching(inf);
    const rule = sim.faults.add({ match: { verb: 'watch', resource: 'pods' }, fault: { kind: 'cutWatch', afterEvents: 1 }, times: 1 });
    // the server ends the open watch; the next one carries the fault
    sim.closeWatches();
    await eventually(() => rule.hits === 1, 'the watch with the fault');
    // the first change goes through, the second is cut half-way, the third is made while reconnecting
    changePods('cut');
    await eventually(() => inf.delivered.length === 3 && synced(inf.current), 'the three changes after the cut');

    const reconnecting = inf.states.filter((s): s is Extract<InformerState, { phase: 'reconnecting' }> => s.phase === 'reconnecting');
    expect(reconnecting).toHaveLength(1);
    expect(reconnecting[0]).toMatchObject({ attempt: 1, retryInMs: 0, hadData: true });
    expect(reconnecting[0]!.error).toMatch(/watch of \/api\/v1\/pods (broke|ended inside an event)/);
    expect(inf.relists).toBe(1); // only the first list
    // the resumed watch started at the resourceVersion of the one event that got through
    const watches = watchRequests();
    expect(watches).toHaveLength(3);
    expect(watches[2]!.rv).toBe(inf.delivered[0]!.rv);
    expect(inf.delivered.map((d) => d.rv)).toEqual(truth.map((e) => String(e.resourceVersion)));
    expect(inf.mirror).toEqual(simPods());
    await inf.stop();
    expect(inf.current).toEqual({ phase: 'stopped' });
  });

  it('410 Gone as a watch ERROR event relists, and the relist brings the changes made meanwhile', async () => {
    const inf = startPodsInformer();
    await watching(inf);
    sim.faults.add({ match: { verb: 'watch' }, fault: { kind: 'expireWatch' }, times: 1 });
    expect(sim.closeWatches()).toBe(1);
    changePods('expired');
    await eventually(() => inf.relists === 2 && synced(inf.current), 'relist');
    const relisting = inf.states.find((s) => s.phase === 'listing' && s.staleSince !== undefined);
    expect(relisting).toBeDefined();
    expect(inf.mirror).toEqual(simPods());
    await inf.stop();
  });

  it('410 as the HTTP status of a watch and then of the list: relist, back off, relist again', async () => {
    const inf = startPodsInformer();
    await watching(inf);
    sim.faults.add({ match: { verb: 'watch' }, fault: { kind: 'status', code: 410 }, times: 1 });
    sim.faults.add({ match: { verb: 'list' }, fault: { kind: 'status', code: 410, message: 'The provided continue parameter is too old' }, times: 1 });
    sim.closeWatches();
    changePods('gone');
    await eventually(() => inf.relists === 2 && synced(inf.current), 'second successful list');
    const after = inf.states.slice(inf.states.findIndex((s) => s.phase === 'listing' && s.staleSince !== undefined));
    expect(after.map((s) => s.phase)).toEqual(['listing', 'reconnecting', 'listing', 'synced']);
    expect(after[1]).toMatchObject({ attempt: 1, hadData: true, error: 'list failed: The provided continue parameter is too old' });
    expect(inf.mirror).toEqual(simPods());
    await inf.stop();
  });

  it('429 with Retry-After: waits what the server asked, then resumes', async () => {
    const inf = startPodsInformer();
    await watching(inf);
    sim.faults.add({ match: { verb: 'watch' }, fault: { kind: 'status', code: 429, retryAfterSeconds: 1 }, times: 1 });
    sim.closeWatches();
    changePods('throttled');
    await eventually(() => inf.states.some((s) => s.phase === 'reconnecting'), 'reconnecting');
    const reconnecting = inf.states.find((s) => s.phase === 'reconnecting');
    expect(reconnecting).toMatchObject({ retryInMs: 1000, retryAfter: true, hadData: true, error: 'watch failed: Too many requests, please try again later.' });
    await eventually(() => synced(inf.current) && inf.delivered.length === 3, 'resumed watch');
    const times = sim.requests.filter((r) => r.verb === 'watch').map((r) => Date.parse(r.time));
    expect(times.at(-1)! - times.at(-2)!).toBeGreaterThanOrEqual(990);
    expect(inf.relists).toBe(1);
    expect(inf.delivered.map((d) => d.rv)).toEqual(truth.map((e) => String(e.resourceVersion)));
    expect(inf.mirror).toEqual(simPods());
    await inf.stop();
  });

  it('500s back off exponentially with jitter, and the back-off starts over once the watch works', async () => {
    const random = [0, 1, 0.5];
    let i = 0;
    const inf = startPodsInformer({ ...FAST, random: () => random[i++ % random.length]! });
    await watching(inf);
    sim.faults.add({ match: { verb: 'watch' }, fault: { kind: 'status', code: 500 }, times: 3 });
    sim.closeWatches();
    changePods('500');
    await eventually(() => synced(inf.current) && inf.delivered.length === 3, 'recovery');
    const waits = inf.states.filter((s) => s.phase === 'reconnecting').map((s) => (s.phase === 'reconnecting' ? [s.attempt, s.retryInMs] : []));
    // 20, 40, 80 ms, each jittered into [d/2, d]: random 0 → d/2, 1 → d, 0.5 → 3d/4
    expect(waits).toEqual([[1, 10], [2, 40], [3, 60]]);
    expect(inf.delivered.map((d) => d.rv)).toEqual(truth.map((e) => String(e.resourceVersion)));
    expect(inf.mirror).toEqual(simPods());
    // the next failure starts from attempt 1 again
    sim.faults.add({ match: { verb: 'watch' }, fault: { kind: 'status', code: 500 }, times: 1 });
    const before = inf.states.length;
    sim.closeWatches();
    await eventually(() => inf.states.slice(before).some((s) => s.phase === 'reconnecting'), 'second failure');
    expect(inf.states.slice(before).find((s) => s.phase === 'reconnecting')).toMatchObject({ attempt: 1 });
    await inf.stop();
  });

  it('a slow list times out and is retried; a truncated and a malformed list body are errors that are retried', async () => {
    sim.faults.add({ match: { verb: 'list' }, fault: { kind: 'delay', ms: 1500 }, times: 1 });
    sim.faults.add({ match: { verb: 'list' }, fault: { kind: 'truncate' }, times: 1 });
    sim.faults.add({ match: { verb: 'list' }, fault: { kind: 'malformed' }, times: 1 });
    const inf = startPodsInformer({ ...FAST, requestTimeoutMs: 300 });
    await eventually(() => synced(inf.current), 'first sync', 15_000);
    const errors = inf.states.flatMap((s) => (s.phase === 'reconnecting' ? [s.error] : []));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBe('list failed: GET /api/v1/pods got no complete answer from ' + sim.url + ' within 0.3 s');
    expect(errors[1]).toMatch(/^list failed: the answer to GET \/api\/v1\/pods was cut off \(HTTP 200\)/);
    expect(errors[2]).toMatch(/^list failed: malformed JSON from GET \/api\/v1\/pods/);
    // no data before the first list: not stale, just not loaded
    expect(inf.states.filter((s) => s.phase === 'reconnecting').every((s) => s.phase === 'reconnecting' && !s.hadData)).toBe(true);
    expect(inf.mirror).toEqual(simPods());
    await inf.stop();
  });

  it('a garbled watch event and a watch whose head comes too late: the watch is reopened from the last good event', async () => {
    const inf = startPodsInformer({ ...FAST, watchConnectTimeoutMs: 300 });
    await watching(inf);
    sim.faults.add({ match: { verb: 'watch' }, fault: { kind: 'malformed' }, times: 1 });
    sim.faults.add({ match: { verb: 'watch' }, fault: { kind: 'delay', ms: 1500 }, times: 1 });
    sim.closeWatches();
    changePods('garbled');
    await eventually(() => synced(inf.current) && inf.delivered.length === 3 && sim.faults.list().length === 0, 'recovery');
    const errors = inf.states.flatMap((s) => (s.phase === 'reconnecting' ? [s.error] : []));
    expect(errors[0]).toMatch(/^the watch of \/api\/v1\/pods broke: a watch event is not JSON: /);
    expect(errors[1]).toBe(`watch failed: no answer from ${sim.url} within 0.3 s`);
    expect(inf.relists).toBe(1);
    expect(inf.delivered.map((d) => d.rv)).toEqual(truth.map((e) => String(e.resourceVersion)));
    expect(inf.mirror).toEqual(simPods());
    await inf.stop();
  });

  it('an API server restart (resourceVersions jump): reconnecting while down, relist once back', async () => {
    const inf = startPodsInformer({ ...FAST, stableWatchMs: 0 });
    await watching(inf);
    const t0 = Date.now();
    const restarted = sim.faults.restartApiServer({ downMs: 400, compact: true });
    await eventually(() => inf.states.some((s) => s.phase === 'reconnecting'), 'reconnecting while down');
    changePods('restart');
    await restarted;
    const t1 = Date.now();
    await eventually(() => inf.relists === 2 && synced(inf.current), 'relist after restart');
    // never called fresh between the restart and the relist: the resumed watch was expired
    const afterRestart = inf.states.slice(inf.states.findIndex((s) => s.phase === 'reconnecting'));
    expect(afterRestart.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(['reconnecting', 'listing', 'synced']);
    expect(t1 - t0).toBeGreaterThanOrEqual(400);
    const down = inf.states.find((s) => s.phase === 'reconnecting');
    expect(down).toMatchObject({ hadData: true });
    expect(down?.phase === 'reconnecting' && down.error).toMatch(/cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: .*(ECONNREFUSED|ECONNRESET)/);
    expect(inf.mirror).toEqual(simPods());
    await inf.stop();
  });
});

describe('session under Kubernetes API faults', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cni-lens-faults-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says stale/reconnecting per source while a watch fails, and connected with every source ok after', async () => {
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, sim.kubeconfig('faults'), { mode: 0o600 });
    const session = new ClusterSession({ kind: 'live', kubeconfigPath, context: 'faults', aws: false }, { info: () => undefined, warn: () => undefined, error: () => undefined }, { informer: { ...FAST, backoffMs: 300, maxBackoffMs: 300, stableWatchMs: 0 } });
    try {
    const seen: Array<{ state: SessionState; head: string; pods: string }> = [];
    const text = (name: string): string => {
      const row = session.sources.find((s) => s.name === name);
      return row ? `${row.state} · ${row.detail}` : '';
    };
    session.onState((state) => seen.push({ state, head: text('kubernetes'), pods: text('kubernetes pods') }));
    await session.start();
    expect(session.state.phase).toBe('connected');
    expect(session.sources.find((s) => s.name === 'kubernetes')?.state).toBe('ok');

    sim.faults.add({ match: { verb: 'watch', resource: 'pods' }, fault: { kind: 'status', code: 500 }, times: 2 });
    sim.closeWatches();
    changePods('session');
    await eventually(() => session.state.phase === 'reconnecting', 'reconnecting');
    const during = session.sources;
    const podsRow = during.find((s) => s.name === 'kubernetes pods')!;
    expect(podsRow.state).toBe('stale');
    expect(podsRow.detail).toMatch(/^since \d\d:\d\d:\d\d \(reconnecting, attempt \d, next in (<1 s|\d+ s)\): watch failed: Internal error occurred: simulated fault$/);
    expect(during.find((s) => s.name === 'kubernetes')).toMatchObject({ state: 'stale' });
    expect(session.state.detail).toMatch(/^1 of \d+ resources stale since \d\d:\d\d:\d\d \(reconnecting, attempt \d, next/);
    expect(sessionPhaseText(session.state.phase)).toBe('stale, reconnecting');

    await eventually(() => session.state.phase === 'connected', 'connected again');
    expect(session.sources.filter((s) => s.name.startsWith('kubernetes')).map((s) => s.state)).toEqual(expect.arrayContaining(['ok']));
    expect(session.sources.filter((s) => s.name.startsWith('kubernetes') && s.state !== 'ok' && s.state !== 'missing')).toEqual([]);
    await eventually(() => session.store.count('pod') === sim.api.list(podsResource).length, 'store caught up');
    const storePods = new Set([...session.store.list('pod')].map((p) => `${p.namespace}/${p.name}`));
    expect(storePods).toEqual(new Set(simPods().keys()));
    expect([...session.store.list('pod')].find((p) => p.name === PODS[0].name)?.labels).toMatchObject({ fault: 'session' });
    // the status went connected → reconnecting (stale) → connected, and the pods row followed it
    const phases = seen.map((s) => s.state.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases.slice(-3)).toEqual(['connected', 'reconnecting', 'connected']);
    expect(seen.some((s) => s.pods.startsWith('stale · since'))).toBe(true);
    // once watched again the resource has no row of its own; the head row is ok again
    expect(seen.at(-1)!.pods).toBe('');
    expect(seen.at(-1)!.head).toMatch(/^ok · \d+ objects from \d+ resources listed and watched$/);
    expect(seen.some((s) => /^stale · 1 of \d+ resources stale since \d\d:\d\d:\d\d \(reconnecting, attempt \d, next/.test(s.head))).toBe(true);
    } finally {
      await session.stop();
    }
  });
});

describe('fault control API (/_sim/v1/faults)', () => {
  it('adds, lists and removes rules; a rule answers 429 with Retry-After like the API server', async () => {
    const added = await simRequest(sim, '/_sim/v1/faults', {
      method: 'POST',
      body: JSON.stringify({ match: { verb: 'list', resource: 'pods' }, fault: { kind: 'status', code: 429, retryAfterSeconds: 3 }, times: 2 }),
    });
    expect(added.status).toBe(200);
    const id = added.json<{ added: Array<{ id: string }> }>().added[0]!.id;
    const throttled = await simRequest(sim, '/api/v1/pods');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
    expect(throttled.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 3 } });
    expect((await simRequest(sim, '/api/v1/nodes')).status).toBe(200); // another resource is not affected
    const listed = (await simRequest(sim, '/_sim/v1/faults')).json<{ faults: Array<{ id: string; hits: number }> }>();
    expect(listed.faults).toEqual([expect.objectContaining({ id, hits: 1, times: 2 })]);
    expect((await simRequest(sim, `/_sim/v1/faults/${id}`, { method: 'DELETE' })).json()).toEqual({ removed: 1 });
    expect((await simRequest(sim, '/api/v1/pods')).status).toBe(200);
  });

  it('rejects a bad rule with a message naming the field', async () => {
    const bad = await simRequest(sim, '/_sim/v1/faults', { method: 'POST', body: JSON.stringify({ fault: { kind: 'status', code: 200 } }) });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ message: 'fault rule: fault.code must be an HTTP error code (400–599)' });
    const unknown = await simRequest(sim, '/_sim/v1/faults', { method: 'POST', body: JSON.stringify({ fault: { kind: 'explode' } }) });
    expect(unknown.json()).toMatchObject({ message: 'fault rule: fault.kind must be one of: status, delay, truncate, malformed, cutWatch, expireWatch' });
    const extra = await simRequest(sim, '/_sim/v1/faults', { method: 'POST', body: JSON.stringify({ fault: { kind: 'delay', ms: 5, seconds: 1 } }) });
    expect(extra.json()).toMatchObject({ message: 'fault rule: fault.seconds must be one of: kind, ms (unknown field for kind delay)' });
  });

  it('sets and lifts port-forward refusals; says when there is no Hubble Relay to break', async () => {
    const bad = await simRequest(sim, '/_sim/v1/faults/portforward', { method: 'POST', body: JSON.stringify({ refuse: ['aws-node-x'] }) });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ message: 'refuse[0] must be "namespace/pod", found "aws-node-x"' });
    const set = await simRequest(sim, '/_sim/v1/faults/portforward', { method: 'POST', body: JSON.stringify({ refuseNodes: ['ip-10-0-1-10.ec2.internal'] }) });
    expect(set.json()).toEqual({ refuse: [], refuseNodes: ['ip-10-0-1-10.ec2.internal'] });
    expect(sim.portForwards.refusedByScenario('shop', 'web-7d9c-xk2p', 'ip-10-0-1-10.ec2.internal')).toBe(true);
    await simRequest(sim, '/_sim/v1/faults/portforward', { method: 'POST', body: '{}' });
    expect(sim.portForwards.refusedByScenario('shop', 'web-7d9c-xk2p', 'ip-10-0-1-10.ec2.internal')).toBe(false);
    const hubble = await simRequest(sim, '/_sim/v1/faults/hubble', { method: 'POST', body: '{}' });
    expect(hubble.status).toBe(400);
    expect(hubble.json()).toMatchObject({ message: 'breakHubble: this simulated cluster runs no Hubble Relay' });
  });

  it('restarts the API server on the same port', async () => {
    const answer = await simRequest(sim, '/_sim/v1/faults/restart', { method: 'POST', body: JSON.stringify({ downMs: 300 }) });
    expect(answer.status).toBe(202);
    const down = await simRequest(sim, '/version').then(() => 'up', (err: NodeJS.ErrnoException) => err.code);
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(down);
    let up = '';
    for (let i = 0; i < 100 && up !== 'up'; i++) {
      up = await simRequest(sim, '/version').then(() => 'up', () => 'down');
      if (up !== 'up') await new Promise((r) => setTimeout(r, 50));
    }
    expect(up).toBe('up');
  });
});
