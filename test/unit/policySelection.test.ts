import { describe, expect, it } from 'vitest';
import { podsSelectedByPolicy } from '../../src/core/analysis/policy/podsSelectedByPolicy';
import { ClusterStore } from '../../src/core/store/clusterStore';
import { addObjects, ccnp, cnp, namespace, networkPolicy, pod } from '../fixtures/policy/policyFixture';

function store(): ClusterStore {
  const s = new ClusterStore();
  const objects = [namespace('a', { team: 'red' }), namespace('b', { team: 'blue' })];
  for (let i = 0; i < 50; i++) {
    objects.push(pod('a', `web-${i}`, { labels: { app: 'web', tier: i % 2 === 0 ? 'front' : 'back' }, ip: `10.1.0.${i + 1}` }));
    objects.push(pod('b', `web-${i}`, { labels: { app: 'web' }, ip: `10.2.0.${i + 1}` }));
    objects.push(pod('b', `db-${i}`, { labels: { app: 'db' }, ip: `10.3.0.${i + 1}` }));
  }
  objects.push(pod('a', 'host-agent', { labels: { app: 'web' }, hostNetwork: true, ip: '10.0.0.1' }));
  addObjects(s, objects);
  return s;
}

const info = (o: Record<string, unknown>) => {
  const s = new ClusterStore();
  addObjects(s, [o]);
  const p = [...s.list('networkPolicy')][0];
  if (!p) throw new Error('no policy');
  return p;
};

describe('podsSelectedByPolicy', () => {
  it('uses the label index: only pods with the anchor label are matched in full', () => {
    const s = store();
    const r = podsSelectedByPolicy(s, info(networkPolicy('a', 'front', { podSelector: { matchLabels: { app: 'web', tier: 'front' } } })));
    expect(r.pods.map((p) => p.name).sort()).toHaveLength(25);
    expect(r.pods.every((p) => p.namespace === 'a' && p.labels.tier === 'front')).toBe(true);
    // the anchor (app=web) narrows 150 pods to the 50 web pods of namespace a; the host-network one is skipped
    expect(r.candidates).toBe(50);
  });

  it('a CNP selects in its namespace only; a CCNP across namespaces, by Cilium labels', () => {
    const s = store();
    expect(podsSelectedByPolicy(s, info(cnp('b', 'all', { endpointSelector: {} }))).pods).toHaveLength(100);
    const web = podsSelectedByPolicy(s, info(ccnp('web', { endpointSelector: { matchLabels: { 'k8s:app': 'web' } } })));
    expect(web.pods).toHaveLength(100);
    const blue = podsSelectedByPolicy(s, info(ccnp('blue', { endpointSelector: { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'blue' } } })));
    expect(blue.pods).toHaveLength(100);
    expect(blue.pods.every((p) => p.namespace === 'b')).toBe(true);
  });
});
