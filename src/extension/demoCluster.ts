import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionTarget } from '../core/sources/clusterSession';
import { loadSnapshot } from '../core/snapshot/loadSnapshot';
import { startSimEc2 } from '../sim/ec2Server';
import { startSimCluster } from '../sim/startSimCluster';

export interface EmbeddedDemo {
  target: SessionTarget;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

/**
 * Starts the simulated demo cluster inside the extension host (the snapshot ships with the
 * extension) and returns the target that connects to it over the real protocols.
 */
export async function startEmbeddedDemo(extensionPath: string, storagePath: string): Promise<EmbeddedDemo> {
  const snapshot = await loadSnapshot(join(extensionPath, 'demo', 'snapshot'));
  // the demo's Hubble Relay keeps producing flows (some of them drops), as a live cluster does
  const cluster = await startSimCluster({ snapshot, hubble: { live: true } });
  const ec2 = await startSimEc2({ aws: snapshot.aws });
  await mkdir(storagePath, { recursive: true });
  const kubeconfigPath = join(storagePath, 'demo-kubeconfig.yaml');
  await writeFile(kubeconfigPath, cluster.kubeconfig('shop-prod'), { mode: 0o600 });
  return {
    kubeconfigPath,
    target: {
      kind: 'live',
      kubeconfigPath,
      context: 'shop-prod',
      // the simulated EC2 API accepts any signature; these are not secrets
      aws: { endpoint: ec2.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'AKIDDEMO', secretAccessKey: 'demo' } },
    },
    stop: async () => {
      await Promise.all([cluster.close(), ec2.close()]);
    },
  };
}
