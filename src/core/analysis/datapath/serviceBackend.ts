/**
 * A Service's port and backends, from the Service and its EndpointSlices (datapath.md B3): which
 * service port the request names, the target port it becomes, and the ready endpoints to pick from.
 */
import type { EndpointSliceInfo, L4Protocol, ServiceInfo, ServicePort } from '../../model';
import type { ClusterStore } from '../../store/clusterStore';
import type { TraceInputError } from './datapathTypes';

export interface ServiceBackend {
  address: string;
  /** `ns/pod` when the endpoint's targetRef is a Pod. */
  pod?: { namespace: string; name: string };
  nodeName?: string;
  /** `ns/pod`, or the address. */
  label: string;
  slice: EndpointSliceInfo;
}

export interface ServicePick {
  service: ServiceInfo;
  port?: ServicePort;
  /** The port the backend receives: `targetPort` resolved through the EndpointSlice (named ports). */
  targetPort?: number;
  backends: ServiceBackend[];
  /** The backend this trace follows; undefined when there is none. */
  chosen?: ServiceBackend;
  notes: string[];
}

function portText(p: ServicePort): string {
  return `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}${p.targetPort !== undefined && p.targetPort !== p.port ? ` → ${p.targetPort}` : ''}`;
}

/**
 * Picks the service port (`port`, else the first of `protocol`) and a backend: `backend` when given
 * (`ns/pod`, pod name or address), else the first ready endpoint by name. Cilium and kube-proxy pick
 * a backend per connection; the trace follows one and lists all.
 */
export function pickServiceBackend(
  store: ClusterStore,
  service: ServiceInfo,
  request: { port?: number; protocol: L4Protocol; backend?: string },
): ServicePick | TraceInputError {
  const name = `${service.namespace}/${service.name}`;
  const notes: string[] = [];
  let port: ServicePort | undefined;
  if (service.ports.length > 0) {
    port = service.ports.find((p) => p.protocol === request.protocol && (request.port === undefined || p.port === request.port));
    if (!port) {
      const wanted = request.port === undefined ? `a ${request.protocol} port` : `port ${request.port}/${request.protocol}`;
      return { argument: 'port', message: `Service ${name} has no ${wanted} (its ports: ${service.ports.map(portText).join(', ')})` };
    }
    if (request.port === undefined && service.ports.length > 1) notes.push(`Service ${name} has ${service.ports.length} ports; tracing ${portText(port)} (use --port to choose)`);
  } else if (request.port !== undefined) {
    notes.push(`Service ${name} lists no ports; port ${request.port} is used as is`);
  }

  const backends: ServiceBackend[] = [];
  let targetPort: number | undefined;
  const seen = new Set<string>();
  for (const slice of store.endpointSlicesOfService(service.namespace, service.name)) {
    if (slice.addressType !== 'IPv4') continue;
    if (port && targetPort === undefined) {
      const slicePort = slice.ports.find((p) => p.protocol === port.protocol && (p.name ?? '') === (port.name ?? ''));
      if (slicePort?.port !== undefined) targetPort = slicePort.port;
    }
    for (const ep of slice.endpoints) {
      const address = ep.addresses[0];
      if (!ep.ready || !address || seen.has(address)) continue;
      seen.add(address);
      const ref = ep.targetRef?.kind === 'Pod' ? { namespace: ep.targetRef.namespace ?? slice.namespace, name: ep.targetRef.name } : undefined;
      backends.push({ address, ...(ref ? { pod: ref } : {}), ...(ep.nodeName ? { nodeName: ep.nodeName } : {}), label: ref ? `${ref.namespace}/${ref.name}` : address, slice });
    }
  }
  backends.sort((a, b) => a.label.localeCompare(b.label));
  if (port && targetPort === undefined && typeof port.targetPort === 'number') targetPort = port.targetPort;
  if (port && targetPort === undefined && port.targetPort === undefined) targetPort = port.port;

  let chosen: ServiceBackend | undefined = backends[0];
  if (request.backend !== undefined) {
    const b = request.backend;
    chosen = backends.find((x) => x.label === b || x.address === b || x.pod?.name === b);
    if (!chosen) {
      return { argument: 'backend', message: `"${b}" is not a ready backend of Service ${name} (backends: ${backends.map((x) => x.label).join(', ') || 'none'})` };
    }
  }
  if (port && targetPort === undefined && chosen?.pod && typeof port.targetPort === 'string') {
    const pod = store.get('pod', `${chosen.pod.namespace}/${chosen.pod.name}`);
    targetPort = pod?.containerPorts.find((c) => c.name === port.targetPort && c.protocol === port.protocol)?.port;
  }
  if (backends.length > 1 && request.backend === undefined && chosen) {
    notes.push(`Service ${name} has ${backends.length} ready backends (${backends.map((x) => x.label).join(', ')}); one is picked per connection, this trace follows ${chosen.label} (use --backend to choose)`);
  }
  return { service, ...(port ? { port } : {}), ...(targetPort !== undefined ? { targetPort } : {}), backends, ...(chosen ? { chosen } : {}), notes };
}
