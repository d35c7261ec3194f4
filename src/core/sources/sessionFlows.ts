/**
 * The flows of a session: for a live cluster Hubble Relay, reached through the Kubernetes
 * port-forward API to `kube-system/hubble-relay` (Service port 80 → container 4245, or 443 with TLS)
 * or at a configured address, in plaintext or TLS (`HubbleAccess`: files are read on connect),
 * connected on first use and kept; for a snapshot the `hubble/*.jsonl` lines it was loaded with.
 *
 * `status` is the session's `hubble` source row: "Hubble not installed", "Relay unreachable",
 * "no flows", or where the flows come from. No call throws anything but `HubbleError`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { compileFlowFilters, FlowFilterError } from '../hubble/flowFilter';
import type { Flow, FlowFilter, FlowRecord } from '../hubble/flowTypes';
import { connectRelay } from '../hubble/connectRelay';
import { flowKey, followFlows, HubbleError, type HubbleClient } from '../hubble/hubbleClient';
import type { HubbleAccess } from '../hubble/hubbleTls';
import { decodeHubbleLines } from '../hubble/hubbleJson';
import { formatHubbleTime, nowNanos, parseHubbleTime } from '../hubble/hubbleTime';
import type { SourceStatus } from '../model';
import type { RawHubbleLine } from '../snapshot/rawSnapshot';

export interface FlowQuery {
  /** Hubble filters (ORed); none = every flow. */
  whitelist?: FlowFilter[];
  /** The newest `last` flows (default 1000). */
  last?: number;
}

export interface FollowHandlers {
  signal: AbortSignal;
  onReconnect?: (message: string) => void;
}

export interface SessionFlows {
  readonly status: SourceStatus;
  /** Whether `follow` can stream new flows (a live Relay). */
  readonly live: boolean;
  /** Matching flows, oldest first. Throws `HubbleError`. */
  recent(query: FlowQuery, signal?: AbortSignal): Promise<FlowRecord[]>;
  /** New matching flows until `signal` aborts (reconnecting after breaks); nothing for a snapshot. Throws `HubbleError`. */
  follow(query: FlowQuery, handlers: FollowHandlers): AsyncIterable<FlowRecord>;
  /** Connects (live) and updates `status`; never throws. */
  probe(signal?: AbortSignal): Promise<SourceStatus>;
  /** New settings (address, TLS): the connection is made again and follow streams move to it; never throws. */
  reconfigure?(access: HubbleAccess): Promise<SourceStatus>;
  close(): Promise<void>;
}

const DEFAULT_LAST = 1000;

/** Flows of a snapshot (`hubble/*.jsonl`). */
export function snapshotFlows(lines: readonly RawHubbleLine[]): SessionFlows {
  const { records, problems } = decodeHubbleLines(lines);
  const bad = problems.filter((p) => p.reason !== 'not-a-flow').length;
  const status: SourceStatus =
    lines.length === 0
      ? { name: 'hubble', state: 'missing', detail: 'no flows: no hubble/*.jsonl in the snapshot' }
      : records.length === 0
        ? { name: 'hubble', state: 'ok', detail: `no flows: hubble/*.jsonl holds ${lines.length} lines and none is a flow` }
        : { name: 'hubble', state: 'ok', detail: `${records.length} flows from hubble/*.jsonl${bad ? ` (${bad} lines unreadable)` : ''}` };
  const ordered = [...records].sort((a, b) => compareTime(a.time, b.time));
  return {
    status,
    live: false,
    async recent(query) {
      const keep = compile(query.whitelist);
      const matching = ordered.filter((r) => keep(r.flow));
      return matching.slice(Math.max(0, matching.length - (query.last ?? DEFAULT_LAST)));
    },
    follow() {
      return { [Symbol.asyncIterator]: async function* () {} };
    },
    async probe() {
      return status;
    },
    async close() {},
  };
}

/** Flows of a live cluster through Hubble Relay; connects on the first `probe`, `recent` or `follow`. */
export function relayFlows(kc: KubeConfig, opts: { timeoutMs?: number; onStatus?: (status: SourceStatus) => void; access?: HubbleAccess } = {}): SessionFlows {
  let client: Promise<HubbleClient> | undefined;
  let closed = false;
  let access: HubbleAccess = opts.access ?? {};
  // aborted when the settings change: follow streams reconnect with the new ones
  let generation = new AbortController();
  // the shared connection (and its port-forward) lives as long as this object, not as long as a caller's signal
  const lifetime = new AbortController();
  const flows: SessionFlows = {
    status: { name: 'hubble', state: 'loading', detail: 'Hubble Relay not asked yet' },
    live: true,
    async recent(query, signal) {
      const keep = compile(query.whitelist);
      const c = await connect(signal);
      const out: FlowRecord[] = [];
      try {
        for await (const flow of c.getFlows({ number: query.last ?? DEFAULT_LAST, whitelist: query.whitelist ?? [] }, { signal })) {
          if (keep(flow)) out.push(recordOf(flow));
        }
      } catch (err) {
        await failed(c, err);
        throw err;
      }
      return out;
    },
    follow(query, handlers) {
      return {
        [Symbol.asyncIterator]: async function* () {
          const keep = compile(query.whitelist);
          // after new settings the stream resumes from the last flow seen, without repeating it
          let since: string | undefined;
          let sinceNanos: bigint | undefined;
          const recent = new Set<string>();
          while (!handlers.signal.aborted) {
            const current = generation.signal;
            const c = await connect(handlers.signal);
            // nothing seen yet: a stream opened again starts where the first one did
            const first = since === undefined;
            since ??= formatHubbleTime(nowNanos());
            const stream = followFlows(c, { whitelist: query.whitelist ?? [], ...(first ? {} : { since }) }, {
              signal: AbortSignal.any([handlers.signal, current]),
              onReconnect: ({ attempt, error }) => handlers.onReconnect?.(`flow stream broke (${error.message}); reconnecting (attempt ${attempt})`),
            });
            try {
              for await (const flow of stream) {
                const key = flowKey(flow);
                if (recent.has(key)) continue;
                recent.add(key);
                if (recent.size > 2_000) recent.delete(recent.values().next().value as string);
                const t = flow.time ? parseHubbleTime(flow.time) : undefined;
                if (t !== undefined && (sinceNanos === undefined || t > sinceNanos)) {
                  sinceNanos = t;
                  since = flow.time;
                }
                if (keep(flow)) yield recordOf(flow);
              }
            } catch (err) {
              if (!current.aborted || handlers.signal.aborted) {
                await failed(c, err);
                throw err;
              }
            }
            if (handlers.signal.aborted || !current.aborted) return;
            handlers.onReconnect?.('the Hubble settings changed: connecting to Relay again');
          }
        },
      };
    },
    async probe(signal) {
      try {
        await connect(signal);
      } catch {
        // the status says why
      }
      return flows.status;
    },
    async reconfigure(next) {
      access = next;
      generation.abort();
      generation = new AbortController();
      const c = client;
      client = undefined;
      await c?.then((x) => x.close(), () => undefined);
      return flows.probe();
    },
    async close() {
      closed = true;
      lifetime.abort();
      generation.abort();
      const c = client;
      client = undefined;
      await c?.then((x) => x.close(), () => undefined);
    },
  };
  const setStatus = (status: SourceStatus): void => {
    (flows as { status: SourceStatus }).status = status;
    opts.onStatus?.(status);
  };
  /** A call failed in a way reconnecting to the same pod cannot fix: forget the client, so the next use finds Relay again (a new pod after a rollout). */
  const failed = async (c: HubbleClient, err: unknown): Promise<void> => {
    if (!(err instanceof HubbleError) || (err.kind !== 'unreachable' && err.kind !== 'failed')) return;
    setStatus(errorStatus(err));
    if (client && (await client.catch(() => undefined)) === c) {
      client = undefined;
      await c.close();
    }
  };
  const connect = (signal?: AbortSignal): Promise<HubbleClient> => {
    if (closed) return Promise.reject(new HubbleError('aborted', 'the session is closed'));
    if (!client) {
      setStatus({ name: 'hubble', state: 'loading', detail: access.address ? `connecting to Hubble Relay at ${access.address}` : 'connecting to Hubble Relay through port-forward' });
      const attempt = connectRelay(access, { kc, signal: lifetime.signal, timeoutMs: opts.timeoutMs ?? 10_000 });
      client = attempt;
      attempt.then(
        (c) => setStatus(statusOf(c)),
        (err: unknown) => {
          // a failed attempt is not kept: the next use tries again (Relay may come up)
          if (client === attempt) client = undefined;
          if (!(err instanceof HubbleError && err.kind === 'aborted')) setStatus(errorStatus(err));
        },
      );
    }
    return signal ? untilAborted(client, signal) : client;
  };
  return flows;
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new HubbleError('aborted', 'cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new HubbleError('aborted', 'cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function statusOf(client: HubbleClient): SourceStatus {
  const tls = client.tls ? `, ${client.tls.clientCertificate ? 'mTLS' : 'TLS'} (server name ${client.tls.serverName}${client.tls.insecureSkipVerify ? ', certificate not verified' : ''})` : '';
  const via = `${client.relay ? `Relay pod ${client.relay.namespace}/${client.relay.pod} port ${client.relay.port} through port-forward` : `Relay at ${client.address}`}${tls}`;
  const s = client.status;
  if (client.state === 'no-flows') return { name: 'hubble', state: 'ok', detail: `no flows: Relay's ring buffers are empty (${via})` };
  const nodes = s?.num_connected_nodes !== undefined ? `, ${s.num_connected_nodes} nodes` : '';
  return { name: 'hubble', state: 'ok', detail: `${via}${s ? `; ${s.num_flows} flows buffered${nodes}` : ''}` };
}

function errorStatus(err: unknown): SourceStatus {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof HubbleError) {
    switch (err.kind) {
      case 'not-installed':
        return { name: 'hubble', state: 'missing', detail: `Hubble not installed: ${message}` };
      case 'forbidden':
      case 'unauthorized':
        return { name: 'hubble', state: 'forbidden', detail: message };
      case 'unreachable':
        return { name: 'hubble', state: 'error', detail: `Relay unreachable: ${message}` };
      case 'tls':
        return { name: 'hubble', state: 'error', detail: `Relay TLS: ${message}` };
      case 'config':
        return { name: 'hubble', state: 'error', detail: `Hubble settings: ${message}` };
      default:
        return { name: 'hubble', state: 'error', detail: message };
    }
  }
  return { name: 'hubble', state: 'error', detail: message };
}

function compile(whitelist: FlowFilter[] | undefined): (flow: Flow) => boolean {
  try {
    return compileFlowFilters(whitelist ?? []);
  } catch (err) {
    if (err instanceof FlowFilterError) throw new HubbleError('invalid-request', err.message, undefined, { cause: err });
    throw err;
  }
}

function recordOf(flow: Flow): FlowRecord {
  return { flow, nodeName: flow.node_name ?? '', time: flow.time ?? '' };
}

function compareTime(a: string, b: string): number {
  const x = parseHubbleTime(a) ?? 0n;
  const y = parseHubbleTime(b) ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}
