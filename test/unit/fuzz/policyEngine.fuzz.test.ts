/**
 * Fuzzes the policy engine with mutated NetworkPolicies, CiliumNetworkPolicies and
 * CiliumClusterwideNetworkPolicies on the 3×3 model cluster: invalid CIDRs, selectors with bad
 * operators and values, huge and reversed port ranges, missing and mistyped fields, deep nesting.
 * Contract: a verdict for every well-formed query (a malformed query is a `PolicyQueryError`
 * naming the end); a policy with invalid parts that selects a pod is named in the verdict's notes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCiliumPolicy } from '../../../src/core/analysis/policy/compileCiliumPolicy';
import { compileNetworkPolicy } from '../../../src/core/analysis/policy/compileNetworkPolicy';
import { PolicyEngine } from '../../../src/core/analysis/policy/policyEngine';
import { PolicyQueryError, type PolicyQuery } from '../../../src/core/analysis/policy/policyTypes';
import type { NetworkPolicyInfo } from '../../../src/core/model';
import { projectKubeObject } from '../../../src/core/project/projectKube';
import { ccnp, cnp, modelStore, MODEL_POD_STRINGS, networkPolicy, yamlObjects, type KubeObject } from '../../fixtures/policy/policyFixture';
import { fuzzIterations, fuzzLoop, hostileValue, mutateField, mutateJson, type Rng } from './fuzzKit';

const DEMO_POLICIES = yamlObjects(readFileSync(join(__dirname, '..', '..', '..', 'demo', 'snapshot', 'kubernetes', 'networkpolicies.yaml'), 'utf8'));

/** Policies on the model's namespaces using every feature the engine reads. */
const SEEDS: readonly KubeObject[] = [
  networkPolicy('x', 'np-full', {
    podSelector: { matchLabels: { pod: 'a' }, matchExpressions: [{ key: 'pod', operator: 'In', values: ['a', 'b'] }] },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      { from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['c'] }] } }], ports: [{ port: 80, endPort: 90, protocol: 'TCP' }, { port: 'serve-81-udp', protocol: 'UDP' }] },
      { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] },
    ],
    egress: [{ to: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'Exists' }] } }] }, { ports: [{ port: 53, protocol: 'UDP' }] }],
  }),
  cnp('y', 'cnp-full', {
    endpointSelector: { matchLabels: { pod: 'b' } },
    ingress: [
      { fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'x' } }], toPorts: [{ ports: [{ port: '80', endPort: 81, protocol: 'ANY' }] }] },
      { fromEntities: ['cluster', 'world'], fromCIDRSet: [{ cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }] },
    ],
    ingressDeny: [{ fromEndpoints: [{ matchExpressions: [{ key: 'pod', operator: 'DoesNotExist' }] }] }],
    egress: [{ toCIDR: ['0.0.0.0/0'], toPorts: [{ ports: [{ port: '443' }], rules: { http: [{ method: 'GET' }] } }] }],
  }),
  cnp('z', 'cnp-specs', undefined, [
    { endpointSelector: {}, ingress: [{}] },
    { endpointSelector: { matchLabels: { pod: 'c' } }, egressDeny: [{ toEntities: ['world'] }], enableDefaultDeny: { ingress: false } },
  ]),
  ccnp('ccnp-full', { endpointSelector: { matchLabels: { pod: 'a' } }, ingress: [{ fromEndpoints: [{}] }], egress: [{ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'z' } }] }] }),
  ...DEMO_POLICIES.map((p) => ({ ...p, metadata: { ...(p.metadata as object), namespace: 'x' } })),
];

const BAD_CIDRS = ['10.0.0.0/33', '300.1.1.1/8', '10.0.0', '', '10.0.0.0/8/8', '::/0', '2600:1f14::/56', 'fe80::1/129', 'any', 5, null, ['10.0.0.0/8']];
const BAD_OPERATORS = ['in', 'Gt', 'Lt', '', 'exists', 5, null, 'NotIn'];
const BAD_PORTS = [0, -1, 65536, 70000, 2 ** 31, 1e308, '80-90', '', 'http', '0x50', null, { port: 80 }, 65535];

function mutatedPolicy(rng: Rng): KubeObject {
  const mutated = mutateJson(rng, rng.pick(SEEDS), rng.int(3));
  // a root replaced by a scalar or a list is not an object the loader would keep: start from an empty one
  const policy = (mutated && typeof mutated === 'object' && !Array.isArray(mutated) ? mutated : {}) as KubeObject;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    switch (rng.int(5)) {
      case 0:
        mutateField(rng, policy, /^(cidr|toCIDR|fromCIDR|except)$/, BAD_CIDRS);
        break;
      case 1:
        mutateField(rng, policy, /^operator$/, BAD_OPERATORS);
        break;
      case 2:
        mutateField(rng, policy, /^(port|endPort)$/, BAD_PORTS);
        break;
      case 3:
        mutateField(rng, policy, /^(values|matchLabels|matchExpressions|podSelector|namespaceSelector|endpointSelector|fromEndpoints|toEndpoints|fromEntities|toEntities|ports|toPorts|ingress|egress|ingressDeny|egressDeny|policyTypes|specs|spec)$/, [hostileValue(rng)]);
        break;
      default:
        mutateField(rng, policy, /.*/, [undefined]);
    }
  }
  // the store keeps only objects with a name; the projection drops the rest
  const meta = (policy.metadata ?? {}) as Record<string, unknown>;
  return { ...policy, apiVersion: typeof policy.apiVersion === 'string' ? policy.apiVersion : 'networking.k8s.io/v1', kind: typeof policy.kind === 'string' ? policy.kind : 'NetworkPolicy', metadata: { ...meta, name: `fuzz-${rng.int(1e6)}` } };
}

function queries(rng: Rng): PolicyQuery[] {
  const out: PolicyQuery[] = [];
  for (let i = 0; i < 6; i++) {
    const end = (): PolicyQuery['from'] => (rng.chance(0.8) ? rng.pick(MODEL_POD_STRINGS) : { cidr: rng.pick(['8.8.8.8', '10.1.2.3/32', '192.168.1.0/24', '0.0.0.0/0']) });
    out.push({ from: end(), to: end(), port: rng.pick([80, 81, 53, 443, 8080]), protocol: rng.pick(['TCP', 'UDP', 'SCTP'] as const) });
  }
  return out;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

function policyInfo(object: KubeObject): NetworkPolicyInfo {
  const meta = object.metadata as { name: string; namespace?: string };
  return { kind: object.kind as NetworkPolicyInfo['kind'], name: meta.name, namespace: meta.namespace ?? 'default', spec: object.spec, ...(Array.isArray(object.specs) ? { specs: object.specs } : {}), origin: { source: 'snapshot' } };
}

describe('fuzz: policy engine', () => {
  it(`decides every query under mutated policies and names each selecting policy's invalid parts (${fuzzIterations(400)} policy sets)`, () => {
    let withProblems = 0;
    let named = 0;
    fuzzLoop('policy', fuzzIterations(400), (rng) => {
      const policies = Array.from({ length: 1 + rng.int(3) }, () => mutatedPolicy(rng));
      // an object the projection does not take as a policy (wrong kind for its apiVersion) is skipped by the loader
      const kept = policies.filter((p) => projectKubeObject(p, { source: 'snapshot' })?.kind === 'networkPolicy');
      const full = modelStore(kept);
      for (const engineKind of ['kubernetes', 'cilium'] as const) {
        const engine = new PolicyEngine(full, { engine: engineKind });
        try {
          for (const q of queries(rng)) {
            const v = engine.verdict(q);
            check(['allow', 'deny', 'unknown'].includes(v.verdict), `verdict ${String(v.verdict)}`);
            for (const r of v.by) check(typeof r.name === 'string' && typeof r.rule === 'string', `rule ref ${JSON.stringify(r)}`);
            const notes = v.notes.join('\n');
            for (const side of [v.egress, v.ingress]) {
              for (const ref of side.selectedBy) {
                const object = kept.find((p) => (p.metadata as { name: string }).name === ref.name && p.kind === ref.kind);
                if (!object) continue;
                const info = policyInfo(object);
                const compiled = info.kind === 'NetworkPolicy' ? compileNetworkPolicy(info) : compileCiliumPolicy(info);
                if (compiled.problems.length === 0) continue;
                withProblems++;
                check(notes.includes(`${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} has invalid parts`), `verdict does not name the invalid parts of ${ref.name}: ${compiled.problems.join('; ')}`);
                named++;
              }
            }
          }
        } finally {
          engine.dispose();
        }
      }
    });
    expect(withProblems).toBeGreaterThan(0);
    expect(named).toBe(withProblems);
  }, 120_000);

  it('answers malformed queries with a PolicyQueryError that names the end, port or protocol', () => {
    const store = modelStore(SEEDS);
    const engine = new PolicyEngine(store, { engine: 'cilium' });
    try {
      const bad: Array<[unknown, RegExp]> = [
        [{ from: 'x/a', to: 'x/nope', port: 80 }, /pod x\/nope not found/],
        [{ from: 'x/a/b', to: 'x/b', port: 80 }, /"x\/a\/b" is not namespace\/pod/],
        [{ from: '', to: 'x/b', port: 80 }, /"" is not namespace\/pod/],
        [{ from: { cidr: '10.0.0.0/33' }, to: 'x/b', port: 80 }, /"10\.0\.0\.0\/33" is not an IPv4 address or CIDR/],
        [{ from: { cidr: 12 }, to: 'x/b', port: 80 }, /an end must be/],
        [{ from: null, to: 'x/b', port: 80 }, /an end must be/],
        [{ from: 'x/a', to: 'x/b', port: 0 }, /port 0 is not 1-65535/],
        [{ from: 'x/a', to: 'x/b', port: 65536 }, /port 65536/],
        [{ from: 'x/a', to: 'x/b', port: 80.5 }, /port 80\.5/],
        [{ from: 'x/a', to: 'x/b', port: '80' }, /port 80 is not 1-65535/],
        [{ from: 'x/a', to: 'x/b', port: 80, protocol: 'ICMP' }, /protocol ICMP is not TCP, UDP or SCTP/],
        [{ from: 'x/a', to: 'x/b', port: 80, protocol: 7 }, /protocol 7 is not TCP, UDP or SCTP/],
      ];
      for (const [query, message] of bad) {
        let error: unknown;
        try {
          engine.verdict(query as PolicyQuery);
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(query)).toBeInstanceOf(PolicyQueryError);
        expect((error as Error).message).toMatch(message);
      }
    } finally {
      engine.dispose();
    }
  });
});
