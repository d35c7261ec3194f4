import { describe, expect, it } from 'vitest';
import type { Provenance } from '../../src/core/model';
import { detectCiliumSettings, detectClusterMode, detectVpcCniSettings } from '../../src/core/project/detectSettings';
import type { ConfigMapInfo, DaemonSetInfo } from '../../src/core/project/projectKube';

const dsOrigin: Provenance = { source: 'snapshot', file: 'kubernetes/kube-system.yaml', line: 40 };
const cmOrigin: Provenance = { source: 'kubernetes-api' };

function awsNode(env: Record<string, string>, extra: Partial<DaemonSetInfo> = {}): DaemonSetInfo {
  return {
    namespace: 'kube-system',
    name: 'aws-node',
    containers: [
      {
        name: 'aws-node',
        image: '602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.20.4-eksbuild.1',
        env,
        envFrom: ['MY_NODE_NAME'],
        args: [],
      },
      { name: 'aws-eks-nodeagent', image: 'x/aws-network-policy-agent:v1.2.0', env: {}, envFrom: [], args: ['--enable-network-policy=false'] },
    ],
    initContainers: [],
    origin: dsOrigin,
    ...extra,
  };
}

const ciliumDs: DaemonSetInfo = {
  namespace: 'kube-system',
  name: 'cilium',
  containers: [{ name: 'cilium-agent', image: 'quay.io/cilium/cilium:v1.17.4@sha256:0123abcd', env: {}, envFrom: [], args: [] }],
  initContainers: [],
  origin: cmOrigin,
};

function ciliumConfig(data: Record<string, string>): ConfigMapInfo {
  return { namespace: 'kube-system', name: 'cilium-config', data, origin: cmOrigin };
}

const chainingConfig = ciliumConfig({
  'cni-chaining-mode': 'aws-cni',
  'cni-exclusive': 'false',
  'enable-ipv4-masquerade': 'false',
  'routing-mode': 'native',
  'kube-proxy-replacement': 'false',
  'enable-hubble': 'true',
  ipam: 'cluster-pool',
});

describe('detectVpcCniSettings', () => {
  it('reads the aws-node env, the version from the image tag, and says where each value came from', () => {
    const s = detectVpcCniSettings([awsNode({ AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true', AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.10.0.0/16, 192.168.0.0/24', WARM_IP_TARGET: '5', ENABLE_PREFIX_DELEGATION: 'yes' })]);
    expect(s.present).toBe(true);
    expect(s.version).toBe('v1.20.4');
    expect(s.env).toEqual({ AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true', AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.10.0.0/16, 192.168.0.0/24', WARM_IP_TARGET: '5', ENABLE_PREFIX_DELEGATION: 'yes' });
    expect(s.externalSnat).toEqual({
      value: true,
      origin: { ...dsOrigin, detail: 'DaemonSet kube-system/aws-node container aws-node env AWS_VPC_K8S_CNI_EXTERNALSNAT=true' },
    });
    expect(s.excludeSnatCidrs.value).toEqual(['10.10.0.0/16', '192.168.0.0/24']);
    expect(s.warmIpTarget).toMatchObject({ value: 5, origin: { source: 'snapshot', file: 'kubernetes/kube-system.yaml', line: 40 } });
    // invalid value: the default applies and the detail says so
    expect(s.prefixDelegation).toEqual({
      value: false,
      origin: { ...dsOrigin, detail: 'DaemonSet kube-system/aws-node container aws-node env ENABLE_PREFIX_DELEGATION=yes is not valid; VPC CNI default false applies' },
    });
  });

  it('uses the documented defaults with origin default (datapath.md A2)', () => {
    const s = detectVpcCniSettings([awsNode({})]);
    expect(s.externalSnat).toEqual({ value: false, origin: { source: 'default', detail: 'AWS_VPC_K8S_CNI_EXTERNALSNAT not set; VPC CNI default false' } });
    expect(s.excludeSnatCidrs.value).toEqual([]);
    expect(s.vethPrefix.value).toBe('eni');
    expect(s.customNetworking.value).toBe(false);
    expect(s.eniConfigLabelDef.value).toBe('k8s.amazonaws.com/eniConfig');
    expect(s.prefixDelegation.value).toBe(false);
    expect(s.podEni.value).toBe(false);
    expect(s.podSgEnforcingMode.value).toBe('strict');
    expect(s.nodePortSupport.value).toBe(true);
    expect(s.warmEniTarget.value).toBe(1);
    expect(s.warmIpTarget.value).toBeUndefined();
    expect(s.minimumIpTarget.value).toBeUndefined();
    expect(s.warmPrefixTarget.value).toBe(1);
    for (const setting of [s.vethPrefix, s.nodePortSupport, s.warmEniTarget, s.warmIpTarget]) expect(setting.origin.source).toBe('default');
  });

  it('reports the network policy agent flag', () => {
    const off = detectVpcCniSettings([awsNode({})]);
    expect(off.networkPolicyAgent).toMatchObject({ value: false, origin: { source: 'snapshot' } });
    const on = detectVpcCniSettings(
      [awsNode({}, { containers: [{ name: 'aws-node', env: {}, envFrom: [], args: [] }, { name: 'aws-eks-nodeagent', env: {}, envFrom: [], args: ['--enable-network-policy=true'] }] })],
      [{ namespace: 'kube-system', name: 'amazon-vpc-cni', data: { 'enable-network-policy-controller': 'true' }, origin: cmOrigin }],
    );
    expect(on.networkPolicyAgent).toEqual({
      value: true,
      origin: {
        ...dsOrigin,
        detail: 'DaemonSet kube-system/aws-node container aws-eks-nodeagent arg --enable-network-policy=true; ConfigMap kube-system/amazon-vpc-cni has enable-network-policy-controller=true',
      },
    });
  });

  it('without aws-node: present false, every setting a default', () => {
    const s = detectVpcCniSettings([ciliumDs]);
    expect(s.present).toBe(false);
    expect(s.version).toBeUndefined();
    expect(s.env).toEqual({});
    expect(s.externalSnat).toEqual({ value: false, origin: { source: 'default', detail: 'AWS_VPC_K8S_CNI_EXTERNALSNAT not set; aws-node not found; VPC CNI default false' } });
  });
});

describe('detectCiliumSettings', () => {
  it('reads cilium-config and the agent version', () => {
    const s = detectCiliumSettings(chainingConfig, ciliumDs);
    expect(s.present).toBe(true);
    expect(s.version).toBe('v1.17.4');
    expect(s.chainingMode).toEqual({ value: 'aws-cni', origin: { source: 'kubernetes-api', detail: 'ConfigMap kube-system/cilium-config cni-chaining-mode=aws-cni' } });
    expect(s.ipv4Masquerade.value).toBe(false);
    expect(s.routingMode.value).toBe('native');
    expect(s.kubeProxyReplacement.value).toBe('false');
    expect(s.socketLb).toEqual({ value: false, origin: { source: 'default', detail: 'bpf-lb-sock not set; Cilium default false' } });
    expect(s.enableHubble.value).toBe(true);
    expect(s.policyEnforcement).toMatchObject({ value: 'default', origin: { source: 'default' } });
    expect(s.clusterName).toMatchObject({ value: 'default', origin: { source: 'default' } });
    expect(s.config.ipam).toBe('cluster-pool');
  });

  it('socket LB from kube-proxy-replacement=true or bpf-lb-sock=true', () => {
    const kpr = detectCiliumSettings(ciliumConfig({ 'kube-proxy-replacement': 'true' }));
    expect(kpr.socketLb).toMatchObject({ value: true, origin: { source: 'kubernetes-api' } });
    expect(kpr.socketLb.origin.detail).toContain('kube-proxy-replacement=true');
    const sock = detectCiliumSettings(ciliumConfig({ 'kube-proxy-replacement': 'false', 'bpf-lb-sock': 'true' }));
    expect(sock.socketLb).toEqual({ value: true, origin: { source: 'kubernetes-api', detail: 'ConfigMap kube-system/cilium-config bpf-lb-sock=true' } });
  });

  it('maps the pre-1.14 tunnel key to a routing mode', () => {
    expect(detectCiliumSettings(ciliumConfig({ tunnel: 'disabled' })).routingMode).toEqual({
      value: 'native',
      origin: { source: 'kubernetes-api', detail: 'ConfigMap kube-system/cilium-config tunnel=disabled (pre-1.14 key; routing-mode not set)' },
    });
    expect(detectCiliumSettings(ciliumConfig({})).routingMode).toMatchObject({ value: 'tunnel', origin: { source: 'default' } });
  });

  it('without the ConfigMap: present false and defaults', () => {
    const s = detectCiliumSettings(undefined, undefined);
    expect(s.present).toBe(false);
    expect(s.version).toBeUndefined();
    expect(s.chainingMode).toEqual({ value: 'none', origin: { source: 'default', detail: 'cni-chaining-mode not set; cilium-config not found; Cilium default none' } });
    expect(s.ipv4Masquerade.value).toBe(true);
  });
});

describe('detectClusterMode', () => {
  const vpcCni = detectVpcCniSettings([awsNode({})]);
  const noVpcCni = detectVpcCniSettings([]);

  it('aws-cni-chaining from cni-chaining-mode=aws-cni', () => {
    expect(detectClusterMode({ vpcCni, cilium: detectCiliumSettings(chainingConfig, ciliumDs), ciliumDaemonSetFound: true, ciliumEndpointCount: 12, nodeCount: 3 })).toEqual({
      mode: 'aws-cni-chaining',
      reasons: ['ConfigMap kube-system/cilium-config has cni-chaining-mode=aws-cni', 'DaemonSet kube-system/aws-node found (v1.20.4)', '3 nodes seen'],
    });
  });

  it('aws-cni-chaining configured without aws-node says so', () => {
    const r = detectClusterMode({ vpcCni: noVpcCni, cilium: detectCiliumSettings(chainingConfig) });
    expect(r.mode).toBe('aws-cni-chaining');
    expect(r.reasons).toEqual([
      'ConfigMap kube-system/cilium-config has cni-chaining-mode=aws-cni',
      'DaemonSet kube-system/aws-node not found: chaining is configured but the VPC CNI was not seen',
    ]);
  });

  it('cilium-only with ipam: eni', () => {
    const cilium = detectCiliumSettings(ciliumConfig({ ipam: 'eni', 'routing-mode': 'native' }), ciliumDs);
    expect(detectClusterMode({ vpcCni: noVpcCni, cilium, ciliumDaemonSetFound: true, ciliumEndpointCount: 1, nodeCount: 2 })).toEqual({
      mode: 'cilium-only',
      reasons: [
        'ConfigMap kube-system/cilium-config has no cni-chaining-mode',
        'ConfigMap kube-system/cilium-config has ipam=eni (Cilium allocates ENI IPs itself)',
        'Cilium agent DaemonSet found (v1.17.4)',
        '1 CiliumEndpoint found',
        'DaemonSet kube-system/aws-node not found',
        '2 nodes seen',
      ],
    });
  });

  it('vpc-cni-only when aws-node is there and Cilium is not', () => {
    expect(detectClusterMode({ vpcCni, cilium: detectCiliumSettings(undefined), ciliumEndpointCount: 0, nodeCount: 3 })).toEqual({
      mode: 'vpc-cni-only',
      reasons: ['DaemonSet kube-system/aws-node found (v1.20.4)', 'ConfigMap kube-system/cilium-config not found, no Cilium agent DaemonSet, no CiliumEndpoints', '3 nodes seen'],
    });
  });

  it('unknown when neither is seen', () => {
    expect(detectClusterMode({ vpcCni: noVpcCni, cilium: detectCiliumSettings(undefined), nodeCount: 0 })).toEqual({
      mode: 'unknown',
      reasons: [
        'DaemonSet kube-system/aws-node not found',
        'ConfigMap kube-system/cilium-config not found, no Cilium agent DaemonSet, no CiliumEndpoints',
        'no nodes seen: the input may not include cluster objects',
      ],
    });
    expect(detectClusterMode({}).mode).toBe('unknown');
  });

  it('aws-node plus CiliumEndpoints without cilium-config is inferred as chaining', () => {
    const r = detectClusterMode({ vpcCni, ciliumEndpointCount: 4 });
    expect(r).toEqual({
      mode: 'aws-cni-chaining',
      reasons: [
        'ConfigMap kube-system/cilium-config not found, so the chaining mode is unknown',
        '4 CiliumEndpoints found',
        'DaemonSet kube-system/aws-node found (v1.20.4)',
        'Cilium next to aws-node is taken as aws-cni chaining (inferred)',
      ],
    });
  });
});
