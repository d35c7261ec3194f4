/**
 * The path diagram in a real VS Code on the demo cluster: opened from a pod's context menu in the
 * Pod IPs view, its boxes read from the webview and checked against the snapshot's files (read here,
 * independently of CNI Lens); a box's details pane with "Reveal in tree" and "Open YAML"; one
 * destination picked in the toolbar with its verdict badges; screenshots in the dark and the light
 * theme with the panel at 1200×800; a live redraw when the pod's CiliumEndpoint goes; a trace
 * command's result in the diagram beside its report; and a hover's "path" link opening the diagram.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoSnapshotDir, e2eOutputDir, isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import {
  expandRow,
  expectPoll,
  hoverAt,
  openFile,
  openView,
  pickQuickItem,
  quickInputTitle,
  resizeSideBar,
  runCommand,
  screenshot,
  sizeWebviewTo,
  statusBarText,
  treeRow,
  viewPane,
  waitForTreeRows,
  webviewFrame,
  webviewFrameWith,
} from './harness/workbench';

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  selector:
    matchLabels:
      app: frontend
`;

interface Eni { NetworkInterfaceId: string; PrivateIpAddresses: { PrivateIpAddress: string }[] }
interface Pod { metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec: { nodeName?: string }; status: { podIP?: string } }
interface CiliumObject { kind: string; metadata: { name: string; namespace?: string }; status?: { identity?: { id?: number } } }

const enis = (JSON.parse(readFileSync(join(demoSnapshotDir, 'aws', 'describe-network-interfaces.json'), 'utf8')) as { NetworkInterfaces: Eni[] }).NetworkInterfaces;
const pods = (parse(readFileSync(join(demoSnapshotDir, 'kubernetes', 'pods.yaml'), 'utf8')) as { items: Pod[] }).items;
const cilium = (parse(readFileSync(join(demoSnapshotDir, 'kubernetes', 'cilium.yaml'), 'utf8')) as { items: CiliumObject[] }).items;

/** The demo pod the diagram is opened for: on ip-10-0-35-117, with an internet-facing NLB in front. */
const FRONTEND = pods.find((p) => p.metadata.namespace === 'shop' && p.metadata.name === 'frontend-5bbc558bcd-2vxgb')!;
const FRONTEND_KEY = `shop/${FRONTEND.metadata.name}`;
const FRONTEND_IP = FRONTEND.status.podIP!;
const FRONTEND_ENI = enis.find((e) => e.PrivateIpAddresses.some((a) => a.PrivateIpAddress === FRONTEND_IP))!.NetworkInterfaceId;
const FRONTEND_IDENTITY = cilium.find((o) => o.kind === 'CiliumEndpoint' && o.metadata.namespace === 'shop' && o.metadata.name === FRONTEND.metadata.name)!.status!.identity!.id!;
/** datapath.md B0: the host veth is "eni" + the first 11 hex characters of SHA-1("<namespace>.<pod>"). */
const FRONTEND_VETH = `eni${createHash('sha1').update(`shop.${FRONTEND.metadata.name}`).digest('hex').slice(0, 11)}`;
const SHORT_NODE = FRONTEND.spec.nodeName!.replace('.us-west-2.compute.internal', '');

const missing = missingForE2e();
if (missing.length > 0 && !isCi) process.stderr.write(`[e2e] SKIPPED path diagram: missing ${missing.join('; ')}\n`);

describe.skipIf(missing.length > 0 && !isCi)('the path diagram on the demo cluster', () => {
  let session: VscodeSession;
  let page: Page;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'diagram', extension: 'dev', workspaceFiles: { 'manifests/shop.yaml': MANIFEST } });
    page = session.page;
    await openView(page, 'CNI Lens');
    await statusBarText(page, /shop-prod.*connected/, 60_000);
    await resizeSideBar(page, 420);
  });

  afterAll(async () => {
    await session?.close();
  });

  /** The diagram webview: its boxes once it has drawn a graph. */
  function diagram(): FrameLocator {
    return webviewFrame(page);
  }

  /** The aria-label of every box (title, subtitle, lane, owner and key facts), once `ok` holds. */
  async function boxLabels(ok: (labels: string[]) => boolean = (l) => l.length > 0, what = 'the diagram boxes'): Promise<string[]> {
    return expectPoll(() => diagram().locator('svg.cni-diagram g.node').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? '')), ok, what, 60_000);
  }

  const toolbarTitle = () => diagram().locator('.toolbar .title').textContent({ timeout: 5_000 });

  /** The box whose title is `title` (its accessible name starts with it). */
  function box(title: string): Locator {
    return diagram().locator(`svg.cni-diagram g.node[aria-label^="${title.replace(/["\\]/g, '\\$&')}. "]`).first();
  }

  /** One editor group, the diagram's tab active (after an editor opened beside it). */
  async function diagramAlone(): Promise<void> {
    await runCommand(page, 'View: Join All Editor Groups');
    await page.locator('.tabs-container .tab', { hasText: `Paths: ${FRONTEND.metadata.name}` }).first().click();
    await expectPoll(() => page.locator('.editor-group-container').count(), (n) => n === 1, 'one editor group');
    await diagram().locator('svg.cni-diagram g.node').first().waitFor({ timeout: 30_000 });
  }

  /** Switches the colour theme with "Preferences: Color Theme". */
  async function setColorTheme(name: string): Promise<void> {
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget input').fill(name);
    await pickQuickItem(page, new RegExp(`(^|\\s)${name}\\s*$`));
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Picks a destination in the diagram's toolbar by the start of its label. */
  async function pickDestination(label: RegExp): Promise<void> {
    const select = diagram().locator('vscode-single-select.destination');
    await select.click();
    const option = diagram().locator('vscode-single-select.destination [role="option"]', { hasText: label }).first();
    await option.click({ timeout: 10_000 });
  }

  it('opens from the Pod IPs view: a pod\'s context menu "Show Path Diagram" draws its paths, with the facts of the snapshot', async () => {
    await expandRow(page, 'shop', { viewTitle: 'Pod IPs' });
    await waitForTreeRows(page, 'Pod IPs', (r) => r.some((x) => x.label === FRONTEND.metadata.name), 60_000);
    // room for the Pod IPs view: the other views collapsed
    for (const view of ['Nodes', 'ENIs', 'Cilium Endpoints']) {
      const header = viewPane(page, view).locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    // the list renders only the rows in sight: scroll until the pod's row is inside the list
    const row = treeRow(page, FRONTEND.metadata.name, 'Pod IPs');
    const list = viewPane(page, 'Pod IPs').locator('.monaco-list').first();
    const inSight = async (): Promise<boolean> => {
      const [r, l] = [await row.boundingBox().catch(() => null), await list.boundingBox()];
      return r !== null && l !== null && r.y >= l.y && r.y + r.height <= l.y + l.height;
    };
    await list.hover();
    for (let i = 0; i < 60 && !(await inSight()); i++) {
      await page.mouse.wheel(0, 44);
      await page.waitForTimeout(100);
    }
    expect(await inSight()).toBe(true);
    await row.click({ button: 'right' });
    // a menu ignores a click that comes right after it opened: click until it closes
    const menu = page.locator('.context-view .monaco-menu').first();
    const item = menu.locator('.action-item', { hasText: /^\s*Show Path Diagram\s*$/ }).first();
    await item.waitFor({ state: 'visible' });
    for (let i = 0; i < 5 && (await menu.isVisible()); i++) {
      await page.waitForTimeout(300);
      if (await item.isVisible()) await item.click().catch(() => undefined);
    }
    // the first panel loads the runtime and the webview: slow on a busy machine
    await expectPoll(toolbarTitle, (t) => t === `Paths of ${FRONTEND_KEY}`, 'the diagram of the frontend pod', 90_000).catch(async (err: unknown) => {
      await screenshot(page, 'diagram-open-failed.png');
      throw err;
    });
    const labels = await boxLabels((l) => l.length >= 20, 'the overview of the frontend pod');
    // the pod's own box: its IP, its node and its Cilium identity
    const subject = labels.find((l) => l.startsWith(`${FRONTEND.metadata.name}. `));
    expect(subject, labels.join('\n')).toBeDefined();
    expect(subject).toContain(FRONTEND_IP);
    expect(subject).toContain(SHORT_NODE);
    expect(subject).toContain(`identity ${FRONTEND_IDENTITY}`);
    // its host veth (the name computed here from the reference) on the Cilium boxes of its node
    expect(labels.filter((l) => l.startsWith('cil_from_container') && l.includes(FRONTEND_VETH)).length).toBeGreaterThanOrEqual(1);
    // the ENI that holds the pod IP (EC2's data) is where its traffic arrives
    expect(labels.some((l) => l.startsWith('arrives on') && l.includes(FRONTEND_ENI))).toBe(true);
    // the lanes in order, and every kind of destination of the overview
    const lanes = await diagram().locator('.lane-title').allTextContents();
    expect(lanes).toEqual(['Pod netns', 'Cilium eBPF', 'Host routing (VPC CNI)', 'ENI', 'VPC', 'Destinations']);
    for (const title of ['NLB (IP targets)', 'NAT gateway', 'Internet', 'RDS', 'MSK broker']) expect(labels.some((l) => l.startsWith(`${title}. `)), title).toBe(true);
  });

  it('a click on a box opens its details; "Reveal in tree" selects the pod\'s row and "Open YAML" opens the pod', async () => {
    await box(FRONTEND.metadata.name).locator('.node-box').click({ force: true });
    const pane = diagram().locator('aside.details');
    await expectPoll(() => pane.isVisible(), (v) => v, 'the details pane');
    const text = await pane.innerText();
    expect(text).toContain(FRONTEND.metadata.name);
    expect(text).toContain(FRONTEND_IP);
    expect(text).toContain(String(FRONTEND_IDENTITY));
    expect(text).toMatch(/FACTS/i);

    await pane.locator('vscode-button', { hasText: 'Reveal in tree' }).first().click();
    await expectPoll(
      () => page.locator('[id="workbench.parts.sidebar"] .monaco-list-row.selected .label-name').allTextContents(),
      (rows) => rows.some((r) => r.trim() === FRONTEND.metadata.name),
      'the pod row to be selected in the Pod IPs view',
    );

    await pane.locator('vscode-button', { hasText: 'Open YAML' }).first().click();
    // a read-only document of the pod as the API server has it, beside the diagram
    await page.locator('.tabs-container .tab', { hasText: `${FRONTEND.metadata.name}.yaml` }).first().waitFor({ timeout: 30_000 });
    const yaml = page.locator('.editor-group-container .monaco-editor .view-lines').filter({ hasText: 'kind: Pod' }).first();
    const yamlText = await expectPoll(async () => ((await yaml.innerText().catch(() => '')) ?? '').replace(/\s+/g, ' '), (t) => t.includes(`name: ${FRONTEND.metadata.name}`), 'the pod YAML');
    expect(yamlText).toContain('read from context shop-prod');
    await screenshot(page, 'diagram-details.png');
    // back to the diagram alone
    await diagramAlone();
  });

  it('one destination picked in the toolbar: only that path, with the verdict at each enforcement point', async () => {
    await pickDestination(/Service payments\/api/);
    await expectPoll(toolbarTitle, (t) => /^Service payments\/api .* — DENY$/.test(t ?? ''), 'the Service path');
    expect(await diagram().locator('.toolbar .verdict').textContent()).toBe('verdict: DENY');
    const labels = await boxLabels((l) => l.length > 0 && l.length < 15, 'the one path');
    expect(labels.filter((l) => l.startsWith('cil_from_container'))).toHaveLength(1);
    expect(await diagram().locator('g.node.verdict-allow .badge-text').allTextContents()).toEqual(['egress ✓ allow']);
    expect(await diagram().locator('g.node.verdict-deny .badge-text').allTextContents()).toEqual(['ingress ✕ deny']);
    expect(await diagram().locator('g.node.verdict-deny .node-fact', { hasText: /^isolated by / }).allTextContents()).toEqual(['isolated by 2 policies']);
    // the backend pod is drawn, but the packet never gets there
    const backend = diagram().locator('g.node.blocked');
    expect(await backend.count()).toBe(1);
    expect(await backend.getAttribute('aria-label')).toMatch(/^api-/);
    await screenshot(page, 'diagram-service-path.png');
    await pickDestination(/All paths/);
    await expectPoll(toolbarTitle, (t) => t === `Paths of ${FRONTEND_KEY}`, 'the overview again');
  });

  it('screenshots of the overview at 1200×800 in the dark and the light theme', async () => {
    await diagramAlone();
    await runCommand(page, 'View: Close Primary Side Bar');
    await expectPoll(() => page.locator('[id="workbench.parts.sidebar"]').isVisible(), (v) => !v, 'the side bar to close');
    await sizeWebviewTo(page, 1200, 800);
    await expectPoll(() => diagram().locator('.zoom-level').textContent(), (z) => z === '100%', 'the overview at 100%');
    // every lane's boxes are inside the panel at 100%: no sideways scrolling needed
    const extent = await diagram().locator('g.node .node-box').evaluateAll((els) => ({ left: Math.min(...els.map((e) => e.getBoundingClientRect().left)), right: Math.max(...els.map((e) => e.getBoundingClientRect().right)) }));
    expect(extent.left).toBeGreaterThanOrEqual(0);
    expect(extent.right).toBeLessThanOrEqual(1200);
    for (const theme of ['dark', 'light'] as const) {
      await setColorTheme(theme === 'dark' ? 'Dark Modern' : 'Light Modern');
      await expectPoll(() => diagram().locator('body').getAttribute('data-lens-theme'), (t) => t === theme, `the diagram to follow the ${theme} theme`);
      // the colours come from VS Code's variables: the page background is the theme's editor background
      const background = await diagram().locator('body').evaluate((b) => getComputedStyle(b).backgroundColor);
      const [r, g, bl] = (background.match(/\d+/g) ?? []).map(Number);
      const luminance = ((r ?? 0) + (g ?? 0) + (bl ?? 0)) / 3;
      expect(theme === 'dark' ? luminance < 80 : luminance > 200, `${theme} background ${background}`).toBe(true);
      await page.waitForTimeout(300);
      await page.locator('iframe.webview.ready').first().screenshot({ path: join(e2eOutputDir, `diagram-overview-${theme}.png`) });
      await screenshot(page, `diagram-window-${theme}.png`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('the toolbar\'s "Flows" opens the Hubble flows of the diagram\'s pod', async () => {
    await diagram().locator('vscode-button.observe-flows').click();
    const flows = await webviewFrameWith(page, 'div.app .counts', 30_000);
    await expectPoll(() => flows.locator('.toolbar .title').textContent(), (t) => t === `Flows of ${FRONTEND_KEY}`, 'the flows of the diagram\'s pod');
    await expectPoll(() => flows.locator('.toolbar .counts').textContent(), (t) => /^\d+ of [1-9]\d* flows/.test(t ?? ''), 'its flows from the simulated Relay');
    // back to the diagram alone (its helpers expect one webview)
    await page.locator('.tabs-container .tab', { hasText: `Flows: ${FRONTEND.metadata.name}` }).first().click();
    await runCommand(page, 'View: Close Editor');
    await diagramAlone();
  });

  it('redraws live: when the pod\'s CiliumEndpoint goes, its box loses the identity and its Cilium programs are absent', async () => {
    const before = await boxLabels();
    expect(before.find((l) => l.startsWith(`${FRONTEND.metadata.name}. `))).toContain(`identity ${FRONTEND_IDENTITY}`);
    session.demo!.sim.api.delete('ciliumendpoints', 'shop', FRONTEND.metadata.name);
    const after = await boxLabels((l) => {
      const subject = l.find((x) => x.startsWith(`${FRONTEND.metadata.name}. `));
      return subject !== undefined && !subject.includes(`identity ${FRONTEND_IDENTITY}`);
    }, 'the diagram to redraw without the CiliumEndpoint');
    expect(after.join('\n')).not.toContain(`identity ${FRONTEND_IDENTITY}`);
    // no Cilium program runs on the pod's veth any more: no egress policy box with its veth is ok
    expect(await diagram().locator('g.node.status-ok', { has: diagram().locator('.node-title', { hasText: 'cil_from_container' }) }).filter({ hasText: FRONTEND_VETH }).count()).toBe(0);
    await screenshot(page, 'diagram-live-redraw.png');
  });

  it('a trace command shows its path in the diagram beside the report: the egress deny and what is not reached', async () => {
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'CNI Lens: Trace Pod to IP or Host');
    await quickInputTitle(page, /Trace Pod to IP or Host: source/);
    await page.locator('.quick-input-widget input').fill('shop/cart');
    await pickQuickItem(page, /^shop\/cart-/);
    await quickInputTitle(page, /Trace shop\/cart-\S+ to an IP/);
    await page.locator('.quick-input-widget input').fill('169.254.169.254');
    await page.keyboard.press('Enter');
    await quickInputTitle(page, /→ 169\.254\.169\.254: port/);
    await pickQuickItem(page, /^TCP 443/);
    // the report (a webview) stays the active editor
    const report = (await webviewFrameWith(page, 'div.report h1', 60_000)).locator('body');
    const reportText = await expectPoll(async () => (await report.innerText().catch(() => '')).replace(/\s+/g, ' '), (t) => t.includes('DENY') && t.includes('169.254.169.254'), 'the trace report');
    expect(reportText).toContain('deny-imds');
    // the diagram of cart, beside it, on the traced path (two webviews are open: pick the diagram's)
    const dia = await webviewFrameWith(page, 'svg.cni-diagram', 60_000);
    await expectPoll(() => dia.locator('.toolbar .title').textContent({ timeout: 5_000 }), (t) => t === 'trace: 169.254.169.254 TCP/443 — DENY', 'the traced path in the diagram');
    expect(await dia.locator('g.node.verdict-deny .badge-text').allTextContents()).toEqual(['egress ✕ deny']);
    // the deciding policy under the badge
    expect(await dia.locator('g.node.verdict-deny .node-fact', { hasText: /^by / }).allTextContents()).toEqual(['by CCNP deny-imds']);
    const blocked = await dia.locator('g.node.blocked').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(blocked.length).toBeGreaterThanOrEqual(3);
    expect(blocked.some((l) => l.startsWith('leaves eth'))).toBe(true);
    expect(await page.locator('.editor-group-container').count()).toBe(2);
    await screenshot(page, 'diagram-trace-egress-deny.png');
  });

  it('a hover on a Deployment\'s name: its "path" link opens the diagram of that pod', async () => {
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'View: Join All Editor Groups').catch(() => undefined);
    await openFile(page, 'manifests/shop.yaml');
    const frontendPods = pods.filter((p) => p.metadata.namespace === 'shop' && p.metadata.labels?.app === 'frontend');
    await hoverAt(page, { line: 4, column: 10 }, { contains: frontendPods[0]!.metadata.name, timeout: 60_000 });
    const row = page.locator('.monaco-hover:not(.hidden) tr', { has: page.locator('a', { hasText: /^path$/ }) }).first();
    const rowText = (await row.innerText()).replace(/\s+/g, ' ');
    const pod = frontendPods.find((p) => rowText.includes(p.metadata.name));
    expect(pod, rowText).toBeDefined();
    await row.locator('a', { hasText: /^path$/ }).click();
    await expectPoll(toolbarTitle, (t) => t === `Paths of shop/${pod!.metadata.name}`, 'the diagram of the hovered pod');
    const labels = await boxLabels((l) => l.length >= 10, 'its overview');
    expect(labels.find((l) => l.startsWith(`${pod!.metadata.name}. `))).toContain(pod!.status.podIP!);
    await screenshot(page, 'diagram-from-hover.png');
  });
});

