import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Provenance } from '../../src/core/model';
import { projectIpamdEnis, projectIpamdEnvSettings } from '../../src/core/project/projectIpamd';

// Fixtures are written by hand from datapath.md A2 ("ipamd introspection", `/v1/enis` shape by version).
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../fixtures/project', name), 'utf8'));
const origin: Provenance = { source: 'ipamd' };
const node = 'ip-10-0-33-201.eu-west-1.compute.internal';

describe('projectIpamdEnis', () => {
  it('reads the ≤ v1.8 shape (IPv4Addresses, IPAMKey, no pod metadata)', () => {
    const r = projectIpamdEnis(fixture('ipamd-v1.8.json'), node, origin);
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('v1.8-or-older');
    expect(r.enis).toEqual([
      {
        id: 'eni-0a1b2c3d4e5f60001',
        nodeName: node,
        deviceIndex: 0,
        networkCardIndex: 0,
        kind: 'interface',
        securityGroups: [],
        ips: [
          { ip: '10.0.45.17', primary: false, assigned: true },
          { ip: '10.0.45.18', primary: false, assigned: false, coolingDown: true },
          { ip: '10.0.45.19', primary: false, assigned: false },
        ],
        prefixes: [],
        routeTableId: 254,
        tags: {},
        origin,
      },
      {
        id: 'eni-0a1b2c3d4e5f60002',
        nodeName: node,
        deviceIndex: 2,
        networkCardIndex: 0,
        kind: 'trunk',
        securityGroups: [],
        ips: [{ ip: '10.0.46.5', primary: false, assigned: true }],
        prefixes: [],
        routeTableId: 3,
        tags: {},
        origin,
      },
    ]);
    expect(r.enis[0].primaryIp).toBeUndefined();
    expect(r.enis[0].ips[0].pod).toBeUndefined();
  });

  it('reads the pre-1.7 ENIIPPools shape with Assigned flags', () => {
    const body = {
      TotalIPs: 2,
      AssignedIPs: 1,
      ENIIPPools: {
        'eni-0old': {
          ID: 'eni-0old',
          IsPrimary: true,
          DeviceNumber: 0,
          AssignedIPv4Addresses: 1,
          IPv4Addresses: {
            '10.0.1.5': { Address: '10.0.1.5', Assigned: true, UnassignedTime: '0001-01-01T00:00:00Z' },
            '10.0.1.6': { Address: '10.0.1.6', Assigned: false, UnassignedTime: '0001-01-01T00:00:00Z' },
          },
        },
      },
    };
    const r = projectIpamdEnis(body, node, origin);
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('v1.8-or-older');
    expect(r.enis[0].ips).toEqual([
      { ip: '10.0.1.5', primary: false, assigned: true },
      { ip: '10.0.1.6', primary: false, assigned: false },
    ]);
  });

  it('reads v1.9–v1.19 without IPAMMetadata (v1.10): /32 CIDRs, no pod names', () => {
    const r = projectIpamdEnis(fixture('ipamd-v1.10.json'), node, origin);
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('v1.9-v1.19');
    expect(r.enis).toHaveLength(1);
    expect(r.enis[0]).toMatchObject({ id: 'eni-0b1b2c3d4e5f60001', deviceIndex: 0, networkCardIndex: 0, kind: 'interface', routeTableId: 254, prefixes: [] });
    expect(r.enis[0].ips).toEqual([
      { ip: '10.0.45.17', primary: false, assigned: true },
      { ip: '10.0.45.18', primary: false, assigned: false },
      { ip: '10.0.45.19', primary: false, assigned: false, coolingDown: true },
    ]);
  });

  it('reads v1.9–v1.19 with IPAMMetadata (v1.16): pods per IP, a reassigned IP is not cooling', () => {
    const r = projectIpamdEnis(fixture('ipamd-v1.16.json'), node, origin);
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('v1.9-v1.19');
    expect(r.enis.map((e) => [e.id, e.deviceIndex, e.routeTableId])).toEqual([
      ['eni-0c1b2c3d4e5f60001', 0, 254],
      ['eni-0c1b2c3d4e5f60002', 1, 2],
    ]);
    expect(r.enis[0].ips).toEqual([
      { ip: '10.0.45.17', primary: false, assigned: true, pod: { namespace: 'shop', name: 'web-7d4b9c6f5-abcde' } },
      { ip: '10.0.45.18', primary: false, assigned: true, pod: { namespace: 'shop', name: 'cart-5c7f8d9b4-xyz12' } },
    ]);
    expect(r.enis[1].ips).toEqual([
      { ip: '10.0.52.9', primary: false, assigned: true, pod: { namespace: 'data', name: 'orders-db-0' } },
      { ip: '10.0.52.10', primary: false, assigned: false },
    ]);
  });

  it('reads v1.20+ with two network cards, computes route tables, marks the cooling IP', () => {
    const r = projectIpamdEnis(fixture('ipamd-v1.20-two-cards.json'), node, origin);
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('v1.20-or-newer');
    expect(r.enis.map((e) => ({ id: e.id, card: e.networkCardIndex, device: e.deviceIndex, kind: e.kind, table: e.routeTableId }))).toEqual([
      { id: 'eni-0d1b2c3d4e5f60001', card: 0, device: 0, kind: 'interface', table: 254 },
      { id: 'eni-0d1b2c3d4e5f60002', card: 0, device: 1, kind: 'interface', table: 2 },
      { id: 'eni-0d1b2c3d4e5f60003', card: 1, device: 1, kind: 'efa', table: 10101 },
    ]);
    expect(r.enis[0].ips).toEqual([
      { ip: '10.0.45.17', primary: false, assigned: true, pod: { namespace: 'shop', name: 'web-7d4b9c6f5-abcde' } },
      { ip: '10.0.45.18', primary: false, assigned: false, coolingDown: true },
    ]);
    expect(r.enis[2].ips).toEqual([{ ip: '10.0.70.4', primary: false, assigned: true, pod: { namespace: 'ml', name: 'trainer-0' } }]);
  });

  it('with a capture time, only releases within the cooldown count as cooling', () => {
    const within = projectIpamdEnis(fixture('ipamd-v1.20-two-cards.json'), node, origin, { now: '2026-05-01T10:00:40Z' });
    expect(within.enis[0].ips[1].coolingDown).toBe(true);
    const after = projectIpamdEnis(fixture('ipamd-v1.20-two-cards.json'), node, origin, { now: new Date('2026-05-01T10:01:00Z') });
    expect(after.enis[0].ips[1].coolingDown).toBeUndefined();
    expect(after.enis[0].ips[1].assigned).toBe(false);
  });

  it('reads v1.23: /28 prefixes, RouteTableID, SubnetID, blanked containerID still assigned', () => {
    const r = projectIpamdEnis(fixture('ipamd-v1.23-prefix.json'), node, origin);
    expect(r.problems).toEqual([]);
    expect(r.enis[0]).toMatchObject({ id: 'eni-0e1b2c3d4e5f60001', routeTableId: 254, subnetId: 'subnet-0node00000000', prefixes: ['10.0.60.16/28'] });
    expect(r.enis[0].ips).toEqual([
      { ip: '10.0.60.16', primary: false, prefix: '10.0.60.16/28', assigned: true, pod: { namespace: 'shop', name: 'web-7d4b9c6f5-abcde' } },
      { ip: '10.0.60.17', primary: false, prefix: '10.0.60.16/28', assigned: false, coolingDown: true },
    ]);
    expect(r.enis[1]).toMatchObject({ id: 'eni-0e1b2c3d4e5f60002', routeTableId: 2, subnetId: 'subnet-0pods00000000', prefixes: ['10.0.61.32/28'], ips: [] });
  });

  it('v1.23: an address with an all-blank IPAMKey but pod metadata is still assigned', () => {
    const addr = { Address: '10.0.1.5', IPAMKey: { networkName: '', containerID: '', ifName: '' }, IPAMMetadata: { k8sPodNamespace: 'a', k8sPodName: 'b' }, AssignedTime: '2026-05-01T10:00:00Z', UnassignedTime: '0001-01-01T00:00:00Z' };
    const body = { '0': { ENIs: { 'eni-1': { ID: 'eni-1', IsPrimary: true, DeviceNumber: 0, AvailableIPv4Cidrs: { '10.0.1.5/32': { Cidr: { IP: '10.0.1.5', Mask: '/////w==' }, IPAddresses: { '10.0.1.5': addr } } } } } } };
    expect(projectIpamdEnis(body, node, origin).enis[0].ips).toEqual([{ ip: '10.0.1.5', primary: false, assigned: true, pod: { namespace: 'a', name: 'b' } }]);
  });

  it('decodes the Go net.IPNet mask rather than trusting the map key', () => {
    const body = {
      ENIs: {
        'eni-1': {
          ID: 'eni-1',
          IsPrimary: false,
          DeviceNumber: 3,
          AvailableIPv4Cidrs: { weird: { Cidr: { IP: '10.1.0.0', Mask: '////8A==' }, IPAddresses: {} } },
          IPv6Cidrs: { '2600:1f14::/80': { Cidr: { IP: '2600:1f14::', Mask: '/////////////wAAAAAAAA==' }, IsPrefix: true, IPAddresses: {} } },
        },
      },
    };
    const r = projectIpamdEnis(body, node, origin);
    expect(r.problems).toEqual([]);
    expect(r.enis[0].prefixes).toEqual(['10.1.0.0/28', '2600:1f14::/80']);
    expect(r.enis[0].routeTableId).toBe(4);
  });

  it.each([
    ['null', null, 'expected a JSON object, found null'],
    ['a string', 'not json', 'expected a JSON object, found a string "not json"'],
    ['an array', [1, 2], 'expected a JSON object, found an array of 2'],
    ['a card that is a number', { '0': 5 }, 'network card "0" should be an object with ENIs, found number 5'],
    ['an unknown object', { hello: 'world' }, 'unrecognised shape, found an object with keys "hello"'],
    ['an empty object', {}, 'unrecognised shape, found an empty object'],
  ])('garbage input (%s) → no ENIs and a problem naming the node', (_label, body, message) => {
    const r = projectIpamdEnis(body, node, origin);
    expect(r.enis).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain(`ipamd /v1/enis of node ${node}`);
    expect(r.problems[0]).toContain(message);
  });

  it('skips a bad ENI entry but keeps the others', () => {
    const r = projectIpamdEnis({ ENIs: { 'eni-bad': 7, 'eni-ok': { ID: 'eni-ok', DeviceNumber: 1, AvailableIPv4Cidrs: { x: 'y' } } } }, node, origin);
    expect(r.enis.map((e) => e.id)).toEqual(['eni-ok']);
    expect(r.problems).toEqual([
      `ipamd /v1/enis of node ${node}: ENI eni-bad should be an object, found number 7`,
      `ipamd /v1/enis of node ${node}: CIDR x of ENI eni-ok should be an object, found a string "y"`,
    ]);
  });
});

describe('projectIpamdEnvSettings', () => {
  it('renders networkutils settings like the env vars', () => {
    expect(
      projectIpamdEnvSettings({
        AWS_VPC_K8S_CNI_CONNMARK: 128,
        AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: ['10.10.0.0/16', '192.168.0.0/24'],
        AWS_VPC_K8S_CNI_EXTERNALSNAT: false,
        AWS_EXTERNAL_SERVICE_CIDRS: null,
        AWS_VPC_ENI_MTU: 9001,
        AWS_VPC_K8S_CNI_VETHPREFIX: 'eni',
        AWS_VPC_CNI_NODE_PORT_SUPPORT: true,
        AWS_VPC_K8S_CNI_RANDOMIZESNAT: 2,
      }),
    ).toEqual({
      AWS_VPC_K8S_CNI_CONNMARK: '128',
      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.10.0.0/16,192.168.0.0/24',
      AWS_VPC_K8S_CNI_EXTERNALSNAT: 'false',
      AWS_EXTERNAL_SERVICE_CIDRS: '',
      AWS_VPC_ENI_MTU: '9001',
      AWS_VPC_K8S_CNI_VETHPREFIX: 'eni',
      AWS_VPC_CNI_NODE_PORT_SUPPORT: 'true',
      AWS_VPC_K8S_CNI_RANDOMIZESNAT: 'prng',
    });
  });

  it('renders ipamd settings and ignores garbage', () => {
    expect(projectIpamdEnvSettings({ WARM_IP_TARGET: 0, WARM_ENI_TARGET: 1, AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: true, nested: { a: 1 } })).toEqual({
      WARM_IP_TARGET: '0',
      WARM_ENI_TARGET: '1',
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
    });
    expect(projectIpamdEnvSettings(null)).toEqual({});
    expect(projectIpamdEnvSettings('x')).toEqual({});
    expect(projectIpamdEnvSettings([1])).toEqual({});
  });
});
