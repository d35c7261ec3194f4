import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { nextTurn } from './eventLoopTurns';

/** A failed Kubernetes API request, with the server's `Status` reason when it sent one. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly status?: number,
    readonly reason?: string,
    /** What the server asked for with `Retry-After` (429, 503), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/**
 * Where the time of taking in lists goes, summed over every page of every list that shares the
 * object (the informers of one `LiveCluster`). For benchmarks and diagnostics; costs a few clock
 * reads per page and per ingest step.
 */
export interface ListTimings {
  /** A list waited for its next page: request sent, or the previous page taken in, until the body was complete (server, network, TLS). */
  waitMs: number;
  /** Body bytes to one string. */
  decodeMs: number;
  /** `JSON.parse` of the bodies. */
  parseMs: number;
  /** Objects projected to the model. */
  projectMs: number;
  /** Store upserts and index updates. */
  indexMs: number;
  /** Change events handed to the store's listeners. */
  publishMs: number;
  pages: number;
  bytes: number;
  objects: number;
}

export function emptyListTimings(): ListTimings {
  return { waitMs: 0, decodeMs: 0, parseMs: 0, projectMs: 0, indexMs: 0, publishMs: 0, pages: 0, bytes: 0, objects: 0 };
}

/** Default time one GET may take, head and body, before it fails (a hung API server is a failure, not a wait). */
export const KUBE_REQUEST_TIMEOUT_MS = 60_000;

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * GET a path of the Kubernetes API as JSON, authenticated the way client-node authenticates
 * (tokens, client certificates, exec credential plugins such as `aws eks get-token`).
 */
export async function kubeGetJson(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | undefined>,
  signal?: AbortSignal,
  /** `ownTurn`: parse the body on a turn of the event loop of its own (see `nextTurn`), for large list pages. */
  opts: { timeoutMs?: number; ownTurn?: boolean; timings?: ListTimings } = {},
): Promise<unknown> {
  const text = await kubeGetText(kc, path, query, signal, opts);
  if (opts.ownTurn) await nextTurn();
  return parseBody(text, path, opts.timings);
}

/** `JSON.parse` of a 200 answer to GET `path`; malformed JSON is a `KubeApiError`. */
function parseBody(text: string, path: string, timings: ListTimings | undefined): unknown {
  try {
    if (!timings) return JSON.parse(text);
    const started = performance.now();
    const parsed: unknown = JSON.parse(text);
    timings.parseMs += performance.now() - started;
    return parsed;
  } catch (err) {
    throw new KubeApiError(`malformed JSON from GET ${path}: ${(err as Error).message}`, path, 200);
  }
}

/** The body of a 200 answer to GET `path` as text; any other answer is a `KubeApiError`. */
async function kubeGetText(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | undefined>,
  signal: AbortSignal | undefined,
  opts: { timeoutMs?: number; timings?: ListTimings },
): Promise<string> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError(`kubeconfig has no current cluster (context "${kc.getCurrentContext()}")`, path);
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const timeoutMs = opts.timeoutMs ?? KUBE_REQUEST_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const timedOut = (): KubeApiError => new KubeApiError(`GET ${path} got no complete answer from ${cluster.server} within ${Math.round(timeoutMs / 100) / 10} s`, path);
  let response: Dispatcher.ResponseData;
  try {
    // undici's `request`, not `fetch`: a list of 150,000 pods is ~1,200 requests, and fetch's
    // WHATWG Request/Response/stream layers cost about twice the CPU per request
    response = await request(url, {
      method: 'GET',
      // a remote API server sends a list of 150,000 pods (~460 MB) in about a tenth of the bytes
      headers: { ...ctx.getHeaders(), Accept: 'application/json', 'Accept-Encoding': 'gzip' },
      dispatcher: reusedDispatcher(kc, cluster.server, ctx.getDispatcher() as Dispatcher | undefined),
      signal: combined,
    });
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    if (timeout.aborted) throw timedOut();
    throw new KubeApiError(`cannot reach the Kubernetes API at ${cluster.server}: ${describeCause(err)}`, path);
  }
  const status = response.statusCode;
  let text: string;
  try {
    text = await readText(response, opts.timings);
  } catch (err) {
    if (err instanceof UnreadableEncoding) throw new KubeApiError(`GET ${path}: ${err.message}`, path, status);
    if (signal?.aborted) throw signal.reason ?? err;
    if (timeout.aborted) throw timedOut();
    throw new KubeApiError(`the answer to GET ${path} was cut off (HTTP ${status}): ${describeCause(err)}`, path);
  }
  if (status !== 200) {
    const body = parseStatus(text);
    const retryAfter = response.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    throw new KubeApiError(body?.message ?? `HTTP ${status} for GET ${path}`, path, status, body?.reason, retryAfterMs);
  }
  return text;
}

const gunzipAsync = promisify(gunzip);

class UnreadableEncoding extends Error {}

/**
 * The body as text, inflated when the server compressed it (on zlib's thread pool: the event loop
 * goes on meanwhile); with `timings`, the bytes are gathered first so decoding is timed apart.
 */
async function readText(response: Dispatcher.ResponseData, timings: ListTimings | undefined): Promise<string> {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
    await response.body.dump();
    throw new UnreadableEncoding(`the server answered with Content-Encoding "${encoding}", which CNI Lens does not read (it asks for gzip or none)`);
  }
  if (!timings && encoding !== 'gzip') return response.body.text();
  let bytes: Uint8Array = new Uint8Array(await response.body.arrayBuffer());
  const started = performance.now();
  if (encoding === 'gzip') bytes = await gunzipAsync(bytes);
  const text = new TextDecoder().decode(bytes);
  if (!timings) return text;
  timings.decodeMs += performance.now() - started;
  timings.bytes += bytes.length;
  return text;
}

const dispatchers = new WeakMap<KubeConfig, Map<string, Dispatcher>>();

/**
 * client-node makes a new connection pool (undici Agent) for every request, so every page of a
 * list would open a new TLS connection. The first pool of a kubeconfig and server is reused, unless
 * the user's credentials come from a plugin (exec, auth-provider) that may hand out new client
 * certificates: then each request keeps the pool made for it.
 */
function reusedDispatcher(kc: KubeConfig, server: string, fresh: Dispatcher | undefined): Dispatcher | undefined {
  const user = kc.getCurrentUser();
  if (!fresh || user?.exec || user?.authProvider) return fresh;
  let byServer = dispatchers.get(kc);
  if (!byServer) dispatchers.set(kc, (byServer = new Map()));
  const kept = byServer.get(server);
  if (kept) {
    if (kept !== fresh) void fresh.close().catch(() => {});
    return kept;
  }
  byServer.set(server, fresh);
  return fresh;
}

/** The `message` and `reason` of a `Status` body; undefined for any other body. */
export function parseStatus(text: string): { message?: string; reason?: string } | undefined {
  try {
    const body = JSON.parse(text) as { kind?: string; message?: unknown; reason?: unknown };
    if (body && body.kind === 'Status') {
      return {
        message: typeof body.message === 'string' ? body.message : undefined,
        reason: typeof body.reason === 'string' ? body.reason : undefined,
      };
    }
  } catch {
    // not a Status body
  }
  return undefined;
}

export function describeCause(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) return cause.message;
    return err.message;
  }
  return String(err);
}

interface ListBody {
  kind?: string;
  apiVersion?: string;
  items?: unknown[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/**
 * Lists a collection page by page (`limit`/`continue`), yielding to the event loop between pages.
 * Items get the `kind` and `apiVersion` the API server leaves off the items of built-in lists.
 * The next page is requested before `onPage` handles the current one, so the server and the
 * client work at the same time. An `onPage` that returns a promise is awaited before the next page. With `keepItems: false` the items are only handed to `onPage`
 * (memory then holds one page, not the whole list) and `items` comes back empty.
 */
export async function kubeListAll(
  kc: KubeConfig,
  path: string,
  opts: { pageSize?: number; signal?: AbortSignal; onPage?: (items: unknown[]) => void | Promise<void>; query?: Record<string, string>; timeoutMs?: number; keepItems?: boolean; timings?: ListTimings } = {},
): Promise<{ items: unknown[]; resourceVersion: string; count: number }> {
  const items: unknown[] = [];
  const keep = opts.keepItems !== false;
  let count = 0;
  let resourceVersion = '';
  const timings = opts.timings;
  const fetchPage = (cont: string | undefined): Promise<string> =>
    kubeGetText(kc, path, { ...opts.query, limit: String(opts.pageSize ?? 500), continue: cont }, opts.signal, { timeoutMs: opts.timeoutMs, timings });
  // a page waiting to be taken stays text: parsed only when its turn comes, so that at most one
  // page of each list is a tree of objects (the garbage collector copies what is alive)
  let next: Promise<string> | undefined = fetchPage(undefined);
  while (next) {
    const waitStarted = timings ? performance.now() : 0;
    const before = timings ? timings.decodeMs : 0;
    const text = await next;
    if (timings) {
      // the bytes of this page were decoded during the await: that is counted on its own
      timings.waitMs += performance.now() - waitStarted - (timings.decodeMs - before);
      timings.pages++;
    }
    // parsed on a turn of the event loop of its own (see `nextTurn`)
    await nextTurn();
    const body = parseBody(text, path, timings) as ListBody;
    if (!body || typeof body !== 'object' || !Array.isArray(body.items)) {
      throw new KubeApiError(`GET ${path} answered 200 with something that is not a list (no "items" array)`, path, 200);
    }
    const cont: string | undefined = body.metadata?.continue || undefined;
    next = cont && !opts.signal?.aborted ? fetchPage(cont) : undefined;
    // a failed prefetch is seen when awaited; until then it must not count as unhandled
    next?.catch(() => {});
    const page = Array.isArray(body.items) ? body.items : [];
    const kind = typeof body.kind === 'string' && body.kind.endsWith('List') ? body.kind.slice(0, -4) : undefined;
    for (const item of page) {
      const obj = item as { kind?: unknown; apiVersion?: unknown };
      if (obj && typeof obj === 'object') {
        if (obj.kind === undefined && kind) obj.kind = kind;
        if (obj.apiVersion === undefined && body.apiVersion) obj.apiVersion = body.apiVersion;
      }
      if (keep) items.push(item);
    }
    count += page.length;
    await opts.onPage?.(page);
    resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { items, resourceVersion, count };
}
