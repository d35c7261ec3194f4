/**
 * Hubble Relay with mTLS in a real VS Code: the sim's Relay speaks TLS on Service port 443 and requires
 * a client certificate. The user settings name a CA file that is not there yet: the Cluster view's
 * hubble row and the flows panel say which setting and which path. Then the files are exported and the
 * workspace settings point at them: the session connects to Relay again (no reload), the hubble row
 * says mTLS, and the flows panel reads the pod's flows. The client key never reaches a log (the
 * harness's secrets audit checks every log for a line of it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { expectPoll, openView, quickInputTitle, runCommand, screenshot, statusBarText, treeRows, typeAndPick, viewPane, webviewFrameWith } from './harness/workbench';

const missing = missingForE2e();
const CART = 'shop/cart-78d4d6b5d-n4pww';

describe.skipIf(missing.length > 0 && !isCi)('Hubble Relay with mTLS, configured in the settings', () => {
  let session: VscodeSession;
  let certDir: string;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    // the files do not exist yet: the user has not exported them
    certDir = join(process.env.TMPDIR ?? '/tmp', `cni-lens-e2e-hubble-certs-${process.pid}`);
    session = await launchVscode({
      label: 'hubble-tls',
      extension: 'dev',
      hubbleTls: { mtls: true },
      settings: { 'cniLens.hubble.tls.caFile': join(certDir, 'ca.crt') },
    });
    await openView(session.page, 'CNI Lens');
    await statusBarText(session.page, /shop-prod.*connected/, 60_000);
  });

  afterAll(async () => {
    await session?.close();
  });

  /** The Cluster view's hubble row, once `ok` says it is the one wanted. */
  const hubbleRow = async (ok: (description: string) => boolean, what: string): Promise<string> => {
    // Sources is the view's last row: reach it with the keyboard, again when a refresh closed it
    const openSources = async (): Promise<void> => {
      await viewPane(session.page, 'Cluster').locator('.monaco-list-row').first().click();
      await session.page.keyboard.press('End');
      await expectPoll(() => viewPane(session.page, 'Cluster').locator('.monaco-list-row.focused .label-name').innerText(), (t) => t.trim() === 'Sources', 'the Sources row to be focused', 10_000);
      await session.page.keyboard.press('ArrowRight');
    };
    if (!(await treeRows(session.page, 'Cluster')).some((x) => x.label === 'hubble')) await openSources();
    const rows = await expectPoll(
      async () => {
        const r = await treeRows(session.page, 'Cluster');
        if (r.some((x) => x.label === 'Sources' && x.expanded === false)) await openSources();
        return r;
      },
      (r) => r.some((x) => x.label === 'hubble' && ok(x.description)),
      what,
      60_000,
    );
    return rows.find((x) => x.label === 'hubble')!.description;
  };

  it('a CA file that is not there: the hubble row and the flows panel name the setting and the path', async () => {
    const row = await hubbleRow((d) => d.includes('cniLens.hubble.tls.caFile'), 'the hubble row to name the CA setting');
    expect(row).toBe(`error · Hubble settings: cniLens.hubble.tls.caFile: cannot read ${join(certDir, 'ca.crt')} (no such file)`);

    await runCommand(session.page, 'CNI Lens: Observe Flows');
    await quickInputTitle(session.page, /Observe Flows: pod/);
    await typeAndPick(session.page, CART, new RegExp(`^${CART.replace(/[./-]/g, '\\$&')}$`));
    const frame = await webviewFrameWith(session.page, 'div.app .counts', 30_000);
    const status = await expectPoll(() => frame.locator('.status').innerText(), (t) => t.includes('cniLens.hubble.tls.caFile'), 'the panel to say which setting', 30_000);
    expect(status).toBe(`Hubble settings: cniLens.hubble.tls.caFile: cannot read ${join(certDir, 'ca.crt')} (no such file)`);
    expect(await frame.locator('.status').getAttribute('class')).toContain('error');
    await screenshot(session.page, 'hubble-tls-missing-ca.png');
  });

  it('the files exported and the settings changed: Relay is reached over mTLS without a reload, and the open panel reads the flows', async () => {
    const tls = session.demo!.sim.hubbleTls!;
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'ca.crt'), tls.caPem);
    writeFileSync(join(certDir, 'tls.crt'), tls.client!.certPem);
    writeFileSync(join(certDir, 'tls.key'), tls.client!.keyPem, { mode: 0o600 });
    // first without the client certificate: Relay says it wants one
    mkdirSync(join(session.workspaceDir, '.vscode'), { recursive: true });
    const settingsFile = join(session.workspaceDir, '.vscode', 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ 'cniLens.hubble.tls.caFile': join(certDir, 'ca.crt') }, null, 2));
    const refused = await hubbleRow((d) => d.includes('client certificate'), 'the hubble row to ask for a client certificate');
    expect(refused).toMatch(/^error · Relay TLS: Hubble Relay pod kube-system\/hubble-relay-[a-z0-9-]+ port 4245 \(port-forward\): TLS handshake failed: Relay requires a client certificate \(mTLS\) and none was given/);
    expect(refused).toContain('Set cniLens.hubble.tls.certFile and cniLens.hubble.tls.keyFile');

    writeFileSync(settingsFile, JSON.stringify({ 'cniLens.hubble.tls.caFile': join(certDir, 'ca.crt'), 'cniLens.hubble.tls.certFile': join(certDir, 'tls.crt'), 'cniLens.hubble.tls.keyFile': join(certDir, 'tls.key') }, null, 2));
    const ok = await hubbleRow((d) => d.startsWith('ok · '), 'the hubble row to be ok');
    expect(ok).toMatch(/^ok · Relay pod kube-system\/hubble-relay-[a-z0-9-]+ port 4245 through port-forward, mTLS \(server name ui\.hubble-relay\.cilium\.io\); 72 flows buffered/);

    // the panel opened while the CA was missing reads the flows now
    const frame = await webviewFrameWith(session.page, 'div.app .counts', 30_000);
    await expectPoll(() => frame.locator('.status').innerText(), (t) => /^following new flows from Relay pod .* mTLS/.test(t), 'the panel to follow Relay over mTLS', 30_000);
    const drop = frame.locator('tr.dropped').first();
    await drop.waitFor({ timeout: 30_000 });
    expect(await drop.innerText()).toMatch(/DROPPED[\s\S]*payments\/api-f959c8b7-z9s4b[\s\S]*POLICY_DENIED/);
    await screenshot(session.page, 'hubble-tls-connected.png');
  });
});
