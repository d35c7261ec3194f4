/**
 * The read-only audit of a simulated cluster's request log: CNI Lens may send get, list and watch,
 * and open port-forwards (for ipamd and Hubble Relay, whose gRPC service only has read methods);
 * anything else that reached the API server is a write (or an attempt at one) and is reported.
 * Requests to the control API (`/_sim/v1/…`) are the test driver's, not the tool's, and are skipped.
 */
import { SIM_CONTROL_PREFIX } from './serveControlApi';
import type { SimRequestRecord } from './simApiContext';

const READ_VERBS = new Set(['get', 'list', 'watch']);
const READ_METHODS = new Set(['GET', 'HEAD']);

/** Is this request one a read-only client may send? */
export function isReadOnlyRequest(r: SimRequestRecord): boolean {
  if (r.path.startsWith(SIM_CONTROL_PREFIX)) return true;
  // port-forward is `create` on pods/portforward for RBAC, but reads the pod's port
  if (r.authz?.resource === 'pods' && r.authz.subresource === 'portforward') return true;
  if (!READ_METHODS.has(r.method.toUpperCase())) return false;
  // a resource request carries its verb; discovery, /version and health checks are plain GETs
  return r.authz ? READ_VERBS.has(r.authz.verb) : true;
}

/** The requests that were not reads, oldest first. */
export function nonReadRequests(requests: readonly SimRequestRecord[]): SimRequestRecord[] {
  return requests.filter((r) => !isReadOnlyRequest(r));
}

/** One line per request, for an assertion message: `POST /api/v1/namespaces/x/pods (create pods) → 405`. */
export function describeRequests(requests: readonly SimRequestRecord[]): string {
  return requests
    .map((r) => `${r.method} ${r.path}${r.authz ? ` (${r.authz.verb} ${r.authz.subresource ? `${r.authz.resource}/${r.authz.subresource}` : r.authz.resource})` : ''} → ${r.status}`)
    .join('\n');
}

/** What kinds of requests a log holds: `{ "list pods": 3, "watch pods": 1, "create pods/portforward": 7 }`. */
export function summarizeRequests(requests: readonly SimRequestRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) {
    if (r.path.startsWith(SIM_CONTROL_PREFIX)) continue;
    const key = r.authz
      ? `${r.authz.verb} ${r.authz.subresource ? `${r.authz.resource}/${r.authz.subresource}` : r.authz.resource}${r.authz.apiGroup ? `.${r.authz.apiGroup}` : ''}`
      : `${r.method} ${r.path}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
