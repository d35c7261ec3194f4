/** The pod a command argument names. Pure (no editor API), so tests can call it. */

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i;

/** The pod a command argument names (`ns/name`), or undefined. */
export function podKeyOfArgument(arg: unknown): string | undefined {
  const fromParts = (namespace: unknown, name: unknown) => (typeof namespace === 'string' && typeof name === 'string' && NAME.test(namespace) && NAME.test(name) ? `${namespace}/${name}` : undefined);
  if (typeof arg === 'string') {
    const parts = arg.split('/');
    if (parts.length === 2) return fromParts(parts[0], parts[1]);
    // a tree row id: `pod/<ns>/<name>` (Pod IPs) or `unmanaged/<ns>/<name>` (Cilium Endpoints)
    if (parts.length === 3 && (parts[0] === 'pod' || parts[0] === 'unmanaged')) return fromParts(parts[1], parts[2]);
    return undefined;
  }
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as Record<string, unknown>;
  // a tree row: its `ref` names the pod (Pod IPs, Cilium Endpoints, a pod's IP under Nodes)
  const ref = o.ref as { kind?: unknown; key?: unknown } | undefined;
  if (ref && ref.kind === 'pod' && typeof ref.key === 'string') return podKeyOfArgument(ref.key);
  if (typeof o.namespace === 'string' && typeof o.name === 'string') return fromParts(o.namespace, o.name);
  // a row without a ref: only a pod row's id (`pod/<ns>/<name>`) names a pod
  if (typeof o.id === 'string' && o.id.split('/').length === 3) return podKeyOfArgument(o.id);
  return undefined;
}
