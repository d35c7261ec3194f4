/**
 * The path diagram webview in headless Chromium with a fake host (test/browser/harness): the demo
 * pod's overview and the cart → payments/api path, in VS Code's dark and light themes. Checks the
 * layout (no overlapping boxes, every label inside its box, edges ending on box borders, text at
 * least 11 px on screen), the details pane, keyboard navigation, the protocol (unknown messages
 * dropped, what the webview posts) and that HTML in cluster names stays text. Screenshots go to
 * .test-output/browser/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagramGraph } from '../../src/shared/protocol';
import { demoDiagrams, initMessage, OVERVIEW_POD, type DemoDiagrams } from './harness/demoDiagrams';
import { layoutReport } from './harness/layoutReport';
import type { HarnessTheme } from './harness/vscodeThemes';
import { cspViolations, openWebview, ROOT, startHarness, WEBVIEW_BUNDLE, type Harness, type WebviewPage } from './harness/webviewHarness';

const SHOTS = join(ROOT, '.test-output', 'browser');

let harness: Harness;
let demo: DemoDiagrams;

beforeAll(async () => {
  if (!existsSync(WEBVIEW_BUNDLE)) {
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('node scripts/build.mjs failed: dist/webview.js is needed');
  }
  mkdirSync(SHOTS, { recursive: true });
  demo = await demoDiagrams();
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

async function show(theme: HarnessTheme, graph: DiagramGraph): Promise<WebviewPage> {
  const w = await openWebview(harness, theme);
  await w.send(initMessage(graph, demo.choices, theme, graph.kind === 'overview' ? 'all' : 'service'));
  await w.page.waitForSelector('svg.cni-diagram g.node');
  // the vscode-elements components render asynchronously
  await w.page.waitForFunction(() => customElements.get('vscode-single-select') !== undefined);
  return w;
}

for (const theme of ['dark', 'light'] as const) {
  for (const which of ['overview', 'path'] as const) {
    describe(`${which} in the ${theme} theme`, () => {
      let w: WebviewPage;
      beforeAll(async () => {
        w = await show(theme, demo[which]);
        await w.page.screenshot({ path: join(SHOTS, `diagram-${theme}-${which}.png`) });
      });
      afterAll(async () => {
        await w?.page.close();
      });

      it('lays the diagram out readably: no overlaps, labels inside boxes, edges on borders, text ≥ 11 px', async () => {
        const r = await layoutReport(w.page);
        if (process.env.DIAGRAM_REPORT) process.stdout.write(`[layout] ${theme} ${which}: ${JSON.stringify({ nodes: r.nodes, edges: r.edges, overlaps: r.overlaps.length, overflows: r.overflows.length, edgeEnds: r.edgeEnds.length, laneTitleOverlaps: r.laneTitleOverlaps.length, minScreenFontPx: Math.round(r.minScreenFontPx * 100) / 100, scale: Math.round(r.scale * 1000) / 1000 })}\n`);
        expect(r.nodes).toBe(demo[which].nodes.length);
        expect(r.edges).toBe(demo[which].edges.length);
        expect(r.overlaps).toEqual([]);
        expect(r.overflows).toEqual([]);
        expect(r.edgeEnds).toEqual([]);
        expect(r.laneTitleOverlaps).toEqual([]);
        expect(r.minScreenFontPx).toBeGreaterThanOrEqual(11);
        if (which === 'path') expect(r.scale, 'the whole path fits the 1200×800 view').toBeGreaterThanOrEqual(11 / 12);
        if (which === 'overview') {
          // the overview opens at 100%, as wide as the 1200 px panel: every lane in view, scroll down for more
          expect(r.scale).toBe(1);
          const edges = await w.page.$$eval('g.node .node-box', (els) => ({ left: Math.min(...els.map((e) => e.getBoundingClientRect().left)), right: Math.max(...els.map((e) => e.getBoundingClientRect().right)) }));
          expect(edges.left, 'the leftmost box (the pod) is inside the panel').toBeGreaterThanOrEqual(0);
          expect(edges.right, 'the rightmost box (Destinations) is inside the panel').toBeLessThanOrEqual(w.page.viewportSize()?.width ?? 0);
        }
      });

      it('draws the lanes in order with their titles', async () => {
        const titles = await w.page.$$eval('.lane-title', (els) => els.map((e) => e.textContent));
        const expected = demo[which].lanes.map((l) => l.title);
        expect(titles).toEqual(expected);
      });

      it('runs under the CSP with no error', async () => {
        expect(await cspViolations(w)).toEqual([]);
        expect(w.problems).toEqual([]);
      });
    });
  }
}

describe('interaction (overview, dark)', () => {
  let w: WebviewPage;
  beforeAll(async () => {
    w = await show('dark', demo.overview);
  });
  afterAll(async () => {
    await w?.page.close();
  });

  it('posts ready first', async () => {
    expect((await w.posted())[0]).toEqual({ type: 'ready' });
  });

  it('opens the details pane with the facts and their sources on a click, and posts selectNode', async () => {
    const subject = demo.overview.nodes.find((n) => n.lane === 'pod' && n.refs.some((r) => r.key === OVERVIEW_POD));
    expect(subject).toBeDefined();
    await w.page.click(`g.node[data-node-id="${subject?.id}"] .node-box`, { force: true });
    const pane = w.page.locator('aside.details');
    await expect.poll(() => pane.isVisible()).toBe(true);
    const text = await pane.innerText();
    expect(text).toContain(subject?.title);
    for (const f of subject?.facts ?? []) {
      expect(text).toContain(f.value);
      expect(text).toContain(f.source);
    }
    expect(await w.posted()).toContainEqual({ type: 'selectNode', nodeId: subject?.id });
  });

  it('posts revealInTree and openYaml with the object named by kind and key', async () => {
    await w.page.locator('aside.details vscode-button', { hasText: 'Reveal in tree' }).first().click();
    await w.page.locator('aside.details vscode-button', { hasText: 'Open YAML' }).first().click();
    const posted = await w.posted();
    expect(posted).toContainEqual({ type: 'revealInTree', ref: { kind: 'pod', key: OVERVIEW_POD } });
    expect(posted).toContainEqual({ type: 'openYaml', ref: { kind: 'pod', key: OVERVIEW_POD } });
  });

  it('posts observeFlows from the toolbar (the host knows the pod)', async () => {
    await w.page.locator('vscode-button.observe-flows').click();
    expect(await w.posted()).toContainEqual({ type: 'observeFlows' });
  });

  it('shows the deny verdict at the enforcement point of the denied path', async () => {
    const deny = demo.overview.nodes.find((n) => n.verdict?.verdict === 'deny');
    expect(deny?.title).toBe('cil_to_container');
    await w.page.click(`g.node[data-node-id="${deny?.id}"] .node-box`, { force: true });
    const text = (await w.page.locator('aside.details').textContent()) ?? '';
    expect(text).toContain('Policy verdict (ingress)');
    expect(text).toContain('DENY');
    expect(text).toContain('NetworkPolicy payments/default-deny-ingress');
    expect(await w.page.locator(`g.node[data-node-id="${deny?.id}"] .badge-text`).textContent()).toBe('ingress ✕ deny');
    await w.page.screenshot({ path: join(SHOTS, 'diagram-dark-details.png') });
  });

  it('moves the focus between boxes with the arrow keys and opens details with Enter', async () => {
    await w.page.keyboard.press('Escape');
    const first = demo.overview.nodes.find((n) => n.lane === 'pod' && n.refs.some((r) => r.key === OVERVIEW_POD));
    await w.page.focus(`g.node[data-node-id="${first?.id}"]`);
    const focused = () => w.page.evaluate(() => document.activeElement?.getAttribute('data-node-id'));
    expect(await focused()).toBe(first?.id);
    await w.page.keyboard.press('ArrowRight');
    const right = await focused();
    expect(right).toBeTruthy();
    expect(right).not.toBe(first?.id);
    expect(demo.overview.nodes.find((n) => n.id === right)?.lane).toBe('cilium');
    await w.page.keyboard.press('ArrowLeft');
    expect(await focused()).toBe(first?.id);
    await w.page.keyboard.press('ArrowRight');
    await w.page.keyboard.press('Enter');
    await expect.poll(() => w.page.locator('aside.details .details-title').textContent()).toBe(demo.overview.nodes.find((n) => n.id === right)?.title);
    const label = await w.page.getAttribute(`g.node[data-node-id="${right}"]`, 'aria-label');
    expect(label).toContain('Cilium eBPF');
  });

  it('posts pickDestination when a destination is chosen', async () => {
    await w.page.evaluate(() => {
      const select = document.querySelector('vscode-single-select') as HTMLElement & { value: string };
      select.value = 'service';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(await w.posted()).toContainEqual({ type: 'pickDestination', destination: 'service' });
  });

  it('drops messages that are not in the protocol', async () => {
    const before = await w.page.locator('g.node').count();
    await w.send({ type: 'init', graph: { nodes: 'not a graph' } });
    await w.send({ type: 'evil', html: '<img src=x onerror=alert(1)>' });
    await w.send({ type: 'update', graph: { ...demo.path, edges: [{ id: 'e', from: 'missing', to: 'nowhere', status: 'ok', paths: [] }] } });
    await w.page.waitForTimeout(200);
    expect(await w.page.locator('g.node').count()).toBe(before);
    expect(w.problems).toEqual([]);
  });

  it('updates in place on an update message', async () => {
    await w.send({ type: 'update', graph: demo.path, title: 'updated', notice: 'stale: the store changed' });
    await expect.poll(() => w.page.locator('g.node').count()).toBe(demo.path.nodes.length);
    expect(await w.page.locator('.toolbar .title').textContent()).toBe('updated');
    expect(await w.page.locator('.notice').textContent()).toBe('stale: the store changed');
  });

  it('exports a standalone SVG and a PNG of the diagram to the host', async () => {
    await w.page.locator('vscode-button.export-svg').click();
    await w.page.locator('vscode-button.export-png').click();
    await expect.poll(async () => (await w.posted()).filter((m) => m.type === 'exportSvg' || m.type === 'exportPng').length, { timeout: 20_000 }).toBe(2);
    const posted = await w.posted();
    const svg = posted.find((m) => m.type === 'exportSvg')?.svg as string;
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    expect(svg).toContain('<style>');
    expect(svg).not.toMatch(/<script|var\(--vscode/);
    const png = posted.find((m) => m.type === 'exportPng')?.png as string;
    expect(png.startsWith('iVBORw0KGgo')).toBe(true);
    expect(Buffer.from(png, 'base64').length).toBeGreaterThan(10_000);
  });

  it('scrolls with the wheel, zooms with the buttons and Ctrl + wheel', async () => {
    const level = () => w.page.locator('.zoom-level').textContent();
    const viewBox = async () => ((await w.page.getAttribute('svg.cni-diagram', 'viewBox')) ?? '').split(' ').map(Number);
    // the overview again (the test before drew a path), at its first view: 100%, from the top
    await w.send(initMessage(demo.overview, demo.choices, 'dark'));
    await expect.poll(() => w.page.locator('g.node').count()).toBe(demo.overview.nodes.length);
    const before = await level();
    expect(before).toBe('100%');
    await w.page.mouse.move(600, 400);
    const [, top] = await viewBox();
    await w.page.mouse.wheel(0, 200);
    await expect.poll(async () => (await viewBox())[1]).toBeGreaterThan(top as number);
    expect(await level(), 'a plain wheel scrolls, it does not zoom').toBe(before);
    await w.page.locator('vscode-button.zoom-in').click();
    const zoomed = await level();
    expect(zoomed).not.toBe(before);
    // a pinch on a trackpad arrives as a wheel event with ctrlKey
    await w.page.$eval('.canvas', (c) => c.dispatchEvent(new WheelEvent('wheel', { deltaY: 400, ctrlKey: true, clientX: 600, clientY: 400, bubbles: true, cancelable: true })));
    expect(await level()).not.toBe(zoomed);
    await w.page.locator('vscode-button.fit').click();
    const fitted = parseInt((await level()) ?? '0', 10);
    expect(fitted).toBeGreaterThan(20);
  });
});

describe('the first view follows the panel size until the user zooms or scrolls', () => {
  it('opens narrower than the overview at a readable zoom, goes to 100% when the panel grows to 1200 px, then keeps the user\'s zoom', async () => {
    const w = await openWebview(harness, 'dark', { width: 1000, height: 800 });
    try {
      await w.send(initMessage(demo.overview, demo.choices, 'dark'));
      await w.page.waitForSelector('svg.cni-diagram g.node');
      const level = () => w.page.locator('.zoom-level').textContent();
      await expect.poll(level).toBe('92%');
      await w.page.setViewportSize({ width: 1200, height: 800 });
      await expect.poll(level).toBe('100%');
      await w.page.locator('vscode-button.zoom-in').click();
      await expect.poll(level).toBe('120%');
      await w.page.setViewportSize({ width: 1000, height: 800 });
      await w.page.waitForTimeout(200);
      expect(await level()).toBe('120%');
    } finally {
      await w.page.close();
    }
  });
});

describe('cluster strings are text', () => {
  it('shows HTML and script payloads in names literally and runs none of them', async () => {
    const payload = '<img src=x onerror=alert(1)>';
    const scriptPayload = '</text><script>alert(2)</script>';
    const graph: DiagramGraph = JSON.parse(JSON.stringify(demo.path));
    const victim = graph.nodes[0] as DiagramGraph['nodes'][number];
    victim.title = payload;
    victim.subtitle = scriptPayload;
    victim.facts = [{ name: '<b>x</b>', value: '"><svg onload=alert(3)>', source: '<iframe src=javascript:alert(4)>' }, ...victim.facts];
    graph.title = `<img src=y onerror=alert(5)>`;
    const w = await openWebview(harness, 'dark');
    try {
      await w.send(initMessage(graph, demo.choices, 'dark'));
      await w.page.waitForSelector('svg.cni-diagram g.node');
      const node = w.page.locator(`g.node[data-node-id="${victim.id}"]`);
      // a long title wraps onto two lines; together they are the name, as text
      expect((await node.locator('.node-title').allTextContents()).join('')).toBe(payload);
      expect(await node.getAttribute('aria-label')).toContain(payload);
      expect(await node.locator('.node-subtitle').textContent()).toBe(scriptPayload);
      await node.locator('.node-box').click({ force: true });
      await expect.poll(() => w.page.locator('aside.details .details-title').textContent()).toBe(payload);
      expect(await w.page.locator('aside.details').innerText()).toContain('<iframe src=javascript:alert(4)>');
      expect(await w.page.locator('.toolbar .title').textContent()).toBe('<img src=y onerror=alert(5)>');
      expect(await w.page.locator('img, iframe, b').count()).toBe(0);
      expect(await w.page.locator('script').count()).toBe(1);
      await w.page.waitForTimeout(200);
      expect(w.dialogs).toEqual([]);
      expect(await cspViolations(w)).toEqual([]);
    } finally {
      await w.page.close();
    }
  });
});
