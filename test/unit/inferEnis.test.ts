/**
 * A node's ENIs in the fallback order EC2 → ipamd → inference from pod IPs and node addresses, on
 * the demo snapshot with some of its sources taken away, as the Nodes and ENIs trees show them.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inferNodeEnis } from '../../src/core/sources/inferEnis';
import { storeFromRawSnapshot } from '../../src/core/sources/snapshotStore';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import { emptyRawAws, type RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import { subnetRows } from '../../src/core/tree/enisTree';
import { nodeRows } from '../../src/core/tree/nodesTree';
import { tooltipText, type TreeRow } from '../../src/core/tree/treeRow';

const DEMO = resolve(__dirname, '../../demo/snapshot');
const NODE = 'ip-10-0-17-42.us-west-2.compute.internal';
const OTHER = 'ip-10-0-22-191.us-west-2.compute.internal';

function nodeRow(rows: TreeRow[], name: string): TreeRow {
  const row = rows.find((r) => r.id === `node/${name}`);
  if (!row) throw new Error(`no node row ${name}`);
  return row;
}

describe('ENIs of a node: EC2, then ipamd, then inferred from pod IPs', () => {
  let raw: RawSnapshot;
  let podIpsOnNode: Map<string, string>;
  beforeAll(async () => {
    raw = await loadSnapshot(DEMO);
    const full = storeFromRawSnapshot(raw).store;
    podIpsOnNode = new Map(full.podsOnNode(NODE).filter((p) => !p.hostNetwork && p.ip).map((p) => [p.ip!, `${p.namespace}/${p.name}`]));
    expect(podIpsOnNode.size).toBeGreaterThan(1);
  });

  const without = (what: { aws?: boolean; ipamdOf?: (node: string) => boolean }): RawSnapshot => ({
    ...raw,
    aws: what.aws ? emptyRawAws() : raw.aws,
    ipamd: what.ipamdOf ? raw.ipamd.filter((n) => !what.ipamdOf!(n.nodeName)) : raw.ipamd,
  });

  it('with neither EC2 nor ipamd: the InternalIP is eth0\'s primary IP and the pod IPs its secondary IPs, labelled as inferred', () => {
    const { store } = storeFromRawSnapshot(without({ aws: true, ipamdOf: () => true }));
    expect(store.count('eni')).toBe(0);
    const node = store.get('node', NODE)!;
    const row = nodeRow(nodeRows(store), NODE);
    const enis = row.children!();
    expect(enis).toHaveLength(1);
    expect(enis[0]?.label).toBe('eth0 (id unknown)');
    expect(enis[0]?.description).toBe(`eth0 · primary · ${podIpsOnNode.size}/${podIpsOnNode.size} IPs used · subnet unknown · inferred from pod IPs`);
    expect(tooltipText(enis[0]!)).toContain('cniLens.aws.profile');
    const ips = enis[0]!.children!();
    expect(ips.map((r) => [r.label, r.description])).toEqual([
      [node.internalIp, 'node primary'],
      ...[...podIpsOnNode.entries()].sort((a, b) => a[1].localeCompare(b[1])).map(([ip, pod]) => [ip, pod]),
    ]);
    // no allocation facts: capacity counts the pods' IPs and says where the ENIs came from
    expect(tooltipText(row)).toContain('inferred from pod IPs');
    // the ENIs tree: every node's inferred eth0 under one "unknown subnet" row
    const subnets = subnetRows(store);
    expect(subnets.map((r) => r.label)).toEqual(['(unknown subnet)']);
    expect(subnets[0]?.description).toBe(`${store.count('node')} ENIs`);
  });

  it('with EC2 subnets but no ENIs: eth0 in the node\'s subnet, pod IPs on an inferred ENI of the pod subnet', () => {
    const raw2 = without({ ipamdOf: () => true });
    const { store } = storeFromRawSnapshot({ ...raw2, aws: { ...emptyRawAws(), subnets: raw.aws.subnets, files: ['aws/describe-subnets.json'] } });
    const node = store.get('node', NODE)!;
    const nodeSubnet = [...store.list('subnet')].find((s) => s.cidr === '10.0.16.0/20')!;
    const podSubnet = [...store.list('subnet')].find((s) => s.cidr === '100.64.0.0/18')!;
    const enis = inferNodeEnis(node, store.podsOnNode(NODE), store.list('subnet'));
    expect(enis.map((e) => [e.deviceIndex, e.subnetId, e.ips.length])).toEqual([[0, nodeSubnet.id, 1], [undefined, podSubnet.id, podIpsOnNode.size]]);
    const rows = nodeRow(nodeRows(store), NODE).children!();
    expect(rows.map((r) => r.description)).toEqual([
      `eth0 · primary · 0/0 IPs used · ${nodeSubnet.id} · inferred from pod IPs`,
      `secondary · ${podIpsOnNode.size}/${podIpsOnNode.size} IPs used · ${podSubnet.id} · inferred from pod IPs`,
    ]);
    expect(subnetRows(store).find((r) => r.id === `subnet/${podSubnet.id}`)?.description).toContain('ENIConfig us-west-2a');
  });

  it('falls back per node: ipamd where EC2 is missing, inference only for the node ipamd did not answer for', () => {
    const { store } = storeFromRawSnapshot(without({ aws: true, ipamdOf: (n) => n === OTHER }));
    const rows = nodeRows(store);
    const fromIpamd = nodeRow(rows, NODE).children!();
    expect(fromIpamd.length).toBeGreaterThan(1);
    for (const eni of fromIpamd) expect(eni.description).toMatch(/ · from ipamd$/);
    const inferred = nodeRow(rows, OTHER).children!();
    expect(inferred.map((e) => e.description?.split(' · ').pop())).toEqual(['inferred from pod IPs']);
  });

  it('EC2 first: with EC2 and ipamd the ENIs are EC2\'s, enriched with ipamd\'s pod assignments', () => {
    const both = nodeRow(nodeRows(storeFromRawSnapshot(raw).store), NODE).children!();
    for (const eni of both) expect(eni.description).toMatch(/ · from EC2 \+ ipamd \(snapshot\)$/);
    const ec2Only = nodeRow(nodeRows(storeFromRawSnapshot(without({ ipamdOf: () => true })).store), NODE).children!();
    expect(ec2Only.map((e) => e.label)).toEqual(both.map((e) => e.label));
    for (const eni of ec2Only) expect(eni.description).toMatch(/ · from EC2 \(snapshot\)$/);
  });

  it('never throws on a node without addresses or pods', () => {
    const enis = inferNodeEnis({ name: 'bare', labels: {}, ready: false, origin: { source: 'snapshot' } }, []);
    expect(enis).toHaveLength(1);
    expect(enis[0]?.ips).toEqual([]);
    expect(enis[0]?.origin.source).toBe('inferred');
  });
});
