import type { ClusterModeInfo, PodInfo, SourceStatus } from '../model';
import type { ClusterStore } from '../store/clusterStore';
import { clusterSettings } from './clusterSettings';
import { summaryCountsFor } from './summaryCounts';
import { isUnmanagedPod } from './unmanagedPod';

export interface ClusterSummary {
  mode: ClusterModeInfo;
  counts: {
    nodes: number;
    /** ENIs attached to the cluster's nodes. */
    enis: number;
    /** Other ENIs of the VPC that the sources reported (load balancers, NAT gateways, RDS, MSK...). */
    otherEnis: number;
    pods: number;
    hostNetworkPods: number;
    /** Distinct IPs of pods that are not host-network. */
    podIps: number;
    ciliumEndpoints: number;
    /** Pods with a pod-network IP and no CiliumEndpoint; null when Cilium was not detected. */
    unmanagedPods: number | null;
    services: number;
    namespaces: number;
    policies: { networkPolicies: number; ciliumNetworkPolicies: number; ciliumClusterwideNetworkPolicies: number };
  };
  /** Up to 20 unmanaged pods, `namespace/name`. */
  unmanagedExamples: string[];
  sources: SourceStatus[];
}

/** Pods that Cilium should manage but has no CiliumEndpoint for: started before Cilium, or broken. */
export function unmanagedPods(store: ClusterStore): PodInfo[] {
  const out: PodInfo[] = [];
  for (const pod of store.list('pod')) if (isUnmanagedPod(store, pod)) out.push(pod);
  return out;
}

/**
 * The CiliumEndpoints source when it could not be read (forbidden, say): without CiliumEndpoints
 * every pod would look unmanaged, so "unmanaged" is unknown rather than "all of them".
 */
export function unreadableCiliumEndpoints(sources: readonly SourceStatus[]): SourceStatus | undefined {
  return sources.find((s) => s.name === 'kubernetes ciliumendpoints' && s.state !== 'ok');
}

export function summarizeCluster(store: ClusterStore, sources: SourceStatus[]): ClusterSummary {
  let hostNetworkPods = 0;
  const podIps = new Set<string>();
  for (const pod of store.list('pod')) {
    if (pod.hostNetwork) hostNetworkPods++;
    else for (const ip of pod.ip ? [pod.ip, ...pod.ips] : pod.ips) podIps.add(ip);
  }
  return summaryWith(store, sources, { hostNetworkPods, podIps: podIps.size, unmanaged: () => {
    const unmanaged = unmanagedPods(store);
    return { count: unmanaged.length, first: unmanaged.slice(0, 20) };
  } });
}

/**
 * The same summary from the pod counts the store keeps (`summaryCountsFor`): no walk over every pod.
 * While a large store is first counted, `podsCounted` is false and the pod counts (host-network,
 * pod IPs, unmanaged) are 0; `onReady` is then called once when they are counted.
 */
export function summarizeClusterKept(store: ClusterStore, sources: SourceStatus[], onReady?: () => void): { summary: ClusterSummary; podsCounted: boolean } {
  const counts = summaryCountsFor(store);
  if (!counts.ready) {
    if (onReady) counts.whenReady(onReady);
    return { summary: summaryWith(store, sources, { hostNetworkPods: 0, podIps: 0, unmanaged: () => ({ count: 0, first: [] }) }), podsCounted: false };
  }
  const summary = summaryWith(store, sources, { hostNetworkPods: counts.hostNetworkPods, podIps: counts.podIps, unmanaged: () => {
    const first: PodInfo[] = [];
    for (const key of counts.unmanagedPodKeys()) {
      const pod = store.get('pod', key);
      if (pod) first.push(pod);
      if (first.length === 20) break;
    }
    return { count: counts.unmanagedPods, first };
  } });
  return { summary, podsCounted: true };
}

interface PodCounts {
  hostNetworkPods: number;
  podIps: number;
  /** How many pods Cilium does not manage, and the first 20 of them. */
  unmanaged: () => { count: number; first: PodInfo[] };
}

function summaryWith(store: ClusterStore, sources: SourceStatus[], pods: PodCounts): ClusterSummary {
  const { mode } = clusterSettings(store);
  let enis = 0;
  for (const eni of store.list('eni')) if (eni.nodeName) enis++;
  const policies = { networkPolicies: 0, ciliumNetworkPolicies: 0, ciliumClusterwideNetworkPolicies: 0 };
  for (const p of store.list('networkPolicy')) {
    if (p.kind === 'NetworkPolicy') policies.networkPolicies++;
    else if (p.kind === 'CiliumNetworkPolicy') policies.ciliumNetworkPolicies++;
    else policies.ciliumClusterwideNetworkPolicies++;
  }
  const ciliumDetected = mode.mode === 'aws-cni-chaining' || mode.mode === 'cilium-only';
  const unmanagedKnown = ciliumDetected && !unreadableCiliumEndpoints(sources);
  const unmanaged = unmanagedKnown ? pods.unmanaged() : { count: 0, first: [] };
  return {
    mode,
    counts: {
      nodes: store.count('node'),
      enis,
      otherEnis: store.count('eni') - enis,
      pods: store.count('pod'),
      hostNetworkPods: pods.hostNetworkPods,
      podIps: pods.podIps,
      ciliumEndpoints: store.count('ciliumEndpoint'),
      unmanagedPods: unmanagedKnown ? unmanaged.count : null,
      services: store.count('service'),
      namespaces: store.count('namespace'),
      policies,
    },
    unmanagedExamples: unmanaged.first.map((p) => `${p.namespace}/${p.name}`).sort(),
    sources,
  };
}

const MODE_TEXT: Record<ClusterModeInfo['mode'], string> = {
  'aws-cni-chaining': 'AWS VPC CNI with Cilium chained (aws-cni chaining)',
  'vpc-cni-only': 'AWS VPC CNI only (Cilium not detected)',
  'cilium-only': 'Cilium only (AWS VPC CNI not detected)',
  unknown: 'unknown (neither the AWS VPC CNI nor Cilium was detected)',
};

export function formatClusterSummary(s: ClusterSummary): string {
  const c = s.counts;
  const p = c.policies;
  const lines = [
    `Mode: ${MODE_TEXT[s.mode.mode]}`,
    ...s.mode.reasons.map((r) => `  - ${r}`),
    '',
    `Nodes                 ${c.nodes}`,
    `ENIs                  ${c.enis} on nodes${c.otherEnis ? `, ${c.otherEnis} other ENIs in the VPC` : ''}`,
    `Pods                  ${c.pods} (${c.hostNetworkPods} host-network)`,
    `Pod IPs               ${c.podIps}`,
    `Cilium endpoints      ${c.ciliumEndpoints}`,
    `Unmanaged pods        ${c.unmanagedPods === null ? `n/a (${unreadableCiliumEndpoints(s.sources) ? `CiliumEndpoints ${unreadableCiliumEndpoints(s.sources)!.state}` : 'Cilium not detected'})` : c.unmanagedPods}${s.unmanagedExamples.length ? `: ${s.unmanagedExamples.join(', ')}` : ''}`,
    `Policies              ${p.networkPolicies + p.ciliumNetworkPolicies + p.ciliumClusterwideNetworkPolicies} (${p.networkPolicies} NetworkPolicy, ${p.ciliumNetworkPolicies} CiliumNetworkPolicy, ${p.ciliumClusterwideNetworkPolicies} CiliumClusterwideNetworkPolicy)`,
    `Services              ${c.services}`,
    `Namespaces            ${c.namespaces}`,
    '',
    'Sources:',
    ...s.sources.map((src) => `  ${src.name.padEnd(Math.max(20, ...s.sources.map((x) => x.name.length)))} ${src.state}${src.detail ? `: ${src.detail}` : ''}`),
  ];
  return lines.join('\n') + '\n';
}
