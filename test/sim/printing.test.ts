import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../src/sim/humanDuration';
import { evalJsonPath } from '../../src/sim/objectPath';
import { ResourceRegistry } from '../../src/sim/resourceRegistry';
import { toTable } from '../../src/sim/toTable';
import type { KubeObject } from '../../src/sim/simObjectStore';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (kubectl AGE)', () => {
  it.each([
    [45 * S, '45s'],
    [119 * S, '119s'],
    [5 * M + 30 * S, '5m30s'],
    [7 * M, '7m'],
    [60 * M, '60m'],
    [179 * M, '179m'],
    [7 * H + 12 * M, '7h12m'],
    [20 * H, '20h'],
    [2 * D + 13 * H + 5 * M, '2d13h'],
    [5 * D, '5d'],
    [9 * D, '9d'],
    [800 * D, '2y70d'],
    [-500, '0s'],
    [-5 * S, '<invalid>'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('evalJsonPath (CRD printer columns)', () => {
  const obj = { metadata: { labels: { 'io.kubernetes.pod.namespace': 'shop' } }, spec: { addresses: [{ type: 'InternalIP', ip: '10.0.1.10' }, { type: 'CiliumInternalIP', ip: '100.64.9.1' }] } };
  it('follows keys, escaped dots, indexes and filters', () => {
    expect(evalJsonPath(obj, '.metadata.labels.io\\.kubernetes\\.pod\\.namespace')).toBe('shop');
    expect(evalJsonPath(obj, '.spec.addresses[1].ip')).toBe('100.64.9.1');
    expect(evalJsonPath(obj, ".spec.addresses[?(@.type=='CiliumInternalIP')].ip")).toBe('100.64.9.1');
    expect(evalJsonPath(obj, '.spec.missing[0].x')).toBeUndefined();
  });
});

describe('pod printing', () => {
  const pods = new ResourceRegistry().find('v1', 'pods')!;
  const now = Date.parse('2026-01-10T12:00:00Z');
  const base = (status: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', creationTimestamp: '2026-01-10T11:00:00Z' },
    spec: { containers: [{ name: 'a' }, { name: 'b' }], ...spec },
    status,
  });
  const cells = (obj: KubeObject) => toTable(pods, [obj], {}, { includeObject: 'None', now }).rows[0]!.cells;

  it('shows waiting reasons, restarts with their age, and init progress', () => {
    const crash = base({
      phase: 'Running',
      podIP: '100.64.1.2',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
        { name: 'b', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: '2026-01-10T11:55:00Z' } } },
      ],
    });
    expect(cells(crash).slice(0, 6)).toEqual(['p', '1/2', 'CrashLoopBackOff', '4 (5m ago)', '60m', '100.64.1.2']);
    const init = base({ phase: 'Pending', initContainerStatuses: [{ name: 'i0', state: { terminated: { exitCode: 0 } } }, { name: 'i1', state: { running: {} } }] }, { initContainers: [{ name: 'i0' }, { name: 'i1' }] });
    expect(cells(init).slice(1, 3)).toEqual(['0/2', 'Init:1/2']);
    const terminating = { ...base({ phase: 'Running' }), metadata: { name: 'p', deletionTimestamp: '2026-01-10T11:59:00Z' } };
    expect(cells(terminating)[2]).toBe('Terminating');
    expect(cells(base({ phase: 'Pending' })).slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
  });
});
