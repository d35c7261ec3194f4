/**
 * Port-forward to a pod port, the way @kubernetes/client-node's `PortForward` does it (reference:
 * wire-protocols.md §3.1): a local `net.Server` on 127.0.0.1:0, and for each accepted TCP connection
 * one websocket `…/pods/<pod>/portforward?ports=<port>` (subprotocols `v5…v2.channel.k8s.io`,
 * `channel.k8s.io`; the kubelet picks `v4.channel.k8s.io`). `PortForward` frames the bytes (data on
 * channel 0, errors on channel 1, the port in the first two bytes of each channel).
 *
 * What this module adds around `PortForward`:
 * - the websocket is opened by a small handler (client-node's injectable `WebSocketInterface`) that
 *   keeps the HTTP status and the `Status` message when the upgrade is refused (401, 403, 404, 400),
 *   where client-node's own handler only says `Unexpected server response: 403`;
 * - text the kubelet writes on the error channel (`error forwarding port 61679 to pod …: … connection
 *   refused`) becomes a `PortForwardError`, collected in `errors` and passed to `onError` listeners;
 * - the websocket closing ends the local connection (client-node leaves it open), and the local
 *   connection closing closes the websocket.
 *
 * `httpGetThroughPortForward` opens a forward, does one HTTP GET over it and closes everything.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import WebSocket from 'ws';

export type PortForwardErrorKind =
  /** 401: the credentials were not accepted. */
  | 'unauthorized'
  /** 403: RBAC denies `create` on `pods/portforward`. */
  | 'forbidden'
  /** 404: no such pod (or namespace). */
  | 'not-found'
  /** Another HTTP status on the upgrade (400 pod not running, 500, …). */
  | 'rejected'
  /** The pod's port refused the connection (kubelet text on the error channel). */
  | 'refused'
  /** Other kubelet text on the error channel. */
  | 'forward-failed'
  /** The API server could not be reached (DNS, TCP, TLS). */
  | 'unreachable'
  | 'timeout'
  | 'aborted';

export class PortForwardError extends Error {
  constructor(
    readonly kind: PortForwardErrorKind,
    message: string,
    readonly namespace: string,
    readonly pod: string,
    readonly port: number,
    /** The HTTP status of a refused upgrade. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PortForwardError';
  }
}

export interface PodPortForward {
  /** The local port (on 127.0.0.1) that leads to the pod's port. */
  localPort: number;
  namespace: string;
  pod: string;
  port: number;
  /** Every failure so far (refused upgrades, error-channel text), oldest first. */
  readonly errors: readonly PortForwardError[];
  /** Calls `listener` on each later failure; returns a function that removes it. */
  onError(listener: (error: PortForwardError) => void): () => void;
  /** Websockets open or opening now (one per local TCP connection). */
  readonly openConnections: number;
  /** Stops listening, closes every websocket and local connection. */
  close(): Promise<void>;
}

/** The subprotocols client-node offers (`web-socket-handler.ts`). */
const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** A refused upgrade's body is read up to this size for its `Status` message. */
const MAX_STATUS_BODY = 64 * 1024;

type WebSocketInterface = NonNullable<ConstructorParameters<typeof PortForward>[2]>;

interface Target {
  namespace: string;
  pod: string;
  port: number;
}

/**
 * Opens a forward: resolves once the local listener is up. The websocket of each connection is
 * opened when the connection is accepted, so authorization and pod errors show up then, through
 * `errors`/`onError` (and the local connection is closed).
 */
export async function openPodPortForward(kc: KubeConfig, namespace: string, pod: string, port: number, signal?: AbortSignal): Promise<PodPortForward> {
  const target: Target = { namespace, pod, port };
  if (signal?.aborted) throw aborted(target);
  const errors: PortForwardError[] = [];
  const listeners = new Set<(error: PortForwardError) => void>();
  const sockets = new Set<Socket>();
  /** Every websocket from its creation (connecting ones too) until it closes. */
  const websockets = new Set<WebSocket>();
  let closing: Promise<void> | undefined;
  const portForward = new PortForward(
    kc,
    true,
    new StatusAwareWebSocketHandler(kc, target, (ws) => {
      websockets.add(ws);
      ws.once('close', () => websockets.delete(ws));
    }),
  );

  const report = (error: PortForwardError): void => {
    errors.push(error);
    for (const listener of [...listeners]) listener(error);
  };

  const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    const errorChannel = new ErrorChannel((text) => report(errorChannelError(target, text)));
    portForward.portForward(namespace, pod, [port], socket, errorChannel, socket).then(
      (result) => {
        const ws = result as WebSocket;
        if (socket.destroyed || closing) {
          void closeWebSocket(ws);
          return;
        }
        ws.on('close', () => socket.end());
        socket.on('close', () => {
          if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        });
        socket.resume();
      },
      (err: unknown) => {
        socket.destroy();
        if (closing) return; // cancelled by close(): not a failure of the forward
        report(err instanceof PortForwardError ? err : new PortForwardError('unreachable', `port-forward to pod ${namespace}/${pod} port ${port}: ${describe(err)}`, namespace, pod, port));
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const localPort = (server.address() as { port: number }).port;

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await Promise.all([...websockets].map((ws) => closeWebSocket(ws)));
      await serverClosed;
    })());
  const onAbort = (): void => void close();
  signal?.addEventListener('abort', onAbort, { once: true });

  return {
    localPort,
    namespace,
    pod,
    port,
    errors,
    onError(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get openConnections() {
      return websockets.size;
    },
    close,
  };
}

export interface HttpGetOptions {
  signal?: AbortSignal;
  /** For the whole exchange, forward included; default 10 s. */
  timeoutMs?: number;
  /** An `http.Agent` (e.g. keep-alive, to send several requests over one forwarded connection). */
  agent?: Agent;
}

export interface HttpGetResult {
  status: number;
  body: string;
}

/** Opens a forward to the pod port, does one HTTP GET of `path` through it and closes it again. */
export async function httpGetThroughPortForward(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  port: number,
  path: string,
  opts: Omit<HttpGetOptions, 'agent'> = {},
): Promise<HttpGetResult> {
  const forward = await openPodPortForward(kc, namespace, pod, port, opts.signal);
  try {
    return await httpGetOverForward(forward, path, opts);
  } finally {
    await forward.close();
  }
}

/**
 * One HTTP GET through an open forward. Rejects with the forward's `PortForwardError` when the
 * upgrade is refused or the kubelet reports an error while the request is pending, with kind
 * `timeout`/`aborted` on `timeoutMs`/`signal`.
 */
export function httpGetOverForward(forward: PodPortForward, path: string, opts: HttpGetOptions = {}): Promise<HttpGetResult> {
  const target: Target = forward;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise<HttpGetResult>((resolve, reject) => {
    let settled = false;
    const errorsBefore = forward.errors.length;
    const finish = (err: Error | undefined, result?: HttpGetResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopListening();
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(result!);
    };
    const stopListening = forward.onError((error) => finish(error));
    const timer = setTimeout(
      () => finish(new PortForwardError('timeout', `port-forward to pod ${target.namespace}/${target.pod} port ${target.port}: no answer to GET ${path} within ${timeoutMs} ms`, target.namespace, target.pod, target.port)),
      timeoutMs,
    );
    const onAbort = (): void => finish(aborted(target));
    if (opts.signal?.aborted) {
      queueMicrotask(onAbort);
    } else {
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    }

    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: forward.localPort,
        path,
        method: 'GET',
        agent: opts.agent ?? false,
        headers: { Accept: 'application/json', ...(opts.agent ? {} : { Connection: 'close' }) },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => failLater(err));
      },
    );
    // A refused forward also resets the local connection: prefer the forward's own error, which
    // may arrive a moment later than the reset.
    const failLater = (err: Error): void => {
      setTimeout(() => {
        const forwardError = forward.errors.slice(errorsBefore)[0];
        finish(
          forwardError ??
            new PortForwardError('forward-failed', `port-forward to pod ${target.namespace}/${target.pod} port ${target.port}: GET ${path}: ${describe(err)}`, target.namespace, target.pod, target.port),
        );
      }, 50);
    };
    req.on('error', failLater);
    req.end();
  });
}

/** Client-node's `WebSocketHandler.connect`, keeping the status and message of a refused upgrade. */
class StatusAwareWebSocketHandler implements WebSocketInterface {
  constructor(
    private readonly kc: KubeConfig,
    private readonly target: Target,
    private readonly onCreate: (ws: WebSocket) => void,
  ) {}

  async connect(
    path: string,
    textHandler: ((text: string) => boolean) | null,
    binaryHandler: ((stream: number, buff: Buffer) => boolean) | null,
  ): Promise<WebSocket> {
    const { namespace, pod, port } = this.target;
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new PortForwardError('unreachable', `kubeconfig has no current cluster (context "${this.kc.getCurrentContext()}")`, namespace, pod, port);
    const server = cluster.server.replace(/\/+$/, '');
    const uri = `${server.startsWith('https://') ? 'wss' : 'ws'}://${server.replace(/^https?:\/\//, '')}${path}`;
    const opts: WebSocket.ClientOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(uri, CHANNEL_PROTOCOLS, opts);
      this.onCreate(ws);
      let settled = false;
      const settle = (err: Error | undefined): void => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve(ws);
      };
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_STATUS_BODY) chunks.push(c);
        });
        const done = (): void => {
          settle(upgradeRefused(this.target, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          ws.terminate();
        };
        res.on('end', done);
        res.on('error', done);
      });
      ws.on('open', () => settle(undefined));
      ws.on('error', (err) => settle(new PortForwardError('unreachable', `port-forward to pod ${namespace}/${pod} port ${port}: cannot reach the Kubernetes API at ${cluster.server}: ${describe(err)}`, namespace, pod, port)));
      ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        if (!isBinary) {
          if (textHandler && !textHandler(data.toString())) ws.close();
          return;
        }
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        if (buf.length === 0) return;
        if (binaryHandler && !binaryHandler(buf.readUInt8(0), buf.subarray(1))) ws.close();
      });
    });
  }
}

/** Collects error-channel bytes; each non-empty message is one error text. */
class ErrorChannel extends Writable {
  constructor(private readonly onText: (text: string) => void) {
    super();
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    const text = chunk.toString();
    if (text.length > 0) this.onText(text);
    callback();
  }
}

function errorChannelError(target: Target, text: string): PortForwardError {
  const kind: PortForwardErrorKind = /connection refused/i.test(text) ? 'refused' : 'forward-failed';
  const hint = kind === 'refused' ? ` (nothing listens on port ${target.port} in the pod)` : '';
  return new PortForwardError(kind, `port-forward to pod ${target.namespace}/${target.pod} port ${target.port} failed${hint}: ${text}`, target.namespace, target.pod, target.port);
}

function upgradeRefused(target: Target, status: number, body: string): PortForwardError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { kind?: unknown; message?: unknown };
    if (parsed?.kind === 'Status' && typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not a Status: keep the text
  }
  const kind: PortForwardErrorKind = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not-found' : 'rejected';
  const what = `port-forward to pod ${target.namespace}/${target.pod} port ${target.port}`;
  return new PortForwardError(kind, `${what}: HTTP ${status}${message ? `: ${message}` : ''}`, target.namespace, target.pod, target.port, status);
}

function aborted(target: Target): PortForwardError {
  return new PortForwardError('aborted', `port-forward to pod ${target.namespace}/${target.pod} port ${target.port} was cancelled`, target.namespace, target.pod, target.port);
}

/**
 * Closes a websocket cleanly (a connecting one is abandoned), terminating it when the server does
 * not answer the close within 1 s.
 */
function closeWebSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 1000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error && cause.message ? cause.message : err.message;
  }
  return String(err);
}
