/** `Status` objects, the API server's error bodies, with the real servers' messages. */
import type { SimResource } from './resourceRegistry';

export interface KubeStatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  /** 429 TooManyRequests: when to retry (the API server also sends `Retry-After`). */
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: KubeStatusDetails;
  code: number;
}

/** Thrown by handlers; the dispatcher answers with the status and its code. */
export class StatusError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

export function kubeStatus(code: number, reason: string, message: string, details?: KubeStatusDetails): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function detailsOf(resource: SimResource, name?: string): KubeStatusDetails {
  return { ...(name ? { name } : {}), ...(resource.group ? { group: resource.group } : {}), kind: resource.resource };
}

export const Statuses = {
  unauthorized: () => kubeStatus(401, 'Unauthorized', 'Unauthorized'),
  badRequest: (message: string) => kubeStatus(400, 'BadRequest', message),
  /** A path or resource the server does not serve (also a CRD that is not installed). */
  noSuchResource: () => kubeStatus(404, 'NotFound', 'the server could not find the requested resource', {}),
  objectNotFound: (resource: SimResource, name: string) =>
    kubeStatus(404, 'NotFound', `${resource.qualifiedName} "${name}" not found`, detailsOf(resource, name)),
  methodNotAllowed: () => kubeStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}),
  /** `reason` is the authorizer's, appended after a colon (RBAC names a bound role that does not exist). */
  forbidden: (user: string, verb: string, resource: SimResource, subresource: string | undefined, namespace: string | undefined, name: string | undefined, reason?: string) => {
    const what = subresource ? `${resource.resource}/${subresource}` : resource.resource;
    const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
    const message = `${resource.qualifiedName}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${what}" in API group "${resource.group}" ${scope}${reason ? `: ${reason}` : ''}`;
    return kubeStatus(403, 'Forbidden', message, detailsOf(resource, name));
  },
  /** A watch or continue token from a resourceVersion the history no longer holds. */
  expired: (message: string) => kubeStatus(410, 'Expired', message),
  internal: (message: string) => kubeStatus(500, 'InternalError', `Internal error occurred: ${message}`),
};
