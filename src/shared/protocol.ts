/**
 * The path diagram webview's message protocol: the only module the extension host and the webview
 * both import. Every message is a plain JSON object with a `type`; each has an `is(msg)` guard that
 * checks its shape, and a receiver drops anything no guard accepts.
 *
 * host → webview: `init` (after the webview says `ready`), `update` (a new graph, theme or title),
 * `flowOverlay` (Hubble flows on the edges).
 * webview → host: `ready`, `selectNode`, `revealInTree`, `openYaml`, `exportSvg`, `exportPng`,
 * `pickDestination`, `observeFlows`, `toggleFlows`.
 */
import type { DiagramGraph, DiagramPath } from '../core/analysis/diagram/diagramTypes';
import type { DiagramFlowOverlay } from '../core/analysis/diagram/flowOverlay';

export type {
  DiagramEdge,
  DiagramEdgeStatus,
  DiagramFact,
  DiagramGraph,
  DiagramHopDetail,
  DiagramLane,
  DiagramLegendEntry,
  DiagramNode,
  DiagramOwner,
  DiagramPath,
  DiagramRef,
  DiagramRule,
  DiagramStatus,
  DiagramVerdict,
} from '../core/analysis/diagram/diagramTypes';
export type { DiagramFlowOverlay, EdgeFlows, FlowCounts, NodeFlows, OverlayDrop, PathFlows, UnplacedFlows } from '../core/analysis/diagram/flowOverlay';

/** VS Code's colour theme kind, as the webview's body class says it. */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** A destination the toolbar offers: `all` (the overview) or the id of one of the overview's paths. */
export interface DestinationChoice {
  id: string;
  label: string;
  verdict: DiagramPath['verdict'];
}

/** The largest export the host accepts (SVG text or PNG as base64). */
export const MAX_EXPORT_LENGTH = 32 * 1024 * 1024;

interface MessageGuard<T> {
  readonly type: string;
  is(msg: unknown): msg is T;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const THEMES: readonly string[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];
const isTheme = (v: unknown): v is ThemeKind => isString(v) && THEMES.includes(v);
const LANES: readonly string[] = ['pod', 'cilium', 'host', 'eni', 'vpc', 'destination'];
const STATUSES: readonly string[] = ['ok', 'absent', 'unknown', 'drop'];
const EDGE_STATUSES: readonly string[] = ['ok', 'unknown', 'drop', 'blocked'];

const isFact = (f: unknown): boolean => isObject(f) && isString(f.name) && isString(f.value) && isString(f.source);

function isNode(n: unknown): boolean {
  return (
    isObject(n) &&
    isString(n.id) &&
    isString(n.lane) &&
    LANES.includes(n.lane) &&
    isString(n.owner) &&
    isString(n.title) &&
    isOptionalString(n.subtitle) &&
    Array.isArray(n.facts) &&
    n.facts.every(isFact) &&
    isString(n.status) &&
    STATUSES.includes(n.status) &&
    Array.isArray(n.details) &&
    Array.isArray(n.refs) &&
    isStringArray(n.paths) &&
    (n.verdict === undefined || (isObject(n.verdict) && isString(n.verdict.verdict) && Array.isArray(n.verdict.byPath)))
  );
}

const isEdge = (e: unknown): boolean => isObject(e) && isString(e.id) && isString(e.from) && isString(e.to) && isString(e.status) && EDGE_STATUSES.includes(e.status) && isStringArray(e.paths) && isOptionalString(e.label);

/** The shape of a diagram graph (deep enough that the renderer can trust it). */
export function isDiagramGraph(g: unknown): g is DiagramGraph {
  if (!isObject(g)) return false;
  if ((g.kind !== 'path' && g.kind !== 'overview') || !isString(g.title) || !isString(g.subject)) return false;
  if (!Array.isArray(g.nodes) || !g.nodes.every(isNode) || !Array.isArray(g.edges) || !g.edges.every(isEdge)) return false;
  if (!Array.isArray(g.lanes) || !Array.isArray(g.paths) || !Array.isArray(g.legend) || !isStringArray(g.notes)) return false;
  const ids = new Set((g.nodes as Array<{ id: string }>).map((n) => n.id));
  return (g.edges as Array<{ from: string; to: string }>).every((e) => ids.has(e.from) && ids.has(e.to));
}

const isChoice = (c: unknown): boolean => isObject(c) && isString(c.id) && isString(c.label) && isString(c.verdict);

// ------------------------------------------------------------------------------------------------ host → webview

export interface InitMessage {
  type: 'init';
  graph: DiagramGraph;
  theme: ThemeKind;
  title: string;
  /** The destinations of the pod's overview; `selected` is `all` or one of their ids. */
  choices: DestinationChoice[];
  selected: string;
  /** A line for the user: why the graph is stale or empty. */
  notice?: string;
  /** The flow overlay toggle of the toolbar. */
  flows?: FlowToggle;
}

export const InitMessage: MessageGuard<InitMessage> = {
  type: 'init',
  is: (m): m is InitMessage =>
    isObject(m) && m.type === 'init' && isDiagramGraph(m.graph) && isTheme(m.theme) && isString(m.title) && Array.isArray(m.choices) && m.choices.every(isChoice) && isString(m.selected) && isOptionalString(m.notice) && (m.flows === undefined || isFlowToggle(m.flows)),
};

export interface UpdateMessage {
  type: 'update';
  graph?: DiagramGraph;
  theme?: ThemeKind;
  title?: string;
  choices?: DestinationChoice[];
  selected?: string;
  /** Empty string: clear the notice. */
  notice?: string;
  flows?: FlowToggle;
}

export const UpdateMessage: MessageGuard<UpdateMessage> = {
  type: 'update',
  is: (m): m is UpdateMessage =>
    isObject(m) &&
    m.type === 'update' &&
    (m.graph === undefined || isDiagramGraph(m.graph)) &&
    (m.theme === undefined || isTheme(m.theme)) &&
    isOptionalString(m.title) &&
    (m.choices === undefined || (Array.isArray(m.choices) && m.choices.every(isChoice))) &&
    isOptionalString(m.selected) &&
    isOptionalString(m.notice) &&
    (m.flows === undefined || isFlowToggle(m.flows)),
};

/**
 * The flow overlay toggle: `available` false when there are no flows to show, with why in `detail`
 * (the `hubble` source: "Hubble not installed", "Relay unreachable", "no flows"); `on` whether the
 * overlay is shown.
 */
export interface FlowToggle {
  available: boolean;
  on: boolean;
  detail: string;
}

function isFlowToggle(t: unknown): t is FlowToggle {
  return isObject(t) && typeof t.available === 'boolean' && typeof t.on === 'boolean' && isString(t.detail);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isCounts = (c: unknown): boolean =>
  isObject(c) && isNumber(c.forwarded) && isNumber(c.dropped) && isObject(c.egress) && isNumber(c.egress.forwarded) && isNumber(c.egress.dropped) && isObject(c.ingress) && isNumber(c.ingress.forwarded) && isNumber(c.ingress.dropped);
const isDrop = (d: unknown): boolean =>
  isObject(d) && isString(d.path) && isString(d.reason) && isNumber(d.count) && isString(d.last) && isString(d.explanation) && isOptionalString(d.node) && isOptionalString(d.destination) && Array.isArray(d.rules) && d.rules.every((r) => isObject(r) && isString(r.text) && isOptionalString(r.location)) && isStringArray(d.notes);

/** The shape of a flow overlay (deep enough that the renderer can trust it). */
export function isFlowOverlay(o: unknown): o is DiagramFlowOverlay {
  return (
    isObject(o) &&
    isString(o.from) &&
    typeof o.live === 'boolean' &&
    isNumber(o.windowSeconds) &&
    isString(o.asOf) &&
    isNumber(o.total) &&
    isNumber(o.placed) &&
    Array.isArray(o.edges) &&
    o.edges.every((e) => isCounts(e) && isString(e.edge) && typeof e.badge === 'boolean' && Array.isArray(e.drops) && e.drops.every(isDrop)) &&
    Array.isArray(o.nodes) &&
    o.nodes.every((n) => isCounts(n) && isString(n.node) && Array.isArray(n.drops) && n.drops.every(isDrop)) &&
    Array.isArray(o.paths) &&
    o.paths.every((p) => isObject(p) && isString(p.path) && isNumber(p.forwarded) && isNumber(p.dropped)) &&
    Array.isArray(o.unplaced) &&
    o.unplaced.every((u) => isObject(u) && isString(u.reason) && isNumber(u.count) && isString(u.example))
  );
}

/** The Hubble flows of the diagram's pod on its edges and boxes; `graphTitle` names the graph it was computed for. */
export interface FlowOverlayMessage {
  type: 'flowOverlay';
  graphTitle: string;
  overlay: DiagramFlowOverlay;
}

export const FlowOverlayMessage: MessageGuard<FlowOverlayMessage> = {
  type: 'flowOverlay',
  is: (m): m is FlowOverlayMessage => isObject(m) && m.type === 'flowOverlay' && isString(m.graphTitle) && isFlowOverlay(m.overlay),
};

export type HostMessage = InitMessage | UpdateMessage | FlowOverlayMessage;

// ------------------------------------------------------------------------------------------------ webview → host

export interface ReadyMessage {
  type: 'ready';
}

export const ReadyMessage: MessageGuard<ReadyMessage> = {
  type: 'ready',
  is: (m): m is ReadyMessage => isObject(m) && m.type === 'ready',
};

export interface SelectNodeMessage {
  type: 'selectNode';
  nodeId: string;
}

export const SelectNodeMessage: MessageGuard<SelectNodeMessage> = {
  type: 'selectNode',
  is: (m): m is SelectNodeMessage => isObject(m) && m.type === 'selectNode' && isString(m.nodeId),
};

/** Names an object of the store by kind and key; the host looks it up (it never trusts a path from the webview). */
export interface ObjectRefPayload {
  kind: string;
  key: string;
}

const isRef = (r: unknown): r is ObjectRefPayload => isObject(r) && isString(r.kind) && isString(r.key) && r.kind.length < 64 && r.key.length < 512;

export interface RevealInTreeMessage {
  type: 'revealInTree';
  ref: ObjectRefPayload;
}

export const RevealInTreeMessage: MessageGuard<RevealInTreeMessage> = {
  type: 'revealInTree',
  is: (m): m is RevealInTreeMessage => isObject(m) && m.type === 'revealInTree' && isRef(m.ref),
};

export interface OpenYamlMessage {
  type: 'openYaml';
  ref: ObjectRefPayload;
}

export const OpenYamlMessage: MessageGuard<OpenYamlMessage> = {
  type: 'openYaml',
  is: (m): m is OpenYamlMessage => isObject(m) && m.type === 'openYaml' && isRef(m.ref),
};

export interface ExportSvgMessage {
  type: 'exportSvg';
  /** A standalone SVG document (fixed palette, embedded style). */
  svg: string;
}

export const ExportSvgMessage: MessageGuard<ExportSvgMessage> = {
  type: 'exportSvg',
  is: (m): m is ExportSvgMessage => isObject(m) && m.type === 'exportSvg' && isString(m.svg) && m.svg.length <= MAX_EXPORT_LENGTH && /^(<\?xml[^>]*>\s*)?<svg[\s>]/.test(m.svg),
};

export interface ExportPngMessage {
  type: 'exportPng';
  /** The PNG, base64 (no `data:` prefix). */
  png: string;
}

export const ExportPngMessage: MessageGuard<ExportPngMessage> = {
  type: 'exportPng',
  is: (m): m is ExportPngMessage => isObject(m) && m.type === 'exportPng' && isString(m.png) && m.png.length <= MAX_EXPORT_LENGTH && /^iVBORw0KGgo[A-Za-z0-9+/=]*$/.test(m.png),
};

export interface PickDestinationMessage {
  type: 'pickDestination';
  /** `all`, or the id of a path of the overview. */
  destination: string;
}

export const PickDestinationMessage: MessageGuard<PickDestinationMessage> = {
  type: 'pickDestination',
  is: (m): m is PickDestinationMessage => isObject(m) && m.type === 'pickDestination' && isString(m.destination) && m.destination.length < 256,
};

/** Opens the Hubble flows of the diagram's pod ("Observe Flows"); the host knows which pod. */
export interface ObserveFlowsMessage {
  type: 'observeFlows';
}

export const ObserveFlowsMessage: MessageGuard<ObserveFlowsMessage> = {
  type: 'observeFlows',
  is: (m): m is ObserveFlowsMessage => isObject(m) && m.type === 'observeFlows',
};

/** The overlay toggle of the toolbar. */
export interface ToggleFlowsMessage {
  type: 'toggleFlows';
  on: boolean;
}

export const ToggleFlowsMessage: MessageGuard<ToggleFlowsMessage> = {
  type: 'toggleFlows',
  is: (m): m is ToggleFlowsMessage => isObject(m) && m.type === 'toggleFlows' && typeof m.on === 'boolean',
};

export type WebviewMessage = ToggleFlowsMessage | ReadyMessage | SelectNodeMessage | RevealInTreeMessage | OpenYamlMessage | ExportSvgMessage | ExportPngMessage | PickDestinationMessage | ObserveFlowsMessage;
