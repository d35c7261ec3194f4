/**
 * Hubble Relay inside a simulated cluster: started when the snapshot has Hubble flows
 * (`hubble/*.jsonl`) or a Relay pod (`kube-system`, label `k8s-app=hubble-relay`), and served behind
 * port-forward on container port 4245 of every Relay pod (the way
 * `kubectl -n kube-system port-forward service/hubble-relay 4245:80` reaches it). Pods are matched
 * when a connection arrives, so a Relay pod applied later (or renamed by a rollout) is served too.
 *
 * With `tls`, Relay speaks TLS as with Cilium's `hubble.relay.tls.server.enabled=true`: a server
 * certificate for `*.hubble-relay.cilium.io` (self-signed here, so it is also the CA clients trust),
 * the hubble-relay Service on port 443 → `grpc`, and with `mtls` a client certificate is required.
 * The CA and the client certificate are handed to the caller (`SimHubbleTlsMaterial`), never served
 * as Secrets: CNI Lens does not read Secrets.
 */
import type { RawKubeObject, RawSnapshot } from '../../core/snapshot/rawSnapshot';
import { decodeHubbleLines } from '../../core/hubble/hubbleJson';
import { parseHubbleTime } from '../../core/hubble/hubbleTime';
import type { SimPortForwards } from '../portForward/simPortForwards';
import { generateSelfSignedCertificate } from '../simCertificate';
import type { SimObjectStore } from '../simObjectStore';
import { SimHubbleRelay, type SimHubbleRelayOptions } from './simHubbleRelay';

export const HUBBLE_RELAY_NAMESPACE = 'kube-system';
export const HUBBLE_RELAY_LABEL = { key: 'k8s-app', value: 'hubble-relay' } as const;
export const HUBBLE_RELAY_PORT = 4245;

export interface SimClusterHubbleOptions extends Omit<SimHubbleRelayOptions, 'records' | 'nodes' | 'tls'> {
  /** Start Relay even when the snapshot has neither flows nor a Relay pod. */
  force?: boolean;
  /** Serve TLS (Service port 443); `{ mtls: true }` also requires a client certificate. */
  tls?: boolean | { mtls?: boolean };
}

/** What a client needs to reach a TLS Relay (PEM): the CA, and with mTLS a client certificate and key. */
export interface SimHubbleTlsMaterial {
  caPem: string;
  /** Relay's certificate names (`*.hubble-relay.cilium.io`). */
  dnsNames: string[];
  client?: { certPem: string; keyPem: string };
}

export const HUBBLE_RELAY_DNS_NAMES = ['*.hubble-relay.cilium.io'];

/** Whether a pod is a Hubble Relay pod. */
export function isHubbleRelayPod(pod: RawKubeObject): boolean {
  return pod.metadata.namespace === HUBBLE_RELAY_NAMESPACE && pod.metadata.labels?.[HUBBLE_RELAY_LABEL.key] === HUBBLE_RELAY_LABEL.value;
}

/**
 * Starts Relay for a cluster, or returns undefined when `options` is `false` or there is nothing to
 * serve. Unreadable flow lines are reported through `warn`.
 */
export async function startClusterHubbleRelay(
  ctx: { store: SimObjectStore; snapshot: RawSnapshot; portForwards: SimPortForwards; warn: (message: string) => void },
  options: SimClusterHubbleOptions | false | undefined,
): Promise<{ relay: SimHubbleRelay; tls?: SimHubbleTlsMaterial } | undefined> {
  if (options === false) return undefined;
  const { records, problems } = decodeHubbleLines(ctx.snapshot.hubble);
  for (const p of problems) if (p.reason !== 'not-a-flow') ctx.warn(`${p.file}${p.line ? `:${p.line}` : ''}: skipped Hubble line: ${p.message}`);
  const pods = podsOf(ctx.store);
  if (!options?.force && records.length === 0 && !pods().some(isHubbleRelayPod)) return undefined;

  // Relay merges the nodes' flows in time order
  const ordered = records
    .map((r, i) => ({ r, i, t: parseHubbleTime(r.time) ?? 0n }))
    .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i))
    .map((x) => x.r);
  const { force: _force, tls: tlsOption, ...relayOptions } = options ?? {};
  const nodes = nodesOf(ctx.store);
  let tls: SimHubbleTlsMaterial | undefined;
  let serverTls: SimHubbleRelayOptions['tls'];
  if (tlsOption) {
    const mtls = typeof tlsOption === 'object' && Boolean(tlsOption.mtls);
    const [server, client] = await Promise.all([
      generateSelfSignedCertificate({ commonName: HUBBLE_RELAY_DNS_NAMES[0]!, dnsNames: HUBBLE_RELAY_DNS_NAMES, usage: 'server' }),
      mtls ? generateSelfSignedCertificate({ commonName: 'hubble-relay-client', usage: 'client' }) : undefined,
    ]);
    serverTls = { certPem: server.certPem, keyPem: server.keyPem, ...(client ? { clientCaPem: client.certPem } : {}) };
    tls = { caPem: server.certPem, dnsNames: HUBBLE_RELAY_DNS_NAMES, ...(client ? { client } : {}) };
    serveRelayServiceOnTlsPort(ctx.store);
  }
  const relay = await SimHubbleRelay.start({ ...relayOptions, ...(serverTls ? { tls: serverTls } : {}), records: ordered, nodes: () => nodes().map((n) => n.metadata.name) });
  const unregister = ctx.portForwards.register((namespace, _pod, port, podObject) =>
    namespace === HUBBLE_RELAY_NAMESPACE && port === HUBBLE_RELAY_PORT && isHubbleRelayPod(podObject) ? relay.open() : undefined,
  );
  relay.onClose(unregister);
  return { relay, ...(tls ? { tls } : {}) };
}

/** The hubble-relay Service as Cilium's chart makes it with TLS: port 443 → the pod's `grpc` port. */
function serveRelayServiceOnTlsPort(store: SimObjectStore): void {
  const res = store.registry.find('v1', 'services');
  const svc = res ? store.get(res, HUBBLE_RELAY_NAMESPACE, 'hubble-relay') : undefined;
  if (!svc) return;
  const copy = structuredClone(svc) as RawKubeObject & { spec?: { ports?: Array<Record<string, unknown>> } };
  copy.spec = { ...copy.spec, ports: [{ port: 443, protocol: 'TCP', targetPort: 'grpc' }] };
  delete (copy.metadata as { resourceVersion?: string }).resourceVersion;
  store.apply(copy);
}

function podsOf(store: SimObjectStore): () => RawKubeObject[] {
  const res = store.registry.find('v1', 'pods');
  return () => (res ? store.list(res) : []);
}

function nodesOf(store: SimObjectStore): () => RawKubeObject[] {
  const res = store.registry.find('v1', 'nodes');
  return () => (res ? store.list(res) : []);
}
