/**
 * The smoke test of CNI Lens in a real VS Code, run twice: on the development folder and on the
 * installed `.vsix`. Against the simulated demo cluster (`shop-prod`): the container opens with its
 * five views, the Nodes view lists the snapshot's nodes, the status bar names the context and says
 * connected, the palette lists the commands and the "CNI Lens" log has the activation line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoSnapshotDir, isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { DEMO_CONTEXT } from './harness/startDemoSim';
import { notifications, openView, outputChannelText, paletteCommands, resizeSideBar, screenshot, statusBarText, viewTitles, waitForTreeRows } from './harness/workbench';

const CONTAINER = 'CNI Lens';
const VIEWS = ['Cluster', 'Nodes', 'ENIs', 'Pod IPs', 'Cilium Endpoints'];
const COMMANDS = ['Select Kube Context', 'Refresh', 'Open Snapshot…', 'Connect to Demo Cluster', 'Show Log'].map((t) => `CNI Lens: ${t}`);

/**
 * The node rows the Nodes view should show for the demo snapshot (`kubectl get nodes -o yaml`, a
 * List): each node's name without the `.<region>.compute.internal` suffix every node shares.
 */
function demoNodeNames(): string[] {
  const list = parse(readFileSync(join(demoSnapshotDir, 'kubernetes', 'nodes.yaml'), 'utf8')) as { items: { metadata: { name: string } }[] };
  return list.items.map((n) => n.metadata.name.replace(/\.us-west-2\.compute\.internal$/, '')).sort();
}

export function defineSmokeSuite(mode: 'dev' | 'vsix'): void {
  const missing = missingForE2e({ vsix: mode === 'vsix' });
  const title = `CNI Lens in VS Code (${mode === 'dev' ? 'development folder' : 'installed .vsix'})`;
  if (missing.length > 0 && !isCi) {
    process.stderr.write(`[e2e] SKIPPED "${title}": missing ${missing.join('; ')}\n`);
  }

  describe.skipIf(missing.length > 0 && !isCi)(title, () => {
    let session: VscodeSession;

    beforeAll(async () => {
      // on CI a missing browser or code-server fails the run instead of skipping it
      if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
      session = await launchVscode({ label: `smoke-${mode}`, extension: mode });
      await openView(session.page, CONTAINER);
    });

    afterAll(async () => {
      await session?.close();
    });

    it('opens the CNI Lens container with its five views', async () => {
      expect(await viewTitles(session.page)).toEqual(VIEWS);
    });

    it('lists the demo cluster\'s nodes in the Nodes view', async () => {
      const expected = demoNodeNames();
      expect(expected).toHaveLength(7);
      const rows = await waitForTreeRows(session.page, 'Nodes', (r) => r.filter((x) => x.level === 1).length >= expected.length, 60_000);
      expect(rows.filter((r) => r.level === 1).map((r) => r.label).sort()).toEqual(expected);
    });

    it('names the kube context and its state in the status bar', async () => {
      const text = await statusBarText(session.page, new RegExp(`${DEMO_CONTEXT}.*connected`), 60_000);
      expect(text).toContain(DEMO_CONTEXT);
      expect(text).toMatch(/\bconnected\b/);
      if (mode === 'dev') {
        await resizeSideBar(session.page, 460);
        const file = await screenshot(session.page, 'container-demo.png');
        process.stdout.write(`[e2e] screenshot ${file}\n`);
      }
    });

    it('lists the CNI Lens commands in the command palette', async () => {
      const listed = await paletteCommands(session.page, 'CNI Lens:');
      for (const c of COMMANDS) expect(listed).toContain(c);
      // the test-only command stays out of the palette
      expect(listed.filter((l) => /\btest\b/i.test(l))).toEqual([]);
    });

    it('writes its activation to the "CNI Lens" log', async () => {
      const text = await outputChannelText(session.page, 'CNI Lens', { contains: /CNI Lens activated in \d+ ms/ });
      expect(text).toMatch(/CNI Lens activated in \d+ ms/);
      process.stdout.write(`[e2e] ${mode}: ${/CNI Lens activated in \d+ ms/.exec(text)?.[0]}\n`);
    });

    it('shows no activation failure', async () => {
      const messages = await notifications(session.page);
      expect(messages.filter((m) => /activating extension.*failed|cni.?lens.*(error|failed)/i.test(m))).toEqual([]);
      expect(session.pageErrors.filter((e) => /cni-lens|cniLens/i.test(e) && !/ENOTFOUND|ERR_NAME_NOT_RESOLVED/.test(e))).toEqual([]);
    });
  });
}
