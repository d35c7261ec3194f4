/**
 * `cni-lens trace` in process on the demo snapshot (demo/README.md: custom networking, pods in
 * 100.64/16 on eth1/eth2, a NAT gateway per AZ, RDS and MSK ENIs, two unmanaged pods).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cliRun';

const DEMO = resolve(__dirname, '../../demo/snapshot');

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliCaptured(['trace', '--snapshot', DEMO, ...args]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(...args: string[]): Promise<any> {
  const r = await cli(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

describe('cni-lens trace on the demo snapshot', () => {
  it('shop/frontend → shop/cart: the first pods by name share node ip-10-0-35-117, so the packet stays on it (B1)', async () => {
    const r = await cli('--from', 'shop/frontend', '--to', 'shop/cart', '--port', '7070');
    expect(r.code).toBe(0);
    expect(r.out).toContain('shop/frontend-5bbc558bcd-2vxgb (100.64.111.251 on ip-10-0-35-117.us-west-2.compute.internal, Cilium identity 26007)');
    expect(r.out).toContain('note: "shop/frontend" matches 3 pods');
    expect(r.out).toMatch(/\[vpc-cni\] +ip rule 512 "to 100\.64\.95\.78 lookup main"/);
    expect(r.out).toContain('Path: stays on the source node; no SNAT by the VPC CNI.');
    // the policy engine decides: cart's CiliumNetworkPolicy lets frontend in on 7070
    expect(r.out).toContain('Verdict: ALLOW');
    expect(r.out).toContain('ingress rule: CiliumNetworkPolicy shop/cart-ingress spec.ingress[0].fromEndpoints[0] (kubernetes/networkpolicies.yaml:');
  });

  it('frontend on ip-10-0-17-42 → cart on ip-10-0-35-117: eth1 table 2 of the source node, eth2 of the destination (B2, B7)', async () => {
    const t = await json('--from', 'shop/frontend-5bbc558bcd-vkbwc', '--to', 'shop/cart-78d4d6b5d-n4pww', '--port', '7070');
    expect(t.egress).toEqual({ eni: 'eni-05db3299ce12905ee', deviceIndex: 1, routeTable: 2, interface: 'eth1' });
    expect(t.snat).toBeNull();
    expect(t.destination).toMatchObject({ kind: 'pod', name: 'shop/cart-78d4d6b5d-n4pww', ip: '100.64.95.78', node: 'ip-10-0-35-117.us-west-2.compute.internal', eni: 'eni-0d70e2a365ef60bc1' });
    const ingress = t.hops.find((h: { kind: string }) => h.kind === 'eni-ingress');
    expect(ingress).toMatchObject({ eni: 'eni-0d70e2a365ef60bc1', interface: 'eth2' });
  });

  it('shop/cart → svc:payments/api: ClusterIP 172.20.160.44:443 → a backend on 8443, translated by Cilium per packet (B3)', async () => {
    const t = await json('--from', 'shop/cart', '--to', 'svc:payments/api');
    expect(t.service).toMatchObject({
      name: 'payments/api',
      clusterIP: '172.20.160.44',
      port: 443,
      targetPort: 8443,
      backend: 'payments/api-f959c8b7-gqnkl',
      backends: ['payments/api-f959c8b7-gqnkl', 'payments/api-f959c8b7-z9s4b'],
      translatedBy: 'cilium',
    });
    expect(t.destination).toMatchObject({ name: 'payments/api-f959c8b7-gqnkl', ip: '100.64.78.58', port: 8443 });
    const other = await json('--from', 'shop/cart', '--to', 'svc:payments/api', '--backend', 'payments/api-f959c8b7-z9s4b');
    expect(other.destination.ip).toBe('100.64.173.221');
  });

  it('a pod → ip:1.1.1.1: SNAT to its node IP out eth0, then the NAT gateway of its AZ (B4)', async () => {
    // frontend-…-vkbwc runs on ip-10-0-17-42 in us-west-2a: NAT gateway nat-05910d8254bcd8c78 (EIP 44.231.17.88)
    const t = await json('--from', 'shop/frontend-5bbc558bcd-vkbwc', '--to', 'ip:1.1.1.1', '--port', '443');
    expect(t.snat).toEqual({ to: '10.0.17.42', by: 'vpc-cni' });
    expect(t.egress).toEqual({ eni: 'eni-0801c0d8828be2ca4', deviceIndex: 0, routeTable: 'main', interface: 'eth0' });
    expect(t.natGateway).toEqual({ id: 'nat-05910d8254bcd8c78', publicIp: '44.231.17.88' });
    expect(t.hops.map((h: { kind: string }) => h.kind)).toContain('nat-gateway');
    // the same from a us-west-2b node uses that AZ's NAT gateway
    const b = await json('--from', 'shop/frontend-5bbc558bcd-2vxgb', '--to', 'ip:1.1.1.1');
    expect(b.natGateway.id).toBe('nat-027a601d574f92ed8');
    expect(b.snat.to).toBe('10.0.35.117');
  });

  it('a pod → the RDS ENI: no SNAT, out of the pod ENI, the owner named (B5)', async () => {
    const t = await json('--from', 'shop/frontend-5bbc558bcd-vkbwc', '--to', 'ip:10.0.100.45', '--port', '5432');
    expect(t.snat).toBeNull();
    expect(t.egress.eni).toBe('eni-05db3299ce12905ee');
    expect(t.destination).toMatchObject({ kind: 'aws-eni', ip: '10.0.100.45', eni: 'eni-0f2a4a8d0c6069481', owner: 'RDS network interface eni-0f2a4a8d0c6069481' });
    const r = await cli('--from', 'shop/frontend-5bbc558bcd-vkbwc', '--to', 'ip:10.0.100.45', '--port', '5432');
    expect(r.out).toContain('RDS network interface eni-0f2a4a8d0c6069481 10.0.100.45');
    expect(r.out).toContain('shop-prod-rds-orders (sg-022fcb624d26284a9)');
  });

  it('the unmanaged data/legacy-reporter as a source: no Cilium program, kube-proxy translates (A1, B3)', async () => {
    const t = await json('--from', 'data/legacy-reporter', '--to', 'svc:shop/frontend');
    expect(t.source).toMatchObject({ kind: 'pod', name: 'data/legacy-reporter-5c95786d59-pvf2k', ip: '100.64.12.89', managed: false });
    expect(t.service.translatedBy).toBe('kube-proxy');
    expect(t.hops.find((h: { kind: string }) => h.kind === 'cilium-egress')).toMatchObject({ status: 'absent' });
    expect(t.policy.egress).toMatchObject({ verdict: 'allow', by: [], enforced: false });
    const r = await cli('--from', 'data/legacy-reporter', '--to', 'svc:shop/frontend');
    expect(r.out).toContain('why: no CiliumEndpoint data/legacy-reporter-5c95786d59-pvf2k');
  });

  it('--json has every stable field', async () => {
    const t = await json('--from', 'shop/cart', '--to', 'svc:payments/api');
    for (const key of ['verdict', 'source', 'destination', 'service', 'egress', 'snat', 'policy', 'hops']) expect(t).toHaveProperty(key);
    // the demo's denied flow: payments only lets checkout in
    expect(t.verdict).toBe('deny');
    expect(t.policy.ingress.by.map((b: { name: string }) => b.name)).toContain('default-deny-ingress');
    for (const end of [t.source, t.destination]) {
      expect(typeof end.kind).toBe('string');
      expect(typeof end.ip).toBe('string');
    }
    expect(t.source).toMatchObject({ name: 'shop/cart-78d4d6b5d-n4pww', node: 'ip-10-0-35-117.us-west-2.compute.internal', eni: 'eni-0d70e2a365ef60bc1', hostVeth: expect.stringMatching(/^eni[0-9a-f]{11}$/) });
    expect(Object.keys(t.service)).toEqual(expect.arrayContaining(['name', 'clusterIP', 'backend', 'translatedBy']));
    expect(Object.keys(t.egress)).toEqual(expect.arrayContaining(['eni', 'deviceIndex', 'routeTable']));
    for (const dir of ['egress', 'ingress']) {
      expect(t.policy[dir]).toMatchObject({ verdict: expect.stringMatching(/^(allow|deny|unknown)$/), by: expect.any(Array) });
    }
    for (const h of t.hops) {
      expect(h).toMatchObject({ kind: expect.any(String), owner: expect.stringMatching(/^(pod|cilium|vpc-cni|vpc|kubernetes)$/), text: expect.any(String) });
    }
    const local = await json('--from', 'shop/frontend', '--to', 'shop/cart');
    expect(local.egress).toBeNull();
    expect(local.service).toBeNull();
  });

  it('bad arguments exit 2 with a message naming the argument', async () => {
    const unknownPod = await cli('--from', 'shop/nope', '--to', 'shop/cart');
    expect(unknownPod.code).toBe(2);
    expect(unknownPod.err).toContain('--from: pod shop/nope not found');
    const badIp = await cli('--from', 'shop/cart', '--to', 'ip:10.0.0');
    expect(badIp.code).toBe(2);
    expect(badIp.err).toContain('--to: "ip:10.0.0" is not an IPv4 address');
    const unknownSvc = await cli('--from', 'shop/cart', '--to', 'svc:shop/nope');
    expect(unknownSvc.code).toBe(2);
    expect(unknownSvc.err).toContain('--to: Service shop/nope not found');
    const badProto = await cli('--from', 'shop/cart', '--to', 'shop/frontend', '--protocol', 'ICMP');
    expect(badProto.code).toBe(2);
    expect(badProto.err).toContain('--protocol must be TCP, UDP or SCTP');
    const noFrom = await cli('--to', 'shop/frontend');
    expect(noFrom.code).toBe(2);
    expect(noFrom.err).toContain('--from is required');
    const badPort = await cli('--from', 'shop/cart', '--to', 'svc:payments/api', '--port', '8443');
    expect(badPort.code).toBe(2);
    expect(badPort.err).toContain('--port: Service payments/api has no port 8443/TCP');
  });
});

describe('cni-lens trace: observed flows next to the prediction', () => {
  it('the demo drop cart → api:8443: "observed" in --json places the POLICY_DENIED drop on the predicted hop', async () => {
    const t = await json('--from', 'shop/cart-78d4d6b5d-n4pww', '--to', 'payments/api-f959c8b7-z9s4b', '--port', '8443');
    // the existing fields stay as they were
    expect(Object.keys(t)).toEqual(['request', 'verdict', 'verdictReason', 'source', 'destination', 'service', 'egress', 'snat', 'natGateway', 'policy', 'hops', 'notes', 'observed']);
    expect(t.verdict).toBe('deny');
    const hop = t.hops.findIndex((h: { kind: string }) => h.kind === 'cilium-ingress');
    expect(t.observed).toMatchObject({ available: true, from: 'snapshot hubble/*.jsonl', verdict: 'deny', predicted: 'deny', predictedHop: hop, sameHop: true, mismatch: null });
    expect(t.observed.drops).toEqual([expect.objectContaining({ hop, reason: 'POLICY_DENIED', node: 'ip-10-0-57-14.us-west-2.compute.internal', count: 4 })]);
  });

  it('text: an Observed line after the verdict; --no-flows leaves it out', async () => {
    const args = ['--from', 'shop/checkout-5d746469b-c6bd5', '--to', 'payments/api-f959c8b7-z9s4b', '--port', '8443'];
    const r = await cli(...args);
    expect(r.out).toContain('Observed (snapshot hubble/*.jsonl): ALLOW — observed delivery matches the prediction — 3 flows (3 forwarded, 0 dropped)');
    expect(r.out).toContain('  ingress allowed by NetworkPolicy payments/allow-checkout-to-api spec.ingress[0].from[0] (kubernetes/networkpolicies.yaml:15)');
    const quiet = await cli(...args, '--no-flows');
    expect(quiet.out).not.toContain('Observed');
    expect(quiet.out).toContain('Verdict: ALLOW');
  });
});
