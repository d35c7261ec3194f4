/**
 * Conformance of the engine's NetworkPolicy semantics against the cases of the Kubernetes network
 * policy e2e suite (kubernetes/kubernetes test/e2e/network/netpol): the 3 namespaces × 3 pods model,
 * ports 80/81 on TCP and UDP, a manifest per case and the expected reachability matrix. The cases
 * are re-expressed here (same facts, own wording); a few extra ones cover what the suite leaves to
 * other tests (endPort, DNS egress, policyTypes defaulting, ipBlock ingress, DoesNotExist).
 *
 * Each case runs with engine `kubernetes`; the cases whose answer does not depend on ipBlock
 * matching pod IPs also run with engine `cilium` (which enforces NetworkPolicy too) and must agree.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { L4Protocol } from '../../src/core/model';
import type { PolicyEngineKind } from '../../src/core/analysis/policy/policyTypes';
import { modelIp, modelStore, networkPolicy, observeReachability, Reachability, type KubeObject, type ModelOptions } from '../fixtures/policy/policyFixture';

interface Check {
  port: number;
  protocol?: L4Protocol;
  expect: (r: Reachability) => Reachability;
}

interface ConformanceCase {
  name: string;
  policies: KubeObject[];
  model?: ModelOptions;
  checks: Check[];
  /** The answer depends on ipBlock matching pod IPs: upstream semantics only (Cilium matches ipBlock against outside addresses). */
  ipBlockOnPods?: boolean;
}

const sel = (matchLabels: Record<string, string>) => ({ matchLabels });
const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
const np = networkPolicy;
const denyIngressX = np('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });

const CASES: ConformanceCase[] = [
  {
    name: 'default-deny-ingress in x blocks all ingress to x, nothing else',
    policies: [np('x', 'deny-ingress', { podSelector: {} })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({}, { namespace: 'x' }, false) }],
  },
  {
    name: 'default-deny-all (ingress and egress) in x',
    policies: [np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({}, { namespace: 'x' }, false).expectPeer({ namespace: 'x' }, {}, false) }],
  },
  {
    name: 'allow ingress to x/a only from x/b (podSelector)',
    policies: [np('x', 'x-a-allows-x-b', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true) }],
  },
  {
    name: 'deny-all in x plus an allow-all-to-x/a policy (podSelector {} and namespaceSelector {})',
    policies: [np('x', 'deny-all', { podSelector: {}, ingress: [] }), np('x', 'allow-all-to-a', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', true).expectAllIngress('x/b', false).expectAllIngress('x/c', false) }],
  },
  {
    name: 'allow ingress to x/a from pods in all namespaces (namespaceSelector {})',
    policies: [np('x', 'allow-from-another-ns', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }] })],
    checks: [{ port: 80, expect: (r) => r }],
  },
  {
    name: 'allow ingress to x/a only from namespace y (namespaceSelector ns=y)',
    policies: [np('x', 'allow-client-a-via-ns-selector', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false) }],
  },
  {
    name: 'podSelector with matchExpressions In [b]',
    policies: [np('x', 'x-a-allows-x-b', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: expr('pod', 'In', ['b']) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true) }],
  },
  {
    name: 'namespaceSelector with matchExpressions In [y]',
    policies: [np('x', 'allow-ns-y-match-selector', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: expr('ns', 'In', ['y']) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false) }],
  },
  {
    name: 'podSelector OR namespaceSelector (two peers): namespaces other than x, or x/b',
    policies: [np('x', 'allow-ns-not-x-or-pod-b', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: expr('ns', 'NotIn', ['x']) }, { podSelector: sel({ pod: 'b' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expect('x/c', 'x/a', false) }],
  },
  {
    name: 'podSelector AND namespaceSelector (one peer): pod b in namespaces other than x',
    policies: [np('x', 'allow-ns-not-x-and-pod-b', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: expr('ns', 'NotIn', ['x']), podSelector: sel({ pod: 'b' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true) }],
  },
  {
    name: 'multiple podSelectors and namespaceSelectors: pods b, c outside x',
    policies: [np('x', 'allow-ns-y-z-pod-b-c', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: expr('ns', 'NotIn', ['x']), podSelector: expr('pod', 'In', ['b', 'c']) }] }] })],
    checks: [
      {
        port: 80,
        expect: (r) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expect('y/a', 'x/a', false).expect('z/a', 'x/a', false),
      },
    ],
  },
  {
    name: 'any of two podSelectors (pod=b or pod=c) in the same namespace',
    policies: [np('x', 'allow-ns-x-pod-b-c', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }, { podSelector: sel({ pod: 'c' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expect('x/c', 'x/a', true) }],
  },
  {
    name: 'only y/a may reach x/a (namespaceSelector ns=y and podSelector pod=a)',
    policies: [np('x', 'allow-ns-y-pod-a', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }), podSelector: sel({ pod: 'a' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('y/a', 'x/a', true) }],
  },
  {
    name: 'ports: namespace y may reach x/a on TCP 81 only',
    policies: [np('x', 'allow-81-from-y', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }) }], ports: [{ port: 81, protocol: 'TCP' }] }] })],
    checks: [
      { port: 81, expect: (r) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false) },
      { port: 80, expect: (r) => r.expectAllIngress('x/a', false) },
    ],
  },
  {
    name: 'stacked policies with overlapping podSelectors add up (81 and 80 from y)',
    policies: [
      np('x', 'allow-81-from-y', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }) }], ports: [{ port: 81, protocol: 'TCP' }] }] }),
      np('x', 'allow-80-from-y', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }) }], ports: [{ port: 80, protocol: 'TCP' }] }] }),
    ],
    checks: [80, 81].map((port) => ({ port, expect: (r: Reachability) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false) })),
  },
  {
    name: 'allow-all (ingress: [{}]) restricts nothing',
    policies: [np('x', 'allow-all', { podSelector: {}, ingress: [{}] })],
    checks: [80, 81].map((port) => ({ port, expect: (r: Reachability) => r })),
  },
  {
    name: 'named port serve-81-tcp allowed into every x pod; 80 blocked',
    policies: [np('x', 'allow-named-81', { podSelector: {}, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    checks: [
      { port: 81, expect: (r) => r },
      { port: 80, expect: (r) => r.expectPeer({}, { namespace: 'x' }, false) },
    ],
  },
  {
    name: 'named port serve-80-tcp from namespace y into x/a; 81 blocked for all',
    policies: [np('x', 'allow-named-80-from-y', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }) }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }] })],
    checks: [
      { port: 80, expect: (r) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false) },
      { port: 81, expect: (r) => r.expectAllIngress('x/a', false) },
    ],
  },
  {
    name: 'egress on named port serve-80-tcp only from x',
    policies: [np('x', 'allow-egress-named-80', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] })],
    checks: [
      { port: 80, expect: (r) => r },
      { port: 81, expect: (r) => r.expectPeer({ namespace: 'x' }, {}, false) },
    ],
  },
  {
    name: 'an emptied ingress list denies all ingress (allow-all mutated to deny-all)',
    policies: [np('x', 'allow-all-mutate-to-deny-all', { podSelector: {}, ingress: [] })],
    checks: [{ port: 81, expect: (r) => r.expectPeer({}, { namespace: 'x' }, false) }],
  },
  {
    name: 'namespace selected by an added label (ns2=updated on y)',
    policies: [np('x', 'allow-from-updated-ns', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns2: 'updated' }) }] }] })],
    model: { namespaceLabels: { y: { ns2: 'updated' } } },
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true) }],
  },
  {
    name: 'pod selected by an added label (x/b pod2=updated)',
    policies: [np('x', 'allow-from-updated-pod', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: sel({ pod: 'b', pod2: 'updated' }) }] }] })],
    model: { podLabels: { 'x/b': { pod2: 'updated' } } },
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true) }],
  },
  {
    name: 'the same policy before the label: nobody matches pod2=updated',
    policies: [np('x', 'allow-from-updated-pod', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: sel({ pod: 'b', pod2: 'updated' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false) }],
  },
  {
    name: 'ingress only from the same namespace (peer podSelector {})',
    policies: [np('x', 'deny-other-namespaces', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({ namespace: 'y' }, { namespace: 'x' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x' }, false) }],
  },
  {
    name: 'pod isolated once it carries the selected label (target=isolated)',
    policies: [np('x', 'deny-ingress-via-label-selector', { podSelector: sel({ target: 'isolated' }), ingress: [] })],
    model: { podLabels: { 'x/a': { target: 'isolated' } } },
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false) }],
  },
  {
    name: 'deny egress from x/a (policyTypes Egress, no rules)',
    policies: [np('x', 'deny-egress-pod-a', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'] })],
    checks: [{ port: 80, expect: (r) => r.expectAllEgress('x/a', false) }],
  },
  {
    name: 'deny egress from every pod of x',
    policies: [np('x', 'deny-egress-ns-x', { podSelector: {}, policyTypes: ['Egress'] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({ namespace: 'x' }, {}, false) }],
  },
  {
    name: 'ingress and egress together: x/a accepts x/b, sends only on port 80',
    policies: [
      np('x', 'allow-client-a-via-pod-selector', {
        podSelector: sel({ pod: 'a' }),
        ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }] }],
        egress: [{ ports: [{ port: 80 }] }],
        policyTypes: ['Egress', 'Ingress'],
      }),
    ],
    checks: [
      { port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true) },
      { port: 81, expect: (r) => r.expectAllIngress('x/a', false).expectAllEgress('x/a', false).expect('x/b', 'x/a', true) },
    ],
  },
  {
    name: 'client-side egress deny wins over a server that allows',
    policies: [
      np('x', 'allow-to-ns-y-pod-a', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: sel({ ns: 'y' }), podSelector: sel({ pod: 'a' }) }] }] }),
      np('y', 'allow-from-xa-on-ya', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'x' }), podSelector: sel({ pod: 'a' }) }] }] }),
      np('y', 'allow-from-xa-on-yb', { podSelector: sel({ pod: 'b' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'x' }), podSelector: sel({ pod: 'a' }) }] }] }),
    ],
    checks: [
      {
        port: 80,
        expect: (r) =>
          r
            .expectPeer({ namespace: 'x', pod: 'a' }, {}, false)
            .expectPeer({}, { namespace: 'y', pod: 'a' }, false)
            .expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y', pod: 'a' }, true)
            .expectPeer({}, { namespace: 'y', pod: 'b' }, false),
      },
    ],
  },
  {
    name: 'egress from x/a only to y/a (namespaceSelector and podSelector)',
    policies: [
      np('x', 'allow-to-ns-y-pod-a', {
        podSelector: sel({ pod: 'a' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: sel({ ns: 'y' }), podSelector: sel({ pod: 'a' }) }] }, { ports: [{ protocol: 'UDP', port: 53 }] }],
      }),
    ],
    checks: [
      { port: 80, expect: (r) => r.expectAllEgress('x/a', false).expect('x/a', 'y/a', true) },
      { port: 53, protocol: 'UDP', expect: (r) => r },
    ],
  },
  {
    name: 'any port on one protocol: TCP allowed into x/a, UDP not',
    policies: [np('x', 'allow-ingress-by-proto', { podSelector: sel({ pod: 'a' }), ingress: [{ ports: [{ protocol: 'TCP' }] }] })],
    checks: [
      { port: 80, protocol: 'TCP', expect: (r) => r },
      { port: 80, protocol: 'UDP', expect: (r) => r.expectAllIngress('x/a', false) },
    ],
  },
  {
    name: 'ingress allow-all policy makes a port-80-only policy moot',
    policies: [np('x', 'allow-ingress-port-80', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }), np('x', 'allow-ingress', { podSelector: {}, ingress: [{}] })],
    checks: [{ port: 81, expect: (r) => r }],
  },
  {
    name: 'ingress port-80-only policy alone blocks 81 into x',
    policies: [np('x', 'allow-ingress-port-80', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] })],
    checks: [
      { port: 81, expect: (r) => r.expectPeer({}, { namespace: 'x' }, false) },
      { port: 80, expect: (r) => r },
    ],
  },
  {
    name: 'egress allow-all policy makes a port-80-only egress policy moot',
    policies: [np('x', 'allow-egress-port-80', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] }), np('x', 'allow-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })],
    checks: [{ port: 81, expect: (r) => r }],
  },
  {
    name: 'egress port-80-only policy alone blocks 81 out of x',
    policies: [np('x', 'allow-egress-port-80', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }] }] })],
    checks: [{ port: 81, expect: (r) => r.expectPeer({ namespace: 'x' }, {}, false) }],
  },
  {
    name: 'no policies: everything allowed (policies deleted)',
    policies: [],
    checks: [{ port: 80, expect: (r) => r }],
  },
  {
    name: 'egress to a /32 ipBlock of y/b only',
    ipBlockOnPods: true,
    policies: [np('x', 'allow-client-a-via-cidr-egress-rule', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${modelIp('y/b')}/32` } }] }, { ports: [{ protocol: 'UDP', port: 53 }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllEgress('x/a', false).expect('x/a', 'y/b', true) }],
  },
  {
    name: 'egress ipBlock with except: a wide block minus x/b',
    ipBlockOnPods: true,
    policies: [np('x', 'allow-client-a-via-cidr-egress-rule', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: [`${modelIp('x/b')}/32`] } }] }] })],
    checks: [{ port: 80, expect: (r) => r.expect('x/a', 'x/b', false) }],
  },
  {
    name: 'an IP in both ipBlock.except and another policy\'s ipBlock is allowed (additive)',
    ipBlockOnPods: true,
    policies: [
      np('x', 'allow-wide-except-b', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: [`${modelIp('x/b')}/32`] } }] }] }),
      np('x', 'allow-b', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${modelIp('x/b')}/32` } }] }] }),
    ],
    checks: [{ port: 80, expect: (r) => r }],
  },
  {
    name: 'only the /32 policy left: x/a may reach only x/b',
    ipBlockOnPods: true,
    policies: [np('x', 'allow-b', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: `${modelIp('x/b')}/32` } }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllEgress('x/a', false).expect('x/a', 'x/b', true) }],
  },
  {
    name: 'ingress and egress controlled independently: allow-all egress and deny ingress on x/a',
    policies: [
      np('x', 'allow-egress-for-target', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{}] }),
      np('x', 'deny-ingress-via-label-selector', { podSelector: sel({ pod: 'a' }), ingress: [] }),
    ],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false) }],
  },
  {
    name: 'an SCTP-only allow does not open TCP (default deny in x)',
    policies: [denyIngressX, np('x', 'allow-only-sctp-ingress-on-port-81', { podSelector: sel({ pod: 'a' }), ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] })],
    checks: [
      { port: 81, expect: (r) => r.expectPeer({}, { namespace: 'x' }, false) },
      { port: 81, protocol: 'SCTP', expect: (r) => r.expectPeer({}, { namespace: 'x' }, false).expectAllIngress('x/a', true) },
    ],
  },
  {
    name: 'a policy allowing only SCTP still isolates the pod for TCP',
    policies: [np('x', 'allow-only-sctp-ingress-on-port-80', { podSelector: sel({ pod: 'a' }), ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] })],
    checks: [{ port: 81, expect: (r) => r.expectAllIngress('x/a', false) }],
  },
  {
    name: 'a UDP-only allow does not allow TCP',
    policies: [np('x', 'allow-only-udp-ingress-on-port-81', { podSelector: sel({ pod: 'a' }), ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] })],
    checks: [
      { port: 81, expect: (r) => r.expectAllIngress('x/a', false) },
      { port: 81, protocol: 'UDP', expect: (r) => r },
    ],
  },
  {
    name: 'namespaceSelector on the automatic kubernetes.io/metadata.name label',
    policies: [np('x', 'allow-via-immutable-ns-label', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'y' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false) }],
  },
  {
    name: 'egress NotIn the automatic namespace label: x/a may not reach y',
    policies: [np('x', 'allow-not-y', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: expr('kubernetes.io/metadata.name', 'NotIn', ['y']) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y' }, false) }],
  },
  {
    name: 'UDP: default-deny-ingress in x',
    policies: [np('x', 'deny-all', { podSelector: {}, ingress: [] })],
    checks: [{ port: 80, protocol: 'UDP', expect: (r) => r.expectPeer({}, { namespace: 'x' }, false) }],
  },
  {
    name: 'UDP: namespace y may reach x/a on UDP 81 only',
    policies: [np('x', 'allow-ingress-on-port-81-ns-x', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }) }], ports: [{ port: 81, protocol: 'UDP' }] }] })],
    checks: [
      { port: 81, protocol: 'UDP', expect: (r) => r.expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false) },
      { port: 81, protocol: 'TCP', expect: (r) => r.expectAllIngress('x/a', false) },
    ],
  },
  {
    name: 'SCTP: only y/a may reach x/a on SCTP 80',
    policies: [np('x', 'allow-ns-y-pod-a-sctp', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }), podSelector: sel({ pod: 'a' }) }], ports: [{ port: 80, protocol: 'SCTP' }] }] })],
    checks: [{ port: 80, protocol: 'SCTP', expect: (r) => r.expectAllIngress('x/a', false).expect('y/a', 'x/a', true) }],
  },
  {
    name: 'endPort: a TCP range 80-81 covers both ports',
    policies: [np('x', 'allow-range-80-81', { podSelector: sel({ pod: 'a' }), ingress: [{ ports: [{ port: 80, endPort: 81, protocol: 'TCP' }] }] })],
    checks: [
      { port: 80, expect: (r) => r },
      { port: 81, expect: (r) => r },
      { port: 80, protocol: 'UDP', expect: (r) => r.expectAllIngress('x/a', false) },
    ],
  },
  {
    name: 'endPort: a range 81-90 from namespace y excludes 80',
    policies: [np('x', 'allow-range-81-90', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ namespaceSelector: sel({ ns: 'y' }) }], ports: [{ port: 81, endPort: 90 }] }] })],
    checks: [
      { port: 80, expect: (r) => r.expectAllIngress('x/a', false) },
      { port: 81, expect: (r) => r.expectAllIngress('x/a', false).expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true) },
    ],
  },
  {
    name: 'egress deny-all except DNS: x may only send to port 53',
    policies: [np('x', 'deny-egress-but-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }] })],
    checks: [
      { port: 80, expect: (r) => r.expectPeer({ namespace: 'x' }, {}, false) },
      { port: 53, protocol: 'UDP', expect: (r) => r },
      { port: 53, protocol: 'TCP', expect: (r) => r },
    ],
  },
  {
    name: 'policyTypes [Egress] ignores the ingress rules of the same policy',
    policies: [np('x', 'egress-only', { podSelector: sel({ pod: 'a' }), policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }] }], egress: [{}] })],
    checks: [{ port: 80, expect: (r) => r }],
  },
  {
    name: 'policyTypes defaulted from egress rules: both directions isolated',
    policies: [np('x', 'both', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }] }], egress: [{ to: [{ namespaceSelector: sel({ ns: 'y' }) }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expectAllEgress('x/a', false).expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y' }, true) }],
  },
  {
    name: 'policyTypes defaulted with an empty egress list: only ingress isolated',
    policies: [np('x', 'ingress-only-by-default', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: sel({ pod: 'b' }) }] }], egress: [] })],
    checks: [{ port: 80, expect: (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true) }],
  },
  {
    name: 'a rule with ports and no from allows every source on those ports',
    policies: [np('x', 'port-80-from-anyone', { podSelector: sel({ pod: 'a' }), ingress: [{ ports: [{ port: 80 }] }] })],
    checks: [
      { port: 80, expect: (r) => r },
      { port: 81, expect: (r) => r.expectAllIngress('x/a', false) },
    ],
  },
  {
    name: 'ipBlock ingress: everything except the addresses of namespace y',
    ipBlockOnPods: true,
    policies: [np('x', 'allow-but-y-range', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.10.2.0/24'] } }] }] })],
    checks: [{ port: 80, expect: (r) => r.expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, false) }],
  },
  {
    name: 'matchExpressions Exists and DoesNotExist',
    policies: [
      np('x', 'from-labelled', { podSelector: sel({ pod: 'a' }), ingress: [{ from: [{ podSelector: expr('tier', 'Exists'), namespaceSelector: {} }] }] }),
      np('x', 'from-unlabelled-to-b', { podSelector: sel({ pod: 'b' }), ingress: [{ from: [{ podSelector: expr('tier', 'DoesNotExist') }] }] }),
    ],
    model: { podLabels: { 'y/c': { tier: 'web' }, 'x/c': { tier: 'web' } } },
    checks: [
      {
        port: 80,
        expect: (r) =>
          r
            .expectAllIngress('x/a', false)
            .expect('y/c', 'x/a', true)
            .expect('x/c', 'x/a', true)
            .expectAllIngress('x/b', false)
            .expect('x/a', 'x/b', true),
      },
    ],
  },
];

const results: Array<{ engine: PolicyEngineKind; name: string; passed: boolean }> = [];

function runCase(engine: PolicyEngineKind, c: ConformanceCase): void {
  const store = modelStore(c.policies, c.model);
  const failures: string[] = [];
  for (const check of c.checks) {
    const protocol = check.protocol ?? 'TCP';
    const expected = check.expect(new Reachability(true));
    const observed = observeReachability(store, engine, check.port, protocol);
    const diff = expected.diff(observed);
    if (diff.length > 0) failures.push(`${protocol} ${check.port}:\n  ${diff.join('\n  ')}\nexpected:\n${expected.format()}\nobserved:\n${observed.format()}`);
  }
  results.push({ engine, name: c.name, passed: failures.length === 0 });
  expect(failures, failures.join('\n')).toEqual([]);
}

describe('NetworkPolicy conformance (Kubernetes e2e model), engine kubernetes', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
  for (const c of CASES) it(c.name, () => runCase('kubernetes', c));
});

describe('NetworkPolicy conformance, engine cilium (every model pod managed)', () => {
  for (const c of CASES.filter((x) => !x.ipBlockOnPods)) it(c.name, () => runCase('cilium', c));

  it('ipBlock does not select pods under Cilium: the /32 egress case denies x/a -> y/b too', () => {
    const c = CASES.find((x) => x.name === 'egress to a /32 ipBlock of y/b only');
    if (!c) throw new Error('case missing');
    const observed = observeReachability(modelStore(c.policies), 'cilium', 80, 'TCP');
    expect(new Reachability(true).expectAllEgress('x/a', false).diff(observed)).toEqual([]);
  });
});

afterAll(() => {
  for (const engine of ['kubernetes', 'cilium'] as const) {
    const mine = results.filter((r) => r.engine === engine);
    if (mine.length === 0) continue;
    const passed = mine.filter((r) => r.passed).length;
    console.log(`NetworkPolicy conformance, engine ${engine}: ${passed}/${mine.length} cases passed`);
  }
});
