/**
 * `cni-lens generate`: a small generated cluster loads through the snapshot loader without problems
 * and is self-consistent (pod IPs on their node's ENIs, EC2 and ipamd agree, counts match what the
 * generator says it wrote, summary and doctor agree with it); same seed, same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cliRun';
import { summarizeCluster } from '../../src/core/analysis/clusterSummary';
import { runDoctor } from '../../src/core/analysis/doctor/runDoctor';
import { loadSnapshotStore, type SnapshotStore } from '../../src/core/sources/snapshotStore';
import type { GeneratedClusterSummary } from '../../src/sim/generate/writeGeneratedCluster';

let root: string;

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliCaptured(args);
}

async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort()) {
    hash.update(entry.slice(dir.length)).update(await readFile(entry));
  }
  return hash.digest('hex');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cni-lens-generate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('cni-lens generate', () => {
  let written: GeneratedClusterSummary;
  let loaded: SnapshotStore;

  beforeAll(async () => {
    const r = await cli('generate', '--nodes', '24', '--pods', '900', '--policies', '60', '--services', '40', '--seed', '7', '--out', join(root, 'a'), '--json');
    expect(r.code, r.err).toBe(0);
    written = JSON.parse(r.out) as GeneratedClusterSummary;
    loaded = await loadSnapshotStore(join(root, 'a'));
  });

  it('loads without problems and with every source', () => {
    expect(loaded.problems).toEqual([]);
    expect(loaded.sources.filter((s) => s.state === 'ok').map((s) => s.name)).toEqual(['kubernetes', 'ec2', 'ipamd']);
  });

  it('summary counts are what the generator wrote', () => {
    const s = summarizeCluster(loaded.store, loaded.sources);
    expect(s.mode.mode).toBe('aws-cni-chaining');
    expect(written.nodes).toBe(24);
    expect(written.pods).toBe(900);
    expect(s.counts).toMatchObject({
      nodes: 24,
      enis: written.enis,
      otherEnis: 0,
      pods: 900,
      hostNetworkPods: 72,
      podIps: 900 - 72,
      ciliumEndpoints: written.ciliumEndpoints,
      unmanagedPods: 0,
      services: written.services,
      namespaces: written.namespaces,
      policies: written.policies,
    });
    expect(written.services).toBe(41); // 40 + default/kubernetes
    const p = written.policies;
    expect(p.networkPolicies + p.ciliumNetworkPolicies + p.ciliumClusterwideNetworkPolicies).toBe(60);
    expect(p.ciliumNetworkPolicies).toBeGreaterThan(0);
    expect(p.ciliumClusterwideNetworkPolicies).toBeGreaterThan(0);
  });

  it('every pod IP is a secondary IP of an ENI of its own node, held by one pod only', () => {
    const store = loaded.store;
    let checked = 0;
    for (const pod of store.list('pod')) {
      if (pod.hostNetwork) {
        expect(pod.ip).toBe(store.get('node', pod.nodeName!)!.internalIp);
        continue;
      }
      const owners = store.ownersOfIp(pod.ip!);
      expect(owners.filter((o) => o.kind === 'pod'), pod.ip).toHaveLength(1);
      const eni = owners.find((o) => o.kind === 'eni');
      expect(eni, `${pod.namespace}/${pod.name} ${pod.ip}`).toBeDefined();
      expect(eni!.role).toBe('secondary');
      expect(store.get('eni', eni!.key)!.nodeName).toBe(pod.nodeName);
      expect(owners.some((o) => o.kind === 'ciliumEndpoint')).toBe(true);
      checked++;
    }
    expect(checked).toBe(900 - 72);
  });

  it('ENIs stay within the instance type limits and sit in the node subnet of its AZ', () => {
    const store = loaded.store;
    for (const node of store.list('node')) {
      const enis = store.enisOnNode(node.name);
      expect(enis.length).toBeGreaterThan(0);
      expect(enis.length).toBeLessThanOrEqual(node.instanceType === 'c6i.4xlarge' || node.instanceType === 'm5.4xlarge' ? 8 : 4);
      for (const eni of enis) {
        const subnet = store.get('subnet', eni.subnetId!);
        expect(subnet?.zone).toBe(node.zone);
      }
      expect(enis.find((e) => e.deviceIndex === 0)?.primaryIp).toBe(node.internalIp);
    }
  });

  it('CiliumEndpoints carry the identity of their workload, and the identity exists', () => {
    const store = loaded.store;
    for (const ep of store.list('ciliumEndpoint')) {
      const identity = store.get('ciliumIdentity', String(ep.identityId));
      expect(identity, ep.name).toBeDefined();
      expect(identity!.labels['k8s:io.kubernetes.pod.namespace']).toBe(ep.namespace);
      const pod = store.get('pod', `${ep.namespace}/${ep.name}`)!;
      expect(identity!.labels['k8s:app']).toBe(pod.labels.app);
      expect(ep.ipv4).toEqual([pod.ip]);
    }
  });

  it('doctor finds no error or warning, and no IP collision', () => {
    const report = runDoctor(loaded.store, { sources: loaded.sources });
    expect(report.findings.filter((f) => f.severity === 'error' || f.severity === 'warning').map((f) => `${f.id}: ${f.title}`)).toEqual([]);
    for (const id of ['ip.duplicate-pod-ip', 'ip.duplicate-eni-ip', 'ip.cilium-host-collision', 'cilium.unmanaged-pods']) {
      expect(report.findings.find((f) => f.id === id)?.severity, id).toBe('ok');
    }
  });

  it('the same seed writes the same bytes; another seed does not', async () => {
    expect((await cli('generate', '--nodes', '24', '--pods', '900', '--policies', '60', '--services', '40', '--seed', '7', '--out', join(root, 'b'))).code).toBe(0);
    expect((await cli('generate', '--nodes', '24', '--pods', '900', '--policies', '60', '--services', '40', '--seed', '8', '--out', join(root, 'c'))).code).toBe(0);
    const a = await treeHash(join(root, 'a'));
    expect(await treeHash(join(root, 'b'))).toBe(a);
    expect(await treeHash(join(root, 'c'))).not.toBe(a);
  });
});

describe('cni-lens generate: bad input', () => {
  it('too few pods for the DaemonSets, too many for the nodes, missing options', async () => {
    let r = await cli('generate', '--nodes', '10', '--pods', '20', '--out', join(root, 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--pods must be an integer from 30 to');
    r = await cli('generate', '--nodes', '2', '--pods', '1000', '--out', join(root, 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--pods 1000 do not fit on 2 nodes: they hold at most \d+ pods/);
    r = await cli('generate', '--pods', '100', '--out', join(root, 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--nodes is required');
  });

  it('refuses a directory that is not empty', async () => {
    const dir = join(root, 'full');
    await cli('generate', '--nodes', '1', '--pods', '3', '--out', dir);
    await writeFile(join(dir, 'keep.txt'), 'x');
    const r = await cli('generate', '--nodes', '1', '--pods', '3', '--out', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is not empty');
  });
});
