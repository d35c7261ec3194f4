/**
 * Observed flows in a real VS Code on the demo cluster (Hubble Relay of the simulated cluster,
 * reached through the Kubernetes port-forward API): the Cluster view's hubble source, the flows
 * table of shop/cart with the demo's POLICY_DENIED drop towards payments/api, a new flow arriving
 * while the table follows (and held by the host while paused: the table does not change, a counter
 * says how many wait, resume brings them), then the trace of that flow with predicted deny
 * next to the observed drop on the same hop, and a deciding rule opening on its line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/core/hubble/flowTypes';
import { demoCartToApiDrop } from './harness/demoDrop';
import { isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { expectPoll, openView, pickQuickItem, quickInputTitle, runCommand, screenshot, statusBarText, treeRows, typeAndPick, viewPane, webviewFrameWith } from './harness/workbench';

const missing = missingForE2e();
const CART = 'shop/cart-78d4d6b5d-n4pww';
const API = 'payments/api-f959c8b7-z9s4b';

/** A drop of cart → api as `hubble observe -o json` prints it, with a fresh time and uuid. */
function freshDrop(uuid: string, sourcePort: number): Flow {
  return demoCartToApiDrop(new Date().toISOString(), uuid, sourcePort);
}

describe.skipIf(missing.length > 0 && !isCi)('observed flows on the demo', () => {
  let session: VscodeSession;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'flows', extension: 'dev' });
    await openView(session.page, 'CNI Lens');
    await statusBarText(session.page, /shop-prod.*connected/, 60_000);
  });

  afterAll(async () => {
    await session?.close();
  });

  const flowsFrame = () => webviewFrameWith(session.page, 'div.app .counts', 30_000);
  const reportFrame = () => webviewFrameWith(session.page, 'div.report h1', 60_000);

  it('the Cluster view lists Hubble as a source, found through port-forward to the Relay pod', async () => {
    // Sources is the view's last row, out of sight in a short pane: reach it with the keyboard (again
    // when a refresh of the view took the focus or the expansion away before the row opened)
    const openSources = async (): Promise<void> => {
      await viewPane(session.page, 'Cluster').locator('.monaco-list-row').first().click();
      await session.page.keyboard.press('End');
      await expectPoll(() => viewPane(session.page, 'Cluster').locator('.monaco-list-row.focused .label-name').innerText(), (t) => t.trim() === 'Sources', 'the Sources row to be focused', 10_000);
      await session.page.keyboard.press('ArrowRight');
    };
    await openSources();
    const rows = await expectPoll(
      async () => {
        const r = await treeRows(session.page, 'Cluster');
        if (r.some((x) => x.label === 'Sources' && x.expanded === false)) await openSources();
        return r;
      },
      (r) => r.some((x) => x.label === 'hubble' && /^ok · Relay pod kube-system\/hubble-relay-/.test(x.description)),
      'the hubble source row',
      60_000,
    );
    expect(rows.find((x) => x.label === 'hubble')!.description).toMatch(/port 4245 through port-forward; 72 flows buffered/);
  });

  it('Observe Flows: the table of shop/cart shows the demo drop with its reason, follows a new flow, and holds new flows while paused', async () => {
    await runCommand(session.page, 'View: Close All Editors');
    await runCommand(session.page, 'CNI Lens: Observe Flows');
    await quickInputTitle(session.page, /Observe Flows: pod/);
    await typeAndPick(session.page, CART, new RegExp(`^${CART.replace(/[./-]/g, '\\$&')}$`));
    const frame = await flowsFrame();
    const dropRow = frame.locator('tr.dropped', { hasText: API }).first();
    await dropRow.waitFor({ timeout: 30_000 });
    expect(await dropRow.innerText()).toMatch(/DROPPED[\s\S]*→ out[\s\S]*payments\/api-f959c8b7-z9s4b[\s\S]*TCP\/8443 SYN[\s\S]*POLICY_DENIED/);
    await expectPoll(() => frame.locator('body').innerText(), (t) => /following new flows from Relay pod kube-system\/hubble-relay-/.test(t), 'the table to follow Relay', 30_000);
    const counts = frame.locator('.counts');
    const before = await counts.innerText();
    expect(before).toMatch(/^\d+ of \d+ flows · 4 dropped$/);

    // a new drop on Relay reaches the open table through the follow stream
    session.demo!.sim.hubble!.addFlows([freshDrop('e2e-follow-1', 41001)]);
    await expectPoll(() => counts.innerText(), (t) => /· 5 dropped$/.test(t), 'the new drop in the table', 30_000);

    // the filter keeps only matching rows
    await frame.locator('vscode-textfield.filter input').fill('policy_denied');
    await expectPoll(() => counts.innerText(), (t) => /^4 of \d+ flows · 5 dropped$/.test(t), 'the filtered count (4 POLICY_DENIED drops; the policy-verdict event names no reason)', 10_000);
    await screenshot(session.page, 'flows-table.png');

    // paused: the host keeps following but posts only how many new flows wait; resume brings them
    const totalOf = (t: string): number => Number(/ of (\d+) flows/.exec(t)?.[1] ?? NaN);
    const droppedOf = (t: string): number => Number(/· (\d+) dropped/.exec(t)?.[1] ?? NaN);
    const heldOf = (t: string): number => Number(/· (\d+) new while paused/.exec(t)?.[1] ?? 0);
    await frame.locator('vscode-button.pause').click();
    await expectPoll(() => frame.locator('vscode-button.pause').innerText(), (t) => t.trim() === 'Resume', 'the pause button to say Resume', 5_000);
    await new Promise((r) => setTimeout(r, 600)); // rows posted before the pause have landed
    const atPause = await counts.innerText();
    session.demo!.sim.hubble!.addFlows([freshDrop('e2e-paused-1', 41002), freshDrop('e2e-paused-2', 41003), freshDrop('e2e-paused-3', 41004)]);
    const whilePaused = await expectPoll(() => counts.innerText(), (t) => heldOf(t) >= 3, 'the held flows to be counted', 30_000);
    expect(whilePaused).toMatch(/^\d+ of \d+ flows · \d+ dropped · \d+ new while paused$/);
    // nothing reached the table while paused
    expect(totalOf(whilePaused)).toBe(totalOf(atPause));
    expect(droppedOf(whilePaused)).toBe(droppedOf(atPause));
    await screenshot(session.page, 'flows-paused.png');
    await frame.locator('vscode-button.pause').click();
    const resumed = await expectPoll(() => counts.innerText(), (t) => !/while paused/.test(t) && droppedOf(t) >= droppedOf(atPause) + 3, 'the held flows to show after resume', 10_000);
    expect(totalOf(resumed)).toBeGreaterThanOrEqual(totalOf(atPause) + 3);
    expect(await frame.locator('vscode-button.pause').innerText()).toBe('Pause');
  });

  it('the trace of cart → api:8443 shows predicted deny next to the observed drop on the same hop; a deciding rule opens on its line', async () => {
    await runCommand(session.page, 'View: Close All Editors');
    await runCommand(session.page, 'CNI Lens: Trace Pod to Pod');
    await quickInputTitle(session.page, /Trace Pod to Pod: source/);
    await typeAndPick(session.page, CART, new RegExp(`^${CART.replace(/[./-]/g, '\\$&')}$`));
    await quickInputTitle(session.page, /Trace shop\/cart-78d4d6b5d-n4pww to pod/);
    await typeAndPick(session.page, API, new RegExp(`^${API.replace(/[./-]/g, '\\$&')}$`));
    await quickInputTitle(session.page, /: port/);
    await pickQuickItem(session.page, /^TCP 8443/);
    const report = await reportFrame();
    const text = await expectPoll(() => report.locator('body').innerText(), (t) => t.includes('Predicted and observed'), 'the trace report', 60_000);
    expect(text).toContain('DENY: shop/cart-78d4d6b5d-n4pww → payments/api-f959c8b7-z9s4b TCP/8443');
    expect(text).toContain('Predicted: DENY at hop 10 (cilium-ingress)');
    expect(text).toMatch(/Observed \(Hubble Relay\): DROPPED at hop 10 \(cilium-ingress\)/);
    expect(text).toContain('✓ The observed drop is on the hop the trace predicts.');
    expect(text).toMatch(/the packet stops here: ingress policy denies\s+observed: \d+ × DROPPED POLICY_DENIED on ip-10-0-57-14/);
    await screenshot(session.page, 'flows-trace-observed.png');

    // the rule link opens the policy from the API server, read-only, with the cursor on the rule
    await report.locator('a.rule', { hasText: 'NetworkPolicy payments/default-deny-ingress spec.podSelector' }).first().click();
    const position = await expectPoll(
      () => session.page.locator('[id="status.editor.selection"]').innerText().catch(() => ''),
      (t) => /Ln \d+, Col 1/.test(t),
      'the cursor position of the opened policy',
      30_000,
    );
    const lineNumber = Number(/Ln (\d+)/.exec(position)![1]);
    const lines = await expectPoll(
      () =>
        session.page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line').evaluateAll((els) =>
          els.map((e) => ({ top: parseFloat((e as HTMLElement).style.top || '0'), text: (e.textContent ?? '').replace(/\u00a0/g, ' ') })).sort((a, b) => a.top - b.top).map((l) => l.text),
        ),
      (l) => l.some((x) => x.includes('default-deny-ingress')),
      'the policy document',
      30_000,
    );
    expect(lines[0]).toMatch(/^# networkPolicy NetworkPolicy\/payments\/default-deny-ingress, read from context shop-prod/);
    expect(lines[lineNumber - 1]).toMatch(/^ {2}podSelector:/);
    expect(lines.slice(0, lineNumber - 1).some((l) => l === 'spec:')).toBe(true);
    await screenshot(session.page, 'flows-rule-opened.png');
  });
});
