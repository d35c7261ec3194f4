/**
 * `cni-lens flows` live against the simulated cluster: through port-forward with --kubeconfig, by
 * --hubble-address, --follow ended by the signal (Ctrl-C), and the error states as exit 1 with a
 * message.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRequests, nonReadRequests } from '../../src/sim/readOnlyAudit';
import type { CliIo } from '../../src/cli/cliCommand';
import { runCli } from '../../src/cli/main';
import { decodeHubbleJsonLine } from '../../src/core/hubble/hubbleJson';
import type { Flow } from '../../src/core/hubble/flowTypes';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { startSimClusterFromDir } from '../../src/sim/startSimClusterFromDir';
import { fixtureObjects, snapshotOf } from './simFixture';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const LINES = fs
  .readFileSync(path.join(DEMO, 'hubble', 'flows.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { flow: { uuid: string; verdict: string } });

function run(args: string[], signal = new AbortController().signal): { done: Promise<number>; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  return { done: runCli(args, io, signal), out: () => out, err: () => err };
}

function uuids(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { flow: { uuid: string } }).flow.uuid);
}

describe('cni-lens flows, live', () => {
  let sim: SimCluster;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    sim = await startSimClusterFromDir(DEMO, { onWarning: () => {} });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-flows-live-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--verdict DROPPED through port-forward: the demo drops (all 7, fewer than the default 20)', async () => {
    const r = run(['flows', '--kubeconfig', kubeconfig, '--verdict', 'DROPPED', '--json']);
    expect(await r.done).toBe(0);
    expect(uuids(r.out())).toEqual(LINES.filter((l) => l.flow.verdict === 'DROPPED').map((l) => l.flow.uuid));
    expect(r.err()).toContain('Hubble Relay: pod kube-system/hubble-relay-7cd6bbfd55-27w84 port 4245 through port-forward');
  });

  it('shows the last 20 by default, like hubble observe', async () => {
    const r = run(['flows', '--kubeconfig', kubeconfig, '--json']);
    expect(await r.done).toBe(0);
    expect(uuids(r.out())).toEqual(LINES.slice(-20).map((l) => l.flow.uuid));
  });

  it('--hubble-address connects directly', async () => {
    const address = await sim.hubble!.listen();
    const r = run(['flows', '--hubble-address', address, '--last', '3']);
    expect(await r.done).toBe(0);
    expect(r.out().trim().split('\n')).toHaveLength(3);
  });

  it('--follow streams new flows until the signal ends it cleanly', async () => {
    const controller = new AbortController();
    const r = run(['flows', '--kubeconfig', kubeconfig, '--follow', '--json', '--from', 'shop/'], controller.signal);
    const start = Date.now();
    while (sim.hubble!.stats().activeCalls === 0) {
      if (Date.now() - start > 10_000) throw new Error('follow call did not start');
      await new Promise((res) => setTimeout(res, 10));
    }
    const template = (decodeHubbleJsonLine(JSON.stringify(LINES[0])) as { flow: Flow }).flow;
    const added = sim.hubble!.addFlows([
      { ...template, uuid: 'live-1', time: new Date().toISOString() },
      { ...template, uuid: 'live-2', time: new Date().toISOString(), source: { namespace: 'data', pod_name: 'x' } },
      { ...template, uuid: 'live-3', time: new Date().toISOString() },
    ]);
    expect(added).toHaveLength(3);
    while (uuids(r.out()).length < 2) {
      if (Date.now() - start > 10_000) throw new Error(`no flows: ${r.err()}`);
      await new Promise((res) => setTimeout(res, 10));
    }
    controller.abort();
    expect(await r.done).toBe(0);
    expect(uuids(r.out())).toEqual(['live-1', 'live-3']);
  });

  it('not installed: exit 1 with the reason and what to do', async () => {
    const bare: SimCluster = await startSimCluster({ snapshot: snapshotOf(fixtureObjects()), onWarning: () => {} });
    try {
      const file = path.join(dir, 'bare-kubeconfig');
      fs.writeFileSync(file, bare.kubeconfig(), { mode: 0o600 });
      const r = run(['flows', '--kubeconfig', file]);
      expect(await r.done).toBe(1);
      expect(r.err()).toContain('Hubble Relay is not installed');
      expect(r.err()).toContain('hubble.relay.enabled=true');
    } finally {
      await bare.close();
    }
  });

  it('sent nothing but reads: get, list and the port-forwards to Relay', () => {
    expect(sim.requests.some((r) => r.authz?.subresource === 'portforward')).toBe(true);
    expect(describeRequests(nonReadRequests(sim.requests))).toBe('');
  });
});
