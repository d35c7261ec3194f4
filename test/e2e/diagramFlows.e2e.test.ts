/**
 * The Hubble flow overlay of the path diagram in a real VS Code on the demo cluster (flows from the
 * simulated Hubble Relay through the Kubernetes port-forward API): the overview of shop/cart opens
 * with the overlay on, the demo's POLICY_DENIED drop on the edge into the API pod's
 * cil_to_container with counts computed here from demo/snapshot/hubble/flows.jsonl; screenshots in
 * the dark and the light theme with the panel at 1200×800; a drop the Relay streams afterwards
 * raises the count; the details of the drop name the deciding rule; a hidden panel follows nothing
 * and catches up when shown; turning the overlay off removes it and stops following.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/core/hubble/flowTypes';
import { demoCartToApiDrop } from './harness/demoDrop';
import { demoSnapshotDir, e2eOutputDir, isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { expectPoll, openView, pickQuickItem, quickInputTitle, runCommand, screenshot, sizeWebviewTo, statusBarText, webviewFrameWith } from './harness/workbench';

const missing = missingForE2e();
const CART = 'cart-78d4d6b5d-n4pww';
const CART_IP = '100.64.95.78';

interface RawFlow {
  time?: string;
  verdict?: string;
  is_reply?: boolean;
  IP?: { source?: string; destination?: string };
  destination?: { namespace?: string; labels?: string[] };
}
/** cart → a payments/api pod, requests only, straight from the demo's JSON lines. */
const demoFlows = readFileSync(join(demoSnapshotDir, 'hubble', 'flows.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { flow: RawFlow }).flow);
const toApi = demoFlows.filter((f) => f.IP?.source === CART_IP && f.destination?.namespace === 'payments' && f.destination.labels?.includes('k8s:app=api') && f.is_reply !== true);
const FORWARDED = toApi.filter((f) => f.verdict === 'FORWARDED').length;
const DROPPED = toApi.filter((f) => f.verdict === 'DROPPED').length;
/** The newest flow of cart: the overlay's window ends there. */
const NEWEST = demoFlows.filter((f) => f.IP?.source === CART_IP || f.IP?.destination === CART_IP).map((f) => f.time ?? '').sort().at(-1)!;

/** A drop of cart → api `seconds` after cart's newest flow in the demo (inside the overlay's 5 minutes). */
function laterDrop(seconds: number): Flow {
  return demoCartToApiDrop(new Date(Date.parse(NEWEST) + seconds * 1_000).toISOString(), `e2e-overlay-${seconds}`, 41500 + seconds);
}

describe.skipIf(missing.length > 0 && !isCi)('the flow overlay of the path diagram on the demo', () => {
  let session: VscodeSession;
  let page: Page;
  let diagram: FrameLocator;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'diagram-flows', extension: 'dev' });
    page = session.page;
    await openView(page, 'CNI Lens');
    await statusBarText(page, /shop-prod.*connected/, 60_000);
  });

  afterAll(async () => {
    await session?.close();
  });

  const dropBadge = () => diagram.locator('svg.cni-diagram .flow-badge-drop').first();
  /** GetFlows calls in progress on the simulated Relay (follow streams). */
  const relayCalls = async () => session.demo!.sim.hubble!.stats().activeCalls;

  /** Switches the colour theme with "Preferences: Color Theme". */
  async function setColorTheme(name: string): Promise<void> {
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget input').fill(name);
    await pickQuickItem(page, new RegExp(`(^|\\s)${name}\\s*$`));
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  it('opens the overview of shop/cart with the overlay on: the demo drop on the edge into the API pod\'s cil_to_container', async () => {
    expect(DROPPED).toBeGreaterThan(0);
    await runCommand(page, 'CNI Lens: Show Path Diagram');
    await quickInputTitle(page, /Show Path Diagram/);
    await page.locator('.quick-input-widget input').fill(CART);
    await pickQuickItem(page, new RegExp(`^${CART}`));
    diagram = await webviewFrameWith(page, 'svg.cni-diagram g.node', 60_000);
    await dropBadge().waitFor({ timeout: 60_000 });
    expect(await diagram.locator('vscode-button.flow-overlay').getAttribute('aria-pressed')).toBe('true');
    expect((await dropBadge().textContent())?.trim()).toBe(`✓ ${FORWARDED}  ✗ ${DROPPED}`);
    // the edge it belongs to: red, into the cil_to_container that denies ingress on the Service path
    const edgeId = (await dropBadge().getAttribute('data-edge-id'))!;
    const edge = diagram.locator(`.edge-group[data-edge-id="${edgeId}"]`);
    expect(await edge.getAttribute('class')).toContain('flow-drop');
    const to = (await edge.getAttribute('data-to'))!;
    const box = diagram.locator(`g.node[data-node-id="${to}"]`);
    expect(await box.getAttribute('aria-label')).toMatch(/^cil_to_container\. .*ingress ✕ deny/);
    expect(await box.getAttribute('class')).toContain('flow-drop');
    expect(await diagram.locator('.flow-legend-text').textContent()).toContain(`as of ${NEWEST.slice(11, 19)} UTC`);
  });

  it('reads well in the dark and the light theme with the panel at 1200×800 (screenshots)', async () => {
    await runCommand(page, 'View: Close Primary Side Bar');
    await expectPoll(() => page.locator('[id="workbench.parts.sidebar"]').isVisible(), (v) => !v, 'the side bar to close');
    await sizeWebviewTo(page, 1200, 800);
    await expectPoll(() => diagram.locator('.zoom-level').textContent(), (z) => z === '100%', 'the overview at 100%');
    // the drop's badge in view: focusing it scrolls the diagram there
    await dropBadge().focus();
    for (const theme of ['dark', 'light'] as const) {
      await setColorTheme(theme === 'dark' ? 'Dark Modern' : 'Light Modern');
      await expectPoll(() => diagram.locator('body').getAttribute('data-lens-theme'), (t) => t === theme, `the diagram to follow the ${theme} theme`);
      await dropBadge().waitFor();
      const inView = await dropBadge().evaluate((b) => {
        const r = b.getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
      });
      expect(inView, 'the drop badge is on screen').toBe(true);
      await page.waitForTimeout(300);
      await page.locator('iframe.webview.ready').first().screenshot({ path: join(e2eOutputDir, `diagram-flows-${theme}.png`) });
    }
    await setColorTheme('Dark Modern');
  });

  it('a drop streamed by the simulated Relay raises the count on the same edge', async () => {
    const edgeId = await dropBadge().getAttribute('data-edge-id');
    // the panel follows Relay's stream while it is visible and the overlay is on
    await expectPoll(() => relayCalls(), (n) => n >= 1, 'the panel to follow Relay', 30_000);
    session.demo!.sim.hubble!.addFlows([laterDrop(2)]);
    await expectPoll(async () => (await dropBadge().textContent())?.trim(), (t) => t === `✓ ${FORWARDED}  ✗ ${DROPPED + 1}`, 'the drop count to go up by one', 30_000);
    expect(await dropBadge().getAttribute('data-edge-id')).toBe(edgeId);
    expect(await diagram.locator('.flow-legend-text').textContent()).toContain(`as of ${new Date(Date.parse(NEWEST) + 2_000).toISOString().slice(11, 19)} UTC`);
  });

  it('the drop\'s details name the reason and the deciding policy rule', async () => {
    await dropBadge().focus();
    await page.keyboard.press('Enter');
    const pane = diagram.locator('aside.details');
    await expectPoll(() => pane.isVisible(), (v) => v, 'the details pane');
    const text = await pane.innerText();
    expect(text).toContain(`POLICY_DENIED ×${DROPPED + 1} (ingress)`);
    expect(text).toContain('NetworkPolicy payments/default-deny-ingress spec.podSelector');
    await screenshot(page, 'diagram-flows-details.png');
  });

  it('hidden, the panel follows nothing; shown again, it reads the flows again (with one that came meanwhile) and follows on', async () => {
    await runCommand(page, 'File: New Untitled Text File');
    await expectPoll(() => relayCalls(), (n) => n === 0, 'the hidden panel to stop following', 30_000);
    session.demo!.sim.hubble!.addFlows([laterDrop(3)]);
    await page.locator('.tabs-container .tab', { hasText: `Paths: ${CART}` }).first().click();
    diagram = await webviewFrameWith(page, 'svg.cni-diagram .flow-badge-drop', 60_000);
    await expectPoll(async () => (await dropBadge().textContent())?.trim(), (t) => t === `✓ ${FORWARDED}  ✗ ${DROPPED + 2}`, 'the drop sent while hidden to count', 30_000);
    await expectPoll(() => relayCalls(), (n) => n >= 1, 'the panel to follow Relay again', 30_000);
  });

  it('turning the overlay off removes the badges and stops following', async () => {
    await diagram.locator('vscode-button.flow-overlay').click();
    await expectPoll(() => diagram.locator('svg.cni-diagram .flow-badge').count(), (n) => n === 0, 'the badges to go', 15_000);
    expect(await diagram.locator('vscode-button.flow-overlay').getAttribute('aria-pressed')).toBe('false');
    await expectPoll(() => relayCalls(), (n) => n === 0, 'no follow stream while the overlay is off', 30_000);
  });
});
