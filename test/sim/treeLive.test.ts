/**
 * The trees on a live session against the simulated demo cluster, over the real Kubernetes API
 * (list, watch, port-forward to ipamd) with no AWS credentials: what is loading is published while
 * it loads, the missing credentials are said once per view with the fix, ENIs come from ipamd,
 * and a change made in the cluster refreshes only the rows it touches.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSession } from '../../src/core/sources/clusterSession';
import { describeLoading } from '../../src/core/sources/describeLoading';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import type { RawKubeObject } from '../../src/core/snapshot/rawSnapshot';
import { TreeController, type TreeRefresh } from '../../src/core/tree/treeController';
import { TREE_MODELS } from '../../src/core/tree/treeModels';
import type { TreeRow } from '../../src/core/tree/treeRow';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { until } from '../until';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const POD = { namespace: 'shop', name: 'frontend-5bbc558bcd-vkbwc' };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function expandAll(controller: TreeController, parent?: TreeRow, out: TreeRow[] = []): TreeRow[] {
  for (const row of controller.getChildren(parent)) {
    out.push(row);
    if (row.children) expandAll(controller, row, out);
  }
  return out;
}

describe('trees on a live session without AWS credentials', () => {
  let cluster: SimCluster;
  let session: ClusterSession;
  let podObject: RawKubeObject;
  const loadingSeen: string[][] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    const raw = await loadSnapshot(DEMO);
    podObject = raw.kubernetes.map((e) => e.object).find((o) => o.kind === 'Pod' && o.metadata?.name === POD.name)!;
    cluster = await startSimCluster({ snapshot: raw });
    const dir = mkdtempSync(join(tmpdir(), 'cni-lens-trees-'));
    const kubeconfigPath = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfigPath, cluster.kubeconfig());
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL_EC2']) delete process.env[k];
    Object.assign(process.env, { HOME: dir, AWS_REGION: 'us-west-2', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') });
    session = new ClusterSession({ kind: 'live', kubeconfigPath, aws: {} }, quiet);
    session.onLoading((loading) => loadingSeen.push([...loading]));
    await session.start();
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
    await cluster?.close();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  });

  it('publishes what is still loading, resources first, then EC2 and ipamd, until nothing is', () => {
    const flat = loadingSeen.flat();
    expect(flat).toContain('kubernetes pods');
    expect(flat).toContain('kubernetes nodes');
    expect(flat).toContain('ec2');
    expect(flat).toContain('ipamd');
    expect(loadingSeen.at(-1)).toEqual([]);
    expect(session.loading).toEqual([]);
    const firstWithPods = loadingSeen.find((l) => l.includes('kubernetes pods'))!;
    expect(describeLoading(firstWithPods)).toMatch(/^listing /);
    expect(describeLoading(['kubernetes pods', 'ec2', 'ipamd'])).toBe('listing pods · reading EC2 · reading ipamd through aws-node');
  });

  it('says "no AWS credentials" once per view, with the fix, and shows the ENIs ipamd gives', () => {
    expect(session.sources.find((s) => s.name === 'ec2')?.state).toBe('not-configured');
    for (const view of ['nodes', 'enis'] as const) {
      const controller = new TreeController(TREE_MODELS[view], { ensureStarted: () => session }, () => undefined);
      const rows = expandAll(controller);
      const mentions = rows.filter((r) => /credentials/i.test(`${r.label} ${r.description ?? ''}`));
      expect(mentions.map((r) => r.label), view).toEqual(['No AWS credentials: ENIs from ipamd']);
      expect(mentions[0]?.description).toContain('cniLens.aws.profile');
      const enis = rows.filter((r) => r.contextValue === 'cniLens.eni');
      expect(enis.length, view).toBeGreaterThan(10);
      for (const eni of enis) expect(eni.description, eni.id).toMatch(/ · from ipamd$/);
      controller.dispose();
    }
    // no credentials is not a problem of the other views
    const podIps = new TreeController(TREE_MODELS.podIps, { ensureStarted: () => session }, () => undefined);
    expect(podIps.getChildren().some((r) => r.id.startsWith('source/'))).toBe(false);
  });

  it('a pod that turns not ready in the cluster refreshes its Pod IPs row only, through the watch', async () => {
    const fired: TreeRefresh[] = [];
    const controller = new TreeController(TREE_MODELS.podIps, { ensureStarted: () => session }, (r) => fired.push(r), { debounceMs: 20 });
    const shown = new Map(expandAll(controller).map((r) => [r.id, r]));
    const row = shown.get(`pod/${POD.namespace}/${POD.name}`)!;
    expect(row.description).not.toContain('not ready');

    const changed = structuredClone(podObject) as RawKubeObject & { status: { conditions: Array<{ type: string; status: string }> } };
    changed.status.conditions = changed.status.conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    cluster.api.apply(changed);

    const refresh = await until('a refresh of the Pod IPs tree', () => fired[0]);
    expect(refresh).not.toBeUndefined();
    expect(refresh!.map((r) => r.id)).toEqual([row.id]);
    expect(refresh![0]).toBe(row);
    expect(row.description).toMatch(/ · not ready$/);
    controller.dispose();
  });
});
