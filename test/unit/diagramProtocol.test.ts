/**
 * The pieces around the diagram graph: the webview protocol's guards, the panel's HTML and CSP, the
 * command's argument, the panel model (overview, one path, what changes redraw it), the string SVG
 * document's escaping and the title wrapping.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeBox, wrapText } from '../../src/core/analysis/diagram/nodeBox';
import { approximateTextMeasure } from '../../src/core/analysis/diagram/textMetrics';
import type { DiagramNode } from '../../src/core/analysis/diagram/diagramTypes';
import { traceDatapath } from '../../src/core/analysis/datapath/traceDatapath';
import type { TraceFunction } from '../../src/core/analysis/diagram/overviewGraph';
import { choosePolicyEngine } from '../../src/core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import { tracePolicyEvaluator } from '../../src/core/analysis/tracePolicyEvaluator';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { buildDiagramState, changeTouchesDiagram, diagramPodOfTrace, pathOfTrace, type DiagramState } from '../../src/extension/diagram/diagramModel';
import { podKeyOfArgument } from '../../src/extension/diagram/podArgument';
import { contentSecurityPolicy, diagramWebviewHtml } from '../../src/extension/diagram/webviewHtml';
import { createNonce } from '../../src/extension/diagram/createNonce';
import {
  ExportPngMessage,
  ExportSvgMessage,
  InitMessage,
  ObserveFlowsMessage,
  OpenYamlMessage,
  PickDestinationMessage,
  ReadyMessage,
  RevealInTreeMessage,
  SelectNodeMessage,
  UpdateMessage,
} from '../../src/shared/protocol';
import { StringSvgDocument, SVG_NS } from '../../webview/render/svgDocument';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');
let store: ClusterStore;
let overview: DiagramState;
/** As the extension's runtime traces (`traceWithPolicy`). */
let trace: TraceFunction;

beforeAll(async () => {
  store = (await loadSnapshotStore(DEMO)).store;
  const engine = new PolicyEngine(store, { engine: choosePolicyEngine(store).engine });
  trace = (request) => traceDatapath(store, request, { policyEvaluator: tracePolicyEvaluator(engine) });
  const s = buildDiagramState(store, 'shop/cart-78d4d6b5d-n4pww', 'all', trace);
  if ('error' in s) throw new Error(s.error);
  overview = s;
});

describe('protocol guards', () => {
  it('accept the messages of the protocol and nothing else', () => {
    const graph = overview.graph;
    expect(InitMessage.is({ type: 'init', graph, theme: 'dark', title: 't', choices: overview.choices, selected: 'all' })).toBe(true);
    expect(InitMessage.is({ type: 'init', graph, theme: 'sepia', title: 't', choices: [], selected: 'all' })).toBe(false);
    expect(InitMessage.is({ type: 'init', graph: { ...graph, edges: [{ id: 'e', from: 'x', to: 'y', status: 'ok', paths: [] }] }, theme: 'dark', title: 't', choices: [], selected: 'all' })).toBe(false);
    expect(InitMessage.is({ type: 'init', graph: { ...graph, nodes: [{ ...graph.nodes[0], lane: 'kernel' }] }, theme: 'dark', title: 't', choices: [], selected: 'all' })).toBe(false);
    expect(UpdateMessage.is({ type: 'update', theme: 'light' })).toBe(true);
    expect(UpdateMessage.is({ type: 'update', graph: 'x' })).toBe(false);
    expect(ReadyMessage.is({ type: 'ready' })).toBe(true);
    expect(ObserveFlowsMessage.is({ type: 'observeFlows' })).toBe(true);
    expect(ObserveFlowsMessage.is({ type: 'observeFlow' })).toBe(false);
    expect(SelectNodeMessage.is({ type: 'selectNode', nodeId: 'n-1' })).toBe(true);
    expect(SelectNodeMessage.is({ type: 'selectNode', nodeId: 1 })).toBe(false);
    expect(RevealInTreeMessage.is({ type: 'revealInTree', ref: { kind: 'pod', key: 'shop/a' } })).toBe(true);
    expect(OpenYamlMessage.is({ type: 'openYaml', ref: { kind: 'pod' } })).toBe(false);
    expect(PickDestinationMessage.is({ type: 'pickDestination', destination: 'service' })).toBe(true);
    expect(ExportSvgMessage.is({ type: 'exportSvg', svg: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>' })).toBe(true);
    expect(ExportSvgMessage.is({ type: 'exportSvg', svg: '<html><script>alert(1)</script>' })).toBe(false);
    expect(ExportPngMessage.is({ type: 'exportPng', png: 'iVBORw0KGgoAAAANSUhEUg==' })).toBe(true);
    expect(ExportPngMessage.is({ type: 'exportPng', png: 'data:image/png;base64,iVBOR' })).toBe(false);
    for (const m of [null, 'ready', [], { type: 'eval', code: '1' }, { type: 'ready ' }]) {
      expect([InitMessage, UpdateMessage, ReadyMessage, SelectNodeMessage, PickDestinationMessage].some((g) => g.is(m))).toBe(false);
    }
  });
});

describe('the panel\'s HTML', () => {
  it('loads one script by nonce under a strict CSP, and a fresh nonce each time', () => {
    const nonce = createNonce();
    expect(nonce).not.toBe(createNonce());
    const html = diagramWebviewHtml({ cspSource: 'https://x.vscode-cdn.net', nonce, scriptUri: 'https://x.vscode-cdn.net/dist/webview.js', title: 'Paths of <shop>/a' });
    expect(contentSecurityPolicy('https://x.vscode-cdn.net', nonce)).toBe(`default-src 'none'; img-src https://x.vscode-cdn.net data:; style-src https://x.vscode-cdn.net 'nonce-${nonce}'; script-src 'nonce-${nonce}'; font-src https://x.vscode-cdn.net`);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(`<script nonce="${nonce}" src="https://x.vscode-cdn.net/dist/webview.js"></script>`);
    expect(html).toContain('<title>Paths of &lt;shop&gt;/a</title>');
    expect(html).not.toMatch(/unsafe-inline|unsafe-eval|\sstyle=|\son[a-z]+=/);
    expect(() => diagramWebviewHtml({ cspSource: 'x', nonce: 'short', scriptUri: 'x', title: 't' })).toThrow();
  });
});

describe('the command argument', () => {
  it('names a pod from a tree row, an object or a string', () => {
    expect(podKeyOfArgument({ id: 'pod/shop/cart-1', ref: { kind: 'pod', key: 'shop/cart-1' } })).toBe('shop/cart-1');
    expect(podKeyOfArgument({ id: 'pod/shop/cart-1', label: 'cart-1' })).toBe('shop/cart-1');
    expect(podKeyOfArgument({ id: 'unmanaged/data/legacy-1' })).toBe('data/legacy-1');
    expect(podKeyOfArgument({ id: 'node-1/eni/ip/10.0.0.1', ref: { kind: 'pod', key: 'shop/a' } })).toBe('shop/a');
    expect(podKeyOfArgument({ namespace: 'shop', name: 'cart-1' })).toBe('shop/cart-1');
    expect(podKeyOfArgument('shop/cart-1')).toBe('shop/cart-1');
    for (const bad of [undefined, 'cart-1', 'a/b/c', '../x', { id: 'node/ip-1' }, { namespace: 'shop' }, { ref: { kind: 'node', key: 'n' } }, 'shop/<img>']) expect(podKeyOfArgument(bad)).toBeUndefined();
  });
});

describe('the panel model', () => {
  it('offers the overview\'s paths as destinations and draws one of them on request', () => {
    expect(overview.selected).toBe('all');
    expect(overview.title).toBe('Paths of shop/cart-78d4d6b5d-n4pww');
    expect(overview.choices.map((c) => c.id)).toEqual(['same-node-pod', 'other-node-pod', 'service', 'rds', 'msk', 'internet', 'on-premises']);
    const one = buildDiagramState(store, 'shop/cart-78d4d6b5d-n4pww', 'service', trace);
    if ('error' in one) throw new Error(one.error);
    expect(one.graph.kind).toBe('path');
    expect(one.graph.paths.map((p) => p.id)).toEqual(['service']);
    expect(one.title).toBe('Service payments/api 172.20.160.44:443 — DENY');
    expect(one.choices).toEqual(overview.choices);
    const gone = buildDiagramState(store, 'shop/cart-78d4d6b5d-n4pww', 'nope', trace);
    expect(gone).toMatchObject({ selected: 'all', notice: expect.stringContaining('no longer') });
    expect(buildDiagramState(store, 'shop/nope', 'all', trace)).toEqual({ error: 'pod shop/nope is not in the store (deleted, or not loaded yet)' });
  });

  it('a trace command\'s path: one of the pod\'s paths when the request is the same, else a new choice drawn with its verdicts', () => {
    const cart = 'shop/cart-78d4d6b5d-n4pww';
    // the overview's Service path is cart → svc:payments/api TCP/443
    expect(pathOfTrace(store, cart, { from: cart, to: 'svc:payments/api', port: 443, protocol: 'TCP' }, [])).toEqual({ id: 'service' });
    const imds = { from: cart, to: 'ip:169.254.169.254', port: 80, protocol: 'TCP' as const };
    const picked = pathOfTrace(store, cart, imds, []);
    if ('error' in picked || !picked.added) throw new Error('expected a new path');
    expect(picked).toMatchObject({ id: 'trace-1', added: { id: 'trace-1', category: 'custom', label: 'trace: 169.254.169.254 TCP/80', request: imds } });
    // the same trace again is the path already added
    expect(pathOfTrace(store, cart, imds, [picked.added])).toEqual({ id: 'trace-1' });
    const state = buildDiagramState(store, cart, 'trace-1', trace, [picked.added]);
    if ('error' in state) throw new Error(state.error);
    expect(state.choices.map((c) => c.id)).toEqual([...overview.choices.map((c) => c.id), 'trace-1']);
    expect(state.choices.find((c) => c.id === 'trace-1')?.verdict).toBe('deny');
    expect(state.graph.kind).toBe('path');
    expect(state.title).toBe('trace: 169.254.169.254 TCP/80 — DENY');
    const egress = state.graph.nodes.find((n) => n.verdict?.direction === 'egress');
    expect(egress?.verdict?.byPath[0]?.rules.map((r) => r.text)).toEqual(['CiliumClusterwideNetworkPolicy deny-imds spec.egressDeny[0].toCIDRSet[0]']);
    expect(state.graph.nodes.filter((n) => n.blocked).length).toBeGreaterThan(0);
    // the overview draws the traced path too
    const all = buildDiagramState(store, cart, 'all', trace, [picked.added]);
    expect('error' in all ? [] : all.graph.paths.map((p) => p.id)).toContain('trace-1');
    expect(pathOfTrace(store, 'shop/nope', imds, [])).toEqual({ error: 'pod shop/nope is not in the store' });
  });

  it('draws a trace on its source pod, or on its destination pod when it comes from outside', () => {
    expect(diagramPodOfTrace({ from: 'shop/cart-1', to: 'svc:payments/api' })).toBe('shop/cart-1');
    expect(diagramPodOfTrace({ from: 'world', to: 'shop/frontend-1' })).toBe('shop/frontend-1');
    expect(diagramPodOfTrace({ from: 'ip:10.0.0.1', to: 'shop/frontend-1' })).toBe('shop/frontend-1');
    expect(diagramPodOfTrace({ from: 'ip:10.0.0.1', to: 'ip:10.0.0.2' })).toBeUndefined();
  });

  it('redraws for the pod, its node, its node\'s pods and ENIs, objects on its paths and policies; not for others', () => {
    const touches = (kind: Parameters<typeof changeTouchesDiagram>[0]['kind'], key: string) => changeTouchesDiagram({ kind, key, type: 'modified' }, overview.watch, store);
    expect(touches('pod', 'shop/cart-78d4d6b5d-n4pww')).toBe(true);
    expect(touches('ciliumEndpoint', 'shop/cart-78d4d6b5d-n4pww')).toBe(true);
    expect(touches('node', 'ip-10-0-35-117.us-west-2.compute.internal')).toBe(true);
    expect(touches('node', 'ip-10-0-57-14.us-west-2.compute.internal')).toBe(false);
    expect(touches('pod', 'shop/frontend-5bbc558bcd-2vxgb')).toBe(true);
    expect(touches('pod', 'kube-system/coredns-6d8f9c7b5-4xq2m')).toBe(false);
    expect(touches('networkPolicy', 'NetworkPolicy/payments/default-deny-ingress')).toBe(true);
    expect(touches('eni', 'eni-0d70e2a365ef60bc1')).toBe(true);
  });
});

describe('the string SVG document', () => {
  it('escapes every text and attribute, and refuses odd names', () => {
    const doc = new StringSvgDocument();
    const g = doc.createElementNS(SVG_NS, 'g');
    g.setAttribute('aria-label', '"><script>alert(1)</script>');
    const t = doc.createElementNS(SVG_NS, 'text');
    t.textContent = '<img src=x onerror=alert(1)> & \u0007';
    g.appendChild(t);
    expect(g.serialize()).toBe('<g aria-label="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><text>&lt;img src=x onerror=alert(1)&gt; &amp; </text></g>');
    expect(() => g.setAttribute('onload x', '1')).toThrow();
    expect(() => doc.createElementNS('http://www.w3.org/1999/xhtml', 'script')).toThrow();
  });
});

describe('box text', () => {
  it('wraps a long title on two lines at a dash, and ellipsizes facts that do not fit', () => {
    const lines = wrapText('frontend-5bbc558bcd-2vxgb-with-a-much-longer-name-than-usual', 150, 'title', approximateTextMeasure);
    expect(lines).toHaveLength(2);
    expect(lines[0]?.text.endsWith('-')).toBe(true);
    expect(lines[1]?.truncated).toBe(true);
    expect(lines.every((l) => l.width <= 150)).toBe(true);
    const node: DiagramNode = { id: 'n', lane: 'eni', owner: 'vpc', title: 'leaves eth0', facts: [{ name: 'SG', value: 'eks-cluster-sg-shop-prod-1375406893, shop-prod-node, another-group', source: 'x' }], status: 'ok', details: [], refs: [], paths: [] };
    const box = nodeBox(node, approximateTextMeasure);
    const sg = box.lines.find((l) => l.name === 'SG');
    expect(sg?.truncated).toBe(true);
    expect(sg?.value?.endsWith('…')).toBe(true);
    expect((sg?.x ?? 0) + (sg?.width ?? 0)).toBeLessThanOrEqual(box.width);
  });
});
