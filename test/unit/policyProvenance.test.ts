/**
 * Every verdict names the deciding rules by YAML path, with the file and the rule's own line; the
 * lines below were read off `test/fixtures/policy/provenance.yaml` by hand. The same manifests
 * give different answers with engine kubernetes and engine cilium for a CIDR rule to a managed pod.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { choosePolicyEngine } from '../../src/core/analysis/policy/choosePolicyEngine';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import type { PolicyEngineKind } from '../../src/core/analysis/policy/policyTypes';
import { fileRuleLocator, ruleLocatorForText } from '../../src/core/analysis/policy/ruleLocator';
import { loadSnapshotStore } from '../../src/core/sources/snapshotStore';
import type { ClusterStore } from '../../src/core/store/clusterStore';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'policy', 'provenance.yaml');
const FILE = 'provenance.yaml';

let store: ClusterStore;
let root: string;
const engines: Partial<Record<PolicyEngineKind, PolicyEngine>> = {};

beforeAll(async () => {
  const loaded = await loadSnapshotStore(FIXTURE);
  expect(loaded.problems).toEqual([]);
  store = loaded.store;
  root = loaded.raw.root;
});

afterAll(() => {
  for (const e of Object.values(engines)) e?.dispose();
});

function engine(kind: PolicyEngineKind): PolicyEngine {
  engines[kind] ??= new PolicyEngine(store, { engine: kind, ruleLocator: fileRuleLocator(root) });
  return engines[kind] as PolicyEngine;
}

describe('rule paths and lines in a multi-document file', () => {
  it('an ipBlock peer of the second ingress rule (engine kubernetes)', () => {
    const v = engine('kubernetes').verdict({ from: 'shop/client', to: 'shop/web', port: 8080 });
    expect(v.verdict).toBe('allow');
    expect(v.by).toEqual([{ kind: 'NetworkPolicy', namespace: 'shop', name: 'web-ingress', rule: 'spec.ingress[1].from[1]', file: FILE, line: 57, effect: 'allow' }]);
    // the policy itself: the line of its first key
    expect(v.ingress.selectedBy).toEqual([{ kind: 'NetworkPolicy', namespace: 'shop', name: 'web-ingress', file: FILE, line: 40 }]);
  });

  it('the first ingress rule for an outside address', () => {
    const v = engine('cilium').verdict({ from: { cidr: '203.0.113.5/32' }, to: 'shop/web', port: 8080 });
    expect(v.verdict).toBe('allow');
    expect(v.by.map((r) => [r.rule, r.line])).toEqual([['spec.ingress[0].from[0]', 51]]);
  });

  it('ingressDeny entries of specs[1], fromCIDR and fromCIDRSet', () => {
    const cidr = engine('cilium').verdict({ from: { cidr: '198.51.100.7' }, to: 'shop/web', port: 8080 });
    expect(cidr.verdict).toBe('deny');
    expect(cidr.by).toEqual([{ kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'web-deny', rule: 'specs[1].ingressDeny[0].fromCIDR[0]', file: FILE, line: 78, effect: 'deny' }]);
    const set = engine('cilium').verdict({ from: { cidr: '192.0.2.10' }, to: 'shop/web', port: 8080 });
    expect(set.by.map((r) => [r.rule, r.line])).toEqual([['specs[1].ingressDeny[1].fromCIDRSet[0]', 80]]);
  });

  it('an address in the except range is not denied; the isolating policies are named with their selector lines', () => {
    const v = engine('cilium').verdict({ from: { cidr: '192.0.2.200' }, to: 'shop/web', port: 8080 });
    expect(v.verdict).toBe('deny');
    expect(v.by.map((r) => `${r.kind} ${r.rule}:${r.line} ${r.effect}`)).toEqual([
      'CiliumNetworkPolicy specs[1].endpointSelector:73 isolate',
      'NetworkPolicy spec.podSelector:46 isolate',
    ]);
    expect(v.reason).toBe(
      'ingress to shop/web is isolated by CiliumNetworkPolicy shop/web-deny, NetworkPolicy shop/web-ingress and no rule allows 192.0.2.200 on TCP 8080',
    );
  });

  it('an egress toEndpoints selector of specs[1]', () => {
    const v = engine('cilium').verdict({ from: 'shop/web', to: 'shop/client', port: 9000 });
    expect(v.verdict).toBe('allow');
    expect(v.by.map((r) => [r.rule, r.line])).toEqual([['specs[1].egress[0].toEndpoints[0]', 85]]);
  });

  it('finds objects inside a kind: List by their item line', () => {
    const text = [
      'apiVersion: v1', // 1
      'kind: List', // 2
      'items:', // 3
      '- apiVersion: networking.k8s.io/v1', // 4
      '  kind: NetworkPolicy', // 5
      '  metadata: {name: a, namespace: x}', // 6
      '  spec:', // 7
      '    podSelector: {}', // 8
      '    egress:', // 9
      '    - to:', // 10
      '      - namespaceSelector: {}', // 11
      '      - ipBlock: {cidr: 10.0.0.0/8}', // 12
    ].join('\n');
    const locator = ruleLocatorForText(() => text);
    expect(locator.lineOf({ source: 'snapshot', file: 'list.yaml', line: 4 }, ['spec', 'egress', 0, 'to', 1])).toBe(12);
    expect(locator.lineOf({ source: 'snapshot', file: 'list.yaml', line: 4 }, ['spec', 'podSelector'])).toBe(8);
    expect(locator.lineOf({ source: 'snapshot', file: 'list.yaml', line: 5 }, ['spec'])).toBeUndefined();
  });
});

describe('engine switch', () => {
  it('defaults to cilium when the manifests hold cilium.io objects', () => {
    expect(choosePolicyEngine(store)).toMatchObject({ engine: 'cilium' });
    expect(choosePolicyEngine(store, 'kubernetes')).toEqual({ engine: 'kubernetes', reason: 'engine kubernetes requested' });
  });

  it('a CIDR rule covering a managed pod: kubernetes allows, cilium does not', () => {
    const q = { from: 'shop/client', to: 'shop/web', port: 8080 } as const;
    const k8s = engine('kubernetes').verdict(q);
    const cilium = engine('cilium').verdict(q);
    expect(k8s.verdict).toBe('allow');
    expect(k8s.notes.join(' ')).toMatch(/CiliumNetworkPolicy shop\/web-deny selects shop\/web for ingress but Cilium policies are ignored/);
    expect(cilium.verdict).toBe('deny');
    expect(cilium.from).toMatchObject({ name: 'shop/client', managed: true, identity: 5002 });
    expect(cilium.notes.join(' ')).toMatch(/spec.ingress\[1\].from\[1\] \(ipBlock 100.64.0.0\/16\) covers the IP of pod shop\/client, but Cilium matches ipBlock only against addresses outside the cluster/);
  });
});
