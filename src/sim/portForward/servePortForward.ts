/**
 * `…/pods/<name>/portforward` as the API server and kubelet serve it to @kubernetes/client-node
 * (reference: wire-protocols.md §3.1; kubelet `pkg/kubelet/cri/streaming/portforward/websocket.go`):
 *
 * - a websocket upgrade with subprotocol `v4.channel.k8s.io` (binary: one channel byte + payload),
 *   `v4.base64.channel.k8s.io` (text: channel as an ASCII digit + base64) or none offered (binary);
 * - `ports=<p>` (repeatable, comma-separated); port i uses data channel 2i and error channel 2i+1;
 * - right after the upgrade each channel carries the port as uint16 little-endian in its own message;
 * - channel 2i bytes go to the pod port's connection and its bytes come back on channel 2i; a failure
 *   is text on channel 2i+1: `error forwarding port <p> to pod <name>, uid <uid>: <reason>`;
 * - the pod side closes → the websocket closes (1000) once every port is done; the client closes
 *   the websocket → the pod-side connections end.
 *
 * Authentication and RBAC (`create` on `pods/portforward`) are checked by the dispatcher before.
 * Not served: SPDY (`kubectl port-forward`, which offers `SPDY/3.1+portforward.k8s.io` over a
 * websocket, then falls back to a SPDY upgrade): 400, and kubectl prints
 * `error: error upgrading connection`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { RawKubeObject } from '../../core/snapshot/rawSnapshot';
import { Statuses, StatusError } from '../kubeStatus';
import type { ResourceRequest } from '../resourceRequest';
import type { SimApiContext, SimRequestRecord } from '../simApiContext';
import { PodPortRefused, type OpenTunnel, type SimPortForwards } from './simPortForwards';
import { takeUpgrade } from './upgradeStash';

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';
export const PORT_FORWARD_BASE64_PROTOCOL = 'v4.base64.channel.k8s.io';

/** What a plain (not upgraded) request is told; pinned by the sim API tests. */
const NOT_UPGRADED = 'port-forward is not supported yet by the simulated cluster';
/** Pause a pod-side connection while this much is queued on the websocket. */
const HIGH_WATER = 4 * 1024 * 1024;

const servers = new WeakMap<SimPortForwards, WebSocketServer>();

function websocketServer(forwards: SimPortForwards): WebSocketServer {
  let wss = servers.get(forwards);
  if (!wss) {
    wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      handleProtocols: (offered) => chooseProtocol([...offered]) ?? false,
    });
    servers.set(forwards, wss);
  }
  return wss;
}

/** The kubelet's choice: binary v4 first, then base64 v4; undefined when neither is offered. */
function chooseProtocol(offered: string[]): string | undefined {
  if (offered.includes(PORT_FORWARD_PROTOCOL)) return PORT_FORWARD_PROTOCOL;
  if (offered.includes(PORT_FORWARD_BASE64_PROTOCOL)) return PORT_FORWARD_BASE64_PROTOCOL;
  return undefined;
}

export function servePortForward(
  ctx: SimApiContext,
  forwards: SimPortForwards | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  rr: ResourceRequest,
  url: URL,
  record: SimRequestRecord,
): void {
  const upgrade = takeUpgrade(req);
  const pod = ctx.store.get(rr.resource, rr.namespace, rr.name!);
  if (!pod) throw new StatusError(Statuses.objectNotFound(rr.resource, rr.name!));
  if (!upgrade || !forwards) throw new StatusError(Statuses.badRequest(NOT_UPGRADED));

  const upgradeHeader = String(req.headers.upgrade ?? '').toLowerCase();
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (upgradeHeader !== 'websocket' || (offered.length > 0 && !chooseProtocol(offered))) {
    const what = upgradeHeader === 'websocket' ? `websocket subprotocol(s) ${offered.join(', ')}` : `a ${req.headers.upgrade} upgrade`;
    throw new StatusError(
      Statuses.badRequest(
        `port-forward with ${what} is not supported by the simulated cluster (SPDY, as kubectl port-forward uses, is not simulated); use a websocket with ${PORT_FORWARD_PROTOCOL} or ${PORT_FORWARD_BASE64_PROTOCOL}, as @kubernetes/client-node does`,
      ),
    );
  }
  const ports = parsePorts(url.searchParams);
  const spec = (pod.spec ?? {}) as { nodeName?: string };
  const phase = ((pod.status ?? {}) as { phase?: string }).phase;
  if (!spec.nodeName) throw new StatusError(Statuses.badRequest(`pod ${rr.name} does not have a host assigned`));
  if (phase !== 'Running') throw new StatusError(Statuses.badRequest(`pod ${rr.name} is not running (status.phase: ${phase ?? 'unknown'}); only a running pod can be port-forwarded`));

  // From here on the websocket owns the socket.
  res.detachSocket(upgrade.socket as never);
  websocketServer(forwards).handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => {
    record.status = 101;
    relay(forwards, ws, rr.namespace!, rr.name!, pod, ports);
  });
}

/** `ports` query values (repeatable, comma-separated), as the kubelet parses its `port` parameter. */
function parsePorts(query: URLSearchParams): number[] {
  const values = query.getAll('ports');
  if (values.length === 0) throw new StatusError(Statuses.badRequest('query parameter "ports" is required'));
  const ports: number[] = [];
  for (const value of values) {
    if (!value) throw new StatusError(Statuses.badRequest('query parameter "ports" cannot be empty'));
    for (const part of value.split(',')) {
      const port = /^\d+$/.test(part) ? Number(part) : NaN;
      if (!Number.isInteger(port) || port > 65535) throw new StatusError(Statuses.badRequest(`unable to parse "${value}" as a port`));
      if (port < 1) throw new StatusError(Statuses.badRequest(`port "${value}" must be > 0`));
      ports.push(port);
    }
  }
  return ports;
}

interface PortStream {
  port: number;
  target?: Duplex;
  /** Client bytes that arrived before the pod-side connection was ready. */
  pending: Buffer[];
  done: boolean;
}

function relay(forwards: SimPortForwards, ws: WebSocket, namespace: string, podName: string, pod: RawKubeObject, ports: number[]): void {
  const base64 = ws.protocol === PORT_FORWARD_BASE64_PROTOCOL;
  const streams: PortStream[] = ports.map((port) => ({ port, pending: [], done: false }));
  let closed = false;

  const tunnel: OpenTunnel = {
    namespace,
    pod: podName,
    ports,
    terminate: () => {
      ws.terminate();
      cleanUp();
    },
  };
  forwards.opened(tunnel);

  const send = (channel: number, data: Buffer, cb?: (err?: Error) => void): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString('base64'), cb);
    else ws.send(Buffer.concat([Buffer.of(channel), data]), { binary: true }, cb);
  };
  const cleanUp = (): void => {
    if (closed) return;
    closed = true;
    for (const s of streams) s.target?.destroy();
    forwards.closed(tunnel);
  };
  const finish = (s: PortStream): void => {
    if (s.done) return;
    s.done = true;
    if (streams.every((x) => x.done) && ws.readyState === ws.OPEN) ws.close(1000);
  };
  const fail = (s: PortStream, reason: string): void => {
    if (s.done) return;
    send(2 * streams.indexOf(s) + 1, Buffer.from(`error forwarding port ${s.port} to pod ${podName}, uid ${pod.metadata.uid ?? ''}: ${reason}`));
    s.target?.destroy();
    finish(s);
  };

  // The port, little-endian, first on each channel and in a message of its own.
  streams.forEach((s, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(s.port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
  });

  ws.on('message', (data: RawData, isBinary: boolean) => {
    const frame = decode(data, isBinary, base64);
    if (!frame || frame.payload.length === 0) return;
    const s = frame.channel % 2 === 0 ? streams[frame.channel / 2] : undefined;
    if (!s || s.done) return; // error channels are write-only; unknown channels are ignored
    if (!s.target) {
      s.pending.push(frame.payload);
      return;
    }
    if (!s.target.write(frame.payload)) {
      // backpressure: stop reading the websocket until the pod side drains
      ws.pause();
      s.target.once('drain', () => ws.resume());
    }
  });
  ws.on('close', cleanUp);
  ws.on('error', () => ws.terminate());

  for (const s of streams) {
    const channel = 2 * streams.indexOf(s);
    forwards.connect(namespace, podName, s.port, pod).then(
      (target) => {
        if (closed || s.done) {
          target.destroy();
          return;
        }
        s.target = target;
        let sawEnd = false;
        target.on('data', (chunk: Buffer) => {
          send(channel, chunk, () => {
            if (ws.bufferedAmount < HIGH_WATER) target.resume();
          });
          if (ws.bufferedAmount >= HIGH_WATER) target.pause();
        });
        target.on('end', () => {
          sawEnd = true;
          target.end();
          finish(s);
        });
        target.on('error', (err: NodeJS.ErrnoException) => fail(s, describeSocketError(err, s.port)));
        target.on('close', () => {
          if (!sawEnd) finish(s);
        });
        for (const chunk of s.pending.splice(0)) target.write(chunk);
      },
      (err: unknown) => fail(s, err instanceof PodPortRefused ? err.message : `failed to connect to localhost:${s.port}: ${(err as Error)?.message ?? String(err)}`),
    );
  }
}

function decode(data: RawData, isBinary: boolean, base64: boolean): { channel: number; payload: Buffer } | undefined {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.length === 0) return undefined;
  if (base64 && !isBinary) {
    const text = buf.toString('utf8');
    return { channel: text.charCodeAt(0) - 48, payload: Buffer.from(text.slice(1), 'base64') };
  }
  return { channel: buf[0]!, payload: buf.subarray(1) };
}

function describeSocketError(err: NodeJS.ErrnoException, port: number): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp4 127.0.0.1:${port}: connect: connection refused`;
  if (err.code === 'ECONNRESET') return `read tcp4 127.0.0.1:${port}: read: connection reset by peer`;
  return err.message;
}
