import type { PodInfo } from '../model';
import type { ClusterStore } from '../store/clusterStore';

/**
 * A running pod-network pod with an IP that has no CiliumEndpoint: Cilium does not manage it.
 * `key` is its store key (`namespace/name`), which is also its CiliumEndpoint's: passing the store's
 * own string saves building it again.
 */
export function isUnmanagedPod(store: ClusterStore, pod: PodInfo, key = `${pod.namespace}/${pod.name}`): boolean {
  if (pod.hostNetwork || !pod.ip) return false;
  if (pod.phase && pod.phase !== 'Running') return false;
  return store.get('ciliumEndpoint', key) === undefined;
}
