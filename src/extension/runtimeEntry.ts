/**
 * Entry of `dist/runtime.js`: the parts of the extension that pull in large libraries (the
 * Kubernetes client, the AWS SDK, the simulated cluster). The extension loads it on first use,
 * so activation only loads the small `dist/extension.js`.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterSession } from '../core/sources/clusterSession';
import { kubeconfigErrorMessage } from '../core/sources/kubeconfig';
import { traceReadingIpamd } from '../core/sources/ipamdOnDemand';
import type { TraceResult } from '../core/analysis/datapath/datapathTypes';
import { traceDatapath, type TraceRequest } from '../core/analysis/datapath/traceDatapath';
import { choosePolicyEngine } from '../core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../core/analysis/policy/policyEngine';
import { fileRuleLocator, ruleLocatorForText } from '../core/analysis/policy/ruleLocator';
import type { RulePath } from '../core/analysis/policy/compiledPolicy';
import { observeTraceFlows } from '../core/analysis/observeTraceFlows';
import { engineResolver, type TraceObserved } from '../core/analysis/traceObservation';
import { tracePolicyEvaluator } from '../core/analysis/tracePolicyEvaluator';
import type { DiagramGraph } from '../core/analysis/diagram/diagramTypes';
import { flowOverlay, tracesOfPaths, type DiagramFlowOverlay } from '../core/analysis/diagram/flowOverlay';
import type { FlowRecord } from '../core/hubble/flowTypes';
export { ClusterSession } from '../core/sources/clusterSession';
export { startEmbeddedDemo } from './demoCluster';

export interface KubeContextInfo {
  name: string;
  server?: string;
  namespace?: string;
}

/** The contexts of a kubeconfig read as kubectl reads it; `current` is the file's current context. */
export function listKubeContexts(path: string | undefined): { contexts: KubeContextInfo[]; current: string; error?: string } {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (err) {
    return { contexts: [], current: '', error: kubeconfigErrorMessage(err) };
  }
  return {
    contexts: kc.getContexts().map((c) => ({ name: c.name, server: kc.getCluster(c.cluster)?.server, namespace: c.namespace })),
    current: kc.getCurrentContext(),
  };
}

const API_PATHS: Record<string, (ns: string | undefined, name: string) => string> = {
  pod: (ns, name) => `/api/v1/namespaces/${ns}/pods/${name}`,
  node: (_ns, name) => `/api/v1/nodes/${name}`,
  service: (ns, name) => `/api/v1/namespaces/${ns}/services/${name}`,
  ciliumEndpoint: (ns, name) => `/apis/cilium.io/v2/namespaces/${ns}/ciliumendpoints/${name}`,
};

/** API paths of the policy kinds; the store keys policies `Kind/namespace/name` (`Kind/name` cluster-wide). */
const POLICY_API_PATHS: Record<string, (ns: string | undefined, name: string) => string> = {
  NetworkPolicy: (ns, name) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${name}`,
  CiliumNetworkPolicy: (ns, name) => `/apis/cilium.io/v2/namespaces/${ns}/ciliumnetworkpolicies/${name}`,
  CiliumClusterwideNetworkPolicy: (_ns, name) => `/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies/${name}`,
};

function livePath(kind: string, key: string): string | undefined {
  if (kind === 'networkPolicy') {
    const [policyKind, ...rest] = key.split('/');
    const name = rest.pop();
    const toPath = policyKind ? POLICY_API_PATHS[policyKind] : undefined;
    return toPath && name ? toPath(rest[0], name) : undefined;
  }
  const [a, b] = key.includes('/') ? key.split('/', 2) : [undefined, key];
  return b && Object.hasOwn(API_PATHS, kind) ? API_PATHS[kind]!(a, b) : undefined;
}

/**
 * YAML of a store object for a read-only document: the object as the API server has it now for a
 * live session, else the CNI Lens model of it (EC2 and ipamd objects, snapshot objects) with its source.
 */
export async function objectYaml(session: ClusterSession, kind: string, key: string): Promise<string> {
  const { stringify } = await import('yaml');
  const apiPath = livePath(kind, key);
  if (session.target.kind === 'live' && apiPath) {
    try {
      const object = (await session.fetchKubeObject(apiPath)) as { metadata?: Record<string, unknown> } | undefined;
      if (object?.metadata) delete object.metadata.managedFields;
      return `# ${kind} ${key}, read from ${session.describe()} at ${new Date().toISOString()} (read-only)\n${stringify(object)}`;
    } catch (err) {
      return `# ${kind} ${key}: cannot read it from ${session.describe()}: ${(err as Error).message}\n`;
    }
  }
  const value = session.store.get(kind as never, key);
  if (value === undefined) return `# ${kind} ${key} is not in ${session.describe()} any more\n`;
  return `# ${kind} ${key} as CNI Lens models it (read-only); source: ${JSON.stringify((value as { origin?: unknown }).origin)}\n${stringify(value)}`;
}

/** A trace with the policy engine plugged in, as `cni-lens trace` runs it. */
export function traceWithPolicy(session: ClusterSession, request: TraceRequest): TraceResult {
  const store = session.store;
  const { engine } = choosePolicyEngine(store);
  const root = session.target.kind === 'snapshot' ? session.target.path : undefined;
  const policy = new PolicyEngine(store, { engine, ...(root ? { ruleLocator: fileRuleLocator(root) } : {}) });
  try {
    return traceDatapath(store, request, { policyEvaluator: tracePolicyEvaluator(policy) });
  } finally {
    policy.dispose();
  }
}
/** A trace with the policy engine, and the observed Hubble flows of the traced traffic next to it. */
export async function traceWithObserved(session: ClusterSession, request: TraceRequest, signal?: AbortSignal): Promise<{ result: TraceResult; observed?: TraceObserved }> {
  const store = session.store;
  const { engine } = choosePolicyEngine(store);
  const root = session.target.kind === 'snapshot' ? session.target.path : undefined;
  const policy = new PolicyEngine(store, { engine, ...(root ? { ruleLocator: fileRuleLocator(root) } : {}) });
  try {
    // a large cluster's ipamd is read per node: the nodes of both ends first
    const result = await traceReadingIpamd(() => traceDatapath(store, request, { policyEvaluator: tracePolicyEvaluator(policy) }), session.ipamd, signal ? { signal } : {});
    if (!result.ok) return { result };
    const observed = await observeTraceFlows(result.trace, session.flows, { resolvePolicy: engineResolver(policy, result.trace), ...(signal ? { signal } : {}) });
    return { result, observed };
  } finally {
    policy.dispose();
  }
}

/** The Hubble flow overlay of a diagram: its paths traced again with the policy engine, which also names the rules behind drops. */
export function diagramFlowOverlay(session: ClusterSession, graph: DiagramGraph, records: readonly FlowRecord[], from: string, live: boolean): DiagramFlowOverlay {
  const store = session.store;
  const { engine } = choosePolicyEngine(store);
  const root = session.target.kind === 'snapshot' ? session.target.path : undefined;
  const policy = new PolicyEngine(store, { engine, ...(root ? { ruleLocator: fileRuleLocator(root) } : {}) });
  try {
    const policyEvaluator = tracePolicyEvaluator(policy);
    const traces = tracesOfPaths(graph, (request) => traceDatapath(store, request, { policyEvaluator }));
    return flowOverlay({ graph, traces, records, from, live, resolverFor: (trace) => engineResolver(policy, trace), podNode: (key) => store.get('pod', key)?.nodeName });
  } finally {
    policy.dispose();
  }
}

/**
 * The line of a rule (`spec.ingress[0].from[0]`) in the text of one object's YAML (a read-only
 * object document: comment lines, then the object); undefined when the path is not in it.
 */
export function ruleLineInText(text: string, rule: string): number | undefined {
  const path: Array<string | number> = [];
  for (const m of rule.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  if (path.length === 0) return undefined;
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (first < 0) return undefined;
  return ruleLocatorForText(() => text).lineOf({ source: 'kubernetes-api', file: 'object', line: first + 1 }, path as RulePath);
}

export { manifestHover, prepareManifestHoverInSteps } from '../core/hover/manifestHover';
export { HoverDocumentCache } from '../core/hover/hoverDocumentCache';
export { loadSnapshotStore } from '../core/sources/snapshotStore';
export { loadManifestSet } from '../core/sources/manifestSetStore';
