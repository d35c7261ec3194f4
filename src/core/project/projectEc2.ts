/**
 * Projects EC2 Describe* items to the model. Items are PascalCase, as the AWS CLI v2 prints them
 * (`--output json`) and as the AWS SDK v3 returns them; the SDK gives `Date` objects where the CLI
 * gives strings, and no timestamp is copied here, so both work the same (reference: datapath.md A3).
 *
 * Never throws: a field of the wrong type is skipped; an item without its id gives `undefined`.
 * An address or CIDR that is neither IPv4 nor IPv6 is dropped and reported through `note`.
 */
import type {
  EniInfo,
  EniIp,
  InstanceInfo,
  NatGatewayInfo,
  Provenance,
  RouteInfo,
  RouteTableInfo,
  RouteTargetKind,
  SecurityGroupInfo,
  SubnetInfo,
  VpcInfo,
} from '../model';
import { ipFamily, parseAnyCidr } from '../net/ipAddress';
import type { RawAws } from '../snapshot/rawSnapshot';
import { asArray, asBool, asInt, asNonEmpty, asRecord, setOwn } from './jsonFields';

export interface AwsFacts {
  networkInterfaces: EniInfo[];
  subnets: SubnetInfo[];
  vpcs: VpcInfo[];
  routeTables: RouteTableInfo[];
  natGateways: NatGatewayInfo[];
  securityGroups: SecurityGroupInfo[];
  instances: InstanceInfo[];
  /** Items that were skipped, e.g. `NetworkInterfaces[3]: no NetworkInterfaceId`. */
  problems: string[];
}

/** `TagSet` (network interfaces) or `Tags` (most other resources) → key/value map. */
function tagsOf(item: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of [...asArray(item.TagSet), ...asArray(item.Tags)]) {
    const tag = asRecord(t);
    const key = asNonEmpty(tag?.Key);
    if (!tag || key === undefined) continue;
    setOwn(out, key, typeof tag.Value === 'string' ? tag.Value : '');
  }
  return out;
}

/** Receives what was dropped from an item, e.g. `PrivateIpAddresses[2]: "10.0.0.256" is not an IP address`. */
export type ProjectionNote = (message: string) => void;

const ignoreNote: ProjectionNote = () => undefined;

function shown(v: string): string {
  return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
}

/** The text when it is an IPv4 or IPv6 address; otherwise a note and undefined. */
function address(v: unknown, field: string, note: ProjectionNote): string | undefined {
  const text = asNonEmpty(v);
  if (text === undefined) return undefined;
  if (ipFamily(text) !== undefined) return text;
  note(`${field}: ${shown(text)} is not an IPv4 or IPv6 address, skipped`);
  return undefined;
}

/** The text when it is an IPv4 or IPv6 CIDR; otherwise a note and undefined. */
function cidrText(v: unknown, field: string, note: ProjectionNote): string | undefined {
  const text = asNonEmpty(v);
  if (text === undefined) return undefined;
  if (parseAnyCidr(text) !== undefined) return text;
  note(`${field}: ${shown(text)} is not an IPv4 or IPv6 CIDR, skipped`);
  return undefined;
}

function safely<T>(fn: () => T | undefined): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function eniKind(interfaceType: string | undefined): string {
  switch (interfaceType) {
    case 'trunk':
    case 'branch':
    case 'efa':
      return interfaceType;
    case 'efa-only':
      return 'efa';
    default:
      return 'interface';
  }
}

export function projectNetworkInterface(item: unknown, origin: Provenance, note: ProjectionNote = ignoreNote): EniInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.NetworkInterfaceId);
    if (!it || id === undefined) return undefined;
    const attachment = asRecord(it.Attachment);
    const interfaceType = asNonEmpty(it.InterfaceType);
    const primaryIp = address(it.PrivateIpAddress, 'PrivateIpAddress', note);

    const ips: EniIp[] = [];
    asArray(it.PrivateIpAddresses).forEach((p, i) => {
      const rec = asRecord(p);
      const ip = address(rec?.PrivateIpAddress, `PrivateIpAddresses[${i}].PrivateIpAddress`, note);
      if (rec && ip !== undefined) ips.push({ ip, primary: asBool(rec.Primary) ?? ip === primaryIp });
    });
    if (ips.length === 0 && primaryIp !== undefined) ips.push({ ip: primaryIp, primary: true });
    asArray(it.Ipv6Addresses).forEach((p, i) => {
      const rec = asRecord(p);
      const ip = address(rec?.Ipv6Address, `Ipv6Addresses[${i}].Ipv6Address`, note);
      if (rec && ip !== undefined) ips.push({ ip, primary: asBool(rec.IsPrimaryIpv6) === true });
    });
    const prefixes: string[] = [];
    asArray(it.Ipv4Prefixes).forEach((p, i) => {
      const v = cidrText(asRecord(p)?.Ipv4Prefix, `Ipv4Prefixes[${i}].Ipv4Prefix`, note);
      if (v !== undefined) prefixes.push(v);
    });
    asArray(it.Ipv6Prefixes).forEach((p, i) => {
      const v = cidrText(asRecord(p)?.Ipv6Prefix, `Ipv6Prefixes[${i}].Ipv6Prefix`, note);
      if (v !== undefined) prefixes.push(v);
    });
    const securityGroups: EniInfo['securityGroups'] = [];
    for (const g of asArray(it.Groups)) {
      const rec = asRecord(g);
      const groupId = asNonEmpty(rec?.GroupId);
      if (!rec || groupId === undefined) continue;
      const name = asNonEmpty(rec.GroupName);
      securityGroups.push(name === undefined ? { id: groupId } : { id: groupId, name });
    }
    return {
      id,
      instanceId: asNonEmpty(attachment?.InstanceId),
      subnetId: asNonEmpty(it.SubnetId),
      vpcId: asNonEmpty(it.VpcId),
      zone: asNonEmpty(it.AvailabilityZone),
      deviceIndex: asInt(attachment?.DeviceIndex),
      networkCardIndex: asInt(attachment?.NetworkCardIndex),
      kind: eniKind(interfaceType),
      interfaceType,
      description: asNonEmpty(it.Description),
      primaryIp,
      mac: asNonEmpty(it.MacAddress),
      securityGroups,
      ips,
      prefixes,
      requesterManaged: asBool(it.RequesterManaged),
      status: asNonEmpty(it.Status),
      tags: tagsOf(it),
      origin,
    };
  });
}

export function projectSubnet(item: unknown, origin: Provenance, note: ProjectionNote = ignoreNote): SubnetInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.SubnetId);
    if (!it || id === undefined) return undefined;
    let cidr = cidrText(it.CidrBlock, 'CidrBlock', note);
    if (cidr === undefined && asNonEmpty(it.CidrBlock) === undefined) {
      // IPv6-only subnet
      for (const [i, a] of asArray(it.Ipv6CidrBlockAssociationSet).entries()) {
        cidr = cidrText(asRecord(a)?.Ipv6CidrBlock, `Ipv6CidrBlockAssociationSet[${i}].Ipv6CidrBlock`, note);
        if (cidr !== undefined) break;
      }
    }
    if (cidr === undefined) {
      note('no usable CidrBlock or Ipv6CidrBlock');
      return undefined;
    }
    const tags = tagsOf(it);
    return {
      id,
      vpcId: asNonEmpty(it.VpcId),
      cidr,
      zone: asNonEmpty(it.AvailabilityZone),
      availableIps: asInt(it.AvailableIpAddressCount),
      name: tags.Name,
      tags,
      origin,
    };
  });
}

export function projectVpc(item: unknown, origin: Provenance, note: ProjectionNote = ignoreNote): VpcInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.VpcId);
    if (!it || id === undefined) return undefined;
    const cidrs: string[] = [];
    const primary = cidrText(it.CidrBlock, 'CidrBlock', note);
    if (primary !== undefined) cidrs.push(primary);
    for (const [i, a] of asArray(it.CidrBlockAssociationSet).entries()) {
      const rec = asRecord(a);
      const cidr = cidrText(rec?.CidrBlock, `CidrBlockAssociationSet[${i}].CidrBlock`, note);
      const state = asNonEmpty(asRecord(rec?.CidrBlockState)?.State);
      if (cidr !== undefined && (state === undefined || state === 'associated') && !cidrs.includes(cidr)) cidrs.push(cidr);
    }
    return { id, cidrs, origin };
  });
}

function routeTarget(route: Record<string, unknown>): RouteInfo['target'] {
  const gateway = asNonEmpty(route.GatewayId);
  const pick = (kind: RouteTargetKind, key: string): RouteInfo['target'] | undefined => {
    const id = asNonEmpty(route[key]);
    return id === undefined ? undefined : { kind, id };
  };
  if (gateway === 'local') return { kind: 'local', id: 'local' };
  if (gateway?.startsWith('igw-')) return { kind: 'internet-gateway', id: gateway };
  if (gateway?.startsWith('vpce-')) return { kind: 'vpc-endpoint', id: gateway };
  return (
    pick('nat-gateway', 'NatGatewayId') ??
    pick('transit-gateway', 'TransitGatewayId') ??
    pick('vpc-peering', 'VpcPeeringConnectionId') ??
    // An instance route lists both the instance and its ENI; the ENI is what the packet reaches.
    pick('network-interface', 'NetworkInterfaceId') ??
    pick('instance', 'InstanceId') ??
    (gateway !== undefined ? { kind: 'other', id: gateway } : undefined) ??
    pick('other', 'EgressOnlyInternetGatewayId') ??
    pick('other', 'CarrierGatewayId') ??
    pick('other', 'LocalGatewayId') ??
    pick('other', 'CoreNetworkArn') ?? { kind: 'other', id: '' }
  );
}

export function projectRouteTable(item: unknown, origin: Provenance, note: ProjectionNote = ignoreNote): RouteTableInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.RouteTableId);
    if (!it || id === undefined) return undefined;
    let main = false;
    const subnetIds: string[] = [];
    for (const a of asArray(it.Associations)) {
      const rec = asRecord(a);
      if (!rec) continue;
      if (rec.Main === true) main = true;
      const subnet = asNonEmpty(rec.SubnetId);
      if (subnet !== undefined && !subnetIds.includes(subnet)) subnetIds.push(subnet);
    }
    const routes: RouteInfo[] = [];
    for (const [i, r] of asArray(it.Routes).entries()) {
      const rec = asRecord(r);
      const destination =
        cidrText(rec?.DestinationCidrBlock, `Routes[${i}].DestinationCidrBlock`, note) ??
        cidrText(rec?.DestinationIpv6CidrBlock, `Routes[${i}].DestinationIpv6CidrBlock`, note) ??
        asNonEmpty(rec?.DestinationPrefixListId);
      if (!rec || destination === undefined) continue;
      const route: RouteInfo = { destination, target: routeTarget(rec) };
      const state = asNonEmpty(rec.State);
      if (state !== undefined) route.state = state;
      routes.push(route);
    }
    return { id, vpcId: asNonEmpty(it.VpcId), main, subnetIds, routes, origin };
  });
}

export function projectNatGateway(item: unknown, origin: Provenance, note: ProjectionNote = ignoreNote): NatGatewayInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.NatGatewayId);
    if (!it || id === undefined) return undefined;
    const publicIps: string[] = [];
    const privateIps: string[] = [];
    for (const [i, a] of asArray(it.NatGatewayAddresses).entries()) {
      const rec = asRecord(a);
      const pub = address(rec?.PublicIp, `NatGatewayAddresses[${i}].PublicIp`, note);
      const priv = address(rec?.PrivateIp, `NatGatewayAddresses[${i}].PrivateIp`, note);
      if (pub !== undefined && !publicIps.includes(pub)) publicIps.push(pub);
      if (priv !== undefined && !privateIps.includes(priv)) privateIps.push(priv);
    }
    return {
      id,
      subnetId: asNonEmpty(it.SubnetId),
      vpcId: asNonEmpty(it.VpcId),
      state: asNonEmpty(it.State),
      connectivity: asNonEmpty(it.ConnectivityType),
      publicIps,
      privateIps,
      origin,
    };
  });
}

export function projectSecurityGroup(item: unknown, origin: Provenance): SecurityGroupInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.GroupId);
    if (!it || id === undefined) return undefined;
    return {
      id,
      name: asNonEmpty(it.GroupName),
      vpcId: asNonEmpty(it.VpcId),
      description: asNonEmpty(it.Description),
      ingress: [...asArray(it.IpPermissions)],
      egress: [...asArray(it.IpPermissionsEgress)],
      origin,
    };
  });
}

export function projectInstance(item: unknown, origin: Provenance, note: ProjectionNote = ignoreNote): InstanceInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.InstanceId);
    if (!it || id === undefined) return undefined;
    return {
      id,
      type: asNonEmpty(it.InstanceType),
      zone: asNonEmpty(asRecord(it.Placement)?.AvailabilityZone),
      privateIp: address(it.PrivateIpAddress, 'PrivateIpAddress', note),
      privateDnsName: asNonEmpty(it.PrivateDnsName),
      subnetId: asNonEmpty(it.SubnetId),
      vpcId: asNonEmpty(it.VpcId),
      state: asNonEmpty(asRecord(it.State)?.Name),
      origin,
    };
  });
}

/** Projects one list, skipping (with a problem) items without an id; a repeated id keeps the last item. */
function projectList<T extends { id: string }>(
  items: readonly unknown[] | undefined,
  listName: string,
  idField: string,
  fn: (item: unknown, origin: Provenance, note: ProjectionNote) => T | undefined,
  origin: Provenance,
  problems: string[],
): T[] {
  const byId = new Map<string, T>();
  const list = Array.isArray(items) ? items : [];
  list.forEach((item, i) => {
    const itemId = safely(() => asNonEmpty(asRecord(item)?.[idField]));
    const value = fn(item, origin, (message) => problems.push(`${listName}[${i}]${itemId !== undefined ? ` ${itemId}` : ''}: ${message}`));
    if (value === undefined) {
      const id = itemId;
      problems.push(`${listName}[${i}]${id !== undefined ? ` ${id}` : ''}: ${id === undefined ? `no ${idField}` : 'cannot be read'}, skipped`);
      return;
    }
    byId.set(value.id, value);
  });
  return [...byId.values()];
}

/** All EC2 facts of a snapshot (or of one round of live Describe* calls). */
export function projectRawAws(aws: RawAws, origin: Provenance): AwsFacts {
  const problems: string[] = [];
  const a = asRecord(aws) ?? {};
  const list = (key: keyof RawAws): readonly unknown[] => asArray(a[key]);
  return {
    networkInterfaces: projectList(list('networkInterfaces'), 'NetworkInterfaces', 'NetworkInterfaceId', projectNetworkInterface, origin, problems),
    subnets: projectList(list('subnets'), 'Subnets', 'SubnetId', projectSubnet, origin, problems),
    vpcs: projectList(list('vpcs'), 'Vpcs', 'VpcId', projectVpc, origin, problems),
    routeTables: projectList(list('routeTables'), 'RouteTables', 'RouteTableId', projectRouteTable, origin, problems),
    natGateways: projectList(list('natGateways'), 'NatGateways', 'NatGatewayId', projectNatGateway, origin, problems),
    securityGroups: projectList(list('securityGroups'), 'SecurityGroups', 'GroupId', projectSecurityGroup, origin, problems),
    instances: projectList(list('instances'), 'Instances', 'InstanceId', projectInstance, origin, problems),
    problems,
  };
}
