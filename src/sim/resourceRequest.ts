/** Turns a resource path (`/api/v1/namespaces/shop/pods/web`) into what it addresses. */
import { Statuses, StatusError } from './kubeStatus';
import type { ResourceRegistry, SimResource } from './resourceRegistry';

export interface ResourceRequest {
  resource: SimResource;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
  /** Kubernetes verb, as RBAC sees it. */
  verb: string;
}

/**
 * Parses a path under `/api/v1` or `/apis/<group>/<version>` (not the version root itself).
 * Unknown or unserved resources throw 404 `the server could not find the requested resource`.
 */
export function parseResourceRequest(registry: ResourceRegistry, path: string, method: string, query: URLSearchParams): ResourceRequest {
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [groupVersion, rest] =
    segments[0] === 'api' && segments[1] === 'v1' ? ['v1', segments.slice(2)] : segments[0] === 'apis' && segments.length >= 3 ? [`${segments[1]}/${segments[2]}`, segments.slice(3)] : [undefined, []];
  if (!groupVersion) throw new StatusError(Statuses.noSuchResource());

  let watch = query.get('watch') === 'true' || query.get('watch') === '1';
  let parts = rest;
  if (parts[0] === 'watch') {
    watch = true;
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length >= 3 && registry.find(groupVersion, parts[2]!)?.namespaced) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [resourceName, name, subresource, ...extra] = parts;
  const resource = resourceName === undefined ? undefined : registry.find(groupVersion, resourceName);
  const misplacedName = resource?.namespaced && !namespace && name !== undefined;
  const unknownSubresource = subresource !== undefined && !resource?.subresources?.some((s) => s.name === subresource);
  if (!resource || !registry.isServed(resource) || extra.length || misplacedName || unknownSubresource) {
    throw new StatusError(Statuses.noSuchResource());
  }
  return { resource, namespace, name, subresource, watch, verb: verbOf(method, name, subresource, watch) };
}

function verbOf(method: string, name: string | undefined, subresource: string | undefined, watch: boolean): string {
  // Connect subresources (port-forward) need `create`, also over a websocket GET.
  if (subresource === 'portforward') return 'create';
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}
