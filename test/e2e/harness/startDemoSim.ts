/**
 * The simulated EKS cluster for the end-to-end tests, served in the test process from the demo
 * snapshot: the Kubernetes API (HTTPS) and the EC2 API, as `cni-lens sim` serves them.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSnapshot } from '../../../src/core/snapshot/loadSnapshot';
import { startSimEc2, type SimEc2 } from '../../../src/sim/ec2Server';
import { loadSimScenario, type SimScenario } from '../../../src/sim/simScenario';
import { startSimCluster, type SimCluster } from '../../../src/sim/startSimCluster';
import { demoSnapshotDir } from './e2eEnvironment';

/** The kube context (and cluster and user) name in the kubeconfig written for the sim. */
export const DEMO_CONTEXT = 'shop-prod';
export const DEMO_REGION = 'us-west-2';

export interface DemoSim {
  sim: SimCluster;
  ec2: SimEc2;
  /** A kubeconfig file whose only context is `DEMO_CONTEXT`. */
  kubeconfigPath: string;
  /** The settings that point CNI Lens at this cluster (kubeconfig, context, EC2 endpoint and region). */
  settings: Record<string, string>;
  /** AWS credentials for the extension host's environment (the simulated EC2 API takes any). */
  env: Record<string, string>;
  /** What must never appear in a log: the kubeconfig's token and the AWS secret key, by name. */
  secrets: Record<string, string>;
  close(): Promise<void>;
}

/**
 * `liveFlows`: Hubble Relay keeps producing flows (for `npm run demo`; tests keep the snapshot's).
 * `scenario`: instead of the demo's own (e.g. RBAC with fewer permissions).
 */
export async function startDemoSim(dir: string, opts: { liveFlows?: boolean; scenario?: SimScenario; hubbleTls?: boolean | { mtls?: boolean } } = {}): Promise<DemoSim> {
  const [snapshot, demoScenario] = await Promise.all([loadSnapshot(demoSnapshotDir), loadSimScenario(demoSnapshotDir)]);
  const scenario = opts.scenario ?? demoScenario;
  const hubble = opts.liveFlows || opts.hubbleTls ? { ...(opts.liveFlows ? { live: true } : {}), ...(opts.hubbleTls ? { tls: opts.hubbleTls } : {}) } : undefined;
  const sim = await startSimCluster({ snapshot, scenario, ...(hubble ? { hubble } : {}), onWarning: (m) => process.stderr.write(`[sim] ${m}\n`) });
  const ec2 = await startSimEc2({ aws: snapshot.aws }).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  await writeFile(kubeconfigPath, sim.kubeconfig(DEMO_CONTEXT), { mode: 0o600 });
  // distinctive, so that finding it in a log is a leak and not a coincidence
  const awsSecret = `e2e-aws-secret-${randomBytes(12).toString('hex')}`;
  return {
    sim,
    ec2,
    kubeconfigPath,
    settings: {
      'cniLens.kubeconfig': kubeconfigPath,
      'cniLens.context': DEMO_CONTEXT,
      'cniLens.aws.endpoint': ec2.endpoint,
      'cniLens.aws.region': DEMO_REGION,
    },
    // the simulated EC2 API accepts any signature; the secret key is still treated as one (never logged)
    env: { AWS_ACCESS_KEY_ID: 'AKIDE2ETEST', AWS_SECRET_ACCESS_KEY: awsSecret, AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: DEMO_REGION },
    secrets: {
      'kubeconfig token': sim.token,
      AWS_SECRET_ACCESS_KEY: awsSecret,
      // a line of the Hubble client key (mTLS): its content must never reach a log
      ...(sim.hubbleTls?.client ? { 'Hubble client key': sim.hubbleTls.client.keyPem.split('\n')[1]! } : {}),
    },
    close: async () => {
      await Promise.all([sim.close(), ec2.close()]);
    },
  };
}
