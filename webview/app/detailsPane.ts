/**
 * The details of a box: its facts with where each came from, the policy verdict per path at an
 * enforcement point, every hop behind the box, and buttons to reveal its objects in the tree or open
 * their YAML. Built from `@vscode-elements` components; every cluster string goes in via textContent.
 */
import type { HopKind } from '../../src/core/analysis/datapath/datapathTypes';
import { DIAGRAM_LANES, OWNER_LABELS } from '../../src/core/analysis/diagram/diagramTypes';
import { flowLegendText } from '../../src/core/analysis/diagram/flowOverlayText';
import type { DiagramFact, DiagramFlowOverlay, DiagramGraph, DiagramNode, DiagramRef, FlowCounts, OverlayDrop } from '../../src/shared/protocol';

export interface DetailsActions {
  revealInTree(ref: DiagramRef): void;
  openYaml(ref: DiagramRef): void;
  close(): void;
}

const HOP_KINDS: Readonly<Record<HopKind, string>> = {
  'socket-lb': 'Cilium socket LB',
  'pod-interface': 'pod eth0',
  'host-veth': 'host veth',
  'service-translation': 'Service translation',
  'cilium-egress': 'Cilium egress (cil_from_container)',
  'host-stack': 'node network namespace',
  'host-routing': 'ip rule and route table',
  snat: 'SNAT (AWS-SNAT-CHAIN-0)',
  'eni-egress': 'leaves an ENI',
  'vpc-route': 'VPC route table',
  'nat-gateway': 'NAT gateway',
  'load-balancer': 'load balancer',
  'eni-ingress': 'arrives on an ENI',
  'cilium-ingress': 'Cilium ingress (cil_to_container)',
  destination: 'destination',
};

/** Kinds the host can show in a tree view. */
const REVEALABLE: ReadonlySet<string> = new Set(['pod', 'node', 'eni', 'ciliumEndpoint']);

export class DetailsPane {
  private current: string | undefined;
  /** The edge whose flows the pane shows (from its badge). */
  private currentEdge: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly actions: DetailsActions,
  ) {
    root.hidden = true;
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.actions.close();
      }
    });
  }

  get nodeId(): string | undefined {
    return this.root.hidden ? undefined : this.current;
  }

  get edgeId(): string | undefined {
    return this.root.hidden ? undefined : this.currentEdge;
  }

  hide(): void {
    this.root.hidden = true;
    this.current = undefined;
    this.currentEdge = undefined;
  }

  /** The flows of one edge: counts by direction, the top drop reasons with the deciding rules. */
  showEdge(flows: FlowCounts & { edge: string; drops: OverlayDrop[] }, graph: DiagramGraph, overlay: DiagramFlowOverlay): void {
    this.current = undefined;
    this.currentEdge = flows.edge;
    const doc = this.root.ownerDocument;
    this.root.replaceChildren();
    this.root.hidden = false;
    const edge = graph.edges.find((e) => e.id === flows.edge);
    const title = (id: string | undefined) => graph.nodes.find((n) => n.id === id)?.title ?? id ?? '?';
    const header = doc.createElement('div');
    header.className = 'details-header';
    const h = doc.createElement('h2');
    h.className = 'details-title';
    h.id = 'details-title';
    h.textContent = `${title(edge?.from)} → ${title(edge?.to)}`;
    this.root.setAttribute('aria-labelledby', 'details-title');
    const close = doc.createElement('vscode-button');
    close.textContent = 'Close';
    close.setAttribute('secondary', '');
    close.className = 'details-close';
    close.addEventListener('click', () => this.actions.close());
    header.append(h, close);
    this.root.appendChild(header);
    if (edge && graph.paths.length > 1) {
      const p = doc.createElement('p');
      p.className = 'details-subtitle';
      p.textContent = `On ${edge.paths.map((id) => graph.paths.find((x) => x.id === id)?.label ?? id).join('; ')}`;
      this.root.appendChild(p);
    }
    this.flows(flows, graph, overlay);
  }

  /** The Hubble flows section: counts by direction, then the drops. */
  private flows(c: FlowCounts & { drops: OverlayDrop[] }, graph: DiagramGraph, overlay: DiagramFlowOverlay): void {
    const el = this.append;
    const section = el('section', this.root, undefined, 'details-flows');
    el('h3', section, 'Hubble flows');
    el('p', section, flowLegendText(overlay), 'source');
    const dl = el('dl', section, undefined, 'facts flow-counts');
    const row = (name: string, value: string) => {
      el('dt', dl, name);
      el('dd', dl, value);
    };
    row('forwarded', `${c.forwarded} (egress ${c.egress.forwarded}, ingress ${c.ingress.forwarded})`);
    row('dropped', `${c.dropped} (egress ${c.egress.dropped}, ingress ${c.ingress.dropped})`);
    const pathLabel = (id: string) => graph.paths.find((p) => p.id === id)?.label ?? id;
    for (const d of c.drops) {
      const box = el('div', section, undefined, 'verdict-row verdict-deny flow-drop-row');
      el('div', box, `${d.reason} ×${d.count}${d.direction ? ` (${d.direction})` : ''}`, 'verdict-head');
      el('p', box, d.explanation, 'verdict-reason');
      if (d.destination) el('p', box, `for ${d.destination}, which ${graph.paths.length > 1 ? `"${pathLabel(d.path)}"` : 'this path'} stands for`, 'source');
      for (const r of d.rules) {
        const rule = el('div', box, undefined, 'verdict-rule');
        el('code', rule, r.text);
        if (r.location) el('span', rule, ` ${r.location}`, 'source');
      }
      for (const n of d.notes) el('p', box, n, 'source');
      el('p', box, `last ${d.last}`, 'source');
    }
  }

  show(node: DiagramNode, graph: DiagramGraph, overlay?: DiagramFlowOverlay): void {
    this.current = node.id;
    this.currentEdge = undefined;
    const doc = this.root.ownerDocument;
    const el = this.append;
    const custom = (tag: string, parent: HTMLElement, text?: string): HTMLElement => {
      const e = doc.createElement(tag);
      if (text !== undefined) e.textContent = text;
      parent.appendChild(e);
      return e;
    };
    this.root.replaceChildren();
    this.root.hidden = false;

    const header = el('div', this.root, undefined, 'details-header');
    const title = el('h2', header, node.title, 'details-title');
    title.id = 'details-title';
    this.root.setAttribute('aria-labelledby', 'details-title');
    const close = custom('vscode-button', header, 'Close');
    close.setAttribute('secondary', '');
    close.className = 'details-close';
    close.addEventListener('click', () => this.actions.close());
    if (node.subtitle) el('p', this.root, node.subtitle, 'details-subtitle');

    const badges = el('div', this.root, undefined, 'details-badges');
    custom('vscode-badge', badges, DIAGRAM_LANES.find((l) => l.lane === node.lane)?.title ?? node.lane);
    custom('vscode-badge', badges, OWNER_LABELS[node.owner]);
    if (node.status !== 'ok') custom('vscode-badge', badges, node.status === 'drop' ? 'dropped' : node.status === 'unknown' ? 'facts missing' : 'absent');
    if (node.blocked) custom('vscode-badge', badges, 'not reached');
    if (node.statusReason) el('p', this.root, node.statusReason, `details-reason status-${node.status}`);

    const pathLabel = (id: string) => graph.paths.find((p) => p.id === id)?.label ?? id;
    if (node.verdict) {
      el('h3', this.root, `Policy verdict (${node.verdict.direction})`);
      for (const v of node.verdict.byPath) {
        const row = el('div', this.root, undefined, `verdict-row verdict-${v.verdict}`);
        el('div', row, `${v.verdict.toUpperCase()}${graph.paths.length > 1 ? ` — ${pathLabel(v.path)}` : ''}`, 'verdict-head');
        if (v.reason) el('p', row, v.reason, 'verdict-reason');
        for (const r of v.rules) {
          const rule = el('div', row, undefined, 'verdict-rule');
          el('code', rule, r.text);
          if (r.location) el('span', rule, ` ${r.location}`, 'source');
        }
      }
    }

    const flows = overlay?.nodes.find((f) => f.node === node.id);
    if (flows && overlay) this.flows(flows, graph, overlay);

    if (node.facts.length > 0) {
      el('h3', this.root, 'Facts');
      this.facts(node.facts, this.root);
    }

    el('h3', this.root, node.details.length === 1 ? 'Hop' : `Hops (${node.details.length})`);
    node.details.forEach((d, i) => {
      const c = custom('vscode-collapsible', this.root);
      c.setAttribute('heading', HOP_KINDS[d.kind] ?? d.kind);
      c.setAttribute('description', `${OWNER_LABELS[d.owner] ?? d.owner}${d.status !== 'ok' ? ` · ${d.status}` : ''}${d.dropsPacket ? ' · packet dropped here' : d.reached === false ? ' · not reached' : ''}`);
      if (i === 0) c.setAttribute('open', '');
      const body = el('div', c, undefined, 'hop-body');
      el('p', body, d.text, 'hop-text');
      if (d.dropsPacket) el('p', body, `The packet is dropped here: ${d.dropsPacket}.`, 'details-reason');
      else if (d.reached === false) el('p', body, 'Not reached: the packet is dropped before this hop.', 'details-reason');
      if (d.reason) el('p', body, `${d.status === 'absent' ? 'Why' : 'Missing'}: ${d.reason}`, 'details-reason');
      if (d.facts.length > 0) this.facts(d.facts, body);
      el('p', body, `datapath.md ${d.ref}${graph.paths.length > 1 ? ` · ${d.paths.map(pathLabel).join('; ')}` : ''}`, 'source');
    });

    if (graph.paths.length > 1) {
      el('h3', this.root, 'On paths');
      const ul = el('ul', this.root, undefined, 'details-paths');
      for (const p of node.paths) el('li', ul, pathLabel(p));
    }

    if (node.refs.length > 0) {
      el('h3', this.root, 'Objects');
      for (const ref of node.refs) {
        const row = el('div', this.root, undefined, 'ref-row');
        el('span', row, ref.label, 'ref-label');
        const buttons = el('div', row, undefined, 'ref-buttons');
        if (REVEALABLE.has(ref.kind)) {
          const b = custom('vscode-button', buttons, 'Reveal in tree');
          b.setAttribute('secondary', '');
          b.addEventListener('click', () => this.actions.revealInTree(ref));
        }
        const y = custom('vscode-button', buttons, 'Open YAML');
        y.setAttribute('secondary', '');
        y.addEventListener('click', () => this.actions.openYaml(ref));
      }
    }
  }

  /** A new `tag` element appended to `parent`, with its text and class. */
  private readonly append = <K extends keyof HTMLElementTagNameMap>(tag: K, parent: HTMLElement, text?: string, cls?: string): HTMLElementTagNameMap[K] => {
    const e = parent.ownerDocument.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    parent.appendChild(e);
    return e;
  };

  /** Moves the keyboard focus into the pane (its close button). */
  focus(): void {
    (this.root.querySelector('.details-close') as HTMLElement | null)?.focus();
  }

  private facts(facts: readonly DiagramFact[], parent: HTMLElement): void {
    const doc = parent.ownerDocument;
    const dl = doc.createElement('dl');
    dl.className = 'facts';
    for (const f of facts) {
      const dt = doc.createElement('dt');
      dt.textContent = f.name || 'id';
      const dd = doc.createElement('dd');
      const value = doc.createElement('span');
      value.className = 'fact-value';
      value.textContent = f.detail ? `${f.value} (${f.detail})` : f.value;
      const source = doc.createElement('span');
      source.className = 'source';
      source.textContent = f.source;
      dd.append(value, source);
      dl.append(dt, dd);
    }
    parent.appendChild(dl);
  }
}
