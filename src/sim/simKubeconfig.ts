/** The kubeconfig that points kubectl and client-node at a simulated cluster. */
import { stringify } from 'yaml';

export interface SimKubeconfigParams {
  server: string;
  caPem: string;
  token: string;
  contextName: string;
  namespace?: string;
}

export function simKubeconfig(p: SimKubeconfigParams): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: p.contextName, cluster: { server: p.server, 'certificate-authority-data': Buffer.from(p.caPem).toString('base64') } }],
    users: [{ name: p.contextName, user: { token: p.token } }],
    contexts: [{ name: p.contextName, context: { cluster: p.contextName, user: p.contextName, namespace: p.namespace ?? 'default' } }],
    'current-context': p.contextName,
    preferences: {},
  });
}
