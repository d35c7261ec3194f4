/**
 * `runDoctor` on the demo snapshot (demo/README.md: aws-cni chaining done right, custom networking,
 * two pods started before Cilium) and on copies of it with one setting broken per test.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDoctorReport } from '../../src/core/analysis/doctor/format';
import { DOCTOR_CHECKS, doctorCheckList, runDoctor } from '../../src/core/analysis/doctor/runDoctor';
import type { DoctorReport, Finding } from '../../src/core/analysis/doctor/types';
import { restartCommand } from '../../src/core/analysis/doctor/workloadChecks';
import type { PodInfo, Provenance } from '../../src/core/model';
import type { DaemonSetInfo } from '../../src/core/project/projectKube';
import { loadSnapshot } from '../../src/core/snapshot/loadSnapshot';
import type { RawSnapshot } from '../../src/core/snapshot/rawSnapshot';
import { storeFromRawSnapshot } from '../../src/core/sources/snapshotStore';
import { ClusterStore } from '../../src/core/store/clusterStore';

const DEMO = join(__dirname, '..', '..', 'demo', 'snapshot');
let raw: RawSnapshot;

beforeAll(async () => {
  raw = await loadSnapshot(DEMO);
});

/** A fresh store of the demo (each test breaks its own copy). */
function demoStore(): ClusterStore {
  return storeFromRawSnapshot(raw).store;
}

function demoReport(): DoctorReport {
  const loaded = storeFromRawSnapshot(raw);
  return runDoctor(loaded.store, { sources: loaded.sources });
}

function finding(report: DoctorReport, id: string): Finding {
  const f = report.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id}`);
  return f;
}

/** Where a changed object "came from" in these tests, so the evidence can be traced to it. */
function fixtureOrigin(name: string): Provenance {
  return { source: 'snapshot', file: `test/fixtures/doctor/${name}.yaml`, line: 1 };
}

/** Replaces keys of kube-system/cilium-config (undefined deletes a key). */
function patchCiliumConfig(store: ClusterStore, patch: Record<string, string | undefined>, origin: Provenance): void {
  const cm = store.get('configMap', 'kube-system/cilium-config');
  if (!cm) throw new Error('demo has no cilium-config');
  const data = { ...cm.data };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete data[k];
    else data[k] = v;
  }
  store.upsert('configMap', { ...cm, data, origin });
}

/** Changes a copy of kube-system/aws-node. */
function patchAwsNode(store: ClusterStore, change: (ds: DaemonSetInfo) => void, origin: Provenance): void {
  const ds = store.get('daemonSet', 'kube-system/aws-node');
  if (!ds) throw new Error('demo has no aws-node');
  const copy: DaemonSetInfo = structuredClone(ds);
  change(copy);
  store.upsert('daemonSet', { ...copy, origin });
}

function awsNodeEnv(ds: DaemonSetInfo, container: string): Record<string, string> {
  const c = [...ds.containers, ...ds.initContainers].find((x) => x.name === container);
  if (!c) throw new Error(`no container ${container}`);
  return c.env;
}

function evidenceWith(f: Finding, fact: string) {
  const e = f.evidence.find((x) => x.fact.includes(fact));
  if (!e) throw new Error(`no evidence "${fact}" in ${f.id}: ${f.evidence.map((x) => x.fact).join(' | ')}`);
  return e;
}

describe('runDoctor on the demo snapshot', () => {
  it('finds aws-cni chaining with every chaining setting ok, and no error', () => {
    const r = demoReport();
    expect(r.mode.mode).toBe('aws-cni-chaining');
    for (const id of [
      'cilium.config',
      'cilium.chaining-mode',
      'cilium.cni-exclusive',
      'cilium.masquerade',
      'cilium.routing-mode',
      'cilium.host-legacy-routing',
      'cilium.kube-proxy-replacement',
      'cilium.encryption',
      'cilium.l7-policy',
      'vpc-cni.version',
      'vpc-cni.custom-networking',
      'vpc-cni.prefix-delegation',
      'vpc-cni.sg-for-pods',
      'policy.double-engine',
      'ip.duplicate-pod-ip',
      'ip.cilium-host-collision',
      'ip.duplicate-eni-ip',
      'sources.ec2',
      'sources.ipamd',
      'sources.kubernetes',
    ]) {
      expect(finding(r, id).severity, `${id}: ${finding(r, id).title}`).toBe('ok');
    }
    expect(r.counts.error).toBe(0);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // the endpoint-routes recommendation changed in the docs: reported, never judged
    expect(finding(r, 'cilium.endpoint-routes')).toMatchObject({ severity: 'info', title: 'enable-endpoint-routes is true' });
    expect(finding(r, 'vpc-cni.version').title).toBe('VPC CNI v1.22.3 (≥ 1.11.2)');
    expect(finding(r, 'vpc-cni.custom-networking').detail).toContain('us-west-2a → subnet-0c83df1dbe82d8929 (us-west-2a, 100.64.0.0/18)');
  });

  it('warns about the two pods started before Cilium, with their owners and the restart lines', () => {
    const f = finding(demoReport(), 'cilium.unmanaged-pods');
    expect(f.severity).toBe('warning');
    expect(f.title).toBe('2 pods are not managed by Cilium (no CiliumEndpoint)');
    expect(f.objects).toEqual([
      { kind: 'Pod', namespace: 'data', name: 'legacy-reporter-5c95786d59-pvf2k' },
      { kind: 'Pod', namespace: 'payments', name: 'worker-84bf9588bd-dgpm9' },
    ]);
    expect(f.detail).toContain('data/legacy-reporter-5c95786d59-pvf2k  100.64.12.89 on ip-10-0-22-191.us-west-2.compute.internal, owner Deployment legacy-reporter');
    expect(f.detail).toContain('payments/worker-84bf9588bd-dgpm9  100.64.74.231');
    expect(f.fix).toContain('kubectl -n data rollout restart deployment/legacy-reporter');
    expect(f.fix).toContain('kubectl -n payments rollout restart deployment/worker');
    expect(evidenceWith(f, 'legacy-reporter-5c95786d59-pvf2k CiliumEndpoint').origin).toMatchObject({ source: 'snapshot', file: 'kubernetes/pods.yaml' });
  });

  it('reports the SNAT picture (info) with the transit-gateway route that is SNATed', () => {
    const f = finding(demoReport(), 'vpc-cni.snat');
    expect(f.severity).toBe('info');
    expect(f.detail).toContain('outside 10.0.0.0/16, 100.64.0.0/16');
    expect(f.detail).toContain('192.168.0.0/16 (via tgw-0a598810837db7701)');
    expect(f.fix).toContain('kubectl -n kube-system set env daemonset/aws-node -c aws-node AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS=192.168.0.0/16');
  });

  it('capacity: nodes at their ENI limit but with enough free IPs up to max pods are info, not warnings', () => {
    const f = finding(demoReport(), 'capacity.nodes');
    expect(f.severity).toBe('info');
    expect(f.objects?.map((o) => o.name)).toEqual([
      'ip-10-0-17-42.us-west-2.compute.internal',
      'ip-10-0-22-191.us-west-2.compute.internal',
      'ip-10-0-57-14.us-west-2.compute.internal',
    ]);
    expect(f.detail).toContain('ip-10-0-17-42.us-west-2.compute.internal (m5.large): all 3 ENIs attached, 15 free IPs for 14 more pods before max pods (20): enough');
  });

  it('gives exactly one finding per check, in check order, each with a title, detail, fix and evidence', () => {
    const r = demoReport();
    expect(r.findings.map((f) => f.id)).toEqual(DOCTOR_CHECKS.map((c) => c.id));
    expect(doctorCheckList().map((c) => c.id)).toEqual(DOCTOR_CHECKS.map((c) => c.id));
    expect(new Set(r.findings.map((f) => f.id)).size).toBe(r.findings.length);
    for (const f of r.findings) {
      expect(f.title, f.id).not.toContain('\n');
      expect(f.detail.length, f.id).toBeGreaterThan(0);
      expect(f.fix.length, f.id).toBeGreaterThan(0);
      expect(f.evidence.length, f.id).toBeGreaterThan(0);
    }
    expect(r.counts).toEqual({ error: 0, warning: 1, info: 4, ok: 20 });
  });

  it('infers EC2 and ipamd presence from the store when no source list is given', () => {
    const r = runDoctor(demoStore());
    expect(finding(r, 'sources.ec2').severity).toBe('ok');
    expect(finding(r, 'sources.ipamd').severity).toBe('ok');
  });
});

describe('chaining settings broken one at a time', () => {
  it('masquerade on → error, evidence from cilium-config, fix names the Helm value and the key', () => {
    const store = demoStore();
    const origin = fixtureOrigin('masquerade');
    patchCiliumConfig(store, { 'enable-ipv4-masquerade': 'true' }, origin);
    const f = finding(runDoctor(store), 'cilium.masquerade');
    expect(f.severity).toBe('error');
    expect(evidenceWith(f, 'enable-ipv4-masquerade')).toMatchObject({ value: 'true', origin: { ...origin, detail: 'ConfigMap kube-system/cilium-config enable-ipv4-masquerade=true' } });
    expect(f.fix).toContain('--set enableIPv4Masquerade=false');
    expect(f.fix).toContain('enable-ipv4-masquerade: "false"');
    expect(f.fix).toContain(`kubectl -n kube-system patch configmap cilium-config --type merge -p '{"data":{"enable-ipv4-masquerade":"false"}}'`);
    expect(f.objects).toEqual([{ kind: 'ConfigMap', namespace: 'kube-system', name: 'cilium-config' }]);
  });

  it('masquerade key missing → error: Cilium\'s default is true', () => {
    const store = demoStore();
    patchCiliumConfig(store, { 'enable-ipv4-masquerade': undefined }, fixtureOrigin('masquerade-default'));
    const f = finding(runDoctor(store), 'cilium.masquerade');
    expect(f.severity).toBe('error');
    expect(f.title).toContain('not set');
    expect(evidenceWith(f, 'enable-ipv4-masquerade').origin.source).toBe('default');
  });

  it('cni-exclusive true → error, fix sets cni.exclusive=false and restarts aws-node to restore 10-aws.conflist', () => {
    const store = demoStore();
    const origin = fixtureOrigin('exclusive');
    patchCiliumConfig(store, { 'cni-exclusive': 'true' }, origin);
    const f = finding(runDoctor(store), 'cilium.cni-exclusive');
    expect(f.severity).toBe('error');
    expect(f.title).toContain('10-aws.conflist');
    expect(evidenceWith(f, 'cni-exclusive').origin).toMatchObject(origin);
    expect(f.fix).toContain('--set cni.exclusive=false');
    expect(f.fix).toContain('cni-exclusive: "false"');
    expect(f.fix).toContain('kubectl -n kube-system rollout restart daemonset/aws-node');
  });

  it('tunnel mode → error, fix sets routingMode=native / routing-mode: native', () => {
    const store = demoStore();
    const origin = fixtureOrigin('tunnel');
    patchCiliumConfig(store, { 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan' }, origin);
    const f = finding(runDoctor(store), 'cilium.routing-mode');
    expect(f.severity).toBe('error');
    expect(f.detail).toContain('(vxlan)');
    expect(evidenceWith(f, 'routing-mode')).toMatchObject({ value: 'tunnel', origin: { source: 'snapshot', file: origin.file } });
    expect(f.fix).toContain('--set routingMode=native');
    expect(f.fix).toContain('routing-mode: native');
  });

  it('the pre-1.14 key tunnel: disabled counts as native routing', () => {
    const store = demoStore();
    patchCiliumConfig(store, { 'routing-mode': undefined, tunnel: 'disabled' }, fixtureOrigin('legacy-tunnel'));
    const f = finding(runDoctor(store), 'cilium.routing-mode');
    expect(f.severity).toBe('ok');
    expect(f.title).toContain('pre-1.14');
  });

  it('IPsec → error (unsupported in chaining); WireGuard → warning', () => {
    const store = demoStore();
    const origin = fixtureOrigin('ipsec');
    patchCiliumConfig(store, { 'enable-ipsec': 'true' }, origin);
    const f = finding(runDoctor(store), 'cilium.encryption');
    expect(f.severity).toBe('error');
    expect(f.detail).toContain('cilium/cilium#15596');
    expect(evidenceWith(f, 'enable-ipsec')).toMatchObject({ value: 'true', origin: { file: origin.file } });
    expect(f.fix).toContain('--set encryption.enabled=false');
    expect(f.fix).toContain('enable-ipsec: "false"');

    const wg = demoStore();
    patchCiliumConfig(wg, { 'enable-wireguard': 'true' }, fixtureOrigin('wireguard'));
    expect(finding(runDoctor(wg), 'cilium.encryption').severity).toBe('warning');
  });

  it('kube-proxy replacement → warning with why, fix names kubeProxyReplacement=false', () => {
    const store = demoStore();
    const origin = fixtureOrigin('kpr');
    patchCiliumConfig(store, { 'kube-proxy-replacement': 'true' }, origin);
    const r = runDoctor(store);
    const f = finding(r, 'cilium.kube-proxy-replacement');
    expect(f.severity).toBe('warning');
    expect(f.detail).toContain('cilium/cilium#30563');
    expect(f.detail).toContain('DaemonSet kube-system/kube-proxy is still present');
    expect(evidenceWith(f, 'kube-proxy-replacement')).toMatchObject({ value: 'true', origin: { file: origin.file } });
    expect(f.fix).toContain('--set kubeProxyReplacement=false');
    expect(f.fix).toContain('kube-proxy-replacement: "false"');
    // legacy host routing is still forced, so that check stays ok
    expect(finding(r, 'cilium.host-legacy-routing').severity).toBe('ok');
  });

  it('legacy host routing off with KPR on → warning; off with KPR off → info (the agent falls back)', () => {
    const store = demoStore();
    patchCiliumConfig(store, { 'enable-host-legacy-routing': 'false', 'kube-proxy-replacement': 'true' }, fixtureOrigin('bpf-host-routing'));
    const f = finding(runDoctor(store), 'cilium.host-legacy-routing');
    expect(f.severity).toBe('warning');
    expect(f.fix).toContain('enable-host-legacy-routing: "true"');
    const store2 = demoStore();
    patchCiliumConfig(store2, { 'enable-host-legacy-routing': undefined }, fixtureOrigin('no-legacy-key'));
    expect(finding(runDoctor(store2), 'cilium.host-legacy-routing').severity).toBe('info');
  });

  it('cni-external-routing=false → the endpoint-routes check warns', () => {
    const store = demoStore();
    patchCiliumConfig(store, { 'cni-external-routing': 'false' }, fixtureOrigin('external-routing'));
    const f = finding(runDoctor(store), 'cilium.endpoint-routes');
    expect(f.severity).toBe('warning');
    expect(f.fix).toContain('"cni-external-routing":"true"');
  });

  it('another chaining mode → error naming aws-cni', () => {
    const store = demoStore();
    patchCiliumConfig(store, { 'cni-chaining-mode': 'generic-veth' }, fixtureOrigin('generic-veth'));
    const r = runDoctor(store);
    expect(r.mode.mode).toBe('aws-cni-chaining');
    const f = finding(r, 'cilium.chaining-mode');
    expect(f.severity).toBe('error');
    expect(f.fix).toContain('--set cni.chainingMode=aws-cni');
    expect(f.fix).toContain('cni-chaining-mode: aws-cni');
  });

  it('L7 rules in a CiliumNetworkPolicy → warning naming the policy and the rule path', () => {
    const store = demoStore();
    const origin = fixtureOrigin('l7');
    store.upsert('networkPolicy', {
      kind: 'CiliumNetworkPolicy',
      namespace: 'shop',
      name: 'cart-l7',
      spec: {
        endpointSelector: { matchLabels: { app: 'cart' } },
        ingress: [{ fromEndpoints: [{ matchLabels: { app: 'frontend' } }], toPorts: [{ ports: [{ port: '7070', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/api/.*' }] } }] }],
        egress: [{ toFQDNs: [{ matchName: 'example.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }],
      },
      origin,
    });
    const f = finding(runDoctor(store), 'cilium.l7-policy');
    expect(f.severity).toBe('warning');
    expect(f.detail).toContain('CiliumNetworkPolicy shop/cart-l7 spec.ingress[0].toPorts[0].rules.http: 1 HTTP rule');
    expect(f.detail).toContain('spec.egress[0].toFQDNs');
    expect(evidenceWith(f, 'rules.http').origin).toEqual(origin);
    expect(f.objects).toEqual([{ kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'cart-l7' }]);
  });
});

describe('VPC CNI settings broken one at a time', () => {
  it('VPC CNI 1.10.1 → error, evidence is the aws-node image, fix upgrades to ≥ 1.11.2 with the cluster name', () => {
    const store = demoStore();
    const origin = fixtureOrigin('old-vpc-cni');
    patchAwsNode(store, (ds) => {
      const c = ds.containers.find((x) => x.name === 'aws-node');
      if (c) c.image = '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.10.1-eksbuild.1';
    }, origin);
    const f = finding(runDoctor(store), 'vpc-cni.version');
    expect(f.severity).toBe('error');
    expect(f.title).toBe('VPC CNI v1.10.1 is older than 1.11.2');
    expect(evidenceWith(f, 'image version')).toMatchObject({ value: 'v1.10.1', origin: { ...origin, detail: expect.stringContaining('amazon-k8s-cni:v1.10.1-eksbuild.1') } });
    expect(f.fix).toContain('v1.11.2');
    expect(f.fix).toContain('aws eks update-addon --cluster-name shop-prod --addon-name vpc-cni');
  });

  it('network policy agent on next to Cilium → error (two policy engines), fix turns enableNetworkPolicy off', () => {
    const store = demoStore();
    const origin = fixtureOrigin('network-policy-agent');
    patchAwsNode(store, (ds) => {
      const agent = ds.containers.find((x) => x.name === 'aws-eks-nodeagent');
      if (agent) agent.args = agent.args.map((a) => (a.startsWith('--enable-network-policy=') ? '--enable-network-policy=true' : a));
    }, origin);
    const f = finding(runDoctor(store), 'policy.double-engine');
    expect(f.severity).toBe('error');
    expect(evidenceWith(f, '--enable-network-policy')).toMatchObject({ value: 'true', origin: { source: 'snapshot', file: origin.file } });
    expect(evidenceWith(f, '--enable-network-policy').origin.detail).toContain('arg --enable-network-policy=true');
    expect(f.fix).toContain(`--configuration-values '{"enableNetworkPolicy":"false"}'`);
    expect(f.fix).toContain('--enable-network-policy=false on container aws-eks-nodeagent');
    expect(f.fix).toContain('enable-network-policy-controller: "false"');
  });

  it('security groups for pods without DISABLE_TCP_EARLY_DEMUX=true → warning, fix sets it on the init container', () => {
    const store = demoStore();
    const origin = fixtureOrigin('sg-for-pods');
    patchAwsNode(store, (ds) => {
      awsNodeEnv(ds, 'aws-node').ENABLE_POD_ENI = 'true';
    }, origin);
    const f = finding(runDoctor(store), 'vpc-cni.sg-for-pods');
    expect(f.severity).toBe('warning');
    expect(f.detail).toContain('cilium/cilium#24943');
    expect(evidenceWith(f, 'ENABLE_POD_ENI')).toMatchObject({ value: 'true', origin: { file: origin.file } });
    expect(evidenceWith(f, 'DISABLE_TCP_EARLY_DEMUX')).toMatchObject({
      value: 'false',
      origin: { source: 'snapshot', file: origin.file, detail: 'DaemonSet kube-system/aws-node init container aws-vpc-cni-init env DISABLE_TCP_EARLY_DEMUX=false' },
    });
    expect(f.fix).toContain('kubectl -n kube-system set env daemonset/aws-node -c aws-vpc-cni-init DISABLE_TCP_EARLY_DEMUX=true');

    // with the init container fixed, it is ok
    patchAwsNode(store, (ds) => {
      awsNodeEnv(ds, 'aws-vpc-cni-init').DISABLE_TCP_EARLY_DEMUX = 'true';
    }, origin);
    expect(finding(runDoctor(store), 'vpc-cni.sg-for-pods').severity).toBe('ok');
  });

  it('ENIConfig whose subnet is in another AZ → error for the nodes of that AZ, fix patches in a subnet of the right AZ', () => {
    const store = demoStore();
    const origin = fixtureOrigin('eniconfig-wrong-az');
    const ec = store.get('eniConfig', 'us-west-2a');
    if (!ec) throw new Error('demo has no ENIConfig us-west-2a');
    // subnet-0c5f36bf2ca7dee47 is the us-west-2b pod subnet
    store.upsert('eniConfig', { ...ec, subnet: 'subnet-0c5f36bf2ca7dee47', origin });
    const f = finding(runDoctor(store), 'vpc-cni.custom-networking');
    expect(f.severity).toBe('error');
    expect(f.title).toBe('3 nodes have no usable ENIConfig (custom networking)');
    expect(f.detail).toContain('ENIConfig us-west-2a uses subnet subnet-0c5f36bf2ca7dee47 (100.64.64.0/18) in us-west-2b, but ip-10-0-17-42.us-west-2.compute.internal, ip-10-0-22-191.us-west-2.compute.internal, ip-10-0-29-8.us-west-2.compute.internal are in us-west-2a');
    expect(evidenceWith(f, 'ENIConfig us-west-2a spec.subnet')).toMatchObject({ value: 'subnet-0c5f36bf2ca7dee47', origin });
    expect(evidenceWith(f, 'Subnet subnet-0c5f36bf2ca7dee47 zone')).toMatchObject({ value: 'us-west-2b', origin: { source: 'snapshot', file: expect.stringContaining('aws/describe-subnets.json') } });
    expect(evidenceWith(f, 'Node ip-10-0-17-42.us-west-2.compute.internal ENIConfig').origin.detail).toBe('CNINode ip-10-0-17-42.us-west-2.compute.internal spec.features CustomNetworking=us-west-2a');
    expect(f.fix).toContain(`kubectl patch eniconfig us-west-2a --type merge -p '{"spec":{"subnet":"subnet-0c83df1dbe82d8929"}}'`);
    expect(f.objects).toContainEqual({ kind: 'Node', name: 'ip-10-0-17-42.us-west-2.compute.internal' });
    expect(f.objects).toContainEqual({ kind: 'ENIConfig', name: 'us-west-2a' });
  });

  it('a node whose ENIConfig does not exist → error', () => {
    const store = demoStore();
    store.remove('eniConfig', 'us-west-2c');
    const f = finding(runDoctor(store), 'vpc-cni.custom-networking');
    expect(f.severity).toBe('error');
    expect(f.detail).toContain('ENIConfig "us-west-2c" (CNINode');
    expect(f.detail).toContain('does not exist');
  });

  it('custom networking without EC2 data → info: the subnets could not be verified', () => {
    const store = demoStore();
    const loaded = storeFromRawSnapshot(raw);
    const sources = loaded.sources.map((s) => (s.name === 'ec2' ? { name: 'ec2', state: 'missing' as const, detail: 'no aws/describe-*.json in the snapshot' } : s));
    const r = runDoctor(store, { sources });
    expect(finding(r, 'vpc-cni.custom-networking').severity).toBe('info');
    expect(finding(r, 'vpc-cni.custom-networking').detail).toContain('Not verified without EC2 data');
    const src = finding(r, 'sources.ec2');
    expect(src.severity).toBe('info');
    expect(src.detail).toContain('custom networking');
  });

  it('prefix delegation on a non-Nitro instance type → warning naming the node', () => {
    const store = demoStore();
    patchAwsNode(store, (ds) => {
      awsNodeEnv(ds, 'aws-node').ENABLE_PREFIX_DELEGATION = 'true';
    }, fixtureOrigin('prefix-delegation'));
    const node = store.get('node', 'ip-10-0-29-8.us-west-2.compute.internal');
    if (!node) throw new Error('no node');
    store.upsert('node', { ...node, instanceType: 'm4.large' });
    const f = finding(runDoctor(store), 'vpc-cni.prefix-delegation');
    expect(f.severity).toBe('warning');
    expect(f.detail).toContain('ip-10-0-29-8.us-west-2.compute.internal (m4.large, xen)');
    expect(f.fix).toContain('ENABLE_PREFIX_DELEGATION=false');
  });

  it('EXTERNALSNAT=true with exclusions → info: the exclusions are unused', () => {
    const store = demoStore();
    patchAwsNode(store, (ds) => {
      const env = awsNodeEnv(ds, 'aws-node');
      env.AWS_VPC_K8S_CNI_EXTERNALSNAT = 'true';
      env.AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS = '192.168.0.0/16';
    }, fixtureOrigin('external-snat'));
    const f = finding(runDoctor(store), 'vpc-cni.snat');
    expect(f.severity).toBe('info');
    expect(f.title).toContain('no effect');
    expect(f.fix).toContain('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS-');
  });
});

describe('IP collisions', () => {
  const FRONTEND = 'shop/frontend-5bbc558bcd-2vxgb'; // 100.64.111.251 on ip-10-0-35-117

  function copyPod(store: ClusterStore, key: string, change: Partial<PodInfo>): PodInfo {
    const p = store.get('pod', key);
    if (!p) throw new Error(`no pod ${key}`);
    const copy: PodInfo = { ...structuredClone(p), ...change };
    store.upsert('pod', copy);
    return copy;
  }

  it('an IP held by two pods → error with both owners; the fix replaces the pod ipamd did not assign it to', () => {
    const store = demoStore();
    const origin = fixtureOrigin('duplicate-ip');
    copyPod(store, FRONTEND, { name: 'impostor-7f9c4d', createdAt: '2026-11-20T09:00:00Z', nodeName: 'ip-10-0-50-66.us-west-2.compute.internal', origin });
    const f = finding(runDoctor(store), 'ip.duplicate-pod-ip');
    expect(f.severity).toBe('error');
    expect(f.detail).toContain('100.64.111.251: shop/frontend-5bbc558bcd-2vxgb (ip-10-0-35-117.us-west-2.compute.internal');
    expect(f.detail).toContain('shop/impostor-7f9c4d (ip-10-0-50-66.us-west-2.compute.internal');
    expect(f.detail).toContain('ipamd assigned it to shop/frontend-5bbc558bcd-2vxgb');
    expect(evidenceWith(f, 'Pod shop/impostor-7f9c4d IP')).toMatchObject({ value: '100.64.111.251', origin });
    expect(evidenceWith(f, `Pod ${FRONTEND} IP`).origin).toMatchObject({ source: 'snapshot', file: 'kubernetes/pods.yaml' });
    expect(f.fix).toContain('kubectl -n shop delete pod impostor-7f9c4d');
    expect(f.fix).not.toContain('delete pod frontend-5bbc558bcd-2vxgb');
    expect(f.objects).toContainEqual({ kind: 'Pod', namespace: 'shop', name: 'impostor-7f9c4d' });
  });

  it('a finished pod keeping an old IP is not a collision', () => {
    const store = demoStore();
    copyPod(store, FRONTEND, { name: 'done-job-x', phase: 'Succeeded' });
    expect(finding(runDoctor(store), 'ip.duplicate-pod-ip').severity).toBe('ok');
  });

  it('a pod IP equal to a node\'s CiliumInternalIP (cilium_host) → error citing cilium#30682', () => {
    const store = demoStore();
    const cn = store.get('ciliumNode', 'ip-10-0-17-42.us-west-2.compute.internal');
    const routerIp = cn?.addresses.find((a) => a.type === 'CiliumInternalIP')?.ip;
    expect(routerIp).toBe('10.200.0.141');
    const origin = fixtureOrigin('cilium-host-collision');
    copyPod(store, FRONTEND, { name: 'clash-5d8f', ip: routerIp, ips: [routerIp as string], origin });
    const f = finding(runDoctor(store), 'ip.cilium-host-collision');
    expect(f.severity).toBe('error');
    expect(f.title).toContain('cilium/cilium#30682');
    expect(f.detail).toContain('10.200.0.141: cilium_host of ip-10-0-17-42.us-west-2.compute.internal and pod shop/clash-5d8f');
    expect(evidenceWith(f, 'CiliumInternalIP')).toMatchObject({ value: '10.200.0.141', origin: { source: 'snapshot', file: 'kubernetes/cilium.yaml' } });
    expect(evidenceWith(f, 'Pod shop/clash-5d8f IP')).toMatchObject({ value: '10.200.0.141', origin });
    expect(f.fix).toContain('cluster-pool-ipv4-cidr');
    expect(f.fix).toContain('kubectl -n shop delete pod clash-5d8f');
    expect(f.objects).toContainEqual({ kind: 'CiliumNode', name: 'ip-10-0-17-42.us-west-2.compute.internal' });
  });

  it('an IP on two ENIs → error with both ENIs', () => {
    const store = demoStore();
    const enis = store.enisOnNode('ip-10-0-17-42.us-west-2.compute.internal');
    const a = enis.find((e) => e.deviceIndex === 1);
    const b = store.enisOnNode('ip-10-0-35-117.us-west-2.compute.internal').find((e) => e.deviceIndex === 1);
    if (!a || !b) throw new Error('no ENIs');
    const ip = a.ips.find((x) => !x.primary)?.ip as string;
    store.upsert('eni', { ...b, ips: [...b.ips, { ip, primary: false }], origin: fixtureOrigin('eni-dup') });
    const f = finding(runDoctor(store), 'ip.duplicate-eni-ip');
    expect(f.severity).toBe('error');
    expect(f.detail).toContain(`${ip}: `);
    expect(f.detail).toContain(a.id);
    expect(f.detail).toContain(b.id);
    expect(evidenceWith(f, `ENI ${b.id} IP`).origin).toEqual(fixtureOrigin('eni-dup'));
  });
});

describe('modes and robustness', () => {
  it('VPC CNI only: the Cilium checks say they were not checked, the VPC CNI checks run', () => {
    const store = demoStore();
    store.remove('configMap', 'kube-system/cilium-config');
    store.remove('daemonSet', 'kube-system/cilium');
    for (const key of [...store.keys('ciliumEndpoint')]) store.remove('ciliumEndpoint', key);
    for (const key of [...store.keys('ciliumNode')]) store.remove('ciliumNode', key);
    const r = runDoctor(store);
    expect(r.mode.mode).toBe('vpc-cni-only');
    for (const id of ['cilium.masquerade', 'cilium.unmanaged-pods', 'policy.double-engine', 'ip.cilium-host-collision']) {
      expect(finding(r, id).severity, id).toBe('info');
      expect(finding(r, id).title, id).toContain('not checked');
    }
    expect(finding(r, 'vpc-cni.version').severity).toBe('ok');
    expect(r.counts.error).toBe(0);
  });

  it('an empty store: mode unknown, no error, one finding per check', () => {
    const r = runDoctor(new ClusterStore());
    expect(r.mode.mode).toBe('unknown');
    expect(r.findings).toHaveLength(DOCTOR_CHECKS.length);
    expect(r.counts.error).toBe(0);
  });

  it('never throws: a check that breaks becomes a warning of that check', () => {
    const store = demoStore();
    // a hostile policy object whose spec throws when read
    const spec = {};
    Object.defineProperty(spec, 'ingress', { enumerable: true, get: () => { throw new Error('boom'); } });
    store.upsert('networkPolicy', { kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'hostile', spec, origin: fixtureOrigin('hostile') });
    const r = runDoctor(store);
    const f = finding(r, 'cilium.l7-policy');
    expect(f.severity).toBe('warning');
    expect(f.detail).toContain('boom');
    expect(r.findings).toHaveLength(DOCTOR_CHECKS.length);
  });

  it('chaining with cilium-config missing: a warning, and the settings checks are not checked', () => {
    const store = demoStore();
    store.remove('configMap', 'kube-system/cilium-config');
    const r = runDoctor(store);
    expect(r.mode.mode).toBe('aws-cni-chaining');
    expect(finding(r, 'cilium.config').severity).toBe('warning');
    expect(finding(r, 'cilium.masquerade').severity).toBe('info');
  });

  it('restartCommand: Deployment from the ReplicaSet and the pod-template-hash; StatefulSet; bare pod', () => {
    const base = { ips: [], hostNetwork: false, ready: true, containerPorts: [], origin: { source: 'snapshot' as const } };
    expect(restartCommand({ ...base, namespace: 'a', name: 'web-5d9f-x', labels: { 'pod-template-hash': '5d9f' }, owner: { kind: 'ReplicaSet', name: 'web-5d9f' } }).command).toBe('kubectl -n a rollout restart deployment/web');
    expect(restartCommand({ ...base, namespace: 'a', name: 'db-0', labels: {}, owner: { kind: 'StatefulSet', name: 'db' } }).command).toBe('kubectl -n a rollout restart statefulset/db');
    expect(restartCommand({ ...base, namespace: 'a', name: 'solo', labels: {} }).command).toContain('kubectl -n a delete pod solo');
  });

  it('formats like a linter: errors first with the fix, ok checks only with all', () => {
    const store = demoStore();
    patchCiliumConfig(store, { 'enable-ipv4-masquerade': 'true' }, fixtureOrigin('masquerade'));
    const r = runDoctor(store);
    const text = formatDoctorReport(r);
    expect(text.indexOf('✖ cilium.masquerade')).toBeGreaterThan(0);
    expect(text.indexOf('✖ cilium.masquerade')).toBeLessThan(text.indexOf('⚠ cilium.unmanaged-pods'));
    expect(text).toContain('    fix: Helm: --set enableIPv4Masquerade=false');
    expect(text).toContain('cilium-config enable-ipv4-masquerade = true  (test/fixtures/doctor/masquerade.yaml:1)');
    expect(text).not.toContain('✔');
    expect(text).toContain('1 error, 1 warning, 4 info, 19 ok (--all shows the ok checks)');
    expect(formatDoctorReport(r, { all: true })).toContain('✔ cilium.routing-mode  routing-mode is native');
  });
});
