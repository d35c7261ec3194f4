/**
 * Faults of the other sources, injected by the simulated cluster and the simulated EC2 API, against
 * the real clients: EC2 throttling (`RequestLimitExceeded` through the AWS SDK and its retries),
 * ipamd refused behind port-forward, and a Hubble Relay stream that breaks mid-stream. Each ends in a
 * clear source state (never a hang), recovers when the fault lifts, and leaves no promise rejection
 * unhandled.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/core/hubble/flowTypes';
import { connectHubble, followFlows, type HubbleClient } from '../../src/core/hubble/hubbleClient';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import type { RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { storeFromRawSnapshot } from '../../src/core/sources/snapshotStore';
import { startSimEc2, type SimEc2 } from '../../src/sim/ec2Server';
import { ec2Throttling } from '../../src/sim/faults/ec2Faults';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { simRequest } from './simHttp';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

let snapshot: RawSnapshot;
let sim: SimCluster;
let ec2: SimEc2;
let dir: string;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  snapshot = await loadSnapshot(DEMO);
  sim = await startSimCluster({ snapshot, onWarning: () => undefined });
  ec2 = await startSimEc2({ aws: snapshot.aws });
  dir = await mkdtemp(join(tmpdir(), 'cni-lens-faults-aws-'));
});

afterAll(async () => {
  await Promise.all([sim?.close(), ec2?.close()]);
  await rm(dir, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await new Promise((r) => setImmediate(r));
  expect(unhandled).toEqual([]);
});

async function eventually(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EC2 throttling and ipamd refused', () => {
  it('end as clear source states at connect, are read again with back-off, and fill the store once they recover', async () => {
    const throttle = ec2Throttling();
    ec2.setFaults(throttle);
    const nodes = snapshot.ipamd.map((i) => i.nodeName);
    sim.faults.refusePortForward({ refuseNodes: nodes });
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, sim.kubeconfig('demo'), { mode: 0o600 });
    const session = new ClusterSession(
      { kind: 'live', kubeconfigPath, context: 'demo', aws: { endpoint: ec2.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'AKIDFAULTS', secretAccessKey: 'not-a-secret' } } },
      { info: () => undefined, warn: () => undefined, error: () => undefined },
      { awsRetryMs: 400, random: () => 0.5, ipamdTimeoutMs: 5000 },
    );
    try {
      await session.start(); // resolves: throttling does not hang the connect
      expect(session.state.phase).toBe('connected');
      const ec2Row = session.sources.find((s) => s.name === 'ec2')!;
      const ipamdRow = session.sources.find((s) => s.name === 'ipamd')!;
      expect(ec2Row.state).toBe('error');
      expect(ec2Row.detail).toMatch(/^EC2 throttled ec2:Describe\w+ \(RequestLimitExceeded\) after the SDK's retries\./);
      expect(ec2Row.detail).toMatch(/\. Reading again in (<1 s|\d s) \(attempt 2, at \d\d:\d\d:\d\d\)$/);
      expect(ipamdRow.detail).toMatch(/; reading again in (<1 s|\d s) \(attempt 2, at \d\d:\d\d:\d\d\)$/);
      expect(ipamdRow.state).toBe('error');
      expect(ipamdRow.detail).toContain(`/v1/enis of 0 of ${nodes.length} nodes through port-forward to aws-node`);
      expect(ipamdRow.detail).toContain('ipamd does not answer on port 61679');
      expect(session.store.count('eni')).toBe(0);
      // the SDK retried each throttled call (3 attempts) before the source gave up
      const first = ec2.requests.filter((r) => r.action === 'DescribeInstances');
      expect(first.length).toBeGreaterThanOrEqual(3);
      expect(first.every((r) => r.status === 503)).toBe(true);

      ec2.setFaults(undefined);
      sim.faults.refusePortForward({});
      await eventually(() => session.sources.every((s) => s.name !== 'ec2' && s.name !== 'ipamd' || s.state === 'ok'), 'EC2 and ipamd read again');
      const expected = storeFromRawSnapshot(snapshot).store.count('eni');
      expect(session.store.count('eni')).toBe(expected);
      expect(session.sources.find((s) => s.name === 'ec2')!.detail).toMatch(/^\d+ ENIs, \d+ subnets in us-west-2$/);
      expect(session.sources.find((s) => s.name === 'ipamd')!.detail).toBe(`/v1/enis of ${nodes.length} of ${nodes.length} nodes through port-forward to aws-node`);
      expect(throttle.throttled).toBeGreaterThanOrEqual(3);
    } finally {
      await session.stop();
      ec2.setFaults(undefined);
      sim.faults.refusePortForward({});
    }
  });
});

describe('Hubble Relay stream broken mid-stream', () => {
  let client: HubbleClient;
  beforeAll(async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    client = await connectHubble({ kc, via: 'port-forward' });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('followFlows reconnects from the last flow it saw (jittered delay): every flow once, in order', async () => {
    const template = sim.hubble!.flows.find((r) => r.flow.source?.namespace)!.flow;
    const fresh = (i: number): Flow => ({ ...template, uuid: `fault-${i}-${Date.now()}`, time: new Date(Date.now() + i).toISOString().replace('Z', '000000Z') });
    const controller = new AbortController();
    const reconnects: Array<{ attempt: number; retryInMs: number; since?: string; error: string }> = [];
    let resumed = 0;
    const stream = followFlows(client, { follow: true, whitelist: [{ source_pod: [`${template.source!.namespace}/`] }] }, {
      signal: controller.signal,
      retryDelayMs: 40,
      random: () => 1,
      onReconnect: (r) => reconnects.push({ attempt: r.attempt, retryInMs: r.retryInMs, since: r.since, error: r.error.message }),
      onResume: () => resumed++,
    });
    const seen: Flow[] = [];
    const reading = (async () => {
      for await (const f of stream) {
        seen.push(f);
        if (seen.length === 5) controller.abort();
      }
    })();
    const timer = setTimeout(() => controller.abort(), 15_000);
    await eventually(() => sim.hubble!.stats().activeCalls > 0, 'a follow call');
    // through the control API: break after two more flows
    const armed = await simRequest(sim, '/_sim/v1/faults/hubble', { method: 'POST', body: JSON.stringify({ afterFlows: 2 }) });
    expect(armed.json()).toEqual({ broken: 0, afterFlows: 2 });
    const before = sim.hubble!.addFlows([0, 1, 2].map(fresh));
    await eventually(() => resumed === 1, 'the stream resumed');
    const after = sim.hubble!.addFlows([3, 4].map(fresh));
    await reading;
    clearTimeout(timer);
    expect(seen.map((f) => f.uuid)).toEqual([...before, ...after].map((r) => r.flow.uuid));
    expect(reconnects).toHaveLength(1);
    expect(reconnects[0]).toMatchObject({ attempt: 1, retryInMs: 40, since: seen[1]!.time });
    expect(reconnects[0]!.error).toMatch(/UNAVAILABLE|stream broken|unreachable/i);
  });
});
