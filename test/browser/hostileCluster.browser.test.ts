/**
 * Cluster objects whose names, labels, annotations and policy names hold HTML and script payloads,
 * drawn by the real diagram webview in headless Chromium (fake host, same HTML and CSP as the
 * panel). The graphs are built from those objects by the same code the extension runs (trace,
 * policy engine, overview and path graphs), and every node's details pane is opened. Checks: the
 * payloads reach the page and read back as text; no payload runs (the global each would set stays
 * unset, no dialog, no CSP violation); no element or event-handler attribute comes out of them;
 * the page runs under a CSP with a fresh nonce per load and no inline script.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import { pathGraph } from '../../src/core/analysis/diagram/pathGraph';
import { podOverviewGraph } from '../../src/core/analysis/diagram/podOverviewGraph';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import type { PodInfo } from '../../src/core/model';
import { projectKubeObject } from '../../src/core/project/projectKube';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { DiagramGraph } from '../../src/shared/protocol';
import { DEMO, initMessage } from './harness/demoDiagrams';
import { cspViolations, openWebview, ROOT, startHarness, WEBVIEW_BUNDLE, type Harness, type WebviewPage } from './harness/webviewHarness';

/** Each payload sets `window.__xss` to its number if it ever runs. */
const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  '<svg onload="window.__xss=3"><circle r=9 /></svg>',
  '"><svg onload=window.__xss=4>',
  'javascript:window.__xss=5',
  "'><iframe src=\"javascript:window.__xss=6\"></iframe>",
  '</text><foreignObject><body onload="window.__xss=7"></body></foreignObject>',
  '<a href="javascript:window.__xss=8">x</a>',
];
const [IMG, SCRIPT, SVG, BREAKOUT, JS_URL, IFRAME, FOREIGN, ANCHOR] = PAYLOADS as [string, string, string, string, string, string, string, string];

const POD_NAME = `cart-${IMG}${BREAKOUT}`;
const POLICY_NAME = `allow-${SCRIPT}${SVG}`;
const CNP_NAME = `cnp-${IFRAME}${FOREIGN}`;

let harness: Harness;
let graphs: { overview: DiagramGraph; path: DiagramGraph };

async function hostileGraphs(): Promise<{ overview: DiagramGraph; path: DiagramGraph }> {
  const { store } = await loadSnapshotStore(DEMO);
  const cart = [...store.list('pod')].find((p) => p.namespace === 'shop' && p.name.startsWith('cart-')) as PodInfo;
  const hostile = {
    ...cart,
    labels: { ...cart.labels, [`x-${JS_URL}`]: ANCHOR, note: IMG },
    podEni: [{ eniId: `eni-${SVG}`, privateIp: '100.64.250.7' }],
    owner: { kind: 'ReplicaSet', name: BREAKOUT },
  };
  // the trace and the path diagram reach a pod by its IP whatever its name; the overview needs a name it can parse
  store.upsert('pod', { ...hostile, name: POD_NAME, uid: 'hostile', ip: '100.64.250.7', ips: ['100.64.250.7'] });
  store.upsert('pod', { ...hostile, name: 'cart-labelled', uid: 'hostile-2', ip: '100.64.250.8', ips: ['100.64.250.8'] });
  const objects = [
    // annotations: the pod-eni annotation's fields, a load balancer annotation of a Service
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments', labels: { 'kubernetes.io/metadata.name': 'payments', team: SCRIPT } } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: POLICY_NAME, namespace: 'payments', annotations: { note: ANCHOR } }, spec: { podSelector: {}, ingress: [{}] } },
    { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: CNP_NAME, namespace: 'shop' }, spec: { endpointSelector: { matchLabels: { note: IMG } }, egress: [{ toEntities: ['all'] }] } },
  ];
  store.batch(() => {
    for (const o of objects) {
      const p = projectKubeObject(o, { source: 'snapshot', file: `kubernetes/${JS_URL}.yaml`, line: 1 });
      if (!p) throw new Error(`not projected: ${o.metadata.name}`);
      store.upsert(p.kind, p.value as never);
    }
  });
  const engine = new PolicyEngine(store, { engine: 'cilium' });
  try {
    const policyEvaluator = tracePolicyEvaluator(engine);
    const overview = podOverviewGraph(store, 'shop/cart-labelled', { policyEvaluator });
    if ('message' in overview) throw new Error(overview.message);
    const trace = traceDatapath(store, { from: 'ip:100.64.250.7', to: 'svc:payments/api' }, { policyEvaluator });
    if (!trace.ok) throw new Error(trace.error.message);
    return { overview, path: pathGraph(trace.trace, { store }) };
  } finally {
    engine.dispose();
  }
}

beforeAll(async () => {
  if (!existsSync(WEBVIEW_BUNDLE)) {
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('node scripts/build.mjs failed: dist/webview.js is needed');
  }
  graphs = await hostileGraphs();
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

/** What a payload could have left behind: globals, elements, event-handler attributes, script URLs. */
async function traces(w: WebviewPage): Promise<{ xss: unknown; elements: string[]; handlers: string[]; scriptUrls: string[]; scripts: number }> {
  return w.page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('*'));
    const inShadow = all.flatMap((e) => (e.shadowRoot ? Array.from(e.shadowRoot.querySelectorAll('*')) : []));
    const everything = [...all, ...inShadow];
    return {
      xss: (window as unknown as { __xss?: unknown }).__xss,
      elements: everything.filter((e) => ['IMG', 'IFRAME', 'OBJECT', 'EMBED', 'FOREIGNOBJECT', 'BODY'].includes(e.tagName.toUpperCase()) && e !== document.body).map((e) => e.outerHTML.slice(0, 120)),
      handlers: everything.flatMap((e) => Array.from(e.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName} ${a.name}`)),
      scriptUrls: everything.flatMap((e) => Array.from(e.attributes).filter((a) => /^\s*javascript:/i.test(a.value)).map((a) => `${e.tagName} ${a.name}=${a.value}`)),
      scripts: document.scripts.length,
    };
  });
}

describe('hostile cluster strings in the diagram webview', () => {
  it('the payloads reach the graphs the extension would send (names, labels, annotations, policy names)', () => {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    walk(graphs);
    for (const payload of [POD_NAME, POLICY_NAME, SVG, JS_URL]) expect(strings.some((t) => t.includes(payload)), payload).toBe(true);
  });

  for (const which of ['overview', 'path'] as const) {
    it(`${which}: every node and its details pane show the payloads as text and run none of them`, async () => {
      const graph = graphs[which];
      const w = await openWebview(harness, 'dark');
      try {
        await w.send(initMessage(graph, [], 'dark', 'all'));
        await w.page.waitForSelector('svg.cni-diagram g.node');
        let pageText = await w.page.locator('body').innerText();
        const details: string[] = [];
        for (const node of graph.nodes) {
          // a click event on the box (a pointer click could land on the open details pane)
          await w.page.locator(`g.node[data-node-id="${node.id}"] .node-box`).dispatchEvent('click');
          await expect.poll(() => w.page.locator('aside.details .details-title').textContent()).toBe(node.title);
          details.push(await w.page.locator('aside.details').innerText());
        }
        pageText += `\n${details.join('\n')}`;
        // the payloads are on the page, literally
        const shown = PAYLOADS.filter((p) => pageText.includes(p));
        expect(shown.length).toBeGreaterThan(0);
        if (which === 'path') {
          expect(pageText).toContain(POD_NAME);
          expect(pageText).toContain(POLICY_NAME);
        }
        await w.page.waitForTimeout(300);
        expect(await traces(w)).toEqual({ xss: undefined, elements: [], handlers: [], scriptUrls: [], scripts: 1 });
        expect(w.dialogs).toEqual([]);
        expect(w.problems).toEqual([]);
        expect(await cspViolations(w)).toEqual([]);
        await w.page.screenshot({ path: join(ROOT, '.test-output', 'browser', `hostile-${which}.png`) });
      } finally {
        await w.page.close();
      }
    });
  }

  it('runs under a strict CSP whose nonce is the script\'s and is fresh on every load', async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const w = await openWebview(harness, 'light');
      try {
        const page = await w.page.evaluate(() => ({
          csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
          scriptNonces: Array.from(document.scripts).map((s) => s.nonce),
          inline: Array.from(document.scripts).filter((s) => !s.src).length,
        }));
        expect(page.csp).toMatch(/^default-src 'none'; /);
        expect(page.csp).not.toContain('unsafe-inline');
        expect(page.csp).not.toContain('unsafe-eval');
        const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(page.csp)?.[1];
        expect(nonce).toBeDefined();
        expect(page.scriptNonces).toEqual([nonce]);
        expect(page.inline).toBe(0);
        nonces.push(nonce as string);
        // a script added without the nonce does not run
        await w.page.evaluate(() => {
          const s = document.createElement('script');
          s.textContent = 'window.__xss = 99';
          document.body.appendChild(s);
        });
        expect(await w.page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
        expect((await cspViolations(w)).some((v) => v.startsWith('script-src'))).toBe(true);
      } finally {
        await w.page.close();
      }
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });
});
