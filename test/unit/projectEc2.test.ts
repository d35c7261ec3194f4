import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Provenance } from '../../src/core/model';
import {
  projectInstance,
  projectNatGateway,
  projectNetworkInterface,
  projectRawAws,
  projectRouteTable,
  projectSecurityGroup,
  projectSubnet,
  projectVpc,
} from '../../src/core/project/projectEc2';
import { emptyRawAws } from '../../src/core/snapshot/rawSnapshot';

const fixture = (name: string): Record<string, unknown[]> =>
  JSON.parse(readFileSync(join(__dirname, '../fixtures/project', name), 'utf8')) as Record<string, unknown[]>;
const origin: Provenance = { source: 'ec2' };

/** What the AWS SDK v3 returns for the same item: timestamp members (`AttachTime`, `LaunchTime`…) as `Date` objects. */
function withDates<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withDates) as unknown as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, /Time$/.test(k) && typeof v === 'string' ? new Date(v) : withDates(v)]),
    ) as T;
  }
  return value;
}

const subnetItem = {
  AvailabilityZone: 'eu-west-1a',
  AvailabilityZoneId: 'euw1-az1',
  AvailableIpAddressCount: 4021,
  CidrBlock: '10.0.32.0/20',
  DefaultForAz: false,
  MapPublicIpOnLaunch: false,
  State: 'available',
  SubnetId: 'subnet-0node00000000',
  VpcId: 'vpc-0abc0000000000000',
  Tags: [
    { Key: 'Name', Value: 'demo-private-eu-west-1a' },
    { Key: 'kubernetes.io/role/internal-elb', Value: '1' },
  ],
};
const vpcItem = {
  CidrBlock: '10.0.0.0/16',
  VpcId: 'vpc-0abc0000000000000',
  State: 'available',
  CidrBlockAssociationSet: [
    { AssociationId: 'vpc-cidr-assoc-1', CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
    { AssociationId: 'vpc-cidr-assoc-2', CidrBlock: '100.64.0.0/16', CidrBlockState: { State: 'associated' } },
    { AssociationId: 'vpc-cidr-assoc-3', CidrBlock: '100.65.0.0/16', CidrBlockState: { State: 'disassociated' } },
  ],
};
const natItem = {
  CreateTime: '2026-01-10T12:00:00+00:00',
  NatGatewayAddresses: [{ AllocationId: 'eipalloc-0a', NetworkInterfaceId: 'eni-0nat', PrivateIp: '10.0.0.12', PublicIp: '203.0.113.10', IsPrimary: true, Status: 'succeeded' }],
  NatGatewayId: 'nat-0abc000000000000',
  State: 'available',
  SubnetId: 'subnet-0public0000000',
  VpcId: 'vpc-0abc0000000000000',
  ConnectivityType: 'public',
};
const sgItem = {
  Description: 'EKS created security group',
  GroupName: 'eks-cluster-sg-demo-123456',
  IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-0123456789abcdef0' }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] }],
  OwnerId: '111122223333',
  GroupId: 'sg-0123456789abcdef0',
  IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  VpcId: 'vpc-0abc0000000000000',
};
const instanceItem = {
  InstanceId: 'i-0123456789abcdef0',
  InstanceType: 'm5.large',
  LaunchTime: '2026-04-30T08:12:00+00:00',
  Placement: { AvailabilityZone: 'eu-west-1a', Tenancy: 'default' },
  PrivateDnsName: 'ip-10-0-33-201.eu-west-1.compute.internal',
  PrivateIpAddress: '10.0.33.201',
  State: { Code: 16, Name: 'running' },
  SubnetId: 'subnet-0node00000000',
  VpcId: 'vpc-0abc0000000000000',
};

describe('projectNetworkInterface', () => {
  const [vpcCniEni, branchEni, noId] = fixture('ec2-describe-network-interfaces.json').NetworkInterfaces;
  const expected = {
    id: 'eni-0second00000000',
    instanceId: 'i-0123456789abcdef0',
    subnetId: 'subnet-0node00000000',
    vpcId: 'vpc-0abc0000000000000',
    zone: 'eu-west-1a',
    deviceIndex: 1,
    networkCardIndex: 0,
    kind: 'interface',
    interfaceType: 'interface',
    description: 'aws-K8S-i-0123456789abcdef0',
    primaryIp: '10.0.45.10',
    mac: '02:1a:2b:3c:4d:5e',
    securityGroups: [{ id: 'sg-0123456789abcdef0', name: 'eks-cluster-sg-demo-123456' }],
    ips: [
      { ip: '10.0.45.10', primary: true },
      { ip: '10.0.45.17', primary: false },
    ],
    prefixes: ['10.0.45.32/28'],
    requesterManaged: false,
    status: 'in-use',
    tags: {
      'node.k8s.amazonaws.com/instance_id': 'i-0123456789abcdef0',
      'eks:eni:owner': 'amazon-vpc-cni',
      'node.k8s.amazonaws.com/createdAt': '2026-04-30T08:12:40Z',
    },
    origin,
  };

  it('projects an item as the AWS CLI prints it', () => {
    expect(projectNetworkInterface(vpcCniEni, origin)).toEqual(expected);
  });

  it('projects the same item with Date objects (AWS SDK v3)', () => {
    const sdkItem = withDates(vpcCniEni) as { Attachment: { AttachTime: unknown } };
    expect(sdkItem.Attachment.AttachTime).toBeInstanceOf(Date);
    expect(projectNetworkInterface(sdkItem, origin)).toEqual(expected);
  });

  it('maps InterfaceType to the kind and keeps the raw type', () => {
    expect(projectNetworkInterface(branchEni, origin)).toMatchObject({ id: 'eni-0branch0000000000', kind: 'branch', interfaceType: 'branch', deviceIndex: undefined });
    expect(projectNetworkInterface({ NetworkInterfaceId: 'eni-1', InterfaceType: 'trunk' }, origin)?.kind).toBe('trunk');
    expect(projectNetworkInterface({ NetworkInterfaceId: 'eni-2', InterfaceType: 'efa' }, origin)?.kind).toBe('efa');
    expect(projectNetworkInterface({ NetworkInterfaceId: 'eni-3', InterfaceType: 'network_load_balancer' }, origin)).toMatchObject({
      kind: 'interface',
      interfaceType: 'network_load_balancer',
    });
  });

  it('returns undefined without an id and skips wrong types field by field', () => {
    expect(projectNetworkInterface(noId, origin)).toBeUndefined();
    expect(projectNetworkInterface(null, origin)).toBeUndefined();
    expect(projectNetworkInterface('eni-1', origin)).toBeUndefined();
    const eni = projectNetworkInterface({ NetworkInterfaceId: 'eni-4', Groups: 'sg-1', PrivateIpAddresses: [null, { PrivateIpAddress: 5 }], TagSet: [{ Key: 'a', Value: 1 }] }, origin);
    expect(eni).toMatchObject({ id: 'eni-4', securityGroups: [], ips: [], tags: { a: '' } });
  });
});

describe('projectSubnet, projectVpc, projectNatGateway, projectSecurityGroup, projectInstance', () => {
  it('projects a subnet with its Name tag', () => {
    expect(projectSubnet(subnetItem, origin)).toEqual({
      id: 'subnet-0node00000000',
      vpcId: 'vpc-0abc0000000000000',
      cidr: '10.0.32.0/20',
      zone: 'eu-west-1a',
      availableIps: 4021,
      name: 'demo-private-eu-west-1a',
      tags: { Name: 'demo-private-eu-west-1a', 'kubernetes.io/role/internal-elb': '1' },
      origin,
    });
  });

  it('projects a VPC with its associated CIDRs only', () => {
    expect(projectVpc(vpcItem, origin)).toEqual({ id: 'vpc-0abc0000000000000', cidrs: ['10.0.0.0/16', '100.64.0.0/16'], origin });
  });

  it('projects a NAT gateway, from CLI strings and from SDK Dates', () => {
    const expected = {
      id: 'nat-0abc000000000000',
      subnetId: 'subnet-0public0000000',
      vpcId: 'vpc-0abc0000000000000',
      state: 'available',
      connectivity: 'public',
      publicIps: ['203.0.113.10'],
      privateIps: ['10.0.0.12'],
      origin,
    };
    expect(projectNatGateway(natItem, origin)).toEqual(expected);
    expect(projectNatGateway(withDates(natItem), origin)).toEqual(expected);
  });

  it('projects a security group with its raw permissions', () => {
    expect(projectSecurityGroup(sgItem, origin)).toEqual({
      id: 'sg-0123456789abcdef0',
      name: 'eks-cluster-sg-demo-123456',
      vpcId: 'vpc-0abc0000000000000',
      description: 'EKS created security group',
      ingress: sgItem.IpPermissions,
      egress: sgItem.IpPermissionsEgress,
      origin,
    });
  });

  it('projects an instance, from CLI strings and from SDK Dates', () => {
    const expected = {
      id: 'i-0123456789abcdef0',
      type: 'm5.large',
      zone: 'eu-west-1a',
      privateIp: '10.0.33.201',
      privateDnsName: 'ip-10-0-33-201.eu-west-1.compute.internal',
      subnetId: 'subnet-0node00000000',
      vpcId: 'vpc-0abc0000000000000',
      state: 'running',
      origin,
    };
    expect(projectInstance(instanceItem, origin)).toEqual(expected);
    expect(projectInstance(withDates(instanceItem), origin)).toEqual(expected);
  });
});

describe('projectRouteTable', () => {
  const [privateRt, mainRt] = fixture('ec2-describe-route-tables.json').RouteTables;

  it('reads associations and the target kind of each route', () => {
    expect(projectRouteTable(privateRt, origin)).toEqual({
      id: 'rtb-0private000000000',
      vpcId: 'vpc-0abc0000000000000',
      main: false,
      subnetIds: ['subnet-0node00000000', 'subnet-0pods00000000'],
      routes: [
        { destination: '10.0.0.0/16', target: { kind: 'local', id: 'local' }, state: 'active' },
        { destination: '100.64.0.0/16', target: { kind: 'local', id: 'local' }, state: 'active' },
        { destination: '0.0.0.0/0', target: { kind: 'nat-gateway', id: 'nat-0abc000000000000' }, state: 'active' },
        { destination: '172.16.0.0/12', target: { kind: 'transit-gateway', id: 'tgw-0abc000000000000' }, state: 'active' },
        { destination: '192.168.0.0/16', target: { kind: 'vpc-peering', id: 'pcx-0abc000000000000' }, state: 'blackhole' },
        { destination: '10.99.0.0/16', target: { kind: 'network-interface', id: 'eni-0fw0000000000000' }, state: 'active' },
        { destination: 'pl-6da54004', target: { kind: 'vpc-endpoint', id: 'vpce-0s3000000000000' }, state: 'active' },
      ],
      origin,
    });
  });

  it('marks the main route table and internet gateway routes', () => {
    const rt = projectRouteTable(mainRt, origin);
    expect(rt?.main).toBe(true);
    expect(rt?.subnetIds).toEqual([]);
    expect(rt?.routes[1]).toEqual({ destination: '0.0.0.0/0', target: { kind: 'internet-gateway', id: 'igw-0abc000000000000' }, state: 'active' });
  });

  it('an instance route without an ENI id targets the instance', () => {
    const rt = projectRouteTable({ RouteTableId: 'rtb-1', Routes: [{ DestinationCidrBlock: '10.9.0.0/16', InstanceId: 'i-0fw' }] }, origin);
    expect(rt?.routes).toEqual([{ destination: '10.9.0.0/16', target: { kind: 'instance', id: 'i-0fw' } }]);
  });
});

describe('projectRawAws', () => {
  it('projects every list, reports skipped items, and works on SDK-shaped input', () => {
    const raw = {
      ...emptyRawAws(),
      networkInterfaces: fixture('ec2-describe-network-interfaces.json').NetworkInterfaces as Record<string, unknown>[],
      routeTables: fixture('ec2-describe-route-tables.json').RouteTables as Record<string, unknown>[],
      subnets: [subnetItem, { CidrBlock: '10.0.0.0/24' }],
      vpcs: [vpcItem],
      natGateways: [natItem],
      securityGroups: [sgItem],
      instances: [instanceItem],
      files: ['aws/ec2.json'],
    };
    for (const input of [raw, withDates(raw)]) {
      const facts = projectRawAws(input, origin);
      expect(facts.networkInterfaces.map((e) => e.id)).toEqual(['eni-0second00000000', 'eni-0branch0000000000']);
      expect(facts.routeTables.map((r) => r.id)).toEqual(['rtb-0private000000000', 'rtb-0main0000000000000']);
      expect(facts.subnets.map((s) => s.id)).toEqual(['subnet-0node00000000']);
      expect(facts.vpcs).toHaveLength(1);
      expect(facts.natGateways).toHaveLength(1);
      expect(facts.securityGroups).toHaveLength(1);
      expect(facts.instances).toHaveLength(1);
      expect(facts.problems).toEqual(['NetworkInterfaces[2]: no NetworkInterfaceId, skipped', 'Subnets[1]: no SubnetId, skipped']);
    }
  });

  it('does not throw on garbage', () => {
    const facts = projectRawAws({ ...emptyRawAws(), subnets: [null as unknown as Record<string, unknown>, 'x' as unknown as Record<string, unknown>] }, origin);
    expect(facts.subnets).toEqual([]);
    expect(facts.problems).toEqual(['Subnets[0]: no SubnetId, skipped', 'Subnets[1]: no SubnetId, skipped']);
    expect(projectRawAws(null as unknown as ReturnType<typeof emptyRawAws>, origin).problems).toEqual([]);
  });
});
