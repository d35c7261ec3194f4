/**
 * Consistency of the committed demo snapshot (demo/snapshot), read with plain fs + yaml: every IP is where
 * the VPC CNI, EC2, ipamd, Cilium and Kubernetes say it is, and the generator reproduces the files exactly.
 */
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildDemoSnapshot } from '../../scripts/demo/buildDemoSnapshot';

const ROOT = fileURLToPath(new URL('../../demo/snapshot/', import.meta.url));

/** IPv4 addresses per ENI and ENIs per instance (network card 0), as the VPC CNI publishes them. */
const LIMITS: Record<string, { enis: number; ipv4PerEni: number }> = {
  'm5.large': { enis: 3, ipv4PerEni: 10 },
  'm5.xlarge': { enis: 4, ipv4PerEni: 15 },
  'c6i.xlarge': { enis: 4, ipv4PerEni: 15 },
  'r6i.large': { enis: 3, ipv4PerEni: 10 },
  'm6i.2xlarge': { enis: 4, ipv4PerEni: 15 },
  't3.large': { enis: 3, ipv4PerEni: 12 },
};

// ---- the shapes this test reads

interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
  ownerReferences?: Array<{ kind: string; name: string; uid: string }>;
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
}
interface Node extends KubeObject {
  spec: { providerID: string };
  status: { addresses: Array<{ type: string; address: string }>; capacity: Record<string, string> };
}
interface Pod extends KubeObject {
  spec: { nodeName: string; hostNetwork?: boolean; containers: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number; protocol: string }> }> };
  status: { phase: string; podIP: string; podIPs: Array<{ ip: string }>; hostIP: string; conditions: Array<{ type: string; status: string }> };
}
interface Service extends KubeObject {
  spec: { selector?: Record<string, string>; clusterIP: string; ports: Array<{ name?: string; port: number; protocol: string; targetPort: number | string }> };
}
interface EndpointSlice extends KubeObject {
  endpoints: Array<{ addresses: string[]; conditions: { ready: boolean }; nodeName?: string; targetRef?: { kind: string; name: string; namespace: string; uid: string } }>;
  ports: Array<{ name: string; port: number; protocol: string }>;
}
interface CiliumEndpoint extends KubeObject {
  status: { id: number; state: string; identity: { id: number; labels: string[] }; networking: { addressing: Array<{ ipv4: string }>; node: string } };
}
interface CiliumIdentity extends KubeObject {
  'security-labels': Record<string, string>;
}
interface ENIConfig extends KubeObject {
  spec: { subnet: string; securityGroups: string[] };
}
interface CNINode extends KubeObject {
  spec: { features: Array<{ name: string; value: string }> };
}
interface Ec2Eni {
  NetworkInterfaceId: string;
  AvailabilityZone: string;
  SubnetId: string;
  VpcId: string;
  InterfaceType: string;
  Description: string;
  PrivateIpAddress: string;
  PrivateIpAddresses: Array<{ Primary: boolean; PrivateIpAddress: string }>;
  Groups: Array<{ GroupId: string }>;
  Attachment?: { InstanceId?: string; DeviceIndex: number; NetworkCardIndex?: number };
  TagSet: Array<{ Key: string; Value: string }>;
}
interface Ec2Subnet {
  SubnetId: string;
  CidrBlock: string;
  AvailabilityZone: string;
  AvailableIpAddressCount: number;
}
interface Ec2Instance {
  InstanceId: string;
  InstanceType: string;
  PrivateIpAddress: string;
  SubnetId: string;
  Placement: { AvailabilityZone: string };
  NetworkInterfaces: Array<{ NetworkInterfaceId: string }>;
}
interface IpamdAddress {
  Address: string;
  IPAMKey: { networkName: string; containerID: string; ifName: string };
  IPAMMetadata: { k8sPodNamespace?: string; k8sPodName?: string };
  AssignedTime: string;
  UnassignedTime: string;
}
interface IpamdEni {
  ID: string;
  IsPrimary: boolean;
  DeviceNumber: number;
  RouteTableID: number;
  SubnetID: string;
  AvailableIPv4Cidrs: Record<string, { Cidr: { IP: string; Mask: string }; IPAddresses: Record<string, IpamdAddress>; IsPrefix: boolean }>;
}
type IpamdBody = Record<string, { TotalIPs: number; AssignedIPs: number; ENIs: Record<string, IpamdEni> }>;
interface HubbleEndpoint {
  ID?: number;
  identity: number;
  namespace?: string;
  pod_name?: string;
  labels: string[];
}
interface HubbleFlow {
  verdict: string;
  IP: { source: string; destination: string };
  l4: { TCP?: { destination_port: number }; UDP?: { destination_port: number } };
  source: HubbleEndpoint;
  destination: HubbleEndpoint;
  node_name: string;
  traffic_direction: string;
  event_type: { type: number; sub_type?: number };
  drop_reason_desc?: string;
  is_reply?: boolean;
  egress_denied_by?: Array<{ name: string; kind: string }>;
}

// ---- loading

function readJson<T>(rel: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8')) as T;
}

const kube: KubeObject[] = fs
  .readdirSync(path.join(ROOT, 'kubernetes'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => {
    const doc = parse(fs.readFileSync(path.join(ROOT, 'kubernetes', f), 'utf8')) as { kind: string; items: KubeObject[] };
    expect(doc.kind, f).toBe('List');
    return doc.items;
  });

function ofKind<T extends KubeObject>(kind: string): T[] {
  return kube.filter((o) => o.kind === kind) as T[];
}

const nodes = ofKind<Node>('Node');
const pods = ofKind<Pod>('Pod');
const services = ofKind<Service>('Service');
const slices = ofKind<EndpointSlice>('EndpointSlice');
const ceps = ofKind<CiliumEndpoint>('CiliumEndpoint');
const identities = ofKind<CiliumIdentity>('CiliumIdentity');
const eniConfigs = ofKind<ENIConfig>('ENIConfig');
const cniNodes = ofKind<CNINode>('CNINode');
const ciliumDs = kube.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'cilium')!;

const enis = readJson<{ NetworkInterfaces: Ec2Eni[] }>('aws/describe-network-interfaces.json').NetworkInterfaces;
const subnets = readJson<{ Subnets: Ec2Subnet[] }>('aws/describe-subnets.json').Subnets;
const instances = readJson<{ Reservations: Array<{ Instances: Ec2Instance[] }> }>('aws/describe-instances.json').Reservations.flatMap((r) => r.Instances);
const vpc = readJson<{ Vpcs: Array<{ VpcId: string; CidrBlockAssociationSet: Array<{ CidrBlock: string }> }> }>('aws/describe-vpcs.json').Vpcs[0]!;
const natGateways = readJson<{ NatGateways: Array<{ NatGatewayId: string; SubnetId: string; NatGatewayAddresses: Array<{ NetworkInterfaceId: string; PrivateIp: string }> }> }>('aws/describe-nat-gateways.json').NatGateways;
const routeTables = readJson<{ RouteTables: Array<{ Associations: Array<{ SubnetId?: string; Main: boolean }>; Routes: Array<{ DestinationCidrBlock: string; NatGatewayId?: string; GatewayId?: string; TransitGatewayId?: string }> }> }>('aws/describe-route-tables.json').RouteTables;
const securityGroups = readJson<{ SecurityGroups: Array<{ GroupId: string }> }>('aws/describe-security-groups.json').SecurityGroups;
const flows = fs
  .readFileSync(path.join(ROOT, 'hubble/flows.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { flow: HubbleFlow; node_name: string; time: string });

// ---- helpers

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  const n = ipToInt(ip);
  const b = ipToInt(base!);
  return n >= b && n < b + size;
}

const subnetById = new Map(subnets.map((s) => [s.SubnetId, s]));
const instanceById = new Map(instances.map((i) => [i.InstanceId, i]));
const nodeByName = new Map(nodes.map((n) => [n.metadata.name, n]));
const podKey = (o: { metadata: Meta }): string => `${o.metadata.namespace}/${o.metadata.name}`;
const cepByKey = new Map(ceps.map((c) => [podKey(c), c]));

function instanceIdOf(node: Node): string {
  return node.spec.providerID.split('/').at(-1)!;
}

function internalIp(node: Node): string {
  return node.status.addresses.find((a) => a.type === 'InternalIP')!.address;
}

function enisOf(node: Node): Ec2Eni[] {
  return enis.filter((e) => e.Attachment?.InstanceId === instanceIdOf(node));
}

function ipsOf(eni: Ec2Eni): string[] {
  return eni.PrivateIpAddresses.map((a) => a.PrivateIpAddress);
}

function isReady(pod: Pod): boolean {
  return pod.status.phase === 'Running' && pod.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

const podNetworkPods = pods.filter((p) => !p.spec.hostNetwork);

// ---- tests

describe('demo snapshot', () => {
  it('has the documented size', () => {
    expect(nodes).toHaveLength(7);
    expect(pods.length).toBeGreaterThanOrEqual(40);
    expect(podNetworkPods).toHaveLength(18);
    expect(ceps).toHaveLength(16);
    expect(flows.length).toBeGreaterThanOrEqual(30);
    expect(flows.length).toBeLessThanOrEqual(80);
    for (const node of nodes) {
      const n = enisOf(node).length;
      expect(n, node.metadata.name).toBeGreaterThanOrEqual(2);
      expect(n, node.metadata.name).toBeLessThanOrEqual(3);
    }
  });

  it('references only subnets, security groups and ENIs that exist, inside the VPC CIDRs', () => {
    const vpcCidrs = vpc.CidrBlockAssociationSet.map((a) => a.CidrBlock);
    expect(vpcCidrs).toEqual(['10.0.0.0/16', '100.64.0.0/16']);
    for (const s of subnets) {
      expect(vpcCidrs.some((c) => inCidr(s.CidrBlock.split('/')[0]!, c)), s.SubnetId).toBe(true);
    }
    const sgIds = new Set(securityGroups.map((g) => g.GroupId));
    const eniIds = new Set(enis.map((e) => e.NetworkInterfaceId));
    for (const e of enis) {
      expect(subnetById.has(e.SubnetId), e.NetworkInterfaceId).toBe(true);
      expect(e.VpcId).toBe(vpc.VpcId);
      for (const g of e.Groups) expect(sgIds.has(g.GroupId), g.GroupId).toBe(true);
    }
    for (const i of instances) {
      expect(subnetById.has(i.SubnetId), i.InstanceId).toBe(true);
      for (const ni of i.NetworkInterfaces) expect(eniIds.has(ni.NetworkInterfaceId), ni.NetworkInterfaceId).toBe(true);
    }
    for (const n of natGateways) {
      expect(subnetById.has(n.SubnetId)).toBe(true);
      for (const a of n.NatGatewayAddresses) {
        const eni = enis.find((e) => e.NetworkInterfaceId === a.NetworkInterfaceId);
        expect(eni?.InterfaceType).toBe('nat_gateway');
        expect(eni?.PrivateIpAddress).toBe(a.PrivateIp);
      }
    }
    const natIds = new Set(natGateways.map((n) => n.NatGatewayId));
    for (const rt of routeTables) {
      for (const a of rt.Associations) if (a.SubnetId) expect(subnetById.has(a.SubnetId), a.SubnetId).toBe(true);
      for (const r of rt.Routes) if (r.NatGatewayId) expect(natIds.has(r.NatGatewayId)).toBe(true);
    }
    // Every subnet is associated with exactly one route table.
    for (const s of subnets) {
      expect(routeTables.filter((rt) => rt.Associations.some((a) => a.SubnetId === s.SubnetId)), s.SubnetId).toHaveLength(1);
    }
    for (const c of eniConfigs) {
      expect(subnetById.has(c.spec.subnet), c.metadata.name).toBe(true);
      for (const g of c.spec.securityGroups) expect(sgIds.has(g)).toBe(true);
    }
  });

  it('puts every ENI IP inside its subnet, never twice, with consistent free-address counts', () => {
    const seen = new Map<string, string>();
    const usedPerSubnet = new Map<string, number>();
    for (const e of enis) {
      const subnet = subnetById.get(e.SubnetId)!;
      expect(e.AvailabilityZone).toBe(subnet.AvailabilityZone);
      expect(e.PrivateIpAddresses.filter((a) => a.Primary).map((a) => a.PrivateIpAddress)).toEqual([e.PrivateIpAddress]);
      for (const ip of ipsOf(e)) {
        expect(inCidr(ip, subnet.CidrBlock), `${ip} of ${e.NetworkInterfaceId} in ${subnet.CidrBlock}`).toBe(true);
        expect(seen.get(ip), `${ip} on ${e.NetworkInterfaceId}`).toBeUndefined();
        seen.set(ip, e.NetworkInterfaceId);
      }
      usedPerSubnet.set(e.SubnetId, (usedPerSubnet.get(e.SubnetId) ?? 0) + ipsOf(e).length);
    }
    for (const s of subnets) {
      const size = 2 ** (32 - Number(s.CidrBlock.split('/')[1]));
      expect(s.AvailableIpAddressCount, s.SubnetId).toBe(size - 5 - (usedPerSubnet.get(s.SubnetId) ?? 0));
    }
  });

  it('keeps ENIs per node and IPs per ENI within the instance type limits', () => {
    for (const node of nodes) {
      const instance = instanceById.get(instanceIdOf(node))!;
      expect(instance, node.metadata.name).toBeDefined();
      expect(node.metadata.labels?.['node.kubernetes.io/instance-type']).toBe(instance.InstanceType);
      const limit = LIMITS[instance.InstanceType]!;
      const nodeEnis = enisOf(node);
      expect(nodeEnis.length).toBeLessThanOrEqual(limit.enis);
      for (const e of nodeEnis) expect(ipsOf(e).length, e.NetworkInterfaceId).toBeLessThanOrEqual(limit.ipv4PerEni);
      // Custom networking: max pods = (ENIs - 1) x (IPs - 1) + 2.
      expect(Number(node.status.capacity.pods)).toBe((limit.enis - 1) * (limit.ipv4PerEni - 1) + 2);
      // The instance lists the same ENIs as describe-network-interfaces.
      expect(instance.NetworkInterfaces.map((n) => n.NetworkInterfaceId).sort()).toEqual(nodeEnis.map((e) => e.NetworkInterfaceId).sort());
    }
  });

  it('places each pod-network pod IP on exactly one secondary ENI of its node, in the ENIConfig subnet of its AZ', () => {
    for (const pod of podNetworkPods) {
      const node = nodeByName.get(pod.spec.nodeName)!;
      expect(node, podKey(pod)).toBeDefined();
      const ip = pod.status.podIP;
      expect(pod.status.podIPs).toEqual([{ ip }]);
      expect(pod.status.hostIP).toBe(internalIp(node));
      const holders = enis.filter((e) => e.PrivateIpAddresses.some((a) => a.PrivateIpAddress === ip));
      expect(holders, `${podKey(pod)} ${ip}`).toHaveLength(1);
      const eni = holders[0]!;
      expect(eni.Attachment?.InstanceId, podKey(pod)).toBe(instanceIdOf(node));
      expect(eni.PrivateIpAddresses.find((a) => a.PrivateIpAddress === ip)!.Primary).toBe(false);
      expect(eni.Attachment!.DeviceIndex).toBeGreaterThanOrEqual(1);
      expect(inCidr(ip, subnetById.get(eni.SubnetId)!.CidrBlock)).toBe(true);
      const zone = node.metadata.labels!['topology.kubernetes.io/zone']!;
      const eniConfig = eniConfigs.find((c) => c.metadata.name === zone)!;
      expect(eniConfig, zone).toBeDefined();
      expect(eni.SubnetId).toBe(eniConfig.spec.subnet);
      expect(eni.Groups.map((g) => g.GroupId)).toEqual(eniConfig.spec.securityGroups);
    }
    // Custom networking: every secondary ENI sits in its AZ's ENIConfig subnet; eth0 holds no pod IPs.
    for (const node of nodes) {
      const zone = node.metadata.labels!['topology.kubernetes.io/zone']!;
      const eniConfig = eniConfigs.find((c) => c.metadata.name === zone)!;
      for (const e of enisOf(node)) {
        if (e.Attachment!.DeviceIndex === 0) {
          expect(ipsOf(e)).toEqual([internalIp(node)]);
        } else {
          expect(e.SubnetId).toBe(eniConfig.spec.subnet);
          expect(e.Description).toBe(`aws-K8S-${instanceIdOf(node)}`);
        }
      }
      expect(cniNodes.find((c) => c.metadata.name === node.metadata.name)?.spec.features).toEqual([{ name: 'CustomNetworking', value: zone }]);
    }
  });

  it('gives host-network pods the node IP, the primary IP of eth0', () => {
    const hostNetwork = pods.filter((p) => p.spec.hostNetwork);
    expect(hostNetwork.length).toBeGreaterThanOrEqual(3 * nodes.length);
    for (const pod of hostNetwork) {
      const node = nodeByName.get(pod.spec.nodeName)!;
      const eth0 = enisOf(node).find((e) => e.Attachment!.DeviceIndex === 0)!;
      expect(pod.status.podIP, podKey(pod)).toBe(internalIp(node));
      expect(eth0.PrivateIpAddress).toBe(internalIp(node));
      expect(instanceById.get(instanceIdOf(node))!.PrivateIpAddress).toBe(internalIp(node));
    }
  });

  it('has ipamd list exactly the ENIs EC2 has for the node, with assignments matching the pods', () => {
    for (const node of nodes) {
      const body = readJson<IpamdBody>(`ipamd/${node.metadata.name}.json`);
      expect(Object.keys(body)).toEqual(['0']);
      const card = body['0']!;
      const ec2 = enisOf(node);
      expect(Object.keys(card.ENIs).sort()).toEqual(ec2.map((e) => e.NetworkInterfaceId).sort());
      let total = 0;
      const assigned = new Map<string, string>();
      for (const e of ec2) {
        const ipamdEni = card.ENIs[e.NetworkInterfaceId]!;
        const device = e.Attachment!.DeviceIndex;
        expect(ipamdEni.DeviceNumber).toBe(device);
        expect(ipamdEni.IsPrimary).toBe(device === 0);
        expect(ipamdEni.RouteTableID).toBe(device === 0 ? 254 : device + 1);
        expect(ipamdEni.SubnetID).toBe(e.SubnetId);
        const secondaries = e.PrivateIpAddresses.filter((a) => !a.Primary).map((a) => `${a.PrivateIpAddress}/32`);
        expect(Object.keys(ipamdEni.AvailableIPv4Cidrs).sort()).toEqual(secondaries.sort());
        for (const [key, cidr] of Object.entries(ipamdEni.AvailableIPv4Cidrs)) {
          total++;
          expect(cidr.IsPrefix).toBe(false);
          expect(`${cidr.Cidr.IP}/32`).toBe(key);
          expect(cidr.Cidr.Mask).toBe('/////w==');
          for (const [ip, addr] of Object.entries(cidr.IPAddresses)) {
            expect(`${ip}/32`).toBe(key);
            expect(addr.Address).toBe(ip);
            if (addr.IPAMKey.containerID !== '') {
              expect(addr.UnassignedTime).toBe('0001-01-01T00:00:00Z');
              assigned.set(ip, `${addr.IPAMMetadata.k8sPodNamespace}/${addr.IPAMMetadata.k8sPodName}`);
            } else {
              expect(addr.UnassignedTime).not.toBe('0001-01-01T00:00:00Z');
              expect(addr.IPAMMetadata).toEqual({});
            }
          }
        }
      }
      expect(card.TotalIPs).toBe(total);
      expect(card.AssignedIPs).toBe(assigned.size);
      const expected = new Map(podNetworkPods.filter((p) => p.spec.nodeName === node.metadata.name).map((p) => [p.status.podIP, podKey(p)]));
      expect(assigned).toEqual(expected);
      // With WARM_ENI_TARGET=1 a node keeps at least one ENI's worth of free IPs (or has reached its limit).
      const limit = LIMITS[instanceById.get(instanceIdOf(node))!.InstanceType]!;
      expect(total - assigned.size >= limit.ipv4PerEni - 1 || ec2.length === limit.enis, node.metadata.name).toBe(true);
    }
  });

  it('has a CiliumEndpoint for every managed pod, and exactly two unmanaged application pods older than Cilium', () => {
    const ciliumInstalled = Date.parse(ciliumDs.metadata.creationTimestamp);
    const unmanaged = podNetworkPods.filter((p) => !cepByKey.has(podKey(p)));
    expect(unmanaged.map(podKey).sort()).toEqual([
      expect.stringMatching(/^data\/legacy-reporter-/),
      expect.stringMatching(/^payments\/worker-/),
    ]);
    for (const pod of unmanaged) expect(Date.parse(pod.metadata.creationTimestamp)).toBeLessThan(ciliumInstalled);
    const identityById = new Map(identities.map((i) => [Number(i.metadata.name), i]));
    for (const pod of podNetworkPods.filter((p) => cepByKey.has(podKey(p)))) {
      expect(Date.parse(pod.metadata.creationTimestamp)).toBeGreaterThan(ciliumInstalled);
      const cep = cepByKey.get(podKey(pod))!;
      expect(cep.status.state).toBe('ready');
      expect(cep.status.networking.addressing).toEqual([{ ipv4: pod.status.podIP }]);
      expect(cep.status.networking.node).toBe(pod.status.hostIP);
      expect(cep.metadata.ownerReferences?.[0]?.uid).toBe(pod.metadata.uid);
      expect(cep.status.identity.id).toBeGreaterThanOrEqual(256);
      const identity = identityById.get(cep.status.identity.id)!;
      expect(identity, `identity ${cep.status.identity.id}`).toBeDefined();
      expect(Object.entries(identity['security-labels']).map(([k, v]) => `${k}=${v}`).sort()).toEqual([...cep.status.identity.labels].sort());
      expect(cep.status.identity.labels).toContain(`k8s:io.kubernetes.pod.namespace=${pod.metadata.namespace}`);
    }
    // Every CEP belongs to a pod; endpoint IDs are unique per node.
    for (const cep of ceps) expect(pods.some((p) => podKey(p) === podKey(cep)), podKey(cep)).toBe(true);
    const perNode = new Map<string, Set<number>>();
    for (const cep of ceps) {
      const ids = perNode.get(cep.status.networking.node) ?? new Set<number>();
      expect(ids.has(cep.status.id)).toBe(false);
      ids.add(cep.status.id);
      perNode.set(cep.status.networking.node, ids);
    }
    // Pods with the same security labels share one identity.
    const frontendIds = new Set(ceps.filter((c) => c.metadata.name.startsWith('frontend-')).map((c) => c.status.identity.id));
    expect(frontendIds.size).toBe(1);
  });

  it('lists in each EndpointSlice exactly the ready pods its Service selects', () => {
    for (const svc of services) {
      const own = slices.filter((s) => s.metadata.namespace === svc.metadata.namespace && s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
      expect(own, podKey(svc)).toHaveLength(1);
      const slice = own[0]!;
      const addresses = slice.endpoints.flatMap((e) => e.addresses).sort();
      if (!svc.spec.selector) {
        // default/kubernetes: the EKS control-plane ENIs.
        for (const ip of addresses) expect(enis.find((e) => e.PrivateIpAddress === ip)?.Description).toBe('Amazon EKS shop-prod');
        continue;
      }
      const selector = svc.spec.selector;
      const selected = pods.filter((p) => p.metadata.namespace === svc.metadata.namespace && isReady(p) && Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
      expect(selected.length, podKey(svc)).toBeGreaterThan(0);
      expect(addresses).toEqual(selected.map((p) => p.status.podIP).sort());
      for (const ep of slice.endpoints) {
        const pod = selected.find((p) => p.status.podIP === ep.addresses[0])!;
        expect(ep.conditions.ready).toBe(true);
        expect(ep.nodeName).toBe(pod.spec.nodeName);
        expect(ep.targetRef).toEqual({ kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid });
      }
      expect(slice.ports.map((p) => p.name)).toEqual(svc.spec.ports.map((p) => p.name ?? ''));
      svc.spec.ports.forEach((sp, i) => {
        const resolved = typeof sp.targetPort === 'number'
          ? sp.targetPort
          : selected[0]!.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === sp.targetPort)!.containerPort;
        expect(slice.ports[i]!.port, `${podKey(svc)} ${sp.targetPort}`).toBe(resolved);
      });
    }
    expect(services.find((s) => s.metadata.name === 'kube-dns')?.spec.clusterIP).toBe('172.20.0.10');
    expect(services.every((s) => inCidr(s.spec.clusterIP, '172.20.0.0/16'))).toBe(true);
  });

  it('has Hubble flows that name real pods, IPs and nodes, including the denied traffic', () => {
    const podByName = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    for (const { flow, node_name } of flows) {
      expect(nodeByName.has(node_name)).toBe(true);
      expect(flow.node_name).toBe(node_name);
      for (const [ep, ip] of [[flow.source, flow.IP.source], [flow.destination, flow.IP.destination]] as const) {
        if (ep.pod_name) {
          const pod = podByName.get(`${ep.namespace}/${ep.pod_name}`)!;
          expect(pod, ep.pod_name).toBeDefined();
          expect(ip).toBe(pod.status.podIP);
          const cep = cepByKey.get(podKey(pod))!;
          expect(ep.identity).toBe(cep.status.identity.id);
          if (ep.ID !== undefined) {
            expect(ep.ID).toBe(cep.status.id);
            expect(pod.spec.nodeName).toBe(node_name);
          }
        } else {
          expect(ep).toEqual({ identity: 2, labels: ['reserved:world'] });
        }
      }
    }
    const cartToApi = flows.filter(({ flow }) => flow.verdict === 'DROPPED' && flow.event_type.type === 1 && flow.source.pod_name?.startsWith('cart-') && flow.destination.pod_name?.startsWith('api-'));
    expect(cartToApi.length).toBeGreaterThan(0);
    for (const { flow, node_name } of cartToApi) {
      expect(flow.drop_reason_desc).toBe('POLICY_DENIED');
      expect(flow.event_type).toEqual({ type: 1, sub_type: 133 });
      expect(flow.traffic_direction).toBe('INGRESS');
      expect(podByName.get(`payments/${flow.destination.pod_name}`)!.spec.nodeName).toBe(node_name);
    }
    const imds = flows.filter(({ flow }) => flow.IP.destination === '169.254.169.254' && flow.event_type.type === 1);
    expect(imds.length).toBeGreaterThan(0);
    for (const { flow } of imds) {
      expect(flow.drop_reason_desc).toBe('POLICY_DENY');
      expect(flow.traffic_direction).toBe('EGRESS');
      expect(flow.egress_denied_by?.[0]).toMatchObject({ name: 'deny-imds', kind: 'CiliumClusterwideNetworkPolicy' });
    }
    const forwardedPairs = new Set(flows.filter(({ flow }) => flow.verdict === 'FORWARDED' && !flow.is_reply).map(({ flow }) => `${flow.source.pod_name?.split('-')[0] ?? 'world'}>${flow.destination.pod_name?.split('-')[0] ?? 'world'}`));
    for (const pair of ['frontend>cart', 'checkout>api', 'world>frontend', 'orders>world', 'frontend>coredns']) expect(forwardedPairs, pair).toContain(pair);
    const mskIps = new Set(enis.filter((e) => e.Description.includes('MSK')).map((e) => e.PrivateIpAddress));
    expect(flows.some(({ flow }) => mskIps.has(flow.IP.destination) && flow.l4.TCP?.destination_port === 9094)).toBe(true);
  });

  it('is reproduced byte for byte by the generator', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cni-lens-demo-'));
    try {
      const written = buildDemoSnapshot(tmp).sort();
      const committed = ['kubernetes', 'aws', 'ipamd', 'hubble'].flatMap((d) => fs.readdirSync(path.join(ROOT, d)).map((f) => `${d}/${f}`)).sort();
      expect(written).toEqual(committed);
      for (const rel of written) {
        expect(fs.readFileSync(path.join(tmp, rel)).equals(fs.readFileSync(path.join(ROOT, rel))), `${rel} differs: re-run npx tsx scripts/demo/buildDemoSnapshot.ts`).toBe(true);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
