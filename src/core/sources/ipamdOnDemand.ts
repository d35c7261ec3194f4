/**
 * ipamd of a live session, node by node. A small cluster has every node read at connect (the
 * session seeds this reader with that read); a large one has none read at connect, and a node is
 * read when someone looks at it: its row is expanded, a trace goes through it, or the user asks for
 * every node. Each node keeps its last result (its ENIs and env settings, or the error) and when it
 * was read; a node is read once unless its read failed in a way that may pass. Reads of the same
 * node share one port-forward, and at most `concurrency` nodes are read at once.
 *
 * A node's result is merged into the store alone: EC2's ENIs of that node (kept from the last EC2
 * read) and the node's ipamd ENIs go through the same `mergeEnis` rule the whole-cluster merge
 * uses, with only that node's pods to match unassigned IPs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { EniInfo, SourceStatus } from '../model';
import type { TraceResult } from '../analysis/datapath/datapathTypes';
import type { ClusterStore } from '../store/clusterStore';
import { awsNodePodOn, projectIpamdNodeResult, readIpamd, type IpamdErrorKind, type IpamdNodeResult, type PodRef } from './ipamdSource';
import { mergeEnis } from './mergeEnis';

/** Nodes a cluster may have for ipamd of every node to be read at connect (above: per node, on demand). */
export const IPAMD_ALL_UP_TO = 50;

/** `all`: every node at connect; `auto`: every node up to `ipamdAllUpTo` nodes, per node on demand above; `none`: not read. */
export type IpamdMode = 'all' | 'auto' | 'none';

export type IpamdNodeState =
  | { state: 'reading'; since: number }
  | { state: 'ok'; at: number; pod: PodRef; enis: EniInfo[]; envSettings?: Record<string, string>; problems: string[] }
  | { state: 'failed'; at: number; error: { kind: IpamdErrorKind; message: string }; retryable: boolean };

export interface IpamdReaderOptions {
  /** `whole`: every node was read at connect (failed ones are read again by the session's retries); `on-demand`: per node. */
  mode: 'whole' | 'on-demand';
  /** Nodes read at once (= port-forwards open at once); default 8. */
  concurrency?: number;
  /** Per node, port-forward and requests included; default 10 s. */
  timeoutMs?: number;
  /** EC2's ENIs of the last EC2 read (undefined: no EC2 facts): the first source of a node's ENIs. */
  ec2Enis?: () => readonly EniInfo[] | undefined;
  /** Ends every read (the session stops). */
  signal?: AbortSignal;
}

export interface IpamdReadOptions {
  /** Stop waiting (a read another caller still waits for goes on). */
  signal?: AbortSignal;
  /** Read nodes whose last read failed for any reason again (default: only those that may pass: refused, timed out). */
  retryFailed?: boolean;
  /** Called as each node's read ends. */
  onNode?: (nodeName: string, state: IpamdNodeState) => void;
}

const RETRYABLE = new Set<IpamdErrorKind>(['refused', 'timeout', 'other']);

interface Job {
  promise: Promise<IpamdNodeState | undefined>;
  /** The node's state before this read (what a cancelled wait answers). */
  before: IpamdNodeState | undefined;
  waiters: number;
  controller: AbortController;
}

export class IpamdReader {
  private readonly states = new Map<string, IpamdNodeState>();
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Array<() => void> = [];
  private running = 0;
  private readonly listeners = new Set<(nodeNames: readonly string[]) => void>();
  private ec2Index: { of: readonly EniInfo[]; byInstance: Map<string, EniInfo[]>; byNode: Map<string, EniInfo[]> } | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly store: ClusterStore,
    private readonly options: IpamdReaderOptions,
  ) {}

  get mode(): 'whole' | 'on-demand' {
    return this.options.mode;
  }

  /** The node's last result, or `reading`; undefined when it was never read. */
  stateOf(nodeName: string): IpamdNodeState | undefined {
    return this.states.get(nodeName);
  }

  /** Whether `read` would read this node now (never read, or failed in a way that may pass; on demand only for the latter). */
  needsRead(nodeName: string, retryFailed = false): boolean {
    const state = this.states.get(nodeName);
    if (!state) return true;
    if (state.state !== 'failed') return false;
    return retryFailed || (this.options.mode === 'on-demand' && state.retryable);
  }

  /** Called with the nodes whose state changed (reading started, read ended). */
  onChange(listener: (nodeNames: readonly string[]) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Nodes read fine, failed and being read now. */
  counts(): { ok: number; failed: number; reading: number } {
    const c = { ok: 0, failed: 0, reading: 0 };
    for (const s of this.states.values()) c[s.state === 'ok' ? 'ok' : s.state === 'failed' ? 'failed' : 'reading']++;
    return c;
  }

  /** The ipamd ENIs of every node read fine (for a whole-cluster merge after EC2 is read again). */
  enis(): EniInfo[] {
    const out: EniInfo[] = [];
    for (const s of this.states.values()) if (s.state === 'ok') out.push(...s.enis);
    return out;
  }

  /**
   * The results of a read of every node (at connect, or the session's retry of it): each node's
   * state. The caller merged the ENIs into the store already. Nodes being read on demand keep going.
   */
  seed(results: readonly IpamdNodeResult[], now = new Date()): void {
    const changed: string[] = [];
    for (const r of results) {
      if (this.jobs.has(r.nodeName)) continue;
      // a node that failed again keeps its last good ENIs
      if (!r.ok && this.states.get(r.nodeName)?.state === 'ok') continue;
      this.states.set(r.nodeName, this.stateFromResult(r, now));
      changed.push(r.nodeName);
    }
    this.changed(changed);
  }

  /**
   * Reads the nodes that need it (see `needsRead`), waits for those and for reads of these nodes
   * already going on, and merges each node's ENIs into the store as it is read. Resolves with the
   * state of every node asked for (undefined: never read, e.g. the wait was cancelled). Never rejects.
   */
  async read(nodeNames: readonly string[], opts: IpamdReadOptions = {}): Promise<Map<string, IpamdNodeState | undefined>> {
    const unique = [...new Set(nodeNames)];
    // the session has stopped: nothing more is read
    if (this.options.signal?.aborted) return new Map(unique.map((name) => [name, this.states.get(name)]));
    const waits = unique.map(async (name) => {
      let job = this.jobs.get(name);
      if (!job && !this.needsRead(name, opts.retryFailed)) return this.states.get(name);
      job ??= this.start(name);
      job.waiters++;
      const state = await waitFor(job.promise, opts.signal);
      job.waiters--;
      // nobody waits for it any more: a read not begun is dropped, one going on is stopped
      if (job.waiters === 0 && opts.signal?.aborted) job.controller.abort(opts.signal.reason);
      const now = this.states.get(name);
      if (now && now.state !== 'reading') opts.onNode?.(name, now);
      return state === 'cancelled' ? job.before : state ?? job.before;
    });
    const states = await Promise.all(waits);
    return new Map(unique.map((name, i) => [name, states[i]]));
  }

  /**
   * The ipamd row of the session's sources for a reader on demand: how many nodes were read (the
   * rest are read when looked at), and what failed.
   */
  status(): SourceStatus {
    const total = this.store.count('node');
    const { ok, failed, reading } = this.counts();
    const failures = [...this.states.values()].filter((s): s is Extract<IpamdNodeState, { state: 'failed' }> => s.state === 'failed');
    const problems = failures.length ? `; ${failed} failed: ${failures.slice(0, 2).map((f) => f.error.message).join('; ')}${failures.length > 2 ? `; and ${failures.length - 2} more` : ''}` : '';
    const detail = `read per node on demand: ${ok} of ${total} nodes read${reading ? `, ${reading} being read` : ''}${problems} (expand a node, trace a pod, or run “Read ipamd of every node”)`;
    const allFailed = ok === 0 && failed > 0;
    const forbidden = failures.find((f) => f.error.kind === 'forbidden');
    const state: SourceStatus['state'] = !allFailed ? 'ok' : forbidden ? 'forbidden' : 'error';
    return { name: 'ipamd', state, detail: state === 'forbidden' ? `needs RBAC create on pods/portforward in kube-system; ${detail}` : detail, coverage: { read: ok, of: total } };
  }

  private start(nodeName: string): Job {
    const controller = new AbortController();
    const stopAll = (): void => controller.abort(this.options.signal?.reason);
    this.options.signal?.addEventListener('abort', stopAll, { once: true });
    const before = this.states.get(nodeName);
    this.states.set(nodeName, { state: 'reading', since: Date.now() });
    this.changed([nodeName]);
    const promise = this.slot(controller.signal, async () => {
      if (controller.signal.aborted) return undefined;
      const pod = awsNodePodOn(this.store, nodeName);
      try {
        const { results } = await readIpamd(this.kc, [{ nodeName, awsNodePod: pod }], { signal: controller.signal, concurrency: 1, ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}) });
        return this.stateFromResult(results[0]!, new Date());
      } catch {
        return undefined; // cancelled
      }
    }).then((state) => {
      this.options.signal?.removeEventListener('abort', stopAll);
      this.jobs.delete(nodeName);
      if (!state) {
        // not read: as it was before
        if (before) this.states.set(nodeName, before);
        else this.states.delete(nodeName);
      } else if (state.state === 'failed' && before?.state === 'ok') {
        // keep the last good ENIs
      } else {
        this.states.set(nodeName, state);
        if (state.state === 'ok') this.mergeNode(nodeName, state.enis);
      }
      this.changed([nodeName]);
      return state;
    });
    const job: Job = { promise, before, waiters: 0, controller };
    this.jobs.set(nodeName, job);
    return job;
  }

  /** Runs `work` when fewer than `concurrency` reads run; a read cancelled while it waits is not run. */
  private slot<T>(signal: AbortSignal, work: () => Promise<T | undefined>): Promise<T | undefined> {
    const limit = Math.max(1, Math.floor(this.options.concurrency ?? 8));
    return new Promise<T | undefined>((resolve) => {
      const run = (): void => {
        this.running++;
        void work().then(resolve, () => resolve(undefined)).finally(() => {
          this.running--;
          this.queue.shift()?.();
        });
      };
      if (this.running < limit) run();
      else
        this.queue.push(() => {
          if (signal.aborted) {
            resolve(undefined);
            this.queue.shift()?.();
          } else run();
        });
    });
  }

  private stateFromResult(r: IpamdNodeResult, now: Date): IpamdNodeState {
    if (!r.ok) return { state: 'failed', at: now.getTime(), error: r.error, retryable: RETRYABLE.has(r.error.kind) };
    const projected = projectIpamdNodeResult(r, now);
    return { state: 'ok', at: now.getTime(), pod: r.pod, enis: projected.enis, ...(r.envSettings ? { envSettings: r.envSettings } : {}), problems: projected.problems };
  }

  /** One node's ENIs merged from EC2 and its ipamd ENIs, into the store (no other node is touched). */
  private mergeNode(nodeName: string, ipamdEnis: readonly EniInfo[]): void {
    const node = this.store.get('node', nodeName);
    const enis = mergeEnis({
      ec2: this.ec2EnisOf(nodeName, node?.instanceId),
      ipamd: ipamdEnis,
      nodes: node ? [node] : [],
      pods: [...this.store.podsOnNode(nodeName)],
    });
    this.store.batch(() => {
      for (const eni of enis) this.store.upsert('eni', eni);
    });
  }

  private ec2EnisOf(nodeName: string, instanceId: string | undefined): EniInfo[] {
    const all = this.options.ec2Enis?.();
    if (!all?.length) return [];
    if (this.ec2Index?.of !== all) {
      const byInstance = new Map<string, EniInfo[]>();
      const byNode = new Map<string, EniInfo[]>();
      const add = (map: Map<string, EniInfo[]>, key: string, eni: EniInfo): void => {
        const list = map.get(key);
        if (list) list.push(eni);
        else map.set(key, [eni]);
      };
      for (const eni of all) {
        if (eni.instanceId) add(byInstance, eni.instanceId, eni);
        else if (eni.nodeName) add(byNode, eni.nodeName, eni);
      }
      this.ec2Index = { of: all, byInstance, byNode };
    }
    return [...(instanceId ? this.ec2Index.byInstance.get(instanceId) ?? [] : []), ...(this.ec2Index.byNode.get(nodeName) ?? [])];
  }

  private changed(nodeNames: readonly string[]): void {
    if (nodeNames.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(nodeNames);
      } catch {
        // a listener's failure must not stop reading
      }
    }
  }
}

/** `promise`'s value, or `cancelled` as soon as `signal` aborts. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | 'cancelled'> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve('cancelled');
  return new Promise((resolve) => {
    const onAbort = (): void => resolve('cancelled');
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

/** What a trace or diagram says of a node whose ipamd it relied on and did not get (`why`: "could not be read (…)"). */
export function ipamdNotReadNote(node: string, why: string): string {
  return `ipamd of node ${node} ${why}: which pod holds each IP of its ENIs, and cooling IPs, come from the pod list only`;
}

/** The nodes a trace relies on: where its source and its destination run. */
export function traceNodes(result: TraceResult): string[] {
  if (!result.ok) return [];
  return [...new Set([result.trace.source.node, result.trace.destination.node].filter((n): n is string => Boolean(n)))];
}

/**
 * A trace with ipamd of both ends' nodes read first (on demand): traces once to find the nodes,
 * reads those not read yet (waiting at most `waitMs`), traces again when a read brought facts, and
 * notes each node whose ipamd could not be read. Without a reader: the trace as it is.
 */
export async function traceReadingIpamd(
  trace: () => TraceResult,
  ipamd: IpamdReader | undefined,
  opts: { signal?: AbortSignal; waitMs?: number } = {},
): Promise<TraceResult> {
  const first = trace();
  const nodes = traceNodes(first);
  if (!ipamd || nodes.length === 0 || !first.ok) return first;
  const waitMs = opts.waitMs ?? 20_000;
  const before = new Map(nodes.map((n) => [n, ipamd.stateOf(n)]));
  const timeout = AbortSignal.timeout(waitMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const states = await ipamd.read(nodes, { signal });
  const readNow = nodes.some((n) => states.get(n) !== before.get(n) && states.get(n)?.state === 'ok');
  const result = readNow ? trace() : first;
  if (!result.ok) return result;
  for (const node of nodes) {
    const state = states.get(node);
    if (state?.state === 'failed') {
      result.trace.notes.push(ipamdNotReadNote(node, `could not be read (${state.error.message})`));
    } else if (!state || state.state === 'reading') {
      result.trace.notes.push(ipamdNotReadNote(node, `was not read${timeout.aborted ? ` within ${Math.round(waitMs / 1000)} s` : ''}`));
    }
  }
  return result;
}
