/** A small EKS snapshot (VPC CNI custom networking + Cilium chaining) and helpers for sim tests. */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { emptyRawAws, type RawKubeObject, type RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import type { SimCluster } from '../../src/sim/startSimCluster';

const HOUR = 3_600_000;
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Created 2 days 13 hours (and a few minutes) ago: kubectl shows AGE `2d13h`. */
export const POD_AGE = '2d13h';

export const NODES = [
  { name: 'ip-10-0-1-10.ec2.internal', ip: '10.0.1.10' },
  { name: 'ip-10-0-2-20.ec2.internal', ip: '10.0.2.20' },
] as const;

export const PODS = [
  { ns: 'shop', name: 'web-7d9c-xk2p', app: 'web', ip: '100.64.1.17', node: 0, identity: 24501 },
  { ns: 'shop', name: 'web-7d9c-p8q2', app: 'web', ip: '100.64.2.33', node: 1, identity: 24501 },
  { ns: 'shop', name: 'cart-5f6b-m2n4', app: 'cart', ip: '100.64.1.45', node: 0, identity: 31077 },
  { ns: 'payments', name: 'api-6c8d-r7s9', app: 'api', ip: '100.64.2.81', node: 1, identity: 40210 },
  { ns: 'payments', name: 'worker-0', app: 'worker', ip: '100.64.2.90', node: 1, identity: 40388 },
  { ns: 'kube-system', name: 'coredns-787cb-z9x8', app: 'coredns', ip: '100.64.1.5', node: 0, identity: 102 },
] as const;

export function namespace(name: string): RawKubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, creationTimestamp: ago(30 * 24 * HOUR) }, status: { phase: 'Active' } };
}

export function node(i: number): RawKubeObject {
  const n = NODES[i]!;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      creationTimestamp: ago(9 * 24 * HOUR),
      labels: { 'kubernetes.io/hostname': n.name, 'node.kubernetes.io/instance-type': 'm5.large', 'topology.kubernetes.io/zone': i === 0 ? 'us-east-1a' : 'us-east-1b' },
    },
    spec: { providerID: `aws:///us-east-1a/i-0${i}1234567890abcd` },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      nodeInfo: {
        kubeletVersion: 'v1.32.3-eks-473151a',
        osImage: 'Amazon Linux 2023.6.20250203',
        kernelVersion: '6.1.127-135.201.amzn2023.x86_64',
        containerRuntimeVersion: 'containerd://1.7.25',
      },
    },
  };
}

export function pod(p: { ns: string; name: string; app: string; ip: string; node: number }, extra: { restarts?: number } = {}): RawKubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.ns, labels: { app: p.app }, creationTimestamp: ago(61 * HOUR + 5 * 60_000) },
    spec: { nodeName: NODES[p.node]!.name, containers: [{ name: p.app, image: `example/${p.app}:1.0` }] },
    status: {
      phase: 'Running',
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      hostIP: NODES[p.node]!.ip,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: p.app, ready: true, restartCount: extra.restarts ?? 0, state: { running: { startedAt: ago(61 * HOUR) } } }],
    },
  };
}

export function ciliumEndpoint(p: { ns: string; name: string; ip: string; node: number; identity: number }): RawKubeObject {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumEndpoint',
    metadata: { name: p.name, namespace: p.ns, creationTimestamp: ago(61 * HOUR) },
    status: {
      id: 1000 + p.identity % 997,
      identity: { id: p.identity, labels: [`k8s:io.kubernetes.pod.namespace=${p.ns}`] },
      networking: { addressing: [{ ipv4: p.ip }], node: NODES[p.node]!.ip },
      policy: { ingress: { enforcing: false, state: '<status disabled>' }, egress: { enforcing: false, state: '<status disabled>' } },
      state: 'ready',
    },
  };
}

/** The snapshot most sim tests serve: 4 namespaces, 2 nodes, 6 pods with CEPs, a CNP, a service. */
export function fixtureObjects(): RawKubeObject[] {
  return [
    ...['default', 'kube-system', 'shop', 'payments'].map(namespace),
    node(0),
    node(1),
    ...PODS.map((p) => pod(p)),
    ...PODS.filter((p) => p.ns !== 'kube-system').map(ciliumEndpoint),
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'web-allow-cart', namespace: 'shop', creationTimestamp: ago(5 * 24 * HOUR) },
      spec: { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }] },
      status: { conditions: [{ type: 'Valid', status: 'True' }] },
    },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumIdentity',
      metadata: { name: '24501', labels: { 'io.kubernetes.pod.namespace': 'shop' }, creationTimestamp: ago(61 * HOUR) },
      'security-labels': { 'k8s:app': 'web' },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop', creationTimestamp: ago(61 * HOUR) },
      spec: { type: 'ClusterIP', clusterIP: '172.20.14.9', clusterIPs: ['172.20.14.9'], selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'vpcresources.k8s.aws/v1alpha1',
      kind: 'CNINode',
      metadata: { name: NODES[0].name, creationTimestamp: ago(9 * 24 * HOUR) },
      spec: { features: [{ name: 'SecurityGroupsForPods' }] },
    },
  ];
}

export function snapshotOf(objects: RawKubeObject[]): RawSnapshot {
  return {
    root: '/fixture',
    kubernetes: objects.map((object, i) => ({ object, origin: { file: 'kubernetes/fixture.yaml', line: i + 1 } })),
    aws: emptyRawAws(),
    ipamd: [],
    hubble: [],
    problems: [],
  };
}

/** kubectl 1.32 if installed (the dispatcher's own binary first), else `kubectl` on PATH. */
export function findKubectl(): string | undefined {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  if (existsSync(pinned)) return pinned;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SpawnedKubectl {
  lines: string[];
  /** Resolves with the first stdout line matching `predicate` (already seen or still to come). */
  waitFor(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

/** A temp dir with the kubeconfig; each run gets its own discovery cache (`--cache-dir`). */
export class KubectlRunner {
  private runs = 0;

  private constructor(
    readonly binary: string,
    readonly dir: string,
    readonly kubeconfigPath: string,
  ) {}

  static async create(binary: string, kubeconfig: string): Promise<KubectlRunner> {
    const dir = await mkdtemp(join(tmpdir(), 'cni-lens-kubectl-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
    return new KubectlRunner(binary, dir, kubeconfigPath);
  }

  /** Arguments for a kubectl run with a fresh cache dir. */
  args(args: string[]): string[] {
    return ['--kubeconfig', this.kubeconfigPath, '--cache-dir', join(this.dir, `cache-${++this.runs}`), ...args];
  }

  env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '', HOME: this.dir, KUBECONFIG: this.kubeconfigPath };
  }

  run(args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      execFile(this.binary, this.args(args), { env: this.env(), timeout: timeoutMs }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Starts a long-running kubectl (e.g. `get -w`); its stdout lines are collected. */
  spawn(args: string[]): SpawnedKubectl {
    const child = spawn(this.binary, this.args(args), { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    let buffered = '';
    const waiters = new Set<() => void>();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
      waiters.forEach((w) => w());
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return {
      lines,
      waitFor(predicate, timeoutMs = 15_000) {
        return new Promise((resolve, reject) => {
          const check = (): void => {
            const found = lines.find(predicate);
            if (found === undefined) return;
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`kubectl ${args.join(' ')}: no matching line after ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
      kill: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A live session on `sim` (without AWS), started; `cleanups` gets what stops the session, closes
 * the sim and removes the kubeconfig's directory.
 */
export async function startLiveSession(sim: SimCluster, cleanups: Array<() => Promise<void>>): Promise<ClusterSession> {
  const dir = await mkdtemp(join(tmpdir(), 'cnilens-session-'));
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  await writeFile(kubeconfigPath, sim.kubeconfig());
  const session = new ClusterSession({ kind: 'live', kubeconfigPath, aws: false }, { info: () => undefined, warn: () => undefined, error: () => undefined });
  cleanups.push(async () => {
    await session.stop();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });
  await session.start();
  return session;
}
