import { describe, expect, it } from 'vitest';
import type { CiliumEndpointInfo, PodInfo, Provenance } from '../../src/core/model';
import { Interner } from '../../src/core/project/intern';
import { projectKubeObject } from '../../src/core/project/projectKube';

const api: Provenance = { source: 'kubernetes-api' };

function rsPod(name: string, labels: Record<string, unknown>, opts: { rs?: string; ns?: string; port?: number } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: opts.ns ?? 'shop',
      uid: `uid-${name}`,
      labels,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.rs ?? 'web-7d9f', controller: true, uid: 'rs-1' }],
    },
    spec: { nodeName: 'ip-10-0-1-5.ec2.internal', containers: [{ name: 'web', ports: [{ containerPort: opts.port ?? 8080, name: 'http' }] }] },
    status: { podIP: `100.64.1.${name.length}`, hostIP: '10.0.1.5', phase: 'Running' },
  };
}

function cep(name: string, identity: number, labels: string[]) {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumEndpoint',
    metadata: { name, namespace: 'shop' },
    status: { id: 7, identity: { id: identity, labels }, networking: { addressing: [{ ipv4: '100.64.1.9' }], node: '10.0.1.5' }, 'named-ports': [{ name: 'http', port: 8080, protocol: 'TCP' }], state: 'ready' },
  };
}

const podOf = (obj: unknown, intern?: Interner) => projectKubeObject(obj, api, { intern })!.value as PodInfo;
const cepOf = (obj: unknown, intern?: Interner) => projectKubeObject(obj, api, { intern })!.value as CiliumEndpointInfo;

describe('projection with an Interner', () => {
  it('gives the pods of one ReplicaSet one labels object, one ports list and one owner, and the same values as without', () => {
    const intern = new Interner();
    const a = rsPod('web-7d9f-aaaaa', { app: 'web', 'pod-template-hash': '7d9f' });
    const b = rsPod('web-7d9f-bbbbb', { app: 'web', 'pod-template-hash': '7d9f' });
    const pa = podOf(a, intern);
    const pb = podOf(b, intern);
    expect(pa).toEqual(podOf(a));
    expect(pb).toEqual(podOf(b));
    expect(pb.labels).toBe(pa.labels);
    expect(pb.containerPorts).toBe(pa.containerPorts);
    expect(pb.owner).toBe(pa.owner);
    expect(pb.nodeName).toBe('ip-10-0-1-5.ec2.internal');
  });

  it('does not share what differs: other labels, other ports, non-string label values, another namespace', () => {
    const intern = new Interner();
    const base = podOf(rsPod('web-1', { app: 'web', tier: 'front' }), intern);
    const moreLabels = podOf(rsPod('web-2', { app: 'web', tier: 'front', canary: 'yes' }), intern);
    const fewerLabels = podOf(rsPod('web-3', { app: 'web' }), intern);
    const otherValue = podOf(rsPod('web-4', { app: 'web', tier: 'back' }), intern);
    const badValue = podOf(rsPod('web-5', { app: 'web', tier: 'front', bad: 3 }), intern);
    const otherPort = podOf(rsPod('web-6', { app: 'web', tier: 'front' }, { port: 9090 }), intern);
    const otherNs = podOf(rsPod('web-7', { app: 'web', tier: 'front' }, { ns: 'data' }), intern);
    expect(moreLabels.labels).toEqual({ app: 'web', tier: 'front', canary: 'yes' });
    expect(fewerLabels.labels).toEqual({ app: 'web' });
    expect(otherValue.labels).toEqual({ app: 'web', tier: 'back' });
    // a non-string value is dropped, so the labels equal those of web-1 (sharing them is allowed)
    expect(badValue.labels).toEqual({ app: 'web', tier: 'front' });
    expect(otherPort.containerPorts).toEqual([{ name: 'http', port: 9090, protocol: 'TCP', container: 'web' }]);
    expect(base.containerPorts).toEqual([{ name: 'http', port: 8080, protocol: 'TCP', container: 'web' }]);
    expect(otherNs.labels).toEqual({ app: 'web', tier: 'front' });
    expect(otherNs.namespace).toBe('data');
  });

  it('gives the endpoints of one identity one labels list, and its own list to an endpoint whose labels differ', () => {
    const intern = new Interner();
    const labels = ['k8s:app=web', 'k8s:io.kubernetes.pod.namespace=shop'];
    const a = cepOf(cep('web-1', 300, [...labels]), intern);
    const b = cepOf(cep('web-2', 300, [...labels]), intern);
    const c = cepOf(cep('web-3', 300, [...labels, 'k8s:canary=yes']), intern);
    expect(b.identityLabels).toBe(a.identityLabels);
    expect(b.namedPorts).toBe(a.namedPorts);
    expect(a).toEqual(cepOf(cep('web-1', 300, [...labels])));
    expect(c.identityLabels).toEqual([...labels, 'k8s:canary=yes']);
  });

  it('keeps projecting correct values when its tables fill up and start over', () => {
    const intern = new Interner(4);
    for (let i = 0; i < 20; i++) {
      const p = podOf(rsPod(`web-${i}`, { app: `app-${i % 3}` }, { rs: `rs-${i % 2}` }), intern);
      expect(p.labels).toEqual({ app: `app-${i % 3}` });
      expect(p.owner).toEqual({ kind: 'ReplicaSet', name: `rs-${i % 2}` });
    }
    expect(intern.size).toBeLessThanOrEqual(8);
  });
});
