/**
 * What a user sees when the API server fails, in a real VS Code: the simulated cluster answers the
 * pods watch with 500s for a while; the status bar and the Cluster view's Sources rows say the data
 * is stale and reconnecting, then connected and ok again, and a pod added during the fault shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import type { Page } from 'playwright-core';
import { expandRow, expandView, openView, resizeSideBar, screenshot, statusBarText, treeRow, viewPane, waitForTreeRows } from './harness/workbench';

const OTHER_VIEWS = ['Nodes', 'ENIs', 'Pod IPs', 'Cilium Endpoints'];

/** Collapses the views under Cluster, so that the Cluster view has the side bar to itself. */
async function clusterViewAlone(page: Page): Promise<void> {
  for (const title of OTHER_VIEWS) {
    const header = viewPane(page, title).locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
  }
  // the doctor's checks open by themselves when there are problems (once its report is in: the row
  // says "running checks…" until then); Sources is the last row
  await waitForTreeRows(page, 'Cluster', (r) => r.some((x) => x.label === 'Checks' && / ok$/.test(x.description ?? '')));
  const checks = treeRow(page, 'Checks', 'Cluster');
  if ((await checks.getAttribute('aria-expanded')) === 'true') await checks.click();
}

const missing = missingForE2e();
if (missing.length > 0 && !isCi) process.stderr.write(`[e2e] SKIPPED faults: missing ${missing.join('; ')}\n`);

describe.skipIf(missing.length > 0 && !isCi)('API server faults in the editor', () => {
  let session: VscodeSession;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'faults', extension: 'dev' });
    await openView(session.page, 'CNI Lens');
    await resizeSideBar(session.page, 640);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('status bar and Sources rows say stale/reconnecting during the fault and connected/ok after', async () => {
    const { page } = session;
    const sim = session.demo!.sim;
    expect(await statusBarText(page, /shop-prod · connected/, 90_000)).toMatch(/shop-prod · connected$/);
    await waitForTreeRows(page, 'Cluster', (r) => r.some((x) => x.label === 'Sources'), 60_000);
    await clusterViewAlone(page);
    await expandRow(page, 'Sources', { viewTitle: 'Cluster' });
    await waitForTreeRows(page, 'Cluster', (r) => r.some((x) => x.label === 'kubernetes' && /^ok · /.test(x.description ?? '')));
    await screenshot(page, 'faults-before-sources.png');
    for (const title of OTHER_VIEWS) await expandView(page, title);

    // five 500s in a row on the pods watch: the informer backs off 1 + 2 + 4 + 8 + 16 s, each jittered into [d/2, d]
    sim.faults.add({ match: { verb: 'watch', resource: 'pods' }, fault: { kind: 'status', code: 500 }, times: 5 });
    sim.closeWatches();
    const added = sim.api.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'added-during-fault', namespace: 'shop', labels: { app: 'fault' } },
      spec: { nodeName: 'ip-10-0-17-42.us-west-2.compute.internal', containers: [{ name: 'c', image: 'example/c:1' }] },
      status: { phase: 'Running', podIP: '100.64.9.251', podIPs: [{ ip: '100.64.9.251' }], hostIP: '10.0.17.42', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(added.result).toBe('created');

    const staleBar = await statusBarText(page, /shop-prod · stale, reconnecting/, 30_000);
    // the views that show pods say it at their top
    const nodeRows = await waitForTreeRows(page, 'Nodes', (r) => r[0]?.label === 'pods: stale', 20_000);
    expect(nodeRows[0]!.description).toMatch(/^since \d\d:\d\d:\d\d \(reconnecting, attempt \d/);
    await screenshot(page, 'faults-stale-views.png');
    await clusterViewAlone(page);
    const staleRows = await waitForTreeRows(page, 'Cluster', (r) => r.some((x) => x.label === 'kubernetes pods' && (x.description ?? '').startsWith('stale · since')), 30_000);
    await screenshot(page, 'faults-stale-sources.png');
    const podsRow = staleRows.find((x) => x.label === 'kubernetes pods')!;
    expect(podsRow.description).toMatch(/^stale · since \d\d:\d\d:\d\d \(reconnecting, attempt \d, (next in (<1 s|\d+ s)|retrying now)\): watch failed: Internal error occurred: simulated fault$/);
    expect(staleRows.find((x) => x.label === 'kubernetes')?.description).toMatch(/^stale · 1 of \d+ resources stale since \d\d:\d\d:\d\d/);
    expect(staleBar).toMatch(/shop-prod · stale, reconnecting$/);
    process.stderr.write(`[e2e faults] during: status bar "${staleBar}"; Sources "kubernetes pods · ${podsRow.description}"\n`);

    const okBar = await statusBarText(page, /shop-prod · connected/, 60_000);
    const okRows = await waitForTreeRows(page, 'Cluster', (r) => !r.some((x) => x.label === 'kubernetes pods') && r.some((x) => x.label === 'kubernetes' && /^ok · /.test(x.description ?? '')), 20_000);
    await screenshot(page, 'faults-recovered-sources.png');
    expect(okBar).toMatch(/shop-prod · connected$/);
    process.stderr.write(`[e2e faults] after: status bar "${okBar}"; Sources "kubernetes · ${okRows.find((x) => x.label === 'kubernetes')?.description}"\n`);
    expect(sim.faults.list()).toEqual([]);

    // the pod added while the watch failed is in the Pod IPs view
    await expandView(page, 'Pod IPs');
    await expandRow(page, 'shop', { viewTitle: 'Pod IPs' });
    const rows = await waitForTreeRows(page, 'Pod IPs', (r) => r.some((x) => x.label === 'added-during-fault'), 20_000);
    expect(rows.find((x) => x.label === 'added-during-fault')?.description).toContain('100.64.9.251');
  });
});
