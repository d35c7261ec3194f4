import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimScenario, SimScenarioError } from '../../src/sim/simScenario';
import { startSimClusterFromDir } from '../../src/sim/startSimClusterFromDir';
import { simRequest } from './simHttp';

describe('sim-scenario.yaml', () => {
  it('parses the documented fields', () => {
    const text = [
      'user: "system:serviceaccount:tools:viewer"',
      'forbidden:',
      '  - group: cilium.io',
      '    resource: ciliumendpoints',
      '    verbs: [list, watch]',
      '    namespace: shop',
      'crds:',
      '  omit: [cilium.io]',
      '  installed: [eniconfigs.crd.k8s.amazonaws.com]',
    ].join('\n');
    expect(parseSimScenario(text)).toEqual({
      user: 'system:serviceaccount:tools:viewer',
      forbidden: [{ group: 'cilium.io', resource: 'ciliumendpoints', verbs: ['list', 'watch'], namespace: 'shop' }],
      crds: { omit: ['cilium.io'], installed: ['eniconfigs.crd.k8s.amazonaws.com'] },
    });
    expect(parseSimScenario('')).toEqual({});
  });

  it.each([
    ['forbidden: {group: x}', 'forbidden must be a list'],
    ['forbidden: [{resource: pods}]', 'forbidden[0].group must be'],
    ['forbidden: [{group: "", resource: pods, verbs: list}]', 'forbidden[0].verbs must be a list of strings'],
    ['crds: {omitted: [cilium.io]}', 'crds.omitted must be one of'],
    ['forbiden: []', 'forbiden must be one of'],
  ])('%j is rejected', (text, message) => {
    expect(() => parseSimScenario(text, 'x/sim-scenario.yaml')).toThrow(SimScenarioError);
    expect(() => parseSimScenario(text, 'x/sim-scenario.yaml')).toThrow(message);
  });

  it('is read from a snapshot directory by startSimClusterFromDir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cni-lens-sim-dir-'));
    try {
      await mkdir(join(dir, 'kubernetes'));
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'shop' } };
      const cep = { apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint', metadata: { name: 'a', namespace: 'shop' } };
      await writeFile(join(dir, 'kubernetes', 'objects.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod, cep] }));
      await writeFile(join(dir, 'sim-scenario.yaml'), 'forbidden:\n  - {group: cilium.io, resource: ciliumendpoints, namespace: shop}\n');
      const sim = await startSimClusterFromDir(dir);
      try {
        expect((await simRequest(sim, '/api/v1/namespaces/shop/pods/a')).status).toBe(200);
        const denied = await simRequest(sim, '/apis/cilium.io/v2/namespaces/shop/ciliumendpoints');
        expect(denied.status).toBe(403);
        expect(denied.json<{ message: string }>().message).toBe(
          'ciliumendpoints.cilium.io is forbidden: User "system:serviceaccount:default:cni-lens" cannot list resource "ciliumendpoints" in API group "cilium.io" in the namespace "shop"',
        );
        expect((await simRequest(sim, '/apis/cilium.io/v2/ciliumendpoints')).status).toBe(403);
        expect((await simRequest(sim, '/apis/cilium.io/v2/namespaces/other/ciliumendpoints')).status).toBe(200);
      } finally {
        await sim.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
