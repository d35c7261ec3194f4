/**
 * The Hubble flow overlay in the diagram webview (headless Chromium, fake host): the overview of
 * shop/cart with the demo snapshot's flows, in VS Code's dark and light themes. Checks that the
 * badges render with the overlay's counts, clear of every box and of each other, at a readable size;
 * that the demo's drop is marked in the error colour on its edge and box; the legend line; the
 * details of a badge and of a box; the toggle; and that the SVG export carries the overlay.
 * Screenshots go to .test-output/browser/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowBadgeText } from '../../src/core/analysis/diagram/flowOverlayText';
import type { DiagramFlowOverlay, DiagramGraph, DestinationChoice } from '../../src/shared/protocol';
import { demoFlowOverlays, initMessage } from './harness/demoDiagrams';
import { layoutReport } from './harness/layoutReport';
import { cspViolations, openWebview, ROOT, startHarness, WEBVIEW_BUNDLE, type Harness, type WebviewPage } from './harness/webviewHarness';

const SHOTS = join(ROOT, '.test-output', 'browser');
const CART = 'shop/cart-78d4d6b5d-n4pww';

let harness: Harness;
let demo: { overview: DiagramGraph; overlay: DiagramFlowOverlay; choices: DestinationChoice[] };

beforeAll(async () => {
  if (!existsSync(WEBVIEW_BUNDLE)) {
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('node scripts/build.mjs failed: dist/webview.js is needed');
  }
  mkdirSync(SHOTS, { recursive: true });
  demo = await demoFlowOverlays(CART);
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

async function showWithFlows(theme: 'dark' | 'light'): Promise<WebviewPage> {
  const w = await openWebview(harness, theme);
  await w.send({ ...initMessage(demo.overview, demo.choices, theme), flows: { available: true, on: true, detail: 'demo flows' } });
  await w.page.waitForSelector('svg.cni-diagram g.node');
  await w.send({ type: 'flowOverlay', graphTitle: demo.overview.title, overlay: demo.overlay });
  await w.page.waitForSelector('svg.cni-diagram .flow-badge');
  await w.page.waitForFunction(() => customElements.get('vscode-button') !== undefined);
  return w;
}

for (const theme of ['dark', 'light'] as const) {
  describe(`flow overlay on the overview of shop/cart, ${theme} theme`, () => {
    let w: WebviewPage;
    beforeAll(async () => {
      w = await showWithFlows(theme);
      // the drop in view, at 100 %: focusing its badge scrolls the diagram to it
      await w.page.locator('.flow-badge-drop').focus();
      await w.page.waitForTimeout(300);
      await w.page.screenshot({ path: join(SHOTS, `diagram-flows-${theme}.png`) });
    });
    afterAll(async () => {
      await w?.page.close();
    });

    it('draws one badge per edge the overlay marks, with its counts', async () => {
      const expected = demo.overlay.edges.filter((e) => e.badge);
      expect(expected.length).toBeGreaterThan(1);
      const drawn = await w.page.$$eval('.flow-badge', (els) => els.map((e) => ({ edge: e.getAttribute('data-edge-id'), text: e.querySelector('text')?.textContent })));
      expect(drawn.map((b) => b.edge).sort()).toEqual(expected.map((e) => e.edge).sort());
      for (const e of expected) expect(drawn.find((b) => b.edge === e.edge)?.text).toBe(flowBadgeText(e));
    });

    it('keeps the badges clear of every box, of the lane titles and of each other, and readable', async () => {
      const r = await w.page.evaluate(() => {
        type R = { x: number; y: number; width: number; height: number };
        const rect = (e: Element): R => {
          const b = e.getBoundingClientRect();
          return { x: b.x, y: b.y, width: b.width, height: b.height };
        };
        const overlap = (a: R, b: R) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        const badges = Array.from(document.querySelectorAll('.flow-badge')).map((b) => ({ id: b.getAttribute('data-edge-id'), box: rect(b.querySelector('.flow-badge-box')!), text: rect(b.querySelector('text')!) }));
        const nodes = Array.from(document.querySelectorAll('g.node')).map((n) => ({ id: n.getAttribute('data-node-id'), box: rect(n.querySelector('.node-box')!) }));
        const hits: string[] = [];
        for (const b of badges) {
          for (const n of nodes) if (overlap(b.box, n.box)) hits.push(`${b.id} over ${n.id}`);
          for (const o of badges) if (o.id !== b.id && overlap(b.box, o.box)) hits.push(`${b.id} over ${o.id}`);
          if (b.text.width > b.box.width + 0.5 || b.text.height > b.box.height + 0.5) hits.push(`${b.id}: text larger than its badge`);
        }
        const font = Math.min(...Array.from(document.querySelectorAll('.flow-badge text')).map((t) => parseFloat(getComputedStyle(t).fontSize)));
        const scale = (document.querySelector('svg.cni-diagram') as SVGSVGElement).getScreenCTM()?.a ?? 0;
        return { hits, screenFont: font * scale, count: badges.length };
      });
      expect(r.count).toBeGreaterThan(0);
      expect(r.hits).toEqual([]);
      expect(r.screenFont).toBeGreaterThanOrEqual(11);
      const layout = await layoutReport(w.page);
      expect(layout.overlaps).toEqual([]);
      expect(layout.overflows).toEqual([]);
      expect(layout.edgeEnds).toEqual([]);
    });

    it('marks the demo drop in the error colour on its edge and box', async () => {
      const dropEdge = demo.overlay.edges.find((e) => e.dropped > 0)!;
      const to = demo.overview.edges.find((e) => e.id === dropEdge.edge)!.to;
      const colours = await w.page.evaluate(({ edge, node }) => {
        const stroke = (sel: string) => getComputedStyle(document.querySelector(sel)!).stroke;
        const fill = (sel: string) => getComputedStyle(document.querySelector(sel)!).fill;
        const red = getComputedStyle(document.body).getPropertyValue('--vscode-charts-red').trim();
        const probe = document.createElement('div');
        probe.style.color = red;
        document.body.appendChild(probe);
        const redRgb = getComputedStyle(probe).color;
        probe.remove();
        return {
          red: redRgb,
          edge: stroke(`.edge-group[data-edge-id="${CSS.escape(edge)}"] .edge`),
          node: stroke(`g.node[data-node-id="${CSS.escape(node)}"] .node-box`),
          count: fill(`.flow-badge[data-edge-id="${CSS.escape(edge)}"] .flow-dropped`),
          others: Array.from(document.querySelectorAll('g.node.flow-drop')).map((n) => n.getAttribute('data-node-id')),
        };
      }, { edge: dropEdge.edge, node: to });
      expect(colours.red).toMatch(/^rgb/);
      expect(colours.edge).toBe(colours.red);
      expect(colours.node).toBe(colours.red);
      expect(colours.count).toBe(colours.red);
      expect(colours.others).toEqual([to]);
    });

    it('says what the counts are in the legend', async () => {
      const text = await w.page.$eval('.flow-legend-text', (e) => e.textContent);
      expect(text).toContain('Hubble flows in the last 5 min, as of 09:14:22 UTC');
      expect(text).toContain(`${demo.overlay.placed} of ${demo.overlay.total} on the diagram`);
    });

    it('runs under the CSP with no error', async () => {
      expect(await cspViolations(w)).toEqual([]);
      expect(w.problems).toEqual([]);
    });
  });
}

describe('flow overlay on the path shop/cart → Service payments/api (dark)', () => {
  it('draws the drop badge clear of the boxes, readable in the 1200×800 view', async () => {
    const path = await demoFlowOverlays(CART, 'svc:payments/api');
    const w = await openWebview(harness, 'dark');
    try {
      await w.send({ ...initMessage(path.overview, [], 'dark', 'service'), flows: { available: true, on: true, detail: 'demo flows' } });
      await w.page.waitForSelector('svg.cni-diagram g.node');
      await w.send({ type: 'flowOverlay', graphTitle: path.overview.title, overlay: path.overlay });
      await w.page.waitForSelector('svg.cni-diagram .flow-badge-drop');
      await w.page.screenshot({ path: join(SHOTS, 'diagram-flows-path-dark.png') });
      const r = await w.page.evaluate(() => {
        const rect = (e: Element) => e.getBoundingClientRect();
        const overlap = (a: DOMRect, b: DOMRect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        const badges = Array.from(document.querySelectorAll('.flow-badge .flow-badge-box')).map(rect);
        const boxes = Array.from(document.querySelectorAll('g.node .node-box')).map(rect);
        const inView = badges.every((b) => b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth);
        const font = parseFloat(getComputedStyle(document.querySelector('.flow-badge text')!).fontSize) * ((document.querySelector('svg.cni-diagram') as SVGSVGElement).getScreenCTM()?.a ?? 0);
        return { hits: badges.flatMap((b, i) => boxes.filter((x) => overlap(b, x)).map(() => i)), inView, font };
      });
      expect(r.hits).toEqual([]);
      expect(r.inView).toBe(true);
      expect(r.font).toBeGreaterThanOrEqual(11);
      expect(w.problems).toEqual([]);
    } finally {
      await w.page.close();
    }
  });
});

describe('flow overlay interaction (dark)', () => {
  let w: WebviewPage;
  beforeAll(async () => {
    w = await showWithFlows('dark');
  });
  afterAll(async () => {
    await w?.page.close();
  });

  it('opens the flows of an edge from its badge: the drop reason and the deciding rule', async () => {
    const dropEdge = demo.overlay.edges.find((e) => e.dropped > 0)!;
    // reached with the keyboard: focus scrolls it into view, Enter opens it
    await w.page.locator(`.flow-badge[data-edge-id="${dropEdge.edge}"]`).focus();
    await w.page.keyboard.press('Enter');
    const pane = w.page.locator('aside.details');
    await expect.poll(() => pane.isVisible()).toBe(true);
    const text = await pane.innerText();
    expect(text).toContain('HUBBLE FLOWS');
    expect(text).toContain(`POLICY_DENIED ×${dropEdge.dropped} (ingress)`);
    expect(text).toContain('NetworkPolicy payments/default-deny-ingress spec.podSelector');
    expect(text).toContain('kubernetes/networkpolicies.yaml:39');
    expect(text).toContain('payments/api-f959c8b7-z9s4b');
  });

  it('lists the flows of a box in its details', async () => {
    const box = demo.overlay.nodes.find((n) => n.dropped > 0)!;
    await w.page.click(`g.node[data-node-id="${box.node}"] .node-box`, { force: true });
    const text = await w.page.locator('aside.details').innerText();
    expect(text).toContain(`dropped\n${box.dropped} (egress ${box.egress.dropped}, ingress ${box.ingress.dropped})`);
    expect(text).toContain('POLICY_DENIED');
  });

  it('exports the overlay in the standalone SVG', async () => {
    await w.page.locator('vscode-button.export-svg').click();
    await expect.poll(async () => (await w.posted()).some((m) => m.type === 'exportSvg')).toBe(true);
    const svg = (await w.posted()).find((m) => m.type === 'exportSvg')?.svg as string;
    expect(svg.match(/class="flow-badge[ "]/g)?.length).toBe(demo.overlay.edges.filter((e) => e.badge).length);
    expect(svg).toContain('as of 09:14:22 UTC');
    expect(svg).toContain('flow-badge-drop');
  });

  it('asks the host to turn the overlay off, and drops the badges when the host says it is off', async () => {
    await w.page.locator('vscode-button.flow-overlay').click();
    await expect.poll(async () => (await w.posted()).some((m) => m.type === 'toggleFlows' && m.on === false)).toBe(true);
    await w.send({ type: 'update', flows: { available: true, on: false, detail: 'demo flows' } });
    await w.page.waitForFunction(() => document.querySelectorAll('.flow-badge').length === 0);
    expect(await w.page.$$('.flow-legend')).toHaveLength(0);
  });

  it('shows why there is no overlay next to a disabled toggle', async () => {
    await w.send({ type: 'update', flows: { available: false, on: false, detail: 'Hubble not installed: no hubble-relay Service in kube-system' } });
    await expect.poll(() => w.page.locator('.flow-status').innerText()).toBe('Hubble not installed');
    expect(await w.page.locator('vscode-button.flow-overlay').getAttribute('disabled')).not.toBeNull();
  });
});
