/**
 * A simulated Hubble Relay: a grpc-js server for `observer.Observer` (`GetFlows`, `ServerStatus`;
 * the other methods answer UNIMPLEMENTED) over a ring buffer of flows, with the semantics of
 * Hubble's observer (`pkg/hubble/observer/local_observer.go`):
 * - `first` with `follow` is INVALID_ARGUMENT (`first cannot be specified with follow`); a filter
 *   that cannot be applied is INVALID_ARGUMENT before any flow is sent;
 * - start: with `first` (and no `since`) the oldest flow; with `follow`, `number` 0 and no `since`
 *   the live tail; otherwise back from the newest flow until `number` matching flows (or, with
 *   `since`, the first flow before `since`; with neither, the whole ring);
 * - then forward: flows before `since` and flows the filters reject are skipped, the call ends at the
 *   first flow after `until`, and without `follow` after `number` flows (0 = no limit); with `follow`
 *   it waits for new flows until the client cancels;
 * - every call starts with a `node_status` NODE_CONNECTED naming the nodes, as Relay's do; a reader
 *   overtaken by the ring gets a `lost_events` (HUBBLE_RING_BUFFER).
 * Flows come from `hubble observe -o json` lines (decoded by `decodeHubbleLines`), `addFlows`, or the
 * live generator, which re-emits template flows with fresh times and uuids.
 *
 * Connections: `open()` returns one end of an in-memory stream pair whose other end is injected into
 * the gRPC server (`createConnectionInjector`), so port-forward needs no TCP port; `listen()` also
 * binds a TCP port for clients that connect by address.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { compileFlowFilters, FlowFilterError } from '../../core/hubble/flowFilter';
import type { Flow, FlowFilter, FlowRecord } from '../../core/hubble/flowTypes';
import { jsonToWire, wireToJson } from '../../core/hubble/hubbleCodec';
import { hubbleProtos } from '../../core/hubble/hubbleProtos';
import { formatHubbleTime, nanosToTimestamp, nowNanos, parseHubbleTime, timestampToNanos, type WireTimestamp } from '../../core/hubble/hubbleTime';
import { duplexPair } from '../portForward/duplexPair';

export interface SimHubbleLiveOptions {
  /** Period between generated flows; default 1000 ms. */
  intervalMs?: number;
  /** Flows to re-emit (cycled); default: the flows the relay started with. */
  templates?: Flow[];
  /** Every n-th generated flow is a DROPPED template (when there are any); default 5. */
  dropEvery?: number;
}

export interface SimHubbleRelayOptions {
  /** Flows in the ring at start, oldest first. */
  records?: FlowRecord[];
  /** Ring capacity (Hubble's default 4095). */
  maxFlows?: number;
  /** The nodes Relay is connected to (for ServerStatus and node_status); default: the flows' nodes. */
  nodes?: () => string[];
  /** Version in ServerStatus; default from the flows' emitter, else `1.18.6`. */
  version?: string;
  /** Send a NODE_CONNECTED node_status at the start of each GetFlows (default true). */
  nodeStatus?: boolean;
  /** Generate flows continuously (off by default). */
  live?: SimHubbleLiveOptions | boolean;
  /** Serve TLS (`hubble.relay.tls.server.enabled`) instead of plaintext, on injected and TCP connections. */
  tls?: SimHubbleRelayTls;
}

export interface SimHubbleRelayTls {
  /** Relay's server certificate and key (PEM). */
  certPem: string;
  keyPem: string;
  /** With mTLS: the CA (PEM) client certificates must chain to; a client without one is refused. */
  clientCaPem?: string;
}

interface RingEntry {
  seq: number;
  nanos: bigint;
  record: FlowRecord;
  /** The GetFlowsResponse as proto-loader serializes it. */
  response: Record<string, unknown>;
}

interface ActiveCall {
  call: grpc.ServerWritableStream<Record<string, unknown>, Record<string, unknown>>;
  done: boolean;
  wake?: () => void;
}

export interface SimHubbleRelayStats {
  /** GetFlows calls in progress. */
  activeCalls: number;
  /** Injected connections not yet closed. */
  connections: number;
  numFlows: number;
  seenFlows: number;
  /** GetFlows calls served since start. */
  totalCalls: number;
}

export class SimHubbleRelay {
  readonly maxFlows: number;
  private readonly ring: RingEntry[] = [];
  private nextSeq = 0;
  private seenFlows = 0;
  private totalCalls = 0;
  private readonly calls = new Set<ActiveCall>();
  private readonly connections = new Set<Duplex>();
  private readonly startedAt = process.hrtime.bigint();
  private unavailable: string[] = [];
  private breakCountdown: { left: number; connections: boolean } | undefined;
  private liveTimer: NodeJS.Timeout | undefined;
  private readonly closeHooks: Array<() => void> = [];
  private closed: Promise<void> | undefined;
  private readonly version: string;
  private readonly templates: Flow[];

  private constructor(
    private readonly server: grpc.Server,
    private readonly injector: grpc.ConnectionInjector,
    private readonly credentials: grpc.ServerCredentials,
    private readonly opts: SimHubbleRelayOptions,
  ) {
    this.maxFlows = opts.maxFlows ?? 4095;
    const records = opts.records ?? [];
    this.version = opts.version ?? versionOf(records) ?? '1.18.6';
    this.templates = records.map((r) => r.flow);
    this.append(records);
  }

  static async start(opts: SimHubbleRelayOptions = {}): Promise<SimHubbleRelay> {
    const server = new grpc.Server();
    const credentials = serverCredentials(opts.tls);
    const injector = server.createConnectionInjector(credentials);
    const relay = new SimHubbleRelay(server, injector, credentials, opts);
    server.addService(hubbleProtos().observerService, {
      GetFlows: (call: ActiveCall['call']) => relay.getFlows(call),
      ServerStatus: (_call: unknown, callback: grpc.sendUnaryData<Record<string, unknown>>) => callback(null, relay.serverStatus()),
    });
    if (opts.live) relay.startLive(opts.live === true ? {} : opts.live);
    return relay;
  }

  /** A new connection to the server (what a forwarded TCP connection to port 4245 reaches). */
  open(): Duplex {
    if (this.closed) throw new Error('the simulated Hubble Relay is closed');
    const [client, server] = duplexPair();
    this.connections.add(server);
    server.once('close', () => this.connections.delete(server));
    this.injector.injectConnection(server);
    return client;
  }

  /** Also listens on a TCP port; returns `host:port`. */
  listen(host = '127.0.0.1', port = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, this.credentials, (err, bound) => {
        if (err) reject(err);
        else resolve(`${host.includes(':') ? `[${host}]` : host}:${bound}`);
      });
    });
  }

  /** Whether connections speak TLS, and whether a client certificate is required. */
  get tls(): 'off' | 'tls' | 'mtls' {
    return !this.opts.tls ? 'off' : this.opts.tls.clientCaPem ? 'mtls' : 'tls';
  }

  /** The flows in the ring, oldest first. */
  get flows(): FlowRecord[] {
    return this.ring.map((e) => e.record);
  }

  /**
   * Appends flows (observed now, by their own `time`; a flow without `time` gets the current time)
   * and wakes follow calls. Returns the records as stored.
   */
  addFlows(flows: ReadonlyArray<Flow | FlowRecord>): FlowRecord[] {
    const records = flows.map((f): FlowRecord => {
      const flow = 'flow' in f && typeof f.flow === 'object' ? f.flow : (f as Flow);
      const time = flow.time ?? formatHubbleTime(nowNanos());
      const nodeName = 'nodeName' in f && typeof f.nodeName === 'string' ? f.nodeName : (flow.node_name ?? '');
      return { flow: flow.time ? flow : { ...flow, time }, nodeName, time };
    });
    this.append(records);
    for (const c of this.calls) c.wake?.();
    return records;
  }

  /** Nodes reported unavailable in ServerStatus. */
  setUnavailableNodes(names: string[]): void {
    this.unavailable = [...names];
  }

  /**
   * Breaks the GetFlows calls in progress: each ends with UNAVAILABLE (Relay lost its peers); with
   * `connections`, every connection is reset as well (Relay restarted). Returns how many calls broke.
   */
  breakStreams(opts: { connections?: boolean } = {}): number {
    let broken = 0;
    for (const active of [...this.calls]) {
      if (active.done) continue;
      active.done = true;
      active.wake?.();
      broken++;
      active.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'hubble-relay: stream broken (simulated)' });
    }
    if (opts.connections) for (const c of [...this.connections]) c.destroy();
    return broken;
  }

  /**
   * Breaks the follow calls in progress mid-stream once `flows` more flows have been sent (counted
   * over all calls): as `breakStreams`, after those flows. Replaces an earlier countdown.
   */
  breakAfterFlows(flows: number, opts: { connections?: boolean } = {}): void {
    this.breakCountdown = flows <= 0 ? undefined : { left: flows, connections: Boolean(opts.connections) };
    if (flows <= 0) this.breakStreams(opts);
  }

  stats(): SimHubbleRelayStats {
    return { activeCalls: this.calls.size, connections: this.connections.size, numFlows: this.ring.length, seenFlows: this.seenFlows, totalCalls: this.totalCalls };
  }

  /** Starts the flow generator (replacing a running one). */
  startLive(live: SimHubbleLiveOptions = {}): void {
    this.stopLive();
    const templates = live.templates ?? this.templates;
    if (templates.length === 0) return;
    const drops = templates.filter((f) => f.verdict === 'DROPPED');
    const others = templates.filter((f) => f.verdict !== 'DROPPED');
    const dropEvery = Math.max(1, live.dropEvery ?? 5);
    let tick = 0;
    let nextDrop = 0;
    let nextOther = 0;
    this.liveTimer = setInterval(() => {
      tick++;
      const useDrop = drops.length > 0 && (others.length === 0 || tick % dropEvery === 0);
      const template = useDrop ? drops[nextDrop++ % drops.length]! : others[nextOther++ % others.length]!;
      this.addFlows([{ ...template, time: formatHubbleTime(nowNanos()), uuid: randomUUID() }]);
    }, live.intervalMs ?? 1000);
    this.liveTimer.unref();
  }

  stopLive(): void {
    if (this.liveTimer) clearInterval(this.liveTimer);
    this.liveTimer = undefined;
  }

  /** Runs `hook` on close (e.g. unregistering a port-forward backend). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  close(): Promise<void> {
    return (this.closed ??= (async () => {
      this.stopLive();
      for (const hook of this.closeHooks) hook();
      for (const active of this.calls) {
        active.done = true;
        active.wake?.();
      }
      for (const c of [...this.connections]) c.destroy();
      this.injector.destroy();
      await new Promise<void>((resolve) => {
        this.server.tryShutdown(() => resolve());
        setTimeout(() => {
          this.server.forceShutdown();
          resolve();
        }, 500).unref();
      });
    })());
  }

  // -------------------------------------------------------------------------------------------

  private append(records: readonly FlowRecord[]): void {
    for (const record of records) {
      const nanos = parseHubbleTime(record.time) ?? nowNanos();
      const wireFlow = jsonToWire('flow.Flow', record.flow);
      const response = { flow: wireFlow, node_name: record.nodeName, time: nanosToTimestamp(nanos) };
      this.ring.push({ seq: this.nextSeq++, nanos, record, response });
      this.seenFlows++;
    }
    if (this.ring.length > this.maxFlows) this.ring.splice(0, this.ring.length - this.maxFlows);
  }

  private get oldestSeq(): number {
    return this.ring.length ? this.ring[0]!.seq : this.nextSeq;
  }

  private entry(seq: number): RingEntry | undefined {
    return this.ring[seq - this.oldestSeq];
  }

  private nodeNames(): string[] {
    const given = this.opts.nodes?.();
    if (given && given.length) return [...given].sort();
    return [...new Set(this.ring.map((e) => e.record.nodeName).filter(Boolean))].sort();
  }

  private serverStatus(): Record<string, unknown> {
    const nodes = this.nodeNames();
    const unavailable = this.unavailable.filter((n) => nodes.includes(n) || !nodes.length);
    return {
      num_flows: String(this.ring.length),
      max_flows: String(this.maxFlows),
      seen_flows: String(this.seenFlows),
      uptime_ns: (process.hrtime.bigint() - this.startedAt).toString(),
      num_connected_nodes: { value: Math.max(0, nodes.length - unavailable.length) },
      num_unavailable_nodes: { value: unavailable.length },
      unavailable_nodes: unavailable,
      version: this.version,
    };
  }

  private getFlows(call: ActiveCall['call']): void {
    this.totalCalls++;
    const req = call.request ?? {};
    const fail = (code: grpc.status, details: string): void => {
      call.emit('error', { code, details });
    };
    if (req.first && req.follow) return fail(grpc.status.INVALID_ARGUMENT, 'first cannot be specified with follow');
    let match: (flow: Flow) => boolean;
    try {
      const filters = (list: unknown): FlowFilter[] => (Array.isArray(list) ? list.map((f) => wireToJson('flow.FlowFilter', f) as FlowFilter) : []);
      match = compileFlowFilters(filters(req.whitelist), filters(req.blacklist));
    } catch (err) {
      if (err instanceof FlowFilterError) return fail(grpc.status.INVALID_ARGUMENT, err.message);
      throw err;
    }
    const number = Number(req.number ?? 0);
    const follow = Boolean(req.follow);
    const since = req.since ? timestampToNanos(req.since as WireTimestamp) : undefined;
    const until = req.until ? timestampToNanos(req.until as WireTimestamp) : undefined;
    const active: ActiveCall = { call, done: false };
    this.calls.add(active);
    const finish = (): void => {
      active.done = true;
      active.wake?.();
    };
    call.on('cancelled', finish);
    call.on('close', finish);
    call.on('error', finish);
    void this.pump(active, { start: this.startSeq(req, number, since, match), number, follow, since, until, match }).finally(() => this.calls.delete(active));
  }

  /** Where a reader starts (`newRingReader`). */
  private startSeq(req: Record<string, unknown>, number: number, since: bigint | undefined, match: (flow: Flow) => boolean): number {
    if (req.first && since === undefined) return this.oldestSeq;
    if (req.follow && number === 0 && since === undefined) return this.nextSeq;
    let start = this.nextSeq;
    let count = 0;
    for (let i = this.ring.length - 1; i >= 0; i--) {
      const e = this.ring[i]!;
      if (!match(e.record.flow)) {
        start = e.seq;
        continue;
      }
      count++;
      if (since !== undefined) {
        if (e.nanos < since) break;
      } else if (count === number) {
        start = e.seq;
        break;
      }
      start = e.seq;
    }
    return start;
  }

  private async pump(
    active: ActiveCall,
    q: { start: number; number: number; follow: boolean; since?: bigint; until?: bigint; match: (flow: Flow) => boolean },
  ): Promise<void> {
    const { call } = active;
    if (this.opts.nodeStatus ?? true) {
      const status = { node_status: { state_change: 'NODE_CONNECTED', node_names: this.nodeNames() }, node_name: '', time: nanosToTimestamp(nowNanos()) };
      if (!(await this.write(active, status))) return;
    }
    let cursor = q.start;
    let sent = 0;
    while (!active.done) {
      if (cursor < this.oldestSeq) {
        const lost = this.oldestSeq - cursor;
        cursor = this.oldestSeq;
        const event = { lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: String(lost) }, node_name: '', time: nanosToTimestamp(nowNanos()) };
        if (!(await this.write(active, event))) return;
        continue;
      }
      if (cursor < this.nextSeq) {
        if (!q.follow && q.number > 0 && sent >= q.number) break;
        const e = this.entry(cursor++)!;
        if (q.until !== undefined && e.nanos > q.until) break;
        if (q.since !== undefined && e.nanos < q.since) continue;
        if (!q.match(e.record.flow)) continue;
        if (!(await this.write(active, e.response))) return;
        sent++;
        if (this.breakCountdown && --this.breakCountdown.left <= 0) {
          const { connections } = this.breakCountdown;
          this.breakCountdown = undefined;
          this.breakStreams({ connections });
          return;
        }
        continue;
      }
      if (!q.follow) break;
      await new Promise<void>((resolve) => (active.wake = resolve));
      active.wake = undefined;
    }
    if (!active.done) {
      active.done = true;
      call.end();
    }
  }

  /** Writes one response, waiting for the stream to drain; false when the call ended meanwhile. */
  private async write(active: ActiveCall, response: Record<string, unknown>): Promise<boolean> {
    if (active.done) return false;
    if (active.call.write(response)) return !active.done;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        active.call.off('drain', done);
        resolve();
      };
      active.call.once('drain', done);
      active.wake = done;
    });
    active.wake = undefined;
    return !active.done;
  }
}

function serverCredentials(tls: SimHubbleRelayTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const keyPair = { private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) };
  return grpc.ServerCredentials.createSsl(tls.clientCaPem ? Buffer.from(tls.clientCaPem) : null, [keyPair], Boolean(tls.clientCaPem));
}

function versionOf(records: readonly FlowRecord[]): string | undefined {
  for (const r of records) {
    const v = r.flow.emitter?.version;
    if (v) return v;
  }
  return undefined;
}
