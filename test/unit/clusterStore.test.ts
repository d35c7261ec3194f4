import { describe, expect, it } from 'vitest';
import { ClusterStore, type StoreChange } from '../../src/core/store/clusterStore';
import type { CiliumEndpointInfo, EniInfo, NodeInfo, PodInfo } from '../../src/core/model';

const origin = { source: 'snapshot' as const, file: 'kubernetes/pods.yaml' };

function pod(namespace: string, name: string, ip: string | undefined, nodeName: string, labels: Record<string, string> = {}, hostNetwork = false): PodInfo {
  return { namespace, name, labels, nodeName, ip, ips: ip ? [ip] : [], hostNetwork, ready: true, containerPorts: [], origin };
}

function node(name: string, internalIp: string): NodeInfo {
  return { name, labels: {}, internalIp, ready: true, origin };
}

function eni(id: string, nodeName: string, ips: string[]): EniInfo {
  return { id, nodeName, kind: 'interface', securityGroups: [], ips: ips.map((ip, i) => ({ ip, primary: i === 0 })), prefixes: [], tags: {}, origin };
}

function cep(namespace: string, name: string, identityId: number, ip: string): CiliumEndpointInfo {
  return { namespace, name, identityId, identityLabels: [], ipv4: [ip], ipv6: [], namedPorts: [], origin };
}

describe('ClusterStore indexes', () => {
  it('finds every owner of an IP: pod, ENI and Cilium endpoint share a pod IP', () => {
    const store = new ClusterStore();
    store.upsert('pod', pod('shop', 'web-1', '100.64.1.10', 'node-a'));
    store.upsert('eni', eni('eni-1', 'node-a', ['100.64.1.5', '100.64.1.10']));
    store.upsert('ciliumEndpoint', cep('shop', 'web-1', 300, '100.64.1.10'));
    store.upsert('node', node('node-a', '10.0.16.5'));

    expect(store.ownersOfIp('100.64.1.10')).toEqual([
      { kind: 'pod', key: 'shop/web-1' },
      { kind: 'eni', key: 'eni-1', role: 'secondary' },
      { kind: 'ciliumEndpoint', key: 'shop/web-1' },
    ]);
    expect(store.ownersOfIp('100.64.1.5')).toEqual([{ kind: 'eni', key: 'eni-1', role: 'primary' }]);
    expect(store.ownersOfIp('10.0.16.5')).toEqual([{ kind: 'node', key: 'node-a', role: 'InternalIP' }]);
    expect(store.ownersOfIp('10.9.9.9')).toEqual([]);
  });

  it('does not index a host-network pod under the node IP', () => {
    const store = new ClusterStore();
    store.upsert('node', node('node-a', '10.0.16.5'));
    store.upsert('pod', pod('kube-system', 'aws-node-x', '10.0.16.5', 'node-a', {}, true));
    expect(store.ownersOfIp('10.0.16.5')).toEqual([{ kind: 'node', key: 'node-a', role: 'InternalIP' }]);
    expect(store.podsOnNode('node-a').map((p) => p.name)).toEqual(['aws-node-x']);
  });

  it('moves a pod between index entries when it changes, leaving nothing stale', () => {
    const store = new ClusterStore();
    store.upsert('pod', pod('shop', 'web-1', '100.64.1.10', 'node-a', { app: 'web', tier: 'front' }));
    store.upsert('pod', pod('shop', 'web-1', '100.64.2.20', 'node-b', { app: 'web2' }));

    expect(store.ownersOfIp('100.64.1.10')).toEqual([]);
    expect(store.ownersOfIp('100.64.2.20')).toEqual([{ kind: 'pod', key: 'shop/web-1' }]);
    expect(store.podsOnNode('node-a')).toEqual([]);
    expect(store.podsOnNode('node-b').map((p) => p.name)).toEqual(['web-1']);
    expect([...store.podKeysWithLabel('app', 'web')]).toEqual([]);
    expect([...store.podKeysWithLabel('tier')]).toEqual([]);
    expect([...store.podKeysWithLabel('app', 'web2')]).toEqual(['shop/web-1']);
    expect(store.count('pod')).toBe(1);
  });

  it('answers "pods with label key" after every change, also once it was asked before', () => {
    const store = new ClusterStore();
    store.upsert('pod', pod('shop', 'web-1', '100.64.1.10', 'node-a', { app: 'web' }));
    expect([...store.podKeysWithLabel('app')]).toEqual(['shop/web-1']);
    store.upsert('pod', pod('shop', 'web-2', '100.64.1.11', 'node-a', { app: 'api' }));
    expect([...store.podKeysWithLabel('app')].sort()).toEqual(['shop/web-1', 'shop/web-2']);
    store.upsert('pod', pod('shop', 'web-1', '100.64.1.10', 'node-a', { tier: 'front' }));
    expect([...store.podKeysWithLabel('app')]).toEqual(['shop/web-2']);
    expect([...store.podKeysWithLabel('tier')]).toEqual(['shop/web-1']);
    store.remove('pod', 'shop/web-2');
    expect([...store.podKeysWithLabel('app')]).toEqual([]);
    expect([...store.podKeysWithLabel('app', 'api')]).toEqual([]);
  });

  it('indexes pods by namespace and label, ENIs by node, endpoints by identity', () => {
    const store = new ClusterStore();
    store.upsert('pod', pod('shop', 'web-1', '100.64.1.10', 'node-a', { app: 'web' }));
    store.upsert('pod', pod('shop', 'web-2', '100.64.1.11', 'node-b', { app: 'web' }));
    store.upsert('pod', pod('data', 'kafka-1', '100.64.1.12', 'node-a', { app: 'kafka' }));
    store.upsert('eni', eni('eni-1', 'node-a', ['100.64.1.5']));
    store.upsert('eni', eni('eni-2', 'node-a', ['100.64.1.6']));
    store.upsert('ciliumEndpoint', cep('shop', 'web-1', 300, '100.64.1.10'));
    store.upsert('ciliumEndpoint', cep('shop', 'web-2', 300, '100.64.1.11'));

    expect(store.podsInNamespace('shop').map((p) => p.name).sort()).toEqual(['web-1', 'web-2']);
    expect([...store.podKeysWithLabel('app', 'web')].sort()).toEqual(['shop/web-1', 'shop/web-2']);
    expect([...store.podKeysWithLabel('app')].length).toBe(3);
    expect(store.enisOnNode('node-a').map((e) => e.id).sort()).toEqual(['eni-1', 'eni-2']);
    expect(store.endpointsWithIdentity(300).map((e) => e.name).sort()).toEqual(['web-1', 'web-2']);
    expect(store.podNamespaces().sort()).toEqual(['data', 'shop']);

    store.remove('eni', 'eni-1');
    expect(store.enisOnNode('node-a').map((e) => e.id)).toEqual(['eni-2']);
    expect(store.ownersOfIp('100.64.1.5')).toEqual([]);
  });

  it('indexes EndpointSlices by their Service and ENIs on no node, following moves and deletes', () => {
    const store = new ClusterStore();
    const slice = (name: string, serviceName: string | undefined) => ({ namespace: 'shop', name, ...(serviceName ? { serviceName } : {}), addressType: 'IPv4', endpoints: [], ports: [], origin });
    store.upsert('endpointSlice', slice('web-abc', 'web'));
    store.upsert('endpointSlice', slice('web-def', 'web'));
    store.upsert('endpointSlice', slice('orphan', undefined));
    expect(store.endpointSlicesOfService('shop', 'web').map((s) => s.name).sort()).toEqual(['web-abc', 'web-def']);
    expect(store.endpointSlicesOfService('other', 'web')).toEqual([]);
    store.upsert('endpointSlice', slice('web-def', 'api'));
    expect(store.endpointSlicesOfService('shop', 'web').map((s) => s.name)).toEqual(['web-abc']);
    expect(store.endpointSlicesOfService('shop', 'api').map((s) => s.name)).toEqual(['web-def']);
    store.remove('endpointSlice', 'shop/web-abc');
    expect(store.endpointSlicesOfService('shop', 'web')).toEqual([]);

    const rds: EniInfo = { ...eni('eni-rds', 'x', ['10.0.40.7']), nodeName: undefined, description: 'RDSNetworkInterface' };
    store.upsert('eni', eni('eni-node', 'node-a', ['10.0.16.5']));
    store.upsert('eni', rds);
    expect(store.enisOffNodes().map((e) => e.id)).toEqual(['eni-rds']);
    // attached to a node now: no longer off the nodes
    store.upsert('eni', { ...rds, nodeName: 'node-a' });
    expect(store.enisOffNodes()).toEqual([]);
    expect(store.enisOnNode('node-a').map((e) => e.id).sort()).toEqual(['eni-node', 'eni-rds']);
    store.upsert('eni', rds);
    store.remove('eni', 'eni-rds');
    expect(store.enisOffNodes()).toEqual([]);
  });

  it('keys cluster-wide and namespaced policies apart', () => {
    const store = new ClusterStore();
    store.upsert('networkPolicy', { kind: 'CiliumClusterwideNetworkPolicy', name: 'deny-imds', origin });
    store.upsert('networkPolicy', { kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'deny-imds', origin });
    store.upsert('networkPolicy', { kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-imds', origin });
    expect(store.count('networkPolicy')).toBe(3);
    expect(store.policiesInNamespace('').map((p) => p.kind)).toEqual(['CiliumClusterwideNetworkPolicy']);
    expect(store.policiesInNamespace('shop').map((p) => p.kind).sort()).toEqual(['CiliumNetworkPolicy', 'NetworkPolicy']);
  });
});

describe('ClusterStore events', () => {
  it('publishes added, modified and deleted with kind and key', () => {
    const store = new ClusterStore();
    const seen: StoreChange[][] = [];
    store.onChange((changes) => seen.push([...changes]));
    store.upsert('pod', pod('shop', 'web-1', '100.64.1.10', 'node-a'));
    store.upsert('pod', pod('shop', 'web-1', '100.64.1.10', 'node-a', { app: 'web' }));
    store.remove('pod', 'shop/web-1');
    expect(store.remove('pod', 'shop/web-1')).toBe(false);
    expect(seen.map((batch) => batch.map(({ kind, key, type }) => ({ kind, key, type })))).toEqual([
      [{ kind: 'pod', key: 'shop/web-1', type: 'added' }],
      [{ kind: 'pod', key: 'shop/web-1', type: 'modified' }],
      [{ kind: 'pod', key: 'shop/web-1', type: 'deleted' }],
    ]);
    // modified and deleted carry the value before the change (what a view showed)
    expect(seen[0]?.[0]?.previous).toBeUndefined();
    expect((seen[1]?.[0]?.previous as PodInfo | undefined)?.labels).toEqual({});
    expect((seen[2]?.[0]?.previous as PodInfo | undefined)?.labels).toEqual({ app: 'web' });
  });

  it('publishes a batch once, after the batch, and keeps going when a listener throws', () => {
    const store = new ClusterStore();
    const seen: StoreChange[][] = [];
    store.onChange(() => {
      throw new Error('listener bug');
    });
    const sub = store.onChange((changes) => seen.push([...changes]));
    store.batch(() => {
      store.upsert('node', node('node-a', '10.0.16.5'));
      store.upsert('node', node('node-b', '10.0.16.6'));
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([[
      { kind: 'node', key: 'node-a', type: 'added' },
      { kind: 'node', key: 'node-b', type: 'added' },
    ]]);
    sub.dispose();
    store.upsert('node', node('node-c', '10.0.16.7'));
    expect(seen.length).toBe(1);
  });
});
