/**
 * Ports of pods: which number a named port has on each pod (the CiliumEndpoint's named ports
 * first, then the pod's container ports, as the policy engine resolves them), and which containers
 * expose a port.
 */
import type { L4Protocol, PodInfo } from '../model';
import type { ClusterStore } from '../store/clusterStore';

export interface PortUse {
  port: number;
  protocol: string;
  /** `ns/pod` of the pods where it resolves to `port`. */
  pods: PodInfo[];
  /** Containers that declare it (`name`), when known from the pod spec. */
  containers: string[];
}

/** The numbers `name` resolves to on `pods`, most pods first. */
export function resolveNamedPort(store: ClusterStore, pods: readonly PodInfo[], name: string, protocol: L4Protocol | 'ANY'): PortUse[] {
  const byPort = new Map<string, PortUse>();
  for (const pod of pods) {
    const cep = store.get('ciliumEndpoint', `${pod.namespace}/${pod.name}`);
    const fromCep = cep?.namedPorts.find((n) => n.name === name && (protocol === 'ANY' || n.protocol.toUpperCase() === protocol));
    const fromPod = pod.containerPorts.find((c) => c.name === name && (protocol === 'ANY' || c.protocol === protocol));
    const port = fromCep?.port ?? fromPod?.port;
    if (port === undefined) continue;
    const proto = fromCep?.protocol.toUpperCase() ?? fromPod?.protocol ?? 'TCP';
    const key = `${port}/${proto}`;
    let use = byPort.get(key);
    if (!use) {
      use = { port, protocol: proto, pods: [], containers: [] };
      byPort.set(key, use);
    }
    use.pods.push(pod);
    const container = pod.containerPorts.find((c) => c.name === name && c.port === port)?.container;
    if (container && !use.containers.includes(container)) use.containers.push(container);
  }
  return [...byPort.values()].sort((a, b) => b.pods.length - a.pods.length || a.port - b.port);
}

export interface ExposedPort {
  container: string;
  /** The port's name in the container spec. */
  name?: string;
  protocol: string;
  pods: PodInfo[];
}

/** Containers of `pods` that declare `port` (any protocol when `protocol` is `ANY`), grouped by container and name. */
export function containersExposing(pods: readonly PodInfo[], port: number, protocol: L4Protocol | 'ANY'): ExposedPort[] {
  const out = new Map<string, ExposedPort>();
  for (const pod of pods) {
    for (const c of pod.containerPorts) {
      if (c.port !== port || (protocol !== 'ANY' && c.protocol !== protocol)) continue;
      const key = `${c.container}|${c.name ?? ''}|${c.protocol}`;
      let e = out.get(key);
      if (!e) {
        e = { container: c.container, protocol: c.protocol, pods: [] };
        if (c.name) e.name = c.name;
        out.set(key, e);
      }
      if (!e.pods.includes(pod)) e.pods.push(pod);
    }
  }
  return [...out.values()].sort((a, b) => b.pods.length - a.pods.length);
}
