/**
 * An untrusted workspace cannot point CNI Lens at a cluster. The opened folder's
 * `.vscode/settings.json` names a kubeconfig, a context, an EC2 endpoint and a region (the
 * simulated cluster's); the user settings name none, and there is no `KUBECONFIG` or
 * `~/.kube/config`. With workspace trust on, the folder opens in Restricted Mode: CNI Lens must
 * show "No cluster is connected" and the cluster must receive no request. Once the user trusts
 * the folder, the same settings apply and CNI Lens connects: the settings were the only way to
 * the cluster, so the first part could have failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { startDemoSim, type DemoSim } from './harness/startDemoSim';
import { expectPoll, openView, outputChannelText, runCommand, screenshot, statusBarText, viewPane } from './harness/workbench';

const missing = missingForE2e();
if (missing.length > 0 && !isCi) process.stderr.write(`[e2e] SKIPPED untrusted workspace: missing ${missing.join('; ')}\n`);

describe.skipIf(missing.length > 0 && !isCi)('an untrusted workspace', () => {
  let session: VscodeSession;
  let demo: DemoSim;
  let simDir: string;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    // nothing but the workspace may lead to a cluster
    expect(process.env.KUBECONFIG ?? '').toBe('');
    expect(existsSync(join(homedir(), '.kube', 'config'))).toBe(false);
    simDir = mkdtempSync(join(tmpdir(), 'cni-lens-untrusted-sim-'));
    demo = await startDemoSim(simDir);
    session = await launchVscode({
      label: 'untrusted-workspace',
      extension: 'dev',
      noSim: true,
      workspaceTrust: true,
      settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' },
      workspaceFiles: { '.vscode/settings.json': JSON.stringify(demo.settings, null, 2) },
      env: demo.env,
    });
  });

  afterAll(async () => {
    await session?.close();
    await demo?.close();
    if (simDir) rmSync(simDir, { recursive: true, force: true });
  });

  it('ignores the kubeconfig, context and AWS settings of the workspace: no connection, no request to the cluster', async () => {
    const { page } = session;
    await statusBarText(page, 'Restricted Mode');
    await openView(page, 'CNI Lens');
    const nodes = viewPane(page, 'Nodes');
    await expectPoll(() => nodes.innerText(), (t) => /No cluster (is )?connected/.test(t), 'the Nodes view to say that no cluster is connected', 60_000);
    // give an activation that would connect the time to do it: the log says when CNI Lens is up
    await outputChannelText(page, 'CNI Lens', { contains: /CNI Lens activated/ });
    await page.waitForTimeout(3000);
    expect(demo.sim.requests).toEqual([]);
    expect(demo.ec2.requests).toEqual([]);
    const log = await outputChannelText(page, 'CNI Lens');
    expect(log).not.toContain(demo.kubeconfigPath);
    await screenshot(page, 'untrusted-workspace.png');
  });

  it('applies the same workspace settings once the folder is trusted, and connects', async () => {
    const { page } = session;
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
    await trust.click();
    await expectPoll(async () => (await page.locator('[id="workbench.parts.statusbar"]').innerText()).includes('Restricted Mode'), (v) => !v, 'Restricted Mode to end');
    await statusBarText(page, /shop-prod.*connected/, 60_000);
    await expectPoll(async () => demo.sim.requests.length, (n) => n > 0, 'the cluster to be read', 60_000);
    await screenshot(page, 'untrusted-workspace-trusted.png');
  });
});
