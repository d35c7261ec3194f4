/**
 * The minimal input of each bug the fuzzers found, kept as a plain test (fuzzKit.ts explains the
 * fuzzers). Each names the component, the input and what it now does instead.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../../src/core/analysis/policy/policyEngine';
import { PolicyQueryError, type PolicyQuery } from '../../../src/core/analysis/policy/policyTypes';
import { manifestHover } from '../../../src/core/hover/manifestHover';
import { projectRawAws } from '../../../src/core/project/projectEc2';
import { projectIpamdEnis } from '../../../src/core/project/projectIpamd';
import { loadSnapshot } from '../../../src/core/snapshot/loadSnapshot';
import { emptyRawAws } from '../../../src/core/snapshot/rawSnapshot';
import { ClusterStore } from '../../../src/core/store/clusterStore';
import { modelStore, networkPolicy } from '../../fixtures/policy/policyFixture';

const work = mkdtempSync(join(tmpdir(), 'cni-lens-fuzz-regressions-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('fuzz regressions', () => {
  it('ipamd: an address key that is not an IP (10.0.0.256) is skipped with a problem, not kept as a pod IP', () => {
    const body = { ENIs: { 'eni-1': { ID: 'eni-1', DeviceNumber: 0, IsPrimary: true, IPv4Addresses: { '10.0.0.256': { Address: '10.0.0.256', IPAMKey: { containerID: 'c' } }, '10.0.0.7': { Address: '10.0.0.7' } } } } };
    const result = projectIpamdEnis(body, 'node-a', { source: 'ipamd' });
    expect(result.enis[0]?.ips.map((i) => i.ip)).toEqual(['10.0.0.7']);
    expect(result.problems).toEqual(['ipamd /v1/enis of node node-a: address "10.0.0.256" of ENI eni-1 is not an IPv4 or IPv6 address, skipped']);
  });

  it('ipamd: a CIDR whose key and Cidr are not a CIDR is skipped with a problem naming it', () => {
    const body = { ENIs: { 'eni-1': { ID: 'eni-1', AvailableIPv4Cidrs: { '10.0.0.0/33': { IsPrefix: true, IPAddresses: {} } } } } };
    const result = projectIpamdEnis(body, 'node-a', { source: 'ipamd' });
    expect(result.enis[0]?.prefixes).toEqual([]);
    expect(result.problems).toEqual(['ipamd /v1/enis of node node-a: CIDR "10.0.0.0/33" of ENI eni-1 has no usable Cidr ("10.0.0.0/33" is not an IPv4 or IPv6 CIDR), skipped']);
  });

  it('EC2: markup in PrivateIpAddress is dropped with a problem naming the item and the field', () => {
    const aws = { ...emptyRawAws(), networkInterfaces: [{ NetworkInterfaceId: 'eni-1', PrivateIpAddress: '10.0.1.5', PrivateIpAddresses: [{ PrivateIpAddress: '<b>x</b>' }, { PrivateIpAddress: '10.0.1.5', Primary: true }] }], files: ['aws/x.json'] };
    const facts = projectRawAws(aws, { source: 'snapshot' });
    expect(facts.networkInterfaces[0]?.ips).toEqual([{ ip: '10.0.1.5', primary: true }]);
    expect(facts.problems).toEqual(['NetworkInterfaces[0] eni-1: PrivateIpAddresses[0].PrivateIpAddress: "<b>x</b>" is not an IPv4 or IPv6 address, skipped']);
  });

  it('EC2: a subnet whose CidrBlock is not a CIDR is skipped, and the reason is given', () => {
    const aws = { ...emptyRawAws(), subnets: [{ SubnetId: 'subnet-1', CidrBlock: '10.0.0.0/8/8' }], files: ['aws/x.json'] };
    const facts = projectRawAws(aws, { source: 'snapshot' });
    expect(facts.subnets).toEqual([]);
    expect(facts.problems).toEqual([
      'Subnets[0] subnet-1: CidrBlock: "10.0.0.0/8/8" is not an IPv4 or IPv6 CIDR, skipped',
      'Subnets[0] subnet-1: no usable CidrBlock or Ipv6CidrBlock',
      'Subnets[0] subnet-1: cannot be read, skipped',
    ]);
  });

  it('snapshot loader: deeply nested YAML is a problem naming the file, not a stack overflow; other files still load', async () => {
    const dir = join(work, 'deep');
    mkdirSync(join(dir, 'kubernetes'), { recursive: true });
    writeFileSync(join(dir, 'kubernetes', 'deep.yaml'), `${'['.repeat(20_000)}\n`);
    writeFileSync(join(dir, 'kubernetes', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
    const raw = await loadSnapshot(dir);
    expect(raw.kubernetes.map((e) => e.object.metadata.name)).toEqual(['shop']);
    expect(raw.problems).toEqual([{ severity: 'error', file: 'kubernetes/deep.yaml', message: 'YAML cannot be read: nesting too deep to read' }]);
  });

  it('policy engine: a query whose protocol is not a string is a PolicyQueryError, not a TypeError', () => {
    const engine = new PolicyEngine(modelStore([]), { engine: 'kubernetes' });
    try {
      expect(() => engine.verdict({ from: 'x/a', to: 'x/b', port: 80, protocol: 7 } as unknown as PolicyQuery)).toThrow(new PolicyQueryError('protocol 7 is not TCP, UDP or SCTP'));
    } finally {
      engine.dispose();
    }
  });

  it('policy engine: a verdict names the invalid parts of a policy that selects an end (an invalid ipBlock matched nothing silently)', () => {
    const np = networkPolicy('x', 'bad-cidr', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] });
    const engine = new PolicyEngine(modelStore([np]), { engine: 'kubernetes' });
    try {
      const v = engine.verdict({ from: { cidr: '10.0.0.1' }, to: 'x/a', port: 80 });
      expect(v.verdict).toBe('deny');
      expect(v.notes).toContain('NetworkPolicy x/bad-cidr has invalid parts (an invalid peer or selector matches nothing): spec.ingress[0].from[0].ipBlock: "10.0.0.0/33" is not a CIDR');
    } finally {
      engine.dispose();
    }
  });

  it('hover: the lines an unclosed quote swallows get no hover (it described the quoted name from another line)', () => {
    const text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: 'frontend\n  namespace: shop\nspec:\n  clusterIP: 172.20.0.10\n";
    const ctx = { store: new ClusterStore(), sourceLabel: 'test', onError: (e: unknown) => { throw e; } };
    expect(manifestHover(text, text.indexOf('shop') + 1, ctx)).toBeUndefined();
    const onName = manifestHover(text, text.indexOf('frontend') + 2, ctx);
    expect(onName?.range).toEqual({ start: text.indexOf("'frontend"), end: text.indexOf("'frontend") + "'frontend".length });
  });
});
