/**
 * Hubble Relay inside a simulated cluster: started when the snapshot has Hubble flows
 * (`hubble/*.jsonl`) or a Relay pod (`kube-system`, label `k8s-app=hubble-relay`), and served behind
 * port-forward on container port 4245 of every Relay pod (the way
 * `kubectl -n kube-system port-forward service/hubble-relay 4245:80` reaches it). Pods are matched
 * when a connection arrives, so a Relay pod applied later (or renamed by a rollout) is served too.
 */
import type { RawKubeObject, RawSnapshot } from '../../core/snapshot/rawSnapshot';
import { decodeHubbleLines } from '../../core/hubble/hubbleJson';
import { parseHubbleTime } from '../../core/hubble/hubbleTime';
import type { SimPortForwards } from '../portForward/simPortForwards';
import type { SimObjectStore } from '../simObjectStore';
import { SimHubbleRelay, type SimHubbleRelayOptions } from './simHubbleRelay';

export const HUBBLE_RELAY_NAMESPACE = 'kube-system';
export const HUBBLE_RELAY_LABEL = { key: 'k8s-app', value: 'hubble-relay' } as const;
export const HUBBLE_RELAY_PORT = 4245;

export interface SimClusterHubbleOptions extends Omit<SimHubbleRelayOptions, 'records' | 'nodes'> {
  /** Start Relay even when the snapshot has neither flows nor a Relay pod. */
  force?: boolean;
}

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
): Promise<SimHubbleRelay | undefined> {
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
  const { force: _force, ...relayOptions } = options ?? {};
  const nodes = nodesOf(ctx.store);
  const relay = await SimHubbleRelay.start({ ...relayOptions, records: ordered, nodes: () => nodes().map((n) => n.metadata.name) });
  const unregister = ctx.portForwards.register((namespace, _pod, port, podObject) =>
    namespace === HUBBLE_RELAY_NAMESPACE && port === HUBBLE_RELAY_PORT && isHubbleRelayPod(podObject) ? relay.open() : undefined,
  );
  relay.onClose(unregister);
  return relay;
}

function podsOf(store: SimObjectStore): () => RawKubeObject[] {
  const res = store.registry.find('v1', 'pods');
  return () => (res ? store.list(res) : []);
}

function nodesOf(store: SimObjectStore): () => RawKubeObject[] {
  const res = store.registry.find('v1', 'nodes');
  return () => (res ? store.list(res) : []);
}
