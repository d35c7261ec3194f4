/** Raw HTTPS requests to a simulated cluster, for protocol-level tests. */
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimCluster } from '../../src/sim/startSimCluster';

export interface SimResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface SimRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Bearer token; the cluster's by default, `null` for none. */
  token?: string | null;
}

function open(sim: SimCluster, path: string, init: SimRequestInit) {
  const token = init.token === undefined ? sim.token : init.token;
  const url = new URL(path, sim.url);
  return httpsRequest(url, {
    method: init.method ?? 'GET',
    ca: sim.caPem,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...init.headers },
  });
}

export function simRequest(sim: SimCluster, path: string, init: SimRequestInit = {}): Promise<SimResponse> {
  return new Promise((resolve, reject) => {
    const req = open(sim, path, init);
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T }));
    });
    req.end(init.body);
  });
}

export interface WatchEvent {
  type: string;
  object: Record<string, unknown> & { metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

export interface OpenedWatch {
  status: number;
  events: WatchEvent[];
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  next(predicate?: (e: WatchEvent) => boolean, timeoutMs?: number): Promise<WatchEvent>;
  close(): void;
}

/** Opens a watch and parses its newline-delimited events as they arrive. */
export function simWatch(sim: SimCluster, path: string, init: SimRequestInit = {}): Promise<OpenedWatch> {
  return new Promise((resolve, reject) => {
    const req = open(sim, path, init);
    req.on('error', reject);
    req.on('response', (res) => {
      const events: WatchEvent[] = [];
      const waiters = new Set<() => void>();
      let buffered = '';
      let consumed = 0;
      const ended = new Promise<void>((done) => res.on('end', done).on('close', done));
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as WatchEvent);
        waiters.forEach((w) => w());
      });
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        next(predicate = () => true, timeoutMs = 5_000) {
          return new Promise((ok, fail) => {
            const check = (): void => {
              while (consumed < events.length) {
                const e = events[consumed++]!;
                if (predicate(e)) {
                  clearTimeout(timer);
                  waiters.delete(check);
                  ok(e);
                  return;
                }
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching watch event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.type))}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}
