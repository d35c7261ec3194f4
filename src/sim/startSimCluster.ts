/**
 * Starts a simulated EKS cluster's Kubernetes API: the snapshot's objects served over HTTPS with the
 * real API protocol (discovery, get/list with selectors and pagination, Tables, watches), so that
 * kubectl and @kubernetes/client-node work against it unchanged. See README.md.
 */
import { randomBytes } from 'node:crypto';
import { ServerResponse, type IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { RawSnapshot } from '../core/snapshot/rawSnapshot';
import { createSimRequestHandler } from './createSimRequestHandler';
import { SimFaults } from './faults/simFaults';
import { startClusterHubbleRelay, type SimClusterHubbleOptions, type SimHubbleTlsMaterial } from './hubble/clusterHubbleRelay';
import type { SimHubbleRelay } from './hubble/simHubbleRelay';
import { SimPortForwards } from './portForward/simPortForwards';
import { holdUpgrade } from './portForward/upgradeStash';
import { ResourceRegistry } from './resourceRegistry';
import { closeWatches, type SimApiContext, type SimRequestRecord } from './simApiContext';
import { generateSimCertificate } from './simCertificate';
import { SimChurn } from './simChurn';
import { simKubeconfig } from './simKubeconfig';
import { SimObjectStore } from './simObjectStore';
import { scenarioRbac } from './simRbac';
import { DEFAULT_SIM_USER, type SimScenario } from './simScenario';

export interface SimClusterOptions {
  snapshot: RawSnapshot;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Bearer token clients must send; random by default. */
  token?: string;
  scenario?: SimScenario;
  /** Period of BOOKMARK events on watches with `allowWatchBookmarks=true`; default 10 s. */
  bookmarkIntervalMs?: number;
  /** Watch events kept per resource; default 10,000. */
  historyLimit?: number;
  /** Requests kept in `requests`; default 100,000. */
  maxRecordedRequests?: number;
  /** Called for each snapshot object that cannot be served (also kept in `warnings`); default console.warn. */
  onWarning?: (message: string) => void;
  /**
   * The snapshot's Kubernetes objects become the served objects without a copy (saves memory and
   * time at 100,000s of objects); only when the caller never changes them afterwards.
   */
  adoptSnapshot?: boolean;
  /** Compress large list answers for clients that accept gzip, as kube-apiserver does; default off (see `SimApiContext.gzip`). */
  gzip?: boolean;
  /** Hubble Relay (see hubble/README.md): options, or false for none; default on when the snapshot has flows or a Relay pod. */
  hubble?: SimClusterHubbleOptions | false;
}

export interface SimCluster {
  /** `https://127.0.0.1:PORT` */
  url: string;
  token: string;
  /** The server's self-signed certificate, which is also its CA. */
  caPem: string;
  /** A kubeconfig (YAML) for this cluster; the context, cluster and user are all named `contextName`. */
  kubeconfig(contextName?: string): string;
  /** The objects: mutate them here (`apply`, `delete`, `compact`). */
  api: SimObjectStore;
  /** Every request (method, path, query, verb, user-agent, status), oldest first. */
  requests: SimRequestRecord[];
  /** Snapshot objects that were skipped, and why. */
  warnings: string[];
  /** Ends all open watch responses cleanly (clients reconnect); returns how many. */
  closeWatches(): number;
  /** Port-forward: pod port backends, the in-process ipamd, open tunnels (see portForward/). */
  portForwards: SimPortForwards;
  /** Pod churn: `churn.setRate(podsPerSecond)` replaces pods at that rate (0 stops); also the control API `churn`. */
  churn: SimChurn;
  /** The simulated Hubble Relay (behind port-forward to the hubble-relay pod's port 4245), when started. */
  hubble?: SimHubbleRelay;
  /** With `hubble: { tls }`: the CA Relay's certificate chains to, and the client certificate for mTLS. */
  hubbleTls?: SimHubbleTlsMaterial;
  /** Fault injection: failing, slow, cut and corrupt answers, restarts, refused port-forwards, broken Hubble streams (faults/). */
  faults: SimFaults;
  close(): Promise<void>;
}

export async function startSimCluster(opts: SimClusterOptions): Promise<SimCluster> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const scenario = opts.scenario ?? {};
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    (opts.onWarning ?? ((m) => console.warn(`[sim] ${m}`)))(message);
  };

  const registry = new ResourceRegistry(scenario.crds);
  const store = new SimObjectStore(registry, { historyLimit: opts.historyLimit });
  for (const { object, origin } of opts.snapshot.kubernetes) {
    try {
      store.apply(object, { adopt: opts.adoptSnapshot === true });
    } catch (err) {
      const where = origin.line ? `${origin.file}:${origin.line}` : origin.file;
      warn(`${where}: skipped ${object?.kind ?? 'object'} ${object?.metadata?.name ?? ''}: ${(err as Error).message}`);
    }
  }

  const cert = await generateSimCertificate(host);
  const rbac = await scenarioRbac(scenario, DEFAULT_SIM_USER);
  const ctx: SimApiContext = {
    store,
    registry,
    scenario,
    ...(rbac ? { rbac } : {}),
    token,
    serverAddress: '',
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 10_000,
    watches: new Set(),
    requests: [],
    maxRecordedRequests: opts.maxRecordedRequests ?? 100_000,
    faults: new SimFaults(),
    churn: new SimChurn(store),
    ...(opts.gzip ? { gzip: true } : {}),
  };
  const portForwards = new SimPortForwards(store, opts.snapshot.ipamd, scenario.portForward);
  const handler = createSimRequestHandler(ctx, portForwards);
  const started = await startClusterHubbleRelay({ store, snapshot: opts.snapshot, portForwards, warn }, opts.hubble);
  const hubble = started?.relay;
  const server = createServer({ key: cert.keyPem, cert: cert.certPem }, handler);

  // Upgrade requests (port-forward over websocket or SPDY) go through the same handler, which
  // answers them with a plain HTTP response on the raw socket, or lets port-forward take it over.
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    holdUpgrade(req, socket, head);
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.on('finish', () => {
      res.detachSocket(socket);
      socket.end();
    });
    handler(req, res);
  });

  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(opts.port ?? 0);
  const { port } = server.address() as AddressInfo;
  ctx.faults.attach({
    server: {
      stop: () =>
        new Promise<void>((resolve) => {
          closeWatches(ctx);
          server.close(() => resolve());
          server.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
        }),
      start: () => listen(port),
      compact: () => void store.compact(),
    },
    portForwards,
    hubble,
  });
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.serverAddress = authority;
  const url = `https://${authority}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    token,
    caPem: cert.certPem,
    kubeconfig: (contextName = 'cni-lens-sim') => simKubeconfig({ server: url, caPem: cert.certPem, token, contextName }),
    api: store,
    requests: ctx.requests,
    warnings,
    closeWatches: () => closeWatches(ctx),
    portForwards,
    churn: ctx.churn!,
    hubble,
    ...(started?.tls ? { hubbleTls: started.tls } : {}),
    faults: ctx.faults,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        ctx.churn?.stop();
        closeWatches(ctx);
        portForwards.close();
        void hubble?.close();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      })),
  };
}
