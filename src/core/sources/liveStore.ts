import type { KubeConfig } from '@kubernetes/client-node';
import type { SourceStatus } from '../model';
import { projectRawAws } from '../project/projectEc2';
import { ClusterStore } from '../store/clusterStore';
import { applyAwsFacts } from './applyAwsFacts';
import { fetchEc2 } from './ec2Source';
import type { AwsAccess } from './clusterSession';
import type { InformerState } from './kubeInformer';
import { LiveCluster, type LiveClusterOptions } from './liveCluster';

export interface LiveStoreOptions extends LiveClusterOptions {
  signal?: AbortSignal;
  /** Give up waiting for the first full list after this long (the informers keep going). */
  syncTimeoutMs?: number;
  aws?: AwsAccess | false;
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

  if (opts.aws !== false && !opts.signal?.aborted) sources.push(await readEc2(live.store, opts.aws ?? {}, opts.signal));
  sources.push({ name: 'ipamd', state: 'not-configured', detail: 'not read from a live cluster in this version (snapshots only)' });
  return { live, store: live.store, sources };
}

/** One line for the resources that listed fine, one per resource that did not. */
function kubernetesStatus(states: ReadonlyMap<string, InformerState>, timedOutAfterMs: number | undefined): SourceStatus[] {
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

async function readEc2(store: ClusterStore, aws: AwsAccess, signal?: AbortSignal): Promise<SourceStatus> {
  const instanceIds: string[] = [];
  let region = aws.region;
  for (const node of store.list('node')) {
    if (node.instanceId) instanceIds.push(node.instanceId);
    region ??= node.region;
  }
  if (instanceIds.length === 0) return { name: 'ec2', state: 'missing', detail: 'no node has an AWS providerID (aws:///<zone>/<instance-id>)' };
  const result = await fetchEc2({ region: region ?? '', endpoint: aws.endpoint, profile: aws.profile, credentials: aws.credentials, instanceIds, signal });
  if (!result.ok) return { name: 'ec2', state: result.error.kind === 'unauthorized' ? 'forbidden' : result.error.kind === 'no-credentials' ? 'not-configured' : 'error', detail: result.error.message };
  const facts = projectRawAws(result.data, { source: 'ec2', detail: `region ${result.data.region}` });
  applyAwsFacts(store, facts, []);
  const partial = result.partialErrors.map((e) => e.message).join('; ');
  return { name: 'ec2', state: 'ok', detail: `${facts.networkInterfaces.length} ENIs, ${facts.subnets.length} subnets in ${result.data.region}${partial ? `; partly failed: ${partial}` : ''}` };
}
