/**
 * Hubble Relay client over gRPC (grpc-js + the embedded protos, `hubbleProtos.ts`): `ServerStatus`,
 * `GetFlows` as an async iterable of flows, and `followFlows`, which keeps a follow stream going
 * across breaks.
 *
 * Two ways to reach Relay:
 * - `{ address: 'host:port' }` — e.g. a `kubectl port-forward` or `cilium hubble port-forward` already
 *   running, or an in-cluster address;
 * - `{ kc, via: 'port-forward' }` — find Relay the way `kubectl -n kube-system port-forward
 *   service/hubble-relay 4245:80` does: the Service (`kube-system/hubble-relay`), its selector's pods,
 *   the service port (80, or 443 with TLS) → targetPort (4245, or the container port it names), then a
 *   Kubernetes port-forward to a running pod (`openPodPortForward`, one websocket per TCP connection);
 *   gRPC speaks HTTP/2 to the local end of the tunnel.
 *
 * Failures are `HubbleError`s with a kind the caller can show: `not-installed` (no Relay Service or
 * pod), `unreachable` (connection refused, timeout, Relay pod not running, port-forward refused),
 * `forbidden`/`unauthorized` (RBAC on services, pods or pods/portforward; a rejected token),
 * `invalid-request` (a filter Relay rejects), `protocol` (the server is not a Hubble observer),
 * `tls` (the TLS handshake failed: an unknown CA, a server name the certificate does not hold,
 * plaintext to a TLS Relay or the reverse, a missing or refused client certificate; the message says
 * which and what to set), `aborted`, `failed`.
 *
 * TLS (`tls`): with `when: 'auto'` and port-forward, TLS is spoken when the Service port is 443 or
 * named like TLS, as Cilium's chart makes it with `hubble.relay.tls.server.enabled=true`. The name
 * checked against Relay's certificate is `serverName`, else the address's host name, else
 * `ui.hubble-relay.cilium.io` (the address through port-forward is 127.0.0.1). An empty ring buffer is no error: `client.state` is `no-flows`.
 */
import * as grpc from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, kubeGetJson } from '../sources/kubeRequest';
import { openPodPortForward, PortForwardError, type PodPortForward } from '../sources/podPortForward';
import type { Flow, FlowFilter, GetFlowsRequest, HubbleServerStatus, LostEvent, NodeStatusEvent } from './flowTypes';
import { jsonToWire, wireToJson } from './hubbleCodec';
import { hubbleProtos } from './hubbleProtos';
import { DEFAULT_RELAY_SERVER_NAME, isTlsServicePort, probeTls, relayServerName, tlsFailureOf, type TlsFailure, type TlsProbe } from './hubbleTls';
import { parseHubbleTime, toWireTimestamp } from './hubbleTime';

export type HubbleErrorKind = 'not-installed' | 'unreachable' | 'forbidden' | 'unauthorized' | 'invalid-request' | 'protocol' | 'tls' | 'config' | 'aborted' | 'failed';

export class HubbleError extends Error {
  constructor(
    readonly kind: HubbleErrorKind,
    message: string,
    /** The gRPC status code, when the failure came from a call. */
    readonly code?: grpc.status,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubbleError';
  }
}

export type HubbleTarget =
  | { address: string }
  | {
      kc: KubeConfig;
      via: 'port-forward';
      /** Default `kube-system`. */
      namespace?: string;
      /** Default `hubble-relay`. */
      service?: string;
    };

export interface HubbleTlsOptions {
  /** PEM of the CA that signed Relay's server certificate (`hubble-relay-client-certs` `ca.crt`). */
  ca?: string | Buffer;
  /** Client certificate and key, when Relay requires mTLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name to check the certificate against (through port-forward the address is 127.0.0.1), e.g. `ui.hubble-relay.cilium.io`. */
  serverName?: string;
  /** Accept any server certificate (still encrypted). */
  insecureSkipVerify?: boolean;
  /** `always` (default), or `auto`: through port-forward, only when the Service port is Relay's TLS port (443 or named like TLS). */
  when?: 'always' | 'auto';
  /** What to call the inputs in a handshake failure's advice (settings or flags); generic words by default. */
  names?: { tls?: string; caFile?: string; certFile?: string; keyFile?: string; serverName?: string; insecureSkipVerify?: string };
  /** The CA and client certificate files, for messages (never their content). */
  files?: { caFile?: string; certFile?: string };
}

export interface ConnectHubbleOptions {
  /** TLS to Relay (`hubble.relay.tls.server.enabled`); plaintext when absent. */
  tls?: HubbleTlsOptions;
  /** What to call the TLS inputs in advice when plaintext meets a TLS Relay (as `tls.names`). */
  names?: HubbleTlsOptions['names'];
  signal?: AbortSignal;
  /** For finding Relay and for the first ServerStatus; default 10 s. */
  timeoutMs?: number;
  /** Call ServerStatus before returning, so that an unreachable Relay fails here (default true). */
  probe?: boolean;
}

export interface GetFlowsOptions {
  signal?: AbortSignal;
  /** Relay's node status events (which nodes take part in the call). */
  onNodeStatus?: (event: NodeStatusEvent) => void;
  /** Events Hubble lost (ring buffer overrun, perf ring full). */
  onLostEvents?: (event: LostEvent) => void;
  /** The server accepted the call (its response headers arrived). */
  onStart?: () => void;
}

export interface HubbleClient {
  /** Where gRPC connects: the given address, or the local end of the port-forward. */
  readonly address: string;
  /** The Relay pod and port when reached through port-forward. */
  readonly relay?: { namespace: string; pod: string; port: number; service?: string };
  /** TLS in use: the name checked against Relay's certificate (undefined: plaintext). */
  readonly tls?: { serverName: string; insecureSkipVerify: boolean; clientCertificate: boolean };
  /** ServerStatus from the probe (undefined with `probe: false`). */
  readonly status?: HubbleServerStatus;
  /** `no-flows` when the probe found an empty ring buffer. */
  readonly state: 'ready' | 'no-flows' | 'unknown';
  serverStatus(opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<HubbleServerStatus>;
  /**
   * One GetFlows call. Ends when the server ends the call (never on its own with `follow`); breaking
   * out of the loop or aborting `signal` cancels the call. Throws `HubbleError`.
   */
  getFlows(request: GetFlowsRequest, opts?: GetFlowsOptions): AsyncIterable<Flow>;
  close(): Promise<void>;
}

const DEFAULT_NAMESPACE = 'kube-system';
const DEFAULT_SERVICE = 'hubble-relay';
const RELAY_PORT = 4245;

/** Connects to Hubble Relay (and by default checks it answers ServerStatus). Throws `HubbleError`. */
export async function connectHubble(target: HubbleTarget, opts: ConnectHubbleOptions = {}): Promise<HubbleClient> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (opts.signal?.aborted) throw abortedError();
  let forward: PodPortForward | undefined;
  let relay: HubbleClient['relay'];
  let address: string;
  let tls = opts.tls;
  if ('address' in target) {
    address = target.address.replace(/^tls:\/\//, '');
  } else {
    const namespace = target.namespace ?? DEFAULT_NAMESPACE;
    const service = target.service ?? DEFAULT_SERVICE;
    const found = await findRelayPod(target.kc, namespace, service, opts.signal);
    relay = { namespace, pod: found.pod, port: found.port, ...(found.service ? { service: found.service } : {}) };
    if (tls?.when === 'auto' && !isTlsServicePort(found.servicePort)) tls = undefined;
    try {
      forward = await openPodPortForward(target.kc, namespace, found.pod, found.port, opts.signal);
    } catch (err) {
      throw fromPortForwardError(err, relay);
    }
    address = `127.0.0.1:${forward.localPort}`;
  }
  const where = relay ? `Hubble Relay pod ${relay.namespace}/${relay.pod} port ${relay.port} (port-forward)` : `Hubble Relay at ${address}`;
  if (tls) tls = { ...tls, serverName: relayServerName(tls.serverName, relay ? undefined : address) };
  const client = new ObserverClientImpl(address, where, forward, relay, tls, opts.tls?.names ?? opts.names);
  if (opts.probe ?? true) {
    try {
      await client.probe({ signal: opts.signal, timeoutMs });
    } catch (err) {
      await client.close();
      throw err;
    }
  }
  return client;
}

class ObserverClientImpl implements HubbleClient {
  status?: HubbleServerStatus;
  readonly tls: HubbleClient['tls'];
  private readonly grpcClient: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  private closed = false;
  /** What a TLS probe found after a connection failure (asked once). */
  private probed: Promise<TlsProbe> | undefined;

  constructor(
    readonly address: string,
    private readonly where: string,
    private readonly forward: PodPortForward | undefined,
    readonly relay: HubbleClient['relay'],
    private readonly tlsOptions: HubbleTlsOptions | undefined,
    private readonly names: HubbleTlsOptions['names'],
  ) {
    const { ObserverClient } = hubbleProtos();
    this.tls = tlsOptions
      ? { serverName: tlsOptions.serverName ?? DEFAULT_RELAY_SERVER_NAME, insecureSkipVerify: Boolean(tlsOptions.insecureSkipVerify), clientCertificate: Boolean(tlsOptions.cert) }
      : undefined;
    this.grpcClient = new ObserverClient(address, credentialsFor(tlsOptions), channelOptionsFor(tlsOptions)) as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  }

  get state(): HubbleClient['state'] {
    if (!this.status) return 'unknown';
    return this.status.num_flows === 0 ? 'no-flows' : 'ready';
  }

  async probe(opts: { signal?: AbortSignal; timeoutMs?: number }): Promise<void> {
    this.status = await this.serverStatus(opts);
  }

  serverStatus(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HubbleServerStatus> {
    if (opts.signal?.aborted) return Promise.reject(abortedError());
    const errorsBefore = this.forward?.errors.length ?? 0;
    return new Promise<HubbleServerStatus>((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = this.grpcClient.ServerStatus(
        {},
        { deadline: Date.now() + (opts.timeoutMs ?? 10_000) },
        (err: grpc.ServiceError | null, response: unknown) => {
          opts.signal?.removeEventListener('abort', onAbort);
          if (err) {
            void this.classify(err, errorsBefore, opts.signal).then(reject);
            return;
          }
          resolve(statusFromWire(response));
        },
      ) as grpc.ClientUnaryCall;
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  getFlows(request: GetFlowsRequest, opts: GetFlowsOptions = {}): AsyncIterable<Flow> {
    const wire = requestToWire(request);
    return { [Symbol.asyncIterator]: () => this.iterateFlows(wire, opts) };
  }

  private async *iterateFlows(wire: Record<string, unknown>, opts: GetFlowsOptions): AsyncGenerator<Flow> {
    if (opts.signal?.aborted) return;
    const errorsBefore = this.forward?.errors.length ?? 0;
    const call = this.grpcClient.GetFlows(wire) as grpc.ClientReadableStream<Record<string, unknown>>;
    const onAbort = (): void => call.cancel();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.onStart) call.once('metadata', () => opts.onStart?.());
    let finished = false;
    try {
      for await (const response of call) {
        const kind = response.response_types;
        if (kind === 'flow' && response.flow) {
          yield wireToJson('flow.Flow', response.flow) as Flow;
        } else if (kind === 'node_status' && response.node_status) {
          opts.onNodeStatus?.(wireToJson('relay.NodeStatusEvent', response.node_status) as NodeStatusEvent);
        } else if (kind === 'lost_events' && response.lost_events) {
          opts.onLostEvents?.(wireToJson('flow.LostEvent', response.lost_events) as LostEvent);
        }
      }
      finished = true;
    } catch (err) {
      finished = true;
      if (opts.signal?.aborted) return;
      throw await this.classify(err, errorsBefore, opts.signal);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!finished) call.cancel(); // the consumer stopped early
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.grpcClient.close();
    await this.forward?.close();
  }

  /** A gRPC failure as a HubbleError, preferring what the port-forward reported meanwhile. */
  private async classify(err: unknown, errorsBefore: number, signal: AbortSignal | undefined): Promise<HubbleError> {
    if (signal?.aborted) return abortedError();
    const e = err as Partial<grpc.ServiceError>;
    const code = typeof e.code === 'number' ? e.code : undefined;
    const details = e.details || (err as Error)?.message || String(err);
    if (this.forward && code !== grpc.status.INVALID_ARGUMENT && code !== grpc.status.UNIMPLEMENTED) {
      const fwd = await nextForwardError(this.forward, errorsBefore, 250);
      if (fwd) return fromPortForwardError(fwd, this.relay, code);
    }
    if (code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED) {
      const failure = tlsFailureOf(details) ?? (await this.probeTlsOnce());
      if (failure) return new HubbleError('tls', this.tlsMessage(failure, details), code, { cause: err });
    }
    switch (code) {
      case grpc.status.UNAVAILABLE:
      case grpc.status.DEADLINE_EXCEEDED:
        return new HubbleError('unreachable', `${this.where} is unreachable: ${details}`, code, { cause: err });
      case grpc.status.UNIMPLEMENTED:
        return new HubbleError('protocol', `${this.where} does not serve the Hubble observer API (${details})`, code, { cause: err });
      case grpc.status.INVALID_ARGUMENT:
        return new HubbleError('invalid-request', `${this.where} rejected the request: ${details}`, code, { cause: err });
      case grpc.status.PERMISSION_DENIED:
        return new HubbleError('forbidden', `${this.where}: permission denied: ${details}`, code, { cause: err });
      case grpc.status.UNAUTHENTICATED:
        return new HubbleError('unauthorized', `${this.where}: not authenticated: ${details}`, code, { cause: err });
      case grpc.status.CANCELLED:
        return new HubbleError('aborted', `${this.where}: call cancelled: ${details}`, code, { cause: err });
      default:
        return new HubbleError('failed', `${this.where}: ${details}`, code, { cause: err });
    }
  }

  /**
   * gRPC says only "failed to connect" when plaintext reaches a TLS Relay, or when Relay refuses a
   * client certificate after the handshake: one plain TLS connection tells which.
   */
  private probeTlsOnce(): Promise<TlsFailure | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(this.address);
    if (!m) return Promise.resolve(undefined);
    const options = this.tlsOptions;
    this.probed ??= probeTls(m[1]!, Number(m[2]), {
      servername: options?.serverName ?? DEFAULT_RELAY_SERVER_NAME,
      ...(options?.ca ? { ca: Buffer.from(options.ca) } : {}),
      ...(options?.cert && options.key ? { cert: Buffer.from(options.cert), key: Buffer.from(options.key) } : {}),
      // plaintext: is anything speaking TLS there at all?
      insecureSkipVerify: options ? Boolean(options.insecureSkipVerify) : true,
    });
    return this.probed.then((result) => {
      if (!options) return result.handshake ? 'tls-only' : undefined;
      return result.failure;
    });
  }

  private tlsMessage(failure: TlsFailure, details: string): string {
    const n = this.names ?? {};
    const files = this.tlsOptions?.files ?? {};
    const name = (key: keyof NonNullable<HubbleTlsOptions['names']>, fallback: string): string => n[key] ?? fallback;
    const serverName = this.tlsOptions?.serverName ?? DEFAULT_RELAY_SERVER_NAME;
    const why = shortTlsReason(details);
    switch (failure) {
      case 'unknown-ca':
        return `${this.where}: TLS handshake failed: Relay's certificate is not signed by ${files.caFile ? `the CA in ${files.caFile}` : 'a CA this machine trusts (no CA file given)'} (${why}). Set ${name('caFile', 'the CA file')} to the CA that signed Relay's certificate (ca.crt of the hubble-relay-client-certs Secret, or Cilium's CA), or ${name('insecureSkipVerify', 'insecure skip verify')} to accept any certificate.`;
      case 'server-name':
        return `${this.where}: TLS handshake failed: Relay's certificate does not hold the server name "${serverName}" (${why}). Set ${name('serverName', 'the server name')} to a name in the certificate (Cilium issues *.hubble-relay.cilium.io, so ${DEFAULT_RELAY_SERVER_NAME}).`;
      case 'not-tls':
        return `${this.where}: TLS handshake failed: Relay answers plaintext, not TLS (${why}). Turn TLS off (${name('tls', 'TLS')}: false, or auto through port-forward).`;
      case 'tls-only':
        return `${this.where}: Relay speaks TLS and CNI Lens spoke plaintext (hubble.relay.tls.server.enabled=true). Turn TLS on (${name('tls', 'TLS')}) and set ${name('caFile', 'the CA file')} to Relay's CA.`;
      case 'client-cert-required':
        return `${this.where}: TLS handshake failed: Relay requires a client certificate (mTLS) and none was given (${why}). Set ${name('certFile', 'the client certificate')} and ${name('keyFile', 'the client key')} to a certificate signed by the CA Relay trusts.`;
      case 'client-cert-rejected':
        return `${this.where}: TLS handshake failed: Relay refused the client certificate${files.certFile ? ` in ${files.certFile}` : ''} (${why}). Give ${name('certFile', 'a client certificate')} signed by the CA Relay trusts.`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// followFlows: a follow stream that survives breaks

export interface FollowFlowsOptions {
  signal?: AbortSignal;
  /** Consecutive failed attempts before giving up (default 10); an attempt that starts resets the count. */
  maxRetries?: number;
  /** First delay before reconnecting (doubles per failure up to 5 s, each jittered into [d/2, d]); default 250 ms. */
  retryDelayMs?: number;
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number;
  /** Called before each reconnect, with the error, the delay and the time the stream resumes from. */
  onReconnect?: (info: { attempt: number; error: HubbleError; since?: string; retryInMs: number }) => void;
  /** Called when a stream opened after a break has been accepted by Relay (flows are live again). */
  onResume?: () => void;
  onNodeStatus?: (event: NodeStatusEvent) => void;
  onLostEvents?: (event: LostEvent) => void;
  /** How many recent flows are remembered to drop the ones a resumed stream sends again; default 10,000. */
  dedupeWindow?: number;
}

const RETRYABLE: ReadonlySet<HubbleErrorKind> = new Set(['unreachable', 'failed']);

/**
 * Follows flows (`request` with `follow: true`) until `signal` aborts. When the stream breaks (Relay
 * restarts, the port-forward drops), it reconnects with `since` = the time of the last flow seen and
 * drops flows it already yielded (by uuid, else by content), so the caller sees each flow once.
 * Throws `HubbleError` when an error is not worth retrying or retries run out.
 */
export async function* followFlows(client: HubbleClient, request: GetFlowsRequest, opts: FollowFlowsOptions = {}): AsyncGenerator<Flow> {
  const { signal } = opts;
  const maxRetries = opts.maxRetries ?? 10;
  const seen = new RecentKeys(opts.dedupeWindow ?? 10_000);
  let lastTime: bigint | undefined;
  let lastTimeText: string | undefined;
  let failures = 0;
  let broken = false;
  let current: GetFlowsRequest = { ...request, follow: true, first: false };
  const onStart = (): void => {
    failures = 0;
    if (broken) {
      broken = false;
      opts.onResume?.();
    }
  };
  while (!signal?.aborted) {
    let error: HubbleError;
    try {
      const flows = client.getFlows(current, { signal, onNodeStatus: opts.onNodeStatus, onLostEvents: opts.onLostEvents, onStart });
      for await (const flow of flows) {
        failures = 0;
        const key = flowKey(flow);
        if (seen.has(key)) continue;
        seen.add(key);
        const t = flow.time ? parseHubbleTime(flow.time) : undefined;
        if (t !== undefined && (lastTime === undefined || t > lastTime)) {
          lastTime = t;
          lastTimeText = flow.time;
        }
        yield flow;
      }
      if (signal?.aborted) return;
      error = new HubbleError('unreachable', 'the flow stream ended');
    } catch (err) {
      if (signal?.aborted) return;
      if (!(err instanceof HubbleError) || !RETRYABLE.has(err.kind)) throw err;
      error = err;
    }
    failures++;
    broken = true;
    if (failures > maxRetries) throw error;
    const ceiling = Math.min(5_000, (opts.retryDelayMs ?? 250) * 2 ** (failures - 1));
    const delay = Math.round(ceiling / 2 + (opts.random ?? Math.random)() * (ceiling / 2));
    opts.onReconnect?.({ attempt: failures, error, retryInMs: delay, ...(lastTimeText ? { since: lastTimeText } : {}) });
    if (!(await sleep(delay, signal))) return;
    current = lastTimeText ? { ...request, follow: true, first: false, number: 0, since: lastTimeText } : { ...request, follow: true, first: false };
  }
}

/** A flow's identity for de-duplication: its uuid, else its content. */
export function flowKey(flow: Flow): string {
  return flow.uuid ? `uuid:${flow.uuid}` : `json:${JSON.stringify(flow)}`;
}

class RecentKeys {
  private readonly set = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  has(key: string): boolean {
    return this.set.has(key);
  }

  add(key: string): void {
    this.set.add(key);
    this.order.push(key);
    if (this.order.length - this.head > this.limit) {
      this.set.delete(this.order[this.head++]!);
      if (this.head > 4096) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Finding Relay in the cluster

interface KubeService {
  spec?: { selector?: Record<string, string>; ports?: Array<{ name?: string; port?: number; targetPort?: number | string }> };
}

interface KubePod {
  metadata?: { name?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort?: number }> }> };
  status?: { phase?: string; conditions?: Array<{ type?: string; status?: string }> };
}

/** The Relay pod to forward to and its port; throws `HubbleError`. */
export async function findRelayPod(
  kc: KubeConfig,
  namespace = DEFAULT_NAMESPACE,
  service = DEFAULT_SERVICE,
  signal?: AbortSignal,
): Promise<{ pod: string; port: number; service?: string; servicePort?: { port?: number; name?: string } }> {
  let svc: KubeService | undefined;
  let serviceForbidden: KubeApiError | undefined;
  try {
    svc = (await kubeGetJson(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}`, {}, signal)) as KubeService;
  } catch (err) {
    if (signal?.aborted) throw abortedError();
    if (err instanceof KubeApiError && err.status === 404) svc = undefined;
    else if (err instanceof KubeApiError && err.status === 403) serviceForbidden = err;
    else throw fromKubeError(err, `read Service ${namespace}/${service}`);
  }
  const selector = svc?.spec?.selector && Object.keys(svc.spec.selector).length ? svc.spec.selector : { 'k8s-app': service };
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  let pods: KubePod[];
  try {
    const list = (await kubeGetJson(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { labelSelector }, signal)) as { items?: KubePod[] };
    pods = Array.isArray(list.items) ? list.items : [];
  } catch (err) {
    if (signal?.aborted) throw abortedError();
    throw fromKubeError(err, `list pods ${labelSelector} in ${namespace}`);
  }
  pods = pods.filter((p) => p.metadata?.name && !p.metadata.deletionTimestamp);
  if (pods.length === 0) {
    if (svc) throw new HubbleError('not-installed', `Hubble Relay is not running: Service ${namespace}/${service} selects no pod (${labelSelector})`);
    if (serviceForbidden) throw new HubbleError('forbidden', `cannot find Hubble Relay: ${serviceForbidden.message}`, undefined, { cause: serviceForbidden });
    throw new HubbleError('not-installed', `Hubble Relay is not installed: no Service ${namespace}/${service} and no pod ${labelSelector} (Cilium Helm values hubble.relay.enabled=true)`);
  }
  const running = pods.filter((p) => p.status?.phase === 'Running');
  if (running.length === 0) {
    const p = pods[0]!;
    throw new HubbleError('unreachable', `Hubble Relay pod ${namespace}/${p.metadata!.name} is ${p.status?.phase ?? 'not running'}`);
  }
  const ready = (p: KubePod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  running.sort((a, b) => Number(ready(b)) - Number(ready(a)) || (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
  const pod = running[0]!;
  const { port, servicePort } = relayPort(svc, pod);
  return { pod: pod.metadata!.name!, port, ...(svc ? { service } : {}), ...(servicePort ? { servicePort } : {}) };
}

/** Service port 80 (else 443, else the first) → its targetPort, resolving a port name in the pod. */
function relayPort(svc: KubeService | undefined, pod: KubePod): { port: number; servicePort?: { port?: number; name?: string } } {
  const containerPorts = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  const byName = (name: string): number | undefined => containerPorts.find((p) => p.name === name)?.containerPort;
  const ports = svc?.spec?.ports ?? [];
  const sp = ports.find((p) => p.port === 80) ?? ports.find((p) => p.port === 443) ?? ports[0];
  if (sp) {
    const servicePort = { ...(sp.port !== undefined ? { port: sp.port } : {}), ...(sp.name ? { name: sp.name } : {}) };
    const target = sp.targetPort;
    if (typeof target === 'number') return { port: target, servicePort };
    if (typeof target === 'string' && /^\d+$/.test(target)) return { port: Number(target), servicePort };
    if (typeof target === 'string') return { port: byName(target) ?? RELAY_PORT, servicePort };
    if (sp.port) return { port: sp.port, servicePort };
  }
  return { port: byName('grpc') ?? containerPorts[0]?.containerPort ?? RELAY_PORT };
}

function fromKubeError(err: unknown, what: string): HubbleError {
  if (err instanceof KubeApiError) {
    if (err.status === 403) return new HubbleError('forbidden', `cannot ${what}: ${err.message}`, undefined, { cause: err });
    if (err.status === 401) return new HubbleError('unauthorized', `cannot ${what}: the Kubernetes API rejected the credentials (${err.message})`, undefined, { cause: err });
    if (err.status === undefined) return new HubbleError('unreachable', `cannot ${what}: ${err.message}`, undefined, { cause: err });
    return new HubbleError('failed', `cannot ${what}: ${err.message}`, undefined, { cause: err });
  }
  return new HubbleError('failed', `cannot ${what}: ${(err as Error)?.message ?? String(err)}`, undefined, { cause: err });
}

function fromPortForwardError(err: unknown, relay: HubbleClient['relay'], code?: grpc.status): HubbleError {
  if (!(err instanceof PortForwardError)) return new HubbleError('failed', (err as Error)?.message ?? String(err), code, { cause: err });
  const what = relay ? `port-forward to Hubble Relay pod ${relay.namespace}/${relay.pod} port ${relay.port}` : 'port-forward to Hubble Relay';
  switch (err.kind) {
    case 'forbidden':
      return new HubbleError('forbidden', `${what} is not allowed (RBAC: create pods/portforward in ${err.namespace}): ${err.message}`, code, { cause: err });
    case 'unauthorized':
      return new HubbleError('unauthorized', `${what}: the Kubernetes API rejected the credentials: ${err.message}`, code, { cause: err });
    case 'aborted':
      return new HubbleError('aborted', err.message, code, { cause: err });
    case 'not-found':
      return new HubbleError('unreachable', `${what}: the pod is gone: ${err.message}`, code, { cause: err });
    default:
      return new HubbleError('unreachable', `${what} failed: ${err.message}`, code, { cause: err });
  }
}

/** The first error the forward reports after `errorsBefore`, waiting up to `waitMs` for it. */
function nextForwardError(forward: PodPortForward, errorsBefore: number, waitMs: number): Promise<PortForwardError | undefined> {
  const existing = forward.errors[errorsBefore];
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(undefined);
    }, waitMs);
    const stop = forward.onError((error) => {
      clearTimeout(timer);
      stop();
      resolve(error);
    });
  });
}

function abortedError(): HubbleError {
  return new HubbleError('aborted', 'cancelled');
}

// ---------------------------------------------------------------------------------------------
// Wire conversions of requests and answers

/** A request as proto-loader's serializer takes it (times as Timestamps: a Date would become 1970). */
export function requestToWire(request: GetFlowsRequest): Record<string, unknown> {
  const filters = (list: FlowFilter[] | undefined): unknown[] => (list ?? []).map((f) => jsonToWire('flow.FlowFilter', f));
  const wire: Record<string, unknown> = {
    number: String(Math.max(0, Math.floor(request.number ?? 0))),
    first: Boolean(request.first),
    follow: Boolean(request.follow),
    whitelist: filters(request.whitelist),
    blacklist: filters(request.blacklist),
  };
  if (request.since !== undefined) wire.since = toWireTimestamp(request.since);
  if (request.until !== undefined) wire.until = toWireTimestamp(request.until);
  return wire;
}

function statusFromWire(response: unknown): HubbleServerStatus {
  const r = (response ?? {}) as Record<string, unknown>;
  const wrapped = (v: unknown): number | undefined => (v && typeof v === 'object' && 'value' in v ? Number((v as { value: unknown }).value) : undefined);
  const status: HubbleServerStatus = {
    num_flows: Number(r.num_flows ?? 0),
    max_flows: Number(r.max_flows ?? 0),
    seen_flows: Number(r.seen_flows ?? 0),
    uptime_ns: String(r.uptime_ns ?? '0'),
    unavailable_nodes: Array.isArray(r.unavailable_nodes) ? (r.unavailable_nodes as string[]) : [],
    version: typeof r.version === 'string' ? r.version : '',
  };
  const connected = wrapped(r.num_connected_nodes);
  const unavailable = wrapped(r.num_unavailable_nodes);
  if (connected !== undefined) status.num_connected_nodes = connected;
  if (unavailable !== undefined) status.num_unavailable_nodes = unavailable;
  return status;
}

/** The part of a gRPC connection error that says what TLS failed on (OpenSSL's reason, Node's message). */
function shortTlsReason(details: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(details);
  if (openssl) return openssl[1]!.trim();
  return details
    .replace(/^No connection established\. Last error: /, '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/g, '')
    .replace(/\.?\s*Resolution note:[\s\S]*$/, '')
    .replace(/^Error(?: \[[A-Z_]+\])?: /, '')
    .trim();
}

function credentialsFor(tls: HubbleTlsOptions | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const buf = (v: string | Buffer | undefined): Buffer | null => (v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));
  return grpc.credentials.createSsl(buf(tls.ca), buf(tls.key), buf(tls.cert), tls.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {});
}

function channelOptionsFor(tls: HubbleTlsOptions | undefined): grpc.ChannelOptions {
  const options: grpc.ChannelOptions = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
  if (tls?.serverName) {
    options['grpc.ssl_target_name_override'] = tls.serverName;
    options['grpc.default_authority'] = tls.serverName;
  }
  return options;
}
