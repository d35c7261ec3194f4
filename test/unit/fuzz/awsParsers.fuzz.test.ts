/**
 * Fuzzes the ipamd `/v1/enis` projection and the EC2 Describe* projections with mutated real
 * bodies (every ipamd layout, the AWS CLI output of the demo snapshot): wrong types, hostile
 * strings and numbers, deep nesting, deleted and renamed fields, and mutated JSON text. Contract:
 * never throws; what is kept is well-formed (ids, addresses and CIDRs parse); what is dropped is
 * named in a problem.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EniInfo } from '../../../src/core/model';
import { ipFamily, parseAnyCidr } from '../../../src/core/net/ipAddress';
import { projectRawAws } from '../../../src/core/project/projectEc2';
import { projectIpamdEnis, projectIpamdEnvSettings } from '../../../src/core/project/projectIpamd';
import { emptyRawAws, type RawAws } from '../../../src/core/snapshot/rawSnapshot';
import { fuzzIterations, fuzzLoop, mutateField, mutateJson, mutateText, type Rng } from './fuzzKit';

const ROOT = join(__dirname, '..', '..', '..');
const PROJECT_FIXTURES = join(ROOT, 'test', 'fixtures', 'project');
const DEMO_AWS = join(ROOT, 'demo', 'snapshot', 'aws');

const ipamdSeeds: unknown[] = readdirSync(PROJECT_FIXTURES)
  .filter((f) => f.startsWith('ipamd-'))
  .map((f) => JSON.parse(readFileSync(join(PROJECT_FIXTURES, f), 'utf8')) as unknown);

/** Addresses and CIDRs a real body could carry in the wrong place. */
const BAD_ADDRESSES = ['10.0.0.256', '10.0.0', 'not-an-ip', '', '::1', '2600:1f14::5', '10.0.0.1/33', '10.0.0.0/28', 'fe80::/129', '<b>x</b>', 12, null];

/** Throws (naming the value) unless `ok`: cheaper than `expect` in the inner loops of a fuzzer. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

function expectWellFormedEni(eni: EniInfo): void {
  check(typeof eni.id === 'string' && eni.id !== '', `ENI with id ${JSON.stringify(eni.id)}`);
  for (const ip of eni.ips) {
    check(ipFamily(ip.ip) !== undefined, `ENI ${eni.id} keeps address ${JSON.stringify(ip.ip)}`);
    if (ip.prefix !== undefined) check(parseAnyCidr(ip.prefix) !== undefined, `ENI ${eni.id} keeps prefix ${JSON.stringify(ip.prefix)}`);
  }
  for (const prefix of eni.prefixes) check(parseAnyCidr(prefix) !== undefined, `ENI ${eni.id} keeps prefix ${JSON.stringify(prefix)}`);
}

function mutatedIpamdBody(rng: Rng): unknown {
  const seed = rng.pick(ipamdSeeds);
  if (rng.chance(0.15)) {
    // the body as text, damaged, then parsed as the loader would (unparsable text is not a body)
    const text = mutateText(rng, JSON.stringify(seed, null, rng.chance(0.5) ? 2 : 0));
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return seed;
    }
  }
  const body = mutateJson(rng, seed);
  if (rng.chance(0.5)) mutateField(rng, body, /^(Address|IP|Mask|ID|DeviceNumber|RouteTableID|[0-9./]+)$/, BAD_ADDRESSES);
  return body;
}

describe('fuzz: ipamd /v1/enis projection', () => {
  it(`never throws, keeps only well-formed ENIs and addresses, and names the node in every problem (${fuzzIterations(3000)} bodies)`, () => {
    let problems = 0;
    let enis = 0;
    fuzzLoop('ipamd', fuzzIterations(3000), (rng) => {
      const body = mutatedIpamdBody(rng);
      const result = projectIpamdEnis(body, 'ip-10-0-1-1', { source: 'ipamd' }, { now: '2025-03-04T12:00:00Z' });
      for (const p of result.problems) check(typeof p === 'string' && p.startsWith('ipamd /v1/enis of node ip-10-0-1-1: '), `problem ${JSON.stringify(p)}`);
      for (const eni of result.enis) expectWellFormedEni(eni);
      problems += result.problems.length;
      enis += result.enis.length;
      projectIpamdEnvSettings(body);
    });
    // the mutations reach both outcomes
    expect(problems).toBeGreaterThan(0);
    expect(enis).toBeGreaterThan(0);
  });
});

const awsSeed: RawAws = (() => {
  const aws = emptyRawAws();
  const lists: Array<[string, keyof RawAws]> = [
    ['NetworkInterfaces', 'networkInterfaces'],
    ['Subnets', 'subnets'],
    ['RouteTables', 'routeTables'],
    ['NatGateways', 'natGateways'],
    ['Vpcs', 'vpcs'],
    ['SecurityGroups', 'securityGroups'],
  ];
  for (const file of readdirSync(DEMO_AWS)) {
    const body = JSON.parse(readFileSync(join(DEMO_AWS, file), 'utf8')) as Record<string, unknown[]>;
    for (const [key, list] of lists) if (Array.isArray(body[key])) (aws[list] as unknown[]).push(...body[key].slice(0, 4));
    if (Array.isArray(body.Reservations)) for (const r of body.Reservations.slice(0, 2)) aws.instances.push(...((r as { Instances: Record<string, unknown>[] }).Instances ?? []));
    aws.files.push(`aws/${file}`);
  }
  return aws;
})();

describe('fuzz: EC2 Describe* projections', () => {
  it(`never throws, keeps only well-formed items, and names every skipped item (${fuzzIterations(1000)} snapshots)`, () => {
    let skipped = 0;
    fuzzLoop('ec2', fuzzIterations(1000), (rng) => {
      const aws = mutateJson(rng, awsSeed, 1 + rng.int(6)) as RawAws;
      if (rng.chance(0.6)) mutateField(rng, aws, /^(PrivateIpAddress|Ipv6Address|Ipv4Prefix|Ipv6Prefix|CidrBlock|Ipv6CidrBlock|DestinationCidrBlock)$/, BAD_ADDRESSES);
      const facts = projectRawAws(aws, { source: 'snapshot', file: 'aws' });
      for (const p of facts.problems) check(/^(NetworkInterfaces|Subnets|Vpcs|RouteTables|NatGateways|SecurityGroups|Instances)\[\d+\]/.test(p), `problem ${JSON.stringify(p)}`);
      skipped += facts.problems.length;
      for (const eni of facts.networkInterfaces) expectWellFormedEni(eni);
      for (const subnet of facts.subnets) check(parseAnyCidr(subnet.cidr) !== undefined, `subnet ${subnet.id} keeps CIDR ${JSON.stringify(subnet.cidr)}`);
      for (const vpc of facts.vpcs) for (const c of vpc.cidrs) check(parseAnyCidr(c) !== undefined, `VPC ${vpc.id} keeps CIDR ${JSON.stringify(c)}`);
      for (const list of [facts.subnets, facts.vpcs, facts.routeTables, facts.natGateways, facts.securityGroups, facts.instances]) {
        for (const item of list) check(typeof item.id === 'string' && item.id !== '', `item with id ${JSON.stringify(item.id)}`);
      }
    });
    expect(skipped).toBeGreaterThan(0);
  });
});
