/**
 * Messages between the extension host and the flows webview ("CNI Lens: Observe Flows"), the only
 * module both sides import for it. Plain JSON objects with a `type`; each has an `is(msg)` guard, and
 * a side drops what no guard accepts.
 *
 * host → webview: `flowsInit` (whose flows, limits), `flowsAppend` (new rows, oldest first), `flowsStatus`,
 * `flowsPaused` (paused or not, and how many new flows arrived meanwhile).
 * webview → host: `flowsReady`, `flowsPause` (the user paused or resumed).
 * Pausing is the host's: while paused it keeps following Relay but posts no rows, only the count of
 * new flows (the newest `maxRows` are kept); resume sends the kept rows in one `flowsAppend`.
 */

/** One flow as the table shows it; every field is text the webview sets with textContent. */
export interface FlowRow {
  /** Unique per flow (uuid, else time and a counter). */
  id: string;
  /** `HH:MM:SS.mmm` UTC. */
  time: string;
  /** Full RFC 3339 time (tooltip). */
  timestamp: string;
  /** FORWARDED, DROPPED, … */
  verdict: string;
  /** `out` (the pod sends), `in` (the pod receives). */
  direction: 'in' | 'out';
  /** The other end: `ns/pod`, else the address with its reserved identity (`10.0.0.84 (world)`). */
  peer: string;
  /** Cilium identity and labels of the peer, for the tooltip. */
  peerDetail: string;
  /** `TCP/8443 SYN`, `UDP/53`, `ICMPv4`. */
  port: string;
  /** `POLICY_DENIED`… ('' when forwarded). */
  dropReason: string;
  /** `ingress allowed by payments/allow-checkout-to-api`, `egress denied by …` ('' when none named). */
  policies: string;
  /** Event: `drop`, `policy-verdict`, `to-endpoint`, … */
  event: string;
  node: string;
}

export interface FlowsInitMessage {
  type: 'flowsInit';
  /** `ns/pod`. */
  pod: string;
  /** Where the flows come from (`Hubble Relay pod …`, `snapshot hubble/*.jsonl`). */
  source: string;
  /** New flows keep arriving (a live Relay). */
  live: boolean;
  /** Rows kept in the table; older ones drop off. */
  maxRows: number;
}

export interface FlowsAppendMessage {
  type: 'flowsAppend';
  rows: FlowRow[];
}

export interface FlowsStatusMessage {
  type: 'flowsStatus';
  state: 'loading' | 'following' | 'complete' | 'reconnecting' | 'error';
  detail: string;
}

export interface FlowsPausedMessage {
  type: 'flowsPaused';
  paused: boolean;
  /** New flows of the pod since the pause (0 when not paused). */
  held: number;
  /** Of those, how many the host keeps to send on resume (the newest; at most `maxRows`). */
  kept: number;
}

export interface FlowsReadyMessage {
  type: 'flowsReady';
}

export interface FlowsPauseMessage {
  type: 'flowsPause';
  paused: boolean;
}

export type FlowsHostMessage = FlowsInitMessage | FlowsAppendMessage | FlowsStatusMessage | FlowsPausedMessage;
export type FlowsWebviewMessage = FlowsReadyMessage | FlowsPauseMessage;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const ROW_FIELDS = ['id', 'time', 'timestamp', 'verdict', 'peer', 'peerDetail', 'port', 'dropReason', 'policies', 'event', 'node'] as const;

export function isFlowRow(v: unknown): v is FlowRow {
  return isObject(v) && ROW_FIELDS.every((f) => isString(v[f])) && (v.direction === 'in' || v.direction === 'out');
}

export const FlowsInit = {
  is: (m: unknown): m is FlowsInitMessage =>
    isObject(m) && m.type === 'flowsInit' && isString(m.pod) && isString(m.source) && typeof m.live === 'boolean' && typeof m.maxRows === 'number' && m.maxRows > 0,
};
export const FlowsAppend = {
  is: (m: unknown): m is FlowsAppendMessage => isObject(m) && m.type === 'flowsAppend' && Array.isArray(m.rows) && m.rows.every(isFlowRow),
};
const STATES: readonly string[] = ['loading', 'following', 'complete', 'reconnecting', 'error'];
export const FlowsStatus = {
  is: (m: unknown): m is FlowsStatusMessage => isObject(m) && m.type === 'flowsStatus' && isString(m.state) && STATES.includes(m.state) && isString(m.detail),
};
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
export const FlowsPaused = {
  is: (m: unknown): m is FlowsPausedMessage => isObject(m) && m.type === 'flowsPaused' && typeof m.paused === 'boolean' && isCount(m.held) && isCount(m.kept) && m.kept <= m.held,
};
export const FlowsPause = {
  is: (m: unknown): m is FlowsPauseMessage => isObject(m) && m.type === 'flowsPause' && typeof m.paused === 'boolean',
};
export const FlowsReady = {
  is: (m: unknown): m is FlowsReadyMessage => isObject(m) && m.type === 'flowsReady',
};
