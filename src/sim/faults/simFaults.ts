/**
 * Fault injection for the simulated Kubernetes API server, scriptable per test: rules that match
 * requests (verb, resource, namespace, path) and answer them with a failure a real API server (or
 * the network in front of it) produces, for a number of times or until removed. Also restarts of
 * the whole API server, refused port-forwards, and broken Hubble streams. See ../README.md, *Faults*.
 *
 * The request handler calls `intercept` once per resource request, after authentication; every
 * other effect (wrapping the response to cut or corrupt it) stays in this module.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendJson } from '../httpResponse';
import { kubeStatus } from '../kubeStatus';
import type { SimHubbleRelay } from '../hubble/simHubbleRelay';
import type { SimPortForwards } from '../portForward/simPortForwards';
import type { SimRequestRecord } from '../simApiContext';
import type { SimPortForwardScenario } from '../simScenario';

/** What a matching request gets instead of (or on top of) its normal answer. */
export type SimFaultAction =
  /** An error `Status` with this HTTP code (429 adds `Retry-After`, 410 is `Expired`). */
  | { kind: 'status'; code: number; reason?: string; message?: string; retryAfterSeconds?: number }
  /** The normal answer, after a pause. */
  | { kind: 'delay'; ms: number }
  /** The normal head (with its Content-Length), then only `bytes` of the body (default: half), then the connection closes. */
  | { kind: 'truncate'; bytes?: number }
  /** List/get: 200 with a body that is not valid JSON (the start of the real one, then garbage). Watch: the next event's line is garbage, the stream goes on. */
  | { kind: 'malformed' }
  /** A watch: `afterEvents` events (BOOKMARKs not counted), then half of the next event's line, then the connection closes. */
  | { kind: 'cutWatch'; afterEvents?: number }
  /** A watch: 200, an ERROR event with a 410 `Expired` Status, then the end of the response. */
  | { kind: 'expireWatch' };

export interface SimFaultMatch {
  /** Kubernetes verb(s): `list`, `watch`, `get`, `create` (port-forward). Default: any. */
  verb?: string | string[];
  /** `pods`, or `plural.group` (`ciliumendpoints.cilium.io`). Default: any. */
  resource?: string;
  namespace?: string;
  /** The request path starts with this. */
  pathPrefix?: string;
}

export interface SimFaultRule {
  match?: SimFaultMatch;
  fault: SimFaultAction;
  /** How many matching requests get the fault; default: every one until removed. */
  times?: number;
}

/** A rule in force, with its counters. */
export interface SimFault extends SimFaultRule {
  id: string;
  /** Requests that got the fault so far. */
  hits: number;
  /** Removes the rule (no effect once it is used up). */
  remove(): void;
}

/** What `restartApiServer` needs from the server it restarts. */
export interface SimServerControl {
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Forget the watch history: every resourceVersion handed out so far becomes too old. */
  compact(): void;
}

export interface SimRestartOptions {
  /** How long the server does not listen; default 200 ms. */
  downMs?: number;
  /** The restarted server has a fresh watch cache: resourceVersions from before the restart answer 410. */
  compact?: boolean;
}

export class SimFaultError extends Error {}

const FAULT_KINDS = ['status', 'delay', 'truncate', 'malformed', 'cutWatch', 'expireWatch'] as const;
const REASONS: Record<number, [string, string]> = {
  400: ['BadRequest', 'the request was rejected (simulated fault)'],
  404: ['NotFound', 'the server could not find the requested resource'],
  410: ['Expired', 'too old resource version (simulated fault)'],
  429: ['TooManyRequests', 'Too many requests, please try again later.'],
  500: ['InternalError', 'Internal error occurred: simulated fault'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

export class SimFaults {
  private readonly rules: SimFault[] = [];
  private nextId = 1;
  private server: SimServerControl | undefined;
  private restarting: Promise<void> | undefined;
  private portForwards: SimPortForwards | undefined;
  private hubble: SimHubbleRelay | undefined;

  /** Adds a rule; rules added earlier are matched first. Throws `SimFaultError` for a bad rule. */
  add(rule: SimFaultRule): SimFault {
    const checked = parseSimFaultRule(rule);
    const fault: SimFault = {
      ...checked,
      id: String(this.nextId++),
      hits: 0,
      remove: () => {
        const i = this.rules.indexOf(fault);
        if (i >= 0) this.rules.splice(i, 1);
      },
    };
    this.rules.push(fault);
    return fault;
  }

  /** The rules in force (used-up rules are gone). */
  list(): SimFault[] {
    return [...this.rules];
  }

  /** Removes every rule. Returns how many there were. */
  clear(): number {
    return this.rules.splice(0).length;
  }

  /** @internal startSimCluster hands over its server, port-forwards and Hubble Relay. */
  attach(parts: { server: SimServerControl; portForwards: SimPortForwards; hubble?: SimHubbleRelay }): void {
    this.server = parts.server;
    this.portForwards = parts.portForwards;
    this.hubble = parts.hubble;
  }

  /**
   * Port-forward to these pods (`namespace/pod`) or to every pod of these nodes is refused from now
   * on, as the kubelet refuses a port nothing listens on (ipamd down); `{}` lifts every refusal.
   */
  refusePortForward(refusals: SimPortForwardScenario): void {
    if (!this.portForwards) throw new SimFaultError('refusePortForward: this fault set is not attached to a running server');
    refusals.refuse?.forEach((entry, i) => {
      if (!/^[^/\s]+\/[^/\s]+$/.test(entry)) throw new SimFaultError(`refuse[${i}] must be "namespace/pod", found "${entry}"`);
    });
    this.portForwards.setRefusals(refusals);
  }

  /**
   * Breaks Hubble Relay's follow streams (GetFlows ends with UNAVAILABLE): now, or once `afterFlows`
   * more flows have been sent. Returns the calls broken now.
   */
  breakHubble(opts: { afterFlows?: number; connections?: boolean } = {}): number {
    if (!this.hubble) throw new SimFaultError('breakHubble: this simulated cluster runs no Hubble Relay');
    if (opts.afterFlows && opts.afterFlows > 0) {
      this.hubble.breakAfterFlows(opts.afterFlows, { connections: opts.connections });
      return 0;
    }
    return this.hubble.breakStreams({ connections: opts.connections });
  }

  /**
   * Restarts the API server: every connection (watches included) is cut, nothing listens for
   * `downMs`, then the server listens again on the same port. Resolves when it is back.
   */
  restartApiServer(opts: SimRestartOptions = {}): Promise<void> {
    const server = this.server;
    if (!server) return Promise.reject(new SimFaultError('restartApiServer: this fault set is not attached to a running server'));
    this.restarting ??= (async () => {
      try {
        await server.stop();
        await new Promise((resolve) => setTimeout(resolve, opts.downMs ?? 200));
        if (opts.compact) server.compact();
        await server.start();
      } finally {
        this.restarting = undefined;
      }
    })();
    return this.restarting;
  }

  /**
   * Called by the request handler for each resource request (the record names verb and resource).
   * Returns true when the fault answered the request; false to serve it normally (possibly after a
   * delay, or with a response that the fault will cut or corrupt).
   */
  async intercept(req: IncomingMessage, res: ServerResponse, record: SimRequestRecord): Promise<boolean> {
    const rule = this.take(record);
    if (!rule) return false;
    const { fault } = rule;
    const watching = record.verb === 'watch';
    switch (fault.kind) {
      case 'status': {
        const [reason, message] = REASONS[fault.code] ?? ['InternalError', `simulated fault (HTTP ${fault.code})`];
        const status = kubeStatus(fault.code, fault.reason ?? reason, fault.message ?? message, fault.code === 429 ? { retryAfterSeconds: fault.retryAfterSeconds ?? 1 } : undefined);
        const headers: OutgoingHttpHeaders = {};
        if (fault.code === 429 || fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds ?? 1);
        sendJsonWithHeaders(res, fault.code, status, headers);
        return true;
      }
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'expireWatch':
        if (!watching) return false;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
        res.end(`${JSON.stringify({ type: 'ERROR', object: kubeStatus(410, 'Expired', 'too old resource version (simulated fault)') })}\n`);
        record.status = 200;
        return true;
      case 'cutWatch':
        if (watching) cutWatchAfter(res, fault.afterEvents ?? 0);
        return false;
      case 'truncate':
        if (!watching) corruptBody(res, (body) => ({ body: body.subarray(0, fault.bytes ?? Math.floor(body.length / 2)), cut: true }));
        return false;
      case 'malformed':
        if (watching) garbleNextEvent(res);
        else corruptBody(res, (body) => ({ body: Buffer.concat([body.subarray(0, Math.floor(body.length / 2)), Buffer.from('\u0000<html>not json')]), cut: false }));
        return false;
    }
  }

  private take(record: SimRequestRecord): SimFault | undefined {
    for (const rule of this.rules) {
      if (!matches(rule.match, record)) continue;
      if (rule.fault.kind === 'cutWatch' || rule.fault.kind === 'expireWatch') {
        if (record.verb !== 'watch') continue;
      }
      if (rule.fault.kind === 'truncate' && record.verb === 'watch') continue;
      rule.hits++;
      if (rule.times !== undefined && rule.hits >= rule.times) rule.remove();
      return rule;
    }
    return undefined;
  }
}

function matches(match: SimFaultMatch | undefined, record: SimRequestRecord): boolean {
  if (!match) return true;
  if (match.verb !== undefined && !(Array.isArray(match.verb) ? match.verb : [match.verb]).includes(record.verb)) return false;
  if (match.resource !== undefined && record.resource !== match.resource && record.resource?.split('.')[0] !== match.resource) return false;
  if (match.namespace !== undefined && record.namespace !== match.namespace) return false;
  if (match.pathPrefix !== undefined && !record.path.startsWith(match.pathPrefix)) return false;
  return true;
}

function sendJsonWithHeaders(res: ServerResponse, code: number, body: unknown, headers: OutgoingHttpHeaders): void {
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, v);
  sendJson(res, code, body);
}

/** Lets `afterEvents` events through, then writes half of the next event line and cuts the connection. */
function cutWatchAfter(res: ServerResponse, afterEvents: number): void {
  const write = res.write.bind(res) as (chunk: string | Buffer) => boolean;
  let passed = 0;
  let cut = false;
  res.write = ((chunk: string | Buffer, ...rest: unknown[]): boolean => {
    if (cut) return false;
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.startsWith('{"type":"BOOKMARK"') || passed < afterEvents) {
      if (!text.startsWith('{"type":"BOOKMARK"')) passed++;
      return (write as (c: string | Buffer, ...r: unknown[]) => boolean)(chunk, ...rest);
    }
    cut = true;
    write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    // let the partial line reach the client before the connection goes
    setImmediate(() => res.socket?.destroy());
    return false;
  }) as typeof res.write;
}

/** Replaces the next event line (not a BOOKMARK) with a line that is not JSON; later events go through. */
function garbleNextEvent(res: ServerResponse): void {
  const write = res.write.bind(res) as (chunk: string | Buffer, ...rest: unknown[]) => boolean;
  let done = false;
  res.write = ((chunk: string | Buffer, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (done || text.startsWith('{"type":"BOOKMARK"')) return write(chunk, ...rest);
    done = true;
    return write(`${text.slice(0, Math.floor(text.length / 2)).replace(/[{}]/g, '#')}\u0000garbled\n`);
  }) as typeof res.write;
}

/**
 * Rewrites the body of the next `writeHead` + `end` pair (how `sendJson` answers): `cut` keeps the
 * original Content-Length and closes the connection after the shortened body.
 */
function corruptBody(res: ServerResponse, change: (body: Buffer) => { body: Buffer; cut: boolean }): void {
  const writeHead = res.writeHead.bind(res) as (code: number, headers?: OutgoingHttpHeaders) => ServerResponse;
  const end = res.end.bind(res) as (chunk?: string | Buffer) => ServerResponse;
  let head: { code: number; headers: OutgoingHttpHeaders } | undefined;
  res.writeHead = ((code: number, headers?: OutgoingHttpHeaders) => {
    head = { code, headers: { ...(headers ?? {}) } };
    return res;
  }) as typeof res.writeHead;
  res.end = ((chunk?: string | Buffer | (() => void)) => {
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.alloc(0);
    const changed = change(body);
    const headers = { ...(head?.headers ?? {}) };
    if (!changed.cut) headers['Content-Length'] = changed.body.length;
    writeHead(head?.code ?? 200, headers);
    if (!changed.cut) return end(changed.body);
    res.write(changed.body);
    setImmediate(() => res.socket?.destroy());
    return res;
  }) as typeof res.end;
}

/** Checks a rule (from code or from the control API's JSON); throws `SimFaultError` naming the field. */
export function parseSimFaultRule(input: unknown): SimFaultRule {
  const fail = (path: string, expected: string): never => {
    throw new SimFaultError(`fault rule: ${path} must be ${expected}`);
  };
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const nonNegInt = (v: unknown, path: string): number | undefined =>
    v === undefined ? undefined : typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(path, 'a non-negative integer');
  const optString = (v: unknown, path: string): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : fail(path, 'a string'));
  if (!isRecord(input)) return fail('the rule', 'an object with "fault"');
  for (const key of Object.keys(input)) if (!['match', 'fault', 'times'].includes(key)) fail(key, 'one of: match, fault, times (unknown field)');
  const rule: SimFaultRule = { fault: { kind: 'malformed' } };
  const times = nonNegInt(input.times, 'times');
  if (times !== undefined) {
    if (times === 0) fail('times', 'at least 1');
    rule.times = times;
  }
  if (input.match !== undefined) {
    if (!isRecord(input.match)) fail('match', 'an object');
    const m = input.match as Record<string, unknown>;
    for (const key of Object.keys(m)) if (!['verb', 'resource', 'namespace', 'pathPrefix'].includes(key)) fail(`match.${key}`, 'one of: verb, resource, namespace, pathPrefix (unknown field)');
    const verb = m.verb;
    if (verb !== undefined && typeof verb !== 'string' && !(Array.isArray(verb) && verb.every((v) => typeof v === 'string'))) fail('match.verb', 'a string or a list of strings');
    rule.match = {
      ...(verb !== undefined ? { verb: verb as string | string[] } : {}),
      ...(m.resource !== undefined ? { resource: optString(m.resource, 'match.resource') } : {}),
      ...(m.namespace !== undefined ? { namespace: optString(m.namespace, 'match.namespace') } : {}),
      ...(m.pathPrefix !== undefined ? { pathPrefix: optString(m.pathPrefix, 'match.pathPrefix') } : {}),
    };
  }
  if (!isRecord(input.fault)) return fail('fault', `an object with "kind" (${FAULT_KINDS.join(', ')})`);
  const f = input.fault;
  const kind = f.kind;
  const allow = (keys: string[]): void => {
    for (const key of Object.keys(f)) if (key !== 'kind' && !keys.includes(key)) fail(`fault.${key}`, `one of: kind${keys.length ? `, ${keys.join(', ')}` : ''} (unknown field for kind ${String(kind)})`);
  };
  switch (kind) {
    case 'status': {
      allow(['code', 'reason', 'message', 'retryAfterSeconds']);
      const code = nonNegInt(f.code, 'fault.code');
      if (code === undefined || code < 400 || code > 599) return fail('fault.code', 'an HTTP error code (400–599)');
      const retryAfterSeconds = nonNegInt(f.retryAfterSeconds, 'fault.retryAfterSeconds');
      rule.fault = {
        kind,
        code,
        ...(f.reason !== undefined ? { reason: optString(f.reason, 'fault.reason') } : {}),
        ...(f.message !== undefined ? { message: optString(f.message, 'fault.message') } : {}),
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      };
      break;
    }
    case 'delay': {
      allow(['ms']);
      const ms = nonNegInt(f.ms, 'fault.ms');
      if (ms === undefined) return fail('fault.ms', 'a non-negative integer (milliseconds)');
      rule.fault = { kind, ms };
      break;
    }
    case 'truncate': {
      allow(['bytes']);
      const bytes = nonNegInt(f.bytes, 'fault.bytes');
      rule.fault = bytes === undefined ? { kind } : { kind, bytes };
      break;
    }
    case 'cutWatch': {
      allow(['afterEvents']);
      const afterEvents = nonNegInt(f.afterEvents, 'fault.afterEvents');
      rule.fault = afterEvents === undefined ? { kind } : { kind, afterEvents };
      break;
    }
    case 'malformed':
    case 'expireWatch':
      allow([]);
      rule.fault = { kind };
      break;
    default:
      return fail('fault.kind', `one of: ${FAULT_KINDS.join(', ')}`);
  }
  return rule;
}
