/**
 * Entry of `dist/runtime.js`: the parts of the extension that pull in large libraries (the
 * Kubernetes client, the AWS SDK, the simulated cluster). The extension loads it on first use,
 * so activation only loads the small `dist/extension.js`.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterSession } from '../core/sources/clusterSession';
import { kubeconfigErrorMessage } from '../core/sources/kubeconfig';
import type { TraceResult } from '../core/analysis/datapath/datapathTypes';
import { traceDatapath, type TraceRequest } from '../core/analysis/datapath/traceDatapath';
import { choosePolicyEngine } from '../core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../core/analysis/policy/policyEngine';
import { fileRuleLocator } from '../core/analysis/policy/ruleLocator';
import { tracePolicyEvaluator } from '../core/analysis/tracePolicyEvaluator';
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

/**
 * YAML of a store object for a read-only document: the object as the API server has it now for a
 * live session, else the CNI Lens model of it (EC2 and ipamd objects, snapshot objects) with its source.
 */
export async function objectYaml(session: ClusterSession, kind: string, key: string): Promise<string> {
  const { stringify } = await import('yaml');
  const [a, b] = key.includes('/') ? key.split('/', 2) : [undefined, key];
  const apiPath = API_PATHS[kind];
  if (session.target.kind === 'live' && apiPath && b) {
    try {
      const object = (await session.fetchKubeObject(apiPath(a, b))) as { metadata?: Record<string, unknown> } | undefined;
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
export { manifestHover, prepareManifestHover } from '../core/hover/manifestHover';
export { HoverDocumentCache } from '../core/hover/hoverDocumentCache';
export { loadSnapshotStore } from '../core/sources/snapshotStore';
export { loadManifestSet } from '../core/sources/manifestSetStore';
export { traceReport } from '../core/analysis/datapath/traceReport';
