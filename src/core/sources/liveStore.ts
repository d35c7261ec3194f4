import type { KubeConfig } from '@kubernetes/client-node';
import type { EniInfo, SourceStatus } from '../model';
import { projectRawAws, type AwsFacts } from '../project/projectEc2';
import { ClusterStore } from '../store/clusterStore';
import { applyAwsFacts } from './applyAwsFacts';
import { fetchEc2 } from './ec2Source';
import { readIpamdEnis, type IpamdNodeResult } from './ipamdSource';
import { IPAMD_ALL_UP_TO, IpamdReader, type IpamdMode } from './ipamdOnDemand';
import type { AwsAccess } from './clusterSession';
import type { InformerState } from './kubeInformer';
import { LIVE_RESOURCES, LiveCluster, type LiveClusterOptions } from './liveCluster';
import { firstListFailure, kubernetesSourceStatus } from './sourceFreshness';

export interface LiveStoreOptions extends LiveClusterOptions {
  signal?: AbortSignal;
  /** Give up waiting for the first full list after this long (the informers keep going). */
  syncTimeoutMs?: number;
  aws?: AwsAccess | false;
  /**
   * ipamd `/v1/enis` through port-forward to each node's aws-node pod: `auto` (default, or `true`)
   * reads every node at connect when the cluster has at most `ipamdAllUpTo` nodes, and above that
   * none at connect (the returned `ipamdReader` reads a node when asked); `all` every node at
   * connect; `none` (or `false`) not at all.
   */
  ipamd?: IpamdMode | boolean;
  /** Largest cluster whose ipamd is read whole at connect in `auto` mode (default 50 nodes). */
  ipamdAllUpTo?: number;
  /** Timeout of one node's ipamd read (default 10 s). */
  ipamdTimeoutMs?: number;
  /** Reject with `NothingListedError` as soon as every resource has failed its first list (the CLI: like kubectl, do not wait). */
  failWhenNothingListed?: boolean;
  /** Told when reading EC2 (`ec2`) or ipamd (`ipamd`) starts and ends, for a progress indicator. */
  onLoading?: (source: 'ec2' | 'ipamd', loading: boolean) => void;
}

export interface LiveStore {
  live: LiveCluster;
  store: ClusterStore;
  sources: SourceStatus[];
  /** What EC2 and ipamd gave, and whether reading them again may help (throttled, refused, timed out). */
  aws: AwsRead;
  /** Reads ipamd of a node when asked (a large cluster); knows what was read at connect. Undefined when ipamd is off or cannot be read. */
  ipamdReader?: IpamdReader;
}

export interface AwsRead {
  ec2?: { status: SourceStatus; facts?: AwsFacts; retryable: boolean };
  ipamd?: { status: SourceStatus; enis: EniInfo[]; retryable: boolean; results?: IpamdNodeResult[] };
}

/** Every resource failed its first list: no server, or credentials the server rejects. */
export class NothingListedError extends Error {
  override readonly name = 'NothingListedError';
}

/** Connects to a live cluster, waits for the first full list of every resource, then reads EC2. */
export async function openLiveStore(kc: KubeConfig, opts: LiveStoreOptions = {}, store = new ClusterStore()): Promise<LiveStore> {
  const states = new Map<string, InformerState>();
  const expected = (opts.resources ?? LIVE_RESOURCES).length;
  let nothingListed: (why: string) => void = () => undefined;
  const failedFirst = new Promise<string>((resolve) => (nothingListed = resolve));
  const onState = (id: string, state: InformerState): void => {
    opts.onState?.(id, state);
    // a retry lists again: what counts is how its last attempt ended
    if (!opts.failWhenNothingListed || (state.phase === 'listing' && states.has(id))) return;
    states.set(id, state);
    const why = states.size === expected ? firstListFailure(states.values(), kc.getCurrentContext()) : undefined;
    if (why) nothingListed(why);
  };
  const live = new LiveCluster(kc, { ...opts, onState }, store);
  const onAbort = () => void live.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = opts.syncTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    live.synced.then(() => ({ timedOut: false })),
    new Promise<{ timedOut: boolean }>((resolve) => (timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs))),
    failedFirst.then((why) => ({ nothingListed: why })),
  ]);
  clearTimeout(timer);
  if ('nothingListed' in settled) {
    await live.stop();
    throw new NothingListedError(settled.nothingListed);
  }
  const timedOut = settled.timedOut;
  const sources = kubernetesSourceStatus(live.states, { timedOutAfterMs: timedOut ? timeoutMs : undefined });

  let aws: AwsRead = {};
  let ipamdReader: IpamdReader | undefined;
  if (!opts.signal?.aborted) {
    const mode = ipamdMode(opts.ipamd);
    const onDemand = mode === 'auto' && live.store.count('node') > (opts.ipamdAllUpTo ?? IPAMD_ALL_UP_TO);
    const podsForbidden = forbiddenMessage(live.states, 'pods');
    // EC2 needs the nodes (their instances), ipamd the pods (each node's aws-node pod): when the
    // list was forbidden, say so with the permission instead of "no nodes" or "no aws-node pod"
    aws = await readAwsSources(kc, live.store, {
      ec2: opts.aws === false ? false : (opts.aws ?? {}),
      // on demand: nothing read now, but a forbidden pods list is said at once
      ipamd: mode !== 'none' && (!onDemand || podsForbidden !== undefined),
      signal: opts.signal,
      ...(opts.ipamdTimeoutMs ? { ipamdTimeoutMs: opts.ipamdTimeoutMs } : {}),
      onLoading: opts.onLoading,
      nodesForbidden: forbiddenMessage(live.states, 'nodes'),
      podsForbidden,
    });
    applyAwsFacts(live.store, aws.ec2?.facts, aws.ipamd?.enis ?? []);
    if (mode !== 'none' && !podsForbidden) {
      const read = aws;
      ipamdReader = new IpamdReader(kc, live.store, {
        mode: onDemand ? 'on-demand' : 'whole',
        // the session puts EC2's later reads into this same object
        ec2Enis: () => read.ec2?.facts?.networkInterfaces,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.ipamdTimeoutMs ? { timeoutMs: opts.ipamdTimeoutMs } : {}),
      });
      if (aws.ipamd?.results) ipamdReader.seed(aws.ipamd.results);
      if (onDemand) aws.ipamd = { status: ipamdReader.status(), enis: [], retryable: false };
    }
    sources.push(aws.ec2?.status ?? { name: 'ec2', state: 'not-configured', detail: 'turned off' });
    sources.push(aws.ipamd?.status ?? { name: 'ipamd', state: 'not-configured', detail: 'turned off' });
  }
  return { live, store: live.store, sources, aws, ...(ipamdReader ? { ipamdReader } : {}) };
}

function ipamdMode(option: IpamdMode | boolean | undefined): IpamdMode {
  if (option === false) return 'none';
  if (option === true || option === undefined) return 'auto';
  return option;
}

/**
 * Reads EC2 and ipamd (independent: both at once); the caller merges their ENIs with
 * `applyAwsFacts` (EC2 first, ipamd as fallback). `false` skips one. Never rejects.
 */
export async function readAwsSources(
  kc: KubeConfig,
  store: ClusterStore,
  opts: {
    ec2: AwsAccess | false;
    ipamd: boolean;
    signal?: AbortSignal;
    ipamdTimeoutMs?: number;
    onLoading?: (source: 'ec2' | 'ipamd', loading: boolean) => void;
    /** The nodes (or pods) list was forbidden: the source cannot be read, and says why. */
    nodesForbidden?: string;
    podsForbidden?: string;
  },
): Promise<AwsRead> {
  const tracked = <T>(source: 'ec2' | 'ipamd', read: () => Promise<T>): Promise<T> => {
    opts.onLoading?.(source, true);
    return read().finally(() => opts.onLoading?.(source, false));
  };
  const ec2Access = opts.ec2;
  const [ec2, ipamd] = await Promise.all([
    ec2Access === false
      ? undefined
      : opts.nodesForbidden
        ? { status: { name: 'ec2', state: 'forbidden', detail: `the nodes' EC2 instances are unknown: ${opts.nodesForbidden}` } satisfies SourceStatus, retryable: false }
        : tracked('ec2', () => readEc2(store, ec2Access, opts.signal)).catch((err: unknown) => ({ status: { name: 'ec2', state: 'error' as const, detail: (err as Error)?.message ?? String(err) }, retryable: true })),
    !opts.ipamd
      ? undefined
      : opts.podsForbidden
        ? { status: { name: 'ipamd', state: 'forbidden', detail: `the aws-node pods to read ipamd through are unknown: ${opts.podsForbidden}` } satisfies SourceStatus, enis: [], retryable: false }
        : tracked('ipamd', () => readIpamdLive(kc, store, opts.signal, opts.ipamdTimeoutMs)).catch((err: unknown) => ({ status: { name: 'ipamd', state: 'error' as const, detail: (err as Error)?.message ?? String(err) }, enis: [], retryable: true })),
  ]);
  return { ...(ec2 ? { ec2 } : {}), ...(ipamd ? { ipamd } : {}) };
}

function forbiddenMessage(states: ReadonlyMap<string, InformerState>, id: string): string | undefined {
  const state = states.get(id);
  return state?.phase === 'forbidden' && state.verb === 'list' ? state.message : undefined;
}

async function readIpamdLive(kc: KubeConfig, store: ClusterStore, signal?: AbortSignal, timeoutMs?: number): Promise<NonNullable<AwsRead['ipamd']>> {
  const { results, enis, problems } = await readIpamdEnis(kc, store, { signal, ...(timeoutMs ? { timeoutMs } : {}) });
  const ok = results.filter((r) => r.ok).length;
  if (results.length === 0) return { status: { name: 'ipamd', state: 'missing', detail: 'no nodes' }, enis, retryable: false, results };
  const failures = results.filter((r) => !r.ok);
  const forbidden = failures.some((r) => !r.ok && r.error.kind === 'forbidden');
  const detail = `/v1/enis of ${ok} of ${results.length} nodes through port-forward to aws-node${problems.length ? `; ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}` : ''}`;
  const state: SourceStatus['state'] = ok > 0 ? 'ok' : forbidden ? 'forbidden' : 'error';
  // a refused or slow port-forward may work later; a missing permission or aws-node pod will not by waiting
  const retryable = failures.some((r) => !r.ok && (r.error.kind === 'refused' || r.error.kind === 'timeout' || r.error.kind === 'other'));
  if (state === 'forbidden') {
    // the permission first: a view row shows the start of the detail
    const denied = failures.find((r) => !r.ok && r.error.kind === 'forbidden') as Extract<(typeof failures)[number], { ok: false }>;
    const namespace = denied.pod?.namespace ?? 'kube-system';
    return { status: { name: 'ipamd', state, detail: `needs RBAC create on pods/portforward in ${namespace}; ${detail}` }, enis, retryable: false, results };
  }
  return { status: { name: 'ipamd', state, detail }, enis, retryable, results };
}

const RETRYABLE_EC2 = new Set(['throttled', 'network', 'other']);

async function readEc2(store: ClusterStore, aws: AwsAccess, signal?: AbortSignal): Promise<{ status: SourceStatus; facts?: AwsFacts; retryable: boolean }> {
  const instanceIds: string[] = [];
  let region = aws.region;
  for (const node of store.list('node')) {
    if (node.instanceId) instanceIds.push(node.instanceId);
    region ??= node.region;
  }
  if (instanceIds.length === 0) return { status: { name: 'ec2', state: 'missing', detail: 'no node has an AWS providerID (aws:///<zone>/<instance-id>)' }, retryable: false };
  const result = await fetchEc2({ region: region ?? '', endpoint: aws.endpoint, profile: aws.profile, credentials: aws.credentials, instanceIds, signal });
  if (!result.ok) {
    const state = result.error.kind === 'unauthorized' ? 'forbidden' : result.error.kind === 'no-credentials' ? 'not-configured' : 'error';
    return { status: { name: 'ec2', state, detail: result.error.message }, retryable: RETRYABLE_EC2.has(result.error.kind) };
  }
  const facts = projectRawAws(result.data, { source: 'ec2', detail: `region ${result.data.region}` });
  const partial = result.partialErrors.map((e) => e.message).join('; ');
  const retryable = result.partialErrors.some((e) => e.kind === 'throttled' || e.kind === 'network');
  return { facts, retryable, status: { name: 'ec2', state: 'ok', detail: `${facts.networkInterfaces.length} ENIs, ${facts.subnets.length} subnets in ${result.data.region}${partial ? `; partly failed: ${partial}` : ''}` } };
}
