/**
 * ipamd source: reads each node's ipamd introspection (`/v1/enis`, and the env-settings endpoints)
 * through a port-forward to the node's aws-node pod, port 61679 (reference: datapath.md A2 "ipamd
 * introspection"). ipamd binds 127.0.0.1:61679 on the node; aws-node runs with host network, so its
 * pod's localhost is the node's, and the kubelet's port-forward reaches it (the API server's pod
 * proxy would not: it dials the pod IP).
 *
 * The bodies are returned raw; `projectIpamdEnis` turns them into `EniInfo[]` (`readIpamdEnis` does
 * both). Nodes are read with bounded concurrency, one websocket per node at a time (the three GETs
 * share one keep-alive connection). A node that fails does not hide the others: every node gets a
 * result, and a failed one says which pod was tried and what to do.
 *
 * Needs RBAC `create` on `pods/portforward` in kube-system.
 */
import { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import type { EniInfo } from '../model';
import { projectIpamdEnis, projectIpamdEnvSettings } from '../project/projectIpamd';
import type { ClusterStore } from '../store/clusterStore';
import { httpGetOverForward, openPodPortForward, PortForwardError, type PodPortForward } from './podPortForward';

export const IPAMD_PORT = 61679;
export const AWS_NODE_NAMESPACE = 'kube-system';
export const AWS_NODE_DAEMONSET = 'aws-node';

export interface PodRef {
  namespace: string;
  name: string;
}

export interface IpamdNodeTarget {
  nodeName: string;
  /** The node's aws-node pod; undefined when none runs there. */
  awsNodePod: PodRef | undefined;
}

export type IpamdErrorKind = 'no-aws-node-pod' | 'forbidden' | 'refused' | 'timeout' | 'malformed' | 'other';

export type IpamdNodeResult =
  | {
      nodeName: string;
      ok: true;
      pod: PodRef;
      /** The raw `/v1/enis` body (any VPC CNI version's shape). */
      enis: unknown;
      /** `/v1/networkutils-env-settings` and `/v1/ipamd-env-settings`, env-like strings; absent when not read. */
      envSettings?: Record<string, string>;
    }
  | { nodeName: string; ok: false; pod?: PodRef; error: { kind: IpamdErrorKind; message: string } };

export interface ReadIpamdOptions {
  signal?: AbortSignal;
  /** Nodes read at the same time (= port-forward websockets open at once); default 8. */
  concurrency?: number;
  /** Per node, forward and requests included; default 10 s. */
  timeoutMs?: number;
  /** Also read the two env-settings endpoints (default true); their failure does not fail the node. */
  envSettings?: boolean;
  /** Called as each node finishes (for progress). */
  onResult?: (result: IpamdNodeResult) => void;
}

/**
 * The aws-node pod of each node: pods in kube-system whose controller is the DaemonSet `aws-node`,
 * by `spec.nodeName`. When a node has several (a rolling update), a running and ready one wins.
 */
export function findAwsNodePods(store: ClusterStore): Map<string, PodRef> {
  const best = new Map<string, { ref: PodRef; rank: number }>();
  for (const pod of store.podsInNamespace(AWS_NODE_NAMESPACE)) {
    if (!pod.nodeName) continue;
    const better = betterAwsNodePod(best.get(pod.nodeName), pod);
    if (better) best.set(pod.nodeName, better);
  }
  return new Map([...best].map(([node, { ref }]) => [node, ref]));
}

/** The aws-node pod of one node (as `findAwsNodePods` chooses it), from that node's pods only. */
export function awsNodePodOn(store: ClusterStore, nodeName: string): PodRef | undefined {
  let best: { ref: PodRef; rank: number } | undefined;
  for (const pod of store.podsOnNode(nodeName)) best = betterAwsNodePod(best, pod) ?? best;
  return best?.ref;
}

/** `pod` when it is an aws-node pod that beats `current`; undefined otherwise. */
function betterAwsNodePod(
  current: { ref: PodRef; rank: number } | undefined,
  pod: { namespace: string; name: string; owner?: { kind: string; name: string }; phase?: string; ready: boolean },
): { ref: PodRef; rank: number } | undefined {
  if (pod.namespace !== AWS_NODE_NAMESPACE || pod.owner?.kind !== 'DaemonSet' || pod.owner.name !== AWS_NODE_DAEMONSET) return undefined;
  const rank = (pod.phase === 'Running' ? 2 : 0) + (pod.ready ? 1 : 0);
  if (current && (rank < current.rank || (rank === current.rank && pod.name >= current.ref.name))) return undefined;
  return { ref: { namespace: pod.namespace, name: pod.name }, rank };
}

/** Every node of the store with its aws-node pod (or undefined), in node-name order. */
export function ipamdTargets(store: ClusterStore): IpamdNodeTarget[] {
  const pods = findAwsNodePods(store);
  return [...store.list('node')]
    .map((n) => n.name)
    .sort()
    .map((nodeName) => ({ nodeName, awsNodePod: pods.get(nodeName) }));
}

/** Reads `/v1/enis` (and the env settings) of each node; one result per node, in input order. */
export async function readIpamd(kc: KubeConfig, nodes: IpamdNodeTarget[], opts: ReadIpamdOptions = {}): Promise<{ results: IpamdNodeResult[] }> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 8));
  const results: IpamdNodeResult[] = new Array(nodes.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < nodes.length) {
      if (opts.signal?.aborted) return;
      const i = next++;
      const result = await readNode(kc, nodes[i]!, opts);
      results[i] = result;
      opts.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('ipamd read cancelled');
  return { results };
}

/** `readIpamd` for every node of the store, projected with `projectIpamdEnis`. */
export async function readIpamdEnis(
  kc: KubeConfig,
  store: ClusterStore,
  opts: ReadIpamdOptions & { now?: Date } = {},
): Promise<{ results: IpamdNodeResult[]; enis: EniInfo[]; problems: string[] }> {
  const { results } = await readIpamd(kc, ipamdTargets(store), opts);
  const enis: EniInfo[] = [];
  const problems: string[] = [];
  for (const r of results) {
    if (!r.ok) {
      problems.push(r.error.message);
      continue;
    }
    const projected = projectIpamdNodeResult(r, opts.now ?? new Date());
    enis.push(...projected.enis);
    problems.push(...projected.problems);
  }
  return { results, enis, problems };
}

const projections = new WeakMap<IpamdNodeResult, ReturnType<typeof projectIpamdEnis>>();

/**
 * A node's `/v1/enis` as `EniInfo`s (as of `now`), projected once per result: the connect read
 * and the session's per-node reader take the same results.
 */
export function projectIpamdNodeResult(r: Extract<IpamdNodeResult, { ok: true }>, now: Date): ReturnType<typeof projectIpamdEnis> {
  let projected = projections.get(r);
  if (!projected) {
    projected = projectIpamdEnis(r.enis, r.nodeName, { source: 'ipamd', detail: `/v1/enis through port-forward to ${r.pod.namespace}/${r.pod.name}` }, { now });
    projections.set(r, projected);
  }
  return projected;
}

async function readNode(kc: KubeConfig, target: IpamdNodeTarget, opts: ReadIpamdOptions): Promise<IpamdNodeResult> {
  const { nodeName, awsNodePod: pod } = target;
  if (!pod) {
    return {
      nodeName,
      ok: false,
      error: {
        kind: 'no-aws-node-pod',
        message: `node ${nodeName}: no aws-node pod (DaemonSet ${AWS_NODE_NAMESPACE}/${AWS_NODE_DAEMONSET}) runs on this node, so its ipamd cannot be asked; check that the VPC CNI is installed and its pod on this node has started`,
      },
    };
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let forward: PodPortForward | undefined;
  const get = (path: string) => httpGetOverForward(forward!, path, { agent, signal: controller.signal, timeoutMs: Math.max(1, deadline - Date.now()) });
  try {
    forward = await openPodPortForward(kc, pod.namespace, pod.name, IPAMD_PORT, controller.signal);
    const enisAnswer = await get('/v1/enis');
    if (enisAnswer.status !== 200) {
      return fail(nodeName, pod, 'other', `ipamd answered HTTP ${enisAnswer.status} to /v1/enis${enisAnswer.body.trim() ? `: ${enisAnswer.body.trim().slice(0, 200)}` : ''}`);
    }
    let enis: unknown;
    try {
      enis = JSON.parse(enisAnswer.body);
    } catch (err) {
      return fail(nodeName, pod, 'malformed', `ipamd /v1/enis is not JSON (${(err as Error).message}); first bytes: ${JSON.stringify(enisAnswer.body.slice(0, 80))}`);
    }
    const result: IpamdNodeResult = { nodeName, ok: true, pod, enis };
    if (opts.envSettings !== false) {
      const envSettings = await readEnvSettings(get);
      if (envSettings) result.envSettings = envSettings;
    }
    return result;
  } catch (err) {
    return failFromError(nodeName, pod, err, timeoutMs);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    agent.destroy();
    await forward?.close();
  }
}

/** Both env-settings bodies merged; undefined when neither could be read. */
async function readEnvSettings(get: (path: string) => Promise<{ status: number; body: string }>): Promise<Record<string, string> | undefined> {
  let settings: Record<string, string> | undefined;
  for (const path of ['/v1/networkutils-env-settings', '/v1/ipamd-env-settings']) {
    try {
      const answer = await get(path);
      if (answer.status !== 200) continue;
      settings = { ...settings, ...projectIpamdEnvSettings(JSON.parse(answer.body)) };
    } catch (err) {
      // Optional: a timeout here must not hide the ENIs already read.
      if (err instanceof PortForwardError && (err.kind === 'timeout' || err.kind === 'aborted')) break;
    }
  }
  return settings;
}

function fail(nodeName: string, pod: PodRef, kind: IpamdErrorKind, detail: string): IpamdNodeResult {
  return { nodeName, ok: false, pod, error: { kind, message: `node ${nodeName}: ${detail} (through ${pod.namespace}/${pod.name} port ${IPAMD_PORT})` } };
}

function failFromError(nodeName: string, pod: PodRef, err: unknown, timeoutMs: number): IpamdNodeResult {
  const where = `${pod.namespace}/${pod.name}`;
  const result = (kind: IpamdErrorKind, message: string): IpamdNodeResult => ({ nodeName, ok: false, pod, error: { kind, message: `node ${nodeName}: ${message}` } });
  if (!(err instanceof PortForwardError)) return result('other', `reading ipamd through ${where} failed: ${err instanceof Error ? err.message : String(err)}`);
  switch (err.kind) {
    case 'forbidden':
      return result(
        'forbidden',
        `port-forward to ${where} is forbidden (${err.message}); reading ipamd needs RBAC \`create\` on \`pods/portforward\` in ${pod.namespace} (a Role rule: apiGroups [""], resources ["pods/portforward"], verbs ["create"])`,
      );
    case 'refused':
      return result(
        'refused',
        `ipamd does not answer on port ${IPAMD_PORT} of ${where} (${err.message}); check that aws-node is running there, DISABLE_INTROSPECTION is not "true" and INTROSPECTION_BIND_ADDRESS is the default 127.0.0.1:${IPAMD_PORT}`,
      );
    case 'timeout':
      return result('timeout', `no answer from ipamd through ${where} within ${Math.round(timeoutMs / 100) / 10} s; the API server or the kubelet may be slow or the node unreachable; retry, or raise the timeout`);
    case 'not-found':
      return result('other', `pod ${where} no longer exists (${err.message}); refresh the cluster view and retry`);
    case 'unauthorized':
      return result('other', `the Kubernetes API did not accept the credentials for port-forward to ${where} (${err.message}); refresh them (for EKS: aws eks update-kubeconfig, or renew the SSO session)`);
    default:
      return result('other', err.message);
  }
}
