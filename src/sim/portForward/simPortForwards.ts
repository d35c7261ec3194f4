/**
 * Port-forward state of a simulated cluster: the pod port backends (what a forwarded port connects
 * to), the scenario's refusals, the in-process ipamd, and counters of open tunnels for leak checks.
 *
 * A backend is asked for `(namespace, pod, port, podObject)` and answers with a stream (the
 * "TCP connection" to that port), `undefined` when the port is not its business (the next backend
 * is asked; when none answers the port refuses the connection, as a real pod's closed port does),
 * or throws `PodPortRefused` to refuse with its own reason. Backends registered later are asked
 * first. The ipamd backend is always registered; Hubble Relay (`kube-system/hubble-relay:4245`) and
 * other servers plug in through `register`/`registerPodPort`.
 */
import type { RawIpamd, RawKubeObject } from '../../core/snapshot/rawSnapshot';
import type { SimObjectStore } from '../simObjectStore';
import type { SimPortForwardScenario } from '../simScenario';
import type { Duplex } from 'node:stream';
import { SimIpamd } from './simIpamd';

/** The target of a forwarded pod port: a connected stream, or undefined when not this backend's. */
export type PodPortBackend = (namespace: string, pod: string, port: number, podObject: RawKubeObject) => Duplex | undefined | Promise<Duplex | undefined>;

/** Thrown by a backend: the connection is refused and `message` is the reason the kubelet reports. */
export class PodPortRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodPortRefused';
  }
}

/** An upgraded port-forward websocket and its connections to the pod's ports. */
export interface OpenTunnel {
  namespace: string;
  pod: string;
  ports: number[];
  /** Closes the websocket at once and resets its connections. */
  terminate(): void;
}

export interface SimPortForwardStats {
  /** Websockets open now. */
  open: number;
  /** Backend connections (the pod side) not yet closed. */
  openTargets: number;
  /** Most websockets open at the same time since start (or `resetPeak`). */
  peak: number;
  /** Websockets accepted since start. */
  total: number;
}

export class SimPortForwards {
  /** The in-process ipamd introspection servers (port 61679 of each node's host network). */
  readonly ipamd: SimIpamd;
  /** Open tunnels. */
  readonly tunnels = new Set<OpenTunnel>();
  private readonly backends: Array<{ backend: PodPortBackend }> = [];
  private peakOpen = 0;
  private totalOpened = 0;
  private targets = 0;

  constructor(
    store: SimObjectStore,
    ipamd: RawIpamd[],
    private scenario: SimPortForwardScenario = {},
  ) {
    this.ipamd = new SimIpamd(store, ipamd);
    this.register(this.ipamd.backend);
  }

  /** Adds a backend (asked before the ones registered earlier); returns a function that removes it. */
  register(backend: PodPortBackend): () => void {
    const entry = { backend };
    this.backends.unshift(entry);
    return () => {
      const i = this.backends.indexOf(entry);
      if (i >= 0) this.backends.splice(i, 1);
    };
  }

  /** Serves one pod port (e.g. `kube-system`, `hubble-relay`, 4245) with `open()` per connection. */
  registerPodPort(namespace: string, pod: string, port: number, open: (podObject: RawKubeObject) => Duplex): () => void {
    return this.register((ns, name, p, object) => (ns === namespace && name === pod && p === port ? open(object) : undefined));
  }

  stats(): SimPortForwardStats {
    return { open: this.tunnels.size, openTargets: this.targets, peak: this.peakOpen, total: this.totalOpened };
  }

  /** Starts a new peak measurement from the tunnels open now. */
  resetPeak(): void {
    this.peakOpen = this.tunnels.size;
  }

  /** Replaces the refusals of the scenario from now on (fault injection: ipamd refused, then back). */
  setRefusals(refusals: SimPortForwardScenario): void {
    this.scenario = { ...(refusals.refuse ? { refuse: [...refusals.refuse] } : {}), ...(refusals.refuseNodes ? { refuseNodes: [...refusals.refuseNodes] } : {}) };
  }

  /** The refusals in force. */
  get refusals(): SimPortForwardScenario {
    return { refuse: [...(this.scenario.refuse ?? [])], refuseNodes: [...(this.scenario.refuseNodes ?? [])] };
  }

  /** Whether the scenario refuses every port of this pod (by `namespace/pod` or by its node). */
  refusedByScenario(namespace: string, pod: string, nodeName: string | undefined): boolean {
    return Boolean(this.scenario.refuse?.includes(`${namespace}/${pod}`) || (nodeName && this.scenario.refuseNodes?.includes(nodeName)));
  }

  /**
   * Connects to a pod port through the backends. Throws `PodPortRefused` when nothing listens there
   * (or the scenario refuses it).
   */
  async connect(namespace: string, pod: string, port: number, podObject: RawKubeObject): Promise<Duplex> {
    const spec = (podObject.spec ?? {}) as { nodeName?: string };
    if (this.refusedByScenario(namespace, pod, spec.nodeName)) throw new PodPortRefused(connectionRefused(port, podObject));
    for (const { backend } of [...this.backends]) {
      const stream = await backend(namespace, pod, port, podObject);
      if (stream) {
        this.targets++;
        let counted = true;
        const uncount = (): void => {
          if (counted) this.targets--;
          counted = false;
        };
        stream.once('close', uncount);
        return stream;
      }
    }
    throw new PodPortRefused(connectionRefused(port, podObject));
  }

  /** @internal bookkeeping of the websocket handler */
  opened(tunnel: OpenTunnel): void {
    this.tunnels.add(tunnel);
    this.totalOpened++;
    this.peakOpen = Math.max(this.peakOpen, this.tunnels.size);
  }

  /** @internal */
  closed(tunnel: OpenTunnel): void {
    this.tunnels.delete(tunnel);
  }

  /** Terminates every tunnel and the ipamd connections (the cluster is shutting down). */
  close(): void {
    for (const tunnel of [...this.tunnels]) tunnel.terminate();
    this.ipamd.close();
  }
}

/** What containerd reports when nothing listens on the port inside the pod's network namespace. */
export function connectionRefused(port: number, podObject: RawKubeObject): string {
  const netns = podObject.metadata.uid ?? podObject.metadata.name;
  return `failed to connect to localhost:${port} inside namespace "${netns}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused`;
}
