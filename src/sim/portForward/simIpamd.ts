/**
 * The ipamd introspection server of each simulated node, served in-process: port 61679 of a
 * host-network pod (the `aws-node` pod, or any other host-network pod on the same node: they share
 * the node's network namespace, where ipamd binds 127.0.0.1:61679) is an HTTP/1.1 server answering
 * like `pkg/ipamd/introspect.go` (reference: datapath.md A2 "ipamd introspection"):
 *
 * - `/v1/enis`: the node's `ipamd/<node>.json` body from the snapshot, compact JSON;
 * - `/v1/eni-configs`: the node's ENIConfig name as a JSON string (label
 *   `vpc.amazonaws.com/externalEniConfig`, else annotation `$ENI_CONFIG_ANNOTATION_DEF`, else label
 *   `$ENI_CONFIG_LABEL_DEF`, else `default`); 404 `Not Found` when the Node object is gone;
 * - `/v1/networkutils-env-settings`, `/v1/ipamd-env-settings`: the settings ipamd derives from its
 *   env (the node's aws-node pod's `aws-node` container, else the `kube-system/aws-node` DaemonSet);
 * - any other path (Go's ServeMux `/` pattern catches them all, `/` included): 200
 *   `{"AvailableCommands":[…]}`.
 *
 * Bodies carry `Content-Type: text/plain; charset=utf-8`, what Go's content sniffing gives JSON.
 * A node without ipamd data has nothing on 61679: the port-forward reports "connection refused".
 *
 * No TCP port is opened: each forwarded connection is one end of an in-memory stream pair whose
 * other end is handed to a single `http.Server` with `emit('connection')`; the server knows the node
 * of each connection. Any number of nodes costs one server and no file descriptors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawIpamd, RawKubeObject } from '../../core/snapshot/rawSnapshot';
import type { SimObjectStore } from '../simObjectStore';
import { awsNodeEnv, ipamdEnvSettings, networkutilsEnvSettings } from './awsNodeSettings';
import { duplexPair } from './duplexPair';

export const IPAMD_INTROSPECTION_PORT = 61679;

const COMMANDS = ['/v1/eni-configs', '/v1/enis', '/v1/ipamd-env-settings', '/v1/networkutils-env-settings'];
const EXTERNAL_ENI_CONFIG_LABEL = 'vpc.amazonaws.com/externalEniConfig';
const DEFAULT_ENI_CONFIG_DEF = 'k8s.amazonaws.com/eniConfig';
const MAX_RECORDED = 10_000;

export class SimIpamd {
  private readonly bodies = new Map<string, unknown>();
  private readonly server: Server;
  private readonly nodeOf = new WeakMap<object, string>();
  private readonly connections = new Set<Duplex>();
  /** Requests served, oldest first: node and path (the last 10,000). */
  readonly requests: Array<{ nodeName: string; path: string; status: number }> = [];

  constructor(
    private readonly store: SimObjectStore,
    ipamd: RawIpamd[],
  ) {
    for (const entry of ipamd) this.bodies.set(entry.nodeName, entry.enis);
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** Sets (or replaces) a node's `/v1/enis` body. */
  set(nodeName: string, enis: unknown): void {
    this.bodies.set(nodeName, enis);
  }

  /** Stops ipamd on a node: its port 61679 then refuses connections. */
  delete(nodeName: string): boolean {
    return this.bodies.delete(nodeName);
  }

  has(nodeName: string): boolean {
    return this.bodies.has(nodeName);
  }

  nodeNames(): string[] {
    return [...this.bodies.keys()];
  }

  /** Connections to ipamd servers not yet closed. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** The pod port backend: port 61679 of a host-network pod on a node that runs ipamd. */
  readonly backend = (_namespace: string, _pod: string, port: number, podObject: RawKubeObject): Duplex | undefined => {
    const spec = (podObject.spec ?? {}) as { hostNetwork?: boolean; nodeName?: string };
    if (port !== IPAMD_INTROSPECTION_PORT || spec.hostNetwork !== true || !spec.nodeName || !this.bodies.has(spec.nodeName)) return undefined;
    return this.connect(spec.nodeName);
  };

  /** A new connection to the node's ipamd (the caller's end of it). */
  connect(nodeName: string): Duplex {
    const [client, server] = duplexPair();
    this.nodeOf.set(server, nodeName);
    this.connections.add(server);
    server.once('close', () => this.connections.delete(server));
    this.server.emit('connection', server);
    return client;
  }

  close(): void {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const nodeName = this.nodeOf.get(req.socket) ?? '';
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const answer = this.answer(nodeName, path);
    this.requests.push({ nodeName, path, status: answer.status });
    if (this.requests.length > MAX_RECORDED) this.requests.splice(0, this.requests.length - MAX_RECORDED);
    const body = answer.status === 200 ? (JSON.stringify(answer.body) ?? 'null') : `${answer.status === 404 ? 'Not Found' : 'Internal Server Error'}\n`;
    res.writeHead(answer.status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...(answer.status === 200 ? {} : { 'X-Content-Type-Options': 'nosniff' }),
    });
    res.end(body);
  }

  private answer(nodeName: string, path: string): { status: number; body?: unknown } {
    switch (path) {
      case '/v1/enis':
        return this.bodies.has(nodeName) ? { status: 200, body: this.bodies.get(nodeName) } : { status: 500 };
      case '/v1/eni-configs': {
        const node = this.find('v1', 'nodes', undefined, nodeName);
        if (!node) return { status: 404 };
        return { status: 200, body: eniConfigName(node, awsNodeEnv(this.store, nodeName)) };
      }
      case '/v1/networkutils-env-settings':
        return { status: 200, body: networkutilsEnvSettings(awsNodeEnv(this.store, nodeName)) };
      case '/v1/ipamd-env-settings':
        return { status: 200, body: ipamdEnvSettings(awsNodeEnv(this.store, nodeName)) };
      default:
        return { status: 200, body: { AvailableCommands: COMMANDS } };
    }
  }

  private find(groupVersion: string, resource: string, namespace: string | undefined, name: string): RawKubeObject | undefined {
    const res = this.store.registry.find(groupVersion, resource);
    return res ? this.store.get(res, namespace, name) : undefined;
  }
}

/** `eniconfig.GetNodeSpecificENIConfigName`. */
function eniConfigName(node: RawKubeObject, env: Record<string, string>): string {
  const labels = node.metadata.labels ?? {};
  const annotations = node.metadata.annotations ?? {};
  const annotationDef = env.ENI_CONFIG_ANNOTATION_DEF || DEFAULT_ENI_CONFIG_DEF;
  const labelDef = env.ENI_CONFIG_LABEL_DEF || DEFAULT_ENI_CONFIG_DEF;
  return labels[EXTERNAL_ENI_CONFIG_LABEL] ?? annotations[annotationDef] ?? labels[labelDef] ?? 'default';
}
