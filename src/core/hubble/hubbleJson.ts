/**
 * Lines of `hubble observe -o json` (one GetFlowsResponse per line: `{"flow": {…}, "node_name",
 * "time"}`) and of `-o jsonlegacy` (one bare Flow per line), decoded into the same `FlowRecord` the
 * live client yields. Node-status and lost-event lines are recognised and reported as not flows.
 */
import type { RawHubbleLine } from '../snapshot/rawSnapshot';
import type { Flow, FlowRecord } from './flowTypes';
import { HubbleJsonError, readJsonMessage } from './hubbleCodec';

export type HubbleLineResult =
  | ({ ok: true } & FlowRecord)
  | {
      ok: false;
      /**
       * `syntax`: not JSON; `shape`: JSON but neither form; `field`: a field has the wrong type;
       * `not-a-flow`: a node_status or lost_events line (nothing wrong with it).
       */
      reason: 'syntax' | 'shape' | 'field' | 'not-a-flow';
      message: string;
      /** 1-based column of a JSON syntax error, when known. */
      column?: number;
    };

/** Keys only a Flow has (any one of them makes a bare object a `-o jsonlegacy` flow). */
const FLOW_KEYS = ['time', 'uuid', 'verdict', 'IP', 'l4', 'source', 'destination', 'Type', 'event_type', 'trace_observation_point', 'drop_reason_desc', 'Summary'];

/** Decodes one line. Never throws. */
export function decodeHubbleJsonLine(line: string): HubbleLineResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    const column = pos ? Number(pos[1]) + 1 : /end of JSON input/.test(message) ? line.length + 1 : undefined;
    return { ok: false, reason: 'syntax', message: `not JSON: ${message}`, ...(column !== undefined ? { column } : {}) };
  }
  return decodeHubbleJson(value);
}

/** Decodes one already parsed line (e.g. `RawHubbleLine.value`). Never throws. */
export function decodeHubbleJson(value: unknown): HubbleLineResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'shape', message: `expected a JSON object (a GetFlowsResponse or a Flow), got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}` };
  }
  const obj = value as Record<string, unknown>;
  try {
    if ('flow' in obj) {
      const response = readJsonMessage('observer.GetFlowsResponse', obj, 'response');
      const flow = response.flow as Flow | undefined;
      if (!flow) return { ok: false, reason: 'field', message: 'response.flow: expected an object, got null' };
      return record(flow, response.node_name, response.time, 'flow');
    }
    if ('node_status' in obj || 'lost_events' in obj) {
      const kind = 'node_status' in obj ? 'node_status' : 'lost_events';
      return { ok: false, reason: 'not-a-flow', message: `a ${kind} event, not a flow` };
    }
    if (FLOW_KEYS.some((k) => k in obj)) {
      const flow = readJsonMessage('flow.Flow', obj, 'flow') as Flow;
      return record(flow, undefined, undefined, 'flow');
    }
  } catch (err) {
    if (err instanceof HubbleJsonError) return { ok: false, reason: 'field', message: err.message };
    throw err;
  }
  const keys = Object.keys(obj);
  return {
    ok: false,
    reason: 'shape',
    message: `neither a GetFlowsResponse (hubble observe -o json: an object with "flow") nor a Flow (-o jsonlegacy); keys: ${keys.length ? keys.slice(0, 8).join(', ') : 'none'}`,
  };
}

function record(flow: Flow, nodeName: unknown, time: unknown, path: string): HubbleLineResult {
  const t = flow.time ?? (typeof time === 'string' ? time : undefined);
  if (t === undefined) return { ok: false, reason: 'field', message: `${path}.time: missing (a flow needs its time)` };
  return { ok: true, flow, nodeName: typeof nodeName === 'string' && nodeName ? nodeName : (flow.node_name ?? ''), time: t };
}

export interface DecodedHubbleLines {
  records: FlowRecord[];
  /** Lines that are not flows or could not be read, with where they came from. */
  problems: Array<{ file: string; line?: number; message: string; reason: 'syntax' | 'shape' | 'field' | 'not-a-flow' }>;
}

/** Decodes a snapshot's `hubble/*.jsonl` lines, keeping their order. */
export function decodeHubbleLines(lines: readonly RawHubbleLine[]): DecodedHubbleLines {
  const records: FlowRecord[] = [];
  const problems: DecodedHubbleLines['problems'] = [];
  for (const line of lines) {
    const result = decodeHubbleJson(line.value);
    if (result.ok) records.push({ flow: result.flow, nodeName: result.nodeName, time: result.time });
    else problems.push({ file: line.origin.file, line: line.origin.line, message: result.message, reason: result.reason });
  }
  return { records, problems };
}

/** A record as one `hubble observe -o json` line (a GetFlowsResponse with the flow). */
export function encodeHubbleJsonLine(record: FlowRecord): string {
  return JSON.stringify({ flow: record.flow, node_name: record.nodeName || undefined, time: record.time });
}
