/** What the request handlers of the simulated API server share. */
import type { SimFaults } from './faults/simFaults';
import type { ResourceRegistry } from './resourceRegistry';
import type { SimChurn } from './simChurn';
import type { SimObjectStore } from './simObjectStore';
import type { RbacAttributes, SimRbac } from './simRbac';
import type { SimScenario } from './simScenario';

/** One request as the server saw it; `status` is filled in when the answer's head is sent. */
export interface SimRequestRecord {
  /** ISO time the request arrived. */
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Kubernetes verb (`get`, `list`, `watch`, `create`, …) for resource requests; the lower-case method otherwise. */
  verb: string;
  /** `pods`, `ciliumendpoints.cilium.io`: for resource requests. */
  resource?: string;
  namespace?: string;
  userAgent?: string;
  accept?: string;
  /** `Content-Encoding` of the answer (`gzip`), when not identity. */
  contentEncoding?: string;
  /** HTTP status; 0 while unanswered. */
  status: number;
  /** What authorization saw of a resource request (verb, API group, resource, subresource, namespace, name). */
  authz?: RbacAttributes & {
    /** `allow` or `deny`; with RBAC, which binding, role and rule allowed it. */
    decision: 'allow' | 'deny';
    by?: string;
  };
}

/** An open watch response, closable from outside (tests force reconnects with it). */
export interface OpenWatch {
  /** Ends the response cleanly, as a server does when its watch times out. */
  end(): void;
}

export interface SimApiContext {
  store: SimObjectStore;
  registry: ResourceRegistry;
  scenario: SimScenario;
  /** RBAC of the scenario; undefined = every request is authorized (except the scenario's `forbidden`). */
  rbac?: SimRbac;
  token: string;
  /** `host:port`, for legacy discovery's serverAddressByClientCIDRs. */
  serverAddress: string;
  /** Period of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs: number;
  watches: Set<OpenWatch>;
  /** Every request, oldest first (bounded: the oldest are dropped past `maxRecordedRequests`). */
  requests: SimRequestRecord[];
  maxRecordedRequests: number;
  /** Fault injection (faults/simFaults.ts). */
  faults: SimFaults;
  /**
   * Large list answers (over 128 KiB) are gzip-compressed for clients that accept it, as
   * kube-apiserver does; off by default so that benchmarks keep the machine's CPU for the clients.
   */
  gzip?: boolean;
  /** Pod churn for live-update measurements (control API `churn`). */
  churn?: SimChurn;
}

/** Ends every open watch cleanly; returns how many there were. */
export function closeWatches(ctx: SimApiContext): number {
  const open = [...ctx.watches];
  for (const w of open) w.end();
  return open.length;
}
