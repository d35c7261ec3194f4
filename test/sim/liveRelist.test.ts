/**
 * A first list cut off part way (its continue token expired) starts over; what the new list no
 * longer has is gone from the store, even when the cut-off list had delivered it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { LIST_PAGE_SIZE } from '../../src/core/sources/kubeInformer';
import { LIVE_RESOURCES, LiveCluster } from '../../src/core/sources/liveCluster';
import { startSimCluster, type SimCluster } from '../../src/sim/startSimCluster';
import { namespace, node, NODES, pod, snapshotOf } from './simFixture';

const TOTAL = LIST_PAGE_SIZE * 3 + 10;

let sim: SimCluster;
let kc: KubeConfig;

beforeAll(async () => {
  const objects = [namespace('web'), ...NODES.map((_, i) => node(i))];
  for (let i = 0; i < TOTAL; i++) objects.push(pod({ ns: 'web', name: `web-${String(i).padStart(4, '0')}`, app: `app-${i % 5}`, ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, node: i % NODES.length }));
  sim = await startSimCluster({ snapshot: snapshotOf(objects), onWarning: () => {} });
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
});

afterAll(async () => {
  await sim?.close();
});

describe('a list cut off part way', () => {
  it('starts over, and a pod deleted after the cut-off list delivered it is not kept', async () => {
    const resources = LIVE_RESOURCES.filter((r) => r.id === 'pods');
    const live = new LiveCluster(kc, { resources, backoffMs: 50, maxBackoffMs: 50 });
    const first = 'web/web-0000';
    let cut = false;
    // once the first page is in the store: delete one of its pods and expire every continue token,
    // so a later page of this list answers 410 and the list starts over
    live.store.onChange((changes) => {
      if (cut || !changes.some((c) => c.key === first)) return;
      cut = true;
      sim.api.delete('pods', 'web', 'web-0000');
      sim.api.compact();
    });
    try {
      await live.synced;
      const lists = sim.requests.filter((r) => r.path === '/api/v1/pods' && r.verb === 'list');
      expect(cut).toBe(true);
      // the first list was cut off (a continue request answered 410) and a second started from the top
      expect(lists.filter((r) => r.query.continue === undefined).length).toBe(2);
      expect(live.states.get('pods')).toMatchObject({ phase: 'synced', items: TOTAL - 1 });
      expect(live.store.get('pod', first)).toBeUndefined();
      expect(live.store.count('pod')).toBe(TOTAL - 1);
      expect(live.store.podsInNamespace('web').length).toBe(TOTAL - 1);
      expect(live.store.podKeysWithLabel('app').size).toBe(TOTAL - 1);
    } finally {
      await live.stop();
    }
  });
});
