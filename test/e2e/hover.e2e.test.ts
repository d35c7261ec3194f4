/**
 * Hover on a manifest in a real VS Code, connected to the demo cluster: a Deployment's name shows
 * its pods now, a policy's podSelector what it selects (checked against the snapshot's pods).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoSnapshotDir, isCi, missingForE2e } from './harness/e2eEnvironment';
import { launchVscode, type VscodeSession } from './harness/launchVscode';
import { hoverAt, openFile, openView, screenshot, statusBarText } from './harness/workbench';

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  selector:
    matchLabels:
      app: frontend
  template:
    metadata:
      labels:
        app: frontend
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-checkout-to-api
  namespace: payments
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: checkout
`;

interface Pod { metadata: { name: string; namespace: string; labels?: Record<string, string> }; status: { podIP?: string } }
const pods = (parse(readFileSync(join(demoSnapshotDir, 'kubernetes', 'pods.yaml'), 'utf8')) as { items: Pod[] }).items;
const frontendPods = pods.filter((p) => p.metadata.namespace === 'shop' && p.metadata.labels?.app === 'frontend');
const apiPods = pods.filter((p) => p.metadata.namespace === 'payments' && p.metadata.labels?.app === 'api');

const missing = missingForE2e();

describe.skipIf(missing.length > 0 && !isCi)('hover on manifests', () => {
  let session: VscodeSession;

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`cannot run the end-to-end tests: missing ${missing.join('; ')}`);
    session = await launchVscode({ label: 'hover', extension: 'dev', workspaceFiles: { 'manifests/shop.yaml': MANIFEST } });
    await openView(session.page, 'CNI Lens');
    await statusBarText(session.page, /shop-prod.*connected/, 60_000);
    await openFile(session.page, 'manifests/shop.yaml');
  });

  afterAll(async () => {
    await session?.close();
  });

  it("a Deployment's name shows its pods now, with their IPs", async () => {
    expect(frontendPods.length).toBe(3);
    const text = await hoverAt(session.page, { line: 4, column: 10 }, { contains: frontendPods[0]!.metadata.name, timeout: 60_000 });
    for (const pod of frontendPods) {
      expect(text).toContain(pod.metadata.name);
      expect(text).toContain(pod.status.podIP!);
    }
    expect(text).toContain('live cluster shop-prod');
    await screenshot(session.page, 'hover-deployment.png');
  });

  it("a policy's podSelector shows what it selects", async () => {
    expect(apiPods.length).toBe(2);
    const text = await hoverAt(session.page, { line: 21, column: 5 }, { contains: apiPods[0]!.metadata.name, timeout: 60_000 });
    expect(text).toMatch(/2 pods/);
    for (const pod of apiPods) expect(text).toContain(pod.metadata.name);
  });
});
