/**
 * Draws a laid-out diagram as SVG through a minimal document interface: lane bands with their titles,
 * boxes coloured by owner (lines from `nodeBox`, so what was measured is what is drawn), edges along
 * ELK's orthogonal routes with arrowheads, status styles (unknown dashed, drop red with ✕, absent
 * dotted, not reached faded), verdict badges at enforcement points, and a legend. Text goes in
 * through `textContent` only. No DOM dependency: the webview passes `document`, the CLI a
 * `StringSvgDocument`.
 */
import { DIAGRAM_LANES, OWNER_LABELS, type DiagramEdge, type DiagramGraph, type DiagramLane, type DiagramLegendEntry, type DiagramNode } from '../../src/core/analysis/diagram/diagramTypes';
import type { DiagramFlowOverlay, EdgeFlows } from '../../src/core/analysis/diagram/flowOverlay';
import { flowBadgeText, flowLegendText } from '../../src/core/analysis/diagram/flowOverlayText';
import { BOX, baselineIn, verdictBadgeText, type NodeBox } from '../../src/core/analysis/diagram/nodeBox';
import type { MeasureText } from '../../src/core/analysis/diagram/textMetrics';
import { graphNodeBox, LANE_TITLE_SPACE, type ElkNodeLike, type ElkPointLike } from '../../src/core/analysis/diagram/toElkGraph';
import { SVG_NS, type SvgDocumentLike, type SvgElementLike } from './svgDocument';

export interface RenderOptions {
  measure: MeasureText;
  /** Makes boxes focusable buttons with ARIA labels (the webview). */
  interactive?: boolean;
  /** A stylesheet to embed (the standalone SVG). */
  css?: string;
  /** A title block above the diagram (the standalone SVG). */
  header?: { title: string; subtitle?: string };
  /** Prefix of ids inside the SVG (markers), so two diagrams on one page do not clash. */
  idPrefix?: string;
  /** Hubble flows on the edges and boxes. */
  overlay?: DiagramFlowOverlay;
}

export interface RenderedDiagram<E> {
  svg: E;
  width: number;
  height: number;
  /** The group of each box, by node id. */
  nodes: Map<string, E>;
  /** Where each box is, in SVG user units. */
  boxes: Map<string, { x: number; y: number; width: number; height: number }>;
  /** The strip of lane titles (the webview keeps it at the top of the view). */
  laneTitles: E;
}

interface LaidOutNode extends Rect {
  node: DiagramNode;
  box: NodeBox;
}

const LEGEND_ROW = 24;
const HEADER_HEIGHT = 52;

function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}

class Drawer<E extends SvgElementLike> {
  constructor(private readonly doc: SvgDocumentLike<E>) {}

  el(parent: E | undefined, tag: string, attrs: Record<string, string | number> = {}, text?: string): E {
    const e = this.doc.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, typeof v === 'number' ? round(v) : v);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e as never);
    return e;
  }
}

/** One line of the accessible name of a box: what a screen reader says for it. */
export function nodeAriaLabel(node: DiagramNode): string {
  const lane = DIAGRAM_LANES.find((l) => l.lane === node.lane)?.title ?? node.lane;
  const parts = [node.title, node.subtitle, `${lane}, ${OWNER_LABELS[node.owner]}`, ...node.facts.map((f) => (f.name ? `${f.name} ${f.value}` : f.value))];
  if (node.verdict) parts.push(verdictBadgeText(node.verdict), ...node.verdict.byPath.flatMap((v) => v.rules.map((r) => `by ${r.text}`)));
  if (node.status !== 'ok') parts.push(`status ${node.status}${node.statusReason ? `: ${node.statusReason}` : ''}`);
  if (node.blocked) parts.push('not reached: the packet is dropped before it gets here');
  return parts.filter(Boolean).join('. ');
}

function pointsOf(section: { startPoint: ElkPointLike; endPoint: ElkPointLike; bendPoints?: ElkPointLike[] }): ElkPointLike[] {
  return [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
}

/** The middle of the longest segment: where a drop mark on an edge goes. */
function longestSegmentMiddle(points: readonly ElkPointLike[]): ElkPointLike {
  let best = { x: points[0]?.x ?? 0, y: points[0]?.y ?? 0 };
  let bestLength = -1;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as ElkPointLike;
    const b = points[i] as ElkPointLike;
    const length = Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
    if (length > bestLength) {
      bestLength = length;
      best = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    }
  }
  return best;
}

interface LegendItem {
  entry: DiagramLegendEntry;
  width: number;
}

export function renderDiagram<E extends SvgElementLike>(doc: SvgDocumentLike<E>, graph: DiagramGraph, layout: ElkNodeLike, options: RenderOptions): RenderedDiagram<E> {
  const d = new Drawer(doc);
  const { measure } = options;
  const prefix = options.idPrefix ?? 'cni';
  const positions = new Map((layout.children ?? []).map((c) => [c.id, c]));
  const laid: LaidOutNode[] = graph.nodes.flatMap((node) => {
    const p = positions.get(node.id);
    if (!p) return [];
    const box = graphNodeBox(graph, node, measure);
    return [{ node, box, x: p.x ?? 0, y: p.y ?? 0, width: p.width ?? box.width, height: p.height ?? box.height }];
  });
  const contentWidth = Math.max(layout.width ?? 0, ...laid.map((n) => n.x + n.width + 24));
  const contentHeight = Math.max(layout.height ?? 0, ...laid.map((n) => n.y + n.height + 24));

  // legend: wrapped rows under the diagram
  const legendItems: LegendItem[] = graph.legend.map((entry) => ({ entry, width: legendItemWidth(entry, measure) }));
  const legendLabel = 'Legend';
  const legendLabelWidth = measure(legendLabel, 'legend').width + 14;
  const legendMax = Math.max(contentWidth - 48, 560);
  const rows: LegendItem[][] = [[]];
  let rowWidth = legendLabelWidth;
  for (const item of legendItems) {
    if (rowWidth + item.width > legendMax && (rows[rows.length - 1] as LegendItem[]).length > 0) {
      rows.push([]);
      rowWidth = legendLabelWidth;
    }
    (rows[rows.length - 1] as LegendItem[]).push(item);
    rowWidth += item.width;
  }
  const overlay = options.overlay;
  const flowLine = overlay ? flowLegendText(overlay) : undefined;
  const legendHeight = (legendItems.length > 0 ? rows.length * LEGEND_ROW + 12 : 0) + (flowLine ? LEGEND_ROW + (legendItems.length > 0 ? 0 : 12) : 0);
  const legendWidth = Math.max(0, ...rows.map((r) => legendLabelWidth + r.reduce((s, i) => s + i.width, 0) + 48), flowLine ? legendLabelWidth + measure(flowLine, 'legend').width + 48 : 0);
  const headerHeight = options.header ? HEADER_HEIGHT : 0;
  const width = Math.ceil(Math.max(contentWidth, legendWidth, options.header ? measure(options.header.title, 'header').width + 48 : 0));
  const height = Math.ceil(headerHeight + contentHeight + legendHeight);

  const svg = d.el(undefined, 'svg', {
    xmlns: SVG_NS,
    class: 'cni-diagram',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: options.interactive ? 'group' : 'img',
    'aria-label': `${graph.kind === 'overview' ? 'Paths diagram' : 'Path diagram'}: ${graph.title}`,
  });
  if (options.css !== undefined) d.el(svg, 'style', {}, options.css);
  const defs = d.el(svg, 'defs');
  for (const status of ['ok', 'unknown', 'drop', 'blocked'] as const) {
    const marker = d.el(defs, 'marker', { id: `${prefix}-arrow-${status}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 10, markerHeight: 10, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' });
    d.el(marker, 'path', { d: 'M0,0.5 L10,5 L0,9.5 z', class: `arrow arrow-${status}` });
  }
  d.el(svg, 'rect', { class: 'background', x: 0, y: 0, width, height });

  if (options.header) {
    const h = d.el(svg, 'g', { class: 'header' });
    d.el(h, 'text', { class: 'header-title', x: 24, y: baselineIn(10, 'header') }, options.header.title);
    if (options.header.subtitle) d.el(h, 'text', { class: 'header-subtitle', x: 24, y: baselineIn(31, 'subtitle') }, options.header.subtitle);
  }

  const body = d.el(svg, 'g', { class: 'diagram', transform: `translate(0 ${headerHeight})` });
  const bands = laneBands(graph, laid, contentWidth);
  drawLaneBands(d, body, bands, contentHeight);

  const edgeLayer = d.el(body, 'g', { class: 'edges' });
  const edgesById = new Map(graph.edges.map((e) => [e.id, e]));
  const flowsByEdge = new Map((overlay?.edges ?? []).map((e) => [e.edge, e]));
  const badgeSpots: Array<{ flows: EdgeFlows; sections: ElkPointLike[][] }> = [];
  for (const le of layout.edges ?? []) {
    const edge = edgesById.get(le.id);
    if (!edge || !le.sections?.length) continue;
    const flows = flowsByEdge.get(edge.id);
    drawEdge(d, edgeLayer, edge, le.sections.map(pointsOf), prefix, flows);
    if (flows?.badge) badgeSpots.push({ flows, sections: le.sections.map(pointsOf) });
  }

  const nodeLayer = d.el(body, 'g', { class: 'nodes' });
  const nodes = new Map<string, E>();
  const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
  // boxes in reading order (lane, then top to bottom), so Tab walks the diagram left to right
  const laneOrder = (n: LaidOutNode) => DIAGRAM_LANES.findIndex((l) => l.lane === n.node.lane);
  const order = [...laid].sort((a, b) => laneOrder(a) - laneOrder(b) || a.y - b.y);
  const dropBoxes = new Set((overlay?.nodes ?? []).filter((f) => f.dropped > 0).map((f) => f.node));
  for (const n of order) {
    nodes.set(n.node.id, drawNode(d, nodeLayer, n, options.interactive === true, dropBoxes.has(n.node.id)));
    boxes.set(n.node.id, { x: n.x, y: n.y + headerHeight, width: n.width, height: n.height });
  }

  if (badgeSpots.length > 0) {
    const badgeLayer = d.el(body, 'g', { class: 'flow-badges' });
    const taken: Rect[] = laid.map((n) => ({ x: n.x, y: n.y, width: n.width, height: n.height }));
    // the ✕ marks of predicted drops stay visible
    for (const le of layout.edges ?? []) {
      if (edgesById.get(le.id)?.status !== 'drop' || !le.sections?.length) continue;
      const m = longestSegmentMiddle(le.sections.flatMap(pointsOf));
      taken.push({ x: m.x - 9, y: m.y - 9, width: 18, height: 18 });
    }
    // drops first: they get the best places
    badgeSpots.sort((a, b) => b.flows.dropped - a.flows.dropped);
    for (const spot of badgeSpots) {
      const text = flowBadgeText(spot.flows);
      const size = { width: Math.ceil(measure(text, 'badge').width) + 2 * BADGE_PAD_X, height: BOX.badgeHeight };
      const at = badgePlace(spot.sections, size, taken, contentWidth, contentHeight);
      taken.push(at);
      drawFlowBadge(d, badgeLayer, spot.flows, at, options.interactive === true, graph);
    }
  }

  const laneTitles = drawLaneTitles(d, body, bands, contentWidth);

  if (legendItems.length > 0) drawLegend(d, svg, rows, legendLabel, headerHeight + contentHeight, legendLabelWidth, measure);
  if (flowLine) {
    const y = headerHeight + contentHeight + (legendItems.length > 0 ? rows.length * LEGEND_ROW : 0) + 4;
    const g = d.el(svg, 'g', { class: 'legend flow-legend' });
    d.el(g, 'text', { class: 'legend-title', x: 24, y: baselineIn(y + 4, 'legend') }, 'Flows');
    d.el(g, 'text', { class: 'legend-text flow-legend-text', x: 24 + legendLabelWidth, y: baselineIn(y + 4, 'legend') }, flowLine);
  }
  return { svg, width, height, nodes, boxes, laneTitles };
}

interface LaneBand {
  lane: DiagramLane;
  title: string;
  left: number;
  right: number;
  parity: 'even' | 'odd';
}

/** Lane bands: from half-way to the previous lane's boxes to half-way to the next lane's. */
function laneBands(graph: DiagramGraph, laid: readonly LaidOutNode[], width: number): LaneBand[] {
  const extents = graph.lanes
    .map((l) => {
      const inLane = laid.filter((n) => n.node.lane === l.lane);
      return { lane: l.lane as DiagramLane, title: l.title, min: Math.min(...inLane.map((n) => n.x)), max: Math.max(...inLane.map((n) => n.x + n.width)) };
    })
    .filter((e) => Number.isFinite(e.min))
    .sort((a, b) => a.min - b.min);
  return extents.map((e, i) => {
    const prev = extents[i - 1];
    const next = extents[i + 1];
    return { lane: e.lane, title: e.title, left: prev ? (prev.max + e.min) / 2 : 0, right: next ? (e.max + next.min) / 2 : width, parity: i % 2 === 0 ? 'even' : 'odd' };
  });
}

function drawLaneBands<E extends SvgElementLike>(d: Drawer<E>, parent: E, bands: readonly LaneBand[], height: number): void {
  const layer = d.el(parent, 'g', { class: 'lanes' });
  for (const b of bands) d.el(layer, 'rect', { class: `lane-band lane-${b.parity}`, 'data-lane': b.lane, x: b.left, y: 0, width: b.right - b.left, height });
}

/**
 * The lane titles, above the boxes and edges: an opaque strip, so the webview can keep it at the top
 * of the view while the diagram scrolls under it.
 */
function drawLaneTitles<E extends SvgElementLike>(d: Drawer<E>, parent: E, bands: readonly LaneBand[], width: number): E {
  const layer = d.el(parent, 'g', { class: 'lane-titles' });
  d.el(layer, 'rect', { class: 'background lane-title-strip', x: 0, y: 0, width, height: LANE_TITLE_SPACE });
  for (const b of bands) {
    d.el(layer, 'rect', { class: `lane-band lane-${b.parity}`, x: b.left, y: 0, width: b.right - b.left, height: LANE_TITLE_SPACE });
    d.el(layer, 'text', { class: 'lane-title', 'data-lane': b.lane, x: (b.left + b.right) / 2, y: baselineIn((LANE_TITLE_SPACE - 18) / 2 + 4, 'lane'), 'text-anchor': 'middle' }, b.title);
  }
  d.el(layer, 'path', { class: 'lane-title-rule', d: `M0 ${LANE_TITLE_SPACE} H${width}` });
  return layer;
}

function drawEdge<E extends SvgElementLike>(d: Drawer<E>, parent: E, edge: DiagramEdge, sections: ElkPointLike[][], prefix: string, flows?: EdgeFlows): void {
  const g = d.el(parent, 'g', { class: `edge-group edge-group-${edge.status}${flows && flows.dropped > 0 ? ' flow-drop' : ''}`, 'data-edge-id': edge.id, 'data-from': edge.from, 'data-to': edge.to });
  if (edge.label) d.el(g, 'title', {}, edge.label);
  sections.forEach((points, i) => {
    const path = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${round(p.x)} ${round(p.y)}`).join(' ');
    d.el(g, 'path', { class: `edge edge-${edge.status}`, d: path, ...(i === sections.length - 1 ? { 'marker-end': `url(#${prefix}-arrow-${edge.status})` } : {}) });
  });
  if (edge.status === 'drop') {
    const all = sections.flat();
    const m = longestSegmentMiddle(all);
    const mark = d.el(g, 'g', { class: 'drop-mark', transform: `translate(${round(m.x)} ${round(m.y)})` });
    d.el(mark, 'circle', { r: 8, cx: 0, cy: 0 });
    d.el(mark, 'path', { d: 'M-3.5,-3.5 L3.5,3.5 M3.5,-3.5 L-3.5,3.5' });
  }
}

/** One line for a reader: `flows cart → cil_from_container: 124 forwarded (…), 3 dropped (POLICY_DENIED ×3)`. */
export function flowEdgeLabel(flows: EdgeFlows, graph: DiagramGraph): string {
  const edge = graph.edges.find((e) => e.id === flows.edge);
  const title = (id: string | undefined) => graph.nodes.find((n) => n.id === id)?.title ?? id ?? '?';
  const parts = [`${flows.forwarded} forwarded`];
  if (flows.dropped > 0) parts.push(`${flows.dropped} dropped (${flows.drops.map((x) => `${x.reason} ×${x.count}`).join(', ')})`);
  return `Flows ${title(edge?.from)} → ${title(edge?.to)}: ${parts.join(', ')}`;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const BADGE_PAD_X = 7;
/** Room kept between a badge and a box or another badge. */
const BADGE_MARGIN = 3;

/**
 * Where an edge's flow badge goes: on the edge (its longest segments first, the middle first) where
 * it touches no box, no other badge and not the lane titles; else just beside it; else at the free
 * place nearest the edge's middle, with `anchor` the point of the edge a leader line goes to.
 */
function badgePlace(sections: readonly ElkPointLike[][], size: { width: number; height: number }, taken: readonly Rect[], width: number, height: number): Rect & { anchor?: ElkPointLike } {
  const free = (r: Rect): boolean =>
    r.x >= 2 && r.x + r.width <= width - 2 && r.y >= LANE_TITLE_SPACE + 4 && r.y + r.height <= height - 2 &&
    taken.every((t) => r.x >= t.x + t.width + BADGE_MARGIN || t.x >= r.x + r.width + BADGE_MARGIN || r.y >= t.y + t.height + BADGE_MARGIN || t.y >= r.y + r.height + BADGE_MARGIN);
  const around = (c: ElkPointLike): Rect => ({ x: c.x - size.width / 2, y: c.y - size.height / 2, width: size.width, height: size.height });
  const segments = sections
    .flatMap((points) => points.slice(1).map((b, i) => ({ a: points[i] as ElkPointLike, b })))
    .map((s) => ({ ...s, length: Math.abs(s.a.x - s.b.x) + Math.abs(s.a.y - s.b.y) }))
    .sort((p, q) => q.length - p.length);
  for (const offset of [0, 1, -1]) {
    for (const s of segments) {
      const horizontal = Math.abs(s.a.y - s.b.y) < Math.abs(s.a.x - s.b.x);
      for (const t of [0.5, 0.35, 0.65, 0.2, 0.8]) {
        const c = { x: s.a.x + (s.b.x - s.a.x) * t, y: s.a.y + (s.b.y - s.a.y) * t };
        // beside the edge: above or below a horizontal segment, left or right of a vertical one
        const shifted = horizontal ? { x: c.x, y: c.y + offset * (size.height / 2 + 4) } : { x: c.x + offset * (size.width / 2 + 4), y: c.y };
        const r = around(shifted);
        if (free(r)) return offset === 0 ? r : { ...r, anchor: c };
      }
    }
  }
  const middle = longestSegmentMiddle(sections.flat());
  const candidates: Array<{ dx: number; dy: number }> = [];
  for (let dx = -200; dx <= 200; dx += 8) for (let dy = -160; dy <= 160; dy += 6) candidates.push({ dx, dy });
  candidates.sort((a, b) => Math.hypot(a.dx, a.dy * 1.5) - Math.hypot(b.dx, b.dy * 1.5));
  for (const c of candidates) {
    const r = around({ x: middle.x + c.dx, y: middle.y + c.dy });
    if (free(r)) return { ...r, anchor: middle };
  }
  return around(middle);
}

/** The badge of an edge's flows, at `at`; a dotted leader to the edge when it is beside it. */
function drawFlowBadge<E extends SvgElementLike>(d: Drawer<E>, parent: E, flows: EdgeFlows, at: Rect & { anchor?: ElkPointLike }, interactive: boolean, graph: DiagramGraph): void {
  const { x, y, width, height } = at;
  const centre = { x: x + width / 2, y: y + height / 2 };
  const g = d.el(parent, 'g', {
    class: `flow-badge${flows.dropped > 0 ? ' flow-badge-drop' : ''}`,
    'data-edge-id': flows.edge,
    ...(interactive ? { tabindex: 0, role: 'button', 'aria-label': flowEdgeLabel(flows, graph) } : {}),
  });
  if (!interactive) d.el(g, 'title', {}, flowEdgeLabel(flows, graph));
  if (at.anchor) {
    // from the badge's side nearest the edge
    const from = { x: Math.min(Math.max(at.anchor.x, x), x + width), y: Math.min(Math.max(at.anchor.y, y), y + height) };
    d.el(g, 'path', { class: 'flow-leader', d: `M${round(from.x)} ${round(from.y)} L${round(at.anchor.x)} ${round(at.anchor.y)}` });
    d.el(g, 'circle', { class: 'flow-anchor', cx: at.anchor.x, cy: at.anchor.y, r: 2.5 });
  }
  d.el(g, 'rect', { class: 'flow-badge-box', x, y, width, height, rx: 4 });
  const t = d.el(g, 'text', { class: 'flow-badge-text', x: centre.x, y: baselineIn(y + (height - 16) / 2, 'badge'), 'text-anchor': 'middle' });
  if (flows.forwarded > 0) d.el(t, 'tspan', { class: 'flow-forwarded' }, `✓ ${flows.forwarded}`);
  if (flows.forwarded > 0 && flows.dropped > 0) d.el(t, 'tspan', {}, '  ');
  if (flows.dropped > 0) d.el(t, 'tspan', { class: 'flow-dropped' }, `✗ ${flows.dropped}`);
}

function accentPath(height: number): string {
  const r = BOX.radius;
  const w = BOX.accent;
  return `M${r} 0 H${w} V${height} H${r} A${r} ${r} 0 0 1 0 ${height - r} V${r} A${r} ${r} 0 0 1 ${r} 0 Z`;
}

function drawNode<E extends SvgElementLike>(d: Drawer<E>, parent: E, n: LaidOutNode, interactive: boolean, flowDrop: boolean): E {
  const { node, box } = n;
  const classes = ['node', `owner-${node.owner}`, `status-${node.status}`, `lane-${node.lane}`];
  if (flowDrop) classes.push('flow-drop');
  if (node.blocked) classes.push('blocked');
  if (node.verdict) classes.push(`verdict-${node.verdict.verdict}`);
  const g = d.el(parent, 'g', {
    class: classes.join(' '),
    'data-node-id': node.id,
    transform: `translate(${round(n.x)} ${round(n.y)})`,
    ...(interactive ? { tabindex: 0, role: 'button', 'aria-label': nodeAriaLabel(node) } : {}),
  });
  if (!interactive) d.el(g, 'title', {}, nodeAriaLabel(node));
  d.el(g, 'rect', { class: 'node-box', x: 0, y: 0, width: n.width, height: n.height, rx: BOX.radius });
  d.el(g, 'path', { class: 'node-accent', d: accentPath(n.height) });
  for (const line of box.lines) {
    if (line.style === 'fact') {
      const t = d.el(g, 'text', { class: 'node-fact', x: line.x, y: line.baseline });
      if (line.name) d.el(t, 'tspan', { class: 'fact-name' }, `${line.name} `);
      d.el(t, 'tspan', { class: 'fact-value' }, line.value ?? '');
    } else {
      d.el(g, 'text', { class: line.style === 'title' ? 'node-title' : 'node-subtitle', x: line.x, y: line.baseline }, line.text);
    }
  }
  if (box.mark) d.el(g, 'text', { class: 'node-mark', x: n.width - BOX.padRight - box.mark.width, y: box.mark.baseline }, box.mark.text);
  if (box.badge) {
    const b = box.badge;
    const bg = d.el(g, 'g', { class: `badge badge-${b.verdict}` });
    d.el(bg, 'rect', { class: 'badge-box', x: b.x, y: b.y, width: b.width, height: b.height, rx: b.height / 2 });
    d.el(bg, 'text', { class: 'badge-text', x: b.textX, y: b.baseline }, b.text);
  }
  return g;
}

const SWATCH = 16;

function legendItemWidth(entry: DiagramLegendEntry, measure: MeasureText): number {
  const label = measure(entry.label, 'legend').width;
  if (entry.kind === 'verdict') return measure(legendBadgeText(entry.key), 'badge').width + 16 + 6 + label + 22;
  if (entry.kind === 'status' && (entry.key === 'blocked' || entry.key === 'denied')) return 28 + 6 + label + 22;
  return SWATCH + 6 + label + 22;
}

function legendBadgeText(key: string): string {
  return key === 'allow' ? '✓ allow' : key === 'deny' ? '✕ deny' : key === 'mixed' ? 'n allow · m deny' : '? unknown';
}

function drawLegend<E extends SvgElementLike>(d: Drawer<E>, parent: E, rows: readonly LegendItem[][], label: string, top: number, labelWidth: number, measure: MeasureText): void {
  const g = d.el(parent, 'g', { class: 'legend' });
  rows.forEach((row, r) => {
    const y = top + 4 + r * LEGEND_ROW;
    const baseline = baselineIn(y + 4, 'legend');
    if (r === 0) d.el(g, 'text', { class: 'legend-title', x: 24, y: baseline }, label);
    let at = 24 + labelWidth;
    for (const item of row) {
      const e = item.entry;
      const ig = d.el(g, 'g', { class: `legend-item legend-${e.kind}-${e.key}` });
      let textX = at + SWATCH + 6;
      if (e.kind === 'owner') {
        d.el(ig, 'rect', { class: `swatch owner-${e.key}`, x: at, y: y + 6, width: SWATCH, height: 12, rx: 3 });
      } else if (e.kind === 'verdict') {
        const text = legendBadgeText(e.key);
        const badgeWidth = measure(text, 'badge').width + 16;
        const badge = d.el(ig, 'g', { class: `badge badge-${e.key}` });
        d.el(badge, 'rect', { class: 'badge-box', x: at, y: y + 2, width: badgeWidth, height: 20, rx: 10 });
        d.el(badge, 'text', { class: 'badge-text', x: at + 8, y: baselineIn(y + 4, 'badge') }, text);
        textX = at + badgeWidth + 6;
      } else if (e.key === 'blocked') {
        d.el(ig, 'path', { class: 'legend-line status-blocked', d: `M${at} ${y + 12} H${at + 28}` });
        textX = at + 34;
      } else if (e.key === 'denied') {
        d.el(ig, 'path', { class: 'legend-line status-denied', d: `M${at} ${y + 12} H${at + 28}` });
        const mark = d.el(ig, 'g', { class: 'drop-mark', transform: `translate(${at + 14} ${y + 12})` });
        d.el(mark, 'circle', { r: 6, cx: 0, cy: 0 });
        d.el(mark, 'path', { d: 'M-2.5,-2.5 L2.5,2.5 M2.5,-2.5 L-2.5,2.5' });
        textX = at + 34;
      } else {
        d.el(ig, 'rect', { class: `legend-box status-${e.key}`, x: at, y: y + 5, width: SWATCH, height: 14, rx: 3 });
      }
      d.el(ig, 'text', { class: 'legend-text', x: textX, y: baseline }, e.label);
      at += item.width;
    }
  });
}
