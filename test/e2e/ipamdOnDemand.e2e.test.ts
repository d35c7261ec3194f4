/**
 * ipamd read per node on demand, in a real VS Code on the demo cluster with the threshold set below
 * its 7 nodes (`cniLens.ipamd.readAllUpTo: 2`): the Nodes view says no node was read; expanding a
 * node reads it (its ENIs then say "from EC2 + ipamd"); "CNI Lens: Read ipamd of every node" reads
 * the rest. Opening a pod's path diagram reads the pod's node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { expandRow, openView, outputChannelText, pickQuickItem, resizeSideBar, runCommand, screenshot, waitForTreeRows } from './harness/workbench';

const missing = missingForE2e();
if (missing.length > 0 && !isCi) process.stderr.write(`[e2e] SKIPPED ipamd on demand: missing ${missing.join('; ')}\n`);

describe.skipIf(missing.length > 0 && !isCi)('ipamd per node on demand (demo cluster, threshold 2 nodes)', () => {
  let session: VscodeSession;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'ipamd-on-demand', extension: 'dev', settings: { 'cniLens.ipamd.readAllUpTo': 2 } });
    await openView(session.page, 'CNI Lens');
    await resizeSideBar(session.page, 560);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('connects without ipamd; expanding a node reads that node', async () => {
    const page = session.page;
    const rows = await waitForTreeRows(page, 'Nodes', (r) => r.some((x) => x.label === 'ipamd: 0 of 7 nodes read') && r.some((x) => x.label === 'ip-10-0-17-42'), 60_000);
    expect(rows.find((x) => x.label === 'ipamd: 0 of 7 nodes read')?.description).toMatch(/^read per node on demand: 0 of 7 nodes read/);
    await expandRow(page, 'ip-10-0-17-42', { viewTitle: 'Nodes' });
    const after = await waitForTreeRows(page, 'Nodes', (r) => r.some((x) => x.label === 'ipamd: 1 of 7 nodes read') && r.filter((x) => x.level === 2 && x.label.startsWith('eni-')).length >= 2, 30_000);
    const eniRows = after.filter((x) => x.level === 2 && x.label.startsWith('eni-'));
    for (const eni of eniRows) expect(eni.description).toContain('from EC2 + ipamd');
    // the node being read says so while it is; once read, no such row is left
    expect(after.some((x) => x.label === 'Reading ipamd of this node…')).toBe(false);
    await screenshot(page, 'view-nodes-ipamd-on-demand.png');
  });

  it('the path diagram of a pod reads its node (cart runs on another node than the one expanded)', async () => {
    const page = session.page;
    await runCommand(page, 'CNI Lens: Show Path Diagram');
    await page.locator('.quick-input-widget input').fill('cart');
    await pickQuickItem(page, /^cart-/);
    await waitForTreeRows(page, 'Nodes', (r) => r.some((x) => x.label === 'ipamd: 2 of 7 nodes read'), 60_000);
    await runCommand(page, 'View: Close All Editors');
  });

  it('"Read ipamd of every node" reads the other five', async () => {
    const page = session.page;
    await runCommand(page, 'CNI Lens: Read ipamd of every node');
    await waitForTreeRows(page, 'Nodes', (r) => !r.some((x) => x.label.startsWith('ipamd: ')), 60_000);
    const log = await outputChannelText(page, 'CNI Lens', { contains: /ipamd of 5 of 5 nodes read in/ });
    expect(log).toContain('reading ipamd of 5 of 7 nodes');
    await screenshot(page, 'view-nodes-ipamd-all-read.png');
  });
});
