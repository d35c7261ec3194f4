/**
 * The grpc-js Hubble client against the simulated Hubble Relay, through the simulated cluster's
 * Kubernetes port-forward (client-node `PortForward` → websocket → relay pod port 4245): ServerStatus,
 * GetFlows (number/first/since/until/whitelist/blacklist), follow, reconnect after a break, and the
 * error states (not installed, forbidden, refused). Expected flows are computed here from the demo's
 * jsonl file with plain JSON, independently of the code under test.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow, GetFlowsRequest } from '../../src/core/hubble/flowTypes';
import { connectHubble, followFlows, HubbleError, type HubbleClient } from '../../src/core/hubble/hubbleClient';
import { decodeHubbleJsonLine } from '../../src/core/hubble/hubbleJson';
import type { RawKubeObject } from '../../src/core/snapshot/rawSnapshot';
import { SimHubbleRelay } from '../../src/sim/hubble/simHubbleRelay';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../../src/sim/startSimCluster';
import { startSimClusterFromDir } from '../../src/sim/startSimClusterFromDir';
import { fixtureObjects, snapshotOf } from './simFixture';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const RELAY_POD = 'hubble-relay-7cd6bbfd55-27w84';

interface FileLine {
  flow: { uuid: string; time: string; verdict: string; source?: { namespace?: string; pod_name?: string }; [k: string]: unknown };
  node_name: string;
  time: string;
}

/** The demo's lines, read with plain JSON. */
const LINES: FileLine[] = fs
  .readFileSync(path.join(DEMO, 'hubble', 'flows.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as FileLine);

/** RFC 3339 → nanoseconds, written separately from the code under test. */
function nanos(time: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time)!;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function kubeConfigOf(sim: SimCluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  return kc;
}

async function collect(flows: AsyncIterable<Flow>, opts: { count?: number; timeoutMs?: number; controller?: AbortController } = {}): Promise<Flow[]> {
  const out: Flow[] = [];
  const timer = setTimeout(() => opts.controller?.abort(), opts.timeoutMs ?? 10_000);
  try {
    for await (const f of flows) {
      out.push(f);
      if (opts.count !== undefined && out.length >= opts.count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function freshFlow(template: FileLine, i: number): Flow {
  const t = BigInt(Date.now()) * 1_000_000n + BigInt(i) * 1000n + 123n;
  const seconds = t / 1_000_000_000n;
  const frac = String(t % 1_000_000_000n).padStart(9, '0');
  const time = `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
  return { ...(decodeHubbleJsonLine(JSON.stringify(template)) as { flow: Flow }).flow, uuid: `test-${i}-${t}`, time };
}

describe('Hubble Relay through port-forward (demo snapshot)', () => {
  let sim: SimCluster;
  let client: HubbleClient;

  beforeAll(async () => {
    sim = await startSimClusterFromDir(DEMO, { onWarning: () => {} });
    client = await connectHubble({ kc: kubeConfigOf(sim), via: 'port-forward' });
  });

  afterAll(async () => {
    await client?.close();
    await sim?.close();
  });

  it('finds the relay pod behind Service kube-system/hubble-relay 80 → 4245', () => {
    expect(sim.hubble).toBeDefined();
    expect(client.relay).toEqual({ namespace: 'kube-system', pod: RELAY_POD, port: 4245, service: 'hubble-relay' });
    expect(client.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(client.state).toBe('ready');
  });

  it('answers ServerStatus with the ring and node counts', async () => {
    const status = await client.serverStatus();
    expect(status.num_flows).toBe(LINES.length);
    expect(status.seen_flows).toBe(LINES.length);
    expect(status.max_flows).toBe(4095);
    expect(status.num_connected_nodes).toBe(7); // the demo's 7 nodes
    expect(status.num_unavailable_nodes).toBe(0);
    expect(status.version).toBe('1.18.6+gb6aafff4c5');
    expect(BigInt(status.uptime_ns) > 0n).toBe(true);
  });

  it('returns every flow unchanged, time included (not 1970)', async () => {
    const flows = await collect(client.getFlows({}));
    expect(flows.map((f) => f.uuid)).toEqual(LINES.map((l) => l.flow.uuid));
    for (const [i, f] of flows.entries()) {
      expect(nanos(f.time!)).toBe(nanos(LINES[i]!.flow.time));
      expect(f.time!.startsWith('2026-11-20T')).toBe(true);
    }
    // the same shape as the file decoded offline
    const offline = LINES.map((l) => (decodeHubbleJsonLine(JSON.stringify(l)) as { flow: Flow }).flow);
    expect(flows).toEqual(offline);
  });

  it('number: the last N; with first: the first N', async () => {
    const last5 = await collect(client.getFlows({ number: 5 }));
    expect(last5.map((f) => f.uuid)).toEqual(LINES.slice(-5).map((l) => l.flow.uuid));
    const first3 = await collect(client.getFlows({ number: 3, first: true }));
    expect(first3.map((f) => f.uuid)).toEqual(LINES.slice(0, 3).map((l) => l.flow.uuid));
  });

  it('whitelist verdict DROPPED returns exactly the demo drops', async () => {
    const drops = await collect(client.getFlows({ whitelist: [{ verdict: ['DROPPED'] }] }));
    const expected = LINES.filter((l) => l.flow.verdict === 'DROPPED');
    expect(expected).toHaveLength(7);
    expect(drops.map((f) => f.uuid)).toEqual(expected.map((l) => l.flow.uuid));
    expect(drops.map((f) => f.drop_reason_desc ?? '-')).toEqual(['-', 'POLICY_DENIED', 'POLICY_DENIED', 'POLICY_DENIED', '-', 'POLICY_DENY', 'POLICY_DENY']);
    // last 2 drops
    const lastDrops = await collect(client.getFlows({ number: 2, whitelist: [{ verdict: ['DROPPED'] }] }));
    expect(lastDrops.map((f) => f.uuid)).toEqual(expected.slice(-2).map((l) => l.flow.uuid));
  });

  it('whitelist minus blacklist, filters ORed', async () => {
    const got = await collect(client.getFlows({ whitelist: [{ source_pod: ['shop/'] }, { source_pod: ['data/events-'] }], blacklist: [{ verdict: ['FORWARDED'] }] }));
    const expected = LINES.filter(
      (l) => (l.flow.source?.namespace === 'shop' || (l.flow.source?.namespace === 'data' && (l.flow.source.pod_name ?? '').startsWith('events-'))) && l.flow.verdict !== 'FORWARDED',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(got.map((f) => f.uuid)).toEqual(expected.map((l) => l.flow.uuid));
  });

  it('since and until bound the flows by time', async () => {
    const since = LINES[10]!.flow.time;
    const until = LINES[20]!.flow.time;
    const got = await collect(client.getFlows({ since, until }));
    const expected = LINES.filter((l) => nanos(l.flow.time) >= nanos(since) && nanos(l.flow.time) <= nanos(until));
    expect(got.map((f) => f.uuid)).toEqual(expected.map((l) => l.flow.uuid));
    // since with number: counted from since onwards
    const sinceFirst2 = await collect(client.getFlows({ since, number: 2 }));
    expect(sinceFirst2.map((f) => f.uuid)).toEqual(expected.slice(0, 2).map((l) => l.flow.uuid));
  });

  it('rejects first with follow and unusable filters (invalid-request)', async () => {
    await expect(collect(client.getFlows({ first: true, follow: true }))).rejects.toMatchObject({ kind: 'invalid-request', message: expect.stringContaining('first cannot be specified with follow') });
    await expect(collect(client.getFlows({ whitelist: [{ source_ip: ['10.0.0.0/99'] }] }))).rejects.toMatchObject({ kind: 'invalid-request', message: expect.stringContaining('source_ip') });
  });

  it('follow: receives flows added after the call started, then ends on abort', async () => {
    const controller = new AbortController();
    let started = false;
    const nodeStatus: string[] = [];
    const flows = client.getFlows(
      { follow: true, whitelist: [{ source_pod: ['shop/'] }] },
      { signal: controller.signal, onStart: () => (started = true), onNodeStatus: (e) => nodeStatus.push(e.state_change ?? '') },
    );
    const received = collect(flows, { count: 2, controller, timeoutMs: 10_000 });
    await waitFor(() => started && sim.hubble!.stats().activeCalls > 0);
    const shop = LINES.find((l) => l.flow.source?.namespace === 'shop')!;
    const other = LINES.find((l) => l.flow.source?.namespace !== 'shop')!;
    const added = sim.hubble!.addFlows([freshFlow(shop, 1), freshFlow(other, 2), freshFlow(shop, 3)]);
    const got = await received;
    expect(got.map((f) => f.uuid)).toEqual([added[0]!.flow.uuid, added[2]!.flow.uuid]);
    expect(nodeStatus).toEqual(['NODE_CONNECTED']);
    controller.abort();
    await waitFor(() => sim.hubble!.stats().activeCalls === 0);
  });

  for (const connections of [false, true]) {
    it(`followFlows resumes after breakStreams(${connections ? '{connections: true}' : ''}) without duplicates`, async () => {
      const controller = new AbortController();
      const reconnects: Array<string | undefined> = [];
      const request: GetFlowsRequest = { follow: true, whitelist: [{ source_pod: ['payments/'] }] };
      const stream = followFlows(client, request, { signal: controller.signal, retryDelayMs: 20, onReconnect: (i) => reconnects.push(i.since) });
      const seen: Flow[] = [];
      const done = (async () => {
        for await (const f of stream) {
          seen.push(f);
          if (seen.length === 5) controller.abort();
        }
      })();
      const payments = LINES.find((l) => l.flow.source?.namespace === 'payments')!;
      await waitFor(() => sim.hubble!.stats().activeCalls > 0);
      const before = sim.hubble!.addFlows([0, 1, 2].map((i) => freshFlow(payments, 10 + i)));
      await waitFor(() => seen.length === 3);
      expect(sim.hubble!.breakStreams({ connections })).toBe(1);
      const after = sim.hubble!.addFlows([3, 4].map((i) => freshFlow(payments, 10 + i)));
      const timer = setTimeout(() => controller.abort(), 10_000);
      await done;
      clearTimeout(timer);
      expect(seen.map((f) => f.uuid)).toEqual([...before, ...after].map((r) => r.flow.uuid));
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expect(reconnects[0]).toBe(before[2]!.flow.time);
      await waitFor(() => sim.hubble!.stats().activeCalls === 0);
    });
  }

  it('also serves a TCP address (for --hubble-address)', async () => {
    const address = await sim.hubble!.listen();
    const direct = await connectHubble({ address });
    try {
      expect(direct.relay).toBeUndefined();
      const drops = await collect(direct.getFlows({ number: 1, whitelist: [{ drop_reason_desc: ['POLICY_DENY'] }] }));
      expect(drops.map((f) => f.uuid)).toEqual([LINES.filter((l) => l.flow.drop_reason_desc === 'POLICY_DENY').at(-1)!.flow.uuid]);
    } finally {
      await direct.close();
    }
  });
});

describe('Hubble Relay states', () => {
  const sims: SimCluster[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });
  async function start(opts: Partial<SimClusterOptions> & { dir?: string; objects?: RawKubeObject[] }): Promise<SimCluster> {
    const { dir, objects, ...rest } = opts;
    const sim = dir ? await startSimClusterFromDir(dir, { onWarning: () => {}, ...rest }) : await startSimCluster({ snapshot: snapshotOf(objects ?? fixtureObjects()), onWarning: () => {}, ...rest });
    sims.push(sim);
    return sim;
  }

  function relayPod(phase = 'Running'): RawKubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hubble-relay-5d8f7c9b4-x2k9q', namespace: 'kube-system', labels: { 'k8s-app': 'hubble-relay' } },
      spec: { nodeName: 'ip-10-0-1-10.ec2.internal', containers: [{ name: 'hubble-relay', ports: [{ name: 'grpc', containerPort: 4245 }] }] },
      status: { phase, conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }] },
    };
  }

  it('not-installed: no Service and no pod', async () => {
    const sim = await start({});
    expect(sim.hubble).toBeUndefined();
    const err = await connectHubble({ kc: kubeConfigOf(sim), via: 'port-forward' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubbleError);
    expect(err).toMatchObject({ kind: 'not-installed', message: expect.stringContaining('not installed') });
  });

  it('forbidden: RBAC denies pods/portforward', async () => {
    const sim = await start({ dir: DEMO, scenario: { forbidden: [{ group: '', resource: 'pods/portforward', verbs: ['create'] }] } });
    const err = await connectHubble({ kc: kubeConfigOf(sim), via: 'port-forward' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('pods/portforward') });
  });

  it('unreachable: the relay pod refuses port 4245, or is not running', async () => {
    const refused = await start({ objects: [...fixtureObjects(), relayPod()], hubble: false });
    const err = await connectHubble({ kc: kubeConfigOf(refused), via: 'port-forward' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreachable', message: expect.stringContaining('connection refused') });

    const pending = await start({ objects: [...fixtureObjects(), relayPod('Pending')] });
    const err2 = await connectHubble({ kc: kubeConfigOf(pending), via: 'port-forward' }).catch((e: unknown) => e);
    expect(err2).toMatchObject({ kind: 'unreachable', message: expect.stringContaining('Pending') });
  });

  it('unreachable: nothing listens at --hubble-address', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await connectHubble({ address: `127.0.0.1:${port}` }, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unreachable', message: expect.stringContaining(`127.0.0.1:${port}`) });
  });

  it('followFlows does not retry what retrying cannot fix', async () => {
    const sim = await start({ objects: [...fixtureObjects(), relayPod()] });
    const client = await connectHubble({ kc: kubeConfigOf(sim), via: 'port-forward' });
    try {
      let reconnects = 0;
      const stream = followFlows(client, { whitelist: [{ destination_ip: ['nope'] }] }, { onReconnect: () => reconnects++ });
      await expect(collect(stream)).rejects.toMatchObject({ kind: 'invalid-request' });
      expect(reconnects).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('no-flows: a relay pod with an empty ring is a state, not an error; added flows then show', async () => {
    const sim = await start({ objects: [...fixtureObjects(), relayPod()] });
    expect(sim.hubble).toBeDefined();
    const client = await connectHubble({ kc: kubeConfigOf(sim), via: 'port-forward' });
    try {
      expect(client.state).toBe('no-flows');
      expect(client.status?.num_flows).toBe(0);
      expect(client.relay?.pod).toBe('hubble-relay-5d8f7c9b4-x2k9q');
      expect(await collect(client.getFlows({}))).toEqual([]);
      sim.hubble!.addFlows([freshFlow(LINES[0]!, 1)]);
      expect((await collect(client.getFlows({}))).length).toBe(1);
    } finally {
      await client.close();
    }
    await waitFor(() => sim.portForwards.stats().open === 0);
  });
});

describe('SimHubbleRelay live generator', () => {
  it('re-emits template flows with fresh times and uuids, drops among them', async () => {
    const records = LINES.map((l) => {
      const r = decodeHubbleJsonLine(JSON.stringify(l));
      if (!r.ok) throw new Error(r.message);
      return r;
    });
    const relay = await SimHubbleRelay.start({ records, live: { intervalMs: 10, dropEvery: 3 } });
    const client = await connectHubble({ address: await relay.listen() });
    try {
      const controller = new AbortController();
      const startedAt = BigInt(Date.now()) * 1_000_000n;
      const live = await collect(client.getFlows({ follow: true }, { signal: controller.signal }), { count: 6, controller });
      expect(live).toHaveLength(6);
      expect(live.filter((f) => f.verdict === 'DROPPED')).toHaveLength(2); // every 3rd
      for (const f of live) {
        expect(nanos(f.time!) >= startedAt).toBe(true);
        expect(LINES.some((l) => l.flow.uuid === f.uuid)).toBe(false);
      }
      expect((await client.serverStatus()).seen_flows).toBeGreaterThanOrEqual(LINES.length + 6);
    } finally {
      await client.close();
      await relay.close();
    }
  });
});
