/**
 * The workspace's manifests as one store (hovers with no cluster connected): objects from several
 * files see each other, files that are not Kubernetes manifests pass without a problem, and a
 * workload with no pods shows the policies that will select its pod template.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestHover } from '../../src/core/hover/manifestHover';
import { loadManifestSet } from '../../src/core/sources/manifestSetStore';

const deployment = `apiVersion: apps/v1
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
        tier: web
    spec:
      containers:
      - name: web
        image: nginx
`;
const policies = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-ingress
  namespace: shop
spec:
  podSelector:
    matchLabels:
      tier: web
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: other-namespace
  namespace: payments
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`;
const workflow = `name: ci\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n`;

describe('loadManifestSet', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(nodePath.join(tmpdir(), 'cni-lens-ws-'));
    mkdirSync(nodePath.join(dir, 'deploy/app'), { recursive: true });
    mkdirSync(nodePath.join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(nodePath.join(dir, 'deploy/app/deployment.yaml'), deployment);
    writeFileSync(nodePath.join(dir, 'deploy/policies.yaml'), policies);
    writeFileSync(nodePath.join(dir, '.github/workflows/ci.yml'), workflow);
    writeFileSync(nodePath.join(dir, 'deploy/broken.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: "unclosed\n');
    writeFileSync(nodePath.join(dir, 'big.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  x: "${'a'.repeat(4096)}"\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const files = () => ['deploy/app/deployment.yaml', 'deploy/policies.yaml', '.github/workflows/ci.yml', 'deploy/broken.yaml', 'big.yaml'].map((f) => nodePath.join(dir, f));

  it('merges the objects of every manifest file, with origins relative to the workspace', async () => {
    const set = await loadManifestSet(files(), { root: dir, maxFileBytes: 2048 });
    expect(set.raw.kubernetes.map((e) => `${e.object.kind} ${e.object.metadata.name} ${e.origin.file}:${e.origin.line}`)).toEqual([
      'Deployment frontend deploy/app/deployment.yaml:1',
      'NetworkPolicy web-ingress deploy/policies.yaml:1',
      'NetworkPolicy other-namespace deploy/policies.yaml:15',
    ]);
    expect(set.manifestFiles).toBe(2);
    // the workflow is not a manifest: no problem about it; the broken manifest is named with its line
    expect(set.problems.some((p) => p.file.includes('ci.yml'))).toBe(false);
    expect(set.problems.some((p) => p.file === 'deploy/broken.yaml' && p.severity === 'error')).toBe(true);
    expect(set.skipped).toEqual([{ file: 'big.yaml', reason: expect.stringContaining('over the 0 MB limit') }]);
    expect([...set.store.list('networkPolicy')].map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(['payments/other-namespace', 'shop/web-ingress']);
  });

  it('a file deleted since it was listed is skipped with its reason, the rest loads', async () => {
    const set = await loadManifestSet([...files(), nodePath.join(dir, 'gone.yaml')], { root: dir });
    expect(set.skipped.map((s) => s.file)).toEqual(['gone.yaml']);
    expect(set.skipped[0]?.reason).toMatch(/does not exist/);
    expect(set.raw.kubernetes.length).toBe(4);
  });

  it('a Deployment with no pods yet: the hover names the policies that will select its pod template, from another file', async () => {
    const set = await loadManifestSet(files(), { root: dir });
    const offset = deployment.indexOf('frontend');
    // Markdown escapes (\-) removed: compare the text a user reads
    const md = (manifestHover(deployment, offset, { store: set.store, sourceLabel: 'manifests in this workspace' })?.markdown ?? '').replace(/\\(.)/g, '$1');
    expect(md).toContain('no pod now in namespace shop');
    expect(md).toMatch(/pod template \(labels app=frontend, tier=web\) is selected by:/);
    expect(md).toMatch(/\*\*Ingress\*\*: NetworkPolicy shop\/web-ingress/);
    expect(md).toMatch(/\*\*Egress\*\*: no policy selects it/);
    // the policy of another namespace does not select it
    expect(md).not.toContain('other-namespace');
  });
});
