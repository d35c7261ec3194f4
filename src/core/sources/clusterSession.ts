import type { SourceStatus } from '../model';
import type { SnapshotProblem } from '../snapshot/rawSnapshot';
import { ClusterStore } from '../store/clusterStore';
import { loadKubeConfig } from './kubeconfig';
import { kubeGetJson } from './kubeRequest';
import type { InformerState } from './kubeInformer';
import { kubernetesStatus, openLiveStore, type LiveStore } from './liveStore';
import { loadSnapshot } from '../snapshot/loadSnapshot';
import { storeFromRawSnapshot } from './snapshotStore';
import { relayFlows, snapshotFlows, type SessionFlows } from './sessionFlows';

export interface AwsAccess {
  endpoint?: string;
  profile?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export type SessionTarget =
  | { kind: 'live'; kubeconfigPath?: string; context?: string; aws?: AwsAccess | false }
  | { kind: 'snapshot'; path: string };

export type SessionPhase = 'connecting' | 'connected' | 'reconnecting' | 'unreachable' | 'error' | 'stopped';

export interface SessionState {
  phase: SessionPhase;
  /** What the user should know: the error, what is reconnecting. */
  detail?: string;
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
  sources: SourceStatus[] = [];
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

  constructor(readonly target: SessionTarget, private readonly log: SessionLog) {
    this.label = target.kind === 'snapshot' ? target.path.split(/[\\/]/).filter(Boolean).pop() ?? target.path : target.context ?? '';
  }

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
    await Promise.all([this.live?.live.stop(), this.flows?.close()]);
    this.setState({ phase: 'stopped' });
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
    for (const listener of this.listeners) listener(state);
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
      this.sources = loaded.sources.map((s) => (s.name === 'hubble' ? this.flows!.status : s));
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
    this.live = await openLiveStore(kc, {
      signal: this.controller.signal,
      aws: this.target.aws,
      onState: (id, state) => this.onInformerState(id, state),
      onLoading: (source, loading) => this.setLoading(source, loading),
    }, this.store);
    const flows = relayFlows(kc, { onStatus: (status) => this.updateSource(status) });
    this.flows = flows;
    this.sources = [...this.live.sources, flows.status];
    this.refreshKubernetesSources(); // informers that changed while EC2 and ipamd were read
    for (const s of this.sources) if (s.state !== 'ok' && s.state !== 'loading') this.log.warn(`${s.name}: ${s.state}${s.detail ? `: ${s.detail}` : ''}`);
    // Relay is looked for in the background: the trees do not wait for it
    void flows.probe(this.controller.signal).then((status) => {
      if (status.state !== 'ok') this.log.warn(`hubble: ${status.state}: ${status.detail ?? ''}`);
    });
    this.log.info(`context ${this.label}: first full list in ${Math.round(performance.now() - started)} ms`);
    this.updateLiveState();
  }

  /** Replaces a source row (by name) and tells the listeners, so views show the new state. */
  private updateSource(status: SourceStatus): void {
    const i = this.sources.findIndex((s) => s.name === status.name);
    if (i >= 0) this.sources = [...this.sources.slice(0, i), status, ...this.sources.slice(i + 1)];
    else this.sources = [...this.sources, status];
    for (const listener of this.listeners) listener(this.state);
  }

  private onInformerState(id: string, state: InformerState): void {
    const before = this.informerStates.get(id)?.phase;
    this.informerStates.set(id, state);
    this.setLoading(`kubernetes ${id}`, state.phase === 'listing');
    if (state.phase === 'reconnecting') this.log.warn(`${id}: ${state.error}; retry ${state.attempt} in ${state.retryInMs} ms`);
    if (state.phase === 'forbidden') this.log.warn(`${id}: ${state.message}`);
    if (!this.live) return;
    // a resource can turn forbidden (or come back) after the first list: its source row follows
    if ((state.phase === 'forbidden' || state.phase === 'missing' || state.phase === 'synced') && state.phase !== before) this.refreshKubernetesSources();
    this.updateLiveState();
  }

  private refreshKubernetesSources(): void {
    if (!this.live) return;
    const head = this.sources.find((s) => s.name === 'kubernetes');
    const fresh = kubernetesStatus(this.live.live.states, undefined);
    // keep the first list's note (e.g. a list that timed out) on the summary line
    if (head?.detail && fresh[0] && head.detail.includes('; not every resource')) fresh[0].detail += head.detail.slice(head.detail.indexOf('; not every resource'));
    const next = [...fresh, ...this.sources.filter((s) => s.name !== 'kubernetes' && !s.name.startsWith('kubernetes '))];
    if (JSON.stringify(next) === JSON.stringify(this.sources)) return;
    this.sources = next;
    for (const listener of this.listeners) listener(this.state);
  }

  private updateLiveState(): void {
    const states = [...this.informerStates.values()];
    const reconnecting = states.filter((s) => s.phase === 'reconnecting');
    const synced = states.filter((s) => s.phase === 'synced');
    if (synced.length === 0 && reconnecting.length > 0) {
      const first = reconnecting[0] as Extract<InformerState, { phase: 'reconnecting' }>;
      this.setState({ phase: 'unreachable', detail: first.error });
    } else if (reconnecting.length > 0) {
      this.setState({ phase: 'reconnecting', detail: `${reconnecting.length} of ${states.length} watches reconnecting; data may be stale` });
    } else {
      this.setState({ phase: 'connected' });
    }
  }
}
