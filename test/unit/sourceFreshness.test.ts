import { describe, expect, it } from 'vitest';
import type { InformerState } from '../../src/core/sources/kubeInformer';
import { parseRetryAfter } from '../../src/core/sources/kubeRequest';
import { informerSourceStatus, kubernetesSourceStatus, sessionFreshness, sessionPhaseText } from '../../src/core/sources/sourceFreshness';

// local wall-clock times, so that the expected text does not depend on the time zone
const at = (h: number, m: number, s: number): number => new Date(2026, 10, 26, h, m, s).getTime();
const NOW = at(13, 20, 9);

const synced = (items: number): InformerState => ({ phase: 'synced', items, resourceVersion: '42' });
const reconnecting = (over: Partial<Extract<InformerState, { phase: 'reconnecting' }>> = {}): InformerState => ({
  phase: 'reconnecting',
  attempt: 2,
  error: 'watch failed: Internal error occurred: etcd leader changed',
  retryInMs: 4000,
  retryAt: NOW + 4000,
  staleSince: at(13, 20, 5),
  hadData: true,
  ...over,
});

describe('source freshness', () => {
  it('a resource whose watch broke is stale since the break, with the attempt and the next retry', () => {
    expect(informerSourceStatus('kubernetes pods', reconnecting(), NOW)).toEqual({
      name: 'kubernetes pods',
      state: 'stale',
      detail: 'since 13:20:05 (reconnecting, attempt 2, next in 4 s): watch failed: Internal error occurred: etcd leader changed',
    });
    expect(informerSourceStatus('kubernetes pods', reconnecting({ retryInMs: 0, retryAt: NOW, attempt: 1 }), NOW).detail).toBe(
      'since 13:20:05 (reconnecting, attempt 1, retrying now): watch failed: Internal error occurred: etcd leader changed',
    );
    expect(informerSourceStatus('kubernetes pods', reconnecting({ retryAfter: true, retryInMs: 1000, retryAt: NOW + 1000 }), NOW).detail).toContain('next in 1 s (as the server asked)');
  });

  it('a relist after 410 is stale, a first list that fails is an error (nothing to be stale), never ok', () => {
    expect(informerSourceStatus('kubernetes pods', { phase: 'listing', staleSince: at(13, 20, 5) }, NOW)).toMatchObject({ state: 'stale', detail: "since 13:20:05 (relisting: the watch's resourceVersion expired)" });
    expect(informerSourceStatus('kubernetes pods', reconnecting({ hadData: false }), NOW)).toMatchObject({ state: 'error', detail: expect.stringMatching(/^not loaded \(reconnecting, attempt 2/) });
    expect(informerSourceStatus('kubernetes pods', { phase: 'listing' }, NOW).state).toBe('loading');
    expect(informerSourceStatus('kubernetes pods', synced(7), NOW)).toEqual({ name: 'kubernetes pods', state: 'ok', detail: '7 objects, watched' });
  });

  it('the kubernetes row is ok only when every readable resource is watched', () => {
    const all = new Map<string, InformerState>([['nodes', synced(2)], ['pods', synced(7)], ['ciliumnodes', { phase: 'missing', message: 'not installed' }]]);
    expect(kubernetesSourceStatus(all, { now: NOW })[0]).toEqual({ name: 'kubernetes', state: 'ok', detail: '9 objects from 2 resources listed and watched' });
    all.set('pods', reconnecting());
    const rows = kubernetesSourceStatus(all, { now: NOW });
    expect(rows[0]).toEqual({ name: 'kubernetes', state: 'stale', detail: '1 of 3 resources stale since 13:20:05 (reconnecting, attempt 2, next in 4 s); 2 objects from 1 resources watched' });
    expect(rows.map((r) => `${r.name}:${r.state}`)).toEqual(['kubernetes:stale', 'kubernetes pods:stale', 'kubernetes ciliumnodes:missing']);
  });

  it('the session: connected, reconnecting (stale) or unreachable, in the words the status bar uses', () => {
    expect(sessionFreshness([synced(2), synced(7)], NOW)).toEqual({ phase: 'connected' });
    expect(sessionFreshness([synced(2), reconnecting()], NOW)).toEqual({
      phase: 'reconnecting',
      detail: '1 of 2 resources stale since 13:20:05 (reconnecting, attempt 2, next in 4 s): watch failed: Internal error occurred: etcd leader changed',
    });
    expect(sessionFreshness([reconnecting({ hadData: false, error: 'cannot reach the Kubernetes API at https://10.0.0.1: connect ECONNREFUSED' })], NOW)).toEqual({
      phase: 'unreachable',
      detail: 'cannot reach the Kubernetes API at https://10.0.0.1: connect ECONNREFUSED',
    });
    expect(['connected', 'reconnecting', 'unreachable'].map(sessionPhaseText)).toEqual(['connected', 'stale, reconnecting', 'unreachable, retrying']);
  });

  it('Retry-After: seconds or an HTTP date; anything else is ignored', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 13:20:15 GMT', Date.UTC(2026, 10, 26, 13, 20, 9))).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
