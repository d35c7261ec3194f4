/**
 * Projects EC2 Describe* items to the model. Items are PascalCase, as the AWS CLI v2 prints them
 * (`--output json`) and as the AWS SDK v3 returns them; the SDK gives `Date` objects where the CLI
 * gives strings, and no timestamp is copied here, so both work the same (reference: datapath.md A3).
 *
 * Never throws: a field of the wrong type is skipped; an item without its id gives `undefined`.
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

export function projectNetworkInterface(item: unknown, origin: Provenance): EniInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.NetworkInterfaceId);
    if (!it || id === undefined) return undefined;
    const attachment = asRecord(it.Attachment);
    const interfaceType = asNonEmpty(it.InterfaceType);
    const primaryIp = asNonEmpty(it.PrivateIpAddress);

    const ips: EniIp[] = [];
    for (const p of asArray(it.PrivateIpAddresses)) {
      const rec = asRecord(p);
      const ip = asNonEmpty(rec?.PrivateIpAddress);
      if (rec && ip !== undefined) ips.push({ ip, primary: asBool(rec.Primary) ?? ip === primaryIp });
    }
    if (ips.length === 0 && primaryIp !== undefined) ips.push({ ip: primaryIp, primary: true });
    for (const p of asArray(it.Ipv6Addresses)) {
      const rec = asRecord(p);
      const ip = asNonEmpty(rec?.Ipv6Address);
      if (rec && ip !== undefined) ips.push({ ip, primary: asBool(rec.IsPrimaryIpv6) === true });
    }
    const prefixes: string[] = [];
    for (const p of asArray(it.Ipv4Prefixes)) {
      const v = asNonEmpty(asRecord(p)?.Ipv4Prefix);
      if (v !== undefined) prefixes.push(v);
    }
    for (const p of asArray(it.Ipv6Prefixes)) {
      const v = asNonEmpty(asRecord(p)?.Ipv6Prefix);
      if (v !== undefined) prefixes.push(v);
    }
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

export function projectSubnet(item: unknown, origin: Provenance): SubnetInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.SubnetId);
    if (!it || id === undefined) return undefined;
    let cidr = asNonEmpty(it.CidrBlock);
    if (cidr === undefined) {
      // IPv6-only subnet
      for (const a of asArray(it.Ipv6CidrBlockAssociationSet)) {
        cidr = asNonEmpty(asRecord(a)?.Ipv6CidrBlock);
        if (cidr !== undefined) break;
      }
    }
    if (cidr === undefined) return undefined;
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

export function projectVpc(item: unknown, origin: Provenance): VpcInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.VpcId);
    if (!it || id === undefined) return undefined;
    const cidrs: string[] = [];
    const primary = asNonEmpty(it.CidrBlock);
    if (primary !== undefined) cidrs.push(primary);
    for (const a of asArray(it.CidrBlockAssociationSet)) {
      const rec = asRecord(a);
      const cidr = asNonEmpty(rec?.CidrBlock);
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

export function projectRouteTable(item: unknown, origin: Provenance): RouteTableInfo | undefined {
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
    for (const r of asArray(it.Routes)) {
      const rec = asRecord(r);
      const destination = asNonEmpty(rec?.DestinationCidrBlock) ?? asNonEmpty(rec?.DestinationIpv6CidrBlock) ?? asNonEmpty(rec?.DestinationPrefixListId);
      if (!rec || destination === undefined) continue;
      const route: RouteInfo = { destination, target: routeTarget(rec) };
      const state = asNonEmpty(rec.State);
      if (state !== undefined) route.state = state;
      routes.push(route);
    }
    return { id, vpcId: asNonEmpty(it.VpcId), main, subnetIds, routes, origin };
  });
}

export function projectNatGateway(item: unknown, origin: Provenance): NatGatewayInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.NatGatewayId);
    if (!it || id === undefined) return undefined;
    const publicIps: string[] = [];
    const privateIps: string[] = [];
    for (const a of asArray(it.NatGatewayAddresses)) {
      const rec = asRecord(a);
      const pub = asNonEmpty(rec?.PublicIp);
      const priv = asNonEmpty(rec?.PrivateIp);
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

export function projectInstance(item: unknown, origin: Provenance): InstanceInfo | undefined {
  return safely(() => {
    const it = asRecord(item);
    const id = asNonEmpty(it?.InstanceId);
    if (!it || id === undefined) return undefined;
    return {
      id,
      type: asNonEmpty(it.InstanceType),
      zone: asNonEmpty(asRecord(it.Placement)?.AvailabilityZone),
      privateIp: asNonEmpty(it.PrivateIpAddress),
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
  fn: (item: unknown, origin: Provenance) => T | undefined,
  origin: Provenance,
  problems: string[],
): T[] {
  const byId = new Map<string, T>();
  const list = Array.isArray(items) ? items : [];
  list.forEach((item, i) => {
    const value = fn(item, origin);
    if (value === undefined) {
      const id = asNonEmpty(asRecord(item)?.[idField]);
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
