/**
 * Entry of `dist/runtime.js`: the parts of the extension that pull in large libraries (the
 * Kubernetes client, the AWS SDK, the simulated cluster). The extension loads it on first use,
 * so activation only loads the small `dist/extension.js`.
 */
import { KubeConfig } from '@kubernetes/client-node';
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
    return { contexts: [], current: '', error: (err as Error).message };
  }
  return {
    contexts: kc.getContexts().map((c) => ({ name: c.name, server: kc.getCluster(c.cluster)?.server, namespace: c.namespace })),
    current: kc.getCurrentContext(),
  };
}
