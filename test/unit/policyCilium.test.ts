/**
 * CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy semantics, as the Cilium policy
 * documentation describes them, on a small aws-cni chaining cluster: namespace defaulting of
 * selectors, entities, CIDR rules against managed pods, deny precedence, enableDefaultDeny,
 * toPorts (ANY, endPort, named ports), L7 and toFQDNs caveats, and pods Cilium does not manage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/core/analysis/policy/policyEngine';
import type { PolicyEngineKind, PolicyQuery, PolicyVerdict } from '../../src/core/analysis/policy/policyTypes';
import { ClusterStore } from '../../src/core/store/clusterStore';
import { addObjects, ccnp, ciliumEndpoint, cnp, namespace, networkPolicy, node, pod, type KubeObject } from '../fixtures/policy/policyFixture';

const POD_IP = {
  frontend: '100.64.1.1',
  cart: '100.64.1.2',
  checkout: '100.64.1.3',
  api: '100.64.2.1',
  legacy: '100.64.2.2',
  coredns: '100.64.3.1',
} as const;
const NODE1 = '10.0.1.10';
const NODE2 = '10.0.2.10';
const APISERVER = '10.0.9.9';
const OUTSIDE = '203.0.113.7';
const SERVICE_IP = '172.20.0.44';

function clusterObjects(): KubeObject[] {
  return [
    namespace('shop'),
    namespace('payments', { team: 'money' }),
    namespace('kube-system'),
    namespace('default'),
    node('node-1', NODE1, { role: 'general' }),
    node('node-2', NODE2, { role: 'compute' }),
    pod('shop', 'frontend', { labels: { app: 'frontend' }, ip: POD_IP.frontend, nodeName: 'node-1', ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('shop', 'cart', { labels: { app: 'cart' }, ip: POD_IP.cart, nodeName: 'node-2', ports: [{ name: 'grpc', containerPort: 7070 }] }),
    pod('shop', 'checkout', { labels: { app: 'checkout' }, ip: POD_IP.checkout, nodeName: 'node-1' }),
    pod('payments', 'api', { labels: { app: 'api' }, ip: POD_IP.api, nodeName: 'node-2', ports: [{ name: 'https', containerPort: 8443 }] }),
    pod('payments', 'legacy', { labels: { app: 'legacy' }, ip: POD_IP.legacy, nodeName: 'node-1' }),
    pod('kube-system', 'coredns', { labels: { 'k8s-app': 'kube-dns' }, ip: POD_IP.coredns, nodeName: 'node-2', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] }),
    pod('kube-system', 'aws-node', { labels: { 'k8s-app': 'aws-node' }, ip: NODE1, nodeName: 'node-1', hostNetwork: true }),
    ciliumEndpoint('shop', 'frontend', POD_IP.frontend, 1001, { app: 'frontend' }),
    ciliumEndpoint('shop', 'cart', POD_IP.cart, 1002, { app: 'cart' }),
    ciliumEndpoint('shop', 'checkout', POD_IP.checkout, 1003, { app: 'checkout' }),
    ciliumEndpoint('payments', 'api', POD_IP.api, 1004, { app: 'api' }),
    // payments/legacy has no CiliumEndpoint: it started before Cilium
    ciliumEndpoint('kube-system', 'coredns', POD_IP.coredns, 102, { 'k8s-app': 'kube-dns' }),
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [APISERVER] }],
      ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'payments' },
      spec: { selector: { app: 'api' }, clusterIP: SERVICE_IP, ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'api-x1', namespace: 'payments', labels: { 'kubernetes.io/service-name': 'api' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [POD_IP.api], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 8443, protocol: 'TCP' }],
    },
  ];
}

const engines: PolicyEngine[] = [];
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

function engineFor(policies: KubeObject[], opts: { engine?: PolicyEngineKind; ciliumConfig?: Record<string, string> } = {}): PolicyEngine {
  const store = new ClusterStore();
  addObjects(store, clusterObjects());
  if (opts.ciliumConfig) addObjects(store, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: opts.ciliumConfig }]);
  addObjects(store, policies);
  const engine = new PolicyEngine(store, { engine: opts.engine ?? 'cilium' });
  engines.push(engine);
  return engine;
}

function verdict(engine: PolicyEngine, from: PolicyQuery['from'], to: PolicyQuery['to'], port: number, protocol: PolicyQuery['protocol'] = 'TCP'): PolicyVerdict {
  return engine.verdict({ from, to, port, protocol });
}

const rules = (v: PolicyVerdict): string[] => v.by.map((r) => `${r.name} ${r.rule} ${r.effect}`);

describe('namespace scoping of selectors', () => {
  it('a CNP limits fromEndpoints to its own namespace unless the selector names one', () => {
    const sameNs = engineFor([cnp('payments', 'api-from-checkout', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'checkout' } }] }] })]);
    expect(verdict(sameNs, 'shop/checkout', 'payments/api', 8443).verdict).toBe('deny');

    const named = engineFor([
      cnp('payments', 'api-from-checkout', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } }] }] }),
    ]);
    const v = verdict(named, 'shop/checkout', 'payments/api', 8443);
    expect(v.verdict).toBe('allow');
    expect(rules(v)).toEqual(['api-from-checkout spec.ingress[0].fromEndpoints[0] allow']);
  });

  it('a CCNP selector without a namespace matches pods of every namespace', () => {
    const e = engineFor([ccnp('api-from-checkout', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'checkout' } }] }] })]);
    expect(verdict(e, 'shop/checkout', 'payments/api', 8443).verdict).toBe('allow');
    expect(verdict(e, 'shop/frontend', 'payments/api', 8443).verdict).toBe('deny');
  });

  it('fromEndpoints: [{}] in a CNP means every endpoint of the CNP namespace', () => {
    const e = engineFor([cnp('shop', 'frontend-from-shop', { endpointSelector: { matchLabels: { app: 'frontend' } }, ingress: [{ fromEndpoints: [{}] }] })]);
    expect(verdict(e, 'shop/checkout', 'shop/frontend', 8080).verdict).toBe('allow');
    expect(verdict(e, 'payments/api', 'shop/frontend', 8080).verdict).toBe('deny');
  });

  it('a CNP endpointSelector never selects pods of another namespace', () => {
    const e = engineFor([cnp('shop', 'deny-all-api', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{}] })]);
    const v = verdict(e, 'shop/checkout', 'payments/api', 8443);
    expect(v.verdict).toBe('allow');
    expect(v.ingress.selectedBy).toEqual([]);
  });

  it('namespace labels are visible as io.cilium.k8s.namespace.labels', () => {
    const e = engineFor([
      ccnp('from-money', { endpointSelector: { matchLabels: { app: 'frontend' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'money' } }] }] }),
    ]);
    // the CEPs above carry only the metadata.name namespace label, so the pod-derived labels are not used: no match
    expect(verdict(e, 'payments/api', 'shop/frontend', 8080).verdict).toBe('deny');
    const e2 = engineFor([
      ccnp('from-payments', { endpointSelector: { matchLabels: { app: 'frontend' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'payments' } }] }] }),
    ]);
    expect(verdict(e2, 'payments/api', 'shop/frontend', 8080).verdict).toBe('allow');
  });
});

describe('entities', () => {
  const frontendFrom = (entities: string[]): KubeObject => cnp('shop', 'frontend-entities', { endpointSelector: { matchLabels: { app: 'frontend' } }, ingress: [{ fromEntities: entities }] });

  it('world is what is outside the cluster, not pods or nodes', () => {
    const e = engineFor([frontendFrom(['world'])]);
    const outside = verdict(e, { cidr: `${OUTSIDE}/32` }, 'shop/frontend', 8080);
    expect(outside.verdict).toBe('allow');
    expect(outside.from.entities).toEqual(['all', 'world', 'world-ipv4']);
    expect(verdict(e, 'shop/checkout', 'shop/frontend', 8080).verdict).toBe('deny');
    expect(verdict(e, { cidr: NODE2 }, 'shop/frontend', 8080).verdict).toBe('deny');
  });

  it('cluster covers pods, nodes and unmanaged pods; all covers everything', () => {
    const e = engineFor([frontendFrom(['cluster'])]);
    expect(verdict(e, 'payments/api', 'shop/frontend', 8080).verdict).toBe('allow');
    expect(verdict(e, { cidr: NODE2 }, 'shop/frontend', 8080).verdict).toBe('allow');
    expect(verdict(e, 'payments/legacy', 'shop/frontend', 8080).verdict).toBe('allow');
    expect(verdict(e, { cidr: OUTSIDE }, 'shop/frontend', 8080).verdict).toBe('deny');
    const all = engineFor([frontendFrom(['all'])]);
    expect(verdict(all, { cidr: OUTSIDE }, 'shop/frontend', 8080).verdict).toBe('allow');
  });

  it('host is the node of the endpoint, remote-node every other node', () => {
    const e = engineFor([frontendFrom(['remote-node'])]);
    const remote = verdict(e, { cidr: NODE2 }, 'shop/frontend', 8080);
    expect(remote.verdict).toBe('allow');
    expect(remote.from.entities).toEqual(['all', 'cluster', 'remote-node']);
    // frontend runs on node-1: its own node is `host`
    const cart = engineFor([cnp('shop', 'cart-from-host', { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{ fromEntities: ['host'] }] })]);
    expect(verdict(cart, { cidr: NODE2 }, 'shop/cart', 7070).verdict).toBe('allow');
    expect(verdict(cart, { cidr: NODE1 }, 'shop/cart', 7070).verdict).toBe('deny');
    expect(verdict(cart, { cidr: NODE1 }, 'shop/cart', 7070).from.entities).toEqual(['all', 'cluster', 'remote-node']);
  });

  it('a host-network pod is its node: host or remote-node, never selected by labels', () => {
    const e = engineFor([cnp('shop', 'cart-from-aws-node', { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s-app': 'aws-node', 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }] }] })]);
    const v = verdict(e, 'kube-system/aws-node', 'shop/cart', 7070);
    expect(v.verdict).toBe('deny');
    expect(v.from).toMatchObject({ kind: 'external', hostNetwork: true, entities: ['all', 'cluster', 'remote-node'] });
    expect(v.egress.reason).toMatch(/host network/);
  });

  it('kube-apiserver is the endpoints of default/kubernetes', () => {
    const e = engineFor([cnp('shop', 'checkout-egress', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [{ toEntities: ['kube-apiserver'] }] })]);
    const api = verdict(e, 'shop/checkout', { cidr: APISERVER }, 443);
    expect(api.verdict).toBe('allow');
    expect(api.to.entities).toContain('kube-apiserver');
    expect(verdict(e, 'shop/checkout', { cidr: OUTSIDE }, 443).verdict).toBe('deny');
  });

  it('unmanaged is a pod without a CiliumEndpoint', () => {
    const e = engineFor([frontendFrom(['unmanaged'])]);
    const v = verdict(e, 'payments/legacy', 'shop/frontend', 8080);
    expect(v.verdict).toBe('allow');
    expect(v.from.entities).toEqual(['all', 'cluster', 'unmanaged']);
    expect(verdict(e, 'payments/api', 'shop/frontend', 8080).verdict).toBe('deny');
  });
});

describe('CIDR rules and managed pods', () => {
  const apiFromVpc = cnp('payments', 'api-from-10', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromCIDRSet: [{ cidr: '100.64.0.0/10', except: ['100.64.3.0/24'] }, { cidr: '10.0.0.0/8' }] }] });

  it('a CIDR rule does not select a pod Cilium manages, even when the pod IP is inside', () => {
    const e = engineFor([apiFromVpc]);
    const v = verdict(e, 'shop/checkout', 'payments/api', 8443);
    expect(v.verdict).toBe('deny');
    expect(v.notes.join(' ')).toMatch(/covers shop\/checkout, but Cilium matches CIDR rules only against addresses outside the cluster/);
  });

  it('a CIDR rule matches addresses outside the cluster, honouring except', () => {
    const e = engineFor([apiFromVpc]);
    expect(verdict(e, { cidr: '10.0.100.45/32' }, 'payments/api', 8443).verdict).toBe('allow');
    expect(verdict(e, { cidr: '100.64.3.200/32' }, 'payments/api', 8443).verdict).toBe('deny');
  });

  it('node addresses match CIDR rules only with policy-cidr-match-mode=nodes', () => {
    expect(verdict(engineFor([apiFromVpc]), { cidr: NODE1 }, 'payments/api', 8443).verdict).toBe('deny');
    expect(verdict(engineFor([apiFromVpc], { ciliumConfig: { 'policy-cidr-match-mode': 'nodes' } }), { cidr: NODE1 }, 'payments/api', 8443).verdict).toBe('allow');
  });

  it('a {cidr} query that is exactly a pod IP is that pod', () => {
    const e = engineFor([apiFromVpc]);
    const v = verdict(e, { cidr: `${POD_IP.checkout}/32` }, 'payments/api', 8443);
    expect(v.from).toMatchObject({ kind: 'pod', name: 'shop/checkout', resolvedFrom: `${POD_IP.checkout}/32 is the IP of pod shop/checkout` });
    expect(v.verdict).toBe('deny');
  });

  it('a NetworkPolicy ipBlock is enforced the same way: outside addresses only', () => {
    const np = networkPolicy('payments', 'api-from-vpc', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ ipBlock: { cidr: '100.64.0.0/10' } }] }] });
    expect(verdict(engineFor([np]), 'shop/checkout', 'payments/api', 8443).verdict).toBe('deny');
    expect(verdict(engineFor([np], { engine: 'kubernetes' }), 'shop/checkout', 'payments/api', 8443).verdict).toBe('allow');
  });
});

describe('deny rules and default deny', () => {
  it('ingressDeny takes precedence over any allow', () => {
    const e = engineFor([
      cnp('payments', 'api', {
        endpointSelector: { matchLabels: { app: 'api' } },
        ingress: [{ fromEntities: ['all'] }],
        ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } }], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] }],
      }),
    ]);
    const denied = verdict(e, 'shop/checkout', 'payments/api', 8443);
    expect(denied.verdict).toBe('deny');
    expect(rules(denied)).toEqual(['api spec.ingressDeny[0].fromEndpoints[0] deny']);
    expect(verdict(e, 'shop/checkout', 'payments/api', 9000).verdict).toBe('allow');
    expect(verdict(e, 'shop/frontend', 'payments/api', 8443).verdict).toBe('allow');
  });

  it('a deny of one policy beats an allow of another kind (CCNP egressDeny over a NetworkPolicy allow)', () => {
    const e = engineFor([
      networkPolicy('shop', 'checkout-egress', { podSelector: { matchLabels: { app: 'checkout' } }, policyTypes: ['Egress'], egress: [{}] }),
      ccnp('deny-imds', { endpointSelector: {}, egressDeny: [{ toCIDR: ['169.254.169.254/32'] }], enableDefaultDeny: { egress: false, ingress: false } }),
    ]);
    const v = verdict(e, 'shop/checkout', { cidr: '169.254.169.254' }, 80);
    expect(v.verdict).toBe('deny');
    expect(v.reason).toMatch(/deny rules take precedence/);
    expect(rules(v)).toEqual(['deny-imds spec.egressDeny[0].toCIDR[0] deny']);
  });

  it('enableDefaultDeny false makes a deny-only policy non-isolating; without it the policy isolates', () => {
    const denyImds = (enableDefaultDeny?: object) =>
      ccnp('deny-imds', { endpointSelector: {}, egressDeny: [{ toCIDRSet: [{ cidr: '169.254.169.254/32' }] }], ...(enableDefaultDeny ? { enableDefaultDeny } : {}) });
    const off = engineFor([denyImds({ egress: false })]);
    const allowed = verdict(off, 'shop/checkout', { cidr: OUTSIDE }, 443);
    expect(allowed.verdict).toBe('allow');
    expect(allowed.egress.enforced).toBe(true);
    expect(allowed.egress.reason).toMatch(/do not isolate/);
    const on = engineFor([denyImds()]);
    const isolated = verdict(on, 'shop/checkout', { cidr: OUTSIDE }, 443);
    expect(isolated.verdict).toBe('deny');
    expect(isolated.by.map((r) => `${r.rule} ${r.effect}`)).toEqual(['spec.endpointSelector isolate']);
  });

  it('an empty rule (ingress: [{}]) allows nothing; a rule with only ports allows every peer on them', () => {
    const empty = engineFor([cnp('shop', 'cart-deny-all', { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{}] })]);
    expect(verdict(empty, 'shop/frontend', 'shop/cart', 7070).verdict).toBe('deny');
    const l4only = engineFor([cnp('shop', 'cart-7070', { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{ toPorts: [{ ports: [{ port: '7070' }] }] }] })]);
    const v = verdict(l4only, { cidr: OUTSIDE }, 'shop/cart', 7070);
    expect(v.verdict).toBe('allow');
    expect(rules(v)).toEqual(['cart-7070 spec.ingress[0] allow']);
    expect(verdict(l4only, 'shop/frontend', 'shop/cart', 7071).verdict).toBe('deny');
  });

  it('enable-policy=always isolates endpoints no policy selects; never enforces nothing', () => {
    expect(verdict(engineFor([], { ciliumConfig: { 'enable-policy': 'always' } }), 'shop/frontend', 'shop/cart', 7070).verdict).toBe('deny');
    const never = engineFor([cnp('shop', 'cart-deny-all', { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{}] })], { ciliumConfig: { 'enable-policy': 'never' } });
    expect(verdict(never, 'shop/frontend', 'shop/cart', 7070).verdict).toBe('allow');
  });

  it('the local node may always reach its pods (allow-localhost), a remote node may not', () => {
    const e = engineFor([cnp('shop', 'frontend-deny-all', { endpointSelector: { matchLabels: { app: 'frontend' } }, ingress: [{}] })]);
    const local = verdict(e, { cidr: NODE1 }, 'shop/frontend', 8080);
    expect(local.verdict).toBe('allow');
    expect(local.ingress.reason).toMatch(/allow-localhost=auto/);
    expect(verdict(e, { cidr: NODE2 }, 'shop/frontend', 8080).verdict).toBe('deny');
    const strict = engineFor([cnp('shop', 'frontend-deny-all', { endpointSelector: { matchLabels: { app: 'frontend' } }, ingress: [{}] })], { ciliumConfig: { 'allow-localhost': 'policy' } });
    expect(verdict(strict, { cidr: NODE1 }, 'shop/frontend', 8080).verdict).toBe('deny');
  });
});

describe('ports', () => {
  const checkoutEgress = (toPorts: object[]) =>
    cnp('shop', 'checkout-egress', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [{ toEntities: ['cluster'], toPorts }] });

  it('protocol ANY (or absent) covers TCP, UDP and SCTP', () => {
    const e = engineFor([checkoutEgress([{ ports: [{ port: '53', protocol: 'ANY' }] }])]);
    expect(verdict(e, 'shop/checkout', 'kube-system/coredns', 53, 'UDP').verdict).toBe('allow');
    expect(verdict(e, 'shop/checkout', 'kube-system/coredns', 53, 'TCP').verdict).toBe('allow');
    expect(verdict(e, 'shop/checkout', 'kube-system/coredns', 80, 'TCP').verdict).toBe('deny');
    const udpOnly = engineFor([checkoutEgress([{ ports: [{ port: 53, protocol: 'UDP' }] }])]);
    expect(verdict(udpOnly, 'shop/checkout', 'kube-system/coredns', 53, 'TCP').verdict).toBe('deny');
  });

  it('endPort makes a range', () => {
    const e = engineFor([checkoutEgress([{ ports: [{ port: '8000', endPort: 8999, protocol: 'TCP' }] }])]);
    expect(verdict(e, 'shop/checkout', 'payments/api', 8443).verdict).toBe('allow');
    expect(verdict(e, 'shop/checkout', 'payments/api', 9000).verdict).toBe('deny');
  });

  it('a named port resolves against the destination endpoint', () => {
    const e = engineFor([checkoutEgress([{ ports: [{ port: 'https', protocol: 'TCP' }] }])]);
    expect(verdict(e, 'shop/checkout', 'payments/api', 8443).verdict).toBe('allow');
    expect(verdict(e, 'shop/checkout', 'shop/cart', 8443).verdict).toBe('deny');
  });
});

describe('what cannot be decided, or only with a caveat', () => {
  it('L7 rules: allowed at L3/L4 with a note on L7 in aws-cni chaining', () => {
    const e = engineFor([
      cnp('payments', 'api-http', {
        endpointSelector: { matchLabels: { app: 'api' } },
        ingress: [{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/v1/.*' }] } }] }],
      }),
    ]);
    const v = verdict(e, 'shop/checkout', 'payments/api', 8443);
    expect(v.verdict).toBe('allow');
    expect(v.notes.join(' ')).toMatch(/L7 rules \(http\).*aws-cni chaining/);
  });

  it('toFQDNs: unknown for an outside address unless another rule decides', () => {
    const fqdn = { toFQDNs: [{ matchName: 'api.example.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] };
    const e = engineFor([cnp('shop', 'checkout-egress', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [fqdn] })]);
    const v = verdict(e, 'shop/checkout', { cidr: OUTSIDE }, 443);
    expect(v.verdict).toBe('unknown');
    expect(v.reason).toMatch(/toFQDNs api.example.com/);
    expect(verdict(e, 'shop/checkout', 'payments/api', 443).verdict).toBe('deny');
    const decided = engineFor([cnp('shop', 'checkout-egress', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [fqdn, { toEntities: ['world'] }] })]);
    expect(verdict(decided, 'shop/checkout', { cidr: OUTSIDE }, 443).verdict).toBe('allow');
  });

  it('toServices resolves a Service with a selector to its backend pods; a missing Service is unknown', () => {
    const e = engineFor([cnp('shop', 'checkout-egress', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [{ toServices: [{ k8sService: { serviceName: 'api', namespace: 'payments' } }] }] })]);
    expect(verdict(e, 'shop/checkout', 'payments/api', 8443).verdict).toBe('allow');
    expect(verdict(e, 'shop/checkout', 'shop/cart', 7070).verdict).toBe('deny');
    const missing = engineFor([cnp('shop', 'checkout-egress', { endpointSelector: { matchLabels: { app: 'checkout' } }, egress: [{ toServices: [{ k8sService: { serviceName: 'nope', namespace: 'payments' } }] }] })]);
    expect(verdict(missing, 'shop/checkout', 'payments/api', 8443).verdict).toBe('unknown');
  });

  it('fromRequires is reported as not supported', () => {
    const e = engineFor([
      cnp('payments', 'api', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEntities: ['cluster'], fromRequires: [{ matchLabels: { env: 'prod' } }] }] }),
    ]);
    const v = verdict(e, 'shop/checkout', 'payments/api', 8443);
    expect(v.verdict).toBe('unknown');
    expect(v.reason).toMatch(/fromRequires\/toRequires.*not supported/);
  });
});

describe('pods Cilium does not manage', () => {
  it('a pod without a CiliumEndpoint is not enforced on its own side', () => {
    const e = engineFor([
      cnp('payments', 'legacy-deny-all', { endpointSelector: { matchLabels: { app: 'legacy' } }, ingress: [{}], egress: [{}] }),
      networkPolicy('payments', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] }),
    ]);
    const v = verdict(e, 'shop/frontend', 'payments/legacy', 8080);
    expect(v.verdict).toBe('allow');
    expect(v.ingress.enforced).toBe(false);
    expect(v.ingress.reason).toMatch(/has no CiliumEndpoint.*not enforced.*NetworkPolicy payments\/deny-all selects it/);
    expect(verdict(e, 'payments/legacy', { cidr: OUTSIDE }, 443).verdict).toBe('allow');
  });

  it('as a peer it carries the identity unmanaged: label selectors do not match it', () => {
    const e = engineFor([cnp('payments', 'api-from-legacy', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'legacy' } }] }] })]);
    const v = verdict(e, 'payments/legacy', 'payments/api', 8443);
    expect(v.verdict).toBe('deny');
    expect(v.notes.join(' ')).toMatch(/payments\/legacy, but the pod has no CiliumEndpoint/);
  });
});

describe('Services and host traffic', () => {
  it('a Service IP is decided for its backends, as policies see them after translation', () => {
    const e = engineFor([cnp('payments', 'api-from-checkout', { endpointSelector: { matchLabels: { app: 'api' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'checkout', 'k8s:io.kubernetes.pod.namespace': 'shop' } }], toPorts: [{ ports: [{ port: '8443' }] }] }] })]);
    const allowed = verdict(e, 'shop/checkout', { cidr: SERVICE_IP }, 443);
    expect(allowed.verdict).toBe('allow');
    expect(allowed.to.name).toBe('payments/api');
    expect(allowed.port).toBe(8443);
    expect(allowed.reason).toMatch(/^Service payments\/api \(443\/TCP\) → payments\/api:8443: /);
    expect(allowed.notes[0]).toMatch(/decided for its 1 ready backend payments\/api:8443/);
    expect(verdict(e, 'shop/frontend', { cidr: SERVICE_IP }, 443).verdict).toBe('deny');
  });

  it('host policies (CCNP nodeSelector) are reported as not evaluated for host traffic', () => {
    const e = engineFor([ccnp('host-fw', { nodeSelector: { matchLabels: { role: 'general' } }, ingress: [{ fromEntities: ['cluster'] }] })]);
    const v = verdict(e, 'kube-system/aws-node', 'shop/cart', 7070);
    expect(v.verdict).toBe('allow');
    expect(v.notes.join(' ')).toMatch(/host policies \(CiliumClusterwideNetworkPolicy with nodeSelector: host-fw\) act on the nodes' own traffic, not on pod traffic/);
    // and they never select pods
    expect(verdict(e, 'shop/frontend', 'shop/cart', 7070).ingress.selectedBy).toEqual([]);
  });
});

describe('rule paths and engines', () => {
  it('names the rule of specs[] by its index', () => {
    const e = engineFor([
      cnp('shop', 'cart', undefined, [
        { endpointSelector: { matchLabels: { app: 'frontend' } }, ingress: [{ fromEntities: ['world'] }] },
        { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'checkout' } }, { matchLabels: { app: 'frontend' } }] }] },
      ]),
    ]);
    const v = verdict(e, 'shop/frontend', 'shop/cart', 7070);
    expect(rules(v)).toEqual(['cart specs[1].ingress[0].fromEndpoints[1] allow']);
    const denied = verdict(e, 'payments/api', 'shop/cart', 7070);
    expect(denied.by.map((r) => r.rule)).toEqual(['specs[1].endpointSelector']);
  });

  it('engine kubernetes ignores Cilium policies and says so', () => {
    const e = engineFor([cnp('shop', 'cart-deny-all', { endpointSelector: { matchLabels: { app: 'cart' } }, ingress: [{}] })], { engine: 'kubernetes' });
    const v = verdict(e, 'shop/frontend', 'shop/cart', 7070);
    expect(v.verdict).toBe('allow');
    expect(v.engine).toBe('kubernetes');
    expect(v.notes.join(' ')).toMatch(/engine kubernetes: CiliumNetworkPolicy shop\/cart-deny-all selects shop\/cart for ingress but Cilium policies are ignored/);
  });

  it('a pod that does not exist is a query error', () => {
    const e = engineFor([]);
    expect(() => verdict(e, 'shop/nope', 'shop/cart', 7070)).toThrow('pod shop/nope not found');
  });
});
