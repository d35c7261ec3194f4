/**
 * The details of a box: its facts with where each came from, the policy verdict per path at an
 * enforcement point, every hop behind the box, and buttons to reveal its objects in the tree or open
 * their YAML. Built from `@vscode-elements` components; every cluster string goes in via textContent.
 */
import type { HopKind } from '../../src/core/analysis/datapath/datapathTypes';
import { DIAGRAM_LANES, OWNER_LABELS } from '../../src/core/analysis/diagram/diagramTypes';
import type { DiagramFact, DiagramGraph, DiagramNode, DiagramRef } from '../../src/shared/protocol';

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

  hide(): void {
    this.root.hidden = true;
    this.current = undefined;
  }

  show(node: DiagramNode, graph: DiagramGraph): void {
    this.current = node.id;
    const doc = this.root.ownerDocument;
    const el = <K extends keyof HTMLElementTagNameMap>(tag: K, parent: HTMLElement, text?: string, cls?: string): HTMLElementTagNameMap[K] => {
      const e = doc.createElement(tag);
      if (text !== undefined) e.textContent = text;
      if (cls) e.className = cls;
      parent.appendChild(e);
      return e;
    };
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
