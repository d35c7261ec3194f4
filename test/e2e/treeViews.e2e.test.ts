/**
 * The four tree views on the demo cluster, in a real VS Code: concrete rows checked against the
 * snapshot's files (read here independently of CNI Lens), and a change made in the simulated
 * cluster while the view is open shows up without a refresh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoSnapshotDir, isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import type { Page } from 'playwright-core';
import { expandRow, expandView, openView, resizeSideBar, screenshot, treeRow, viewPane, waitForTreeRows } from './harness/workbench';

interface Eni { NetworkInterfaceId: string; Attachment?: { InstanceId?: string; DeviceIndex?: number }; PrivateIpAddresses: { PrivateIpAddress: string }[] }
interface Pod { metadata: { name: string; namespace: string; creationTimestamp?: string }; spec: { nodeName?: string; hostNetwork?: boolean }; status: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }
interface Node { metadata: { name: string }; spec: { providerID: string } }

const enis = (JSON.parse(readFileSync(join(demoSnapshotDir, 'aws', 'describe-network-interfaces.json'), 'utf8')) as { NetworkInterfaces: Eni[] }).NetworkInterfaces;
const pods = (parse(readFileSync(join(demoSnapshotDir, 'kubernetes', 'pods.yaml'), 'utf8')) as { items: Pod[] }).items;
const nodes = (parse(readFileSync(join(demoSnapshotDir, 'kubernetes', 'nodes.yaml'), 'utf8')) as { items: Node[] }).items;

const NODE = 'ip-10-0-17-42.us-west-2.compute.internal';
const nodeInstance = nodes.find((n) => n.metadata.name === NODE)!.spec.providerID.split('/').pop()!;
const nodeEnis = enis.filter((e) => e.Attachment?.InstanceId === nodeInstance);
const frontend = pods.find((p) => p.metadata.namespace === 'shop' && p.metadata.name.startsWith('frontend-'))!;
const frontendEni = enis.find((e) => e.PrivateIpAddresses.some((a) => a.PrivateIpAddress === frontend.status.podIP))!;

const VIEWS = ['Cluster', 'Nodes', 'ENIs', 'Pod IPs', 'Cilium Endpoints'];

/** Takes `name` with the other CNI Lens views collapsed (this one at full height), then opens them again. */
async function screenshotOf(page: Page, viewTitle: string, name: string, expand: string[] = []): Promise<void> {
  const toggle = async (title: string, expanded: boolean) => {
    const header = viewPane(page, title).locator('.pane-header');
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
  };
  // a row's hover would cover the headers
  await page.mouse.move(1200, 700);
  await page.keyboard.press('Escape');
  for (const title of VIEWS) if (title !== viewTitle) await toggle(title, false);
  await expandView(page, viewTitle);
  for (const label of expand) await expandRow(page, label, { viewTitle });
  await screenshot(page, name);
  for (const title of VIEWS) if (title !== viewTitle) await expandView(page, title);
}

const missing = missingForE2e();
if (missing.length > 0 && !isCi) process.stderr.write(`[e2e] SKIPPED tree views: missing ${missing.join('; ')}\n`);

describe.skipIf(missing.length > 0 && !isCi)('the tree views on the demo cluster', () => {
  let session: VscodeSession;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'tree-views', extension: 'dev' });
    await openView(session.page, 'CNI Lens');
    await resizeSideBar(session.page, 560);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('Nodes: a node lists its ENIs with their device index, as EC2 has them', async () => {
    expect(nodeEnis.length).toBeGreaterThanOrEqual(2);
    await waitForTreeRows(session.page, 'Nodes', (r) => r.some((x) => x.label === 'ip-10-0-17-42'), 60_000);
    await expandRow(session.page, 'ip-10-0-17-42', { viewTitle: 'Nodes' });
    const rows = await waitForTreeRows(session.page, 'Nodes', (r) => r.filter((x) => x.level === 2).length >= nodeEnis.length);
    const eniRows = rows.filter((x) => x.level === 2);
    expect(eniRows.map((r) => r.label).sort()).toEqual(nodeEnis.map((e) => e.NetworkInterfaceId).sort());
    for (const e of nodeEnis) {
      expect(eniRows.find((r) => r.label === e.NetworkInterfaceId)?.description).toContain(`eth${e.Attachment?.DeviceIndex}`);
    }
    const nodeRow = rows.find((r) => r.label === 'ip-10-0-17-42');
    expect(nodeRow?.description).toMatch(/m5\.large · us-west-2a · 10\.0\.17\.42 · pods \d+\/20 · IPs \d+\/18/);
  });

  it('Pod IPs: a pod shows its IP, node and the ENI that holds the IP', async () => {
    await expandRow(session.page, 'shop', { viewTitle: 'Pod IPs' });
    const rows = await waitForTreeRows(session.page, 'Pod IPs', (r) => r.some((x) => x.label === frontend.metadata.name));
    const row = rows.find((x) => x.label === frontend.metadata.name)!;
    expect(row.description).toContain(frontend.status.podIP!);
    expect(row.description).toContain(frontend.spec.nodeName!.replace('.us-west-2.compute.internal', ''));
    expect(row.description).toContain(frontendEni.NetworkInterfaceId);
    // the row's tooltip is built when it is hovered (resolveTreeItem): it names the pod, its node and its ENI
    // (the other views collapsed, so that the row is on screen)
    const headers = VIEWS.filter((v) => v !== 'Pod IPs').map((v) => viewPane(session.page, v).locator('.pane-header'));
    for (const h of headers) if ((await h.getAttribute('aria-expanded')) === 'true') await h.click();
    await treeRow(session.page, frontend.metadata.name, 'Pod IPs').locator('.label-name').hover();
    const hover = session.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: `ENI: ${frontendEni.NetworkInterfaceId}` }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await hover.innerText();
    expect(text).toContain(`${frontend.metadata.namespace}/${frontend.metadata.name}`);
    expect(text).toContain(`IP: ${frontend.status.podIP}`);
    expect(text).toContain(`Node: ${frontend.spec.nodeName}`);
    await screenshot(session.page, 'view-pod-ips-tooltip.png');
    await session.page.mouse.move(1200, 700);
    await session.page.keyboard.press('Escape');
    for (const v of VIEWS) await expandView(session.page, v);
  });

  it('ENIs: pod subnets are marked as ENIConfig subnets (custom networking)', async () => {
    const rows = await waitForTreeRows(session.page, 'ENIs', (r) => r.some((x) => x.label === '100.64.0.0/18'));
    expect(rows.find((x) => x.label === '100.64.0.0/18')?.description).toContain('ENIConfig us-west-2a');
    expect(rows.find((x) => x.label === '10.0.16.0/20')?.description).not.toContain('ENIConfig');
  });

  it('Cilium Endpoints: the two pods older than Cilium are listed as not managed', async () => {
    await expandRow(session.page, 'Not managed by Cilium', { viewTitle: 'Cilium Endpoints' });
    const rows = await waitForTreeRows(session.page, 'Cilium Endpoints', (r) => r.some((x) => x.label.startsWith('data/legacy-reporter-')));
    const unmanaged = rows.filter((x) => x.level === 2 && /^(data|payments)\//.test(x.label)).map((x) => x.label.split('-')[0]).sort();
    expect(unmanaged).toEqual(['data/legacy', 'payments/worker']);
  });

  it('a pod that turns not ready in the cluster is updated in its row; the rows around it keep their state', async () => {
    const sim = session.demo!.sim;
    const name = frontend.metadata.name;
    const notReady = structuredClone(frontend);
    notReady.status.conditions = (notReady.status.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c));
    sim.api.apply(notReady as never);
    const rows = await waitForTreeRows(session.page, 'Pod IPs', (r) => r.find((x) => x.label === name)?.description.endsWith('not ready') === true, 30_000);
    // only the pod's row was refreshed: its namespace stays open, and so does the node opened in Nodes
    expect(rows.find((x) => x.label === 'shop')?.expanded).toBe(true);
    const nodeRows = await waitForTreeRows(session.page, 'Nodes', (r) => r.some((x) => x.label === 'ip-10-0-17-42'));
    expect(nodeRows.find((x) => x.label === 'ip-10-0-17-42')?.expanded).toBe(true);
    expect(nodeRows.filter((x) => x.level === 2).map((x) => x.label).sort()).toEqual(nodeEnis.map((e) => e.NetworkInterfaceId).sort());
    sim.api.apply(frontend as never);
    await waitForTreeRows(session.page, 'Pod IPs', (r) => r.find((x) => x.label === name)?.description.includes('not ready') === false, 30_000);
  });

  it('a pod created in the cluster while the view is open appears without a refresh, and goes when deleted', async () => {
    const sim = session.demo!.sim;
    const name = 'frontend-live-e2e';
    sim.api.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', labels: { app: 'frontend' } },
      spec: { nodeName: NODE, containers: [{ name: 'web', image: 'nginx' }] },
      status: { phase: 'Running', podIP: '100.64.9.250', podIPs: [{ ip: '100.64.9.250' }], hostIP: '10.0.17.42', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const rows = await waitForTreeRows(session.page, 'Pod IPs', (r) => r.some((x) => x.label === name), 30_000);
    expect(rows.find((x) => x.label === name)?.description).toContain('100.64.9.250');
    sim.api.delete('pods', 'shop', name);
    await waitForTreeRows(session.page, 'Pod IPs', (r) => !r.some((x) => x.label === name), 30_000);
  });

  it('screenshots of each view, with the rows the tests above opened', async () => {
    const eth2 = nodeEnis.find((e) => e.Attachment?.DeviceIndex === 2)?.NetworkInterfaceId;
    await screenshotOf(session.page, 'Nodes', 'view-nodes.png', eth2 ? [eth2] : []);
    await screenshotOf(session.page, 'ENIs', 'view-enis.png', ['100.64.0.0/18']);
    await screenshotOf(session.page, 'Pod IPs', 'view-pod-ips.png');
    await screenshotOf(session.page, 'Cilium Endpoints', 'view-endpoints.png', ['shop']);
  });
});
