import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  paginateDescribeInstances,
  paginateDescribeNatGateways,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchEc2 } from '../../src/core/sources/ec2Source';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import type { RawAws } from '../../src/core/snapshot/rawSnapshot';
import { startSimEc2, type SimEc2 } from '../../src/sim/ec2Server';

const FIXTURE = join(__dirname, '..', 'fixtures', 'ec2', 'rawAws.json');
const DEMO_AWS = join(__dirname, '..', '..', 'demo', 'snapshot', 'aws');
const REGION = 'us-east-1';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const VPC = 'vpc-0a1b2c3d4e5f00001';
const NODE1 = 'i-0a1b2c3d4e5f00001';
const NODE2 = 'i-0a1b2c3d4e5f00002';

type Item = Record<string, unknown>;

function loadFixture(): RawAws {
  const j = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Item[]>;
  return {
    networkInterfaces: j.NetworkInterfaces,
    subnets: j.Subnets,
    routeTables: j.RouteTables,
    natGateways: j.NatGateways,
    instances: j.Instances,
    vpcs: j.Vpcs,
    securityGroups: j.SecurityGroups,
    files: [FIXTURE],
  };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Dates (SDK side) and ISO strings (AWS CLI side) both become `toISOString()`. */
function normalise(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' && ISO.test(v)) return new Date(v).toISOString();
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

const savedEnv = { ...process.env };
let home: string;
let aws: RawAws;
let sim: SimEc2;
let client: EC2Client;

function newClient(accessKeyId = 'AKIDSIMTEST', extra: Partial<ConstructorParameters<typeof EC2Client>[0]> = {}) {
  return new EC2Client({ region: REGION, endpoint: sim.endpoint, credentials: { accessKeyId, secretAccessKey: SECRET }, ...extra });
}

function requestsFor(action: string, from = 0) {
  return sim.requests.slice(from).filter((r) => r.action === action);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'cni-lens-ec2-'));
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, {
    HOME: home,
    USERPROFILE: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDSIMTEST',
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  aws = loadFixture();
  sim = await startSimEc2({
    aws,
    deny: { AKIDNOSG: ['DescribeSecurityGroups'], AKIDDENIED: '*' },
    faults: (req) =>
      req.accessKeyId === 'AKIDTHROTTLED' && req.action === 'DescribeVpcs' ? { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' } : undefined,
  });
  client = newClient();
});

afterAll(async () => {
  client?.destroy();
  await sim?.close();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  rmSync(home, { recursive: true, force: true });
});

describe('simulated EC2 API with the real SDK', () => {
  it('round-trips every item of the seven Describe calls', async () => {
    const enis = (await all(paginateDescribeNetworkInterfaces({ client }, {}))).flatMap((p) => p.NetworkInterfaces ?? []);
    expect(normalise(enis)).toEqual(normalise(aws.networkInterfaces));
    const subnets = (await all(paginateDescribeSubnets({ client }, {}))).flatMap((p) => p.Subnets ?? []);
    expect(normalise(subnets)).toEqual(normalise(aws.subnets));
    const rts = (await all(paginateDescribeRouteTables({ client }, {}))).flatMap((p) => p.RouteTables ?? []);
    expect(normalise(rts)).toEqual(normalise(aws.routeTables));
    const nats = (await all(paginateDescribeNatGateways({ client }, {}))).flatMap((p) => p.NatGateways ?? []);
    expect(normalise(nats)).toEqual(normalise(aws.natGateways));
    const reservations = (await all(paginateDescribeInstances({ client }, {}))).flatMap((p) => p.Reservations ?? []);
    expect(normalise(reservations.flatMap((r) => r.Instances ?? []))).toEqual(normalise(aws.instances));
    expect(reservations.every((r) => /^r-[0-9a-f]{17}$/.test(r.ReservationId ?? '') && r.OwnerId === '111122223333')).toBe(true);
    const vpcs = (await all(paginateDescribeVpcs({ client }, {}))).flatMap((p) => p.Vpcs ?? []);
    expect(normalise(vpcs)).toEqual(normalise(aws.vpcs));
    const sgs = (await all(paginateDescribeSecurityGroups({ client }, {}))).flatMap((p) => p.SecurityGroups ?? []);
    expect(normalise(sgs)).toEqual(normalise(aws.securityGroups));
  });

  it('answers like EC2 on the wire: text/xml, request id header and element, special characters escaped', async () => {
    const res = await fetch(sim.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeNetworkInterfaces&Version=2016-11-15&NetworkInterfaceId.1=eni-0f0f0f0f0f0f00009',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml;charset=UTF-8');
    const id = res.headers.get('x-amzn-requestid');
    const body = await res.text();
    expect(body).toContain(`<requestId>${id}</requestId>`);
    expect(body).toContain('<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">');
    expect(body).toContain('<networkInterfaceSet><item>');
    expect(body).toContain('<description>unrelated &lt;workload&gt; &amp; &quot;quotes&quot; in another VPC</description>');

    const out = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0f0f0f0f0f0f00009'] }));
    expect(out.NetworkInterfaces?.[0].Description).toBe('unrelated <workload> & "quotes" in another VPC');
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('filters by attachment.instance-id, vpc-id, tag, wildcard and ids', async () => {
    const byNode = await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [NODE1] }] }));
    expect(byNode.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0a1b2c3d4e5f00001', 'eni-0a1b2c3d4e5f00002']);

    const twoNodes = await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [NODE1, NODE2] }] }));
    expect(twoNodes.NetworkInterfaces).toHaveLength(3);

    const byVpc = await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }] }));
    expect(byVpc.NetworkInterfaces).toHaveLength(5);
    expect(byVpc.NetworkInterfaces?.every((e) => e.VpcId === VPC)).toBe(true);

    const lbAndNat = await client.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [VPC] },
          { Name: 'interface-type', Values: ['network_load_balancer', 'nat_*'] },
        ],
      }),
    );
    expect(lbAndNat.NetworkInterfaces?.map((e) => e.InterfaceType)).toEqual(['network_load_balancer', 'nat_gateway']);

    const tagged = await client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'tag:cluster.k8s.amazonaws.com/name', Values: ['demo'] }] }));
    expect(tagged.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0a1b2c3d4e5f00002']);

    const byIds = await client.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0a1b2c3d4e5f00003', 'eni-0a1b2c3d4e5f00004'] }));
    expect(byIds.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0a1b2c3d4e5f00003', 'eni-0a1b2c3d4e5f00004']);

    const subnets = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC] }, { Name: 'subnet-id', Values: ['subnet-0a1b2c3d4e5f00002'] }] }));
    expect(subnets.Subnets?.map((s) => s.CidrBlock)).toEqual(['10.0.2.0/24']);

    const rt = await client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: ['subnet-0a1b2c3d4e5f00002'] }] }));
    expect(rt.RouteTables?.map((r) => r.RouteTableId)).toEqual(['rtb-0a1b2c3d4e5f00002']);

    const inst = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [NODE2, 'i-0000000000000dead'] }] }));
    expect(inst.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([NODE2]);

    // Every ID list the product may use.
    const ids = async <T>(pages: AsyncIterable<T>, pick: (p: T) => unknown[] | undefined) => (await all(pages)).flatMap((p) => pick(p) ?? []).length;
    expect(await ids(paginateDescribeSubnets({ client }, { SubnetIds: ['subnet-0a1b2c3d4e5f00001'] }), (p) => p.Subnets)).toBe(1);
    expect(await ids(paginateDescribeRouteTables({ client }, { RouteTableIds: ['rtb-0a1b2c3d4e5f00001', 'rtb-0a1b2c3d4e5f00003'] }), (p) => p.RouteTables)).toBe(2);
    expect(await ids(paginateDescribeNatGateways({ client }, { NatGatewayIds: ['nat-0a1b2c3d4e5f00001'] }), (p) => p.NatGateways)).toBe(1);
    expect(await ids(paginateDescribeVpcs({ client }, { VpcIds: [VPC] }), (p) => p.Vpcs)).toBe(1);
    expect(await ids(paginateDescribeSecurityGroups({ client }, { GroupIds: ['sg-0f0f0f0f0f0f00009'] }), (p) => p.SecurityGroups)).toBe(1);
    const byInstanceId = await client.send(new DescribeInstancesCommand({ InstanceIds: [NODE1] }));
    expect(byInstanceId.Reservations?.[0].Instances?.[0].InstanceId).toBe(NODE1);

    const from = sim.requests.length;
    await expect(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0000000000000dead' does not exist",
    });
    expect(sim.requests.slice(from).map((r) => r.params['InstanceId.1'])).toEqual(['i-0000000000000dead']);
  });

  it('rejects an unknown filter and an unknown action like EC2', async () => {
    const err = await client
      .send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instanceid', Values: [NODE1] }] }))
      .catch((e: unknown) => e as { name: string; message: string; $fault: string; $metadata: { httpStatusCode: number; attempts: number } });
    expect(err).toMatchObject({ name: 'InvalidParameterValue', message: "The filter 'attachment.instanceid' is invalid", $fault: 'client' });
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.$metadata.attempts).toBe(1);

    await expect(client.send(new DescribeInstancesCommand({ InstanceIds: [NODE1], MaxResults: 5 }))).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(client.send(new DescribeSubnetsCommand({ DryRun: true }))).rejects.toMatchObject({ name: 'DryRunOperation', $metadata: { httpStatusCode: 412 } });
    const unknownParam = await fetch(sim.endpoint, { method: 'POST', body: new URLSearchParams({ Action: 'DescribeVpcs', Version: '2016-11-15', 'Filters.1.Name': 'vpc-id' }) });
    expect(unknownParam.status).toBe(400);
    expect(await unknownParam.text()).toContain('<Code>UnknownParameter</Code><Message>The parameter Filters.1.Name is not recognized</Message>');

    const res = await fetch(sim.endpoint, { method: 'POST', body: new URLSearchParams({ Action: 'RunInstances', Version: '2016-11-15' }) });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toMatch(/^<\?xml[^>]*>\n<Response><Errors><Error><Code>InvalidAction<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
  });

  it('pages with MaxResults/NextToken: page size 1 fetches every item, one request per item', async () => {
    const cases: Array<[string, () => Promise<number>, number]> = [
      ['DescribeNetworkInterfaces', async () => (await all(paginateDescribeNetworkInterfaces({ client, pageSize: 1 }, {}))).flatMap((p) => p.NetworkInterfaces ?? []).length, aws.networkInterfaces.length],
      ['DescribeSubnets', async () => (await all(paginateDescribeSubnets({ client, pageSize: 1 }, {}))).flatMap((p) => p.Subnets ?? []).length, aws.subnets.length],
      ['DescribeRouteTables', async () => (await all(paginateDescribeRouteTables({ client, pageSize: 1 }, {}))).flatMap((p) => p.RouteTables ?? []).length, aws.routeTables.length],
      ['DescribeNatGateways', async () => (await all(paginateDescribeNatGateways({ client, pageSize: 1 }, {}))).flatMap((p) => p.NatGateways ?? []).length, aws.natGateways.length],
      [
        'DescribeInstances',
        async () => (await all(paginateDescribeInstances({ client, pageSize: 1 }, {}))).flatMap((p) => (p.Reservations ?? []).flatMap((r) => r.Instances ?? [])).length,
        aws.instances.length,
      ],
      ['DescribeVpcs', async () => (await all(paginateDescribeVpcs({ client, pageSize: 1 }, {}))).flatMap((p) => p.Vpcs ?? []).length, aws.vpcs.length],
      ['DescribeSecurityGroups', async () => (await all(paginateDescribeSecurityGroups({ client, pageSize: 1 }, {}))).flatMap((p) => p.SecurityGroups ?? []).length, aws.securityGroups.length],
    ];
    for (const [action, run, expected] of cases) {
      const from = sim.requests.length;
      expect(await run(), action).toBe(expected);
      const reqs = requestsFor(action, from);
      expect(reqs.length, action).toBe(expected);
      expect(reqs.every((r) => r.params.MaxResults === '1' && r.status === 200)).toBe(true);
      expect(reqs.slice(1).every((r) => typeof r.params.NextToken === 'string')).toBe(true);
    }

    // Filters still apply across pages; a token from another query is refused.
    const from = sim.requests.length;
    const pages = await all(paginateDescribeNetworkInterfaces({ client, pageSize: 2 }, { Filters: [{ Name: 'vpc-id', Values: [VPC] }] }));
    expect(pages.flatMap((p) => p.NetworkInterfaces ?? [])).toHaveLength(5);
    expect(requestsFor('DescribeNetworkInterfaces', from)).toHaveLength(3);
    await expect(client.send(new DescribeSubnetsCommand({ NextToken: pages[0].NextToken, MaxResults: 1 }))).rejects.toMatchObject({ name: 'InvalidPaginationToken' });
  });
});

describe('fetchEc2 against the simulated EC2 API', () => {
  it('returns the cluster data grouped like RawAws, scoped by the nodes and their VPC', async () => {
    const from = sim.requests.length;
    const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint, instanceIds: [NODE1, NODE2] });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.partialErrors).toEqual([]);
    const d = res.data;
    expect(d.vpcIds).toEqual([VPC]);
    expect(d.region).toBe(REGION);
    expect(d.networkInterfaces.map((e) => e.NetworkInterfaceId)).toEqual(aws.networkInterfaces.filter((e) => e.VpcId === VPC).map((e) => e.NetworkInterfaceId));
    expect(d.instances.map((i) => i.InstanceId)).toEqual([NODE1, NODE2]);
    expect(d.subnets).toHaveLength(3);
    expect(d.routeTables).toHaveLength(3);
    expect(d.natGateways).toHaveLength(1);
    expect(d.vpcs.map((v) => v.VpcId)).toEqual([VPC]);
    expect(d.securityGroups.map((g) => g.GroupId)).toEqual(['sg-0a1b2c3d4e5f00001']);
    expect(d.files).toEqual([]);
    // SDK objects: Dates, which normalise to the AWS CLI input.
    expect((d.instances[0].LaunchTime as Date) instanceof Date).toBe(true);
    expect(normalise(d.networkInterfaces[0])).toEqual(normalise(aws.networkInterfaces[0]));

    const reqs = sim.requests.slice(from);
    expect(reqs.map((r) => r.action).sort()).toEqual(
      ['DescribeInstances', 'DescribeNatGateways', 'DescribeNetworkInterfaces', 'DescribeRouteTables', 'DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcs'].sort(),
    );
    const inst = reqs.find((r) => r.action === 'DescribeInstances')!;
    expect(inst.params).toMatchObject({ 'Filter.1.Name': 'instance-id', 'Filter.1.Value.1': NODE1, 'Filter.1.Value.2': NODE2 });
    for (const r of reqs.filter((x) => x.action !== 'DescribeInstances')) {
      expect(r.params['Filter.1.Name'], r.action).toBe('vpc-id');
      expect(r.params['Filter.1.Value.1'], r.action).toBe(VPC);
    }
    expect(reqs.every((r) => r.accessKeyId === 'AKIDSIMTEST')).toBe(true);
  });

  it('pages with pageSize 1 and still gets every item', async () => {
    const from = sim.requests.length;
    const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint, vpcId: VPC, pageSize: 1 });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.networkInterfaces).toHaveLength(5);
    expect(res.data.instances).toHaveLength(2);
    expect(requestsFor('DescribeNetworkInterfaces', from)).toHaveLength(5);
    expect(requestsFor('DescribeInstances', from)).toHaveLength(2);
    expect(requestsFor('DescribeSubnets', from)).toHaveLength(3);
    expect(requestsFor('DescribeInstances', from)[0].params['Filter.1.Name']).toBe('vpc-id');
  });

  it('describes the whole region when neither nodes nor VPC are given', async () => {
    const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.vpcIds).toEqual([]);
    expect(res.data.networkInterfaces).toHaveLength(aws.networkInterfaces.length);
    expect(res.data.vpcs).toHaveLength(aws.vpcs.length);
  });

  it('splits long instance-id lists into filters of 200 values', async () => {
    const many = Array.from({ length: 450 }, (_, i) => `i-${String(i).padStart(17, '0')}`).concat([NODE1]);
    const from = sim.requests.length;
    const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint, instanceIds: many });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.instances.map((i) => i.InstanceId)).toEqual([NODE1]);
    const inst = requestsFor('DescribeInstances', from);
    expect(inst).toHaveLength(3);
    expect(inst.map((r) => Object.keys(r.params).filter((k) => k.startsWith('Filter.1.Value.')).length).sort((a, b) => a - b)).toEqual([51, 200, 200]);
  });

  it('reports a denied call as unauthorized, naming the action, and keeps what worked', async () => {
    const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint, vpcId: VPC, credentials: { accessKeyId: 'AKIDNOSG', secretAccessKey: SECRET } });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.partialErrors).toHaveLength(1);
    expect(res.partialErrors[0]).toMatchObject({ kind: 'unauthorized', action: 'ec2:DescribeSecurityGroups', code: 'UnauthorizedOperation' });
    expect(res.partialErrors[0].message).toContain('ec2:DescribeSecurityGroups');
    expect(res.partialErrors[0].message).not.toContain(SECRET);
    expect(res.data.securityGroups).toEqual([]);
    expect(res.data.networkInterfaces).toHaveLength(5);
    expect(res.data.subnets).toHaveLength(3);
  });

  it('fails as unauthorized when every call is denied', async () => {
    const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint, vpcId: VPC, credentials: { accessKeyId: 'AKIDDENIED', secretAccessKey: SECRET } });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.kind).toBe('unauthorized');
    expect(res.error.message).toContain('ec2:DescribeNetworkInterfaces');
    expect(res.error.message).toContain('ec2:DescribeInstances');
  });

  it('finds the VPC through the nodes ENIs when DescribeInstances is denied', async () => {
    const denySim = await startSimEc2({ aws, deny: { AKIDNOINST: ['DescribeInstances'] } });
    try {
      const res = await fetchEc2({ region: REGION, endpoint: denySim.endpoint, instanceIds: [NODE1], credentials: { accessKeyId: 'AKIDNOINST', secretAccessKey: SECRET } });
      if (!res.ok) throw new Error(res.error.message);
      expect(res.partialErrors.map((e) => e.action)).toEqual(['ec2:DescribeInstances']);
      expect(res.data.vpcIds).toEqual([VPC]);
      expect(res.data.networkInterfaces).toHaveLength(5);
      expect(res.data.routeTables).toHaveLength(3);
      expect(denySim.requests.find((r) => r.action === 'DescribeNetworkInterfaces')?.params['Filter.1.Name']).toBe('attachment.instance-id');
    } finally {
      await denySim.close();
    }
  });

  it('reports throttling per call', async () => {
    const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint, vpcId: VPC, maxAttempts: 1, credentials: { accessKeyId: 'AKIDTHROTTLED', secretAccessKey: SECRET } });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.partialErrors).toEqual([expect.objectContaining({ kind: 'throttled', action: 'ec2:DescribeVpcs', code: 'RequestLimitExceeded' })]);
    expect(res.data.vpcs).toEqual([]);
    expect(res.data.subnets).toHaveLength(3);
  });

  it('gives no-credentials quickly when there are none', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const from = sim.requests.length;
      const t0 = Date.now();
      const res = await fetchEc2({ region: REGION, endpoint: sim.endpoint, vpcId: VPC });
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.error.kind).toBe('no-credentials');
      expect(res.error.message).toContain('cniLens.aws.profile');
      expect(sim.requests.length).toBe(from);

      const withProfile = await fetchEc2({ region: REGION, endpoint: sim.endpoint, vpcId: VPC, profile: 'missing-profile' });
      expect(withProfile.ok).toBe(false);
      if (!withProfile.ok) {
        expect(withProfile.error.kind).toBe('no-credentials');
        expect(withProfile.error.message).toContain("'missing-profile'");
      }
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  it('gives no-region, network and aborted errors', async () => {
    const savedRegion = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const res = await fetchEc2({ region: '', endpoint: sim.endpoint });
      expect(res.ok ? undefined : res.error.kind).toBe('no-region');
    } finally {
      process.env.AWS_REGION = savedRegion;
    }

    const closed = await startSimEc2({ aws });
    const deadEndpoint = closed.endpoint;
    await closed.close();
    const down = await fetchEc2({ region: REGION, endpoint: deadEndpoint, vpcId: VPC, maxAttempts: 1 });
    expect(down.ok).toBe(false);
    if (!down.ok) {
      expect(down.error.kind).toBe('network');
      expect(down.error.message).toContain(deadEndpoint);
    }

    const ac = new AbortController();
    ac.abort();
    const aborted = await fetchEc2({ region: REGION, endpoint: sim.endpoint, vpcId: VPC, signal: ac.signal });
    expect(aborted.ok ? undefined : aborted.error.kind).toBe('aborted');

    const ac2 = new AbortController();
    // Cancelled while the calls are in flight (the sim aborts on the first DescribeSubnets page).
    const abortingSim = await startSimEc2({
      aws,
      faults: (req) => {
        if (req.action === 'DescribeSubnets') ac2.abort();
        return undefined;
      },
    });
    const midway = await fetchEc2({ region: REGION, endpoint: abortingSim.endpoint, vpcId: VPC, pageSize: 1, signal: ac2.signal });
    await abortingSim.close();
    expect(midway.ok ? undefined : midway.error.kind).toBe('aborted');
  });
});

describe.skipIf(!existsSync(DEMO_AWS))('demo snapshot', () => {
  it('round-trips every NetworkInterface of demo/snapshot/aws', async () => {
    const snapshot = await loadSnapshot(join(DEMO_AWS, '..'));
    const enis = snapshot.aws.networkInterfaces;
    expect(enis.length).toBeGreaterThan(0);
    const demoSim = await startSimEc2({ aws: snapshot.aws });
    const c = new EC2Client({ region: REGION, endpoint: demoSim.endpoint, credentials: { accessKeyId: 'AKIDSIMTEST', secretAccessKey: SECRET } });
    try {
      const got = (await all(paginateDescribeNetworkInterfaces({ client: c, pageSize: 1000 }, {}))).flatMap((p) => p.NetworkInterfaces ?? []);
      expect(got).toHaveLength(enis.length);
      expect(normalise(got)).toEqual(normalise(enis));
    } finally {
      c.destroy();
      await demoSim.close();
    }
  });
});
