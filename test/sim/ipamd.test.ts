/** The ipamd source against the demo cluster served by the simulated cluster (port-forward to each aws-node pod). */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EniInfo } from '../../src/core/model';
import { projectIpamdEnis } from '../../src/core/project/projectIpamd';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import type { RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import { findAwsNodePods, ipamdTargets, readIpamd, readIpamdEnis } from '../../src/core/sources/ipamdSource';
import { storeFromRawSnapshot } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';
import { duplexPair } from '../../src/sim/portForward/duplexPair';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';

let raw: RawSnapshot;
let store: ClusterStore;
let sim: SimCluster;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  raw = await loadSnapshot('demo/snapshot');
  store = storeFromRawSnapshot(raw).store;
  sim = await startSimCluster({ snapshot: raw });
  kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
});

afterAll(async () => {
  await sim?.close();
});

/** Every tunnel and ipamd connection closes (the server sees the close a moment after the client). */
async function allClosed(timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const done = (): boolean => {
    const s = sim.portForwards.stats();
    return s.open === 0 && s.openTargets === 0 && sim.portForwards.ipamd.openConnections === 0;
  };
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`tunnels still open: ${JSON.stringify(sim.portForwards.stats())}, ipamd ${sim.portForwards.ipamd.openConnections}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A pod-port backend answering every connection with one raw HTTP response, then closing. */
function rawHttpBackend(response: string) {
  return () => {
    const [mine, theirs] = duplexPair();
    mine.once('data', () => mine.end(response));
    return theirs;
  };
}

/** What a comparison cares about: ids, IPs and the pods they are assigned to. */
function essentials(enis: EniInfo[]) {
  return enis.map((e) => ({
    id: e.id,
    node: e.nodeName,
    device: e.deviceIndex,
    subnet: e.subnetId,
    ips: e.ips.map((ip) => ({ ip: ip.ip, assigned: ip.assigned, pod: ip.pod ? `${ip.pod.namespace}/${ip.pod.name}` : undefined })),
    prefixes: e.prefixes,
  }));
}

describe('ipamd through port-forward (demo snapshot)', () => {
  it('finds one aws-node pod per node', () => {
    const pods = findAwsNodePods(store);
    expect(pods.size).toBe(7);
    for (const [node, pod] of pods) {
      expect(pod.namespace).toBe('kube-system');
      expect(pod.name).toMatch(/^aws-node-/);
      expect(store.get('pod', `${pod.namespace}/${pod.name}`)?.nodeName ?? [...store.podsOnNode(node)].find((p) => p.name === pod.name)?.nodeName).toBe(node);
    }
    expect(ipamdTargets(store).map((t) => t.nodeName)).toEqual(raw.ipamd.map((i) => i.nodeName).sort());
  });

  it('reads all 7 nodes; the bodies project to the same ENIs, IPs and pods as the snapshot files', async () => {
    sim.portForwards.resetPeak();
    const totalBefore = sim.portForwards.stats().total;
    const { results } = await readIpamd(kc, ipamdTargets(store), { concurrency: 3 });
    expect(results).toHaveLength(7);
    for (const r of results) {
      if (!r.ok) throw new Error(r.error.message);
      const file = raw.ipamd.find((i) => i.nodeName === r.nodeName)!;
      expect(r.enis).toEqual(file.enis);
      const live = projectIpamdEnis(r.enis, r.nodeName, { source: 'ipamd' });
      const fromFile = projectIpamdEnis(file.enis, file.nodeName, { source: 'snapshot', file: file.origin.file });
      expect(live.problems).toEqual([]);
      expect(essentials(live.enis)).toEqual(essentials(fromFile.enis));
      expect(live.enis.some((e) => e.ips.some((ip) => ip.pod))).toBe(r.nodeName !== 'ip-10-0-29-8.us-west-2.compute.internal');
      // from the aws-node env of the demo (custom networking, prng SNAT)
      expect(r.envSettings).toMatchObject({
        AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
        AWS_VPC_K8S_CNI_RANDOMIZESNAT: 'prng',
        AWS_VPC_K8S_CNI_EXTERNALSNAT: 'false',
        AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '',
        AWS_VPC_ENI_MTU: '9001',
        WARM_ENI_TARGET: '1',
      });
    }
    // bounded: never more than 3 websockets at once, one per node (3 GETs share a keep-alive connection)
    const stats = sim.portForwards.stats();
    expect(stats.peak).toBeLessThanOrEqual(3);
    expect(stats.peak).toBeGreaterThanOrEqual(2);
    expect(stats.total - totalBefore).toBe(7);
    await allClosed();
  });

  it('readIpamdEnis projects every node: 20 node ENIs', async () => {
    const { enis, problems, results } = await readIpamdEnis(kc, store, { envSettings: false, now: new Date('2026-11-26T12:00:00Z') });
    expect(problems).toEqual([]);
    expect(results.every((r) => r.ok && r.envSettings === undefined)).toBe(true);
    expect(enis).toHaveLength(20);
    expect(enis.every((e) => e.origin.source === 'ipamd' && /through port-forward to kube-system\/aws-node-/.test(e.origin.detail ?? ''))).toBe(true);
  });

  it('a node whose aws-node pod is missing is no-aws-node-pod; the others still read', async () => {
    const victim = [...findAwsNodePods(store)][0]!;
    const without = storeFromRawSnapshot({ ...raw, kubernetes: raw.kubernetes.filter((e) => e.object.metadata.name !== victim[1].name) }).store;
    const targets = ipamdTargets(without);
    expect(targets.find((t) => t.nodeName === victim[0])?.awsNodePod).toBeUndefined();
    const { results } = await readIpamd(kc, targets, { envSettings: false });
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([
      {
        nodeName: victim[0],
        ok: false,
        error: { kind: 'no-aws-node-pod', message: expect.stringContaining(`node ${victim[0]}: no aws-node pod (DaemonSet kube-system/aws-node)`) },
      },
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(6);
  });

  it('a stopped ipamd is refused, a pod that is gone is other: messages name node and pod', async () => {
    const [[nodeA, podA], [nodeB, podB]] = [...findAwsNodePods(store)];
    const enisA = raw.ipamd.find((i) => i.nodeName === nodeA)!.enis;
    sim.portForwards.ipamd.delete(nodeA!);
    const deleted = sim.api.delete('pods', podB!.namespace, podB!.name)!;
    try {
      const { results } = await readIpamd(kc, [
        { nodeName: nodeA!, awsNodePod: podA },
        { nodeName: nodeB!, awsNodePod: podB },
      ]);
      expect(results[0]).toMatchObject({ ok: false, error: { kind: 'refused' } });
      expect(!results[0]!.ok && results[0]!.error.message).toMatch(new RegExp(`^node ${nodeA}: ipamd does not answer on port 61679 of kube-system/${podA!.name} .*connection refused.*DISABLE_INTROSPECTION`));
      expect(results[1]).toMatchObject({ ok: false, error: { kind: 'other', message: expect.stringContaining(`pod kube-system/${podB!.name} no longer exists`) } });
    } finally {
      sim.portForwards.ipamd.set(nodeA!, enisA);
      sim.api.apply(deleted);
    }
  });

  it('a hung ipamd times out; malformed JSON is malformed', async () => {
    const [[nodeA, podA], [nodeB, podB]] = [...findAwsNodePods(store)];
    const hung = sim.portForwards.registerPodPort(podA!.namespace, podA!.name, 61679, () => duplexPair()[1]);
    const html = sim.portForwards.registerPodPort(
      podB!.namespace,
      podB!.name,
      61679,
      rawHttpBackend('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\nConnection: close\r\n\r\n<html>oops</ht>'),
    );
    try {
      const { results } = await readIpamd(
        kc,
        [
          { nodeName: nodeA!, awsNodePod: podA },
          { nodeName: nodeB!, awsNodePod: podB },
        ],
        { timeoutMs: 400 },
      );
      expect(results[0]).toMatchObject({ ok: false, error: { kind: 'timeout', message: expect.stringContaining(`no answer from ipamd through kube-system/${podA!.name} within 0.4 s`) } });
      expect(results[1]).toMatchObject({ ok: false, error: { kind: 'malformed' } });
    } finally {
      hung();
      html();
    }
    await allClosed();
  });

  it('without RBAC for pods/portforward every node is forbidden, with the rule to add', async () => {
    const denied = await startSimCluster({ snapshot: raw, scenario: { forbidden: [{ group: '', resource: 'pods/portforward', verbs: ['create'] }] } });
    try {
      const kc2 = new k8s.KubeConfig();
      kc2.loadFromString(denied.kubeconfig());
      const { results } = await readIpamd(kc2, ipamdTargets(store), { concurrency: 4 });
      expect(results.map((r) => !r.ok && r.error.kind)).toEqual(Array(7).fill('forbidden'));
      const first = results[0]!;
      expect(!first.ok && first.error.message).toContain('needs RBAC `create` on `pods/portforward` in kube-system');
      expect(!first.ok && first.error.message).toContain(`node ${first.nodeName}: port-forward to kube-system/aws-node-`);
      expect(!first.ok && first.error.message).toContain('cannot create resource "pods/portforward"');
    } finally {
      await denied.close();
    }
  });

  it('a cancelled read rejects with the signal reason', async () => {
    const controller = new AbortController();
    const pending = readIpamd(kc, ipamdTargets(store), { signal: controller.signal, concurrency: 1 });
    setTimeout(() => controller.abort(new Error('stop')), 5);
    await expect(pending).rejects.toThrow('stop');
    await allClosed();
  });
});
