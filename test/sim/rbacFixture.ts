/**
 * The shipped RBAC manifest, the demo cluster served with it, and a full CNI Lens session against
 * that cluster (Kubernetes list/watch, EC2, ipamd and Hubble Relay through port-forward, and the
 * single-object reads of "Open YAML"). Shared by the RBAC and secrets tests.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ClusterSession, type SessionLog } from '../../src/core/sources/clusterSession';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import type { RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import { startSimEc2, type SimEc2, type SimEc2Options } from '../../src/sim/ec2Server';
import type { SimRequestRecord } from '../../src/sim/simApiContext';
import { ruleAllows, type RbacPolicyRule } from '../../src/sim/simRbac';
import type { SimScenario } from '../../src/sim/simScenario';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../../src/sim/startSimCluster';

export const REPO = resolve(__dirname, '..', '..');
export const DEMO = join(REPO, 'demo', 'snapshot');
export const RBAC_MANIFEST = join(REPO, 'deploy', 'rbac', 'cni-lens-reader.yaml');
/** An EKS access-entry user, mapped to the manifest's group. */
export const RBAC_USER = 'arn:aws:sts::111122223333:assumed-role/oncall/alice';
export const RBAC_GROUP = 'cni-lens-readers';
export const DEMO_REGION = 'us-west-2';

export interface RbacObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: RbacPolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

/** The objects of deploy/rbac/cni-lens-reader.yaml, a fresh copy each call (tests edit them). */
export function shippedRbacObjects(): RbacObject[] {
  return parseAllDocuments(readFileSync(RBAC_MANIFEST, 'utf8'))
    .map((d) => d.toJS() as RbacObject | null)
    .filter((o): o is RbacObject => o !== null);
}

let demoSnapshot: Promise<RawSnapshot> | undefined;
export function demoRawSnapshot(): Promise<RawSnapshot> {
  demoSnapshot ??= loadSnapshot(DEMO);
  return demoSnapshot;
}

export interface DemoCluster {
  sim: SimCluster;
  ec2: SimEc2;
  dir: string;
  kubeconfigPath: string;
  close(): Promise<void>;
}

/** The demo snapshot served with `scenario`, the EC2 API, and a kubeconfig file for the sim. */
export async function startDemoCluster(scenario: SimScenario, ec2Options: Partial<SimEc2Options> = {}, simOptions: Partial<SimClusterOptions> = {}): Promise<DemoCluster> {
  const raw = await demoRawSnapshot();
  const sim = await startSimCluster({ snapshot: raw, scenario, onWarning: () => undefined, ...simOptions });
  const ec2 = await startSimEc2({ aws: raw.aws, ...ec2Options });
  const dir = mkdtempSync(join(tmpdir(), 'cni-lens-rbac-'));
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfigPath, sim.kubeconfig('demo'), { mode: 0o600 });
  return {
    sim,
    ec2,
    dir,
    kubeconfigPath,
    close: async () => {
      await Promise.all([sim.close(), ec2.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A scenario with RBAC from these objects, for the manifest's group. */
export function rbacScenario(objects: RbacObject[]): SimScenario {
  return { user: RBAC_USER, groups: [RBAC_GROUP, 'system:authenticated'], rbac: { objects } };
}

export interface CapturedLog extends SessionLog {
  lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

/** A live session as the extension opens one: kubeconfig, context, EC2 endpoint and credentials. */
export async function startSession(
  cluster: DemoCluster,
  log: SessionLog,
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined = { accessKeyId: 'AKIDRBACTEST', secretAccessKey: 'rbac-test' },
  context = 'demo',
): Promise<ClusterSession> {
  const session = new ClusterSession(
    { kind: 'live', kubeconfigPath: cluster.kubeconfigPath, context, aws: { endpoint: cluster.ec2.endpoint, region: DEMO_REGION, ...(credentials ? { credentials } : {}) } },
    log,
  );
  await session.start();
  // Hubble Relay is looked for in the background: wait until its source row says what it found
  const deadline = Date.now() + 15_000;
  while (session.sources.find((s) => s.name === 'hubble')?.state === 'loading' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return session;
}

/** One permission a role grants: a verb on a resource (and name), from one rule. */
export interface Grant {
  role: string;
  rule: number;
  verb: string;
  apiGroup: string;
  resource: string;
  resourceName?: string;
}

/** Every (verb, group, resource, name) a Role or ClusterRole of `objects` grants, rule by rule. */
export function grantsOf(objects: RbacObject[]): Grant[] {
  const grants: Grant[] = [];
  for (const o of objects) {
    if (o.kind !== 'Role' && o.kind !== 'ClusterRole') continue;
    const role = o.metadata.namespace ? `${o.kind}/${o.metadata.namespace}/${o.metadata.name}` : `${o.kind}/${o.metadata.name}`;
    (o.rules ?? []).forEach((rule, i) => {
      for (const verb of rule.verbs)
        for (const apiGroup of rule.apiGroups ?? [])
          for (const resource of rule.resources ?? [])
            for (const resourceName of rule.resourceNames?.length ? rule.resourceNames : [undefined]) {
              grants.push({ role, rule: i, verb, apiGroup, resource, ...(resourceName ? { resourceName } : {}) });
            }
    });
  }
  return grants;
}

/**
 * The grants no request of the log used: for each, no allowed request matched it through the rule
 * that grants it (the request log says which role and rule allowed each request).
 */
export function unusedGrants(grants: Grant[], requests: readonly SimRequestRecord[]): Grant[] {
  return grants.filter((g) => {
    const [resource, subresource] = g.resource.split('/');
    const single: RbacPolicyRule = { verbs: [g.verb], apiGroups: [g.apiGroup], resources: [g.resource], ...(g.resourceName ? { resourceNames: [g.resourceName] } : {}) };
    return !requests.some(
      (r) =>
        r.authz?.decision === 'allow' &&
        r.authz.by?.endsWith(`→ ${g.role} rules[${g.rule}]`) &&
        r.authz.resource === resource &&
        (r.authz.subresource ?? undefined) === subresource &&
        ruleAllows(single, r.authz),
    );
  });
}
