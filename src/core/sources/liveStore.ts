import type { KubeConfig } from '@kubernetes/client-node';
import type { EniInfo, SourceStatus } from '../model';
import { projectRawAws, type AwsFacts } from '../project/projectEc2';
import { ClusterStore } from '../store/clusterStore';
import { applyAwsFacts } from './applyAwsFacts';
import { fetchEc2 } from './ec2Source';
import { readIpamdEnis } from './ipamdSource';
import type { AwsAccess } from './clusterSession';
import type { InformerState } from './kubeInformer';
import { LiveCluster, type LiveClusterOptions } from './liveCluster';

export interface LiveStoreOptions extends LiveClusterOptions {
  signal?: AbortSignal;
  /** Give up waiting for the first full list after this long (the informers keep going). */
  syncTimeoutMs?: number;
  aws?: AwsAccess | false;
  /** Read ipamd `/v1/enis` of every node through port-forward to its aws-node pod (default on). */
  ipamd?: boolean;
  /** Told when reading EC2 (`ec2`) or ipamd (`ipamd`) starts and ends, for a progress indicator. */
  onLoading?: (source: 'ec2' | 'ipamd', loading: boolean) => void;
}

export interface LiveStore {
  live: LiveCluster;
  store: ClusterStore;
  sources: SourceStatus[];
}

/** Connects to a live cluster, waits for the first full list of every resource, then reads EC2. */
export async function openLiveStore(kc: KubeConfig, opts: LiveStoreOptions = {}, store = new ClusterStore()): Promise<LiveStore> {
  const live = new LiveCluster(kc, opts, store);
  const onAbort = () => void live.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = opts.syncTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    live.synced.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  const sources = kubernetesStatus(live.states, timedOut ? timeoutMs : undefined);

  if (!opts.signal?.aborted) {
    // EC2 and ipamd are independent: read both, then merge their ENIs (EC2 first, ipamd as fallback)
    // EC2 needs the nodes (their instances), ipamd the pods (each node's aws-node pod): when the
    // list was forbidden, say so with the permission instead of "no nodes" or "no aws-node pod"
    const nodesForbidden = forbiddenMessage(live.states, 'nodes');
    const podsForbidden = forbiddenMessage(live.states, 'pods');
    const tracked = <T>(source: 'ec2' | 'ipamd', read: () => Promise<T>): Promise<T> => {
      opts.onLoading?.(source, true);
      return read().finally(() => opts.onLoading?.(source, false));
    };
    const aws = opts.aws;
    const [ec2, ipamd] = await Promise.all([
      aws === false
        ? undefined
        : nodesForbidden
          ? { status: { name: 'ec2', state: 'forbidden', detail: `the nodes' EC2 instances are unknown: ${nodesForbidden}` } as SourceStatus, facts: undefined }
          : tracked('ec2', () => readEc2(live.store, aws ?? {}, opts.signal)),
      opts.ipamd === false
        ? undefined
        : podsForbidden
          ? { status: { name: 'ipamd', state: 'forbidden', detail: `the aws-node pods to read ipamd through are unknown: ${podsForbidden}` } satisfies SourceStatus, enis: [] }
          : tracked('ipamd', () => readIpamdLive(kc, live.store, opts.signal)),
    ]);
    applyAwsFacts(live.store, ec2?.facts, ipamd?.enis ?? []);
    sources.push(ec2?.status ?? { name: 'ec2', state: 'not-configured', detail: 'turned off' });
    sources.push(ipamd?.status ?? { name: 'ipamd', state: 'not-configured', detail: 'turned off' });
  }
  return { live, store: live.store, sources };
}

function forbiddenMessage(states: ReadonlyMap<string, InformerState>, id: string): string | undefined {
  const state = states.get(id);
  return state?.phase === 'forbidden' && state.verb === 'list' ? state.message : undefined;
}

/** One line for the resources that listed fine, one per resource that did not. */
export function kubernetesStatus(states: ReadonlyMap<string, InformerState>, timedOutAfterMs: number | undefined): SourceStatus[] {
  let ok = 0;
  let objects = 0;
  const others: SourceStatus[] = [];
  for (const [id, state] of states) {
    if (state.phase === 'synced') {
      ok++;
      objects += state.items;
    } else {
      others.push(informerStatus(`kubernetes ${id}`, state));
    }
  }
  const head: SourceStatus = { name: 'kubernetes', state: ok > 0 ? 'ok' : 'error', detail: `${objects} objects from ${ok} resources listed and watched` };
  if (timedOutAfterMs !== undefined) head.detail += `; not every resource was listed within ${Math.round(timedOutAfterMs / 1000)} s`;
  return [head, ...others];
}

function informerStatus(name: string, state: InformerState): SourceStatus {
  switch (state.phase) {
    case 'synced':
      return { name, state: 'ok', detail: `${state.items} objects` };
    case 'forbidden':
      return { name, state: 'forbidden', detail: state.message };
    case 'missing':
      return { name, state: 'missing', detail: state.message };
    case 'reconnecting':
      return { name, state: 'error', detail: `${state.error}; retrying` };
    default:
      return { name, state: 'loading' };
  }
}

async function readIpamdLive(kc: KubeConfig, store: ClusterStore, signal?: AbortSignal): Promise<{ status: SourceStatus; enis: EniInfo[] }> {
  const { results, enis, problems } = await readIpamdEnis(kc, store, { signal });
  const ok = results.filter((r) => r.ok).length;
  if (results.length === 0) return { status: { name: 'ipamd', state: 'missing', detail: 'no nodes' }, enis };
  const failures = results.filter((r) => !r.ok);
  const forbidden = failures.some((r) => !r.ok && r.error.kind === 'forbidden');
  const detail = `/v1/enis of ${ok} of ${results.length} nodes through port-forward to aws-node${problems.length ? `; ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}` : ''}`;
  const state: SourceStatus['state'] = ok > 0 ? 'ok' : forbidden ? 'forbidden' : 'error';
  return { status: { name: 'ipamd', state, detail }, enis };
}

async function readEc2(store: ClusterStore, aws: AwsAccess, signal?: AbortSignal): Promise<{ status: SourceStatus; facts?: AwsFacts }> {
  const instanceIds: string[] = [];
  let region = aws.region;
  for (const node of store.list('node')) {
    if (node.instanceId) instanceIds.push(node.instanceId);
    region ??= node.region;
  }
  if (instanceIds.length === 0) return { status: { name: 'ec2', state: 'missing', detail: 'no node has an AWS providerID (aws:///<zone>/<instance-id>)' } };
  const result = await fetchEc2({ region: region ?? '', endpoint: aws.endpoint, profile: aws.profile, credentials: aws.credentials, instanceIds, signal });
  if (!result.ok) return { status: { name: 'ec2', state: result.error.kind === 'unauthorized' ? 'forbidden' : result.error.kind === 'no-credentials' ? 'not-configured' : 'error', detail: result.error.message } };
  const facts = projectRawAws(result.data, { source: 'ec2', detail: `region ${result.data.region}` });
  const partial = result.partialErrors.map((e) => e.message).join('; ');
  return { facts, status: { name: 'ec2', state: 'ok', detail: `${facts.networkInterfaces.length} ENIs, ${facts.subnets.length} subnets in ${result.data.region}${partial ? `; partly failed: ${partial}` : ''}` } };
}
