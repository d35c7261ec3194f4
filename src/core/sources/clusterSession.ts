import type { SourceStatus } from '../model';
import type { SnapshotProblem } from '../snapshot/rawSnapshot';
import { ClusterStore } from '../store/clusterStore';
import { loadKubeConfig } from './kubeconfig';
import { kubeGetJson } from './kubeRequest';
import { applyAwsFacts } from './applyAwsFacts';
import type { InformerOptions, InformerState } from './kubeInformer';
import { openLiveStore, readAwsSources, type AwsRead, type LiveStore } from './liveStore';
import { clockTime, firstListFailure, inDuration, kubernetesSourceStatus, sessionFreshness } from './sourceFreshness';
import { loadSnapshot } from '../snapshot/loadSnapshot';
import { storeFromRawSnapshot } from './snapshotStore';
import { relayFlows, snapshotFlows, type SessionFlows } from './sessionFlows';
import type { HubbleAccess } from '../hubble/hubbleTls';
import type { IpamdMode, IpamdReader } from './ipamdOnDemand';

export interface AwsAccess {
  endpoint?: string;
  profile?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export type SessionTarget =
  | { kind: 'live'; kubeconfigPath?: string; context?: string; aws?: AwsAccess | false; hubble?: HubbleAccess }
  | { kind: 'snapshot'; path: string };

export type SessionPhase = 'connecting' | 'connected' | 'reconnecting' | 'unreachable' | 'error' | 'stopped';

export interface SessionState {
  phase: SessionPhase;
  /** What the user should know: the error, what is reconnecting. */
  detail?: string;
}

export interface ClusterSessionOptions {
  /** Back-off and timeouts of the Kubernetes informers (tests make them short). */
  informer?: InformerOptions;
  /** First wait before EC2 or ipamd is read again after a failure that may pass (throttled, refused); doubles up to 5 minutes. Default 30 s. */
  awsRetryMs?: number;
  /** Timeout of one ipamd read through port-forward (default 10 s). */
  ipamdTimeoutMs?: number;
  /** ipamd at connect: `auto` (default) every node up to `ipamdAllUpTo` nodes, per node on demand above; `all`; `none`. */
  ipamd?: IpamdMode;
  /** Largest cluster whose ipamd is read whole at connect in `auto` mode (default 50 nodes). */
  ipamdAllUpTo?: number;
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number;
}

export interface SessionLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * One connection to a cluster or a snapshot, filling one store. Knows its state, the sources it
 * used and the problems it met; publishes state changes. No editor code: the extension and the
 * CLI both drive it.
 */
export class ClusterSession {
  readonly store = new ClusterStore();
  state: SessionState = { phase: 'connecting' };
  problems: SnapshotProblem[] = [];
  /** Context name for a live cluster, directory name for a snapshot. */
  label: string;
  /** Hubble flows: Relay through port-forward for a live cluster, hubble/*.jsonl for a snapshot; undefined until loaded. */
  flows: SessionFlows | undefined;
  private live: LiveStore | undefined;
  private kubeConfig: import('@kubernetes/client-node').KubeConfig | undefined;
  private started: Promise<void> | undefined;
  private readonly controller = new AbortController();
  private readonly listeners = new Set<(state: SessionState) => void>();
  private readonly informerStates = new Map<string, InformerState>();
  private readonly loadingNow = new Set<string>();
  private readonly loadingListeners = new Set<(loading: readonly string[]) => void>();
  /** Sources of a snapshot, or of a live cluster before its first full list. */
  private fixedSources: SourceStatus[] = [];
  private aws: AwsRead = {};
  /** Hubble Relay's row for a live cluster (found in the background). */
  private hubbleStatus: SourceStatus | undefined;
  private awsRetry: { attempt: number; at: number } | undefined;
  private lastSourcesText = '';
  private ipamdReader: IpamdReader | undefined;
  private sourcesTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly target: SessionTarget,
    private readonly log: SessionLog,
    private readonly options: ClusterSessionOptions = {},
  ) {
    this.label = target.kind === 'snapshot' ? target.path.split(/[\\/]/).filter(Boolean).pop() ?? target.path : target.context ?? '';
  }

  /**
   * Where each fact comes from and how fresh it is. Live: computed now from the informers (a
   * resource whose watch broke is `stale` until it is watched again) and the last EC2/ipamd reads.
   */
  get sources(): SourceStatus[] {
    if (!this.live) return this.fixedSources;
    const now = Date.now();
    const rows = kubernetesSourceStatus(this.informerStates, { now });
    for (const name of ['ec2', 'ipamd'] as const) {
      const read = this.aws[name];
      if (name === 'ipamd' && this.ipamdReader?.mode === 'on-demand') {
        rows.push(this.ipamdReader.status());
        continue;
      }
      if (!read) {
        rows.push({ name, state: 'not-configured', detail: 'turned off' });
        continue;
      }
      const detail = read.status.detail ?? '';
      const retry = this.awsRetry && read.retryable ? `${detail.endsWith('.') ? ' R' : '; r'}eading again ${inDuration(this.awsRetry.at - now)} (attempt ${this.awsRetry.attempt + 1}, at ${clockTime(this.awsRetry.at)})` : '';
      rows.push({ ...read.status, detail: `${detail}${retry}` });
    }
    if (this.hubbleStatus) rows.push(this.hubbleStatus);
    return rows;
  }

  /**
   * ipamd of the live cluster node by node: what each node gave, and reading the nodes someone
   * looks at (a large cluster has none read at connect). Undefined for a snapshot, before the
   * first full list, and when ipamd is off or the pods cannot be listed.
   */
  get ipamd(): IpamdReader | undefined {
    return this.ipamdReader;
  }

  /** Called when the state changes, and when the sources change (a watch breaks or recovers, EC2 is read again). */
  onState(listener: (state: SessionState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** What is still being read (`kubernetes pods`, `ec2`, `ipamd`, `snapshot files`): empty once everything was read once. */
  get loading(): readonly string[] {
    return [...this.loadingNow];
  }

  onLoading(listener: (loading: readonly string[]) => void): { dispose(): void } {
    this.loadingListeners.add(listener);
    return { dispose: () => this.loadingListeners.delete(listener) };
  }

  private setLoading(what: string, loading: boolean): void {
    if (loading === this.loadingNow.has(what)) return;
    if (loading) this.loadingNow.add(what);
    else this.loadingNow.delete(what);
    const now = this.loading;
    for (const listener of this.loadingListeners) {
      try {
        listener(now);
      } catch {
        // a listener's failure must not stop loading
      }
    }
  }

  /** Starts loading once; later calls return the same promise. Never rejects. */
  start(): Promise<void> {
    this.started ??= this.run().finally(() => {
      for (const what of this.loadingNow) this.setLoading(what, false);
    }).catch((err: unknown) => {
      this.setState({ phase: 'error', detail: (err as Error)?.message ?? String(err) });
      this.log.error(`${this.describe()}: ${(err as Error)?.message ?? String(err)}`);
    });
    return this.started;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    clearTimeout(this.sourcesTimer);
    await Promise.all([this.live?.live.stop(), this.flows?.close()]);
    this.setState({ phase: 'stopped' });
  }

  /**
   * New Hubble settings (address, TLS) for a live session: Relay is connected again with them and
   * open follow streams move over; the hubble row says how it went. Never throws.
   */
  async reconfigureHubble(access: HubbleAccess): Promise<void> {
    if (this.target.kind !== 'live') return;
    (this.target as { hubble?: HubbleAccess }).hubble = access;
    const status = await this.flows?.reconfigure?.(access);
    if (status && status.state !== 'ok') this.log.warn(`hubble: ${status.state}: ${status.detail ?? ''}`);
    else if (status) this.log.info(`hubble: ${status.detail ?? 'connected'}`);
  }

  /** GET one object from the live cluster (read-only); undefined for a snapshot session. */
  async fetchKubeObject(path: string, signal?: AbortSignal): Promise<unknown> {
    if (!this.kubeConfig) return undefined;
    return kubeGetJson(this.kubeConfig, path, {}, signal);
  }

  describe(): string {
    return this.target.kind === 'snapshot' ? `snapshot ${this.target.path}` : `context ${this.label || '(current)'}`;
  }

  private setState(state: SessionState): void {
    if (this.state.phase === state.phase && this.state.detail === state.detail) return;
    this.state = state;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.state);
      } catch (err) {
        this.log.error(`${this.describe()}: a state listener failed: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  private async run(): Promise<void> {
    const started = performance.now();
    if (this.target.kind === 'snapshot') {
      this.log.info(`loading snapshot ${this.target.path}`);
      this.setLoading('snapshot files', true);
      // fill this session's store directly (views already listen to it)
      const loaded = storeFromRawSnapshot(await loadSnapshot(this.target.path, { signal: this.controller.signal }), this.store);
      this.setLoading('snapshot files', false);
      this.flows = snapshotFlows(loaded.raw.hubble);
      this.fixedSources = loaded.sources.map((s) => (s.name === 'hubble' ? this.flows!.status : s));
      this.problems = loaded.problems;
      for (const p of loaded.problems) this.log.warn(`${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
      this.log.info(`snapshot ${this.target.path} loaded in ${Math.round(performance.now() - started)} ms`);
      this.setState({ phase: 'connected', detail: 'offline snapshot' });
      return;
    }
    const kc = loadKubeConfig({ path: this.target.kubeconfigPath, context: this.target.context });
    this.kubeConfig = kc;
    this.label = kc.getCurrentContext();
    this.setState({ phase: 'connecting', detail: kc.getCurrentCluster()?.server });
    this.log.info(`connecting to context ${this.label} at ${kc.getCurrentCluster()?.server}`);
    const live = await openLiveStore(kc, {
      ...this.options.informer,
      signal: this.controller.signal,
      aws: this.target.aws,
      ...(this.options.ipamd ? { ipamd: this.options.ipamd } : {}),
      ...(this.options.ipamdAllUpTo !== undefined ? { ipamdAllUpTo: this.options.ipamdAllUpTo } : {}),
      ...(this.options.ipamdTimeoutMs ? { ipamdTimeoutMs: this.options.ipamdTimeoutMs } : {}),
      onState: (id, state) => this.onInformerState(id, state),
      onLoading: (source, loading) => this.setLoading(source, loading),
    }, this.store);
    if (this.controller.signal.aborted) return;
    this.aws = live.aws;
    this.live = live;
    this.ipamdReader = live.ipamdReader;
    if (this.ipamdReader?.mode === 'on-demand') {
      this.log.info(`context ${this.label}: ${this.store.count('node')} nodes: ipamd is read per node on demand`);
      // the ipamd row counts the nodes read; reads of many nodes are told together
      this.ipamdReader.onChange(() => {
        this.sourcesTimer ??= setTimeout(() => {
          this.sourcesTimer = undefined;
          if (!this.controller.signal.aborted) this.sourcesChanged();
        }, 1000);
      });
    }
    const flows = relayFlows(kc, { onStatus: (status) => this.updateSource(status), ...(this.target.hubble ? { access: this.target.hubble } : {}) });
    this.flows = flows;
    this.hubbleStatus = flows.status;
    for (const s of this.sources) if (s.state !== 'ok' && s.state !== 'loading') this.log.warn(`${s.name}: ${s.state}${s.detail ? `: ${s.detail}` : ''}`);
    // Relay is looked for in the background: the trees do not wait for it
    void flows.probe(this.controller.signal).then((status) => {
      if (status.state !== 'ok') this.log.warn(`hubble: ${status.state}: ${status.detail ?? ''}`);
    });
    this.log.info(`context ${this.label}: first full list in ${Math.round(performance.now() - started)} ms`);
    this.updateLiveState();
    void this.retryAws(kc);
  }

  /**
   * Reads EC2 and ipamd again, with back-off, while their last read failed in a way that may pass
   * (EC2 throttled or unreachable, ipamd refused or slow); merges what they give into the store.
   */
  private async retryAws(kc: import('@kubernetes/client-node').KubeConfig): Promise<void> {
    const signal = this.controller.signal;
    const target = this.target.kind === 'live' ? this.target : undefined;
    const base = this.options.awsRetryMs ?? 30_000;
    const random = this.options.random ?? Math.random;
    let attempt = 0;
    while (!signal.aborted && (this.aws.ec2?.retryable || this.aws.ipamd?.retryable)) {
      const delay = Math.min(300_000, base * 2 ** attempt);
      const wait = Math.round(delay / 2 + random() * (delay / 2));
      this.awsRetry = { attempt: ++attempt, at: Date.now() + wait };
      this.sourcesChanged();
      if (!(await sleep(wait, signal))) return;
      const again = await readAwsSources(kc, this.store, {
        ec2: this.aws.ec2?.retryable && target?.aws !== false ? (target?.aws ?? {}) : false,
        ipamd: Boolean(this.aws.ipamd?.retryable),
        signal,
        ipamdTimeoutMs: this.options.ipamdTimeoutMs,
      });
      if (signal.aborted) return;
      // keep the last good facts of a source that is still failing
      if (again.ec2) this.aws.ec2 = again.ec2.facts || !this.aws.ec2?.facts ? again.ec2 : { ...again.ec2, facts: this.aws.ec2.facts };
      if (again.ipamd) this.aws.ipamd = again.ipamd.enis.length || !this.aws.ipamd?.enis.length ? again.ipamd : { ...again.ipamd, enis: this.aws.ipamd.enis };
      if (again.ipamd?.results) this.ipamdReader?.seed(again.ipamd.results);
      // the reader keeps each node's last good ENIs, also of the nodes read on demand
      applyAwsFacts(this.store, this.aws.ec2?.facts, this.ipamdReader ? this.ipamdReader.enis() : this.aws.ipamd?.enis ?? []);
      for (const name of ['ec2', 'ipamd'] as const) {
        const read = again[name];
        if (read) this.log.info(`${name} read again (attempt ${attempt}): ${read.status.state}${read.status.detail ? `: ${read.status.detail}` : ''}`);
      }
    }
    this.awsRetry = undefined;
    this.sourcesChanged();
  }

  /** Tells listeners when the sources, as shown, changed. */
  private sourcesChanged(): void {
    if (!this.live) return;
    const text = JSON.stringify(this.sources.map((s) => [s.name, s.state, s.detail]));
    if (text === this.lastSourcesText) return;
    this.lastSourcesText = text;
    this.notify();
  }

  /** Hubble's row changed (Relay found, lost, forbidden): views show the new state. */
  private updateSource(status: SourceStatus): void {
    if (status.name !== 'hubble') return;
    this.hubbleStatus = status;
    this.sourcesChanged();
  }

  private onInformerState(id: string, state: InformerState): void {
    if (this.controller.signal.aborted) return; // stopping: keep the last states
    const before = this.informerStates.get(id);
    this.informerStates.set(id, state);
    this.setLoading(`kubernetes ${id}`, state.phase === 'listing');
    if (state.phase === 'reconnecting') this.log.warn(`${id}: ${state.error}; retry ${state.attempt} in ${state.retryInMs} ms${state.hadData ? `; stale since ${clockTime(state.staleSince)}` : ''}`);
    if (state.phase === 'forbidden') this.log.warn(`${id}: ${state.message}`);
    if (state.phase === 'synced' && (before?.phase === 'reconnecting' || (before?.phase === 'listing' && before.staleSince !== undefined))) this.log.info(`${id}: watching again, up to date`);
    if (this.live) this.updateLiveState();
    // before the first full list: say why it takes long (the server is down, slow, refusing)
    else this.updateFirstListState(id, state);
  }

  /**
   * Before the first full list: `unreachable` as soon as every resource has failed its first list
   * (no server, credentials rejected), instead of `connecting` until the sync timeout; the
   * informers keep retrying, and the session connects when they succeed.
   */
  private updateFirstListState(id: string, state: InformerState): void {
    const failure = firstListFailure(this.informerStates.values(), this.label);
    if (failure) {
      if (state.phase === 'reconnecting') this.setState({ phase: 'unreachable', detail: `${failure}; retrying (attempt ${state.attempt})` });
    } else if (this.state.phase === 'unreachable') {
      // retries list again one by one: unreachable until one of them succeeds
      if (state.phase === 'synced') this.setState({ phase: 'connecting', detail: `${id} listed; loading the rest` });
    } else if (state.phase === 'reconnecting') this.setState({ phase: 'connecting', detail: `retrying ${id} (attempt ${state.attempt}): ${state.error}` });
  }

  private updateLiveState(): void {
    const freshness = sessionFreshness(this.informerStates.values());
    this.setState(freshness.detail ? { phase: freshness.phase, detail: freshness.detail } : { phase: freshness.phase });
    this.sourcesChanged();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
