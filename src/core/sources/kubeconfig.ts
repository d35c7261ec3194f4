import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';

export class KubeconfigError extends Error {}

/**
 * The reason a kubeconfig could not be read, without its content: the YAML parser quotes the lines
 * around a syntax error, and those are where tokens and client keys sit. Keeps the first line
 * (`bad indentation of a mapping entry (11:21)`) and drops quoted excerpts.
 */
export function kubeconfigErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]!.trim();
  const position = /\((\d+):(\d+)\)$/.exec(first);
  const reason = (position ? `${first.slice(0, position.index).trim()} at line ${position[1]}, column ${position[2]}` : first).replace(/"[^"]*"?/g, '"…"');
  return reason.length > 200 ? `${reason.slice(0, 200)}…` : reason;
}

/**
 * Reads a kubeconfig the way kubectl does: the given file, else `KUBECONFIG` (a list of files,
 * merged), else `~/.kube/config`; then selects `context` or the file's current context.
 */
export function loadKubeConfig(opts: { path?: string; context?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.path) {
      if (!existsSync(opts.path)) throw new KubeconfigError(`kubeconfig ${opts.path} does not exist`);
      kc.loadFromFile(opts.path);
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    throw new KubeconfigError(`cannot read kubeconfig ${opts.path ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${kubeconfigErrorMessage(err)}`);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeconfigError(`context "${opts.context}" is not in the kubeconfig${known.length ? ` (contexts: ${known.join(', ')})` : ''}`);
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeconfigError(`kubeconfig has no usable current context${kc.getCurrentContext() ? ` ("${kc.getCurrentContext()}" names no cluster)` : ''}`);
  }
  return kc;
}
