import { describe, expect, it } from 'vitest';
import type { Provenance } from '../../src/core/model';
import { objectKey, projectKubeObject } from '../../src/core/project/projectKube';

const api: Provenance = { source: 'kubernetes-api' };
const file: Provenance = { source: 'snapshot', file: 'kubernetes/pods.yaml', line: 12 };

describe('objectKey', () => {
  it('is ns/name or name', () => {
    expect(objectKey('shop', 'web')).toBe('shop/web');
    expect(objectKey(undefined, 'ip-10-0-33-201')).toBe('ip-10-0-33-201');
  });
});

describe('projectKubeObject: core kinds', () => {
  it('projects a namespace', () => {
    expect(projectKubeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a', bad: 3 } } }, api)).toEqual({
      kind: 'namespace',
      value: { name: 'shop', labels: { team: 'a' }, origin: api },
    });
  });

  it('projects a node: instance from providerID, type/zone from labels, region from the zone', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'ip-10-0-33-201.eu-west-1.compute.internal',
        uid: 'n-1',
        creationTimestamp: '2026-04-30T08:13:00Z',
        labels: { 'node.kubernetes.io/instance-type': 'm5.large', 'topology.kubernetes.io/zone': 'eu-west-1b' },
      },
      spec: { providerID: 'aws:///eu-west-1a/i-0123456789abcdef0' },
      status: {
        addresses: [
          { type: 'InternalIP', address: '10.0.33.201' },
          { type: 'Hostname', address: 'ip-10-0-33-201.eu-west-1.compute.internal' },
        ],
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        nodeInfo: { kubeletVersion: 'v1.33.1-eks-1234567' },
      },
    };
    expect(projectKubeObject(node, api)).toEqual({
      kind: 'node',
      value: {
        name: 'ip-10-0-33-201.eu-west-1.compute.internal',
        uid: 'n-1',
        labels: node.metadata.labels,
        providerId: 'aws:///eu-west-1a/i-0123456789abcdef0',
        instanceId: 'i-0123456789abcdef0',
        instanceType: 'm5.large',
        zone: 'eu-west-1b',
        region: 'eu-west-1',
        internalIp: '10.0.33.201',
        externalIp: undefined,
        ready: true,
        kubeletVersion: 'v1.33.1-eks-1234567',
        createdAt: '2026-04-30T08:13:00Z',
        origin: api,
      },
    });
  });

  it('derives zone and region from providerID when labels are missing', () => {
    const r = projectKubeObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { providerID: 'aws:///us-west-2a/i-0abc' } }, api);
    expect(r?.kind === 'node' && r.value).toMatchObject({ instanceId: 'i-0abc', zone: 'us-west-2a', region: 'us-west-2', ready: false });
    const local = projectKubeObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { providerID: 'aws:///us-west-2-lax-1a/i-0abc' } }, api);
    expect(local?.kind === 'node' && local.value.region).toBe('us-west-2');
  });

  it('projects a hostNetwork pod with ports, owner and readiness', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'aws-node-x7k2p',
        namespace: 'kube-system',
        uid: 'p-1',
        labels: { 'k8s-app': 'aws-node' },
        creationTimestamp: '2026-04-30T08:14:00Z',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Something', name: 'not-controller' },
          { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'aws-node', uid: 'd-1', controller: true },
        ],
      },
      spec: {
        nodeName: 'ip-10-0-33-201.eu-west-1.compute.internal',
        hostNetwork: true,
        serviceAccountName: 'aws-node',
        containers: [
          { name: 'aws-node', ports: [{ containerPort: 61678, name: 'metrics' }, { containerPort: 'x' }] },
          { name: 'aws-eks-nodeagent', ports: [{ containerPort: 8162, protocol: 'UDP' }] },
        ],
      },
      status: {
        phase: 'Running',
        podIP: '10.0.33.201',
        podIPs: [{ ip: '10.0.33.201' }],
        hostIP: '10.0.33.201',
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    };
    expect(projectKubeObject(pod, file)).toEqual({
      kind: 'pod',
      value: {
        namespace: 'kube-system',
        name: 'aws-node-x7k2p',
        uid: 'p-1',
        labels: { 'k8s-app': 'aws-node' },
        nodeName: 'ip-10-0-33-201.eu-west-1.compute.internal',
        ip: '10.0.33.201',
        ips: ['10.0.33.201'],
        hostIp: '10.0.33.201',
        hostNetwork: true,
        phase: 'Running',
        ready: true,
        owner: { kind: 'DaemonSet', name: 'aws-node' },
        serviceAccount: 'aws-node',
        containerPorts: [
          { name: 'metrics', port: 61678, protocol: 'TCP', container: 'aws-node' },
          { port: 8162, protocol: 'UDP', container: 'aws-eks-nodeagent' },
        ],
        createdAt: '2026-04-30T08:14:00Z',
        origin: file,
      },
    });
  });

  it('projects a Pending pod without IP; namespace defaults like kubectl', () => {
    const r = projectKubeObject(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-pending', labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', ports: 'nope' }] },
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] },
      },
      api,
    );
    expect(r).toEqual({
      kind: 'pod',
      value: {
        namespace: 'default',
        name: 'web-pending',
        labels: { app: 'web' },
        ips: [],
        hostNetwork: false,
        phase: 'Pending',
        ready: false,
        containerPorts: [],
        origin: api,
      },
    });
  });

  it('parses the pod-eni annotation safely', () => {
    const mk = (annotation: unknown) =>
      projectKubeObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: 'shop', annotations: { 'vpc.amazonaws.com/pod-eni': annotation } } }, api);
    const good = mk(
      '[{"eniId":"eni-0branch0000000000","ifAddress":"02:aa:bb:cc:dd:ee","privateIp":"10.0.45.99","vlanId":1,"subnetCidr":"10.0.32.0/20"}]',
    );
    expect(good?.kind === 'pod' && good.value.podEni).toEqual([{ eniId: 'eni-0branch0000000000', privateIp: '10.0.45.99', vlanId: 1, subnetCidr: '10.0.32.0/20' }]);
    for (const bad of ['{not json', '{"eniId":"x"}', 42, '[{"privateIp":"10.0.0.1"}]']) {
      const r = mk(bad);
      expect(r?.kind === 'pod' && r.value.podEni).toBeUndefined();
    }
  });

  it('projects a service with ports, selector and datapath annotations only', () => {
    const r = projectKubeObject(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'web',
          namespace: 'shop',
          annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
        spec: {
          type: 'LoadBalancer',
          clusterIP: '172.20.14.3',
          clusterIPs: ['172.20.14.3'],
          selector: { app: 'web' },
          externalTrafficPolicy: 'Local',
          ports: [
            { name: 'http', port: 80, targetPort: 'http', nodePort: 31080 },
            { port: 443, targetPort: 8443, protocol: 'TCP' },
            { port: 'bad' },
          ],
        },
        status: { loadBalancer: { ingress: [{ hostname: 'k8s-shop-web-123.elb.eu-west-1.amazonaws.com' }] } },
      },
      api,
    );
    expect(r).toEqual({
      kind: 'service',
      value: {
        namespace: 'shop',
        name: 'web',
        type: 'LoadBalancer',
        clusterIp: '172.20.14.3',
        clusterIps: ['172.20.14.3'],
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 31080 },
          { port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
        loadBalancerIngress: ['k8s-shop-web-123.elb.eu-west-1.amazonaws.com'],
        externalTrafficPolicy: 'Local',
        annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external' },
        origin: api,
      },
    });
  });

  it('projects an EndpointSlice', () => {
    const r = projectKubeObject(
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-abc12', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.0.45.17'], conditions: { ready: true }, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-1' } },
          { addresses: ['10.0.52.9'], conditions: { ready: false } },
          { addresses: ['10.0.52.10'] },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { port: 9090 }],
      },
      api,
    );
    expect(r).toEqual({
      kind: 'endpointSlice',
      value: {
        namespace: 'shop',
        name: 'web-abc12',
        serviceName: 'web',
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.0.45.17'], ready: true, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-1' } },
          { addresses: ['10.0.52.9'], ready: false },
          { addresses: ['10.0.52.10'], ready: true },
        ],
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { port: 9090, protocol: 'TCP' },
        ],
        origin: api,
      },
    });
  });

  it('projects only the settings ConfigMaps', () => {
    expect(
      projectKubeObject(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace: 'kube-system' }, data: { 'cni-chaining-mode': 'aws-cni', 'enable-hubble': true, junk: {} } },
        file,
      ),
    ).toEqual({
      kind: 'configMap',
      value: { namespace: 'kube-system', name: 'cilium-config', data: { 'cni-chaining-mode': 'aws-cni', 'enable-hubble': 'true' }, origin: file },
    });
    expect(projectKubeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: {} }, file)).toBeUndefined();
    expect(projectKubeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cilium-config', namespace: 'other' } }, file)).toBeUndefined();
  });

  it('projects a DaemonSet: images, literal env, valueFrom names, args', () => {
    const r = projectKubeObject(
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'aws-node', namespace: 'kube-system' },
        spec: {
          template: {
            spec: {
              initContainers: [{ name: 'aws-vpc-cni-init', image: 'x/amazon-k8s-cni-init:v1.20.4', env: [{ name: 'DISABLE_TCP_EARLY_DEMUX', value: 'false' }] }],
              containers: [
                {
                  name: 'aws-node',
                  image: '602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.20.4-eksbuild.1',
                  env: [
                    { name: 'AWS_VPC_K8S_CNI_EXTERNALSNAT', value: 'true' },
                    { name: 'MY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                    { name: 'WARM_ENI_TARGET', value: 2 },
                    { value: 'no name' },
                  ],
                },
                { name: 'aws-eks-nodeagent', image: 'x/aws-network-policy-agent:v1.2.0', args: ['--enable-network-policy=true', 7] },
              ],
            },
          },
        },
      },
      api,
    );
    expect(r).toEqual({
      kind: 'daemonSet',
      value: {
        namespace: 'kube-system',
        name: 'aws-node',
        containers: [
          {
            name: 'aws-node',
            image: '602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.20.4-eksbuild.1',
            env: { AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true', WARM_ENI_TARGET: '2' },
            envFrom: ['MY_NODE_NAME'],
            args: [],
          },
          { name: 'aws-eks-nodeagent', image: 'x/aws-network-policy-agent:v1.2.0', env: {}, envFrom: [], args: ['--enable-network-policy=true'] },
        ],
        initContainers: [{ name: 'aws-vpc-cni-init', image: 'x/amazon-k8s-cni-init:v1.20.4', env: { DISABLE_TCP_EARLY_DEMUX: 'false' }, envFrom: [], args: [] }],
        origin: api,
      },
    });
  });
});

describe('projectKubeObject: Cilium and AWS CRDs', () => {
  it('projects a CiliumEndpoint (datapath.md A1 example)', () => {
    const cep = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumEndpoint',
      metadata: { name: 'web-7d4b9c6f5-abcde', namespace: 'shop' },
      status: {
        id: 1839,
        state: 'ready',
        identity: {
          id: 48213,
          labels: ['k8s:app=web', 'k8s:io.kubernetes.pod.namespace=shop', 'k8s:io.cilium.k8s.policy.serviceaccount=web', 'k8s:io.cilium.k8s.policy.cluster=default'],
        },
        networking: { addressing: [{ ipv4: '10.0.45.17' }, { ipv6: 'fd00::11' }], node: '10.0.33.201' },
        encryption: {},
        'external-identifiers': { 'container-id': '3f1c0e7a', 'k8s-namespace': 'shop', 'k8s-pod-name': 'web-7d4b9c6f5-abcde' },
        'named-ports': [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'bad', port: 0 }],
      },
    };
    expect(projectKubeObject(cep, api)).toEqual({
      kind: 'ciliumEndpoint',
      value: {
        namespace: 'shop',
        name: 'web-7d4b9c6f5-abcde',
        endpointId: 1839,
        identityId: 48213,
        identityLabels: cep.status.identity.labels,
        ipv4: ['10.0.45.17'],
        ipv6: ['fd00::11'],
        nodeIp: '10.0.33.201',
        state: 'ready',
        namedPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        origin: api,
      },
    });
  });

  it('projects a CiliumEndpoint with no status', () => {
    const r = projectKubeObject({ apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint', metadata: { name: 'a', namespace: 'b' }, status: 'junk' }, api);
    expect(r).toEqual({
      kind: 'ciliumEndpoint',
      value: { namespace: 'b', name: 'a', identityLabels: [], ipv4: [], ipv6: [], namedPorts: [], origin: api },
    });
  });

  it('projects a CiliumIdentity from its name and security-labels', () => {
    expect(
      projectKubeObject(
        { apiVersion: 'cilium.io/v2', kind: 'CiliumIdentity', metadata: { name: '48213', labels: { app: 'web' } }, 'security-labels': { 'k8s:app': 'web', 'k8s:x': 1 } },
        api,
      ),
    ).toEqual({ kind: 'ciliumIdentity', value: { id: 48213, labels: { 'k8s:app': 'web' }, origin: api } });
    expect(projectKubeObject({ apiVersion: 'cilium.io/v2', kind: 'CiliumIdentity', metadata: { name: 'abc' } }, api)).toBeUndefined();
  });

  it('projects a CiliumNode', () => {
    expect(
      projectKubeObject(
        {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumNode',
          metadata: { name: 'ip-10-0-33-201.eu-west-1.compute.internal' },
          spec: {
            'instance-id': 'i-0123456789abcdef0',
            addresses: [
              { type: 'InternalIP', ip: '10.0.33.201' },
              { type: 'CiliumInternalIP', ip: '10.200.3.45' },
            ],
            ipam: { podCIDRs: ['10.200.3.0/24'] },
            eni: {},
          },
        },
        api,
      ),
    ).toEqual({
      kind: 'ciliumNode',
      value: {
        name: 'ip-10-0-33-201.eu-west-1.compute.internal',
        instanceId: 'i-0123456789abcdef0',
        addresses: [
          { type: 'InternalIP', ip: '10.0.33.201' },
          { type: 'CiliumInternalIP', ip: '10.200.3.45' },
        ],
        podCidrs: ['10.200.3.0/24'],
        origin: api,
      },
    });
  });

  it('projects a CCNP without namespace, keeping spec and specs', () => {
    const specs = [{ endpointSelector: {}, egressDeny: [{ toCIDR: ['169.254.169.254/32'] }] }];
    const r = projectKubeObject(
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumClusterwideNetworkPolicy',
        metadata: { name: 'deny-imds', namespace: 'ignored', uid: 'u-1', resourceVersion: '42' },
        specs,
      },
      file,
    );
    expect(r).toEqual({ kind: 'networkPolicy', value: { kind: 'CiliumClusterwideNetworkPolicy', name: 'deny-imds', uid: 'u-1', resourceVersion: '42', specs, origin: file } });
    expect(r?.kind === 'networkPolicy' && r.value.namespace).toBeUndefined();
  });

  it('projects a CNP and a Kubernetes NetworkPolicy with their namespace and spec', () => {
    const spec = { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'frontend' } }] }] };
    expect(projectKubeObject({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'web-policy', namespace: 'shop' }, spec }, api)).toEqual({
      kind: 'networkPolicy',
      value: { kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'web-policy', spec, origin: api },
    });
    const npSpec = { podSelector: {}, policyTypes: ['Ingress'] };
    expect(projectKubeObject({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'shop' }, spec: npSpec }, api)).toEqual({
      kind: 'networkPolicy',
      value: { kind: 'NetworkPolicy', namespace: 'shop', name: 'deny', spec: npSpec, origin: api },
    });
  });

  it('projects ENIConfig and CNINode', () => {
    expect(
      projectKubeObject(
        { apiVersion: 'crd.k8s.amazonaws.com/v1alpha1', kind: 'ENIConfig', metadata: { name: 'eu-west-1a' }, spec: { subnet: 'subnet-0aaa', securityGroups: ['sg-1', 2] } },
        api,
      ),
    ).toEqual({ kind: 'eniConfig', value: { name: 'eu-west-1a', subnet: 'subnet-0aaa', securityGroups: ['sg-1'], origin: api } });
    expect(
      projectKubeObject(
        {
          apiVersion: 'vpcresources.k8s.aws/v1alpha1',
          kind: 'CNINode',
          metadata: { name: 'ip-10-0-33-201.eu-west-1.compute.internal' },
          spec: { features: [{ name: 'SecurityGroupsForPods' }, { name: 'CustomNetworking', value: 'eu-west-1a' }, { value: 'x' }] },
        },
        api,
      ),
    ).toEqual({
      kind: 'cniNode',
      value: {
        name: 'ip-10-0-33-201.eu-west-1.compute.internal',
        features: [{ name: 'SecurityGroupsForPods' }, { name: 'CustomNetworking', value: 'eu-west-1a' }],
        origin: api,
      },
    });
  });
});

describe('projectKubeObject: garbage', () => {
  it.each([
    ['null', null],
    ['a string', 'kind: Pod'],
    ['an array', [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }]],
    ['no metadata', { apiVersion: 'v1', kind: 'Pod' }],
    ['no name', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'x' } }],
    ['a numeric name', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 5 } }],
    ['no apiVersion', { kind: 'Pod', metadata: { name: 'x' } }],
    ['an unknown kind', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }],
    ['a kind in the wrong group', { apiVersion: 'example.com/v1', kind: 'NetworkPolicy', metadata: { name: 'x' } }],
    ['a List', { apiVersion: 'v1', kind: 'List', metadata: { name: 'x' }, items: [] }],
  ])('%s → undefined', (_label, obj) => {
    expect(projectKubeObject(obj, api)).toBeUndefined();
  });

  it('skips wrong types field by field', () => {
    const r = projectKubeObject(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'odd', namespace: 'x', labels: ['a'], ownerReferences: 'x', annotations: 7 },
        spec: { hostNetwork: 'yes', containers: { name: 'c' }, nodeName: 3 },
        status: { podIP: 1, podIPs: [{ ip: 2 }, 'x', { ip: '10.0.0.9' }], conditions: 'Ready' },
      },
      api,
    );
    expect(r).toEqual({
      kind: 'pod',
      value: { namespace: 'x', name: 'odd', labels: {}, ips: ['10.0.0.9'], hostNetwork: false, ready: false, containerPorts: [], origin: api },
    });
  });

  it('does not let a __proto__ label touch the prototype', () => {
    const obj = JSON.parse('{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n","labels":{"__proto__":"x","a":"b"}}}');
    const r = projectKubeObject(obj, api);
    expect(r?.kind === 'namespace' && Object.getPrototypeOf(r.value.labels)).toBe(Object.prototype);
    expect(r?.kind === 'namespace' && Object.keys(r.value.labels)).toEqual(['__proto__', 'a']);
  });

  it('accepts a YAML-parsed Date creationTimestamp', () => {
    const r = projectKubeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }, api);
    expect(r?.kind).toBe('namespace');
    const node = projectKubeObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', creationTimestamp: new Date('2026-04-30T08:13:00Z') } }, api);
    expect(node?.kind === 'node' && node.value.createdAt).toBe('2026-04-30T08:13:00Z');
  });
});
