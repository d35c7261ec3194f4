/**
 * CNI Lens in a real VS Code on the demo cluster with the shipped RBAC role minus two permissions
 * (list/watch ciliumendpoints, port-forward): the views show what they can, and the Cilium
 * Endpoints and ENIs views name the missing permission in a row at their top.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { openView, resizeSideBar, screenshot, waitForTreeRows } from './harness/workbench';
import { RBAC_GROUP, RBAC_USER, shippedRbacObjects } from '../sim/rbacFixture';

const missing = missingForE2e();
if (missing.length > 0 && !isCi) process.stderr.write(`[e2e] SKIPPED permissions: missing ${missing.join('; ')}\n`);

describe.skipIf(missing.length > 0 && !isCi)('the views with a reduced role', () => {
  let session: VscodeSession;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    const objects = shippedRbacObjects();
    const reader = objects.find((o) => o.kind === 'ClusterRole')!;
    reader.rules = reader.rules!.filter((r) => !r.resources?.includes('ciliumendpoints'));
    const withoutPortForward = objects.filter((o) => !(o.kind === 'RoleBinding' && o.metadata.name === 'cni-lens-port-forward'));
    session = await launchVscode({ label: 'permissions', extension: 'dev', scenario: { user: RBAC_USER, groups: [RBAC_GROUP], rbac: { objects: withoutPortForward } } });
    await openView(session.page, 'CNI Lens');
    await resizeSideBar(session.page, 640);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('Cilium Endpoints: a row names the forbidden list, and no pod is called unmanaged', async () => {
    const rows = await waitForTreeRows(session.page, 'Cilium Endpoints', (r) => r.some((x) => x.label === 'Forbidden: ciliumendpoints'), 60_000);
    const row = rows.find((x) => x.label === 'Forbidden: ciliumendpoints')!;
    expect(row.description).toBe(`ciliumendpoints.cilium.io is forbidden: User "${RBAC_USER}" cannot list resource "ciliumendpoints" in API group "cilium.io" at the cluster scope`);
    expect(rows.map((x) => x.label)).not.toContain('Not managed by Cilium');
    await screenshot(session.page, 'permissions-endpoints.png');
  });

  it('ENIs and Nodes: ipamd names pods/portforward, and the ENIs still come from EC2', async () => {
    const enis = await waitForTreeRows(session.page, 'ENIs', (r) => r.some((x) => x.label === 'Forbidden: ipamd') && r.some((x) => x.label === '100.64.0.0/18'));
    const ipamd = enis.find((x) => x.label === 'Forbidden: ipamd')?.description ?? '';
    expect(ipamd.startsWith('needs RBAC create on pods/portforward in kube-system; /v1/enis of 0 of 7 nodes')).toBe(true);
    expect(ipamd).toContain('cannot create resource "pods/portforward" in API group "" in the namespace "kube-system"');
    const nodes = await waitForTreeRows(session.page, 'Nodes', (r) => r.some((x) => x.label === 'ip-10-0-17-42'));
    expect(nodes.some((x) => x.label === 'Forbidden: ipamd')).toBe(true);
    expect(nodes.find((x) => x.label === 'ip-10-0-17-42')?.description).toMatch(/m5\.large/);
    await screenshot(session.page, 'permissions-enis.png');
  });
});
