import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, describeCause, kubeListAll } from './kubeRequest';

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
  /** The resource is a CRD that may not be installed; a 404 means "not installed", not an error. */
  optional?: boolean;
}

export type InformerState =
  | { phase: 'listing' }
  | { phase: 'synced'; items: number; resourceVersion: string }
  | { phase: 'reconnecting'; attempt: number; error: string; retryInMs: number }
  | { phase: 'forbidden'; message: string }
  | { phase: 'missing'; message: string }
  | { phase: 'stopped' };

export interface InformerSink {
  /** Replace everything this informer delivered before with `items` (after a list or relist). */
  replace(items: unknown[]): void;
  /** Items of one page of the initial list, before `replace` is called with all of them. */
  page?(items: unknown[]): void;
  /**
   * Streaming lists: when set, the informer keeps no copy of a list. Each page goes to `page` as it
   * arrives, then `listed` says the list is complete (everything not in its pages is gone), and
   * `replace` is not called.
   */
  listed?(): void;
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: unknown): void;
  state(state: InformerState): void;
}

export interface InformerOptions {
  pageSize?: number;
  /** First back-off delay; doubles up to `maxBackoffMs`, with jitter. */
  backoffMs?: number;
  maxBackoffMs?: number;
}


interface WatchStatus {
  code?: number;
  reason?: string;
  message?: string;
}

/**
 * Lists a resource page by page, then watches it from the list's resourceVersion; on 410 Gone it
 * relists, on any other failure it backs off (with jitter) and resumes. Unlike client-node's
 * ListWatch it keeps no copy of the objects and never stops on an error.
 */
export class KubeInformer {
  private readonly watch: Watch;
  private resourceVersion: string | undefined;
  private attempt = 0;
  private currentWatch: AbortController | undefined;

  constructor(
    private readonly kc: KubeConfig,
    readonly spec: ResourceSpec,
    private readonly sink: InformerSink,
    private readonly options: InformerOptions = {},
  ) {
    this.watch = new Watch(kc);
  }

  /** Runs until `signal` aborts. Resolves once stopped. */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.currentWatch?.abort(), { once: true });
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list(signal);
        const outcome = await this.watchOnce(signal);
        if (outcome === 'expired') this.resourceVersion = undefined;
        if (outcome === 'progress') this.attempt = 0;
        if (outcome === 'failed' || outcome === 'closed') await this.backoff(signal, outcome === 'closed' ? 'watch closed by the server' : 'watch failed');
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof KubeApiError && err.status === 403) {
          this.sink.state({ phase: 'forbidden', message: err.message });
          return;
        }
        if (err instanceof KubeApiError && err.status === 404 && this.spec.optional) {
          this.sink.state({ phase: 'missing', message: `${this.spec.resource}.${this.spec.group} is not served by this cluster (CRD not installed)` });
          return;
        }
        if (err instanceof KubeApiError && err.status === 410) {
          this.resourceVersion = undefined;
          continue;
        }
        await this.backoff(signal, describeCause(err));
      }
    }
    this.sink.state({ phase: 'stopped' });
  }

  private async list(signal: AbortSignal): Promise<void> {
    this.sink.state({ phase: 'listing' });
    const streaming = this.sink.listed !== undefined;
    const { items, resourceVersion, count } = await kubeListAll(this.kc, this.spec.path, { pageSize: this.options.pageSize, signal, onPage: this.sink.page?.bind(this.sink), keepItems: !streaming });
    if (streaming) this.sink.listed!();
    else this.sink.replace(items);
    this.resourceVersion = resourceVersion;
    this.attempt = 0;
    this.sink.state({ phase: 'synced', items: count, resourceVersion });
  }

  /** One watch request. */
  private watchOnce(signal: AbortSignal): Promise<'expired' | 'progress' | 'closed' | 'failed'> {
    return new Promise((resolve) => {
      let sawEvent = false;
      let expired = false;
      const onEvent = (type: string, object: unknown) => {
        const meta = (object as { metadata?: { resourceVersion?: string } } | undefined)?.metadata;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            sawEvent = true;
            this.sink.event(type, object);
            if (meta?.resourceVersion) this.resourceVersion = meta.resourceVersion;
            return;
          case 'BOOKMARK':
            sawEvent = true;
            if (meta?.resourceVersion) this.resourceVersion = meta.resourceVersion;
            return;
          case 'ERROR':
            if ((object as WatchStatus | undefined)?.code === 410) expired = true;
            return;
          default:
            return;
        }
      };
      const onDone = (err: unknown) => {
        this.currentWatch = undefined;
        if (signal.aborted) return resolve('progress');
        if (expired || (err as { statusCode?: number } | null)?.statusCode === 410) return resolve('expired');
        // client-node aborts a watch after 30 s without a byte: a quiet resource, not a failure
        if ((err as { name?: string } | null)?.name === 'TimeoutError') return resolve('progress');
        if (err) {
          const status = (err as { statusCode?: number }).statusCode;
          if (status === 403) this.sink.state({ phase: 'forbidden', message: `watch of ${this.spec.path} is forbidden` });
          return resolve(sawEvent ? 'progress' : 'failed');
        }
        resolve(sawEvent ? 'progress' : 'closed');
      };
      this.watch
        .watch(this.spec.path, { resourceVersion: this.resourceVersion, allowWatchBookmarks: true }, onEvent, onDone)
        .then((controller) => {
          this.currentWatch = controller;
          if (signal.aborted) controller.abort();
        })
        .catch(onDone);
    });
  }

  private async backoff(signal: AbortSignal, error: string): Promise<void> {
    this.attempt++;
    const base = this.options.backoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, base * 2 ** (this.attempt - 1));
    const retryInMs = Math.round(delay / 2 + Math.random() * (delay / 2));
    this.sink.state({ phase: 'reconnecting', attempt: this.attempt, error, retryInMs });
    await new Promise<void>((resolve) => {
      const onAbort = () => {
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
}
