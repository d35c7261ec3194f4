import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';
import { describeCause, parseRetryAfter, parseStatus } from './kubeRequest';

/** One event of a watch response (`{"type","object"}`), BOOKMARK and ERROR included. */
export interface KubeWatchEvent {
  type: string;
  object: unknown;
}

/** How one watch request ended. */
export type KubeWatchEnd =
  /** The server ended the response cleanly (its watch timeout, a closed watch cache). */
  | { kind: 'closed' }
  /** The connection broke, or the response ended inside an event line (`partialLine`). */
  | { kind: 'cut'; error: string; partialLine: boolean }
  /** No byte for `idleTimeoutMs`: the connection is presumed dead. */
  | { kind: 'idle' }
  /** The request failed before the stream started: not reachable, or an HTTP error with its `Status`. */
  | { kind: 'failed'; error: string; status?: number; reason?: string; retryAfterMs?: number }
  | { kind: 'aborted' };

export interface KubeWatchOptions {
  signal: AbortSignal;
  /** Called when the server accepted the watch (HTTP 200 head received). */
  onOpen?: () => void;
  onEvent: (event: KubeWatchEvent) => void;
  /** Ends the watch when no byte arrives for this long; default 5 minutes (BOOKMARKs keep it alive). */
  idleTimeoutMs?: number;
  /** How long to wait for the response head; default 30 s. */
  connectTimeoutMs?: number;
}

/**
 * One watch request (`?watch=true`), authenticated the way client-node authenticates, read line by
 * line. Unlike client-node's `Watch` it tells a clean end from a cut connection or a half-written
 * event line, and hands back the HTTP status, the `Status` reason and `Retry-After` of a refused
 * watch, which the informer needs to resume, relist or back off. Never rejects.
 */
export async function kubeWatchOnce(kc: KubeConfig, path: string, query: Record<string, string | undefined>, opts: KubeWatchOptions): Promise<KubeWatchEnd> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) return { kind: 'failed', error: `kubeconfig has no current cluster (context "${kc.getCurrentContext()}")` };
  if (opts.signal.aborted) return { kind: 'aborted' };
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      controller.abort();
    }, ms);
    timer.unref?.();
  };
  try {
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    arm(opts.connectTimeoutMs ?? 30_000);
    let response;
    try {
      response = await fetch(url, {
        method: 'GET',
        headers: { ...ctx.getHeaders(), Accept: 'application/json' },
        dispatcher: ctx.getDispatcher() as Dispatcher | undefined,
        signal: controller.signal,
      });
    } catch (err) {
      if (opts.signal.aborted) return { kind: 'aborted' };
      if (idle) return { kind: 'failed', error: `no answer from ${cluster.server} within ${Math.round((opts.connectTimeoutMs ?? 30_000) / 100) / 10} s` };
      return { kind: 'failed', error: `cannot reach the Kubernetes API at ${cluster.server}: ${describeCause(err)}` };
    }
    if (response.status !== 200) {
      const text = await response.text().catch(() => '');
      const status = parseStatus(text);
      return {
        kind: 'failed',
        error: status?.message ?? `HTTP ${response.status} for watch of ${path}`,
        status: response.status,
        ...(status?.reason ? { reason: status.reason } : {}),
        ...(response.headers.get('retry-after') ? { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) } : {}),
      };
    }
    opts.onOpen?.();
    const idleMs = opts.idleTimeoutMs ?? 300_000;
    arm(idleMs);
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body ?? []) {
        arm(idleMs);
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) deliver(line, opts.onEvent);
        }
      }
    } catch (err) {
      if (opts.signal.aborted) return { kind: 'aborted' };
      if (idle) return { kind: 'idle' };
      return { kind: 'cut', error: `the watch of ${path} broke: ${describeCause(err)}`, partialLine: buffered.trim().length > 0 };
    }
    if (opts.signal.aborted) return { kind: 'aborted' };
    const rest = buffered.trim();
    if (rest) {
      // a last line without its newline: deliver it if it is whole, else the event was cut
      try {
        opts.onEvent(JSON.parse(rest) as KubeWatchEvent);
      } catch {
        return { kind: 'cut', error: `the watch of ${path} ended inside an event`, partialLine: true };
      }
    }
    return { kind: 'closed' };
  } catch (err) {
    if (opts.signal.aborted) return { kind: 'aborted' };
    return { kind: 'failed', error: describeCause(err) };
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

function deliver(line: string, onEvent: (event: KubeWatchEvent) => void): void {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    // A whole line that is not JSON: the stream is corrupt; the informer resumes from the last good event.
    throw new Error(`a watch event is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
  }
  if (event && typeof event === 'object' && typeof (event as KubeWatchEvent).type === 'string') onEvent(event as KubeWatchEvent);
}
