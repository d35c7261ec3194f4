import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, describeCause, kubeListAll, type ListTimings } from './kubeRequest';
import { nextTurn } from './eventLoopTurns';
import { kubeWatchOnce, type KubeWatchEnd, type KubeWatchEvent } from './kubeWatch';

/** One resource to list and watch, e.g. `{ path: '/apis/cilium.io/v2/ciliumendpoints' }`. */
export interface ResourceSpec {
  /** Stable id used in states and logs, e.g. `cilium.io/ciliumendpoints`. */
  id: string;
  /** Collection path, cluster-wide or namespaced. */
  path: string;
  /** Verb-level RBAC description, shown when forbidden. */
  group: string;
  resource: string;
  namespace?: string;
  /**
   * Only this object: list and watch with a `metadata.name` field selector, which RBAC can grant
   * with `resourceNames` (the tool needs two ConfigMaps of kube-system, not all of them).
   */
  name?: string;
  /** Items per list page for this resource when the options set none (default `LIST_PAGE_SIZE`). */
  pageSize?: number;
  /** The resource is a CRD that may not be installed; a 404 means "not installed", not an error. */
  optional?: boolean;
}

/** Query parameters that narrow a resource's list and watch (the field selector of a named spec). */
export function specQuery(spec: ResourceSpec): Record<string, string> {
  return spec.name ? { fieldSelector: `metadata.name=${spec.name}` } : {};
}

/**
 * Where an informer is. `staleSince` (epoch ms) is set whenever what the informer delivered may no
 * longer match the cluster: from the moment a watch broke or a relist became necessary until the
 * next watch is open again.
 */
export type InformerState =
  | { phase: 'listing'; staleSince?: number }
  | { phase: 'synced'; items: number; resourceVersion: string }
  | {
      phase: 'reconnecting';
      attempt: number;
      error: string;
      /** Delay before the next attempt (0: at once). */
      retryInMs: number;
      /** Epoch ms of the next attempt. */
      retryAt: number;
      staleSince: number;
      /** Whether anything was delivered before (false: the first list has not succeeded yet). */
      hadData: boolean;
      /** The delay is the server's `Retry-After`. */
      retryAfter?: boolean;
      /** HTTP status of the failed list, when the server answered (401: credentials rejected). */
      status?: number;
    }
  /** `verb`: the list was denied (nothing is known), or the list worked and the watch was denied. */
  | { phase: 'forbidden'; message: string; verb: 'list' | 'watch' }
  | { phase: 'missing'; message: string }
  | { phase: 'stopped' };

export interface InformerSink {
  /** Replace everything this informer delivered before with `items` (after a list or relist). */
  replace(items: unknown[]): void;
  /**
   * Items of one page of the initial list, before `replace` is called with all of them. A sink may
   * take a page in steps (yielding to the event loop): the next page waits for its promise.
   */
  page?(items: unknown[]): void | Promise<void>;
  /**
   * Streaming lists: when set, the informer keeps no copy of a list. Each page goes to `page` as it
   * arrives, then `listed` says the list is complete (everything not in its pages is gone), and
   * `replace` is not called. The watch starts once its promise (if any) settles.
   */
  listed?(): void | Promise<void>;
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: unknown): void;
  state(state: InformerState): void;
}

/**
 * Items a list page asks for. The body of a page is parsed in one go on the event loop: 500 pods
 * (about 0.75 MB) took up to ~40 ms with the garbage collection it brings, 250 stay near 10-20 ms;
 * twice the requests cost little against a local or regional API server.
 */
export const LIST_PAGE_SIZE = 250;

export interface InformerOptions {
  /** Items per list page (default `LIST_PAGE_SIZE`). */
  pageSize?: number;
  /** First back-off delay; doubles per failed attempt up to `maxBackoffMs`; each delay is jittered to [d/2, d]. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Upper bound on a server's `Retry-After` that is honoured (default 60 s). */
  maxRetryAfterMs?: number;
  /** One list page may take this long (default 60 s). */
  requestTimeoutMs?: number;
  /** A watch with no byte for this long is presumed dead and reopened (default 5 minutes). */
  watchIdleTimeoutMs?: number;
  /** Waiting for a watch's response head (default 30 s). */
  watchConnectTimeoutMs?: number;
  /**
   * After stale data, a reopened watch counts as up to date at its first event or BOOKMARK, or once
   * it has been open this long without an ERROR (a 410 comes right after the head); default 250 ms.
   */
  watchSettleMs?: number;
  /** A watch that lasted this long counts as a working connection (resets the back-off); default 1 s. */
  stableWatchMs?: number;
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number;
  /** An object the sink could not take (it is skipped). */
  onWarning?: (message: string) => void;
  /** Adds where the time of the lists goes (see `ListTimings`). */
  timings?: ListTimings;
}

/**
 * Lists a resource page by page, then watches it from the list's resourceVersion, for as long as
 * `run`'s signal allows:
 * - a watch the server ends cleanly is reopened at once from the last resourceVersion seen;
 * - a watch that breaks (connection cut, an event line cut short, no byte for too long) is reopened
 *   from the last resourceVersion seen, at once the first time, then with back-off: the events
 *   after that version arrive again, none is lost and none is applied twice;
 * - 410 Gone (an ERROR event or the HTTP status, on a watch or a list) relists;
 * - 429 and 5xx back off, waiting at least the server's `Retry-After`;
 * - 403 stops with `forbidden`; 404 of an optional CRD stops with `missing`.
 * Every state change goes to the sink; nothing throws out of `run`.
 */
export class KubeInformer {
  private resourceVersion: string | undefined;
  private attempt = 0;
  private items = 0;
  private staleSince: number | undefined;
  private synced = false;
  private quickCloses = 0;

  constructor(
    private readonly kc: KubeConfig,
    readonly spec: ResourceSpec,
    private readonly sink: InformerSink,
    private readonly options: InformerOptions = {},
  ) {}

  /** Runs until `signal` aborts. Resolves once stopped; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      // each informer starts on a turn of its own: fifteen starting in one turn open fifteen TLS
      // connections (a secure context each) in one block of the event loop
      await nextTurn();
      while (!signal.aborted) {
        if (this.resourceVersion === undefined) {
          const stop = await this.list(signal);
          if (stop) return;
          continue;
        }
        const end = await this.watchOnce(signal);
        if (signal.aborted) break;
        const stop = await this.afterWatch(end, signal);
        if (stop) return;
      }
      this.state({ phase: 'stopped' });
    } catch (err) {
      // a bug, not a cluster problem: say so instead of rejecting into the caller
      this.state({ phase: 'reconnecting', attempt: this.attempt, error: `internal error, stopped: ${describeCause(err)}`, retryInMs: 0, retryAt: Date.now(), staleSince: this.markStale(), hadData: this.synced });
      this.state({ phase: 'stopped' });
    }
  }

  /** Lists (or relists); true when the informer must stop (forbidden, not installed). */
  private async list(signal: AbortSignal): Promise<boolean> {
    this.state(this.staleSince !== undefined ? { phase: 'listing', staleSince: this.staleSince } : { phase: 'listing' });
    try {
      // streaming sinks take the pages as they come and keep no copy of the list
      const streaming = this.sink.listed !== undefined;
      const { items, resourceVersion, count } = await kubeListAll(this.kc, this.spec.path, {
        pageSize: this.options.pageSize ?? this.spec.pageSize ?? LIST_PAGE_SIZE,
        query: specQuery(this.spec),
        signal,
        onPage: this.sink.page ? (page) => this.guardAsync(() => this.sink.page!(page)) : undefined,
        timeoutMs: this.options.requestTimeoutMs,
        keepItems: !streaming,
        timings: this.options.timings,
      });
      if (streaming) await this.guardAsync(() => this.sink.listed!());
      else this.guard(() => this.sink.replace(items));
      this.items = count;
      this.resourceVersion = resourceVersion;
      this.attempt = 0;
      this.fresh();
      return false;
    } catch (err) {
      if (signal.aborted) return true;
      if (err instanceof KubeApiError && err.status === 403) {
        this.state({ phase: 'forbidden', message: err.message, verb: 'list' });
        return true;
      }
      if (err instanceof KubeApiError && err.status === 404 && this.spec.optional) {
        this.state({ phase: 'missing', message: `${this.spec.resource}.${this.spec.group} is not served by this cluster (CRD not installed)` });
        return true;
      }
      // a 410 here is an expired continue token: start the list over, after the usual back-off
      const retryAfterMs = err instanceof KubeApiError ? err.retryAfterMs : undefined;
      const status = err instanceof KubeApiError ? err.status : undefined;
      await this.backoff(signal, `list failed: ${describeCause(err)}`, { retryAfterMs, status });
      return false;
    }
  }

  /** One watch request from the current resourceVersion. */
  private async watchOnce(signal: AbortSignal): Promise<{ end: KubeWatchEnd; expired: boolean; sawEvent: boolean; lasted: number }> {
    let expired = false;
    let sawEvent = false;
    let openedAt: number | undefined;
    let settle: NodeJS.Timeout | undefined;
    const settled = (): void => {
      clearTimeout(settle);
      settle = undefined;
      if (!expired && !signal.aborted && this.staleSince !== undefined) this.fresh();
    };
    const onEvent = ({ type, object }: KubeWatchEvent): void => {
      if (type === 'ERROR') clearTimeout(settle);
      else if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' || type === 'BOOKMARK') settled();
      const meta = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
      const rv = typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : undefined;
      switch (type) {
        case 'ADDED':
        case 'MODIFIED':
        case 'DELETED':
          sawEvent = true;
          this.guard(() => this.sink.event(type, object));
          if (type === 'ADDED') this.items++;
          if (type === 'DELETED') this.items = Math.max(0, this.items - 1);
          if (rv) this.resourceVersion = rv;
          return;
        case 'BOOKMARK':
          if (rv) this.resourceVersion = rv;
          return;
        case 'ERROR':
          if ((object as { code?: unknown } | null)?.code === 410) expired = true;
          return;
        default:
          return;
      }
    };
    const end = await kubeWatchOnce(
      this.kc,
      this.spec.path,
      { resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true', ...specQuery(this.spec) },
      {
        signal,
        onEvent,
        onOpen: () => {
          openedAt = Date.now();
          if (this.staleSince !== undefined) settle = setTimeout(settled, this.options.watchSettleMs ?? 250);
        },
        idleTimeoutMs: this.options.watchIdleTimeoutMs,
        connectTimeoutMs: this.options.watchConnectTimeoutMs,
      },
    );
    clearTimeout(settle);
    return { end, expired, sawEvent, lasted: openedAt === undefined ? -1 : Date.now() - openedAt };
  }

  /** Decides what follows a watch; true when the informer must stop. */
  private async afterWatch(w: { end: KubeWatchEnd; expired: boolean; sawEvent: boolean; lasted: number }, signal: AbortSignal): Promise<boolean> {
    const { end } = w;
    // a watch that delivered events or held for a while proves the connection works
    const stable = w.sawEvent || w.lasted >= (this.options.stableWatchMs ?? 1000);
    if (stable) {
      this.attempt = 0;
      this.quickCloses = 0;
    }
    if (w.expired || (end.kind === 'failed' && end.status === 410)) {
      this.resourceVersion = undefined;
      this.markStale();
      return false;
    }
    switch (end.kind) {
      case 'aborted':
        return true;
      case 'closed':
        // the normal end of a watch (resumed at once, nothing is missed); one that ends at once,
        // three times in a row, is a failure
        if (stable || ++this.quickCloses < 3) return false;
        this.markStale();
        await this.backoff(signal, 'the server keeps closing the watch at once');
        return false;
      case 'idle':
        this.markStale();
        await this.backoff(signal, `no data on the watch for ${Math.round((this.options.watchIdleTimeoutMs ?? 300_000) / 1000)} s`, { immediateFirst: true });
        return false;
      case 'cut':
        this.markStale();
        await this.backoff(signal, end.error, { immediateFirst: true });
        return false;
      case 'failed':
        if (end.status === 403) {
          // the list was allowed, the watch is not: what was listed stays, but nothing keeps it fresh
          this.state({ phase: 'forbidden', verb: 'watch', message: `${end.error.replace(/^watch failed: /, '')}; the objects shown are from the first list and are not kept up to date` });
          return true;
        }
        if (end.status === 404 && this.spec.optional) {
          this.state({ phase: 'missing', message: `${this.spec.resource}.${this.spec.group} is not served by this cluster (CRD not installed)` });
          return true;
        }
        this.markStale();
        await this.backoff(signal, `watch failed: ${end.error}`, { retryAfterMs: end.retryAfterMs });
        return false;
    }
  }

  private fresh(): void {
    this.staleSince = undefined;
    this.synced = true;
    this.state({ phase: 'synced', items: this.items, resourceVersion: this.resourceVersion ?? '' });
  }

  /** Marks what was delivered as possibly out of date (from now, unless it already was). */
  private markStale(): number {
    this.staleSince ??= Date.now();
    return this.staleSince;
  }

  private async backoff(signal: AbortSignal, error: string, opts: { retryAfterMs?: number; immediateFirst?: boolean; status?: number } = {}): Promise<void> {
    this.attempt++;
    const base = this.options.backoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 30_000;
    let retryInMs: number;
    let retryAfter = false;
    if (opts.immediateFirst && this.attempt === 1) {
      retryInMs = 0;
    } else {
      const delay = Math.min(max, base * 2 ** (this.attempt - (opts.immediateFirst ? 2 : 1)));
      const random = this.options.random ?? Math.random;
      retryInMs = Math.round(delay / 2 + random() * (delay / 2));
      if (opts.retryAfterMs !== undefined) {
        const asked = Math.min(opts.retryAfterMs, this.options.maxRetryAfterMs ?? 60_000);
        if (asked >= retryInMs) {
          retryInMs = asked;
          retryAfter = true;
        }
      }
    }
    const staleSince = this.markStale();
    this.state({ phase: 'reconnecting', attempt: this.attempt, error, retryInMs, retryAt: Date.now() + retryInMs, staleSince, hadData: this.synced, ...(retryAfter ? { retryAfter } : {}), ...(opts.status !== undefined ? { status: opts.status } : {}) });
    if (retryInMs === 0) return;
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, retryInMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private state(state: InformerState): void {
    this.guard(() => this.sink.state(state));
  }

  /** `guard` for sink calls that may take their work in steps. */
  private async guardAsync(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.options.onWarning?.(`${this.spec.id}: an object could not be taken in and was skipped: ${describeCause(err)}`);
    }
  }

  /** Runs a sink call; a sink that throws loses that object (with a warning), not the informer. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.onWarning?.(`${this.spec.id}: an object could not be taken in and was skipped: ${describeCause(err)}`);
    }
  }
}
