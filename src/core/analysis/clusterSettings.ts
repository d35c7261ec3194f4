import type { CiliumSettings, ClusterModeInfo, VpcCniSettings } from '../model';
import { detectCiliumSettings, detectClusterMode, detectVpcCniSettings } from '../project/detectSettings';
import type { ClusterStore } from '../store/clusterStore';

export interface ClusterSettings {
  vpcCni: VpcCniSettings;
  cilium: CiliumSettings;
  mode: ClusterModeInfo;
}

/** The VPC CNI and Cilium settings and the mode they make, from what the store holds now. */
export function clusterSettings(store: ClusterStore): ClusterSettings {
  const daemonSets = [...store.list('daemonSet')];
  const configMaps = [...store.list('configMap')];
  const vpcCni = detectVpcCniSettings(daemonSets, configMaps);
  const ciliumDaemonSet = store.get('daemonSet', 'kube-system/cilium');
  const cilium = detectCiliumSettings(store.get('configMap', 'kube-system/cilium-config'), ciliumDaemonSet);
  const mode = detectClusterMode({
    vpcCni,
    cilium,
    ciliumDaemonSetFound: ciliumDaemonSet !== undefined,
    ciliumEndpointCount: store.count('ciliumEndpoint'),
    ciliumNodeCount: store.count('ciliumNode'),
    nodeCount: store.count('node'),
  });
  return { vpcCni, cilium, mode };
}
