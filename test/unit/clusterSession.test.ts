import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterSession, type SessionState } from '../../src/core/sources/clusterSession';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('ClusterSession on a snapshot', () => {
  it('fills its own store (the one views listen to) with one batch, then says it is connected', async () => {
    const session = new ClusterSession({ kind: 'snapshot', path: resolve(__dirname, '../../demo/snapshot') }, log);
    const batches: number[] = [];
    const states: SessionState[] = [];
    session.store.onChange((changes) => batches.push(changes.length));
    session.onState((s) => states.push(s));
    await session.start();
    expect(session.label).toBe('snapshot');
    expect(session.store.count('pod')).toBe(40);
    expect(session.store.count('eni')).toBe(33);
    expect(session.sources.map((s) => `${s.name}:${s.state}`)).toEqual(['kubernetes:ok', 'ec2:ok', 'ipamd:ok', 'hubble:ok']);
    // the Kubernetes objects arrive as one batch, the AWS facts as another
    expect(batches.length).toBe(2);
    expect(states.at(-1)).toEqual({ phase: 'connected', detail: 'offline snapshot' });
  });

  it('reports a snapshot path that does not exist as an error state, not a throw', async () => {
    const session = new ClusterSession({ kind: 'snapshot', path: '/nonexistent/snap' }, log);
    await session.start();
    expect(session.state.phase).toBe('error');
    expect(session.state.detail).toContain('/nonexistent/snap');
  });
});
