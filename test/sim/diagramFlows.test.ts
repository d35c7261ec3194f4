/**
 * The flows behind the path diagram's overlay (`DiagramFlows`, the panel's host side) on a live
 * session of the simulated cluster: Hubble Relay through port-forward, the real gRPC client. The
 * toggle turns on by itself when the pod has flows, the panel follows Relay only while it is visible
 * and the overlay on (counted by the simulated Relay's calls in progress), and without Relay the
 * toggle says "Hubble not installed".
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterSession } from '../../src/core/sources/clusterSession';
import { DiagramFlows } from '../../src/extension/diagram/diagramFlows';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { startSimClusterFromDir } from '../../src/sim/startSimClusterFromDir';
import { fixtureObjects, snapshotOf, startLiveSession } from './simFixture';

const DEMO = path.join(__dirname, '..', '..', 'demo', 'snapshot');
const CART = 'shop/cart-78d4d6b5d-n4pww';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const liveSession = (sim: SimCluster): Promise<ClusterSession> => startLiveSession(sim, cleanups);

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the diagram overlay\'s flows on a live session', () => {
  it('turns on for a pod with flows and follows Relay only while visible and on', async () => {
    const sim = await startSimClusterFromDir(DEMO, { onWarning: () => {} });
    const session = await liveSession(sim);
    let changes = 0;
    const flows = new DiagramFlows(CART, { changed: () => changes++, warn: () => undefined });
    cleanups.push(async () => flows.dispose());
    flows.setSession(session);
    await until('the toggle', () => flows.toggle.available);
    expect(flows.toggle).toMatchObject({ available: true, on: true, detail: expect.stringMatching(/^\d+ recent flows of shop\/cart-78d4d6b5d-n4pww from Relay pod kube-system\/hubble-relay-/) });
    expect(changes).toBeGreaterThan(0);
    await until('the follow stream', () => flows.isFollowing && sim.hubble!.stats().activeCalls === 1);

    flows.setVisible(false);
    expect(flows.isFollowing).toBe(false);
    await until('Relay to see the stream end', () => sim.hubble!.stats().activeCalls === 0);

    flows.setVisible(true);
    await until('following again when shown', () => flows.isFollowing && sim.hubble!.stats().activeCalls === 1);

    flows.setOn(false);
    expect(flows.toggle.on).toBe(false);
    await until('no stream while off', () => !flows.isFollowing && sim.hubble!.stats().activeCalls === 0);
    // hidden and shown again while off: still nothing followed
    flows.setVisible(false);
    flows.setVisible(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.hubble!.stats().activeCalls).toBe(0);
  });

  it('says "Hubble not installed" when the cluster has no Relay, and is not available', async () => {
    const sim = await startSimCluster({ snapshot: snapshotOf(fixtureObjects()), onWarning: () => {} });
    const session = await liveSession(sim);
    const flows = new DiagramFlows('default/web-0', { changed: () => undefined, warn: () => undefined });
    cleanups.push(async () => flows.dispose());
    flows.setSession(session);
    await until('the toggle to say why', () => /Hubble not installed/.test(flows.toggle.detail), 15_000);
    expect(flows.toggle).toMatchObject({ available: false, on: false, detail: expect.stringMatching(/^Hubble not installed: /) });
  });
});
