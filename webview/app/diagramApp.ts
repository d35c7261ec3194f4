/**
 * The path diagram webview: takes the host's graph (`init`, `update`), lays it out with elkjs,
 * draws it as SVG, and offers zoom, fit and pan, a destination picker ("All paths" or one path), a
 * details pane per box, keyboard navigation and SVG/PNG export. Messages that no protocol guard
 * accepts are dropped.
 */
import { approximateTextMeasure, type MeasureText } from '../../src/core/analysis/diagram/textMetrics';
import type { ElkNodeLike } from '../../src/core/analysis/diagram/toElkGraph';
import { FlowOverlayMessage, InitMessage, UpdateMessage, type DestinationChoice, type DiagramFlowOverlay, type DiagramGraph, type DiagramRef, type FlowToggle, type ThemeKind } from '../../src/shared/protocol';
import { layoutDiagram, subjectNodeId, type ElkLayouter } from '../render/layoutDiagram';
import { renderDiagram } from '../render/renderDiagram';
import type { SvgDocumentLike } from '../render/svgDocument';
import { canvasMeasure } from './canvasMeasure';
import { DetailsPane } from './detailsPane';
import { exportSvgText, svgToPngBase64 } from './exportDiagram';
import { ARROW_KEYS, nearestBox, type BoxRect } from './keyboardNavigation';
import type { HostConnection } from './vscodeApi';
import { Viewport } from './viewport';

const ALL = 'all';

export class DiagramApp {
  private graph: DiagramGraph | undefined;
  private layout: ElkNodeLike | undefined;
  /** The graph `layout` is of. */
  private layoutGraph: DiagramGraph | undefined;
  private boxes = new Map<string, BoxRect>();
  private nodeElements = new Map<string, SVGGElement>();
  private laneTitles: SVGGElement | undefined;
  private choices: DestinationChoice[] = [];
  private selected = ALL;
  private title = '';
  private layoutSeq = 0;
  private measureText: MeasureText | undefined;
  private readonly titleEl: HTMLElement;
  private readonly select: HTMLElement & { value?: string };
  private readonly verdictEl: HTMLElement;
  private readonly zoomLevel: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly viewport: Viewport;
  private readonly details: DetailsPane;
  /** The view to keep when the next graph is the same diagram redrawn (a live update). */
  private keepViewFor: string | undefined;
  private overlay: DiagramFlowOverlay | undefined;
  private flowToggle: FlowToggle = { available: false, on: false, detail: 'waiting for the host' };
  private readonly flowButton: HTMLElement;
  private readonly flowStatus: HTMLElement;

  constructor(
    private readonly doc: Document,
    private readonly host: HostConnection,
    private readonly elk: ElkLayouter,
  ) {
    const root = doc.getElementById('app') ?? doc.body;
    root.classList.add('app');
    const toolbar = this.el('header', root, 'toolbar');
    toolbar.setAttribute('role', 'toolbar');
    toolbar.setAttribute('aria-label', 'Diagram');
    this.titleEl = this.el('span', toolbar, 'title');
    this.select = this.el('vscode-single-select', toolbar, 'destination');
    this.select.setAttribute('aria-label', 'Destination');
    this.select.addEventListener('change', () => this.onPick());
    this.verdictEl = this.el('span', toolbar, 'verdict');
    this.verdictEl.setAttribute('role', 'status');
    this.el('span', toolbar, 'spacer');
    this.button(toolbar, '−', 'Zoom out', 'zoom-out', () => this.viewport.zoomBy(1 / 1.2));
    this.zoomLevel = this.el('span', toolbar, 'zoom-level');
    this.button(toolbar, '+', 'Zoom in', 'zoom-in', () => this.viewport.zoomBy(1.2));
    this.button(toolbar, 'Fit', 'Fit the diagram to the window', 'fit', () => this.viewport.fit());
    this.flowButton = this.button(toolbar, 'Flow overlay', 'Show Hubble flow counts and drops on the diagram', 'flow-overlay', () => this.onToggleFlows());
    this.flowButton.setAttribute('aria-pressed', 'false');
    this.flowStatus = this.el('span', toolbar, 'flow-status');
    this.button(toolbar, 'Flows', "Observe this pod's Hubble flows", 'observe-flows', () => this.host.post({ type: 'observeFlows' }));
    this.button(toolbar, 'Export SVG', 'Save the diagram as SVG', 'export-svg', () => void this.exportSvg());
    this.button(toolbar, 'Export PNG', 'Save the diagram as PNG', 'export-png', () => void this.exportPng());
    this.notice = this.el('div', root, 'notice');
    this.notice.hidden = true;
    this.notice.setAttribute('role', 'status');
    const content = this.el('main', root, 'content');
    this.canvas = this.el('div', content, 'canvas');
    this.canvas.setAttribute('role', 'region');
    this.canvas.setAttribute('aria-label', 'Path diagram');
    this.canvas.tabIndex = -1;
    const aside = this.el('aside', content, 'details');
    aside.setAttribute('aria-label', 'Details');
    this.details = new DetailsPane(aside, {
      revealInTree: (ref) => this.host.post({ type: 'revealInTree', ref: refPayload(ref) }),
      openYaml: (ref) => this.host.post({ type: 'openYaml', ref: refPayload(ref) }),
      close: () => this.closeDetails(),
    });
    this.viewport = new Viewport(this.canvas);
    this.viewport.onChange = (v) => {
      this.zoomLevel.textContent = `${Math.round(v.scale * 100)}%`;
      // the lane titles stay at the top of the view
      const stuck = Math.max(0, v.y);
      this.laneTitles?.setAttribute('transform', `translate(0 ${Math.round(stuck * 100) / 100})`);
      this.laneTitles?.classList.toggle('stuck', stuck > 0);
    };
    this.canvas.addEventListener('click', (e) => {
      const badge = this.badgeEdgeOf(e.target);
      if (badge) {
        this.openEdgeDetails(badge);
        return;
      }
      const id = this.nodeIdOf(e.target);
      if (id) this.openDetails(id);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    // a box reached with Tab scrolls into view
    this.canvas.addEventListener('focusin', (e) => {
      const badge = this.badgeEdgeOf(e.target) ? (e.target as Element).querySelector?.('.flow-badge-box') : null;
      if (badge && 'getBBox' in badge) {
        const b = (badge as SVGGraphicsElement).getBBox();
        this.viewport.reveal({ x: b.x, y: b.y, width: b.width, height: b.height });
        return;
      }
      const id = this.nodeIdOf(e.target);
      const box = id ? this.boxes.get(id) : undefined;
      if (box) this.viewport.reveal(box);
    });
    const empty = this.el('div', this.canvas, 'empty');
    empty.textContent = 'Waiting for the diagram…';
  }

  /** Tells the host the webview can take its first message. */
  ready(): void {
    this.host.post({ type: 'ready' });
  }

  onMessage(data: unknown): void {
    if (InitMessage.is(data)) {
      this.setTheme(data.theme);
      this.setTitle(data.title);
      this.setChoices(data.choices, data.selected);
      this.setNotice(data.notice ?? '');
      if (data.flows) this.setFlowToggle(data.flows);
      this.setGraph(data.graph);
    } else if (FlowOverlayMessage.is(data)) {
      if (this.graph && data.graphTitle === this.graph.title && this.flowToggle.on) {
        this.overlay = data.overlay;
        this.keepViewFor = this.graph.title;
        this.redrawOverlay();
      }
    } else if (UpdateMessage.is(data)) {
      if (data.flows) this.setFlowToggle(data.flows);
      if (data.theme) this.setTheme(data.theme);
      if (data.title !== undefined) this.setTitle(data.title);
      if (data.choices || data.selected !== undefined) this.setChoices(data.choices ?? this.choices, data.selected ?? this.selected);
      if (data.notice !== undefined) this.setNotice(data.notice);
      if (data.graph) this.setGraph(data.graph);
    }
    // anything else is not part of the protocol: dropped
  }

  // ---------------------------------------------------------------- state

  private el<K extends keyof HTMLElementTagNameMap>(tag: K, parent: HTMLElement, cls: string): HTMLElementTagNameMap[K];
  private el(tag: string, parent: HTMLElement, cls: string): HTMLElement;
  private el(tag: string, parent: HTMLElement, cls: string): HTMLElement {
    const e = this.doc.createElement(tag);
    e.className = cls;
    parent.appendChild(e);
    return e;
  }

  private button(parent: HTMLElement, text: string, label: string, cls: string, onClick: () => void): HTMLElement {
    const b = this.el('vscode-button', parent, cls);
    b.setAttribute('secondary', '');
    b.setAttribute('aria-label', label);
    b.setAttribute('title', label);
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
  }

  /** The colours follow VS Code's CSS variables by themselves; high contrast also gets heavier lines. */
  private setTheme(theme: ThemeKind): void {
    this.doc.body.setAttribute('data-lens-theme', theme);
  }

  private setTitle(title: string): void {
    this.title = title;
    this.titleEl.textContent = title;
    this.titleEl.title = title;
  }

  private setNotice(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = text === '';
  }

  private setFlowToggle(toggle: FlowToggle): void {
    this.flowToggle = toggle;
    const b = this.flowButton as HTMLElement & { disabled?: boolean };
    b.toggleAttribute('disabled', !toggle.available);
    b.setAttribute('aria-pressed', String(toggle.on));
    b.classList.toggle('on', toggle.on);
    b.toggleAttribute('secondary', !toggle.on);
    b.setAttribute('title', toggle.available ? `${toggle.on ? 'Hide' : 'Show'} Hubble flow counts and drops on the diagram (${toggle.detail})` : `No flow overlay: ${toggle.detail}`);
    // why there is no overlay, next to the toggle
    this.flowStatus.textContent = toggle.available ? '' : shortReason(toggle.detail);
    this.flowStatus.title = toggle.detail;
    if (!toggle.on && this.overlay) {
      this.overlay = undefined;
      this.keepViewFor = this.graph?.title;
      this.redrawOverlay();
    }
  }

  /** The overlay does not move boxes: the same layout is drawn again, unless a new graph is being laid out. */
  private redrawOverlay(): void {
    if (this.layout && this.layoutGraph === this.graph) this.redraw(true);
    else void this.relayout();
  }

  private onToggleFlows(): void {
    if (!this.flowToggle.available) return;
    this.host.post({ type: 'toggleFlows', on: !this.flowToggle.on });
  }

  private setChoices(choices: DestinationChoice[], selected: string): void {
    this.choices = choices;
    this.selected = selected;
    // each path with its policy verdict, so a deny is seen before it is picked
    const options = [{ id: ALL, label: 'All paths' }, ...choices.map((c) => ({ id: c.id, label: `${c.label} — ${c.verdict}` }))];
    this.select.replaceChildren(
      ...options.map((c) => {
        const o = this.doc.createElement('vscode-option');
        o.setAttribute('value', c.id);
        o.textContent = c.label;
        if (c.id === selected) o.setAttribute('selected', '');
        return o;
      }),
    );
    if ('value' in this.select) this.select.value = selected;
  }

  private onPick(): void {
    const value = this.select.value;
    if (typeof value !== 'string' || value === this.selected) return;
    this.selected = value;
    this.host.post({ type: 'pickDestination', destination: value });
  }

  private setGraph(graph: DiagramGraph): void {
    const same = this.graph !== undefined && this.graph.kind === graph.kind && this.graph.subject === graph.subject && this.graph.title === graph.title;
    this.keepViewFor = same ? graph.title : undefined;
    // an overlay is of one graph's edges: the host sends the new graph's next
    if (!same) this.overlay = undefined;
    this.graph = graph;
    const verdict = graph.kind === 'path' ? graph.paths[0]?.verdict : undefined;
    this.verdictEl.className = `verdict${verdict ? ` verdict-${verdict}` : ''}`;
    this.verdictEl.textContent = verdict ? `verdict: ${verdict.toUpperCase()}` : `${graph.paths.length} paths`;
    void this.relayout();
  }

  private measure(): MeasureText {
    if (!this.measureText) {
      const family = this.doc.defaultView?.getComputedStyle(this.canvas).fontFamily || 'sans-serif';
      this.measureText = canvasMeasure(this.doc, family);
    }
    return this.measureText;
  }

  private async relayout(): Promise<void> {
    const graph = this.graph;
    if (!graph) return;
    const seq = ++this.layoutSeq;
    let layout: ElkNodeLike;
    try {
      layout = await layoutDiagram(this.elk, graph, this.measure());
    } catch (err) {
      this.setNotice(`The diagram could not be laid out: ${(err as Error)?.message ?? String(err)}`);
      return;
    }
    if (seq !== this.layoutSeq) return;
    this.layout = layout;
    this.layoutGraph = graph;
    this.redraw(this.keepViewFor === graph.title);
  }

  private redraw(keepView: boolean): void {
    const graph = this.graph;
    const layout = this.layout;
    if (!graph || !layout) return;
    const previous = keepView ? this.viewport.view : undefined;
    const openId = this.details.nodeId;
    const openEdge = this.details.edgeId;
    const focusedId = this.nodeIdOf(this.doc.activeElement);
    const focusedBadge = this.badgeEdgeOf(this.doc.activeElement);
    const overlay = this.overlay;
    const rendered = renderDiagram(this.doc as unknown as SvgDocumentLike<SVGElement>, graph, layout, { measure: this.measure(), interactive: true, idPrefix: 'cni', ...(overlay ? { overlay } : {}) });
    const svg = rendered.svg as SVGSVGElement;
    this.canvas.replaceChildren(svg);
    this.nodeElements = rendered.nodes as Map<string, SVGGElement>;
    this.laneTitles = rendered.laneTitles as SVGGElement;
    this.boxes = new Map([...rendered.boxes].map(([id, b]) => [id, { id, ...b }]));
    this.viewport.attach(svg, rendered.width, rendered.height);
    if (previous) this.viewport.restore(previous);
    else {
      const subject = subjectNodeId(graph);
      const box = subject ? this.boxes.get(subject) : undefined;
      this.viewport.initial(box ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : undefined);
    }
    if (openId && graph.nodes.some((n) => n.id === openId)) this.openDetails(openId, false);
    else if (openEdge && this.overlay?.edges.some((e) => e.edge === openEdge && e.badge)) this.openEdgeDetails(openEdge);
    else this.closeDetails(false);
    if (focusedId) this.nodeElements.get(focusedId)?.focus({ preventScroll: true });
    else if (focusedBadge) Array.from(this.canvas.querySelectorAll<SVGGElement>('.flow-badge')).find((b) => b.getAttribute('data-edge-id') === focusedBadge)?.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- interaction

  private nodeIdOf(target: EventTarget | Element | null): string | undefined {
    const el = target as Element | null;
    const node = el && typeof el.closest === 'function' ? el.closest('.node') : null;
    return node?.getAttribute('data-node-id') ?? undefined;
  }

  private badgeEdgeOf(target: EventTarget | null): string | undefined {
    const el = target as Element | null;
    const badge = el && typeof el.closest === 'function' ? el.closest('.flow-badge') : null;
    return badge?.getAttribute('data-edge-id') ?? undefined;
  }

  /** The details of an edge's flows (from its badge). */
  private openEdgeDetails(edgeId: string): void {
    const flows = this.overlay?.edges.find((e) => e.edge === edgeId);
    if (!flows || !this.graph || !this.overlay) return;
    for (const el of this.nodeElements.values()) el.classList.remove('selected');
    for (const b of Array.from(this.canvas.querySelectorAll('.flow-badge'))) b.classList.toggle('selected', b.getAttribute('data-edge-id') === edgeId);
    this.details.showEdge(flows, this.graph, this.overlay);
  }

  private openDetails(id: string, notify = true): void {
    const node = this.graph?.nodes.find((n) => n.id === id);
    if (!node || !this.graph) return;
    for (const [nid, el] of this.nodeElements) el.classList.toggle('selected', nid === id);
    for (const b of Array.from(this.canvas.querySelectorAll('.flow-badge.selected'))) b.classList.remove('selected');
    this.details.show(node, this.graph, this.overlay);
    if (notify) this.host.post({ type: 'selectNode', nodeId: id });
  }

  private closeDetails(returnFocus = true): void {
    const id = this.details.nodeId;
    this.details.hide();
    for (const el of this.nodeElements.values()) el.classList.remove('selected');
    if (returnFocus && id) this.nodeElements.get(id)?.focus({ preventScroll: true });
  }

  private onKey(e: KeyboardEvent): void {
    const badge = this.badgeEdgeOf(e.target);
    if (badge && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      this.openEdgeDetails(badge);
      return;
    }
    const id = this.nodeIdOf(e.target);
    if (id && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      this.openDetails(id);
      return;
    }
    const direction = ARROW_KEYS[e.key];
    if (direction) {
      e.preventDefault();
      const from = id ? this.boxes.get(id) : undefined;
      const next = from ? nearestBox(from, [...this.boxes.values()], direction) : [...this.boxes.values()][0];
      if (next) this.nodeElements.get(next.id)?.focus({ preventScroll: true });
      return;
    }
    if (e.key === 'Escape' && this.details.nodeId) {
      e.preventDefault();
      this.closeDetails();
    } else if (e.key === '+' || e.key === '=') this.viewport.zoomBy(1.2);
    else if (e.key === '-') this.viewport.zoomBy(1 / 1.2);
    else if (e.key === '0') this.viewport.fit();
  }

  // ---------------------------------------------------------------- export

  private async standalone(): Promise<{ svg: string; width: number; height: number } | undefined> {
    const graph = this.graph;
    if (!graph) return undefined;
    // the fixed palette names Arial first: lay out with its metrics, as the CLI does
    const overlay = this.overlay;
    const layout = await layoutDiagram(this.elk, graph, approximateTextMeasure);
    return exportSvgText(graph, layout, approximateTextMeasure, this.title, overlay);
  }

  private async exportSvg(): Promise<void> {
    const out = await this.standalone();
    if (out) this.host.post({ type: 'exportSvg', svg: out.svg });
  }

  private async exportPng(): Promise<void> {
    const out = await this.standalone();
    if (!out) return;
    try {
      this.host.post({ type: 'exportPng', png: await svgToPngBase64(this.doc, out.svg, out.width, out.height) });
    } catch (err) {
      this.setNotice(`PNG export failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}

/** `Hubble not installed: …` → `Hubble not installed`: the toolbar's short form; the title has the rest. */
function shortReason(detail: string): string {
  const head = detail.split(/[:(]/, 1)[0]?.trim() ?? detail;
  return head.length > 48 ? `${head.slice(0, 47)}…` : head;
}

function refPayload(ref: DiagramRef): { kind: string; key: string } {
  return { kind: ref.kind, key: ref.key };
}
