/**
 * The Describe* actions the simulated EC2 API serves: for each, where its items live in `RawAws`,
 * the SDK schemas of its request and result, its ID-list parameters and the filters it supports
 * (names as EC2 documents them, in the SDK's request docs).
 */
import {
  DescribeInstancesRequest$,
  DescribeInstancesResult$,
  DescribeNatGatewaysRequest$,
  DescribeNatGatewaysResult$,
  DescribeNetworkInterfacesRequest$,
  DescribeNetworkInterfacesResult$,
  DescribeRouteTablesRequest$,
  DescribeRouteTablesResult$,
  DescribeSecurityGroupsRequest$,
  DescribeSecurityGroupsResult$,
  DescribeSubnetsRequest$,
  DescribeSubnetsResult$,
  DescribeVpcsRequest$,
  DescribeVpcsResult$,
} from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import type { RawAws } from '../../core/snapshot/rawSnapshot';
import type { ShapeSchema } from './schemaXml';

export type AwsItem = Record<string, unknown>;

/** A filter's values for one item: a dotted path of PascalCase members (arrays are walked), or a function. */
export type FilterExtractor = string | ((item: AwsItem) => unknown);

export interface IdList {
  /** Input member, e.g. `NetworkInterfaceIds`. */
  member: string;
  /** Item field the IDs match, e.g. `NetworkInterfaceId`. */
  field: string;
  /** EC2's answer when some requested IDs do not exist. */
  notFound: (missing: string[]) => { code: string; message: string };
}

export interface DescribeAction {
  action: string;
  request: ShapeSchema;
  result: ShapeSchema;
  items: (aws: RawAws) => AwsItem[];
  /** Member of the result that carries the page of items. */
  resultMember: string;
  /** Input member that carries the filters (`Filters`, but `Filter` for DescribeNatGateways). */
  filterMember: string;
  idLists: IdList[];
  /** EC2 rejects MaxResults together with the ID list for these actions. */
  idsExcludeMaxResults?: boolean;
  /** Item field holding the tags (`TagSet` on ENIs, `Tags` elsewhere). */
  tagsField: string;
  filters: Record<string, FilterExtractor>;
  /** Turns a page of items into what the result member holds (DescribeInstances: reservations). */
  wrapPage?: (page: AwsItem[]) => unknown[];
}

function idNotFound(code: string, noun: string): IdList['notFound'] {
  return (missing) => ({
    code,
    message: missing.length === 1 ? `The ${noun} ID '${missing[0]}' does not exist` : `The ${noun} IDs '${missing.join(', ')}' do not exist`,
  });
}

/** One reservation per instance: RawAws keeps instances flattened and does not carry reservations. */
function reservationsOf(instances: AwsItem[]): AwsItem[] {
  return instances.map((instance) => {
    const reservation: AwsItem = { ReservationId: reservationIdOf(instance), Groups: [], Instances: [instance] };
    const owner = ownerOfInstance(instance);
    if (owner) reservation.OwnerId = owner;
    return reservation;
  });
}

function reservationIdOf(instance: AwsItem): string {
  return `r-${createHash('sha1').update(String(instance.InstanceId ?? '')).digest('hex').slice(0, 17)}`;
}

function ownerOfInstance(instance: AwsItem): string | undefined {
  const enis = instance.NetworkInterfaces;
  const owner = Array.isArray(enis) ? (enis[0] as AwsItem | undefined)?.OwnerId : undefined;
  return typeof owner === 'string' ? owner : undefined;
}

export const DESCRIBE_ACTIONS: Record<string, DescribeAction> = {
  DescribeNetworkInterfaces: {
    action: 'DescribeNetworkInterfaces',
    request: DescribeNetworkInterfacesRequest$,
    result: DescribeNetworkInterfacesResult$,
    items: (aws) => aws.networkInterfaces,
    resultMember: 'NetworkInterfaces',
    filterMember: 'Filters',
    idLists: [{ member: 'NetworkInterfaceIds', field: 'NetworkInterfaceId', notFound: idNotFound('InvalidNetworkInterfaceID.NotFound', 'networkInterface') }],
    idsExcludeMaxResults: true,
    tagsField: 'TagSet',
    filters: {
      'network-interface-id': 'NetworkInterfaceId',
      'attachment.instance-id': 'Attachment.InstanceId',
      'attachment.attachment-id': 'Attachment.AttachmentId',
      'attachment.device-index': 'Attachment.DeviceIndex',
      'attachment.instance-owner-id': 'Attachment.InstanceOwnerId',
      'attachment.status': 'Attachment.Status',
      'vpc-id': 'VpcId',
      'subnet-id': 'SubnetId',
      'interface-type': 'InterfaceType',
      status: 'Status',
      'requester-managed': 'RequesterManaged',
      'requester-id': 'RequesterId',
      'owner-id': 'OwnerId',
      'availability-zone': 'AvailabilityZone',
      'availability-zone-id': 'AvailabilityZoneId',
      description: 'Description',
      'group-id': 'Groups.GroupId',
      'mac-address': 'MacAddress',
      'private-dns-name': 'PrivateDnsName',
      'private-ip-address': 'PrivateIpAddress',
      'addresses.private-ip-address': 'PrivateIpAddresses.PrivateIpAddress',
      'ipv6-addresses.ipv6-address': 'Ipv6Addresses.Ipv6Address',
      'association.public-ip': 'Association.PublicIp',
      'source-dest-check': 'SourceDestCheck',
    },
  },
  DescribeSubnets: {
    action: 'DescribeSubnets',
    request: DescribeSubnetsRequest$,
    result: DescribeSubnetsResult$,
    items: (aws) => aws.subnets,
    resultMember: 'Subnets',
    filterMember: 'Filters',
    idLists: [{ member: 'SubnetIds', field: 'SubnetId', notFound: idNotFound('InvalidSubnetID.NotFound', 'subnet') }],
    tagsField: 'Tags',
    filters: {
      'subnet-id': 'SubnetId',
      'vpc-id': 'VpcId',
      'availability-zone': 'AvailabilityZone',
      'availability-zone-id': 'AvailabilityZoneId',
      'cidr-block': 'CidrBlock',
      'available-ip-address-count': 'AvailableIpAddressCount',
      'default-for-az': 'DefaultForAz',
      'map-public-ip-on-launch': 'MapPublicIpOnLaunch',
      'owner-id': 'OwnerId',
      state: 'State',
      'subnet-arn': 'SubnetArn',
      'ipv6-cidr-block-association.ipv6-cidr-block': 'Ipv6CidrBlockAssociationSet.Ipv6CidrBlock',
    },
  },
  DescribeRouteTables: {
    action: 'DescribeRouteTables',
    request: DescribeRouteTablesRequest$,
    result: DescribeRouteTablesResult$,
    items: (aws) => aws.routeTables,
    resultMember: 'RouteTables',
    filterMember: 'Filters',
    idLists: [{ member: 'RouteTableIds', field: 'RouteTableId', notFound: idNotFound('InvalidRouteTableID.NotFound', 'routeTable') }],
    tagsField: 'Tags',
    filters: {
      'route-table-id': 'RouteTableId',
      'vpc-id': 'VpcId',
      'owner-id': 'OwnerId',
      'association.subnet-id': 'Associations.SubnetId',
      'association.main': 'Associations.Main',
      'association.route-table-association-id': 'Associations.RouteTableAssociationId',
      'association.route-table-id': 'Associations.RouteTableId',
      'association.gateway-id': 'Associations.GatewayId',
      'route.destination-cidr-block': 'Routes.DestinationCidrBlock',
      'route.destination-ipv6-cidr-block': 'Routes.DestinationIpv6CidrBlock',
      'route.destination-prefix-list-id': 'Routes.DestinationPrefixListId',
      'route.gateway-id': 'Routes.GatewayId',
      'route.nat-gateway-id': 'Routes.NatGatewayId',
      'route.transit-gateway-id': 'Routes.TransitGatewayId',
      'route.vpc-peering-connection-id': 'Routes.VpcPeeringConnectionId',
      'route.instance-id': 'Routes.InstanceId',
      'route.origin': 'Routes.Origin',
      'route.state': 'Routes.State',
    },
  },
  DescribeNatGateways: {
    action: 'DescribeNatGateways',
    request: DescribeNatGatewaysRequest$,
    result: DescribeNatGatewaysResult$,
    items: (aws) => aws.natGateways,
    resultMember: 'NatGateways',
    filterMember: 'Filter',
    idLists: [
      {
        member: 'NatGatewayIds',
        field: 'NatGatewayId',
        notFound: (missing) => ({ code: 'NatGatewayNotFound', message: `NAT gateway ${missing.join(', ')} was not found` }),
      },
    ],
    tagsField: 'Tags',
    filters: {
      'nat-gateway-id': 'NatGatewayId',
      'vpc-id': 'VpcId',
      'subnet-id': 'SubnetId',
      state: 'State',
    },
  },
  DescribeInstances: {
    action: 'DescribeInstances',
    request: DescribeInstancesRequest$,
    result: DescribeInstancesResult$,
    items: (aws) => aws.instances,
    resultMember: 'Reservations',
    filterMember: 'Filters',
    idLists: [{ member: 'InstanceIds', field: 'InstanceId', notFound: idNotFound('InvalidInstanceID.NotFound', 'instance') }],
    idsExcludeMaxResults: true,
    tagsField: 'Tags',
    wrapPage: reservationsOf,
    filters: {
      'instance-id': 'InstanceId',
      'vpc-id': 'VpcId',
      'subnet-id': 'SubnetId',
      'instance-state-name': 'State.Name',
      'instance-state-code': 'State.Code',
      'instance-type': 'InstanceType',
      'image-id': 'ImageId',
      'availability-zone': 'Placement.AvailabilityZone',
      'private-ip-address': 'PrivateIpAddress',
      'private-dns-name': 'PrivateDnsName',
      'ip-address': 'PublicIpAddress',
      'iam-instance-profile.arn': 'IamInstanceProfile.Arn',
      'instance.group-id': 'SecurityGroups.GroupId',
      'instance.group-name': 'SecurityGroups.GroupName',
      'network-interface.network-interface-id': 'NetworkInterfaces.NetworkInterfaceId',
      'network-interface.subnet-id': 'NetworkInterfaces.SubnetId',
      'network-interface.vpc-id': 'NetworkInterfaces.VpcId',
      'network-interface.addresses.private-ip-address': 'NetworkInterfaces.PrivateIpAddresses.PrivateIpAddress',
      'owner-id': ownerOfInstance,
      'reservation-id': reservationIdOf,
    },
  },
  DescribeVpcs: {
    action: 'DescribeVpcs',
    request: DescribeVpcsRequest$,
    result: DescribeVpcsResult$,
    items: (aws) => aws.vpcs,
    resultMember: 'Vpcs',
    filterMember: 'Filters',
    idLists: [{ member: 'VpcIds', field: 'VpcId', notFound: idNotFound('InvalidVpcID.NotFound', 'vpc') }],
    tagsField: 'Tags',
    filters: {
      'vpc-id': 'VpcId',
      cidr: 'CidrBlock',
      'cidr-block-association.cidr-block': 'CidrBlockAssociationSet.CidrBlock',
      'cidr-block-association.association-id': 'CidrBlockAssociationSet.AssociationId',
      'ipv6-cidr-block-association.ipv6-cidr-block': 'Ipv6CidrBlockAssociationSet.Ipv6CidrBlock',
      'dhcp-options-id': 'DhcpOptionsId',
      'is-default': 'IsDefault',
      'owner-id': 'OwnerId',
      state: 'State',
    },
  },
  DescribeSecurityGroups: {
    action: 'DescribeSecurityGroups',
    request: DescribeSecurityGroupsRequest$,
    result: DescribeSecurityGroupsResult$,
    items: (aws) => aws.securityGroups,
    resultMember: 'SecurityGroups',
    filterMember: 'Filters',
    idLists: [
      {
        member: 'GroupIds',
        field: 'GroupId',
        notFound: (missing) => ({ code: 'InvalidGroup.NotFound', message: `The security group '${missing.join(', ')}' does not exist` }),
      },
      {
        member: 'GroupNames',
        field: 'GroupName',
        notFound: (missing) => ({ code: 'InvalidGroup.NotFound', message: `The security group '${missing.join(', ')}' does not exist in default VPC` }),
      },
    ],
    tagsField: 'Tags',
    filters: {
      'group-id': 'GroupId',
      'group-name': 'GroupName',
      'vpc-id': 'VpcId',
      'owner-id': 'OwnerId',
      description: 'Description',
      'ip-permission.cidr': 'IpPermissions.IpRanges.CidrIp',
      'ip-permission.ipv6-cidr': 'IpPermissions.Ipv6Ranges.CidrIpv6',
      'ip-permission.group-id': 'IpPermissions.UserIdGroupPairs.GroupId',
      'ip-permission.prefix-list-id': 'IpPermissions.PrefixListIds.PrefixListId',
      'ip-permission.protocol': 'IpPermissions.IpProtocol',
      'ip-permission.from-port': 'IpPermissions.FromPort',
      'ip-permission.to-port': 'IpPermissions.ToPort',
      'egress.ip-permission.cidr': 'IpPermissionsEgress.IpRanges.CidrIp',
      'egress.ip-permission.ipv6-cidr': 'IpPermissionsEgress.Ipv6Ranges.CidrIpv6',
      'egress.ip-permission.group-id': 'IpPermissionsEgress.UserIdGroupPairs.GroupId',
      'egress.ip-permission.prefix-list-id': 'IpPermissionsEgress.PrefixListIds.PrefixListId',
      'egress.ip-permission.protocol': 'IpPermissionsEgress.IpProtocol',
    },
  },
};

/** The values a path reaches, walking arrays; scalars as strings. */
export function valuesAt(item: unknown, path: string): string[] {
  let current: unknown[] = [item];
  for (const step of path.split('.')) {
    const next: unknown[] = [];
    for (const c of current) {
      if (c === null || typeof c !== 'object') continue;
      const v = (c as AwsItem)[step];
      if (Array.isArray(v)) next.push(...v);
      else if (v !== undefined && v !== null) next.push(v);
    }
    current = next;
  }
  return current.filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean').map(String);
}

export type FilterCheck = { ok: true; match: (item: AwsItem) => boolean } | { ok: false; code: string; message: string };

/**
 * Compiles `[{Name, Values}]` for an action: filters are ANDed, the values of one filter ORed, values
 * may use EC2's `*` and `?` wildcards. `tag:<key>` matches the tag's value, `tag-key` any tag key.
 */
export function compileFilters(action: DescribeAction, filters: Array<{ Name?: string; Values?: string[] }>): FilterCheck {
  const checks: Array<(item: AwsItem) => boolean> = [];
  for (const filter of filters) {
    const name = filter.Name ?? '';
    let extract: ((item: AwsItem) => string[]) | undefined;
    if (name.startsWith('tag:') && name.length > 4) {
      const key = name.slice(4);
      extract = (item) => tagsOf(item, action.tagsField).filter((t) => t.Key === key).map((t) => String(t.Value ?? ''));
    } else if (name === 'tag-key') {
      extract = (item) => tagsOf(item, action.tagsField).map((t) => String(t.Key ?? ''));
    } else if (Object.prototype.hasOwnProperty.call(action.filters, name)) {
      const e = action.filters[name];
      extract = typeof e === 'string' ? (item) => valuesAt(item, e) : (item) => toStrings(e(item));
    }
    if (!extract) return { ok: false, code: 'InvalidParameterValue', message: `The filter '${name}' is invalid` };
    const values = filter.Values ?? [];
    if (values.length === 0) return { ok: false, code: 'InvalidParameterValue', message: `The filter '${name}' has no values` };
    const patterns = values.map(wildcard);
    const get = extract;
    checks.push((item) => get(item).some((v) => patterns.some((p) => p(v))));
  }
  return { ok: true, match: (item) => checks.every((c) => c(item)) };
}

function tagsOf(item: AwsItem, field: string): Array<{ Key?: unknown; Value?: unknown }> {
  const tags = item[field];
  return Array.isArray(tags) ? (tags.filter((t) => t && typeof t === 'object') as Array<{ Key?: unknown; Value?: unknown }>) : [];
}

function toStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(toStrings);
  return v === undefined || v === null ? [] : [String(v)];
}

/** EC2 filter value: `*` any run, `?` one character, `\` escapes. Exact match otherwise. */
function wildcard(pattern: string): (v: string) => boolean {
  if (!/[*?]/.test(pattern)) return (v) => v === pattern;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  const rx = new RegExp(`^${re}$`);
  return (v) => rx.test(v);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
